"""AutoRNNForecaster: a recipe chosen on validation windows, on awkward data too."""

import pickle

import numpy as np
import pandas as pd
import pytest
from conftest import make_panel

from tsrnn import AutoRNNForecaster, save_forecaster
from tsrnn.estimators._recipe import RecipeForecaster, candidate_recipes
from tsrnn.exceptions import ParameterError, TsrnnError

FAST = {"max_epochs": 1, "n_windows": 1, "n_best": 2}


def panel_of(values_by_id: dict[str, np.ndarray]) -> pd.DataFrame:
    return pd.concat(
        [
            pd.DataFrame(
                {"unique_id": k, "ds": pd.date_range("2000-01", periods=len(v), freq="MS"), "y": v}
            )
            for k, v in values_by_id.items()
        ],
        ignore_index=True,
    )


def check_finite(auto: AutoRNNForecaster, n_series: int, horizon: int) -> None:
    out = auto.forecast()
    assert len(out) == n_series * horizon
    assert np.isfinite(out["yhat"]).all()


def test_candidates_follow_what_the_data_allow():
    positive = candidate_recipes(6, 12, min_value=1.0, seasonal=True, varied=True)
    assert positive[0] == {
        "transform": "log",
        "deseasonalize": True,
        "scaler": "standard",
        "context_length": 12,
        "cell": "gru",
    }
    assert {r["transform"] for r in positive} == {"log", "none", "boxcox"}
    zeros = candidate_recipes(6, 1, min_value=0.0, seasonal=False, varied=True)
    assert {r["transform"] for r in zeros} == {"log1p", "none"}
    assert not any(r["deseasonalize"] for r in zeros)
    negative = candidate_recipes(6, 1, min_value=-1.0, seasonal=False, varied=True)
    assert {r["transform"] for r in negative} == {"none"}
    assert [r["context_length"] for r in negative] == [6, 6, 12, 6]


def test_choices_and_scores_are_recorded_and_printed():
    df = make_panel((40, 36, 30), covariates=False)
    auto = AutoRNNForecaster(horizon=6, **FAST).fit(df)
    table = auto.validation_
    assert table["candidate"].iloc[0] == "base" and len(table) == 6  # not seasonal: no adjust
    assert table["score"].min() == pytest.approx(1.0)
    assert table["selected"].sum() == 2
    best = table.nsmallest(2, "score")["candidate"].tolist()
    assert sorted(auto.choices_["selected"]) == sorted(best)
    members = [m.recipe["transform"] for m in auto.estimator_.members_]
    assert members == table.loc[table.selected, "transform"].tolist()
    assert auto.choices_["n_windows"] == 1 and auto.choices_["min_value"] > 0
    text = auto.summary()
    assert "transform=none" in text and "median of" in text
    rows = auto.future_frame()
    members = np.vstack([m.predict(rows) for m in auto.estimator_.members_])
    np.testing.assert_allclose(auto.predict(rows), np.median(members, axis=0))


def test_zeros_use_log1p_and_forecast_finite():
    rng = np.random.default_rng(0)
    values = {f"s{i}": rng.poisson(1.0, 30).astype(float) for i in range(3)}
    auto = AutoRNNForecaster(horizon=4, **FAST).fit(panel_of(values))
    assert auto.validation_["transform"].iloc[0] == "log1p"
    check_finite(auto, 3, 4)


def test_negative_values_use_no_transform():
    rng = np.random.default_rng(1)
    values = {f"s{i}": rng.normal(0, 5, 30) - 10 for i in range(3)}
    auto = AutoRNNForecaster(horizon=4, **FAST).fit(panel_of(values))
    assert set(auto.validation_["transform"]) == {"none"}
    check_finite(auto, 3, 4)


def test_flat_and_very_short_series():
    values = {
        "flat": np.full(30, 7.0),
        "short": np.array([3.0, 4.0, 5.0]),
        "ramp": np.arange(1, 26.0),
    }
    auto = AutoRNNForecaster(horizon=6, **FAST).fit(panel_of(values))
    check_finite(auto, 3, 6)


