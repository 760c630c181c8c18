"""Diebold-Mariano tests of equal forecast accuracy, for one series and for a panel."""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["diebold_mariano", "panel_diebold_mariano"]


def diebold_mariano(
    loss_a: np.ndarray, loss_b: np.ndarray, *, horizon: int = 1
) -> tuple[float, float]:
    r"""Diebold-Mariano test with the Harvey-Leybourne-Newbold correction, for one series.

    With loss differentials :math:`d_t = L^a_t - L^b_t` of ``horizon``-step
    forecasts, :math:`\bar d` their mean and :math:`\hat\gamma_k` their
    autocovariances, the statistic is

    .. math:: \mathrm{DM} = \sqrt{\frac{T + 1 - 2h + h(h-1)/T}{T}}\;
              \frac{\bar d}{\sqrt{(\hat\gamma_0 + 2\sum_{k=1}^{h-1}\hat\gamma_k)/T}}

    compared with Student's t with :math:`T - 1` degrees of freedom (Diebold &
    Mariano, 1995; Harvey, Leybourne & Newbold, 1997). Negative values favour
    ``a``; the p-value is two-sided.

    Parameters
    ----------
    loss_a, loss_b : array-like of shape (T,)
        Losses of the two forecasts at the same times (e.g. absolute or squared errors).
    horizon : int, default=1
        Forecast horizon ``h``: errors of ``h``-step forecasts are MA(h-1), so
        autocovariances up to lag ``h - 1`` enter the variance.

    Returns
    -------
    statistic, p_value : float
        NaN when the differentials are constant (the test is undefined).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> e_a, e_b = rng.normal(size=200), 2 * rng.normal(size=200)
    >>> stat, p = diebold_mariano(np.abs(e_a), np.abs(e_b))
    >>> bool(stat < 0 and p < 0.01)
    True
    """
    d = np.asarray(loss_a, dtype=float) - np.asarray(loss_b, dtype=float)
    if d.ndim != 1 or len(d) < 2:
        raise ValueError(f"Need two aligned 1-D loss arrays of length >= 2; got shape {d.shape}.")
    if not np.isfinite(d).all():
        raise ValueError("The losses contain NaN or inf; drop those forecast rows first.")
    t, h = len(d), int(horizon)
    centred = d - d.mean()
    gamma = [centred[k:] @ centred[: t - k] / t for k in range(min(h, t))]
    variance = (gamma[0] + 2 * sum(gamma[1:])) / t
    if not variance > 1e-12 * max(float(d @ d) / t, 1e-300) / t:  # constant up to rounding
        return float("nan"), float("nan")
    correction = np.sqrt((t + 1 - 2 * h + h * (h - 1) / t) / t)
    statistic = float(correction * d.mean() / np.sqrt(variance))
    return statistic, float(2 * stats.t.sf(abs(statistic), df=t - 1))


def panel_diebold_mariano(
    loss_a: np.ndarray, loss_b: np.ndarray, series: np.ndarray
) -> tuple[float, float]:
    r"""Diebold-Mariano-type test of equal accuracy over a panel with one origin per series.

    A panel forecast from one origin has, per series, ``horizon`` errors that
    are correlated with each other but (nearly) independent of other series'.
    The loss differential is therefore averaged within each series,
    :math:`\bar d_i`, and the :math:`n` series means are tested for zero mean:
    :math:`\mathrm{DM} = \bar d / (s_{\bar d} / \sqrt{n})` against Student's t
    with :math:`n - 1` degrees of freedom. This is the single-series DM test
    with the series taking the role of time, which sidesteps estimating
    autocovariances from a handful of steps per series. Negative values favour
    ``a``; the p-value is two-sided.

    Parameters
    ----------
    loss_a, loss_b : array-like of shape (n_rows,)
        Losses of the two models on the same forecast rows.
    series : array-like of shape (n_rows,)
        Series id of each row.

    Returns
    -------
    statistic, p_value : float

    Examples
    --------
    >>> series = np.repeat(np.arange(50), 6)
    >>> rng = np.random.default_rng(1)
    >>> la, lb = rng.random(300), rng.random(300) + 0.2
    >>> stat, p = panel_diebold_mariano(la, lb, series)
    >>> bool(stat < 0 and p < 1e-3)
    True
    """
    d = np.asarray(loss_a, dtype=float) - np.asarray(loss_b, dtype=float)
    codes, _ = _codes(series, len(d))
    counts = np.bincount(codes)
    means = np.bincount(codes, weights=d) / counts
    if len(means) < 2:
        raise ValueError("The panel test needs at least two series.")
    if not np.isfinite(means).all():
        raise ValueError("The losses contain NaN or inf; drop those forecast rows first.")
    spread = means.std(ddof=1)
    if not spread > 1e-6 * max(float(np.abs(means).max()), 1e-300):  # constant up to rounding
        return float("nan"), float("nan")
    statistic = float(means.mean() / (spread / np.sqrt(len(means))))
    return statistic, float(2 * stats.t.sf(abs(statistic), df=len(means) - 1))


def _codes(series: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    values = np.asarray(series)
    if values.shape != (n,):
        raise ValueError(f"series has shape {values.shape}; expected ({n},), one id per row.")
    uniques, codes = np.unique(values, return_inverse=True)
    return codes, uniques
