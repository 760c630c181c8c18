"""tsrnn: recurrent-network forecasters with a scikit-learn API.

Forecasters are scikit-learn regressors over the rows of a long table
(``unique_id``, ``ds``, covariates; target ``y``), trained with Lightning and
judged against statsmodels baselines.
"""

from tsrnn.estimators import GRUForecaster, LSTMForecaster, RNNForecaster
from tsrnn.exceptions import DataValidationError, ParameterError, TsrnnError

__version__ = "0.1.0"

__all__ = [
    "DataValidationError",
    "GRUForecaster",
    "LSTMForecaster",
    "ParameterError",
    "RNNForecaster",
    "TsrnnError",
    "__version__",
]
