"""Classical baselines behind the same row contract as the neural forecasters.

Every baseline is a local model per series, fitted inside ``fit``:

========================================  ========================================================
class                                     model
========================================  ========================================================
:class:`~tsrnn.NaiveForecaster`           last value
:class:`~tsrnn.SeasonalNaiveForecaster`   last season
:class:`Naive2Forecaster`                 naive on M4-deseasonalised data (M4's Naive2)
:class:`SESForecaster`                    simple exponential smoothing (M4 adjustment)
:class:`HoltForecaster`                   Holt's linear trend, optionally damped (M4 adjustment)
:class:`ThetaForecaster`                  Theta method, statsmodels ``ThetaModel`` (M4 adjustment)
:class:`ETSForecaster`                    ETS model with the lowest AIC (statsmodels ``ETSModel``)
:class:`ARIMAForecaster`                  seasonal ARIMA: tests for differencing, AIC for orders
========================================  ========================================================

The statistical models (all but the two naive ones) derive from
:class:`LocalForecaster`: they fit series in parallel with ``n_jobs``, fall back
to naive forecasts with a :class:`FallbackWarning` on the series where a model
fails (``n_fallback_``), and re-estimate a series' model when ``update`` extends
it. statsmodels is imported only when such a model is fitted. Covariate columns
are accepted and ignored, so a comparison can hand every model the same ``X``.
"""

from tsrnn.baselines.arima import ARIMAForecaster
from tsrnn.baselines.ets import ETSForecaster
from tsrnn.baselines.local import FallbackWarning, LocalForecaster
from tsrnn.baselines.naive import NaiveForecaster, SeasonalNaiveForecaster
from tsrnn.baselines.smoothing import HoltForecaster, Naive2Forecaster, SESForecaster
from tsrnn.baselines.theta import ThetaForecaster

__all__ = [
    "ARIMAForecaster",
    "ETSForecaster",
    "FallbackWarning",
    "HoltForecaster",
    "LocalForecaster",
    "Naive2Forecaster",
    "NaiveForecaster",
    "SESForecaster",
    "SeasonalNaiveForecaster",
    "ThetaForecaster",
]
