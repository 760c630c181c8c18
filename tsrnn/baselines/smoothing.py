r"""Naive2, simple exponential smoothing and Holt's linear trend, as in the M4 benchmarks.

Each forecasts the seasonally adjusted series (see
:mod:`tsrnn.baselines.seasonality`) and multiplies the forecasts by the
seasonal indices that continue the cycle:

- **Naive2**: :math:`\hat y_{T+h} = (y_T / s_T)\, s_{T+h}`, the M4 competition's
  reference for the OWA score.
- **SES** (Brown, 1959): :math:`\ell_t = \alpha y_t + (1-\alpha)\ell_{t-1}`,
  :math:`\hat y_{T+h} = \ell_T`.
- **Holt** (Holt, 1957), optionally damped (Gardner & McKenzie, 1985):
  :math:`\hat y_{T+h} = \ell_T + (\phi + \dots + \phi^h) b_T`, with
  :math:`\phi = 1` when undamped.

The smoothing parameters and initial states are estimated by least squares
(``statsmodels.tsa.holtwinters.ExponentialSmoothing``,
``initialization_method="estimated"``); :math:`\phi \in [0.8, 0.995]`.

References
----------
Hyndman, R. J., Koehler, A. B., Ord, J. K., & Snyder, R. D. (2008).
Forecasting with Exponential Smoothing: The State Space Approach. Springer.

Makridakis, S., Spiliotis, E., & Assimakopoulos, V. (2020). The M4 Competition:
100,000 time series and 61 forecasting methods. International Journal of
Forecasting, 36(1), 54-74.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from tsrnn.baselines._intervals import random_walk_sd, simulated_sd
from tsrnn.baselines.local import LOCAL_CONSTRAINTS, LocalForecaster, SeriesModel
from tsrnn.baselines.seasonality import deseasonalize as _deseasonalize

__all__ = ["HoltForecaster", "Naive2Forecaster", "SESForecaster"]


def _adjust(
    y: np.ndarray, m: int, horizon: int, deseasonalize: bool
) -> tuple[np.ndarray, np.ndarray, str]:
    """Seasonally adjust ``y``; return it, the future indices and a label suffix."""
    if not deseasonalize:
        return y, np.ones(horizon), ""
    adjusted, future = _deseasonalize(y, m, horizon)
    return adjusted, future, ("" if adjusted is y else ", deseasonalised")


def naive2_series(y: np.ndarray, horizon: int, m: int) -> tuple[np.ndarray, str, np.ndarray]:
    """Naive forecasts of the seasonally adjusted series, reseasonalised."""
    adjusted, future, note = _adjust(y, m, horizon, True)
    return adjusted[-1] * future, "Naive2" + note, random_walk_sd(adjusted, horizon) * future


def smoothing_series(
    y: np.ndarray,
    horizon: int,
    m: int,
    *,
    trend: str | None,
    damped_trend: bool,
    deseasonalize: bool,
) -> tuple[np.ndarray, str, np.ndarray]:
    """SES (``trend=None``) or Holt's method on the seasonally adjusted series."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    adjusted, future, note = _adjust(y, m, horizon, deseasonalize)
    model = ExponentialSmoothing(
        adjusted,
        trend=trend,
        damped_trend=damped_trend,
        initialization_method="estimated",
    )
    result = model.fit()
    name = "SES" if trend is None else ("damped Holt" if damped_trend else "Holt")
    sd = simulated_sd(result, horizon) * future
    return np.asarray(result.forecast(horizon)) * future, name + note, sd


class Naive2Forecaster(LocalForecaster):
    r"""Naive forecasts of the seasonally adjusted series (M4's Naive2).

    :math:`\hat y_{T+h} = (y_T / s_T)\, s_{T+h}`, where :math:`s` are the
    classical multiplicative seasonal indices of series that pass the M4 90%
    autocorrelation test (:func:`~tsrnn.baselines.seasonality.seasonality_test`;
    :math:`s \equiv 1` otherwise). Naive2 is the benchmark of the M4 competition's
    OWA score. Covariate columns are accepted and ignored.

    Parameters
    ----------
    horizon : int, default=12
        Steps forecast.
    season_length : int or None, default=None
        Season length ``m`` used for the seasonal adjustment; inferred from
        each series' frequency when None (12 monthly, 4 quarterly, 1 yearly, ...).
    <shared parameters>

    Attributes
    ----------
    forecasts_ : ndarray of shape (n_series, horizon)
        Forecasts of every series, from the end of its history.
    models_ : list of str
        The model fitted to each series (e.g. ``"SES, deseasonalised"``).
    fallback_ : ndarray of bool, shape (n_series,)
        Series whose model failed and got naive forecasts instead.
    <shared attributes>

    See Also
    --------
    tsrnn.NaiveForecaster, tsrnn.SeasonalNaiveForecaster

    Examples
    --------
    >>> from tsrnn.datasets import load_dataset
    >>> df = load_dataset("monthly_short")
    >>> est = Naive2Forecaster(horizon=6).fit(df)
    >>> est.forecast().shape, est.models_[:2]
    ((72, 3), ['Naive2', 'Naive2, deseasonalised'])
    """

    _parameter_constraints: dict[str, list] = LOCAL_CONSTRAINTS

    def __init__(
        self,
        *,
        horizon: int = 12,
        season_length: int | None = None,
        n_jobs: int | None = None,
        freq: str | int | None = None,
        id_col: str = "unique_id",
        time_col: str = "ds",
        target_col: str = "y",
    ) -> None:
        self.horizon = horizon
        self.season_length = season_length
        self.n_jobs = n_jobs
        self.freq = freq
        self.id_col = id_col
        self.time_col = time_col
        self.target_col = target_col

    def _series_model(self) -> SeriesModel:
        return naive2_series


