"""Forecast standard deviations of the baselines, and normal quantiles from them.

Every per-series model returns, next to its ``horizon`` forecasts, the standard
deviation of each step's forecast distribution as statsmodels gives it: the
state-space variance of SARIMAX (``get_forecast().se_mean``), the spread of
``simulate`` paths for ETS and SES/Holt (statsmodels' simulated intervals), the
analytic Theta intervals, and the random-walk formulas for the naive family
(Hyndman and Athanasopoulos, *Forecasting: Principles and Practice*, 5.5). Quantiles
are ``forecast + z_q * sd`` (a normal forecast distribution around the point).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.stats import norm

__all__ = ["normal_quantiles", "random_walk_sd", "simulated_sd"]

#: Paths drawn where statsmodels simulates the forecast distribution.
SIMULATIONS = 1000


def random_walk_sd(y: np.ndarray, horizon: int, m: int = 1) -> np.ndarray:
    r"""Standard deviations of the (seasonal) naive forecasts of ``y``, steps 1..``horizon``.

    :math:`\hat\sigma_h = \hat\sigma \sqrt{\lfloor (h - 1) / m \rfloor + 1}`, with
    :math:`\hat\sigma` the root mean square of the in-sample lag-``m`` changes.

    Examples
    --------
    >>> random_walk_sd(np.array([0.0, 1, 0, 1, 0]), 4).round(3).tolist()
    [1.0, 1.414, 1.732, 2.0]
    """
    y = np.asarray(y, dtype=float)
    m = m if len(y) > m else 1
    diffs = y[m:] - y[:-m]
    sigma = float(np.sqrt(np.mean(diffs**2))) if len(diffs) else float("nan")
    return sigma * np.sqrt(np.arange(horizon) // m + 1.0)


def simulated_sd(result, horizon: int) -> np.ndarray:  # noqa: ANN001
    """Standard deviation per step of a statsmodels result's ``simulate`` paths (seeded)."""
    # anchor="end": paths continue the sample (ETSModel starts them at its first value by
    # default, which gives the spread of the first observations, not of the future)
    paths = result.simulate(
        horizon, anchor="end", repetitions=SIMULATIONS, rng=np.random.default_rng(0)
    )
    return np.std(np.asarray(paths, dtype=float).reshape(horizon, -1), axis=1, ddof=1)


def normal_quantiles(mean: np.ndarray, sd: np.ndarray, quantiles: Sequence[float]) -> np.ndarray:
    """``(..., H) -> (..., H, Q)``: ``mean + z_q * sd`` for every level.

    Examples
    --------
    >>> normal_quantiles(np.array([[0.0]]), np.array([[1.0]]), [0.5, 0.975]).round(2).tolist()
    [[[0.0, 1.96]]]
    """
    z = norm.ppf(np.asarray(quantiles, dtype=float))
    return mean[..., None] + sd[..., None] * z
