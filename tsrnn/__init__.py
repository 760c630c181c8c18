"""tsrnn: recurrent-network forecasters with a scikit-learn API.

Forecasters are scikit-learn regressors over the rows of a long table
(``unique_id``, ``ds``, covariates; target ``y``), trained with Lightning and
judged against statsmodels baselines.

``import tsrnn`` is light: each public name imports its module (and torch, Lightning
or scikit-learn) on first use, so scripts and ``tsrnn --help`` start fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tsrnn._lazy import lazy_attributes
from tsrnn.exceptions import DataValidationError, DataWarning, ParameterError, TsrnnError

if TYPE_CHECKING:  # the names of _LAZY, for type checkers and IDEs
    from tsrnn.baselines import NaiveForecaster, SeasonalNaiveForecaster
    from tsrnn.estimators import (
        AutoRNNForecaster,
        ConformalForecaster,
        DeepARForecaster,
        DeseasonalizedForecaster,
        EnsembleForecaster,
        ESRNNForecaster,
        GRUForecaster,
        LSTMForecaster,
        RNNForecaster,
        Seq2SeqForecaster,
        StreamingRNNForecaster,
    )
    from tsrnn.model_selection import (
        BacktestResult,
        TemporalSplit,
        backtest,
        temporal_train_test_split,
    )
    from tsrnn.persistence import load_forecaster, save_forecaster
    from tsrnn.preprocessing import BoxCoxTransformer, LogTransformer

__version__ = "0.1.0"

# Public name -> the module that defines it, imported on first access.
_LAZY: dict[str, str] = {
    "AutoRNNForecaster": "tsrnn.estimators",
    "BacktestResult": "tsrnn.model_selection",
    "ConformalForecaster": "tsrnn.estimators",
    "DeepARForecaster": "tsrnn.estimators",
    "DeseasonalizedForecaster": "tsrnn.estimators",
    "EnsembleForecaster": "tsrnn.estimators",
    "ESRNNForecaster": "tsrnn.estimators",
    "GRUForecaster": "tsrnn.estimators",
    "LSTMForecaster": "tsrnn.estimators",
    "NaiveForecaster": "tsrnn.baselines",
    "RNNForecaster": "tsrnn.estimators",
    "SeasonalNaiveForecaster": "tsrnn.baselines",
    "Seq2SeqForecaster": "tsrnn.estimators",
    "StreamingRNNForecaster": "tsrnn.estimators",
    "LogTransformer": "tsrnn.preprocessing",
    "BoxCoxTransformer": "tsrnn.preprocessing",
    "TemporalSplit": "tsrnn.model_selection",
    "backtest": "tsrnn.model_selection",
    "load_forecaster": "tsrnn.persistence",
    "save_forecaster": "tsrnn.persistence",
    "temporal_train_test_split": "tsrnn.model_selection",
}
# Subpackages reachable after a bare ``import tsrnn`` (``tsrnn.metrics.smape``).
_SUBMODULES = (
    "baselines",
    "data",
    "datasets",
    "estimators",
    "evaluation",
    "metrics",
    "model_selection",
    "nn",
    "persistence",
    "preprocessing",
    "training",
    "tuning",
)

__all__ = [  # the eager names, then those of _LAZY (tests/test_imports.py checks they agree)
    "DataValidationError",
    "DataWarning",
    "ParameterError",
    "TsrnnError",
    "__version__",
    "AutoRNNForecaster",
    "BacktestResult",
    "BoxCoxTransformer",
    "ConformalForecaster",
    "DeepARForecaster",
    "DeseasonalizedForecaster",
    "EnsembleForecaster",
    "ESRNNForecaster",
    "GRUForecaster",
    "LSTMForecaster",
    "LogTransformer",
    "NaiveForecaster",
    "RNNForecaster",
    "SeasonalNaiveForecaster",
    "Seq2SeqForecaster",
    "StreamingRNNForecaster",
    "TemporalSplit",
    "backtest",
    "load_forecaster",
    "save_forecaster",
    "temporal_train_test_split",
]

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, _SUBMODULES)
