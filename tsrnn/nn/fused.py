"""PyTorch's fused multi-layer ``RNN``/``LSTM``/``GRU`` with the encoder interface.

:class:`RNN`, :class:`LSTM` and :class:`GRU` subclass the ``torch.nn`` modules of the same
name without changing their parameters, their initialisation order or their
``state_dict`` keys (``weight_ih_l0``, ...); the LSTM's forget-gate biases start at 1. They
add what :class:`tsrnn.nn.Encoder` asks of every encoder: ``state_shape``,
``initial_state``, ``last_hidden`` and the stateful ``run``. Their state is the one
PyTorch returns: a tensor ``[L*D, B, H]``, or ``(h, c)`` of two for the LSTM.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from tsrnn.nn.cells import init_forget_gate_bias, state_parts
from tsrnn.nn.state import State, merge_state, select_state, top_hidden, zero_state

__all__ = ["FUSED_ENCODERS", "GRU", "LSTM", "RNN", "fused_encoder", "last_steps"]


def last_steps(seq: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Each sequence's output at its last real step: ``(B, T, F) -> (B, F)``.

    Examples
    --------
    >>> last_steps(torch.arange(6.).reshape(2, 3, 1), torch.tensor([3, 1]))[:, 0].tolist()
    [2.0, 3.0]
    """
    return seq[torch.arange(seq.shape[0], device=seq.device), lengths.to(seq.device) - 1]


# Batches with at most this many distinct lengths run one unpacked kernel call per length.
_MAX_GROUPS = 32


def _full(x: torch.Tensor, lengths: torch.Tensor | None) -> bool:
    """No padding: then the kernels run unpacked (same numbers as packed, faster)."""
    return lengths is None or bool((lengths == x.shape[1]).all())


class _FusedEncoder:
    """The encoder methods of a batch-first ``nn.RNNBase`` (mixed in before it)."""

    cell: str  # name in ``tsrnn.nn.CELLS``

    @property
    def output_size(self) -> int:
        """Features of each output step: ``hidden_size`` times the directions."""
        return self.hidden_size * (2 if self.bidirectional else 1)

    @property
    def state_shape(self) -> tuple[int, int, int]:
        """``(parts, layers * directions, hidden)`` of one lane's state."""
        layers = self.num_layers * (2 if self.bidirectional else 1)
        return state_parts(self.cell), layers, self.hidden_size

    def initial_state(self, batch: int, like: torch.Tensor) -> State:
        """Zero state for ``batch`` lanes, on ``like``'s device and dtype."""
        return zero_state(self.state_shape, batch, like)

    def _packed(
        self, x: torch.Tensor, lengths: torch.Tensor, state: State | None, unpack: bool
    ) -> tuple[torch.Tensor | None, State]:
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        seq, state = self(packed, state)
        if not unpack:
            return None, state
        return pad_packed_sequence(seq, batch_first=True, total_length=x.shape[1])[0], state

    def read(self, x: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, State]:
        """Read right-padded ``x`` (B, T, I) from zeros: outputs (zero at padding), state."""
        if _full(x, lengths):
            return self(x)
        return self._packed(x, lengths, None, unpack=True)

    def last_hidden(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Top layer's output at each sequence's last real step, ``(B, output_size)``."""
        if self.bidirectional:  # the backward direction ends at the first step
            return last_steps(self.read(x, lengths)[0], lengths)
        if _full(x, lengths):
            return top_hidden(self(x)[1])
        distinct = torch.unique(lengths)
        if len(distinct) > _MAX_GROUPS:
            return top_hidden(self._packed(x, lengths, None, unpack=False)[1])
        parts, order = [], []
        for n in distinct.tolist():  # each length unpacked: cheaper than one packed batch
            lanes = torch.nonzero(lengths == n).flatten()
            parts.append(top_hidden(self(x[lanes.to(x.device), :n])[1]))
            order.append(lanes)
        back = torch.argsort(torch.cat(order)).to(x.device)
        return torch.cat(parts).index_select(0, back)

    def run(
        self, x: torch.Tensor, state: State | None = None, lengths: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, State]:
        """Read ``x`` (B, T, I) on from ``state`` (zeros when None).

        Lanes of length 0 are skipped and keep their state. Returns the outputs
        ``(B, T, output_size)``, zero past each lane's length, and the state after each
        lane's last real step.
        """
        if _full(x, lengths):
            return self(x, state)
        batch, steps = x.shape[:2]
        if state is None:
            state = self.initial_state(batch, x)
        lanes = torch.nonzero(lengths > 0).flatten()
        if len(lanes) == 0:
            return x.new_zeros(batch, steps, self.output_size), state
        seq, new = self._packed(x[lanes], lengths[lanes], select_state(state, lanes), True)
        if len(lanes) < batch:
            seq = x.new_zeros(batch, steps, self.output_size).index_copy(0, lanes, seq)
        return seq, merge_state(state, lanes, new)


class RNN(_FusedEncoder, nn.RNN):
    """``torch.nn.RNN`` (tanh) with the encoder interface.

    Examples
    --------
    >>> rnn = RNN(2, 3, num_layers=2, batch_first=True)
    >>> rnn.state_shape, rnn.initial_state(4, torch.zeros(1)).shape
    ((1, 2, 3), torch.Size([2, 4, 3]))
    """

    cell = "rnn"


class GRU(_FusedEncoder, nn.GRU):
    """``torch.nn.GRU`` with the encoder interface.

    Examples
    --------
    >>> gru = GRU(2, 3, batch_first=True)
    >>> gru.last_hidden(torch.ones(2, 4, 2), torch.tensor([4, 2])).shape
    torch.Size([2, 3])
    """

    cell = "gru"


class LSTM(_FusedEncoder, nn.LSTM):
    """``torch.nn.LSTM`` with the encoder interface; forget-gate biases start at 1.

    Examples
    --------
    >>> lstm = LSTM(1, 4, batch_first=True)
    >>> (lstm.bias_ih_l0 + lstm.bias_hh_l0)[4:8].tolist(), lstm.state_shape
    ([1.0, 1.0, 1.0, 1.0], (2, 1, 4))
    """

    cell = "lstm"

    def reset_parameters(self) -> None:
        """PyTorch's uniform initialisation, then forget-gate biases 1."""
        super().reset_parameters()
        init_forget_gate_bias(self)


FUSED_ENCODERS = {"rnn": RNN, "lstm": LSTM, "gru": GRU}


def fused_encoder(
    cell: str,
    input_size: int,
    hidden_size: int,
    *,
    num_layers: int = 1,
    dropout: float = 0.0,
    bidirectional: bool = False,
) -> RNN | LSTM | GRU:
    """A batch-first fused encoder; ``dropout`` applies between layers only (so not with one).

    Examples
    --------
    >>> fused_encoder("gru", 2, 8, num_layers=2, dropout=0.1)
    GRU(2, 8, num_layers=2, batch_first=True, dropout=0.1)
    """
    return FUSED_ENCODERS[cell](
        input_size,
        hidden_size,
        num_layers=num_layers,
        batch_first=True,
        dropout=dropout if num_layers > 1 else 0.0,
        bidirectional=bidirectional,
    )
