"""scikit-learn integration: estimator checks, clone, Pipeline, TransformedTargetRegressor, CV."""

import numpy as np
import pytest
from conftest import TINY, make_panel
from sklearn.base import clone
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import estimator_checks

from tsrnn import (
    AutoRNNForecaster,
    DeepARForecaster,
    GRUForecaster,
    LSTMForecaster,
    NaiveForecaster,
    RNNForecaster,
    SeasonalNaiveForecaster,
    Seq2SeqForecaster,
    TemporalSplit,
)
from tsrnn.metrics import smape_scorer

ESTIMATORS = [
    RNNForecaster,
    LSTMForecaster,
    GRUForecaster,
    NaiveForecaster,
    SeasonalNaiveForecaster,
    Seq2SeqForecaster,
    DeepARForecaster,
]

# The checks of sklearn's suite that never call fit: they apply unchanged. Every other
# check builds a 2-D numeric X without series ids or time stamps, which a forecaster
# over a long table must reject (it cannot know which rows form which series), so they
# do not apply; the behaviour they test is covered by tests/estimators/ with real panels.
APPLICABLE_CHECKS = [
    "check_no_attributes_set_in_init",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
    "check_estimator_repr",
    "check_estimator_cloneable",
    "check_do_not_raise_errors_in_init_or_set_params",
]


@pytest.mark.parametrize("check", APPLICABLE_CHECKS)
@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_sklearn_estimator_checks(cls, check):
    getattr(estimator_checks, check)(cls.__name__, cls())


@pytest.mark.parametrize("check", APPLICABLE_CHECKS)
def test_sklearn_estimator_checks_of_the_automatic_forecaster(check):
    getattr(estimator_checks, check)("AutoRNNForecaster", AutoRNNForecaster())


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_clone_keeps_every_parameter(cls):
    params = {"horizon": 7, "id_col": "series", "freq": "D"}
    if "trainer_kwargs" in cls().get_params():
        params |= {"trainer_kwargs": {"accelerator": "cpu"}, "random_state": 3, "max_epochs": 9}
    est = cls(**params)
    twin = clone(est)
    assert twin.get_params() == est.get_params()
    assert twin is not est and twin.get_params()["horizon"] == 7


def test_set_params_round_trip():
    est = LSTMForecaster().set_params(hidden_size=5, context_length=3)
    assert est.get_params()["hidden_size"] == 5 and est.context_length == 3
    assert "cell" not in est.get_params() and est.cell == "lstm"


def test_pipeline_with_a_transformer_on_covariates():
    df = make_panel()
    X, y = df.drop(columns="y"), df["y"]
    scale = ColumnTransformer(
        [("scale", StandardScaler(), ["past"])],
        remainder="passthrough",
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    pipe = make_pipeline(
        scale, GRUForecaster(horizon=3, context_length=6, future_covariates=["promo"], **TINY)
    )
    pipe.fit(X, y)
    rows = pipe[-1].future_frame().assign(promo=0.0, past=0.0)
    pred = pipe.predict(rows)
    assert pred.shape == (9,) and np.isfinite(pred).all()


def test_transformed_target_regressor_log1p():
    df = make_panel(covariates=False)
    X, y = df.drop(columns="y"), df["y"].to_numpy()
    est = TransformedTargetRegressor(
        regressor=LSTMForecaster(horizon=3, context_length=6, **TINY),
        func=np.log1p,
        inverse_func=np.expm1,
    ).fit(X, y)
    rows = est.regressor_.future_frame()
    pred = est.predict(rows)
    np.testing.assert_allclose(pred, np.expm1(est.regressor_.predict(rows)))
    assert np.isfinite(est.regressor_.context_.values).all()
    assert (
        est.regressor_.context_.values[:, 0].max() < np.log1p(y.max()) + 1e-5
    )  # fitted on log scale


def test_cross_val_score_with_temporal_split():
    df = make_panel(covariates=False)
    X, y = df.drop(columns="y"), df["y"]
    cv = TemporalSplit(n_splits=2, horizon=3)
    scores = cross_val_score(SeasonalNaiveForecaster(horizon=3), X, y, cv=cv, scoring=smape_scorer)
    assert scores.shape == (2,) and (scores <= 0).all()
    for train, test in cv.split(X):
        assert len(test) == 3 * 3
        for sid in X.unique_id.unique():
            assert (
                X.ds[train][X.unique_id[train] == sid].max()
                < X.ds[test][X.unique_id[test] == sid].min()
            )


def test_grid_search_cv_over_neural_parameters():
    df = make_panel(covariates=False)
    X, y = df.drop(columns="y"), df["y"]
    search = GridSearchCV(
        RNNForecaster(horizon=2, **TINY),
        {"context_length": [3, 6], "cell": ["gru", "lstm"]},
        cv=TemporalSplit(n_splits=2, horizon=2),
        scoring=smape_scorer,
    ).fit(X, y)
    assert set(search.best_params_) == {"context_length", "cell"}
    assert len(search.cv_results_["params"]) == 4
    assert search.best_estimator_.forecast().shape == (6, 3)
