"""Parquet input: ``tsrnn forecast data.parquet`` and read_long_csv on .parquet files."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import make_panel

from tsrnn.cli import main
from tsrnn.datasets import read_long_csv
from tsrnn.exceptions import DataFileError, DataValidationError

pytest.importorskip("pyarrow", reason="pyarrow not installed: pip install 'tsrnn[parquet]'")
ARGS = ["--horizon", "3", "--quiet", "--max-epochs", "1", "--model", "lstm",
        "--context-length", "6", "--hidden-size", "4"]


def test_forecast_from_parquet_equals_forecast_from_csv(tmp_path, capsys):
    df = make_panel()
    df.to_csv(tmp_path / "data.csv", index=False)
    df.to_parquet(tmp_path / "data.parquet")
    for name in ("data.csv", "data.parquet"):
        assert main(["forecast", str(tmp_path / name), *ARGS,
                     "--out", str(tmp_path / f"{name}.out.csv")]) == 0
    capsys.readouterr()
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "data.csv.out.csv"),
                                  pd.read_csv(tmp_path / "data.parquet.out.csv"))


def test_parquet_keeps_types_and_checks_columns(tmp_path):
    path = tmp_path / "p.pq"
    make_panel(covariates=False).rename(columns={"unique_id": "store"}).to_parquet(path)
    frame = read_long_csv(str(path), id_col="store")
    assert pd.api.types.is_datetime64_any_dtype(frame["ds"]) and len(frame) == 82
    with pytest.raises(DataValidationError, match="no series-id column 'unique_id'"):
        read_long_csv(str(path))


def test_a_bad_parquet_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.parquet"
    bad.write_text("unique_id,ds,y\n")
    with pytest.raises(DataFileError, match="not a readable Parquet file"):
        read_long_csv(str(bad))
    with pytest.raises(DataFileError, match="no such file"):
        read_long_csv(str(tmp_path / "missing.parquet"))