class SESForecaster(LocalForecaster):
    r"""Simple exponential smoothing of each series, seasonally adjusted as in the M4 benchmarks.

    :math:`\ell_t = \alpha y_t + (1 - \alpha)\ell_{t-1}` and
    :math:`\hat y_{T+h} = \ell_T` (Brown, 1959; Hyndman et al., 2008, ETS(A,N,N)),
    with :math:`\alpha` and :math:`\ell_0` estimated by least squares. With
    ``deseasonalize=True`` (the M4 benchmark) series that pass the M4
    seasonality test are divided by classical multiplicative seasonal indices
    before smoothing, and the forecasts multiplied by them. Covariate columns are
    accepted and ignored.

    Parameters
    ----------
    horizon : int, default=12
        Steps forecast.
    deseasonalize : bool, default=True
        Apply the M4 seasonal adjustment.
    season_length : int or None, default=None
        Season length ``m`` used for the seasonal adjustment; inferred from
        each series' frequency when None (12 monthly, 4 quarterly, 1 yearly, ...).
    <shared parameters>

    Attributes
    ----------
    forecasts_ : ndarray of shape (n_series, horizon)
        Forecasts of every series, from the end of its history.
    models_ : list of str
        The model fitted to each series (e.g. ``"SES, deseasonalised"``).
    fallback_ : ndarray of bool, shape (n_series,)
        Series whose model failed and got naive forecasts instead.
    <shared attributes>

    Examples
    --------
    >>> from tsrnn.datasets import load_dataset
    >>> df = load_dataset("monthly_short")
    >>> SESForecaster(horizon=3).fit(df).forecast().head(3).columns.tolist()
    ['unique_id', 'ds', 'yhat']
    """

    _parameter_constraints: dict[str, list] = {**LOCAL_CONSTRAINTS, "deseasonalize": [bool]}

    def __init__(
        self,
        *,
        horizon: int = 12,
        deseasonalize: bool = True,
        season_length: int | None = None,
        n_jobs: int | None = None,
        freq: str | int | None = None,
        id_col: str = "unique_id",
        time_col: str = "ds",
        target_col: str = "y",
    ) -> None:
        self.horizon = horizon
        self.deseasonalize = deseasonalize
        self.season_length = season_length
        self.n_jobs = n_jobs
        self.freq = freq
        self.id_col = id_col
        self.time_col = time_col
        self.target_col = target_col

    def _series_model(self) -> SeriesModel:
        return partial(
            smoothing_series, trend=None, damped_trend=False, deseasonalize=self.deseasonalize
        )


class HoltForecaster(LocalForecaster):
    r"""Holt's linear trend method, optionally damped, seasonally adjusted as in M4.

    .. math::

       \ell_t = \alpha y_t + (1-\alpha)(\ell_{t-1} + \phi b_{t-1}), \quad
       b_t = \beta^*(\ell_t - \ell_{t-1}) + (1-\beta^*)\phi b_{t-1}, \quad
       \hat y_{T+h} = \ell_T + (\phi + \phi^2 + \dots + \phi^h) b_T,

    with :math:`\phi = 1` (Holt, 1957) or, when ``damped_trend=True``, estimated
    in :math:`[0.8, 0.995]` (Gardner & McKenzie, 1985): ETS(A,A,N) and
    ETS(A,Ad,N) of Hyndman et al. (2008). Smoothing parameters and initial
    states are estimated by least squares. With ``deseasonalize=True`` the M4
    seasonal adjustment is applied first. Covariate columns are accepted and
    ignored.

    Parameters
    ----------
    horizon : int, default=12
        Steps forecast.
    damped_trend : bool, default=False
        Damp the trend (M4's "Damped" benchmark).
    deseasonalize : bool, default=True
        Apply the M4 seasonal adjustment.
    season_length : int or None, default=None
        Season length ``m`` used for the seasonal adjustment; inferred from
        each series' frequency when None (12 monthly, 4 quarterly, 1 yearly, ...).
    <shared parameters>

    Attributes
    ----------
    forecasts_ : ndarray of shape (n_series, horizon)
        Forecasts of every series, from the end of its history.
    models_ : list of str
        The model fitted to each series (e.g. ``"SES, deseasonalised"``).
    fallback_ : ndarray of bool, shape (n_series,)
        Series whose model failed and got naive forecasts instead.
    <shared attributes>

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> y = pd.Series(np.arange(10.0), index=pd.date_range("2000", periods=10, freq="YS"))
    >>> HoltForecaster(horizon=2).fit(y).forecast()["yhat"].round(3).tolist()
    [10.0, 11.0]
    """

    _parameter_constraints: dict[str, list] = {
        **LOCAL_CONSTRAINTS,
        "damped_trend": [bool],
        "deseasonalize": [bool],
    }

    def __init__(
        self,
        *,
        horizon: int = 12,
        damped_trend: bool = False,
        deseasonalize: bool = True,
        season_length: int | None = None,
        n_jobs: int | None = None,
        freq: str | int | None = None,
        id_col: str = "unique_id",
        time_col: str = "ds",
        target_col: str = "y",
    ) -> None:
        self.horizon = horizon
        self.damped_trend = damped_trend
        self.deseasonalize = deseasonalize
        self.season_length = season_length
        self.n_jobs = n_jobs
        self.freq = freq
        self.id_col = id_col
        self.time_col = time_col
        self.target_col = target_col

    def _series_model(self) -> SeriesModel:
        return partial(
            smoothing_series,
            trend="add",
            damped_trend=self.damped_trend,
            deseasonalize=self.deseasonalize,
        )
