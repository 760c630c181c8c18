"""StreamingRNNForecaster (truncated BPTT): training, O(1) updates, equivalences, deprecation."""

import copy
import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import TINY, make_panel
from sklearn.base import clone

from tsrnn import (
    DataValidationError,
    GRUForecaster,
    LSTMForecaster,
    ParameterError,
    RNNForecaster,
    SeasonalNaiveForecaster,
    StreamingRNNForecaster,
)
from tsrnn.nn.state import state_from_numpy, state_to_numpy
from tsrnn.persistence import load_forecaster, save_forecaster


def _split(df, n_new):
    """History without each series' last ``n_new`` rows, and those rows."""
    last = df.groupby("unique_id").cumcount(ascending=False) < n_new
    return df[~last].reset_index(drop=True), df[last].reset_index(drop=True)


def _read_from_zero(est, frame):
    """Hidden state of each series after reading ``frame`` from a zero state (pure torch)."""
    states = []
    for p, (_, part) in enumerate(frame.groupby("unique_id", sort=True)):
        columns = ["y", *est.covariates_]
        values = part[columns].to_numpy(np.float64).copy()
        values[:, 0] = (values[:, 0] - est.scaler_.target_loc[p]) / est.scaler_.target_scale[p]
        values[:, 1:] = (values[:, 1:] - est.scaler_.covariate_loc) / est.scaler_.covariate_scale
        x = torch.as_tensor(values, dtype=torch.float32)[None]
        with torch.no_grad():
            states.append(state_to_numpy(est.network_.advance(x)))
    return np.concatenate(states)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_fit_keeps_the_state_after_each_whole_history(cell):
    df = make_panel(covariates=False)
    est = StreamingRNNForecaster(cell=cell, horizon=3, tbptt_steps=5, **TINY).fit(df)
    parts = 2 if est.network_.cell == "lstm" else 1
    assert est.state_.shape == (3, parts, 1, 4) and est.state_.dtype == np.float32
    assert est.state_.shape[1:] == est.network_.state_shape
    np.testing.assert_allclose(est.state_, _read_from_zero(est, df), atol=1e-5)
    assert len(est.history_["train_loss"]) == 2 and np.isfinite(est.history_["train_loss"]).all()
    assert est.context_.lengths.tolist() == [1, 1, 1]  # no window of history is kept
    assert est.n_windows_ == (40 - 1) + (30 - 1) + (12 - 1)
    fc = est.forecast()
    assert fc.shape == (9, 3) and np.isfinite(fc["yhat"]).all()


def test_updates_in_pieces_equal_one_update_and_reading_everything():
    df = make_panel()
    history, new = _split(df, 9)
    est = StreamingRNNForecaster(horizon=3, tbptt_steps=4, **TINY).fit(history)
    at_once = copy.deepcopy(est).update(new)
    pieces = copy.deepcopy(est)
    for k in range(3):  # three updates of 3 rows per series
        pieces.update(new.groupby("unique_id").nth(list(range(3 * k, 3 * k + 3))))
    np.testing.assert_allclose(pieces.state_, at_once.state_, atol=1e-6)
    np.testing.assert_allclose(at_once.state_, _read_from_zero(est, df), atol=1e-5)
    np.testing.assert_allclose(
        pieces.forecast()["yhat"], at_once.forecast()["yhat"], rtol=1e-6, atol=1e-6
    )
    one_by_one = copy.deepcopy(est)
    for i in new.sort_values("ds", kind="stable").index:
        one_by_one.update(new.loc[[i]])
    np.testing.assert_allclose(one_by_one.state_, at_once.state_, atol=1e-6)


def test_update_touches_only_the_series_given():
    df = make_panel(covariates=False)
    history, new = _split(df, 2)
    est = StreamingRNNForecaster(cell="gru", horizon=2, tbptt_steps=4, **TINY).fit(history)
    before = est.state_.copy()
    est.update(new[new.unique_id == "s1"])
    np.testing.assert_array_equal(est.state_[[0, 2]], before[[0, 2]])
    assert not np.allclose(est.state_[1], before[1])
    assert est.calendar_.last_time[1] == df[df.unique_id == "s1"].ds.max()


