import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import make_panel

from tsrnn.cli import main


def test_forecast_on_the_bundled_dataset(tmp_path, capsys):
    out = tmp_path / "fc.csv"
    options = [
        "--model",
        "lstm",
        "--max-epochs",
        "1",
        "--hidden-size",
        "4",
        "--baselines",
        "snaive",
    ]
    assert main(["forecast", "--quiet", *options, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "bundled dataset 'monthly_short'" in text
    assert "LSTM" in text and "seasonal naive" in text and "sMAPE" in text
    fc = pd.read_csv(out)
    assert fc.columns.tolist() == ["unique_id", "ds", "yhat"] and len(fc) == 12 * 12


def _holdout_table(text):
    lines = text.split("best first:\n")[1].split("\n\n")[0].splitlines()[1:]
    return {line.rsplit(maxsplit=3)[0].strip(): float(line.split()[-3]) for line in lines}


@pytest.mark.slow  # the main job end to end: 17 one-epoch fits and two baselines
def test_forecast_uses_the_automatic_forecaster_and_ranks_the_baselines(tmp_path, capsys):
    path = tmp_path / "data.csv"
    make_panel((30, 24), covariates=False).to_csv(path, index=False)
    options = ["--horizon", "4", "--max-epochs", "1", "--quiet", "--baselines", "theta", "snaive"]
    assert main(["forecast", str(path), *options]) == 0
    text = capsys.readouterr().out
    assert "AutoRNNForecaster: 2 series" in text and "median of" in text
    table = _holdout_table(text)
    assert set(table) == {"tsrnn auto", "Theta", "seasonal naive"}
    assert list(table.values()) == sorted(table.values())  # best (lowest sMAPE) first


def test_network_options_do_not_apply_to_the_automatic_forecaster(tmp_path, capsys):
    path = tmp_path / "long.csv"
    path.write_text(LONG)
    err = _fails_with_usage_error(
        ["forecast", str(path), "--horizon", "3", "--hidden-size", "4"], capsys
    )
    assert "--hidden-size set(s) the network of --model lstm, gru or rnn" in err


def test_forecast_on_a_csv_with_covariates(tmp_path, capsys):
    path = tmp_path / "data.csv"
    make_panel().to_csv(path, index=False)
    assert (
        main(
            [
                "forecast",
                str(path),
                "--horizon",
                "3",
                "--model",
                "gru",
                "--quiet",
                "--max-epochs",
                "1",
                "--context-length",
                "6",
                "--baselines",
                "snaive",
            ]
        )
        == 0
    )
    assert "GRU" in capsys.readouterr().out


LONG = "unique_id,ds,y\n" + "".join(f"a,2020-{m:02d}-01,{m}\n" for m in range(1, 13))
BAD_FILES = {
    "missing": (None, "Cannot read {path}: No such file or directory"),
    "binary": (bytes(range(256)) * 4, "{path} is not a well-formed CSV file"),
    "utf16": ("unique_id,ds,y\n".encode("utf-16"), "{path} is not a text CSV file"),
    "empty": (b"", "{path} is empty; expected a CSV with a header row"),
    "header only": (b"unique_id,ds,y\n", "{path} has a header but no rows"),
    "wide table": (
        b"date,a,b\n2020-01-01,1,2\n",
        "{path} has no series-id column 'unique_id' and no time column 'ds' and no target "
        "column 'y'; its columns are ['date', 'a', 'b']",
    ),
    "no target": (b"unique_id,ds,sales\na,2020-01-01,1\n", "{path} has no target column 'y'"),
    "not times": (
        b"unique_id,ds,y\na,2020-01-01,1\na,soon,2\n",
        "{path}: time column 'ds' holds a value that is not a time, 'soon' on line 3",
    ),
}


def _bad_file(tmp_path, case):
    path = tmp_path / "data.csv"
    content, message = BAD_FILES[case]
    if content is not None:
        path.write_bytes(content)
    return str(path), message.format(path=path)


def _fails_with_usage_error(argv, capsys) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "error: " in err and "Traceback" not in err
    return err


@pytest.mark.parametrize("case", list(BAD_FILES))
@pytest.mark.parametrize("command", ["forecast", "tune"])
def test_an_unreadable_csv_is_a_one_line_error(command, case, tmp_path, capsys):
    path, message = _bad_file(tmp_path, case)
    err = _fails_with_usage_error([command, path, "--quiet"], capsys)
    assert err.startswith("error: ") and message in err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--id-col", "store"], "has no series-id column 'store'; its columns are"),
        (["--target-col", "sales"], "has no target column 'sales'"),
        (["--time-col", "unique_id"], "time column 'unique_id' holds a value that is not a time"),
        (["--horizon", "0"], "argument --horizon: must be an integer >= 1, got 0"),
        (["--horizon", "-3"], "argument --horizon: must be an integer >= 1, got -3"),
    ],
)
def test_bad_forecast_options_are_one_line_errors(options, message, tmp_path, capsys):
    path = tmp_path / "long.csv"
    path.write_text(LONG)
    err = _fails_with_usage_error(["forecast", str(path), "--quiet", *options], capsys)
    assert message in err


def test_the_console_script_prints_no_traceback_for_a_bad_csv(tmp_path):
    path, message = _bad_file(tmp_path, "binary")
    done = subprocess.run(
        [sys.executable, "-m", "tsrnn.cli", "forecast", path],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {message}") and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["forecast", "--out", "{tmp}/missing/forecast.csv"], "its folder does not exist"),
        (["forecast", "--out", "{tmp}"], "is a folder; pass a file name"),
        (
            ["benchmark", "csv", "{csv}", "--horizon", "2", "--out", "{csv}"],
            "is a file; pass a folder",
        ),
    ],
)
def test_an_unwritable_out_is_a_one_line_error_before_any_fit(argv, message, tmp_path, capsys):
    csv = tmp_path / "long.csv"
    csv.write_text(LONG)
    argv = [a.format(tmp=tmp_path, csv=csv) for a in argv]
    err = _fails_with_usage_error([*argv, "--quiet"], capsys)
    assert message in err


def test_a_closed_pipe_ends_quietly(tmp_path, monkeypatch):
    """``tsrnn forecast data.csv | head -1``: the reader leaves early; no BrokenPipe traceback."""
    import os

    csv = tmp_path / "long.csv"
    csv.write_text(LONG)
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line
    with os.fdopen(write_end, "w") as stdout:
        monkeypatch.setattr(sys, "stdout", stdout)
        code = main(["forecast", str(csv), "--model", "gru", "--horizon", "2", "--quiet"])
        assert code == 1
        print("later output goes nowhere", flush=True)  # stdout now points at the null device
