"""Output heads: non-crossing multi-quantile forecasts (MQ-RNN style)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["QuantileHead", "head_quantiles", "pinball"]


def head_quantiles(quantiles: Sequence[float]) -> tuple[float, ...]:
    """The levels a :class:`QuantileHead` emits: ``quantiles`` and the median, sorted, unique.

    Examples
    --------
    >>> head_quantiles([0.9, 0.1])
    (0.1, 0.5, 0.9)
    """
    return tuple(sorted({float(q) for q in quantiles} | {0.5}))


class QuantileHead(nn.Module):
    """Linear map of features to ``horizon`` steps of non-crossing quantiles.

    The median is a free linear output; every other quantile is the median plus
    (above) or minus (below) a cumulative sum of softplus offsets, so the
    outputs increase with the level by construction, whatever the weights.

    Parameters
    ----------
    in_features : int
        Features per input.
    horizon : int
        Steps forecast at once.
    quantiles : sequence of float
        Levels in (0, 1); the head emits ``head_quantiles`` of them (0.5 added).

    Examples
    --------
    >>> head = QuantileHead(8, horizon=3, quantiles=[0.1, 0.9])
    >>> out = head(torch.randn(4, 8))
    >>> out.shape  # [batch, horizon, n_quantiles]
    torch.Size([4, 3, 3])
    >>> bool((out.diff(dim=-1) >= 0).all())
    True
    """

    def __init__(self, in_features: int, horizon: int, quantiles: Sequence[float]) -> None:
        super().__init__()
        self.quantiles = head_quantiles(quantiles)
        self.median_index = self.quantiles.index(0.5)
        self.horizon = horizon
        self.linear = nn.Linear(in_features, horizon * len(self.quantiles))

    @property
    def output_shape(self) -> tuple[int, int]:
        """``(horizon, n_quantiles)`` of one input."""
        return self.horizon, len(self.quantiles)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """``(..., in_features) -> (..., horizon, n_quantiles)``, increasing along the last axis."""
        raw = self.linear(features).unflatten(-1, self.output_shape)  # [..., H, Q]
        m = self.median_index
        median = raw[..., m : m + 1]  # [..., H, 1]
        above = torch.cumsum(nn.functional.softplus(raw[..., m + 1 :]), dim=-1)
        below = torch.cumsum(nn.functional.softplus(raw[..., :m]).flip(-1), dim=-1).flip(-1)
        return torch.cat([median - below, median, median + above], dim=-1)  # [..., H, Q]


def pinball(
    forecast: torch.Tensor,
    target: torch.Tensor,
    quantiles: torch.Tensor,
    reduction: str = "mean",
) -> torch.Tensor:
    """Pinball loss of quantile forecasts ``(..., Q)`` of targets ``(...)``, mean over ``Q``.

    Examples
    --------
    >>> f = torch.tensor([[[8.0, 12.0]]])  # one target, quantiles 0.1 and 0.9
    >>> round(pinball(f, torch.tensor([[10.0]]), torch.tensor([0.1, 0.9])).item(), 6)
    0.2
    """
    diff = target.unsqueeze(-1) - forecast  # [..., Q]
    q = quantiles.to(forecast)
    each = torch.maximum(q * diff, (q - 1) * diff).mean(-1)  # [...]
    if reduction == "none":
        return each
    return each.mean() if reduction == "mean" else each.sum()
