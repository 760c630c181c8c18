"""Likelihood heads: per-step distribution parameters, their negative log-likelihood, samples.

A :class:`DistributionHead` maps features to ``horizon`` steps of parameters, last axis:

- ``"normal"``: ``(loc, scale)``;
- ``"student_t"``: ``(loc, scale, df)``;
- ``"negative_binomial"``: ``(mean, dispersion)``, variance ``mean + dispersion * mean**2``.

Every positive parameter is a softplus plus a floor, so no weight gives a zero scale, an
infinite variance or a NaN loss. The counts' scale handling of the DeepAR paper (Salinas
et al., 2020) is :func:`mean_scale` of the inputs and :meth:`DistributionHead.rescale`
of the parameters: the mean times ``nu``, the dispersion over ``sqrt(nu)``.
"""

from __future__ import annotations

import torch
from torch import distributions as D
from torch import nn

__all__ = ["LIKELIHOODS", "DistributionHead", "distribution", "mean_scale"]

#: Parameters per step of each likelihood.
LIKELIHOODS = {"normal": 2, "student_t": 3, "negative_binomial": 2}
_SCALE_FLOOR, _DF_FLOOR, _DISPERSION_FLOOR, _MEAN_FLOOR = 1e-3, 2.0, 1e-4, 1e-6


def distribution(likelihood: str, params: torch.Tensor) -> D.Distribution:
    """The torch distribution of parameters ``(..., P)`` (see the module docstring).

    Examples
    --------
    >>> d = distribution("negative_binomial", torch.tensor([[4.0, 0.5]]))
    >>> d.mean.tolist(), d.variance.tolist()
    ([4.0], [12.0])
    """
    if likelihood == "normal":
        return D.Normal(params[..., 0], params[..., 1], validate_args=False)
    if likelihood == "student_t":
        return D.StudentT(params[..., 2], params[..., 0], params[..., 1], validate_args=False)
    if likelihood == "negative_binomial":  # torch's NB: total_count r, success logits
        mean, alpha = params[..., 0], params[..., 1]
        return D.NegativeBinomial(
            total_count=1.0 / alpha, logits=torch.log(mean * alpha), validate_args=False
        )
    raise ValueError(f"likelihood must be one of {sorted(LIKELIHOODS)}; got {likelihood!r}.")


def mean_scale(target: torch.Tensor, lengths: torch.Tensor, offset: float = 0.0) -> torch.Tensor:
    """Each window's scale ``nu``: ``offset`` plus the mean absolute target of its real steps.

    ``target`` is ``(B, T)`` right-padded past ``lengths``; a window whose scale is 0
    (all zeros, no offset) gets 1.

    Examples
    --------
    >>> mean_scale(torch.tensor([[2.0, 4.0, 0.0], [0.0, 0.0, 0.0]]), torch.tensor([2, 3]), 1.0)
    tensor([4., 1.])
    """
    real = torch.arange(target.shape[1], device=target.device) < lengths[:, None]
    total = (target.abs() * real).sum(1) / lengths.clamp(min=1).to(target)
    nu = total + offset
    return torch.where(nu > 0, nu, torch.ones_like(nu))


