"""Stacked, optionally bidirectional and residual recurrent encoders over padded sequences."""

from __future__ import annotations

import torch
from torch import nn

from tsrnn.nn.cells import CELLS, FUSED_CELLS, make_cell, run_cell, state_parts
from tsrnn.nn.fused import fused_encoder, last_steps
from tsrnn.nn.state import State, zero_state

__all__ = ["RecurrentEncoder"]


class RecurrentEncoder(nn.Module):
    """Read right-padded sequences with a stack of recurrent layers.

    Parameters
    ----------
    cell : str, default="lstm"
        One of ``tsrnn.nn.CELLS``: ``"rnn"``, ``"lstm"``, ``"gru"`` (PyTorch's
        fused kernels) or ``"layernorm_lstm"``, ``"peephole_lstm"``, ``"coupled_lstm"``
        (:class:`~tsrnn.nn.cells.LSTMCell` in a Python loop).
    input_size : int
        Features per step.
    hidden_size : int, default=32
        Hidden units per layer and direction.
    num_layers : int, default=1
        Stacked layers.
    dropout : float, default=0.0
        Dropout on the outputs of every layer but the last (never on the recurrent
        connection).
    bidirectional : bool, default=False
        Add a backward direction to every layer; outputs and states concatenate both.
    residual : bool, default=False
        Add each layer's input to its output, from the second layer on (where the sizes
        agree).

    Notes
    -----
    The :class:`~tsrnn.nn.Encoder` interface (``state_shape``, ``initial_state``,
    ``last_hidden``) is that of :meth:`forward`'s state ``(num_layers, B, D*H)``. The
    stateful :meth:`run` is not implemented (see
    :func:`~tsrnn.nn.make_encoder` for the encoders that have it).

    Examples
    --------
    >>> enc = RecurrentEncoder(cell="peephole_lstm", input_size=2, hidden_size=3,
    ...                        num_layers=2, bidirectional=True, residual=True)
    >>> out, (h, c) = enc(torch.zeros(4, 5, 2), torch.tensor([5, 3, 1, 5]))
    >>> out.shape, h.shape
    (torch.Size([4, 5, 6]), torch.Size([2, 4, 6]))
    """

    def __init__(
        self,
        *,
        cell: str = "lstm",
        input_size: int,
        hidden_size: int = 32,
        num_layers: int = 1,
        dropout: float = 0.0,
        bidirectional: bool = False,
        residual: bool = False,
    ) -> None:
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {list(CELLS)}; got {cell!r}.")
        self.cell, self.num_layers, self.residual = cell, num_layers, residual
        self.directions = 2 if bidirectional else 1
        self.hidden_size = hidden_size
        self.output_size = self.directions * hidden_size
        self.fast = cell in FUSED_CELLS and not residual
        if self.fast:  # one multi-layer fused call
            self.rnn = fused_encoder(
                cell,
                input_size,
                hidden_size,
                num_layers=num_layers,
                dropout=dropout,
                bidirectional=bidirectional,
            )
            return
        self.dropout = nn.Dropout(dropout)
        self.layers = nn.ModuleList()
        for layer in range(num_layers):
            size = input_size if layer == 0 else self.output_size
            if cell in FUSED_CELLS:
                self.layers.append(
                    fused_encoder(cell, size, hidden_size, bidirectional=bidirectional)
                )
            else:
                cells = [make_cell(cell, size, hidden_size) for _ in range(self.directions)]
                self.layers.append(nn.ModuleList(cells))

    def forward(
        self, x: torch.Tensor, lengths: torch.Tensor
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        """Encode ``x`` (B, T, I).

        Returns
        -------
        outputs : Tensor of shape (B, T, D*H)
            Top-layer outputs, zero at padded steps.
        state : tuple of Tensor of shape (num_layers, B, D*H)
            ``(h, c)`` for LSTM cells, ``(h,)`` otherwise: each layer's state after each
            sequence's last real step, directions concatenated.
        """
        if self.fast:
            out, state = self.rnn.read(x, lengths)
            return out, tuple(self._layers_first(s) for s in _tuple(state))
        finals = []
        for index, layer in enumerate(self.layers):
            inputs = x if index == 0 else self.dropout(x)
            if isinstance(layer, nn.ModuleList):
                runs = [run_cell(c, inputs, lengths, reverse=d == 1) for d, c in enumerate(layer)]
                out = torch.cat([r[0] for r in runs], dim=-1)  # [B, T, D*H]
                parts = zip(*(r[1] for r in runs), strict=True)  # (h, c) of each direction
                state = tuple(torch.cat(part, dim=-1) for part in parts)
            else:
                out, state = layer.read(inputs, lengths)
                state = tuple(self._layers_first(s)[0] for s in _tuple(state))  # [B, D*H]
            if self.residual and index > 0:
                out = out + x
            finals.append(state)
            x = out
        return x, tuple(torch.stack(parts) for parts in zip(*finals, strict=True))

    @property
    def state_shape(self) -> tuple[int, int, int]:
        """``(parts, num_layers, D*H)`` of one lane's state (as :meth:`forward` returns it)."""
        return state_parts(self.cell), self.num_layers, self.output_size

    def initial_state(self, batch: int, like: torch.Tensor) -> State:
        """Zero state for ``batch`` lanes, on ``like``'s device and dtype."""
        return zero_state(self.state_shape, batch, like)

    def last_hidden(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Top output (residual included) at each sequence's last real step, ``(B, D*H)``."""
        return last_steps(self(x, lengths)[0], lengths)

    def run(
        self, x: torch.Tensor, state: State | None = None, lengths: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, State]:
        """Not implemented: the stateful call needs a fused encoder of ``make_encoder``."""
        raise NotImplementedError(
            f"RecurrentEncoder(cell={self.cell!r}, residual={self.residual}, "
            f"bidirectional={self.directions == 2}) cannot carry a state across calls; "
            "the stateful run needs a fused cell ('rnn', 'lstm' or 'gru'), one direction "
            "and no residual connections (tsrnn.nn.encoder.make_encoder builds it)."
        )

    def _layers_first(self, state: torch.Tensor) -> torch.Tensor:
        """``[L*D, B, H]`` -> ``[L, B, D*H]``."""
        layers_dirs, batch, hidden = state.shape
        state = state.view(layers_dirs // self.directions, self.directions, batch, hidden)
        return state.permute(0, 2, 1, 3).reshape(-1, batch, self.directions * hidden)


def _tuple(state: State) -> tuple[torch.Tensor, ...]:
    return state if isinstance(state, tuple) else (state,)
