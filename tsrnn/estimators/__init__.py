"""scikit-learn estimators wrapping the Lightning-trained networks."""

from tsrnn.estimators.gru import GRUForecaster
from tsrnn.estimators.lstm import LSTMForecaster
from tsrnn.estimators.recurrent import RNNForecaster
from tsrnn.estimators.seq2seq import Seq2SeqForecaster

__all__ = ["GRUForecaster", "LSTMForecaster", "RNNForecaster", "Seq2SeqForecaster"]
