"""StreamSession: the array-level stream gives update() + forecast()'s numbers."""

import copy
import pickle

import numpy as np
import pytest
from conftest import make_panel

from tsrnn import DataValidationError, StreamingRNNForecaster
from tsrnn.estimators import session as session_module
from tsrnn.persistence import load_forecaster, save_forecaster

H = 3


@pytest.fixture(scope="module")
def fitted():
    df = make_panel((40, 30, 25), covariates=False)
    est = StreamingRNNForecaster(horizon=H, tbptt_steps=8, hidden_size=6, max_epochs=1,
                                 batch_size=4, random_state=0)  # fmt: skip
    return est.fit(df)


def test_push_equals_update_then_forecast(fitted):
    by_update, by_session = copy.deepcopy(fitted), copy.deepcopy(fitted)
    session = by_session.session()
    rng = np.random.default_rng(1)
    for _ in range(4):
        rows = by_update.future_frame(1)
        rows["y"] = 10 + rng.normal(size=len(rows))
        general = by_update.update(rows.drop(columns="y"), rows["y"])  # y apart: general path
        expected = general.forecast()["yhat"].to_numpy().reshape(-1, H)
        got = session.push(rows["y"].to_numpy(), times=rows["ds"].to_numpy())
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(by_session.state_, by_update.state_, rtol=0, atol=1e-6)
    session.sync()
    assert by_session.calendar_.last_time.equals(by_update.calendar_.last_time)
    np.testing.assert_allclose(by_session.forecast()["yhat"], by_update.forecast()["yhat"],
                               rtol=1e-6)  # fmt: skip
    rows = by_update.future_frame(1).assign(y=9.0)  # update() continues after the session
    general = by_update.update(rows.drop(columns="y"), rows["y"])
    np.testing.assert_allclose(by_session.update(rows).forecast()["yhat"],
                               general.forecast()["yhat"], rtol=1e-6)  # fmt: skip


def test_a_session_of_some_series_in_their_order(fitted):
    est = copy.deepcopy(fitted)
    twin = copy.deepcopy(fitted)
    session = est.session(ids=["s2", "s0"])
    got = session.push([11.0, 12.0])
    rows = twin.future_frame(1).set_index("unique_id").loc[["s2", "s0"]].reset_index()
    expected = twin.update(rows.assign(y=[11.0, 12.0])).forecast().set_index("unique_id")
    np.testing.assert_allclose(got, expected.loc[["s2", "s0"], "yhat"].to_numpy().reshape(2, H),
                               rtol=1e-6)  # fmt: skip
    np.testing.assert_array_equal(est.state_[1], fitted.state_[1])  # untouched series


def test_synced_state_round_trips_through_save_and_pickle(fitted, tmp_path):
    est = copy.deepcopy(fitted)
    est.session().push(np.full(3, 10.0))
    est = est.session().sync()
    save_forecaster(est, tmp_path / "m")
    for other in (load_forecaster(tmp_path / "m"), pickle.loads(pickle.dumps(est))):
        np.testing.assert_array_equal(other.state_, est.state_)
        np.testing.assert_allclose(other.forecast()["yhat"], est.forecast()["yhat"])


def test_bad_pushes_are_refused(fitted):
    session = copy.deepcopy(fitted).session()
    with pytest.raises(DataValidationError, match="one row per series"):
        session.push([1.0, 2.0])
    with pytest.raises(DataValidationError, match="non-finite value for series 's1'"):
        session.push([1.0, np.nan, 2.0])
    nxt = fitted.future_frame(2)
    wrong = nxt.groupby("unique_id").nth(1)["ds"].to_numpy()  # a step skipped
    with pytest.raises(DataValidationError, match="next time stamp, in order"):
        session.push([1.0, 2.0, 3.0], times=wrong)
    assert session.steps == 0
    session.push([1.0, 2.0, 3.0], times=nxt.groupby("unique_id").nth(0)["ds"].to_numpy())
    assert session.steps == 1


def test_an_unfitted_model_has_no_session():
    with pytest.raises(Exception, match="not fitted"):
        StreamingRNNForecaster().session()


def test_single_row_updates_take_the_fast_path_with_the_general_numbers(fitted):
    fast, general = copy.deepcopy(fitted), copy.deepcopy(fitted)
    for k in range(3):
        rows = fast.future_frame(1).assign(y=[10.0 + k, 20.0, 30.0])[["y", "ds", "unique_id"]]
        assert fast._stream_rows(rows.iloc[:0]) is False
        assert fast._stream_rows(rows) is True  # the fast path took them
        general.update(rows.drop(columns="y"), rows["y"])
        np.testing.assert_allclose(fast.state_, general.state_, atol=1e-6, rtol=0)
        assert fast.calendar_.last_time.equals(general.calendar_.last_time)
        np.testing.assert_allclose(fast.forecast()["yhat"], general.forecast()["yhat"], rtol=1e-6)


