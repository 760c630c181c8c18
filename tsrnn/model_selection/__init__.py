"""Temporal splitters and rolling-origin backtests over long tables.

The splitters yield row indices: every fold's training rows are each series'
history up to a cutoff, and its test rows are the next ``horizon`` rows of each
series, so they plug into ``cross_val_score``, ``GridSearchCV`` and friends
unchanged. :func:`backtest` runs the rolling-origin loop itself (refitting every
fold, every k-th fold, or updating a model fitted once) and scores every fold
with sMAPE, MASE and the other metrics of :mod:`tsrnn.metrics`.
"""

from tsrnn.model_selection._backtest import BacktestResult, backtest
from tsrnn.model_selection._split import TemporalSplit, temporal_train_test_split

__all__ = ["BacktestResult", "TemporalSplit", "backtest", "temporal_train_test_split"]
