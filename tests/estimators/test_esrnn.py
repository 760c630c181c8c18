"""ESRNNForecaster: shapes, learned seasonality, O(1) updates, persistence, errors."""

import copy
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import make_panel
from sklearn.base import clone
from sklearn.utils import estimator_checks

from tsrnn import (
    DataValidationError,
    DataWarning,
    ESRNNForecaster,
    ParameterError,
    SeasonalNaiveForecaster,
    load_forecaster,
    save_forecaster,
)
from tsrnn.estimators import _esrnn as state_ops
from tsrnn.metrics import smape

FAST = {"hidden_size": 4, "max_epochs": 2, "batch_size": 8, "random_state": 0}
PATTERN = np.array([0.7, 0.8, 1.0, 1.2, 1.4, 1.3, 1.1, 1.0, 0.9, 0.85, 0.8, 0.95])


def seasonal_panel(n_series=6, length=60, seed=0):
    """Multiplicative seasonality around a slowly moving level, with noise."""
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n_series):
        t = np.arange(length)
        level = 50 * (i + 1) * np.exp(np.cumsum(rng.normal(0, 0.02, length)))
        y = level * PATTERN[t % 12] * rng.lognormal(0, 0.02, length)
        ds = pd.date_range("2000-01-01", periods=length, freq="MS")
        frames.append(pd.DataFrame({"unique_id": f"s{i}", "ds": ds, "y": y}))
    return pd.concat(frames, ignore_index=True)


def split(df, h):
    last = df.groupby("unique_id").cumcount(ascending=False) < h
    return df[~last], df[last]


@pytest.fixture(scope="module")
def fitted():
    train, test = split(seasonal_panel(), 12)
    est = ESRNNForecaster(horizon=12, season_length=12, **FAST).fit(train)
    return est, train, test


def test_shapes_and_finite_positive_forecasts(fitted):
    est, train, test = fitted
    out = est.forecast()
    assert out.shape == (6 * 12, 3) and np.isfinite(out.yhat).all() and (out.yhat > 0).all()
    assert est.predict(test).shape == (len(test),)
    np.testing.assert_allclose(est.predict(test.iloc[::-1])[::-1], est.predict(test))
    assert est.season_.shape == (6, 12) and est.window_.shape == (6, 12)
    assert ((est.alpha_ > 0) & (est.alpha_ < 1)).all() and (
        (est.gamma_ > 0) & (est.gamma_ < 1)
    ).all()


def test_seasonality_is_learned_and_beats_seasonal_naive(fitted):
    est, train, test = fitted
    mine = smape(test.y.to_numpy(), est.predict(test))
    naive = SeasonalNaiveForecaster(horizon=12, season_length=12).fit(train)
    theirs = smape(test.y.to_numpy(), naive.predict(test))
    assert mine < 0.7 * theirs, (mine, theirs)
    # the seasonal factors of the next 12 steps follow the true pattern (next step: phase 0)
    for row in est.season_:
        assert np.corrcoef(row, PATTERN)[0, 1] > 0.95
    np.testing.assert_allclose(np.log(est.initial_season_).mean(axis=1), 0.0, atol=1e-6)


def test_update_equals_recomputing_the_state_from_the_longer_history(fitted):
    est, train, test = fitted
    full = pd.concat([train, test]).sort_values(["unique_id", "ds"])
    updated = copy.deepcopy(est).update(test.sample(frac=1, random_state=0).sort_values("ds"))
    panel_values = full.y.to_numpy(np.float32).astype(float) + np.repeat(est.shift_, 60)
    indptr = np.arange(0, 6 * 60 + 1, 60)
    again = state_ops.advance(
        state_ops.fresh_state(6, 12, 12, est.initial_season_),
        state_ops.padded(panel_values, indptr),
        est.alpha_,
        est.gamma_,
    )
    for name, value in again.items():
        np.testing.assert_allclose(getattr(updated, f"{name}_"), value, rtol=1e-12)
    twin = copy.deepcopy(updated)
    twin._set_state(again)
    np.testing.assert_allclose(twin.forecast().yhat, updated.forecast().yhat)
    assert not np.allclose(updated.forecast().yhat, est.forecast().yhat)
    assert updated.forecast().ds.min() == test.ds.max() + pd.offsets.MonthBegin()


def test_state_size_does_not_grow_with_history(fitted):
    est, train, test = fitted
    sizes = {k: getattr(est, f"{k}_").shape for k in state_ops.fresh_state(1, 12, 12, np.ones(12))}
    updated = copy.deepcopy(est).update(test)
    for name, shape in sizes.items():
        assert getattr(updated, f"{name}_").shape == shape
    assert (updated.context_.lengths <= 12).all()


