"""Smoke tests: every script in examples/ runs in fast mode and prints its results."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def run_example(name: str, *args: str) -> str:
    env = {**os.environ, "TSRNN_EXAMPLES_FAST": "1", "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = f"{proc.stdout}\n{proc.stderr}"
    assert proc.returncode == 0, f"{name} exited with {proc.returncode}:\n{output}"
    assert "fast mode" in proc.stdout
    return proc.stdout


def test_examples_are_all_tested():
    assert {p.name for p in EXAMPLES.glob("*.py")} == {
        "pandas_workflow.py",
        "sklearn_pipeline_grid_search.py",
        "backtest_loop.py",
        "seq2seq_attention.py",
        "optuna_search.py",
        "irregular_series.py",
        "streaming_elecdemand.py",
        "probabilistic_forecasts.py",
        "edge_streaming.py",
    }


def test_pandas_workflow(tmp_path):
    png = tmp_path / "x.png"
    out = run_example("pandas_workflow.py", "--plot", str(png))
    assert "Holdout accuracy" in out
    for text in ("smape", "mae", "lstm", "snaive", "drivers", "front", "rear"):
        assert text in out
    assert "1985-12" in out  # the 12-month forecast after update()
    assert png.is_file() and png.stat().st_size > 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_sklearn_pipeline_grid_search():
    out = run_example("sklearn_pipeline_grid_search.py")
    assert "GridSearchCV results" in out
    assert "Best params: {" in out and "hidden_size" in out and "context_length" in out
    assert "best GRU pipeline" in out and "seasonal naive" in out


def test_backtest_loop():
    out = run_example("backtest_loop.py")
    for fold in range(3):
        assert f"fold {fold}:" in out
    assert "mean" in out
    for model in ("lstm", "seasonal_naive", "naive"):
        assert model in out


def test_seq2seq_attention(tmp_path):
    png = tmp_path / "attention.png"
    out = run_example("seq2seq_attention.py", "--plot", str(png))
    assert "Holdout sMAPE: seq2seq (general attention)" in out and "seasonal naive" in out
    assert "shape (12, 12, 24) (series, forecast step, context step)" in out
    assert "Mean weight by lag" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_optuna_search(tmp_path):
    out = run_example("optuna_search.py", "--plots", str(tmp_path / "plots"))
    # n_jobs=2: two worker processes; a slow-starting one may find the trials all taken
    assert re.search(r"[34] trials by [12] worker processes sharing study.db", out), out
    assert re.search(r"resumed: [12] more trials, the first [34] kept: True", out), out
    assert "Best params: {" in out and "Test sMAPE" in out
    assert "plots: intermediate_values, optimization_history, param_importances" in out
    assert (tmp_path / "plots" / "optimization_history.png").is_file()


def test_irregular_series():
    out = run_example("irregular_series.py")
    assert "removed" in out and "(30%, seed 0)" in out
    for model in ("carry-forward", "gaps ignored", "irregular=True", 'missing="mask"'):
        assert model in out
    assert "Holdout accuracy" in out and "smape" in out and "mase" in out


def test_streaming_elecdemand(tmp_path):
    png = tmp_path / "s.png"
    out = run_example("streaming_elecdemand.py", "--plot", str(png))
    assert "Streaming 48 observations one at a time" in out
    assert "2014-12-01 23:30  running MAE (GW): next half hour LSTM" in out
    assert "vs naive" in out and "vs seasonal naive" in out
    assert "Final MAE ratios" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_probabilistic_forecasts(tmp_path):
    png = tmp_path / "bands.png"
    out = run_example("probabilistic_forecasts.py", "--plot", str(png))
    for text in ("coverage_95", "msis", "lstm quantile head", "conformal snaive", "ets"):
        assert text in out
    assert png.is_file() and png.stat().st_size > 0


def test_edge_streaming(tmp_path):
    bundle = tmp_path / "bundle"
    out = run_example("edge_streaming.py", "--out", str(bundle))
    assert {p.name for p in bundle.iterdir()} == {
        "float32.onnx", "float32.npz", "int8.onnx", "int8.npz", "runtime.py", "stream.csv",
        "edge_streaming.py",
    }  # fmt: skip
    assert "Device: numpy" in out and "streaming 48 half-hours" in out
    assert "day 1  running MAE (GW): next half hour float32" in out and "int8" in out
    assert "Modules loaded on the device besides numpy and onnxruntime: none" in out
    assert (bundle / "int8.onnx").stat().st_size < (bundle / "float32.onnx").stat().st_size
