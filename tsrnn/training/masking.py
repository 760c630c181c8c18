"""Losses over targets of which some are missing."""

from __future__ import annotations

from collections.abc import Callable

import torch

__all__ = ["masked_loss"]


def masked_loss(
    loss_fn: Callable[..., torch.Tensor],
    forecast: torch.Tensor,
    target: torch.Tensor,
    mask: torch.Tensor | None,
) -> torch.Tensor:
    """Mean of ``loss_fn`` over the observed targets only.

    Parameters
    ----------
    loss_fn : callable
        A ``torch.nn.functional`` loss accepting ``reduction=``.
    forecast, target : Tensor of shape (B, H)
        ``target`` must be finite (missing entries filled, e.g. with 0).
    mask : Tensor of shape (B, H) or None
        1 for observed targets, 0 for missing ones; None: all observed (plain mean).

    Returns
    -------
    Tensor
        A scalar; 0 (with zero gradients) when nothing is observed.

    Examples
    --------
    >>> import torch.nn.functional as F
    >>> f, y = torch.tensor([[1.0, 5.0]]), torch.tensor([[0.0, 0.0]])
    >>> masked_loss(F.mse_loss, f, y, torch.tensor([[1.0, 0.0]])).item()
    1.0
    """
    if mask is None:
        return loss_fn(forecast, target)
    each = loss_fn(forecast, target, reduction="none")  # [B, H]
    return (each * mask).sum() / mask.sum().clamp(min=1.0)