def test_unknown_series_are_warmed_up_from_their_history():
    df = make_panel(covariates=False)
    est = StreamingRNNForecaster(horizon=3, tbptt_steps=6, **TINY).fit(df[df.unique_id != "s2"])
    est.update(df[df.unique_id == "s2"])
    assert est.state_.shape[0] == 3
    scaled = df[df.unique_id == "s2"].y.to_numpy()
    scaled = (scaled - est.scaler_.target_loc[2]) / est.scaler_.target_scale[2]
    with torch.no_grad():
        want = est.network_.advance(torch.tensor(scaled, dtype=torch.float32)[None, :, None])
    np.testing.assert_allclose(est.state_[2:], state_to_numpy(want), atol=1e-5)
    assert set(est.forecast().unique_id) == {"s0", "s1", "s2"}


def test_forecast_is_the_head_on_the_kept_state():
    df = make_panel()
    est = StreamingRNNForecaster(
        cell="gru",
        horizon=3,
        tbptt_steps=5,
        future_covariates=["promo"],
        normalize_windows=False,
        **TINY,
    ).fit(df)
    rows = est.future_frame().assign(promo=1.0)
    future = (1.0 - est.scaler_.covariate_loc[1]) / est.scaler_.covariate_scale[1]
    with torch.no_grad():
        out = est.network_.forecast_from_state(
            state_from_numpy(est.state_), torch.full((3, 3, 1), future, dtype=torch.float32)
        ).double()
    want = est.scaler_.inverse_target(out.numpy())
    np.testing.assert_allclose(est.predict(rows), want.ravel(), rtol=1e-5)


def test_validation_tail_early_stopping_and_reproducibility():
    df = make_panel(covariates=False)
    params = dict(horizon=2, tbptt_steps=5, validation_size=4, early_stopping_patience=1)
    a = StreamingRNNForecaster(**params, **TINY).fit(df)
    b = StreamingRNNForecaster(**params, **TINY).fit(df)
    assert np.isfinite(a.history_["val_loss"]).all()
    pd.testing.assert_frame_equal(a.forecast(), b.forecast())
    np.testing.assert_array_equal(a.state_, b.state_)


def test_max_steps_counts_tbptt_chunks():
    df = make_panel(covariates=False)
    steps = []
    from lightning.pytorch.callbacks import Callback

    class Count(Callback):
        def on_train_end(self, trainer, pl_module):
            steps.append(trainer.global_step)

    StreamingRNNForecaster(
        horizon=2, tbptt_steps=5, hidden_size=4, max_epochs=50, batch_size=2, random_state=0,
        trainer_kwargs={"max_steps": 7, "callbacks": [Count()]},
    ).fit(df)  # fmt: skip
    assert steps == [7]


def test_persistence_keeps_the_state(tmp_path):
    df = make_panel()
    history, new = _split(df, 2)
    est = StreamingRNNForecaster(
        cell="gru", horizon=3, tbptt_steps=5, future_covariates=["promo"], **TINY
    )
    est.fit(history)
    save_forecaster(est, tmp_path / "m")
    twin = load_forecaster(tmp_path / "m")
    np.testing.assert_array_equal(twin.state_, est.state_)
    pickled = pickle.loads(pickle.dumps(est))
    for other in (twin, pickled):
        other.update(new)
        rows = other.future_frame().assign(promo=0.0)
        np.testing.assert_allclose(
            other.predict(rows), copy.deepcopy(est).update(new).predict(rows), rtol=1e-6
        )
    assert clone(est).get_params()["tbptt_steps"] == 5


def test_deprecated_tbptt_steps_trains_the_streaming_model():
    df = make_panel(covariates=False)
    with pytest.warns(FutureWarning, match=r"StreamingRNNForecaster\(cell='gru', tbptt_steps=5\)"):
        old = GRUForecaster(horizon=2, tbptt_steps=5, **TINY).fit(df)
    new = StreamingRNNForecaster(cell="gru", horizon=2, tbptt_steps=5, **TINY).fit(df)
    np.testing.assert_array_equal(old.state_, new.state_)
    np.testing.assert_array_equal(old.forecast()["yhat"], new.forecast()["yhat"])
    old.set_params(tbptt_steps=None, context_length=6).fit(df)  # refit: windowed, state gone
    assert not hasattr(old, "state_") and old.context_.lengths.tolist() == [6, 6, 6]


