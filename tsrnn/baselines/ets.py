r"""Automatic exponential smoothing: the ETS state space model with the lowest AIC per series.

An ETS(error, trend, seasonal) model (Hyndman et al., 2002, 2008) writes the
one-step forecast :math:`\mu_t` from a level :math:`\ell`, an optional
(damped) trend :math:`b` and optional seasonal states :math:`s`, with additive
(:math:`y_t = \mu_t + \varepsilon_t`) or multiplicative
(:math:`y_t = \mu_t(1 + \varepsilon_t)`) errors. For example ETS(A,Ad,N):

.. math::

   \ell_t = \ell_{t-1} + \phi b_{t-1} + \alpha\varepsilon_t, \quad
   b_t = \phi b_{t-1} + \beta\varepsilon_t, \quad
   \hat y_{T+h} = \ell_T + (\phi + \dots + \phi^h) b_T.

For each series every allowed configuration of statsmodels'
``statsmodels.tsa.exponential_smoothing.ets.ETSModel`` is fitted by
maximum likelihood and the one with the lowest
:math:`\mathrm{AIC} = -2\log L + 2k` is kept (the likelihood of multiplicative
error models includes the Jacobian term, so AICs compare across error types).
Allowed: errors add/mul, trend none/add/add-damped, seasonality none/add/mul;
multiplicative errors or seasonality only for strictly positive series;
seasonality only when :math:`m > 1` and the series spans two full seasons;
and, as in R's ``ets(restrict=TRUE)``, no additive error with multiplicative
seasonality (numerically unstable) unless both are asked for explicitly.
Models with as many parameters as observations less one are skipped.

References
----------
Hyndman, R. J., Koehler, A. B., Snyder, R. D., & Grose, S. (2002). A state
space framework for automatic forecasting using exponential smoothing methods.
International Journal of Forecasting, 18(3), 439-454.

Hyndman, R. J., Koehler, A. B., Ord, J. K., & Snyder, R. D. (2008).
Forecasting with Exponential Smoothing: The State Space Approach. Springer.
"""

from __future__ import annotations

from functools import partial
from itertools import product

import numpy as np

from tsrnn._validation import Options
from tsrnn.baselines._intervals import simulated_sd
from tsrnn.baselines.local import (
    LOCAL_CONSTRAINTS,
    LocalForecaster,
    SeriesModel,
    lowest_aic_finite,
)

__all__ = ["ETSForecaster"]

#: (error, trend, damped_trend, seasonal) in statsmodels' ETSModel terms.
Config = tuple[str, "str | None", bool, "str | None"]


def ets_configs(
    n: int,
    m: int,
    positive: bool,
    *,
    error: str = "auto",
    trend: str | None = "auto",
    damped_trend: bool | str = "auto",
    seasonal: str | None = "auto",
) -> list[Config]:
    """List the ETS configurations allowed for a series of length ``n``.

    Examples
    --------
    >>> len(ets_configs(48, 12, True)), len(ets_configs(48, 12, False))
    (15, 6)
    >>> ets_configs(20, 1, True, error="add", trend=None)
    [('add', None, False, None)]
    """
    errors = ("add", "mul") if error == "auto" else (error,)
    trends = (None, "add") if trend == "auto" else (trend,)
    dampings = (False, True) if damped_trend == "auto" else (damped_trend,)
    seasonals = (None, "add", "mul") if seasonal == "auto" else (seasonal,)
    configs: list[Config] = []
    for e, t, d, s in product(errors, trends, dampings, seasonals):
        d = bool(d) and t is not None
        if (e, t, d, s) in configs:
            continue
        if not positive and "mul" in (e, s):
            continue
        if s is not None and (m <= 1 or n < 2 * m):
            continue
        if e == "add" and s == "mul" and "auto" in (error, seasonal):
            continue
        n_params = 2 + 2 * (t is not None) + d + (1 + m) * (s is not None)
        if n_params >= n - 1:
            continue
        configs.append((e, t, d, s))
    return configs


def _label(config: Config) -> str:
    e, t, d, s = config
    letter = {None: "N", "add": "A", "mul": "M"}
    return f"ETS({letter[e]},{letter[t]}{'d' if d else ''},{letter[s]})"


