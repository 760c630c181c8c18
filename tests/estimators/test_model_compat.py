"""Model files written by earlier tsrnn versions still load and forecast as they did.

Every case folder under ``tests/fixtures/models/format<N>/`` holds a model saved with
``save_forecaster`` and the outputs it gave before saving (see
``tests/fixtures/make_model_fixtures.py``). A failure here means users' saved models would
break: fix the loader (an upgrade step in ``tsrnn.persistence``), never the fixtures.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tsrnn import DataValidationError, load_forecaster
from tsrnn.persistence import FORMAT_VERSION, OLDEST_FORMAT_VERSION

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "models"
CASES = sorted(p for p in FIXTURES.glob("format*/*") if p.is_dir())
KEYS = ["unique_id", "ds"]


def read(file: Path) -> pd.DataFrame:
    """A fixture CSV with datetime (or integer) times and float values."""
    frame = pd.read_csv(file)
    if not pd.api.types.is_integer_dtype(frame["ds"]):
        frame["ds"] = pd.to_datetime(frame["ds"])
    return frame.astype({c: float for c in frame.columns if c not in KEYS})


def assert_same_values(got, expected) -> None:
    # Forecasts are recomputed, not read back: neural ones by float32 torch kernels, whose
    # summation order may change with the torch version, BLAS library and CPU; baselines by
    # refitting statsmodels on the stored history. So allow float32 rounding, nothing more.
    np.testing.assert_allclose(np.asarray(got), np.asarray(expected), rtol=1e-6, atol=1e-9)


def assert_forecasts(est, expected: pd.DataFrame, takes_x: bool) -> None:
    out = est.forecast(X=expected.drop(columns="yhat") if takes_x else None)
    # same series and times; string and datetime dtypes vary with the pandas version
    pd.testing.assert_frame_equal(
        out[KEYS].reset_index(drop=True), expected[KEYS], check_dtype=False
    )
    assert_same_values(out["yhat"], expected["yhat"])


def test_every_readable_format_has_fixtures():
    formats = {p.name for p in FIXTURES.iterdir() if p.is_dir()} if FIXTURES.is_dir() else set()
    readable = {f"format{n}" for n in range(OLDEST_FORMAT_VERSION, FORMAT_VERSION + 1)}
    assert readable <= formats, (
        f"{FIXTURES} lacks {sorted(readable - formats)}: after a format change, run "
        "tests/fixtures/make_model_fixtures.py once to write the new format's folder."
    )
    for name in readable:
        assert any((FIXTURES / name).iterdir()), f"{FIXTURES / name} holds no case"


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_saved_model_gives_the_outputs_it_gave_when_saved(case):
    about = json.loads((case / "case.json").read_text())
    est = load_forecaster(case / "model")
    assert type(est).__name__ == json.loads((case / "model" / "config.json").read_text())["class"]
    forecast = read(case / "forecast.csv")
    assert_forecasts(est, forecast, about["forecast_X"])
    rows = read(case / "predict.csv")
    assert_same_values(est.predict(rows.drop(columns="yhat")), rows["yhat"])
    if about["update"]:
        est.update(read(case / "update.csv"))
        assert_forecasts(est, read(case / "forecast_after_update.csv"), about["forecast_X"])
    else:  # time-aware models refuse update() today, loaded or not
        with pytest.raises(DataValidationError, match=r"update\(\) is not supported"):
            est.update(forecast.drop(columns="yhat").assign(y=1.0))
