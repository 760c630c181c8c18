"""Lightning training: the forecasting system, quiet Trainer factory and callbacks."""

from tsrnn.training.system import LOSSES, ForecastingSystem
from tsrnn.training.tbptt import TBPTTSystem
from tsrnn.training.trainer import (
    BestWeights,
    LossHistory,
    ShortBatchThreads,
    make_trainer,
    quiet_lightning,
)

__all__ = [
    "LOSSES",
    "BestWeights",
    "ForecastingSystem",
    "LossHistory",
    "ShortBatchThreads",
    "TBPTTSystem",
    "make_trainer",
    "quiet_lightning",
]
