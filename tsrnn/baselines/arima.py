r"""Seasonal ARIMA per series: differencing chosen by tests, orders by a small AIC search.

A SARIMA :math:`(p, d, q)(P, D, Q)_m` model of a series :math:`y_t` is

.. math::

   \phi_p(B)\,\Phi_P(B^m)\,(1 - B)^d (1 - B^m)^D y_t
   = c + \theta_q(B)\,\Theta_Q(B^m)\,\varepsilon_t,

with :math:`B` the backshift operator. For each series:

1. **Seasonal differencing** :math:`D = 1` when :math:`m > 1` and the series
   passes the M4 90% autocorrelation test
   (:func:`~tsrnn.baselines.seasonality.seasonality_test`), else 0.
2. **Differencing** :math:`d \le` ``max_d``: difference while the KPSS test
   rejects level stationarity at 5% (lag truncation
   :math:`\lfloor 3\sqrt{n}/13 \rfloor`), as ``ndiffs`` in R's forecast package
   (Hyndman & Khandakar, 2008). AIC cannot choose :math:`d` or :math:`D`:
   models with different differencing have likelihoods of different data.
3. **Orders** by AIC over :math:`p \le` ``max_p``, :math:`q \le` ``max_q`` and,
   when :math:`D = 1`, :math:`(P, Q) \in \{(0,0), (1,0), (0,1)\}`; with and
   without the constant :math:`c` when :math:`d + D \le 1` (a mean when
   :math:`d + D = 0`, a drift when :math:`d + D = 1`). Each model is fitted
   by exact maximum likelihood with
   ``statsmodels.tsa.statespace.sarimax.SARIMAX`` (stationary, invertible).

References
----------
Box, G. E. P., Jenkins, G. M., Reinsel, G. C., & Ljung, G. M. (2015). Time
Series Analysis: Forecasting and Control (5th ed.). Wiley.

Hyndman, R. J., & Khandakar, Y. (2008). Automatic time series forecasting: the
forecast package for R. Journal of Statistical Software, 27(3), 1-22.
"""

from __future__ import annotations

import numbers
from functools import partial
from itertools import product
from typing import Any

import numpy as np

from tsrnn._validation import Interval
from tsrnn.baselines.local import (
    LOCAL_CONSTRAINTS,
    LocalForecaster,
    SeriesModel,
    lowest_aic_finite,
)
from tsrnn.baselines.seasonality import seasonality_test

__all__ = ["ARIMAForecaster"]


def kpss_ndiffs(y: np.ndarray, max_d: int) -> int:
    """Number of differences (<= ``max_d``) after which KPSS no longer rejects at 5%."""
    from statsmodels.tsa.stattools import kpss

    d = 0
    while d < max_d and len(y) >= 4 and np.ptp(y) > 0:
        lags = int(3 * np.sqrt(len(y)) / 13)  # R forecast's ndiffs
        try:
            p_value = kpss(y, regression="c", nlags=lags)[1]
        except (ValueError, ZeroDivisionError, np.linalg.LinAlgError):
            break
        if p_value >= 0.05:
            break
        y, d = np.diff(y), d + 1
    return d


def _label(order: tuple, seasonal_order: tuple, trend: str) -> str:
    p, d, q = order
    text = f"ARIMA({p},{d},{q})"
    if seasonal_order[3] > 1:
        text += "({},{},{})[{}]".format(*seasonal_order)
    if trend == "n":
        return text
    return text + (" with mean" if d + seasonal_order[1] == 0 else " with drift")


