"""scikit-learn estimators wrapping the Lightning-trained networks."""

from tsrnn.estimators.auto import AutoRNNForecaster
from tsrnn.estimators.ensemble import EnsembleForecaster
from tsrnn.estimators.recurrent import GRUForecaster, LSTMForecaster, RNNForecaster
from tsrnn.estimators.seasonal import DeseasonalizedForecaster
from tsrnn.estimators.seq2seq import Seq2SeqForecaster
from tsrnn.estimators.streaming import StreamingRNNForecaster

__all__ = [
    "AutoRNNForecaster",
    "DeseasonalizedForecaster",
    "EnsembleForecaster",
    "GRUForecaster",
    "LSTMForecaster",
    "RNNForecaster",
    "Seq2SeqForecaster",
    "StreamingRNNForecaster",
]
