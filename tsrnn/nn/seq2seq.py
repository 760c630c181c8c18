"""Encoder-decoder forecaster: recurrent encoder, step-by-step recurrent decoder, attention."""

from __future__ import annotations

import math

import torch
from torch import nn

from tsrnn.nn.attention import ATTENTIONS, Attention
from tsrnn.nn.cells import make_cell
from tsrnn.nn.heads import QuantileHead
from tsrnn.nn.stack import RecurrentEncoder

__all__ = ["SCHEDULES", "Seq2SeqNet", "teacher_forcing_probability"]

SCHEDULES = ("always", "linear", "exponential", "inverse_sigmoid", "never")


def teacher_forcing_probability(schedule: str, progress: float) -> float:
    """Probability of feeding the true previous target to the decoder during training.

    ``progress`` runs from 0 (first optimisation step) to 1 (last). The decays follow
    the three schedules of scheduled sampling (Bengio et al., 2015), in terms of progress:

    - ``"always"``: 1 (pure teacher forcing); ``"never"``: 0 (always free-running);
    - ``"linear"``: ``1 - progress``;
    - ``"exponential"``: ``0.01 ** progress`` (1 down to 0.01);
    - ``"inverse_sigmoid"``: ``1 / (1 + exp(10 * (progress - 0.5)))`` (about 0.99 down to
      0.007, one half at mid-training).

    Examples
    --------
    >>> [round(teacher_forcing_probability(s, 0.5), 3) for s in SCHEDULES]
    [1.0, 0.5, 0.1, 0.5, 0.0]
    """
    progress = min(max(float(progress), 0.0), 1.0)
    if schedule == "always":
        return 1.0
    if schedule == "never":
        return 0.0
    if schedule == "linear":
        return 1.0 - progress
    if schedule == "exponential":
        return 0.01**progress
    if schedule == "inverse_sigmoid":
        return 1.0 / (1.0 + math.exp(10.0 * (progress - 0.5)))
    raise ValueError(f"teacher_forcing must be one of {list(SCHEDULES)}; got {schedule!r}.")


