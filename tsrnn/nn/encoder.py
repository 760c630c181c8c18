"""One interface over every recurrent encoder, and the factory that picks one.

An encoder reads right-padded sequences ``(B, T, I)`` and owns the shape of its state:

- ``state_shape``: ``(parts, layers, hidden)`` of one lane's state (``parts`` is 2 for
  LSTM-type cells, ``(h, c)``, else 1);
- ``initial_state(batch, like)``: zeros of that shape for ``batch`` lanes;
- ``last_hidden(x, lengths)``: the top layer's output at each sequence's last real step,
  ``(B, output_size)``;
- ``run(x, state=None, lengths=None)``: the stateful call of truncated BPTT and
  streaming, ``-> (outputs, state)``; lanes of length 0 keep their state.

:func:`make_encoder` builds PyTorch's fused kernels (:mod:`tsrnn.nn.fused`) where they
apply and a :class:`~tsrnn.nn.stack.RecurrentEncoder` otherwise; only the fused ones
implement ``run``.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import torch

from tsrnn.nn.cells import CELLS, FUSED_CELLS
from tsrnn.nn.fused import GRU, LSTM, RNN, fused_encoder
from tsrnn.nn.stack import RecurrentEncoder
from tsrnn.nn.state import State

__all__ = ["Encoder", "make_encoder"]


@runtime_checkable
class Encoder(Protocol):
    """What a recurrent encoder offers (see the module docstring)."""

    @property
    def output_size(self) -> int:  # noqa: D102
        ...

    @property
    def state_shape(self) -> tuple[int, int, int]:  # noqa: D102
        ...

    def initial_state(self, batch: int, like: torch.Tensor) -> State:  # noqa: D102
        ...

    def last_hidden(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:  # noqa: D102
        ...

    def run(  # noqa: D102
        self, x: torch.Tensor, state: State | None = None, lengths: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, State]: ...


def make_encoder(
    *,
    cell: str = "lstm",
    input_size: int,
    hidden_size: int = 32,
    num_layers: int = 1,
    dropout: float = 0.0,
    bidirectional: bool = False,
    residual: bool = False,
) -> RNN | LSTM | GRU | RecurrentEncoder:
    """The encoder for a cell and a stack.

    One direction of a fused cell (``"rnn"``, ``"lstm"``, ``"gru"``) without residual
    connections is PyTorch's multi-layer kernel (``tsrnn.nn.fused.LSTM`` etc., thin
    subclasses of ``nn.LSTM``/``GRU``/``RNN``);
    anything else is a :class:`~tsrnn.nn.stack.RecurrentEncoder`.

    Parameters
    ----------
    cell : str, default="lstm"
        One of ``tsrnn.nn.CELLS``.
    input_size : int
        Features per step.
    hidden_size : int, default=32
        Hidden units per layer and direction.
    num_layers : int, default=1
        Stacked layers.
    dropout : float, default=0.0
        Dropout between stacked layers (never on the recurrent connection).
    bidirectional : bool, default=False
        Add a backward direction to every layer.
    residual : bool, default=False
        Residual connections between stacked layers.

    Returns
    -------
    Encoder
        A module with the interface of :class:`Encoder`.

    Examples
    --------
    >>> make_encoder(cell="gru", input_size=2, hidden_size=8, num_layers=2)
    GRU(2, 8, num_layers=2, batch_first=True)
    >>> enc = make_encoder(cell="peephole_lstm", input_size=2, hidden_size=8)
    >>> type(enc).__name__, enc.state_shape
    ('RecurrentEncoder', (2, 1, 8))
    >>> enc.last_hidden(torch.zeros(3, 5, 2), torch.tensor([5, 2, 1])).shape
    torch.Size([3, 8])
    """
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {list(CELLS)}; got {cell!r}.")
    if cell in FUSED_CELLS and not residual and not bidirectional:
        return fused_encoder(cell, input_size, hidden_size, num_layers=num_layers, dropout=dropout)
    return RecurrentEncoder(
        cell=cell,
        input_size=input_size,
        hidden_size=hidden_size,
        num_layers=num_layers,
        dropout=dropout,
        bidirectional=bidirectional,
        residual=residual,
    )
