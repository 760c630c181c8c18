"""tsrnn: recurrent-network forecasters with a scikit-learn API.

Forecasters are scikit-learn regressors over the rows of a long table
(``unique_id``, ``ds``, covariates; target ``y``), trained with Lightning and
judged against statsmodels baselines.
"""

from tsrnn.baselines import NaiveForecaster, SeasonalNaiveForecaster
from tsrnn.estimators import (
    DeseasonalizedForecaster,
    EnsembleForecaster,
    GRUForecaster,
    LSTMForecaster,
    RNNForecaster,
    Seq2SeqForecaster,
    StreamingRNNForecaster,
)
from tsrnn.exceptions import DataValidationError, ParameterError, TsrnnError
from tsrnn.model_selection import BacktestResult, TemporalSplit, backtest, temporal_train_test_split
from tsrnn.persistence import load_forecaster, save_forecaster

__version__ = "0.1.0"

__all__ = [
    "BacktestResult",
    "DataValidationError",
    "DeseasonalizedForecaster",
    "EnsembleForecaster",
    "GRUForecaster",
    "LSTMForecaster",
    "NaiveForecaster",
    "ParameterError",
    "RNNForecaster",
    "SeasonalNaiveForecaster",
    "Seq2SeqForecaster",
    "StreamingRNNForecaster",
    "TemporalSplit",
    "TsrnnError",
    "__version__",
    "backtest",
    "load_forecaster",
    "save_forecaster",
    "temporal_train_test_split",
]
