r"""The Theta method (statsmodels ``ThetaModel``) with the M4 seasonal adjustment.

The Theta method (Assimakopoulos & Nikolopoulos, 2000) combines the linear
trend line (:math:`\theta = 0`) with simple exponential smoothing of the
:math:`\theta = 2` line. Hyndman & Billah (2003) showed it equals SES with a
drift of half the trend slope:

.. math::

   \hat y_{T+h} = \tilde y_{T+h} + \frac{\theta - 1}{\theta}\, b_0
   \left[h - 1 + \frac{1}{\alpha} - \frac{(1-\alpha)^T}{\alpha}\right],

where :math:`\tilde y_{T+h}` is the SES forecast (smoothing parameter
:math:`\alpha` estimated by least squares, :math:`\ell_0 = y_1`) and
:math:`b_0` the OLS slope of :math:`y_t` on :math:`t`. This is
``statsmodels.tsa.forecasting.theta.ThetaModel``, fitted here with
``deseasonalize=False`` on data already adjusted by the M4 benchmarks'
seasonality test and classical multiplicative decomposition
(:mod:`tsrnn.baselines.seasonality`); the forecasts are then reseasonalised.
(``ThetaModel``'s own adjustment uses a different test statistic, without the
factor 2 of the M4 test and without the :math:`n \ge 3m` rule.) On M3 this
reproduces the published Theta accuracy: sMAPE 13.93 (monthly) and 16.82
(yearly; published 16.87), see ``benchmarks/m3_baselines.py``.

References
----------
Assimakopoulos, V., & Nikolopoulos, K. (2000). The theta model: a decomposition
approach to forecasting. International Journal of Forecasting, 16(4), 521-530.

Hyndman, R. J., & Billah, B. (2003). Unmasking the Theta method. International
Journal of Forecasting, 19(2), 287-290.
"""

from __future__ import annotations

import numbers
from functools import partial

import numpy as np

from tsrnn._validation import Interval
from tsrnn.baselines.local import LOCAL_CONSTRAINTS, LocalForecaster, SeriesModel
from tsrnn.baselines.seasonality import deseasonalize as _deseasonalize

__all__ = ["ThetaForecaster"]

_Z95 = 1.959963984540054  # the 0.975 quantile of the standard normal


def theta_series(
    y: np.ndarray, horizon: int, m: int, *, theta: float, deseasonalize: bool
) -> tuple[np.ndarray, str, np.ndarray]:
    """Theta forecasts of one series, seasonally adjusted as in the M4 benchmarks."""
    from statsmodels.tsa.forecasting.theta import ThetaModel

    adjusted, future = _deseasonalize(y, m, horizon) if deseasonalize else (y, np.ones(horizon))
    result = ThetaModel(adjusted, deseasonalize=False).fit()
    forecast = np.asarray(result.forecast(horizon, theta=theta)) * future
    bounds = np.asarray(result.prediction_intervals(horizon, theta=theta, alpha=0.05))
    sd = (bounds[:, 1] - bounds[:, 0]) / (2 * _Z95) * future  # the analytic 95% interval's sd
    return forecast, "Theta" + ("" if adjusted is y else ", deseasonalised"), sd


class ThetaForecaster(LocalForecaster):
    r"""The Theta method of each series, seasonally adjusted as in the M4 benchmarks.

    Forecasts are SES with drift (Hyndman & Billah, 2003):
    :math:`\hat y_{T+h} = \tilde y_{T+h} + \frac{\theta-1}{\theta} b_0
    [h - 1 + 1/\alpha - (1-\alpha)^T/\alpha]`, computed by
    ``statsmodels.tsa.forecasting.theta.ThetaModel`` on the seasonally
    adjusted series and reseasonalised (see :mod:`tsrnn.baselines.theta`).
    ``theta=2`` is the classical method of Assimakopoulos & Nikolopoulos (2000),
    the M3 competition's best performer. Covariate columns are accepted and ignored.

    Parameters
    ----------
    horizon : int, default=12
        Steps forecast.
    theta : float, default=2.0
        Weight of the trend: :math:`(\theta - 1)/\theta` of the OLS slope is added
        as drift; must be >= 1.
    deseasonalize : bool, default=True
        Apply the M4 seasonality test and classical multiplicative adjustment.
    season_length : int or None, default=None
        Season length ``m`` used for the seasonal adjustment; inferred from
        each series' frequency when None (12 monthly, 4 quarterly, 1 yearly, ...).
    <shared parameters>

    Attributes
    ----------
    forecasts_ : ndarray of shape (n_series, horizon)
        Forecasts of every series, from the end of its history.
    models_ : list of str
        The model fitted to each series (``"Theta"`` or ``"Theta, deseasonalised"``).
    fallback_ : ndarray of bool, shape (n_series,)
        Series whose model failed and got naive forecasts instead.
    <shared attributes>

    References
    ----------
    Assimakopoulos, V., & Nikolopoulos, K. (2000). The theta model: a
    decomposition approach to forecasting. IJF, 16(4), 521-530.
    Hyndman, R. J., & Billah, B. (2003). Unmasking the Theta method. IJF,
    19(2), 287-290.

    Examples
    --------
    >>> from tsrnn.datasets import load_m3
    >>> train, test = load_m3("monthly", limit=3)
    >>> est = ThetaForecaster(horizon=18).fit(train)
    >>> est.predict(test).shape, est.n_fallback_
    ((54,), 0)
    """

    _parameter_constraints: dict[str, list] = {
        **LOCAL_CONSTRAINTS,
        "theta": [Interval(numbers.Real, 1, None)],
        "deseasonalize": [bool],
    }

    def __init__(
        self,
        *,
        horizon: int = 12,
        theta: float = 2.0,
        deseasonalize: bool = True,
        season_length: int | None = None,
        n_jobs: int | None = None,
        freq: str | int | None = None,
        id_col: str = "unique_id",
        time_col: str = "ds",
        target_col: str = "y",
    ) -> None:
        self.horizon = horizon
        self.theta = theta
        self.deseasonalize = deseasonalize
        self.season_length = season_length
        self.n_jobs = n_jobs
        self.freq = freq
        self.id_col = id_col
        self.time_col = time_col
        self.target_col = target_col

    def _series_model(self) -> SeriesModel:
        return partial(theta_series, theta=float(self.theta), deseasonalize=self.deseasonalize)
