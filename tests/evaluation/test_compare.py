"""compare(): leaderboard, significance against the best baseline, per-step errors, figure."""

import numpy as np
import pytest
from conftest import TINY, make_panel

from tsrnn import RNNForecaster
from tsrnn.baselines import Naive2Forecaster, NaiveForecaster, SeasonalNaiveForecaster
from tsrnn.evaluation import compare, diebold_mariano, panel_diebold_mariano
from tsrnn.exceptions import ParameterError
from tsrnn.metrics import smape


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    df = make_panel(lengths=(48, 40, 36), covariates=False)
    png = tmp_path_factory.mktemp("cmp") / "cmp.png"
    models = {
        "naive": NaiveForecaster(horizon=6),
        "snaive": SeasonalNaiveForecaster(horizon=6),
        "rnn": RNNForecaster(horizon=6, context_length=12, **TINY),
    }
    return compare(models, df, plot=png, verbose=False), df, png


def test_leaderboard_scores_match_the_metrics(result):
    cmp, df, _ = result
    board = cmp.leaderboard
    assert list(board.columns) == [
        "model",
        "smape",
        "mase",
        "owa",
        "mae",
        "rmse",
        "fit_seconds",
        "predict_seconds",
        "dm_statistic",
        "dm_pvalue",
    ]
    assert board["smape"].is_monotonic_increasing and set(board.model) == {"naive", "snaive", "rnn"}
    test = df.groupby("unique_id").tail(6)
    for name in board.model:
        rows = cmp.forecasts[cmp.forecasts.model == name]
        merged = rows.merge(test, on=["unique_id", "ds"], suffixes=("", "_true"))
        per_series = merged.groupby("unique_id").apply(lambda g: smape(g.y_true, g.yhat))
        assert board.set_index("model").smape[name] == pytest.approx(per_series.mean())
    assert (board.fit_seconds > 0).all() and (board.predict_seconds > 0).all()


def test_reference_is_the_best_baseline_and_owa_is_relative_to_naive2(result):
    cmp, df, _ = result
    board = cmp.leaderboard.set_index("model")
    assert cmp.reference == board.loc[["naive", "snaive"], "smape"].idxmin()
    assert np.isnan(board.loc[cmp.reference, "dm_statistic"])
    other = [m for m in board.index if m != cmp.reference]
    assert board.loc[other, "dm_pvalue"].between(0, 1).all()
    # OWA of Naive2 itself is 1: add it as a model and check.
    cmp2 = compare(
        {"naive2": Naive2Forecaster(horizon=6), "naive": NaiveForecaster(horizon=6)},
        df,
        verbose=False,
    )
    assert cmp2.leaderboard.set_index("model").owa["naive2"] == pytest.approx(1.0)


def test_per_horizon_and_figure(result):
    cmp, _, png = result
    assert cmp.per_horizon.shape == (3, 6) and list(cmp.per_horizon.columns) == list(range(1, 7))
    overall = cmp.leaderboard.set_index("model").smape
    # Equal rows per step and per series: the mean over steps is the overall sMAPE.
    np.testing.assert_allclose(cmp.per_horizon.mean(axis=1), overall[cmp.per_horizon.index])
    assert cmp.figure_path == png and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert cmp.to_markdown().startswith("| model | smape |")


def test_explicit_test_rows_and_errors():
    df = make_panel(lengths=(30, 30), covariates=False)
    train, test = df.groupby("unique_id").head(24), df.groupby("unique_id").tail(6)
    cmp = compare([NaiveForecaster(horizon=6)], train, X_test=test, verbose=False)
    assert cmp.leaderboard.model.tolist() == ["NaiveForecaster"]
    with pytest.raises(ParameterError, match="different horizons"):
        compare([NaiveForecaster(horizon=6), ("b", NaiveForecaster(horizon=3))], df, verbose=False)
    with pytest.raises(ParameterError, match="unique names"):
        compare([NaiveForecaster(), NaiveForecaster()], df, verbose=False)
    with pytest.raises(ParameterError, match="dm_loss"):
        compare([NaiveForecaster()], df, dm_loss="nope", verbose=False)


def test_diebold_mariano_by_hand():
    rng = np.random.default_rng(3)
    a, b = rng.random(30), rng.random(30)
    d = a - b
    stat, p = diebold_mariano(a, b, horizon=1)
    expected = np.sqrt((30 - 1) / 30) * d.mean() / np.sqrt(d.var() / 30)
    assert stat == pytest.approx(expected)
    assert diebold_mariano(b, a)[0] == pytest.approx(-stat)
    assert 0 < p < 1
    assert np.isnan(diebold_mariano(a, a + 1.0)[0])  # constant differential: undefined


def test_panel_test_uses_series_means():
    series = np.repeat([0, 1, 2, 3], 3)
    a = np.arange(12.0)
    b = np.zeros(12)
    stat, _ = panel_diebold_mariano(a, b, series)
    means = np.array([1.0, 4.0, 7.0, 10.0])
    assert stat == pytest.approx(means.mean() / (means.std(ddof=1) / 2))
    with pytest.raises(ValueError, match="NaN"):
        panel_diebold_mariano(np.r_[a[:-1], np.nan], b, series)
