"""OptunaSearchCV with neural forecasters, baselines and pipelines; results and errors."""

from __future__ import annotations

import pickle

import numpy as np
import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from sklearn.base import clone
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from tsrnn import GRUForecaster, LSTMForecaster, NaiveForecaster, RNNForecaster, TemporalSplit
from tsrnn.baselines import (
    ARIMAForecaster,
    ETSForecaster,
    HoltForecaster,
    SESForecaster,
    ThetaForecaster,
)
from tsrnn.datasets import load_dataset
from tsrnn.exceptions import DataValidationError, ParameterError
from tsrnn.metrics import mae_scorer, smape
from tsrnn.model_selection import temporal_train_test_split
from tsrnn.tuning import SEARCH_SPACES, OptunaSearchCV, default_search_space

THETA = {"theta": FloatDistribution(1.0, 3.0)}


@pytest.fixture(scope="module")
def df():
    return load_dataset("monthly_short")


def memory():
    return optuna.storages.InMemoryStorage()


def tiny_lstm(**kw):
    params = dict(horizon=6, context_length=12, hidden_size=4, max_epochs=2, random_state=0)
    return LSTMForecaster(**{**params, **kw})


def test_baseline_search_exposes_sklearn_results(df):
    train, test = temporal_train_test_split(df, test_size=6)
    search = OptunaSearchCV(
        ThetaForecaster(horizon=6), THETA, cv=2, n_trials=5, storage=memory(), random_state=0
    )
    assert search.fit(train) is search
    res = search.cv_results_
    assert len(res) == 5 and set(res["state"]) == {"COMPLETE"}
    best = res.loc[res["rank_test_score"] == 1].iloc[0]
    assert search.best_score_ == pytest.approx(best["mean_test_score"])
    assert search.best_params_ == {"theta": best["param_theta"]}
    assert search.best_score_ == pytest.approx(
        np.mean([best["split0_test_score"], best["split1_test_score"]])
    )
    assert (res["n_reports"] == 2).all()  # baselines report once per fold
    assert search.best_estimator_.theta == search.best_params_["theta"]
    assert search.n_splits_ == 2 and search.study_.best_trial.number == search.best_index_
    assert search.forecast().shape == (12 * 6, 3)
    assert search.score(test) == pytest.approx(
        -smape(test["y"], search.predict(test.drop(columns="y")))
    )


def test_neural_search_reports_every_epoch_of_every_fold(df):
    search = OptunaSearchCV(
        tiny_lstm(max_epochs=3),
        {"hidden_size": IntDistribution(2, 6)},
        cv=TemporalSplit(n_splits=2, horizon=6),
        scoring=mae_scorer,
        n_trials=2,
        storage=memory(),
        pruner=optuna.pruners.NopPruner(),
        random_state=0,
    )
    search.fit(df.drop(columns="y"), df["y"])
    for trial in search.study_.trials:
        assert sorted(trial.intermediate_values) == list(range(6))  # 3 epochs x 2 folds
        assert all(v < 0 for v in trial.intermediate_values.values())  # negated losses
    assert search.predict(search.best_estimator_.future_frame()).shape == (72,)
    assert search.best_estimator_.trainer_kwargs is None  # no callback left on the refit


