"""Metric formulas on hand-computed cases, panel scores and the scikit-learn scorers."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.dummy import DummyRegressor

from tsrnn.exceptions import DataValidationError
from tsrnn.metrics import (
    coverage,
    mae,
    mae_scorer,
    mape,
    mape_scorer,
    mase,
    owa,
    panel_scores,
    pinball_loss,
    rmse,
    rmse_scorer,
    smape,
    smape_scorer,
)

# ------------------------------------------------------------------ point metrics


def test_mae_rmse_mape_hand_computed():
    y, f = [2.0, 4.0, 8.0], [1.0, 4.0, 12.0]  # errors 1, 0, 4
    assert mae(y, f) == pytest.approx(5 / 3)
    assert rmse(y, f) == pytest.approx(np.sqrt(17 / 3))
    assert mape(y, f) == pytest.approx((50 + 0 + 50) / 3)


def test_mape_with_zero_actuals():
    assert mape([0.0, 10.0], [0.0, 5.0]) == pytest.approx(25.0)  # exact zero counts 0
    assert mape([0.0, 10.0], [1.0, 10.0]) == np.inf


def test_smape_hand_computed_on_the_0_200_scale():
    # 200 * |y - f| / (|y| + |f|): 200*10/210 and 0
    assert smape([100, 200], [110, 200]) == pytest.approx(100 * 10 / 210)
    assert smape([1.0], [3.0]) == pytest.approx(100.0)  # 200 * 2 / 4


def test_smape_zeros_and_signs():
    assert smape([0.0, 0.0], [0.0, 0.0]) == 0.0  # 0/0 terms count as 0
    assert smape([0.0], [5.0]) == 200.0
    assert smape([-5.0], [5.0]) == 200.0  # absolute values in the denominator
    assert smape([-4.0], [-2.0]) == pytest.approx(200 * 2 / 6)


@given(
    st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=20).flatmap(
        lambda a: st.tuples(
            st.just(a), st.lists(st.floats(-1e6, 1e6), min_size=len(a), max_size=len(a))
        )
    )
)
def test_smape_is_bounded_and_symmetric(pair):
    a, b = pair
    value = smape(a, b)
    assert 0.0 <= value <= 200.0 + 1e-9
    assert value == pytest.approx(smape(b, a))


def test_nan_forecasts_give_nan_not_zero():
    for metric in (smape, mape, mae, rmse):
        assert np.isnan(metric([0.0, 2.0], [np.nan, 2.0]))
    assert np.isnan(smape([np.nan], [0.0]))


def test_shape_mismatch_raises():
    with pytest.raises(ValueError, match="same shape"):
        mae([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="same shape"):
        coverage([1, 2], [0, 0], [3])


def test_mase_seasonal_lag():
    history = [1.0, 2, 5, 6]
    # lag 1 scale: (1 + 3 + 1) / 3; lag 2 scale: (4 + 4) / 2
    assert mase([5, 6], [5, 8], history) == pytest.approx(1.0 / (5 / 3))
    assert mase([5, 6], [5, 8], history, season_length=2) == pytest.approx(0.25)


def test_mase_needs_more_history_than_the_lag_and_nan_on_constant_history():
    with pytest.raises(ValueError, match="season_length=4"):
        mase([1.0], [1.0], [1.0, 2, 3, 4], season_length=4)
    assert np.isnan(mase([1.0], [2.0], [3.0, 3.0, 3.0]))


def test_pinball_loss():
    # under-forecast by 2 at q=0.9 costs 1.8, over-forecast by 2 costs 0.2
    assert pinball_loss([10.0], [8.0], quantile=0.9) == pytest.approx(1.8)
    assert pinball_loss([10.0], [12.0], quantile=0.9) == pytest.approx(0.2)
    y, f = np.array([1.0, 5, 2]), np.array([2.0, 3, 2])
    assert pinball_loss(y, f, 0.5) == pytest.approx(mae(y, f) / 2)
    for q in (0, 1, 1.5):
        with pytest.raises(ValueError, match="quantile"):
            pinball_loss(y, f, q)


def test_coverage():
    assert coverage([1, 5, 10, 0], [0, 0, 0, 0], [5, 5, 5, 5]) == pytest.approx(0.75)  # inclusive
    assert coverage([3.0], [3.0], [3.0]) == 1.0
    with pytest.raises(ValueError, match="swapped"):
        coverage([1.0], [2.0], [0.0])


def test_owa():
    assert owa(12.0, 1.5, 15.0, 1.5) == pytest.approx(0.5 * (0.8 + 1.0))
    with pytest.raises(ValueError, match="positive"):
        owa(1.0, 1.0, 0.0, 1.0)


def test_owa_of_naive2_against_itself_is_one():
    history = pd.DataFrame({"unique_id": "a", "ds": range(24), "y": np.arange(24.0) % 5 + 1})
    fc = pd.DataFrame({"unique_id": "a", "ds": [24, 25], "y": [3.0, 4.0], "yhat": [2.0, 2.0]})
    s = panel_scores(fc, None, history, season_length=12).mean(numeric_only=True)
    assert owa(s["smape"], s["mase"], s["smape"], s["mase"]) == pytest.approx(1.0)


# ------------------------------------------------------------------ panel scores


def _frames(seed=0):
    rng = np.random.default_rng(seed)
    history = pd.DataFrame(
        {
            "unique_id": ["b"] * 30 + ["a"] * 8 + ["c"] * 3,
            "ds": list(range(30)) + list(range(8)) + list(range(3)),
            "y": rng.uniform(1, 10, 41),
        }
    )
    future = history.groupby("unique_id")["ds"].max()
    forecasts = pd.DataFrame(
        [(s, future[s] + h) for s in ("a", "b", "c") for h in (1, 2, 3)],
        columns=["unique_id", "ds"],
    ).assign(yhat=rng.uniform(1, 10, 9))
    actuals = forecasts[["unique_id", "ds"]].assign(y=rng.uniform(1, 10, 9)).iloc[::-1]
    return history, forecasts, actuals


def test_panel_scores_match_the_per_series_metrics():
    history, forecasts, actuals = _frames()
    out = panel_scores(forecasts, actuals, history, season_length={"a": 4, "b": 12, "c": 1})
    assert out["unique_id"].tolist() == ["a", "b", "c"]
    assert out.columns.tolist() == [
        "unique_id", "smape", "mase", "mae", "rmse", "mape", "season_length"
    ]  # fmt: skip
    merged = forecasts.merge(actuals, on=["unique_id", "ds"])
    for row in out.itertuples():
        g = merged[merged.unique_id == row.unique_id]
        h = history[history.unique_id == row.unique_id].sort_values("ds")["y"]
        assert row.smape == pytest.approx(smape(g.y, g.yhat))
        assert row.mae == pytest.approx(mae(g.y, g.yhat))
        assert row.rmse == pytest.approx(rmse(g.y, g.yhat))
        assert row.mape == pytest.approx(mape(g.y, g.yhat))
        assert row.mase == pytest.approx(mase(g.y, g.yhat, h, row.season_length))
    assert out["season_length"].tolist() == [4, 12, 1]


def test_panel_scores_fall_back_to_lag_1_on_short_history():
    history, forecasts, actuals = _frames()
    out = panel_scores(forecasts, actuals, history, season_length=12).set_index("unique_id")
    # "b" has 30 values: lag 12; "a" (8) and "c" (3) are too short: lag 1
    assert out["season_length"].to_dict() == {"a": 1, "b": 12, "c": 1}
    g = forecasts.merge(actuals)[lambda d: d.unique_id == "a"]
    h = history[history.unique_id == "a"]["y"]
    assert out.loc["a", "mase"] == pytest.approx(mase(g.y, g.yhat, h, 1))


def test_panel_scores_history_order_does_not_matter_and_one_value_gives_nan():
    history, forecasts, actuals = _frames()
    shuffled = history.sample(frac=1, random_state=0)
    a = panel_scores(forecasts, actuals, history, season_length=2)
    b = panel_scores(forecasts, actuals, shuffled, season_length=2)
    pd.testing.assert_frame_equal(a, b)
    single = history[history.unique_id != "c"]
    single = pd.concat([single, history[history.unique_id == "c"].iloc[:1]])
    out = panel_scores(forecasts, actuals, single, season_length=1)
    assert np.isnan(out.set_index("unique_id").loc["c", "mase"])


def test_panel_scores_errors():
    history, forecasts, actuals = _frames()
    with pytest.raises(DataValidationError, match="more than one row"):
        panel_scores(pd.concat([forecasts, forecasts]), actuals, history, season_length=1)
    with pytest.raises(DataValidationError, match="No actual value"):
        panel_scores(forecasts, actuals.iloc[1:], history, season_length=1)
    with pytest.raises(DataValidationError, match="history has no rows"):
        panel_scores(forecasts, actuals, history[history.unique_id != "a"], season_length=1)
    with pytest.raises(DataValidationError, match="no entry for series"):
        panel_scores(forecasts, actuals, history, season_length={"a": 1})
    with pytest.raises(DataValidationError, match="ints >= 1"):
        panel_scores(forecasts, actuals, history, season_length=0)
    with pytest.raises(DataValidationError, match="missing \\['yhat'\\]"):
        panel_scores(forecasts.drop(columns="yhat"), actuals, history, season_length=1)
    with pytest.raises(DataValidationError, match="missing \\['y'\\]"):
        panel_scores(forecasts, None, history, season_length=1)


# ------------------------------------------------------------------ scorers


@pytest.mark.parametrize(
    ("scorer", "metric"),
    [(smape_scorer, smape), (mae_scorer, mae), (rmse_scorer, rmse), (mape_scorer, mape)],
)
def test_scorers_return_the_negated_metric(scorer, metric):
    X, y = np.zeros((4, 1)), np.array([1.0, 2.0, 4.0, 3.0])
    est = DummyRegressor(strategy="constant", constant=2.0).fit(X, y)
    value = scorer(est, X, y)
    assert value < 0
    assert value == pytest.approx(-metric(y, np.full(4, 2.0)))
