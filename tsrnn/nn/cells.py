"""Recurrent cells: PyTorch's fused ones and the LSTM variants, behind one step interface.

The plain ``"rnn"``, ``"lstm"`` and ``"gru"`` cells are PyTorch's fused kernels. The LSTM
variants (layer-normalised, peephole, coupled input-forget gate) are :class:`LSTMCell`
run by a Python loop over time: more flexible and several times slower (see
``benchmarks/cells_speed.py``).

Bias convention: PyTorch's ``nn.LSTM`` keeps two bias vectors per layer (``bias_ih`` and
``bias_hh``) that are always added, so it has ``4H(I + H) + 8H`` parameters although only
their sum matters. :class:`LSTMCell` keeps one bias, ``4H(I + H) + 4H``; loading
``bias_ih + bias_hh`` into it reproduces ``nn.LSTM`` exactly.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = [
    "CELLS",
    "FUSED_CELLS",
    "FusedCell",
    "LSTMCell",
    "init_forget_gate_bias",
    "make_cell",
    "run_cell",
    "state_parts",
]

FUSED_CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
_VARIANTS = {
    "layernorm_lstm": {"layer_norm": True},
    "peephole_lstm": {"peephole": True},
    "coupled_lstm": {"coupled": True},
}
CELLS = (*FUSED_CELLS, *_VARIANTS)
State = tuple[torch.Tensor, ...]


def state_parts(cell: str) -> int:
    """Tensors in a state of ``cell``: 2 (``h`` and ``c``) for LSTM cells, else 1 (``h``).

    Examples
    --------
    >>> [state_parts(cell) for cell in CELLS]
    [1, 2, 1, 2, 2, 2]
    """
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {list(CELLS)}; got {cell!r}.")
    return 1 if cell in ("rnn", "gru") else 2


def init_forget_gate_bias(lstm: nn.Module, value: float = 1.0) -> None:
    """Set every layer's forget-gate bias to ``value`` (Gers et al., 2000).

    PyTorch keeps two biases per layer (``bias_ih`` and ``bias_hh``) and adds them;
    gates are ordered input, forget, cell, output. The forget slice of ``bias_ih``
    gets ``value`` and that of ``bias_hh`` gets 0, so the sum is ``value``.

    Parameters
    ----------
    lstm : nn.LSTM or nn.LSTMCell
        Module changed in place.
    value : float, default=1.0
        Forget-gate bias.

    Examples
    --------
    >>> lstm = nn.LSTM(1, 4, num_layers=2)
    >>> init_forget_gate_bias(lstm)
    >>> (lstm.bias_ih_l1[4:8] + lstm.bias_hh_l1[4:8]).tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    hidden = lstm.hidden_size
    with torch.no_grad():
        for name, param in lstm.named_parameters():
            if name.startswith("bias_ih"):
                param[hidden : 2 * hidden].fill_(value)
            elif name.startswith("bias_hh"):
                param[hidden : 2 * hidden].fill_(0.0)


