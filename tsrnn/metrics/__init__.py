"""Forecast accuracy metrics on aligned arrays and on panels, and scikit-learn scorers.

Conventions: ``y_true`` and ``y_pred`` are aligned 1-D arrays (one value per
forecast row); every metric averages over rows. :func:`panel_scores` scores a
long table of forecasts series by series, as the M3/M4 competitions do.

The point scorers (:data:`smape_scorer`, :data:`mae_scorer`, :data:`rmse_scorer`,
:data:`mape_scorer`) plug into ``cross_val_score`` and ``GridSearchCV``; they return
the negated error, because scikit-learn maximises scores. There is no MASE scorer:
a scorer only sees the test rows and their forecasts, while MASE's scale comes from
each series' training history (see :func:`mase`). Use
:func:`tsrnn.model_selection.backtest` or :func:`panel_scores` for MASE.
"""

from __future__ import annotations

from sklearn.metrics import make_scorer

from tsrnn.metrics._interval import (
    crps_quantiles,
    crps_samples,
    interval_score,
    interval_width,
    make_interval_scorer,
    msis,
    pinball_losses,
)
from tsrnn.metrics._panel import panel_scores
from tsrnn.metrics._point import coverage, mae, mape, mase, owa, pinball_loss, rmse, smape

__all__ = [
    "coverage",
    "coverage_scorer",
    "crps_quantiles",
    "crps_samples",
    "interval_score",
    "interval_score_scorer",
    "interval_width",
    "make_interval_scorer",
    "msis",
    "pinball_losses",
    "pinball_scorer",
    "mae",
    "mae_scorer",
    "mape",
    "mape_scorer",
    "mase",
    "owa",
    "panel_scores",
    "pinball_loss",
    "rmse",
    "rmse_scorer",
    "smape",
    "smape_scorer",
]

smape_scorer = make_scorer(smape, greater_is_better=False)
"""scikit-learn scorer for :func:`smape` (negated, as scorers maximise)."""

mae_scorer = make_scorer(mae, greater_is_better=False)
"""scikit-learn scorer for :func:`mae` (negated, as scorers maximise)."""

rmse_scorer = make_scorer(rmse, greater_is_better=False)
"""scikit-learn scorer for :func:`rmse` (negated, as scorers maximise)."""

mape_scorer = make_scorer(mape, greater_is_better=False)
"""scikit-learn scorer for :func:`mape` (negated, as scorers maximise)."""

coverage_scorer = make_interval_scorer("coverage", 0.95)
"""Scorer: empirical coverage of the estimator's 95% ``predict_interval``."""

interval_score_scorer = make_interval_scorer("interval_score", 0.95)
"""Scorer: negated interval score of the 95% interval (the unscaled MSIS)."""

pinball_scorer = make_interval_scorer("pinball", (0.1, 0.5, 0.9))
"""Scorer: negated mean pinball loss of the 0.1, 0.5 and 0.9 quantiles."""