def arima_series(
    y: np.ndarray, horizon: int, m: int, *, max_p: int, max_q: int, max_d: int, seasonal: bool
) -> tuple[np.ndarray, str, np.ndarray]:
    """Select a SARIMA model by tests and AIC; forecast ``horizon`` steps."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    big_d = int(seasonal and m > 1 and seasonality_test(y, m))
    d = kpss_ndiffs(y[m:] - y[:-m] if big_d else y, max_d)
    seasonal_pq = ((0, 0), (1, 0), (0, 1)) if big_d else ((0, 0),)
    trends = ("c", "n") if d + big_d <= 1 else ("n",)  # SARIMAX: c acts on the differences
    fits, errors = [], []
    for p, q, (sp, sq), trend in product(range(max_p + 1), range(max_q + 1), seasonal_pq, trends):
        order, seasonal_order = (p, d, q), (sp, big_d, sq, m if big_d else 0)
        try:
            result = SARIMAX(y, order=order, seasonal_order=seasonal_order, trend=trend).fit(
                disp=False
            )
        except Exception as err:  # a failing order only drops out of the search
            errors.append(f"{_label(order, seasonal_order, trend)}: {err}")
            continue
        if np.isfinite(result.aic):
            fits.append((result.aic, len(fits), result, _label(order, seasonal_order, trend)))

    def forecast(result: Any) -> tuple:
        prediction = result.get_forecast(horizon)
        return prediction.predicted_mean, prediction.se_mean

    return lowest_aic_finite(fits, forecast, errors, "ARIMA")


class ARIMAForecaster(LocalForecaster):
    r"""Seasonal ARIMA of each series, with differencing by tests and orders by AIC.

    The seasonal difference :math:`D` comes from the M4 seasonality test, the
    difference :math:`d \le` ``max_d`` from repeated KPSS tests, and
    :math:`p \le` ``max_p``, :math:`q \le` ``max_q``, the seasonal
    :math:`(P, Q) \in \{(0,0),(1,0),(0,1)\}` (seasonal series) and the constant
    or drift term from the lowest AIC of statsmodels'
    ``statsmodels.tsa.statespace.sarimax.SARIMAX`` fits (see
    :mod:`tsrnn.baselines.arima`). This is the slowest baseline: with the
    defaults a seasonal monthly series needs up to 54 fits (several seconds);
    use ``n_jobs``, or smaller ``max_p``/``max_q``. Covariate columns are
    accepted and ignored.

    Parameters
    ----------
    horizon : int, default=12
        Steps forecast.
    max_p, max_q : int, default=2
        Largest autoregressive and moving-average orders searched.
    max_d : int, default=2
        Largest number of (non-seasonal) differences.
    seasonal : bool, default=True
        Allow seasonal differencing and seasonal AR/MA terms.
    season_length : int or None, default=None
        Season length ``m``; inferred from each series' frequency when None.
    <shared parameters>

    Attributes
    ----------
    forecasts_ : ndarray of shape (n_series, horizon)
        Forecasts of every series, from the end of its history.
    models_ : list of str
        The model selected for each series, e.g. ``"ARIMA(0,1,1)(0,1,1)[12]"``.
    fallback_ : ndarray of bool, shape (n_series,)
        Series on which every model failed; they got naive forecasts.
    <shared attributes>

    Examples
    --------
    >>> from tsrnn.datasets import load_m3
    >>> train, _ = load_m3("yearly", limit=2)
    >>> est = ARIMAForecaster(horizon=6, max_p=1, max_q=1).fit(train)
    >>> est.models_
    ['ARIMA(0,2,0)', 'ARIMA(0,1,0)']
    """

    _parameter_constraints: dict[str, list] = {
        **LOCAL_CONSTRAINTS,
        "max_p": [Interval(numbers.Integral, 0, None)],
        "max_q": [Interval(numbers.Integral, 0, None)],
        "max_d": [Interval(numbers.Integral, 0, 2)],
        "seasonal": [bool],
    }

    def __init__(
        self,
        *,
        horizon: int = 12,
        max_p: int = 2,
        max_q: int = 2,
        max_d: int = 2,
        seasonal: bool = True,
        season_length: int | None = None,
        n_jobs: int | None = None,
        freq: str | int | None = None,
        id_col: str = "unique_id",
        time_col: str = "ds",
        target_col: str = "y",
    ) -> None:
        self.horizon = horizon
        self.max_p = max_p
        self.max_q = max_q
        self.max_d = max_d
        self.seasonal = seasonal
        self.season_length = season_length
        self.n_jobs = n_jobs
        self.freq = freq
        self.id_col = id_col
        self.time_col = time_col
        self.target_col = target_col

    def _series_model(self) -> SeriesModel:
        return partial(
            arima_series,
            max_p=self.max_p,
            max_q=self.max_q,
            max_d=self.max_d,
            seasonal=self.seasonal,
        )
