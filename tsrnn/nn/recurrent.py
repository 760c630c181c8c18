"""Direct multi-step recurrent forecaster: a packed RNN/LSTM/GRU encoder and a linear head."""

from __future__ import annotations

import torch
from torch import nn

from tsrnn.nn.cells import init_forget_gate_bias
from tsrnn.nn.distributions import DistributionHead, mean_scale
from tsrnn.nn.encoder import Encoder, make_encoder
from tsrnn.nn.heads import QuantileHead
from tsrnn.nn.state import State, top_hidden

__all__ = ["RecurrentNet", "init_forget_gate_bias"]


class RecurrentNet(nn.Module):
    """Encode a (packed) context with a stacked RNN and emit all horizon steps at once.

    Parameters
    ----------
    cell : str, default="lstm"
        Recurrent cell: ``"rnn"``, ``"lstm"``, ``"gru"`` (PyTorch's fused kernels) or an
        LSTM variant of ``tsrnn.nn.CELLS`` (run by :class:`RecurrentEncoder`); the
        encoder ``rnn`` comes from :func:`~tsrnn.nn.make_encoder`.
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
    quantiles : sequence of float or None, default=None
        Emit non-crossing quantiles through a :class:`~tsrnn.nn.heads.QuantileHead`:
        every output gains a last axis of ``head.quantiles`` (the median included).
    likelihood : {"normal", "student_t", "negative_binomial"} or None, default=None
        Emit distribution parameters through a :class:`~tsrnn.nn.distributions.DistributionHead`
        (last axis: the parameters). With ``"negative_binomial"`` the target input is
        divided by each window's :func:`~tsrnn.nn.distributions.mean_scale` (plus 1) and the
        mean multiplied back (DeepAR's scaling of counts; windowed calls only).

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
        quantiles: tuple[float, ...] | None = None,
        likelihood: str | None = None,
    ) -> None:
        super().__init__()
        self.cell = cell
        self.rnn: Encoder = make_encoder(
            cell=cell,
            input_size=input_size,
            hidden_size=hidden_size,
            num_layers=num_layers,
            dropout=dropout,
            residual=residual,
        )
        if likelihood is not None:
            self.head = DistributionHead(hidden_size, horizon, likelihood)
        elif quantiles is not None:
            self.head = QuantileHead(hidden_size, horizon, quantiles)
        else:
            self.head = nn.Linear(hidden_size, horizon)
        plain = likelihood is None and quantiles is None
        self.output_shape = (horizon,) if plain else self.head.output_shape
        self.counts = likelihood == "negative_binomial"
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
        """Top-layer output after each sequence's last real step, shape (B, hidden)."""
        return self.rnn.last_hidden(x, lengths)

    @property
    def state_shape(self) -> tuple[int, int, int]:
        """``(parts, layers, hidden)`` of one lane's state (parts 2 for LSTM cells, else 1).

        Examples
        --------
        >>> RecurrentNet(cell="lstm", input_size=1, hidden_size=4, num_layers=2).state_shape
        (2, 2, 4)
        """
        return self.rnn.state_shape

    def forward(
        self, x: torch.Tensor, lengths: torch.Tensor, future: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Forecast ``horizon`` steps: ``x`` (B, T, F) right-padded -> (B, H)."""
        if not self.counts:
            return self._emit(self.encode(x, lengths), future)
        nu = mean_scale(x[..., 0], lengths, offset=1.0)  # [B]
        x = torch.cat([x[..., :1] / nu[:, None, None], x[..., 1:]], dim=-1)
        return self.head.rescale(self._emit(self.encode(x, lengths), future), nu)

    # ------------------------------------------------------------ stateful path (TBPTT)
    def forward_steps(
        self,
        x: torch.Tensor,
        state: State | None = None,
        lengths: torch.Tensor | None = None,
        future: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, State]:
        """Forecast ``horizon`` steps after *every* step of ``x``, carrying ``state``.

        Parameters
        ----------
        x : Tensor of shape (B, T, F)
            Consecutive steps of each lane, right-padded past ``lengths``.
        state : Tensor or tuple of Tensors, optional
            The state after the lanes' previous steps (zeros when None).
        lengths : Tensor of shape (B,), optional
            Real steps per lane (default: all ``T``). Lanes of length 0 (sequences
            that have ended) are skipped: no work, their state is returned unchanged.
        future : Tensor of shape (B, T, H, F_future), optional
            Known-future covariates of the ``H`` targets of every step.

        Returns
        -------
        out : Tensor of shape (B, T, H)
            Forecasts made after each step; zero at padded steps.
        state : Tensor or tuple of Tensors
            The state after each lane's last real step.

        Examples
        --------
        >>> net = RecurrentNet(cell="lstm", input_size=1, hidden_size=4, horizon=2)
        >>> out, state = net.forward_steps(torch.zeros(3, 5, 1), lengths=torch.tensor([5, 2, 0]))
        >>> out.shape, state[0].shape
        (torch.Size([3, 5, 2]), torch.Size([1, 3, 4]))
        """
        batch, steps = x.shape[:2]
        seq, new = self.rnn.run(x, state, lengths)  # [B, T, hidden], zero past lengths
        if lengths is None or bool((lengths == steps).all()):
            return self._emit(seq, future), new
        lanes = torch.nonzero(lengths > 0).flatten()  # the head skips ended lanes
        out = x.new_zeros(batch, steps, *self.output_shape)  # [B, T, H(, Q)]
        if isinstance(self.head, DistributionHead):  # padding: valid parameters, finite losses
            out = self.head.params(out)
        if len(lanes):
            sub_future = None if future is None else future[lanes]
            real = torch.arange(steps, device=x.device) < lengths[lanes, None]  # [b, T]
            emitted = self._emit(seq[lanes], sub_future)  # [b, T, H(, Q)]
            real = real.reshape(*real.shape, *(1,) * len(self.output_shape))
            out = out.index_copy(0, lanes, torch.where(real, emitted, out[lanes]))
        return out, new

    def advance(
        self, x: torch.Tensor, state: State | None = None, lengths: torch.Tensor | None = None
    ) -> State:
        """Only the state after reading ``x`` (as :meth:`forward_steps`, without the head).

        Examples
        --------
        >>> net = RecurrentNet(cell="rnn", input_size=1, hidden_size=3)
        >>> x = torch.randn(2, 6, 1)
        >>> torch.allclose(net.advance(x[:, 3:], net.advance(x[:, :3])), net.advance(x))
        True
        """
        return self.rnn.run(x, state, lengths)[1]

    def forecast_from_state(self, state: State, future: torch.Tensor | None = None) -> torch.Tensor:
        """The ``(B, H)`` forecast made after the step that produced ``state``.

        Equals the last step of :meth:`forward_steps`; ``future`` is ``(B, H, F_future)``.

        Examples
        --------
        >>> net = RecurrentNet(cell="gru", input_size=1, hidden_size=4, horizon=3)
        >>> out, state = net.forward_steps(torch.ones(2, 4, 1))
        >>> torch.allclose(net.forecast_from_state(state), out[:, -1])
        True
        """
        return self._emit(top_hidden(state), future)

    def initial_state(self, batch: int, like: torch.Tensor) -> State:
        """Zero state for ``batch`` lanes, on ``like``'s device and dtype."""
        return self.rnn.initial_state(batch, like)

    def _emit(self, hidden: torch.Tensor, future: torch.Tensor | None) -> torch.Tensor:
        """Head over hidden outputs ``(..., hidden)`` -> ``(..., H)`` (or ``(..., H, Q)``)."""
        out = self.head(hidden)  # [..., H(, Q)]
        if self.future_head is not None:
            if future is None:
                raise ValueError("This network needs known-future covariates (future=...).")
            steps = hidden.unsqueeze(-2).expand(*future.shape[:-1], -1)  # [..., H, hidden]
            shift = self.future_head(torch.cat([steps, future], dim=-1))  # [..., H, 1]
            if isinstance(self.head, DistributionHead):  # moves the location only
                out = torch.cat([out[..., :1] + shift, out[..., 1:]], dim=-1)
            else:
                out = out + (shift if len(self.output_shape) == 2 else shift[..., 0])  # all q
        return self.head.params(out) if isinstance(self.head, DistributionHead) else out