def test_the_fast_path_leaves_bad_rows_to_the_general_errors(fitted):
    est = copy.deepcopy(fitted)
    before = est.state_.copy()
    rows = est.future_frame(2).groupby("unique_id").nth(1).assign(y=1.0)  # a gap
    with pytest.raises(DataValidationError, match="without gaps"):
        est.update(rows)
    rows = est.future_frame(1).assign(y=[1.0, np.nan, 2.0])
    with pytest.raises(DataValidationError, match="missing"):
        est.update(rows)
    np.testing.assert_array_equal(est.state_, before)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("layers", [1, 2])
def test_numpy_step_equals_torch_and_update_forecast(cell, layers, monkeypatch):
    df = make_panel((30, 26, 22), covariates=True).drop(columns="promo")  # "past" stays
    est = StreamingRNNForecaster(horizon=H, tbptt_steps=8, hidden_size=5, num_layers=layers,
                                 cell=cell, max_epochs=1, batch_size=4,
                                 random_state=0).fit(df)  # fmt: skip
    assert est.covariates_ == ["past"]
    by_numpy, by_torch, by_update = (copy.deepcopy(est) for _ in range(3))
    fast = by_numpy.session()
    assert fast._step is not None  # plain fused cells take the NumPy step
    with monkeypatch.context() as m:
        m.setattr(session_module, "_numpy_weights", lambda net: None)
        slow = by_torch.session()
    assert slow._step is None
    rng = np.random.default_rng(2)
    for _ in range(4):
        rows = by_update.future_frame(1)
        rows["y"] = 20 + rng.normal(size=len(rows))
        rows["past"] = rng.normal(size=len(rows))
        values = rows[["y", "past"]].to_numpy()
        got = fast.push(values)
        np.testing.assert_allclose(got, slow.push(values), rtol=1e-5, atol=1e-5)
        general = by_update.update(rows.drop(columns="y"), rows["y"])
        expected = general.forecast()["yhat"].to_numpy().reshape(-1, H)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(by_numpy.state_, by_torch.state_, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(by_numpy.state_, by_update.state_, rtol=1e-5, atol=1e-6)
    fast.sync()
    np.testing.assert_allclose(by_numpy.forecast()["yhat"], by_update.forecast()["yhat"],
                               rtol=1e-5)  # fmt: skip


def test_other_networks_keep_the_torch_step(fitted):
    est = copy.deepcopy(fitted)
    est.network_.train()
    assert est.session()._step is None  # dropout between layers: torch decides
    est.network_.eval()
    assert est.session()._step is not None


@pytest.mark.parametrize("normalize", [True, False])
def test_a_one_series_session_gives_the_update_numbers_in_place(normalize):
    df = make_panel((40, 30, 25), covariates=False)
    est = StreamingRNNForecaster(horizon=H, tbptt_steps=8, hidden_size=6, max_epochs=1,
                                 batch_size=4, normalize_windows=normalize,
                                 random_state=0).fit(df)  # fmt: skip
    by_update, by_session = copy.deepcopy(est), copy.deepcopy(est)
    session = by_session.session(ids=["s1"])
    assert session._one and np.shares_memory(session._step.state, by_session.state_)
    before = by_session.state_.copy()
    with pytest.raises(DataValidationError, match="non-finite value for series 's1'"):
        session.push(np.array([np.inf]))
    with pytest.raises(DataValidationError, match="one row per series"):
        session.push([1.0, 2.0])
    np.testing.assert_array_equal(by_session.state_, before)
    for given in (np.array([21.5]), [19.25], np.array([[20.0]], np.float32), (22.0,)):
        rows = by_update.future_frame(1).query("unique_id == 's1'")
        times = rows["ds"].to_numpy()
        rows = rows.assign(y=np.asarray(given, dtype=float).reshape(-1))
        general = by_update.update(rows.drop(columns="y"), rows["y"])
        expected = general.forecast().query("unique_id == 's1'")["yhat"].to_numpy()
        got = session.push(given, times=times)
        assert got.shape == (1, H) and got.dtype == np.float64
        np.testing.assert_allclose(got[0], expected, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(by_session.state_, by_update.state_, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(by_session.state_[[0, 2]], before[[0, 2]])  # the others
    session.sync()
    np.testing.assert_allclose(by_session.forecast()["yhat"], by_update.forecast()["yhat"],
                               rtol=1e-6)  # fmt: skip


def test_a_session_keeps_writing_when_state_is_replaced(fitted):
    est = copy.deepcopy(fitted)
    session = est.session(ids=["s0"])
    est.state_ = est.state_.copy()  # e.g. update() added series: a new array
    session.push([15.0])
    np.testing.assert_array_equal(est.state_[:1], session._step.state)