def ets_series(
    y: np.ndarray, horizon: int, m: int, **options
) -> tuple[np.ndarray, str, np.ndarray]:
    """Fit every allowed ETS configuration; forecast with the lowest-AIC one."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    configs = ets_configs(len(y), m, bool(y.min() > 0), **options)
    if not configs:
        raise ValueError(
            f"no ETS configuration fits a series of {len(y)} values with options {options} "
            "(too short, or multiplicative terms on non-positive data)"
        )
    fits, errors = [], []
    for config in configs:
        e, t, d, s = config
        try:
            result = ETSModel(
                y, error=e, trend=t, damped_trend=d, seasonal=s, seasonal_periods=m if s else None
            ).fit(disp=False)
        except Exception as err:  # a failing configuration only drops out of the search
            errors.append(f"{_label(config)}: {err}")
            continue
        if np.isfinite(result.aic):
            fits.append((result.aic, len(fits), result, _label(config)))
    return lowest_aic_finite(
        fits, lambda r: (r.forecast(horizon), simulated_sd(r, horizon)), errors, "ETS"
    )


class ETSForecaster(LocalForecaster):
    r"""Automatic ETS: per series, the exponential smoothing state space model with lowest AIC.

    Every allowed configuration of error (additive, multiplicative), trend
    (none, additive, additive damped) and seasonality (none, additive,
    multiplicative) is fitted by maximum likelihood with statsmodels'
    ``statsmodels.tsa.exponential_smoothing.ets.ETSModel`` and the lowest
    AIC wins (Hyndman et al., 2002, 2008; see :mod:`tsrnn.baselines.ets` for the
    equations and the rules). Fixing ``error``, ``trend``, ``damped_trend`` or
    ``seasonal`` narrows the search. Up to 15 models are fitted per seasonal
    series (about 0.5 s for a monthly series of 100 values): use ``n_jobs``.
    Covariate columns are accepted and ignored.

    Parameters
    ----------
    horizon : int, default=12
        Steps forecast.
    error : {"auto", "add", "mul"}, default="auto"
        Error type; "auto" tries both (multiplicative only for positive series).
    trend : {"auto", "add"} or None, default="auto"
        Trend; "auto" tries none and additive.
    damped_trend : {"auto", True, False}, default="auto"
        Damping of an additive trend; "auto" tries both.
    seasonal : {"auto", "add", "mul"} or None, default="auto"
        Seasonality; "auto" tries none, additive and multiplicative (when
        ``m > 1`` and the series spans two seasons).
    season_length : int or None, default=None
        Season length ``m``; inferred from each series' frequency when None.
    <shared parameters>

    Attributes
    ----------
    forecasts_ : ndarray of shape (n_series, horizon)
        Forecasts of every series, from the end of its history.
    models_ : list of str
        The model selected for each series, e.g. ``"ETS(M,Ad,M)"``.
    fallback_ : ndarray of bool, shape (n_series,)
        Series on which every model failed; they got naive forecasts.
    <shared attributes>

    Examples
    --------
    >>> from tsrnn.datasets import load_m3
    >>> train, test = load_m3("monthly", limit=2)
    >>> est = ETSForecaster(horizon=18, trend=None).fit(train)
    >>> est.models_
    ['ETS(M,N,M)', 'ETS(M,N,M)']
    """

    _parameter_constraints: dict[str, list] = {
        **LOCAL_CONSTRAINTS,
        "error": [Options(frozenset({"auto", "add", "mul"}))],
        "trend": [None, Options(frozenset({"auto", "add"}))],
        "damped_trend": [bool, Options(frozenset({"auto"}))],
        "seasonal": [None, Options(frozenset({"auto", "add", "mul"}))],
    }

    def __init__(
        self,
        *,
        horizon: int = 12,
        error: str = "auto",
        trend: str | None = "auto",
        damped_trend: bool | str = "auto",
        seasonal: str | None = "auto",
        season_length: int | None = None,
        n_jobs: int | None = None,
        freq: str | int | None = None,
        id_col: str = "unique_id",
        time_col: str = "ds",
        target_col: str = "y",
    ) -> None:
        self.horizon = horizon
        self.error = error
        self.trend = trend
        self.damped_trend = damped_trend
        self.seasonal = seasonal
        self.season_length = season_length
        self.n_jobs = n_jobs
        self.freq = freq
        self.id_col = id_col
        self.time_col = time_col
        self.target_col = target_col

    def _series_model(self) -> SeriesModel:
        return partial(
            ets_series,
            error=self.error,
            trend=self.trend,
            damped_trend=self.damped_trend,
            seasonal=self.seasonal,
        )