class Seq2SeqNet(nn.Module):
    """Recurrent encoder-decoder that forecasts the horizon one step at a time.

    The encoder (stacked, optionally bidirectional and residual; packed over padding)
    reads the context. Its final state initialises the decoder, through a linear bridge
    (``tanh`` for ``h``) when the encoder's output size differs from ``hidden_size``
    (bidirectional). At step ``t`` the decoder reads the previous target (the last
    observed one at ``t = 0``) and the known-future covariates of step ``t``, and emits
    the forecast of step ``t``. With ``attention="dot"`` or ``"general"`` (Luong) the
    decoder output attends to the encoder outputs and the forecast comes from
    ``tanh(W [h_t; context])``; with ``"additive"`` (Bahdanau) the previous decoder
    output attends and the context is fed to the decoder with its input.

    In training, pass ``targets`` and a ``teacher_forcing`` probability: each sample's
    decoder input at step ``t`` is the true ``targets[:, t-1]`` with that probability and
    its own forecast otherwise (scheduled sampling; gradients flow through fed-back
    forecasts). Without ``targets`` (validation, prediction) it always feeds back its own
    forecasts.

    Parameters
    ----------
    cell : str, default="lstm"
        Encoder and decoder cell, one of ``tsrnn.nn.CELLS``.
    input_size : int
        Features per context step (target first).
    hidden_size : int, default=32
        Hidden units of every encoder layer and direction and of every decoder layer.
    num_layers : int, default=1
        Layers of the encoder and of the decoder.
    dropout : float, default=0.0
        Dropout between stacked layers.
    bidirectional : bool, default=False
        Bidirectional encoder.
    residual : bool, default=False
        Residual connections between stacked layers.
    horizon : int, default=1
        Steps forecast.
    future_size : int, default=0
        Known-future covariates per target step.
    attention : {"none", "dot", "general", "additive"}, default="none"
        Attention over the encoder outputs (padding masked).
    teacher_forcing : str, default="always"
        Training schedule of the teacher-forcing probability, one of ``SCHEDULES``
        (see :func:`teacher_forcing_probability`).
    quantiles : sequence of float or None, default=None
        Emit non-crossing quantiles per step (:class:`~tsrnn.nn.heads.QuantileHead`);
        the output gains a last axis of ``head.quantiles`` and the decoder feeds back
        the median.

    Examples
    --------
    >>> net = Seq2SeqNet(input_size=2, hidden_size=8, horizon=3, attention="additive",
    ...                  bidirectional=True)
    >>> out, weights = net(torch.zeros(4, 5, 2), torch.tensor([5, 3, 1, 5]),
    ...                    return_attention=True)
    >>> out.shape, weights.shape, float(weights[2, :, 1:].sum().detach())
    (torch.Size([4, 3]), torch.Size([4, 3, 5]), 0.0)
    """

    uses_targets = True  # ForecastingSystem passes targets and a teacher-forcing probability

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
        horizon: int = 1,
        future_size: int = 0,
        attention: str = "none",
        teacher_forcing: str = "always",
        quantiles: tuple[float, ...] | None = None,
    ) -> None:
        super().__init__()
        if attention not in ATTENTIONS:
            raise ValueError(f"attention must be one of {list(ATTENTIONS)}; got {attention!r}.")
        teacher_forcing_probability(teacher_forcing, 0.0)  # validates the name
        self.horizon, self.future_size, self.residual = horizon, future_size, residual
        self.attention_kind, self.teacher_forcing = attention, teacher_forcing
        self.encoder = RecurrentEncoder(
            cell=cell,
            input_size=input_size,
            hidden_size=hidden_size,
            num_layers=num_layers,
            dropout=dropout,
            bidirectional=bidirectional,
            residual=residual,
        )
        encoded = self.encoder.output_size
        parts = self.encoder.state_shape[0]  # (h, c) or (h,)
        self.bridge = (
            nn.ModuleList(nn.Linear(encoded, hidden_size) for _ in range(parts))
            if encoded != hidden_size
            else None
        )
        context = 0
        self.memory = self.attention = None
        if attention != "none":
            if attention == "dot" and encoded != hidden_size:
                self.memory = nn.Linear(encoded, hidden_size, bias=False)
                encoded = hidden_size
            self.attention = Attention(attention, hidden_size, encoded)
            context = encoded
        decoder_input = 1 + future_size + (context if attention == "additive" else 0)
        self.decoder = nn.ModuleList(
            make_cell(cell, decoder_input if i == 0 else hidden_size, hidden_size)
            for i in range(num_layers)
        )
        self.dropout = nn.Dropout(dropout)
        luong = attention in ("dot", "general")
        self.combine = nn.Linear(hidden_size + context, hidden_size) if luong else None
        features = hidden_size + (context if attention == "additive" else 0)
        self.head = (
            nn.Linear(features, 1) if quantiles is None else QuantileHead(features, 1, quantiles)
        )

    def teacher_forcing_probability(self, progress: float) -> float:
        """Teacher-forcing probability of this net's schedule at ``progress`` in [0, 1]."""
        return teacher_forcing_probability(self.teacher_forcing, progress)

    def forward(
        self,
        x: torch.Tensor,
        lengths: torch.Tensor,
        future: torch.Tensor | None = None,
        targets: torch.Tensor | None = None,
        teacher_forcing: float = 0.0,
        return_attention: bool = False,
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """Forecast ``horizon`` steps from ``x`` (B, T, F) right-padded -> (B, H).

        With ``return_attention``, also the attention weights (B, H, T) (zeros without
        attention).
        """
        if self.future_size and future is None:
            raise ValueError("This network needs known-future covariates (future=...).")
        batch, steps, _ = x.shape
        lengths = lengths.to(x.device)
        outputs, state = self.encoder(x, lengths)  # [B, T, D*H], ([L, B, D*H], ...)
        if self.bridge is not None:
            state = tuple(
                torch.tanh(lin(s)) if i == 0 else lin(s)
                for i, (lin, s) in enumerate(zip(self.bridge, state, strict=True))
            )
        states = [tuple(s[layer] for s in state) for layer in range(len(self.decoder))]
        mask = torch.arange(steps, device=x.device)[None, :] < lengths[:, None]  # [B, T]
        memory = self.memory(outputs) if self.memory is not None else outputs
        prepared = self.attention.prepare(memory) if self.attention is not None else None
        previous = x[torch.arange(batch, device=x.device), lengths - 1, 0]  # [B]
        forced = None
        if targets is not None and teacher_forcing > 0:
            forced = torch.rand(batch, self.horizon, device=x.device) < teacher_forcing
        top = states[-1][0]  # [B, H]
        forecasts, weights = [], []
        for t in range(self.horizon):
            inputs = [previous[:, None]]
            if future is not None and self.future_size:
                inputs.append(future[:, t])
            if self.attention_kind == "additive":
                context, w = self.attention(top, memory, prepared, mask)
                inputs.append(context)
            top = self._decode_step(torch.cat(inputs, dim=-1), states)  # [B, H]
            if self.combine is not None:
                context, w = self.attention(top, memory, prepared, mask)
                out = self.head(torch.tanh(self.combine(torch.cat([top, context], dim=-1))))
            elif self.attention_kind == "additive":
                out = self.head(torch.cat([top, context], dim=-1))
            else:
                out, w = self.head(top), x.new_zeros(batch, steps)
            forecasts.append(out[:, 0])  # [B] or [B, Q]
            weights.append(w)
            previous = out[:, 0] if out.dim() == 2 else out[:, 0, self.head.median_index]
            if forced is not None:
                previous = torch.where(forced[:, t], targets[:, t], previous)
        forecast = torch.stack(forecasts, dim=1)  # [B, H(, Q)]
        return (forecast, torch.stack(weights, dim=1)) if return_attention else forecast

    def _decode_step(self, inputs: torch.Tensor, states: list[tuple[torch.Tensor, ...]]):
        """Advance every decoder layer one step (``states`` updated in place); top output."""
        for layer, cell in enumerate(self.decoder):
            feed = inputs if layer == 0 else self.dropout(inputs)
            states[layer] = cell.step(cell.project_input(feed), states[layer])
            output = states[layer][0]
            inputs = output + inputs if self.residual and layer > 0 else output
        return inputs
