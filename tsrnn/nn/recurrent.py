"""Direct multi-step recurrent forecaster: a packed RNN/LSTM/GRU encoder and a linear head."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from tsrnn.nn.cells import init_forget_gate_bias
from tsrnn.nn.stack import RecurrentEncoder

__all__ = ["CELLS", "RecurrentNet", "init_forget_gate_bias"]

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class RecurrentNet(nn.Module):
    """Encode a (packed) context with a stacked RNN and emit all horizon steps at once.

    Parameters
    ----------
    cell : str, default="lstm"
        Recurrent cell: ``"rnn"``, ``"lstm"``, ``"gru"`` (PyTorch's fused kernels) or an
        LSTM variant of ``tsrnn.nn.CELLS`` (run by :class:`RecurrentEncoder`).
    input_size : int
        Features per context step.
    hidden_size : int, default=32
        Hidden units per layer.
    num_layers : int, default=1
        Stacked layers.
    dropout : float, default=0.0
        Dropout between stacked layers (never on the recurrent connection).
    horizon : int, default=1
        Steps forecast at once.
    future_size : int, default=0
        Known-future covariates per target step. Step ``h`` of the output
        depends on the covariates of step ``h`` only.
    residual : bool, default=False
        Residual connections between stacked layers (run by :class:`RecurrentEncoder`).

    Examples
    --------
    >>> net = RecurrentNet(cell="gru", input_size=2, hidden_size=8, horizon=3)
    >>> net(torch.zeros(4, 5, 2), torch.tensor([5, 3, 1, 5])).shape
    torch.Size([4, 3])
    """

    def __init__(
        self,
        *,
        cell: str = "lstm",
        input_size: int,
        hidden_size: int = 32,
        num_layers: int = 1,
        dropout: float = 0.0,
        horizon: int = 1,
        future_size: int = 0,
        residual: bool = False,
    ) -> None:
        super().__init__()
        self.cell = cell
        if residual or cell not in CELLS:  # custom cells or residual stacks
            self.rnn = RecurrentEncoder(
                cell=cell,
                input_size=input_size,
                hidden_size=hidden_size,
                num_layers=num_layers,
                dropout=dropout,
                residual=residual,
            )
        else:
            self.rnn = CELLS[cell](
                input_size,
                hidden_size,
                num_layers=num_layers,
                batch_first=True,
                dropout=dropout if num_layers > 1 else 0.0,
            )
            if cell == "lstm":
                init_forget_gate_bias(self.rnn, 1.0)
        self.head = nn.Linear(hidden_size, horizon)
        self.future_head = (
            nn.Sequential(
                nn.Linear(hidden_size + future_size, hidden_size),
                nn.Tanh(),
                nn.Linear(hidden_size, 1),
            )
            if future_size
            else None
        )

    def encode(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Top-layer hidden state after each sequence's last real step, shape (B, hidden)."""
        if isinstance(self.rnn, RecurrentEncoder):  # top output at the last real step,
            out, _ = self.rnn(x, lengths)  # which includes any residual: [B, T, hidden]
            return out[torch.arange(x.shape[0], device=x.device), lengths.to(x.device) - 1]
        if bool((lengths == x.shape[1]).all()):
            _, state = self.rnn(x)  # no padding: packing would give the same result, slower
        else:
            packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
            _, state = self.rnn(packed)
        hidden = state[0] if self.cell == "lstm" else state  # [layers, B, hidden]
        return hidden[-1]  # [B, hidden]

    def forward(
        self, x: torch.Tensor, lengths: torch.Tensor, future: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Forecast ``horizon`` steps: ``x`` (B, T, F) right-padded -> (B, H)."""
        hidden = self.encode(x, lengths)  # [B, hidden]
        out = self.head(hidden)  # [B, H]
        if self.future_head is not None:
            if future is None:
                raise ValueError("This network needs known-future covariates (future=...).")
            steps = hidden[:, None, :].expand(-1, future.shape[1], -1)  # [B, H, hidden]
            out = out + self.future_head(torch.cat([steps, future], dim=-1))[..., 0]  # [B, H]
        return out
