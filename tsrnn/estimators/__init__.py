"""scikit-learn estimators wrapping the Lightning-trained networks."""

from tsrnn.estimators.ensemble import EnsembleForecaster
from tsrnn.estimators.gru import GRUForecaster
from tsrnn.estimators.lstm import LSTMForecaster
from tsrnn.estimators.recurrent import RNNForecaster
from tsrnn.estimators.seasonal import DeseasonalizedForecaster
from tsrnn.estimators.seq2seq import Seq2SeqForecaster

__all__ = [
    "DeseasonalizedForecaster",
    "EnsembleForecaster",
    "GRUForecaster",
    "LSTMForecaster",
    "RNNForecaster",
    "Seq2SeqForecaster",
]
