r"""The seasonality test and classical deseasonalisation of the M4 benchmarks.

The M4 competition's benchmark code (Makridakis, Spiliotis & Assimakopoulos,
2020) adjusts a series for seasonality before applying Naive2, SES, Holt,
damped Holt and Theta:

1. a series of length :math:`n \ge 3m` with season length :math:`m > 1` is
   *seasonal* when its lag-:math:`m` autocorrelation is significant at the 90%
   level,

   .. math::

      |r_m| > 1.645 \sqrt{\frac{1 + 2 \sum_{k=1}^{m-1} r_k^2}{n}};

2. a seasonal series is divided by the seasonal indices of a classical
   multiplicative decomposition (centred moving average of order :math:`m`,
   as ``statsmodels.tsa.seasonal.seasonal_decompose``, in numpy);
3. forecasts of the adjusted series are multiplied by the indices that continue
   the seasonal cycle after the last observation.

References
----------
Makridakis, S., Spiliotis, E., & Assimakopoulos, V. (2020). The M4 Competition:
100,000 time series and 61 forecasting methods. International Journal of
Forecasting, 36(1), 54-74. Benchmark code: https://github.com/Mcompetitions/M4-methods
"""

from __future__ import annotations

import numpy as np

__all__ = ["deseasonalize", "seasonal_indices", "seasonality_test"]

#: One-sided 95% normal quantile: the two-sided 90% test of the M4 benchmarks.
_CRITICAL = 1.645


def _acf(y: np.ndarray, nlags: int) -> np.ndarray:
    """Sample autocorrelations at lags 1..nlags (biased estimator, as R's ``acf``)."""
    x = y - y.mean()
    denom = float(x @ x)
    if denom == 0.0:
        return np.zeros(nlags)
    return np.array([x[k:] @ x[:-k] for k in range(1, nlags + 1)]) / denom


def seasonality_test(y: np.ndarray, season_length: int) -> bool:
    r"""Return whether ``y`` is seasonal by the 90% autocorrelation test of the M4 benchmarks.

    A series is seasonal when :math:`m > 1`, :math:`n \ge 3m` and
    :math:`|r_m| > 1.645 \sqrt{(1 + 2 \sum_{k=1}^{m-1} r_k^2) / n}`, where
    :math:`r_k` is the lag-:math:`k` sample autocorrelation.

    Parameters
    ----------
    y : array-like of shape (n,)
        The series.
    season_length : int
        Season length :math:`m`.

    Returns
    -------
    bool

    Examples
    --------
    >>> t = np.arange(48)
    >>> seasonality_test(10 + np.sin(2 * np.pi * t / 12), 12)
    True
    >>> seasonality_test(10 + 0.1 * t, 12)
    False
    """
    y = np.asarray(y, dtype=np.float64)
    n, m = len(y), int(season_length)
    if m <= 1 or n < 3 * m:
        return False
    r = _acf(y, m)
    limit = _CRITICAL * np.sqrt((1.0 + 2.0 * np.sum(r[: m - 1] ** 2)) / n)
    return bool(abs(r[m - 1]) > limit)


def seasonal_indices(y: np.ndarray, season_length: int) -> np.ndarray:
    """Seasonal indices of a classical multiplicative decomposition (numpy only).

    The trend is the centred moving average of order :math:`m` (a 2x``m`` MA for
    even :math:`m`); each phase's index is the mean of ``y / trend`` over its
    complete cycles, normalised to mean 1. Equal to the seasonal component of
    ``statsmodels.tsa.seasonal.seasonal_decompose(y, model="multiplicative")``.

    Parameters
    ----------
    y : array-like of shape (n,)
        A positive series with ``n >= 2 * season_length``.
    season_length : int
        Season length :math:`m`.

    Returns
    -------
    ndarray of shape (m,)
        Index ``k`` belongs to the observations ``y[k], y[k + m], ...``.

    Examples
    --------
    >>> np.round(seasonal_indices(np.tile([1.0, 2.0, 3.0, 2.0], 4), 4) * 2, 6).tolist()
    [1.0, 2.0, 3.0, 2.0]
    """
    y = np.asarray(y, dtype=np.float64)
    m = int(season_length)
    weights = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    half = len(weights) // 2
    trend = np.full(len(y), np.nan)
    trend[half : len(y) - half] = np.convolve(y, weights, mode="valid")
    ratio = y / trend
    means = np.array([np.nanmean(ratio[k::m]) for k in range(m)])
    return means / means.mean()


def deseasonalize(y: np.ndarray, season_length: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Divide out classical multiplicative seasonality when the M4 test finds it.

    Series that fail :func:`seasonality_test`, or hold a value <= 0 (the
    decomposition is multiplicative), are returned unchanged with unit indices.

    Parameters
    ----------
    y : array-like of shape (n,)
        The series.
    season_length : int
        Season length :math:`m`.
    horizon : int
        Number of future seasonal indices wanted.

    Returns
    -------
    adjusted : ndarray of shape (n,)
        ``y`` divided by its seasonal indices.
    future : ndarray of shape (horizon,)
        Seasonal indices of the ``horizon`` steps after the end of ``y``
        (multiply forecasts of ``adjusted`` by them).

    Examples
    --------
    >>> y = np.tile([1.0, 2.0, 3.0, 2.0], 4)
    >>> adjusted, future = deseasonalize(y, 4, 6)
    >>> np.allclose(adjusted, 2.0), np.round(future * 2, 6).tolist()
    (True, [1.0, 2.0, 3.0, 2.0, 1.0, 2.0])
    """
    y = np.asarray(y, dtype=np.float64)
    m = int(season_length)
    if y.min() <= 0 or not seasonality_test(y, m):
        return y, np.ones(horizon)
    cycle = seasonal_indices(y, m)
    return y / cycle[np.arange(len(y)) % m], cycle[(len(y) + np.arange(horizon)) % m]
