"""`tsrnn benchmark csv`: the leaderboard, files and plot of the M3 benchmark on any CSV."""

import pandas as pd
import pytest
from conftest import make_panel

from tsrnn.cli import main
from tsrnn.evaluation.csv_benchmark import CSV_INTERVAL_MODELS


def test_cli_benchmark_csv_writes_the_leaderboard_files(tmp_path, capsys):
    path = tmp_path / "sales.csv"
    make_panel((30, 26, 20), covariates=False).to_csv(path, index=False)
    out = tmp_path / "bench"
    argv = ["benchmark", "csv", str(path), "--horizon", "4", "--models", "snaive", "theta"]
    assert (
        main([*argv, "--season-length", "12", "--out", str(out), "--quiet", "--n-jobs", "1"]) == 0
    )
    printed = capsys.readouterr().out
    assert "holdout = the last 4 rows of every series" in printed and "theta" in printed
    board = pd.read_csv(out / "leaderboard.csv")
    assert set(board.model) == {"snaive", "theta"} and board.smape.is_monotonic_increasing
    forecasts = pd.read_csv(out / "forecasts.csv")
    assert len(forecasts) == 2 * 3 * 4 and (out / "sales.png").exists()
    assert (out / "leaderboard.md").read_text().startswith("# Benchmark: sales")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["benchmark", "csv", "--horizon", "3"], "benchmark csv needs a FILE and --horizon"),
        (["benchmark", "m3", "--horizon", "3"], "benchmark m3 takes no FILE, --horizon"),
    ],
)
def test_cli_benchmark_misuse_is_a_one_line_error(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


def test_cli_benchmark_csv_scores_intervals_with_the_probabilistic_default(tmp_path, capsys):
    path = tmp_path / "sales.csv"
    make_panel((30, 26, 20, 28, 24) * 2, covariates=False).to_csv(path, index=False)
    out = tmp_path / "bench"  # 10 series: 10 calibration scores per step, enough for 90%
    argv = ["benchmark", "csv", str(path), "--horizon", "3", "--season-length", "12"]
    default = CSV_INTERVAL_MODELS[0]  # lstm_student_t_cqr
    argv += ["--models", default, "naive", "--intervals", "90"]
    assert main([*argv, "--out", str(out), "--quiet", "--n-jobs", "1"]) == 0
    board = pd.read_csv(out / "leaderboard.csv").set_index("model")
    assert {"coverage", "msis"} <= set(board.columns)
    assert board[["coverage", "msis"]].notna().all().all()  # both give intervals
    forecasts = pd.read_csv(out / "forecasts.csv")
    band = forecasts[forecasts.model == default]
    assert len(band) == 10 * 3 and (band.yhat_lo_90 <= band.yhat).all()
    assert (band.yhat <= band.yhat_hi_90).all()


def test_cli_benchmark_intervals_level_is_checked(tmp_path, capsys):
    path = tmp_path / "sales.csv"
    make_panel((30, 26), covariates=False).to_csv(path, index=False)
    argv = ["benchmark", "csv", str(path), "--horizon", "3", "--intervals", "0.95"]
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--models", "naive", "--out", str(tmp_path / "b"), "--quiet"])
    assert exit_info.value.code == 2 and "level in percent" in capsys.readouterr().err