def test_series_too_short_to_validate_use_the_base_recipe():
    values = {"a": np.array([1.0, 2, 3, 4]), "b": np.array([2.0, 2, 3, 5, 4])}
    auto = AutoRNNForecaster(horizon=6, **FAST).fit(panel_of(values))
    assert auto.choices_["n_windows"] == 0 and auto.choices_["selected"] == ["base"]
    assert "too short" in auto.summary()
    check_finite(auto, 2, 6)


def test_time_budget_stops_new_candidates():
    df = make_panel((30, 30), covariates=False)
    auto = AutoRNNForecaster(horizon=4, time_budget=0, **FAST).fit(df)
    assert auto.validation_["score"].notna().tolist() == [True] + [False] * 5
    assert auto.choices_["selected"] == ["base"]


def test_update_moves_the_origin_and_pickle_round_trips():
    df = make_panel((30, 30), covariates=False)
    auto = AutoRNNForecaster(horizon=4, **FAST).fit(df[df.ds < "2003-04-01"])
    auto.update(df[df.ds >= "2003-04-01"])
    out = auto.forecast()
    assert (out.groupby("unique_id").ds.min() == pd.Timestamp("2003-07-01")).all()
    again = pickle.loads(pickle.dumps(auto))
    pd.testing.assert_frame_equal(again.forecast(), out)
    pd.testing.assert_frame_equal(again.validation_, auto.validation_)
    with pytest.raises(TsrnnError, match="pickle"):
        save_forecaster(auto, "unused-dir")


def test_recipe_names_a_known_cell_and_auto_checks_parameters():
    df = make_panel((30,), covariates=False)
    with pytest.raises(ParameterError, match="cell"):
        RecipeForecaster(4, recipe={"cell": "tcn"}).fit(df)
    with pytest.raises(ParameterError, match="n_best"):
        AutoRNNForecaster(horizon=4, n_best=0).fit(df)


def test_baselines_are_scored_like_recipes_and_can_join_the_median():
    from tsrnn.baselines import HoltForecaster, NaiveForecaster

    rng = np.random.default_rng(3)  # random walks: the naive forecast is hard to beat
    values = {f"s{i}": 50 + np.cumsum(rng.normal(size=40)) for i in range(4)}
    df = panel_of(values)
    baselines = [NaiveForecaster(horizon=4), HoltForecaster(horizon=4, damped_trend=True)]
    auto = AutoRNNForecaster(horizon=4, baselines=baselines, **FAST).fit(df)
    table = auto.validation_.set_index("candidate")
    assert {"baseline=naive", "baseline=damped"} <= set(table.index)
    assert table.loc[["baseline=naive", "baseline=damped"], "score"].notna().all()
    assert pd.isna(table.loc["baseline=naive", "transform"])  # no recipe choices of its own
    chosen = table.index[table.selected].tolist()
    assert sorted(chosen) == sorted(auto.choices_["selected"])
    rows = auto.future_frame()
    members = np.vstack([m.predict(rows) for m in auto.estimator_.members_])
    np.testing.assert_allclose(auto.predict(rows), np.median(members, axis=0))
    kinds = [type(m.estimator_).__name__ for m in auto.estimator_.members_]
    expected = {"baseline=naive": "NaiveForecaster", "baseline=damped": "HoltForecaster"}
    assert sorted(k for k in kinds if k in expected.values()) == sorted(
        expected[c] for c in chosen if c in expected
    )
    back = pickle.loads(pickle.dumps(auto))
    pd.testing.assert_frame_equal(back.forecast(), auto.forecast())
    assert "baseline=naive" in auto.summary()


def test_baselines_must_share_the_horizon():
    from tsrnn.baselines import NaiveForecaster

    df = make_panel((30, 26), covariates=False)
    with pytest.raises(ParameterError, match="baselines must be forecasters with horizon=4"):
        AutoRNNForecaster(horizon=4, baselines=[NaiveForecaster(horizon=6)], **FAST).fit(df)
