"""The exponential-smoothing half of ES-RNN (Smyl, 2020): per-series Holt-Winters tables.

:class:`SeriesSmoothing` holds each series' learned level and seasonal smoothing
coefficients (logits, through a sigmoid) and its initial multiplicative seasonality, and
runs the recursion over a batch of series; :func:`es_windows` cuts the deseasonalised,
level-normalised log windows and targets the global network trains on, and
:func:`level_variability` is Smyl's penalty on the wiggliness of the log level.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

__all__ = ["SeriesSmoothing", "es_windows", "level_variability", "right_align"]


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


class SeriesSmoothing(nn.Module):
    """Per-series multiplicative Holt-Winters smoothing with learned coefficients.

    ``l_t = alpha * y_t / s_t + (1 - alpha) * l_{t-1}`` (``l_0 = y_0 / s_0``) and
    ``s_{t+m} = gamma * y_t / l_t + (1 - gamma) * s_t``, where ``alpha`` and ``gamma``
    are the sigmoids of per-series logits and ``s_0 .. s_{m-1}`` the exponentials of
    per-series parameters (centred to mean 0, so the level carries the scale).

    Parameters
    ----------
    n_series : int
        Rows of the tables (one per series).
    season_length : int, default=1
        ``m``; 1: no seasonality (``s`` is 1 throughout, no seasonal parameters).
    alpha, gamma : float, default=0.5, 0.1
        Initial smoothing coefficients of every series.
    initial_season : ndarray of shape (n_series, m), optional
        Initial seasonal factors (positive); default 1.

    Examples
    --------
    >>> es = SeriesSmoothing(2, season_length=4)
    >>> log_level, log_season = es(torch.ones(2, 6), torch.tensor([0, 1]))
    >>> log_level.shape, log_season.shape
    (torch.Size([2, 6]), torch.Size([2, 10]))
    """

    def __init__(
        self,
        n_series: int,
        season_length: int = 1,
        *,
        alpha: float = 0.5,
        gamma: float = 0.1,
        initial_season: np.ndarray | None = None,
    ) -> None:
        super().__init__()
        self.season_length = m = int(season_length)
        self.level_logit = nn.Embedding(n_series, 1)
        nn.init.constant_(self.level_logit.weight, _logit(alpha))
        if m > 1:
            self.season_logit = nn.Embedding(n_series, 1)
            nn.init.constant_(self.season_logit.weight, _logit(gamma))
            self.initial_season = nn.Embedding(n_series, m)
            start = np.ones((n_series, m)) if initial_season is None else initial_season
            self.initial_season.weight.data.copy_(torch.as_tensor(np.log(start)))

    def coefficients(self, series: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """``alpha`` (B,), ``gamma`` (B,) and the initial seasonal factors (B, m) of ``series``."""
        alpha = torch.sigmoid(self.level_logit(series)[:, 0])
        if self.season_length == 1:
            ones = alpha.new_ones(len(series), 1)
            return alpha, alpha.new_zeros(len(series)), ones
        gamma = torch.sigmoid(self.season_logit(series)[:, 0])
        raw = self.initial_season(series)
        return alpha, gamma, torch.exp(raw - raw.mean(dim=1, keepdim=True))

    def forward(self, y: torch.Tensor, series: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Log levels ``(B, T)`` and log seasonal factors ``(B, T + m)`` of positive ``y``.

        ``log_season[:, t]`` divides ``y_t``; ``log_season[:, t + 1 .. t + m]`` are the
        factors known after step ``t``. Pad ``y`` with positive values past each end.
        """
        alpha, gamma, start = self.coefficients(series)
        m, steps = self.season_length, y.shape[1]
        if m == 1:
            level, levels = y[:, 0], [y[:, 0]]
            for t in range(1, steps):
                level = alpha * y[:, t] + (1 - alpha) * level
                levels.append(level)
            return torch.log(torch.stack(levels, 1)), y.new_zeros(y.shape[0], steps + 1)
        seasons = list(start.unbind(1))
        level = y[:, 0] / seasons[0]
        levels = [level]
        seasons.append(gamma * y[:, 0] / level + (1 - gamma) * seasons[0])
        for t in range(1, steps):
            level = alpha * y[:, t] / seasons[t] + (1 - alpha) * level
            levels.append(level)
            seasons.append(gamma * y[:, t] / level + (1 - gamma) * seasons[t])
        return torch.log(torch.stack(levels, 1)), torch.log(torch.stack(seasons, 1))