def test_round_trips_safe_format_and_pickle(fitted, tmp_path):
    est, _, test = fitted
    loaded = load_forecaster(save_forecaster(est, tmp_path / "m"))
    np.testing.assert_array_equal(loaded.forecast().yhat, est.forecast().yhat)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).predict(test), est.predict(test))
    a = copy.deepcopy(est).update(test.head(3))
    np.testing.assert_allclose(loaded.update(test.head(3)).forecast().yhat, a.forecast().yhat)


def test_random_state_reproducible_and_clone_keeps_parameters():
    df = make_panel(covariates=False)
    a = ESRNNForecaster(horizon=3, season_length=12, **FAST).fit(df)
    b = clone(a).fit(df)
    np.testing.assert_array_equal(a.forecast().yhat, b.forecast().yhat)
    assert clone(a).get_params() == a.get_params()


@pytest.mark.parametrize(
    "check",
    [
        "check_no_attributes_set_in_init",
        "check_parameters_default_constructible",
        "check_get_params_invariance",
        "check_set_params",
        "check_estimator_cloneable",
    ],
)
def test_sklearn_estimator_checks(check):
    getattr(estimator_checks, check)("ESRNNForecaster", ESRNNForecaster())


def test_quantile_head_gives_ordered_intervals(tmp_path):
    train, test = split(seasonal_panel(n_series=3, length=36), 6)
    est = ESRNNForecaster(horizon=6, season_length=12, quantiles=[0.1, 0.9], cell="gru", **FAST)
    est.fit(train)
    band = est.predict_interval(test, coverage=0.8)
    point = est.predict(test)
    assert (band.iloc[:, 0] <= point + 1e-9).all() and (point <= band.iloc[:, 1] + 1e-9).all()
    loaded = load_forecaster(save_forecaster(est, tmp_path / "q"))
    pd.testing.assert_frame_equal(loaded.predict_interval(test, coverage=0.8), band)


def test_point_model_refuses_intervals(fitted):
    est, _, test = fitted
    with pytest.raises(ParameterError, match="quantiles="):
        est.predict_interval(test)


def test_zeros_negatives_flat_and_short_series_forecast_finite():
    rows = [
        ("zeros", [0.0, 3.0, 0.0, 1.0, 0.0, 2.0, 0.0, 0.0]),
        ("neg", [-5.0, 2, -1, 4, 3, -2, 1, 0]),
        ("flat", [7.0] * 8),
        ("allzero", [0.0] * 8),
        ("tiny", [5.0]),
        ("two", [5.0, 6.0]),
    ]
    df = pd.concat(
        [pd.DataFrame({"unique_id": k, "ds": np.arange(len(v)), "y": v}) for k, v in rows]
    )
    with pytest.warns(DataWarning, match="tiny"):
        est = ESRNNForecaster(horizon=4, season_length=4, **FAST).fit(df)
    out = est.forecast()
    assert len(out) == 24 and np.isfinite(out.yhat).all()
    assert est.shift_[0] > 0 and est.shift_[2] == 0
    with pytest.raises(DataValidationError, match="'zeros'"):
        ESRNNForecaster(horizon=4, nonpositive="raise", **FAST).fit(df)
    with pytest.raises(DataValidationError, match="'flat'.*Refit"):
        est.update(pd.DataFrame({"unique_id": ["flat"], "ds": [8], "y": [-1.0]}))


def test_update_with_a_new_series_and_bad_inputs(fitted):
    est, train, _ = fitted
    new = train[train.unique_id == "s0"].assign(unique_id="fresh")
    grown = copy.deepcopy(est).update(new)
    assert grown.alpha_.shape == (7,) and np.isfinite(grown.forecast().yhat).all()
    with pytest.raises(DataValidationError, match="covariate"):
        ESRNNForecaster(horizon=3, **FAST).fit(make_panel())
    with pytest.raises(ParameterError, match="loss='pinball'"):
        ESRNNForecaster(horizon=3, loss="mae", quantiles=[0.1], **FAST).fit(
            make_panel(covariates=False)
        )
    with pytest.raises(ParameterError):
        ESRNNForecaster(tau=1.5).fit(make_panel(covariates=False))


def test_no_seasonality_and_mae_loss_train():
    df = make_panel(covariates=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        est = ESRNNForecaster(horizon=3, loss="mae", cell="gru", level_penalty=10.0, **FAST).fit(df)
    assert est.season_.shape == (3, 1) and (est.gamma_ == 0).all()
    assert np.isfinite(est.forecast().yhat).all() and len(est.history_["train_loss"]) == 2


def test_benchmarks_offer_esrnn():
    from tsrnn.evaluation.csv_benchmark import CSV_MODELS
    from tsrnn.evaluation.m3 import M3_MODELS

    yearly, monthly = M3_MODELS["esrnn"]("yearly", 1), M3_MODELS["esrnn"]("monthly", 1)
    assert isinstance(yearly, ESRNNForecaster) and yearly.season_length is None
    assert (monthly.horizon, monthly.season_length) == (18, 12)
    assert CSV_MODELS["esrnn"](4, 1, None).season_length is None