class LSTMCell(nn.Module):
    """An LSTM cell with optional layer normalisation, peepholes and coupled gates.

    With every option off this is the standard LSTM of ``torch.nn.LSTMCell`` (gates
    input, forget, cell, output) with a single bias. Options:

    - ``layer_norm`` (Ba et al., 2016): the input and recurrent projections are each
      layer-normalised before they are added, and so is the cell before its ``tanh``.
    - ``peephole`` (Gers & Schmidhuber, 2000): diagonal connections from the cell to the
      gates: ``c[t-1]`` to the input and forget gates, ``c[t]`` to the output gate.
    - ``coupled`` (CIFG, Greff et al., 2017): no input gate; the input gate is
      ``1 - forget`` (three gates: forget, cell, output).

    The forget-gate bias starts at 1; other weights uniform in ``±1/sqrt(hidden_size)``.

    Parameters
    ----------
    input_size, hidden_size : int
        Sizes of the input and of the hidden state.
    layer_norm, peephole, coupled : bool, default=False
        The options above.

    Notes
    -----
    Parameters, with ``G = 3`` gates if ``coupled`` else 4: ``G*H*(I + H) + G*H``, plus
    ``(G - 1)*H`` peephole weights, plus ``4*G*H + 2*H`` layer-norm gains and shifts.

    Examples
    --------
    >>> cell = LSTMCell(3, 5, peephole=True)
    >>> h, c = cell(torch.zeros(2, 3))
    >>> h.shape, sum(p.numel() for p in cell.parameters())
    (torch.Size([2, 5]), 195)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        *,
        layer_norm: bool = False,
        peephole: bool = False,
        coupled: bool = False,
    ) -> None:
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        self.layer_norm, self.peephole, self.coupled = layer_norm, peephole, coupled
        gates = (3 if coupled else 4) * hidden_size
        self.weight_ih = nn.Parameter(torch.empty(gates, input_size))
        self.weight_hh = nn.Parameter(torch.empty(gates, hidden_size))
        self.bias = nn.Parameter(torch.empty(gates))
        self.weight_peephole = (
            nn.Parameter(torch.empty(2 if coupled else 3, hidden_size)) if peephole else None
        )
        self.norm_ih = nn.LayerNorm(gates) if layer_norm else None
        self.norm_hh = nn.LayerNorm(gates) if layer_norm else None
        self.norm_cell = nn.LayerNorm(hidden_size) if layer_norm else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Uniform weights in ``±1/sqrt(hidden_size)``; forget-gate bias 1."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for param in (self.weight_ih, self.weight_hh, self.bias, self.weight_peephole):
            if param is not None:
                nn.init.uniform_(param, -bound, bound)
        forget = 0 if self.coupled else 1  # forget gate's slot in the gate order
        with torch.no_grad():
            self.bias[forget * self.hidden_size : (forget + 1) * self.hidden_size].fill_(1.0)

    def project_input(self, x: torch.Tensor) -> torch.Tensor:
        """Input part of the gates, ``(..., I) -> (..., G*H)``; done once for a whole sequence."""
        projected = x @ self.weight_ih.T  # [..., G*H]
        if self.norm_ih is not None:
            projected = self.norm_ih(projected)
        return projected + self.bias

    def init_state(self, batch_size: int, like: torch.Tensor) -> State:
        """Zero ``(h, c)``."""
        zeros = like.new_zeros(batch_size, self.hidden_size)
        return zeros, zeros

    def step(self, projected: torch.Tensor, state: State) -> State:
        """One time step from a projected input ``(B, G*H)``; returns the new ``(h, c)``."""
        h, c = state  # [B, H] each
        recurrent = h @ self.weight_hh.T  # [B, G*H]
        if self.norm_hh is not None:
            recurrent = self.norm_hh(recurrent)
        gates = (projected + recurrent).chunk(3 if self.coupled else 4, dim=-1)
        peep = self.weight_peephole
        if self.coupled:
            f, g, o = gates
            f = torch.sigmoid(f + (peep[0] * c if peep is not None else 0.0))
            i = 1.0 - f
        else:
            i, f, g, o = gates
            i = torch.sigmoid(i + (peep[0] * c if peep is not None else 0.0))
            f = torch.sigmoid(f + (peep[1] * c if peep is not None else 0.0))
        c = f * c + i * torch.tanh(g)
        o = torch.sigmoid(o + (peep[-1] * c if peep is not None else 0.0))
        cell_out = self.norm_cell(c) if self.norm_cell is not None else c
        return o * torch.tanh(cell_out), c

    def forward(self, x: torch.Tensor, state: State | None = None) -> State:
        """One step like ``nn.LSTMCell``: ``x`` (B, I), ``state`` ``(h, c)`` or None."""
        if state is None:
            state = self.init_state(x.shape[0], x)
        return self.step(self.project_input(x), state)

    def extra_repr(self) -> str:  # noqa: D102
        flags = [k for k in ("layer_norm", "peephole", "coupled") if getattr(self, k)]
        return f"{self.input_size}, {self.hidden_size}" + "".join(f", {k}=True" for k in flags)


class FusedCell(nn.Module):
    """PyTorch's fused single-step cell behind the :class:`LSTMCell` step interface.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}
        Which ``torch.nn.*Cell``; LSTM forget-gate biases start at 1.
    input_size, hidden_size : int
        Sizes of the input and of the hidden state.

    Examples
    --------
    >>> cell = FusedCell("gru", 2, 4)
    >>> [t.shape for t in cell.step(torch.zeros(3, 2), cell.init_state(3, torch.zeros(1)))]
    [torch.Size([3, 4])]
    """

    def __init__(self, cell: str, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.kind, self.hidden_size = cell, hidden_size
        self.cell = {"rnn": nn.RNNCell, "lstm": nn.LSTMCell, "gru": nn.GRUCell}[cell](
            input_size, hidden_size
        )
        if cell == "lstm":
            init_forget_gate_bias(self.cell)

    def project_input(self, x: torch.Tensor) -> torch.Tensor:
        """Identity: the fused kernel projects the input itself."""
        return x

    def init_state(self, batch_size: int, like: torch.Tensor) -> State:
        """Zero state: ``(h, c)`` for the LSTM, ``(h,)`` otherwise."""
        zeros = like.new_zeros(batch_size, self.hidden_size)
        return (zeros, zeros) if self.kind == "lstm" else (zeros,)

    def step(self, projected: torch.Tensor, state: State) -> State:
        """One time step; returns the new state tuple."""
        if self.kind == "lstm":
            return self.cell(projected, state)
        return (self.cell(projected, state[0]),)


def make_cell(cell: str, input_size: int, hidden_size: int) -> nn.Module:
    """A single-step cell by name (one of ``CELLS``).

    Examples
    --------
    >>> make_cell("coupled_lstm", 2, 3)
    LSTMCell(2, 3, coupled=True)
    """
    if cell in _VARIANTS:
        return LSTMCell(input_size, hidden_size, **_VARIANTS[cell])
    if cell in FUSED_CELLS:
        return FusedCell(cell, input_size, hidden_size)
    raise ValueError(f"cell must be one of {list(CELLS)}; got {cell!r}.")


def _reverse_index(lengths: torch.Tensor, steps: int) -> torch.Tensor:
    """Per-row time index reversing each sequence within its length; padding stays put."""
    t = torch.arange(steps)[None, :]  # [1, T]
    lengths = lengths.cpu()[:, None]  # [B, 1]
    return torch.where(t < lengths, lengths - 1 - t, t)  # [B, T]


def run_cell(
    cell: nn.Module, x: torch.Tensor, lengths: torch.Tensor, *, reverse: bool = False
) -> tuple[torch.Tensor, State]:
    """Run a step cell over right-padded sequences.

    Parameters
    ----------
    cell : LSTMCell or FusedCell
        The cell.
    x : Tensor of shape (B, T, I)
        Inputs, right-padded.
    lengths : Tensor of shape (B,)
        True lengths.
    reverse : bool, default=False
        Read each sequence backwards from its last real step (a backward direction).

    Returns
    -------
    outputs : Tensor of shape (B, T, H)
        Hidden states, zero at padded steps, in the original time order.
    state : tuple of Tensor of shape (B, H)
        Each sequence's state after its last real step (its first, when ``reverse``).

    Examples
    --------
    >>> out, (h, c) = run_cell(LSTMCell(2, 3), torch.ones(2, 4, 2), torch.tensor([4, 2]))
    >>> out.shape, bool(out[1, 2:].eq(0).all()), bool(h[1].eq(out[1, 1]).all())
    (torch.Size([2, 4, 3]), True, True)
    """
    batch, steps, _ = x.shape
    index = _reverse_index(lengths, steps).to(x.device) if reverse else None
    if index is not None:
        x = x.gather(1, index[..., None].expand_as(x))
    projected = cell.project_input(x)  # [B, T, G*H] (fused cells: the input itself)
    valid = (torch.arange(steps, device=x.device)[None, :] < lengths.to(x.device)[:, None])[
        ..., None
    ]  # [B, T, 1]
    state = cell.init_state(batch, x)
    outputs = []
    for t in range(steps):
        new = cell.step(projected[:, t], state)
        keep = valid[:, t]  # [B, 1]
        state = tuple(torch.where(keep, n, s) for n, s in zip(new, state, strict=True))
        outputs.append(new[0] * keep)
    out = torch.stack(outputs, dim=1)  # [B, T, H]
    if index is not None:
        out = out.gather(1, index[..., None].expand_as(out))
    return out, state