def right_align(values: torch.Tensor, counts: torch.Tensor) -> torch.Tensor:
    """Move the last ``counts[i]`` entries of each row of ``values`` (N, C) to its front.

    Examples
    --------
    >>> right_align(torch.tensor([[0.0, 1.0, 2.0]]), torch.tensor([2])).tolist()
    [[1.0, 2.0, 0.0]]
    """
    width = values.shape[1]
    index = torch.arange(width, device=values.device) + (width - counts)[:, None]
    kept = index < width
    return torch.gather(values, 1, index.clamp(max=width - 1)) * kept


def es_windows(
    log_y: torch.Tensor,
    log_level: torch.Tensor,
    log_season: torch.Tensor,
    lengths: torch.Tensor,
    *,
    context_length: int,
    horizon: int,
) -> tuple[torch.Tensor, ...]:
    """Training windows of every series: deseasonalised log inputs minus the log level.

    A window ends at step ``t`` of series ``b`` for every ``t`` from
    ``min(C - 1, max(0, n_b - 1 - H))`` to ``n_b - 2``: inputs
    ``log y - log s - log l_t`` over the last ``min(C, t + 1)`` steps (right-padded),
    targets ``log y_{t+k} - log s_{t+k} - log l_t`` (``s`` repeated with period ``m``
    beyond ``t + m``), masked past the series' end.

    Returns
    -------
    x : Tensor (N, C, 1); lengths : Tensor (N,); targets, mask : Tensor (N, H)
    """
    batch, steps = log_y.shape
    m = log_season.shape[1] - steps
    c, h = context_length, horizon
    z = log_y - log_season[:, :steps]  # deseasonalised logs
    padded = nn.functional.pad(z, (c - 1, 0))
    inputs = padded.unfold(1, c, 1) - log_level[..., None]  # [B, T, C]: windows ending at t
    t = torch.arange(steps, device=log_y.device)
    k = torch.arange(h, device=log_y.device)
    future = nn.functional.pad(log_y, (0, h))  # [B, T + H]
    rows = (t[:, None] + 1 + k).clamp(max=steps + h - 1)  # [T, H]
    targets = future[:, rows]  # [B, T, H]
    season = log_season[:, (t[:, None] + 1 + k % m).clamp(max=steps + m - 1)]  # [B, T, H]
    targets = targets - season - log_level[..., None]
    mask = (t[None, :, None] + 1 + k) < lengths[:, None, None]  # [B, T, H]
    first = torch.minimum(torch.full_like(lengths, c - 1), (lengths - 1 - h).clamp(min=0))
    valid = (t >= first[:, None]) & (t <= lengths[:, None] - 2)  # [B, T]
    counts = torch.minimum(t + 1, torch.tensor(c, device=t.device)).expand(batch, -1)[valid]
    x = right_align(inputs[valid], counts)[..., None]
    return x, counts, torch.where(mask, targets, 0.0)[valid], mask[valid].to(log_y.dtype)


def level_variability(log_level: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Mean squared second difference of the log level over each series' real steps.

    Examples
    --------
    >>> level_variability(torch.tensor([[0.0, 1.0, 3.0, 9.0]]), torch.tensor([3])).item()
    1.0
    """
    if log_level.shape[1] < 3:
        return log_level.sum() * 0
    second = log_level[:, 2:] - 2 * log_level[:, 1:-1] + log_level[:, :-2]
    real = torch.arange(2, log_level.shape[1], device=log_level.device) < lengths[:, None]
    return (second.square() * real).sum() / real.sum().clamp(min=1)
