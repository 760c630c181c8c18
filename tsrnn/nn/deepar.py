"""DeepAR (Salinas et al., 2020): an autoregressive LSTM/GRU with a likelihood head.

At step ``t`` the network reads the previous target ``z[t-1]`` divided by the window's
scale ``nu`` (:func:`~tsrnn.nn.distributions.mean_scale` of the context; plus 1 for
counts) and the known-future covariates of step ``t``, and emits the parameters of
``z[t]``'s distribution, rescaled by ``nu``. Training is teacher-forced over the whole
window (context and horizon, one-step-ahead likelihood at every step); forecasts are
ancestral sample paths, all series and samples in one batch: one recurrent step of
``B * n`` lanes per horizon step.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from tsrnn.nn.distributions import DistributionHead, mean_scale
from tsrnn.nn.encoder import make_encoder
from tsrnn.nn.state import select_state

__all__ = ["DeepARNet"]


class DeepARNet(nn.Module):
    """Autoregressive recurrent network emitting one step's distribution at a time.

    Parameters
    ----------
    cell : {"lstm", "gru"}, default="lstm"
        Fused recurrent cell.
    covariate_columns : sequence of int, default=()
        Columns of the context ``x`` holding the known-future covariates (the same
        covariates, in the same order, as ``future``'s last axis).
    hidden_size, num_layers, dropout
        Size of the recurrent stack (dropout between layers).
    horizon : int, default=1
        Steps sampled after each context.
    likelihood : {"normal", "student_t", "negative_binomial"}, default="student_t"
        Distribution of every step.

    Examples
    --------
    >>> net = DeepARNet(hidden_size=8, horizon=3, likelihood="negative_binomial")
    >>> x = torch.poisson(torch.full((2, 6, 1), 4.0))
    >>> paths = net.sample(x, torch.tensor([6, 4]), None, n=5)
    >>> paths.shape, bool((paths >= 0).all()), bool((paths == paths.round()).all())
    (torch.Size([2, 3, 5]), True, True)
    """

    uses_window_loss = True

    def __init__(
        self,
        *,
        cell: str = "lstm",
        covariate_columns: Sequence[int] = (),
        hidden_size: int = 32,
        num_layers: int = 1,
        dropout: float = 0.0,
        horizon: int = 1,
        likelihood: str = "student_t",
    ) -> None:
        super().__init__()
        self.covariate_columns = tuple(int(c) for c in covariate_columns)
        self.horizon = horizon
        self.offset = 1.0 if likelihood == "negative_binomial" else 0.0
        self.rnn = make_encoder(
            cell=cell,
            input_size=1 + len(self.covariate_columns),
            hidden_size=hidden_size,
            num_layers=num_layers,
            dropout=dropout,
        )
        self.head = DistributionHead(hidden_size, 1, likelihood)

    def _params(self, hidden: torch.Tensor, nu: torch.Tensor) -> torch.Tensor:
        """``(..., hidden)`` -> parameters ``(..., P)`` in the target's units."""
        return self.head.rescale(self.head.params(self.head(hidden)[..., 0, :]), nu)

    def _inputs(self, z: torch.Tensor, covariates: torch.Tensor, nu: torch.Tensor) -> torch.Tensor:
        """Step ``t`` reads ``z[t-1] / nu`` (0 at the first step) and the covariates of ``t``."""
        previous = torch.cat([z.new_zeros(z.shape[0], 1), z[:, :-1]], dim=1) / nu[:, None]
        return torch.cat([previous.unsqueeze(-1), covariates], dim=-1)

    def teacher_forced(
        self,
        x: torch.Tensor,
        lengths: torch.Tensor,
        y: torch.Tensor,
        mask: torch.Tensor | None = None,
        future: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Parameters, targets and mask of every step of the windows ``x`` then ``y``.

        Returns ``(params (B, T + H, P), targets (B, T + H), mask (B, T + H))``: step
        ``t`` of each window (context then horizon, packed) is forecast from the steps
        before it; the first step (nothing before it) and padding are masked.
        """
        batch, steps = x.shape[:2]
        width = steps + self.horizon
        z = torch.cat([x[..., 0], x.new_zeros(batch, self.horizon)], dim=1)  # [B, T + H]
        where = lengths[:, None] + torch.arange(self.horizon, device=x.device)  # [B, H]
        z = z.scatter(1, where, y)
        covariates = self._window_covariates(x, lengths, future, where)
        nu = mean_scale(x[..., 0], lengths, self.offset)
        seq = self.rnn.run(self._inputs(z, covariates, nu), None, lengths + self.horizon)[0]
        params = self._params(seq, nu[:, None])  # [B, T + H, P]
        total = lengths + self.horizon
        keep = (torch.arange(width, device=x.device) < total[:, None]).to(x.dtype)
        keep[:, 0] = 0.0
        if mask is not None:
            keep = keep.scatter(1, where, mask)
        valid = keep > 0  # padding: well-defined parameters, so masked losses stay finite
        params = torch.where(valid[..., None], params, self._params(seq.new_zeros(seq.shape),
                                                                    nu[:, None]))  # fmt: skip
        return params, z, keep

    def _window_covariates(
        self,
        x: torch.Tensor,
        lengths: torch.Tensor,
        future: torch.Tensor | None,
        where: torch.Tensor,
    ) -> torch.Tensor:
        """Covariates of every window step ``(B, T + H, F)``: the context's, then ``future``."""
        cols = list(self.covariate_columns)
        batch, steps = x.shape[:2]
        out = torch.cat([x[..., cols], x.new_zeros(batch, self.horizon, len(cols))], dim=1)
        if cols:
            if future is None:
                raise ValueError("This network needs known-future covariates (future=...).")
            out = out.scatter(1, where[..., None].expand(-1, -1, len(cols)), future)
        return out

    def forward(
        self, x: torch.Tensor, lengths: torch.Tensor, future: torch.Tensor | None = None
    ) -> torch.Tensor:
        """The mean of one sampled path per window ``(B, H)`` (use :meth:`sample` for more)."""
        return self.sample(x, lengths, future, n=1)[..., 0]

    @torch.no_grad()
    def sample(
        self, x: torch.Tensor, lengths: torch.Tensor, future: torch.Tensor | None, n: int
    ) -> torch.Tensor:
        """``n`` ancestral sample paths after each context: ``(B, H, n)``.

        Draws use torch's global generator (seed it, or fork it, for reproducible paths).
        """
        batch = x.shape[0]
        z = x[..., 0]
        nu = mean_scale(z, lengths, self.offset)
        covariates = x[..., list(self.covariate_columns)]
        _, state = self.rnn.run(self._inputs(z, covariates, nu), None, lengths)
        lanes = torch.arange(batch, device=x.device).repeat_interleave(n)  # [B * n]
        state = select_state(state, lanes)
        previous = z[torch.arange(batch, device=x.device), lengths - 1][lanes]
        nu = nu[lanes]
        paths = []
        for h in range(self.horizon):  # one batched step of B * n lanes per horizon step
            step = [(previous / nu)[:, None]]
            if future is not None and self.covariate_columns:
                step.append(future[lanes, h])
            seq, state = self.rnn.run(torch.cat(step, -1)[:, None], state)
            previous = self.head.sample(self._params(seq[:, 0], nu))
            paths.append(previous)
        return torch.stack(paths, -1).reshape(batch, n, self.horizon).transpose(1, 2)