def test_set_params_after_fit_keeps_the_fitted_path():
    df = make_panel(covariates=False)
    windowed = LSTMForecaster(horizon=2, context_length=6, **TINY).fit(df)
    before = windowed.forecast()
    windowed.set_params(missing="mask", irregular=True, tbptt_steps=4)
    pd.testing.assert_frame_equal(windowed.forecast(), before)
    windowed.update(windowed.future_frame(1).assign(y=20.0))  # still the windowed update
    assert windowed.context_.lengths.tolist() == [6, 6, 6]
    masked = LSTMForecaster(horizon=2, context_length=6, missing="mask", **TINY).fit(df)
    masked.set_params(missing="raise")
    with pytest.raises(DataValidationError, match="update\\(\\) is not supported"):
        masked.update(masked.future_frame(1).assign(y=20.0))


def test_errors():
    df = make_panel(covariates=False)
    with pytest.raises(ParameterError, match="tbptt_steps"):
        StreamingRNNForecaster(tbptt_steps=0).fit(df)
    with pytest.raises(ParameterError, match="'cell' parameter"):
        StreamingRNNForecaster(cell="peephole_lstm").fit(df)
    with pytest.raises(
        DataValidationError, match=r"No series .*'s2' \(12 rows\).*validation_size = 42"
    ):
        StreamingRNNForecaster(horizon=2, tbptt_steps=4, validation_size=40, **TINY).fit(df)
    with pytest.raises(DataValidationError, match="early_stopping_patience needs"):
        StreamingRNNForecaster(horizon=2, tbptt_steps=4, early_stopping_patience=2).fit(df)
    with pytest.raises(ParameterError, match="set the estimator's gradient_clip_val"):
        StreamingRNNForecaster(tbptt_steps=4, trainer_kwargs={"gradient_clip_val": 1.0}).fit(df)
    est = StreamingRNNForecaster(horizon=2, tbptt_steps=4, **TINY).fit(df)
    late = est.future_frame().iloc[[1]].assign(y=1.0)  # skips a step: a gap
    before = est.state_.copy()
    with pytest.raises(DataValidationError, match="without gaps"):
        est.update(late)
    np.testing.assert_array_equal(est.state_, before)  # nothing half-updated


@pytest.mark.slow
def test_stateful_lstm_beats_seasonal_naive_on_elecdemand():
    """Half-hourly demand with temperature: stream a 14-day holdout, 6 hours ahead."""
    from tsrnn.datasets import load_dataset

    df = load_dataset("elecdemand").drop(columns="workday")
    df = df[df.ds < "2014-12-15"]
    train, test = df[df.ds < "2014-12-01"], df[df.ds >= "2014-12-01"].reset_index(drop=True)
    horizon = 12
    est = StreamingRNNForecaster(
        horizon=horizon, tbptt_steps=96, hidden_size=32, batch_size=1, learning_rate=3e-3,
        max_epochs=4, random_state=0,
    ).fit(train)  # fmt: skip
    naive = SeasonalNaiveForecaster(horizon=horizon).fit(train[["unique_id", "ds", "y"]])
    errors, naive_errors = [], []
    for start in range(0, len(test) - horizon + 1, horizon):
        truth = test.y.to_numpy()[start : start + horizon]
        errors.append(np.abs(est.forecast()["yhat"].to_numpy() - truth).mean())
        naive_errors.append(np.abs(naive.forecast()["yhat"].to_numpy() - truth).mean())
        new = test.iloc[start : start + horizon]
        est.update(new)
        naive.update(new[["unique_id", "ds", "y"]])
    assert len(errors) == 14 * 4
    assert np.mean(errors) < 0.85 * np.mean(naive_errors)


def test_backtest_without_refit_streams_through_update():
    from tsrnn import TemporalSplit, backtest

    df = make_panel(covariates=False)
    result = backtest(
        StreamingRNNForecaster(horizon=3, tbptt_steps=6, **TINY),
        df,
        cv=TemporalSplit(n_splits=3, horizon=3),
        refit=False,
    )
    assert len(result.metrics) == 3 and np.isfinite(result.metrics["smape"]).all()
    assert len(result.forecasts) == 3 * 3 * 3


@pytest.mark.parametrize("option", [{"missing": "mask"}, {"irregular": True}])
def test_deprecated_tbptt_refuses_time_aware_options(option):
    df = make_panel(covariates=False)
    est = RNNForecaster(horizon=2, tbptt_steps=8, **TINY, **option)
    with pytest.raises(ParameterError, match="tbptt_steps cannot be combined"):
        est.fit(df)