def test_pipeline_with_default_space_prunes_inside_the_clone(df):
    seatbelts = load_dataset("seatbelts")
    X, y = seatbelts.drop(columns="y"), seatbelts["y"]
    covariates = ColumnTransformer(
        [("scale", StandardScaler(), ["kms", "petrol_price"])],
        remainder="passthrough",
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    pipe = Pipeline([("covariates", covariates), ("gru", GRUForecaster(
        horizon=6, hidden_size=4, max_epochs=2, random_state=0))])
    model = TransformedTargetRegressor(regressor=pipe, func=np.log1p, inverse_func=np.expm1)
    space = default_search_space(model)
    assert "regressor__gru__hidden_size" in space and "regressor__gru__cell" not in space
    space = {k: space[k] for k in ("regressor__gru__hidden_size", "regressor__gru__dropout")}
    search = OptunaSearchCV(model, space, cv=2, n_trials=2, storage=memory(), random_state=0,
                            pruner=optuna.pruners.NopPruner())
    X_train, X_test, y_train, _ = temporal_train_test_split(X, y, test_size=6)
    search.fit(X_train, y_train)
    assert (search.cv_results_["n_reports"] == 4).all()  # the callback reached the GRU
    assert set(search.best_params_) == set(space)
    assert search.predict(X_test).shape == (len(X_test),)


def test_callable_space_and_string_scoring(df):
    def space(trial):
        return {"damped_trend": trial.suggest_categorical("damped", [True, False]),
                "deseasonalize": True}

    search = OptunaSearchCV(HoltForecaster(horizon=6), space, cv=2, n_trials=3,
                            scoring="neg_mean_absolute_error", storage=memory(), random_state=0)
    search.fit(df)
    assert set(search.best_params_) == {"damped_trend", "deseasonalize"}
    assert search.best_estimator_.deseasonalize is True
    assert search.best_score_ < 0


@pytest.mark.parametrize(
    "est",
    [RNNForecaster(horizon=4), LSTMForecaster(), GRUForecaster(), SESForecaster(),
     HoltForecaster(), ThetaForecaster(), ETSForecaster(), ARIMAForecaster()],
    ids=lambda e: type(e).__name__,
)
def test_default_spaces_are_valid_parameters(est):
    space = default_search_space(est)
    assert space
    trial = optuna.create_study().ask()
    for name, dist in space.items():
        value = trial._suggest(name, dist)
        clone(est).set_params(**{name: value})  # a real parameter
    if isinstance(est, RNNForecaster):
        ctx = space["context_length"]
        assert ctx.low == est.horizon and ctx.high >= 4 * est.horizon


def test_search_spaces_are_extendable():
    class MyTheta(ThetaForecaster):
        pass

    assert "theta" in default_search_space(MyTheta())  # found through the bases
    SEARCH_SPACES[MyTheta] = lambda est: {"theta": FloatDistribution(1.0, 1.5)}
    try:
        assert default_search_space(MyTheta())["theta"].high == 1.5
    finally:
        del SEARCH_SPACES[MyTheta]


def test_clone_get_params_and_pickle(df, tmp_path):
    search = OptunaSearchCV(ThetaForecaster(horizon=6), THETA, cv=2, n_trials=2,
                            storage=f"sqlite:///{tmp_path / 's.db'}", random_state=0)
    twin = clone(search)
    assert twin.get_params()["n_trials"] == 2 and "estimator__theta" in twin.get_params()
    search.fit(df)
    again = pickle.loads(pickle.dumps(search))
    np.testing.assert_allclose(again.forecast()["yhat"], search.forecast()["yhat"])
    assert again.study_.best_value == search.best_score_


def test_errors(df):
    with pytest.raises(ParameterError, match="no default search space"):
        OptunaSearchCV(NaiveForecaster(), storage=memory()).fit(df)
    with pytest.raises(ParameterError, match="n_trials or timeout"):
        OptunaSearchCV(ThetaForecaster(), THETA, n_trials=None, storage=memory()).fit(df)
    with pytest.raises(ParameterError, match="'n_trials' parameter"):
        OptunaSearchCV(ThetaForecaster(), THETA, n_trials=0).fit(df)
    with pytest.raises(ParameterError, match="cv must be"):
        OptunaSearchCV(ThetaForecaster(), THETA, cv="time", storage=memory()).fit(df)
    with pytest.raises(ParameterError, match="n_jobs > 1"):
        OptunaSearchCV(ThetaForecaster(), THETA, n_jobs=2, storage=memory()).fit(df)
    with pytest.raises(DataValidationError, match="No target"):
        OptunaSearchCV(ThetaForecaster(), THETA, storage=memory()).fit(df.drop(columns="y"))
    with pytest.raises(ParameterError, match="param_distributions"):
        OptunaSearchCV(ThetaForecaster(), {"theta": [1, 2]}, storage=memory()).fit(df)


def test_all_trials_failing_says_why(df):
    search = OptunaSearchCV(ThetaForecaster(horizon=6),
                            {"theta": CategoricalDistribution([0.5])},  # theta must be >= 1
                            cv=2, n_trials=2, storage=memory())
    with pytest.raises(RuntimeError, match="No trial .* completed.*theta"):
        search.fit(df)


def test_refit_false_has_no_predict(df):
    search = OptunaSearchCV(ThetaForecaster(horizon=6), THETA, cv=2, n_trials=2, refit=False,
                            storage=memory()).fit(df)
    assert not hasattr(search, "best_estimator_") and search.best_params_
    assert not hasattr(search, "predict")


@pytest.mark.parametrize(
    "check",
    ["check_no_attributes_set_in_init", "check_get_params_invariance", "check_set_params",
     "check_estimator_repr", "check_estimator_cloneable",
     "check_do_not_raise_errors_in_init_or_set_params"],
)
def test_sklearn_checks_that_need_no_2d_fit(check):
    from sklearn.utils import estimator_checks

    getattr(estimator_checks, check)("OptunaSearchCV", OptunaSearchCV(ThetaForecaster()))