class DistributionHead(nn.Module):
    """Linear map of features to ``horizon`` steps of a distribution's parameters.

    Parameters
    ----------
    in_features : int
        Features per input.
    horizon : int
        Steps forecast at once.
    likelihood : {"normal", "student_t", "negative_binomial"}
        The distribution of every step.

    Examples
    --------
    >>> head = DistributionHead(8, horizon=3, likelihood="student_t")
    >>> params = head.params(head(torch.randn(4, 8)))
    >>> params.shape  # [batch, horizon, (loc, scale, df)]
    torch.Size([4, 3, 3])
    >>> bool((params[..., 1] > 0).all()), bool((params[..., 2] > 2).all())
    (True, True)
    """

    def __init__(self, in_features: int, horizon: int, likelihood: str) -> None:
        super().__init__()
        if likelihood not in LIKELIHOODS:
            raise ValueError(
                f"likelihood must be one of {sorted(LIKELIHOODS)}; got {likelihood!r}."
            )
        self.likelihood = likelihood
        self.horizon = horizon
        self.linear = nn.Linear(in_features, horizon * LIKELIHOODS[likelihood])

    @property
    def output_shape(self) -> tuple[int, int]:
        """``(horizon, n_params)`` of one input."""
        return self.horizon, LIKELIHOODS[self.likelihood]

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """``(..., in_features) -> (..., horizon, n_params)`` unconstrained parameters."""
        return self.linear(features).unflatten(-1, self.output_shape)

    def params(self, raw: torch.Tensor) -> torch.Tensor:
        """Constrained parameters of unconstrained ``raw`` ``(..., n_params)``."""
        soft = nn.functional.softplus
        if self.likelihood == "negative_binomial":
            return torch.stack(
                [soft(raw[..., 0]) + _MEAN_FLOOR, soft(raw[..., 1]) + _DISPERSION_FLOOR], -1
            )
        parts = [raw[..., 0], soft(raw[..., 1]) + _SCALE_FLOOR]
        if self.likelihood == "student_t":
            parts.append(soft(raw[..., 2]) + _DF_FLOOR)
        return torch.stack(parts, -1)

    def rescale(self, params: torch.Tensor, nu: torch.Tensor) -> torch.Tensor:
        """Parameters of the target ``nu * z`` from those of ``z``; ``nu`` broadcasts on ``...``.

        Location and scale times ``nu``; for counts the mean times ``nu`` and the
        dispersion over ``sqrt(nu)`` (DeepAR).
        """
        nu = nu.reshape(*nu.shape, *(1,) * (params.dim() - 1 - nu.dim()))
        first = params[..., 0] * nu
        if self.likelihood == "negative_binomial":
            alpha = (params[..., 1] / nu.sqrt()).clamp(min=1e-6)
            return torch.stack([first, alpha], -1)
        return torch.cat([torch.stack([first, params[..., 1] * nu], -1), params[..., 2:]], -1)

    def nll(
        self, params: torch.Tensor, target: torch.Tensor, reduction: str = "mean"
    ) -> torch.Tensor:
        """Negative log-likelihood of ``target`` ``(...)`` under ``params`` ``(..., P)``.

        Counts are scored in float64 (``lgamma`` of large counts loses float32's digits).

        Examples
        --------
        >>> head = DistributionHead(1, horizon=1, likelihood="normal")
        >>> round(head.nll(torch.tensor([[0.0, 1.0]]), torch.tensor([0.0])).item(), 4)
        0.9189
        """
        if self.likelihood == "negative_binomial":
            each = -distribution(self.likelihood, params.double()).log_prob(target.double())
            each = each.to(params.dtype)
        else:
            each = -distribution(self.likelihood, params).log_prob(target)
        if reduction == "none":
            return each
        return each.mean() if reduction == "mean" else each.sum()

    def sample(self, params: torch.Tensor, n: int | None = None) -> torch.Tensor:
        """Draws of ``params`` ``(..., P)``: ``(...)`` or, with ``n``, ``(..., n)``."""
        d = distribution(self.likelihood, params)
        if n is None:
            return d.sample()
        return torch.movedim(d.sample((n,)), 0, -1)

    def mean(self, params: torch.Tensor) -> torch.Tensor:
        """The distribution mean ``(...)`` (for Student-t with ``df > 2``: the location)."""
        return params[..., 0]

    def quantiles(self, params: torch.Tensor, levels: list[float]) -> torch.Tensor | None:
        """Analytic quantiles ``(..., Q)`` where torch has them (normal), else None."""
        if self.likelihood != "normal":
            return None
        q = torch.tensor(levels, dtype=params.dtype, device=params.device)
        d = D.Normal(params[..., 0:1], params[..., 1:2], validate_args=False)
        return d.icdf(q)
