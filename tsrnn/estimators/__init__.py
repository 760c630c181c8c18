"""scikit-learn estimators wrapping the Lightning-trained networks."""

from tsrnn.estimators.auto import AutoRNNForecaster
from tsrnn.estimators.conformal import ConformalForecaster
from tsrnn.estimators.deepar import DeepARForecaster
from tsrnn.estimators.ensemble import EnsembleForecaster
from tsrnn.estimators.esrnn import ESRNNForecaster
from tsrnn.estimators.recurrent import GRUForecaster, LSTMForecaster, RNNForecaster
from tsrnn.estimators.seasonal import DeseasonalizedForecaster
from tsrnn.estimators.seq2seq import Seq2SeqForecaster
from tsrnn.estimators.session import StreamSession
from tsrnn.estimators.streaming import StreamingRNNForecaster

__all__ = [
    "AutoRNNForecaster",
    "ConformalForecaster",
    "DeepARForecaster",
    "DeseasonalizedForecaster",
    "ESRNNForecaster",
    "EnsembleForecaster",
    "GRUForecaster",
    "LSTMForecaster",
    "RNNForecaster",
    "Seq2SeqForecaster",
    "StreamSession",
    "StreamingRNNForecaster",
]
