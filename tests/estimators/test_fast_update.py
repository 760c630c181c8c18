"""The update() fast path of stateful models equals the general path and words no new errors."""

import copy

import numpy as np
import pandas as pd
import pytest
from conftest import make_panel

from tsrnn import DataValidationError, LSTMForecaster, StreamingRNNForecaster
from tsrnn.data.frame import future_rows
from tsrnn.estimators.session import StreamSession

H = 3


@pytest.fixture(scope="module")
def fitted():
    df = make_panel((40, 30, 25), covariates=True).drop(columns="promo")
    est = StreamingRNNForecaster(horizon=H, tbptt_steps=8, hidden_size=6, max_epochs=1,
                                 batch_size=4, random_state=0)  # fmt: skip
    return est.fit(df)


def next_rows(est, ids=("s0", "s1", "s2"), y=10.0):
    rows = est.future_frame(1).set_index("unique_id").loc[list(ids)].reset_index()
    return rows.assign(y=y, past=0.5)


def test_fast_path_equals_todays_session_step_and_the_general_path(fitted):
    fast, session, general = (copy.deepcopy(fitted) for _ in range(3))
    rng = np.random.default_rng(0)
    fast.forecast()  # from here on, the forecasts of the step are kept
    for k in range(4):
        ids = ("s0", "s1", "s2") if k % 2 == 0 else ("s1",)
        rows = next_rows(fast, ids, y=10 + rng.normal(size=len(ids)))
        assert fast._stream_rows(rows.copy()) is True
        # today's step: a fresh session per call, then sync
        step = StreamSession(session, list(ids))
        pushed = step.push(rows[["y", "past"]].to_numpy())
        step.sync()
        np.testing.assert_array_equal(fast.state_, session.state_)
        assert fast.calendar_.last_time.equals(session.calendar_.last_time)
        np.testing.assert_array_equal(fast.context_.values, session.context_.values)
        general.update(rows.drop(columns="y"), rows["y"])  # y apart: the general path
        np.testing.assert_allclose(fast.state_, general.state_, rtol=0, atol=1e-6)
        got = fast.forecast()
        np.testing.assert_allclose(got["yhat"], general.forecast()["yhat"], rtol=1e-6)
        positions = fast.calendar_.positions(list(ids))
        np.testing.assert_array_equal(got["yhat"].to_numpy().reshape(-1, H)[positions], pushed)
    pd.testing.assert_frame_equal(
        got.drop(columns="yhat"), future_rows(general.calendar_, H, id_col="unique_id",
                                              time_col="ds"))  # fmt: skip


def test_fast_path_follows_a_session_pushed_without_sync(fitted):
    est, twin = copy.deepcopy(fitted), copy.deepcopy(fitted)
    for e in (est, twin):
        e.update(next_rows(e))
    est.forecast()
    for e in (est, twin):  # a user session moves the states, not the calendar
        e.session().push(np.array([[11.0, 0.1], [12.0, 0.2], [13.0, 0.3]]))
    rows = next_rows(est)
    est.update(rows)
    vars(twin).pop("_cache_sessions")
    vars(twin).pop("_cache_forecasts", None)
    twin.update(rows)
    np.testing.assert_array_equal(est.state_, twin.state_)
    pd.testing.assert_frame_equal(est.forecast(), twin.forecast())


def test_other_forms_and_column_orders_take_the_right_path(fitted):
    est = copy.deepcopy(fitted)
    rows = next_rows(est)[["past", "ds", "y", "unique_id"]]
    rows["y"] = rows["y"].astype(int)
    assert est._stream_rows(rows) is True  # any column order, integer targets
    assert est._stream_rows(next_rows(est).iloc[:0]) is False
    two = pd.concat([next_rows(est), next_rows(est)])  # a series twice
    assert est._stream_rows(two) is False
    assert est._stream_rows(next_rows(est).assign(extra=1.0)) is False
    deprecated = LSTMForecaster(horizon=H, tbptt_steps=8, hidden_size=4, max_epochs=1,
                                random_state=0)  # fmt: skip
    with pytest.warns(FutureWarning):
        deprecated.fit(make_panel((20, 16), covariates=False))
    before = deprecated.state_.copy()
    deprecated.update(deprecated.future_frame(1).assign(y=5.0))
    assert "_cache_sessions" in vars(deprecated)  # the same fast path
    assert not np.array_equal(deprecated.state_, before)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda r, e: r.assign(ds=e.future_frame(2)["ds"].to_numpy()[1::2]), "without gaps"),
        (lambda r, e: r.assign(y=[1.0, np.nan, 2.0]), "missing"),
        (lambda r, e: r.assign(past=[1.0, np.inf, 2.0]), "past"),
        (lambda r, e: r.assign(unique_id=["s0", "s0", "s2"]), "s0"),
        (lambda r, e: r.assign(y=["a", "b", "c"]), "dtype"),
        (lambda r, e: r.drop(columns="past"), "covariate columns"),
    ],
)
def test_bad_rows_get_the_general_errors_and_change_nothing(fitted, change, match):
    est = copy.deepcopy(fitted)
    est.update(next_rows(est))  # the fast path's caches exist
    est.forecast()
    state, calendar = est.state_.copy(), est.calendar_
    with pytest.raises(DataValidationError, match=match):
        est.update(change(next_rows(est), est))
    np.testing.assert_array_equal(est.state_, state)
    assert est.calendar_ is calendar


def test_stepped_calendars_match_the_general_advance():
    df = make_panel((14, 10), covariates=False, freq="ME")
    est = StreamingRNNForecaster(horizon=H, tbptt_steps=4, hidden_size=4, max_epochs=1,
                                 random_state=0).fit(df)  # fmt: skip
    general = copy.deepcopy(est)
    for _ in range(70):  # past the first look-ahead grid: month ends of every length
        rows = est.future_frame(1).assign(y=1.0)
        est.update(rows)
        general.update(rows.drop(columns="y"), rows["y"])
    assert est.calendar_.last_time.equals(general.calendar_.last_time)
    pd.testing.assert_frame_equal(est.future_frame(), general.future_frame())
    restored = __import__("pickle").loads(__import__("pickle").dumps(est.calendar_))
    assert restored.last_time.equals(est.calendar_.last_time)
    assert restored.future_times(2).equals(general.calendar_.future_times(2))
