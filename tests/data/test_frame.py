import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tsrnn.data.calendar import Calendar
from tsrnn.data.frame import check_long_frame, frame_to_panel, to_long
from tsrnn.exceptions import DataValidationError

COLS = {"id_col": "unique_id", "time_col": "ds", "target_col": "y"}


@st.composite
def panels(draw):
    lengths = draw(st.lists(st.integers(1, 15), min_size=1, max_size=5))
    freq = draw(st.sampled_from(["D", "MS", "QS", "h"]))
    frames = [
        pd.DataFrame(
            {
                "unique_id": f"s{i}",
                "ds": pd.date_range("2020-01-01", periods=n, freq=freq),
                "y": np.arange(n, dtype=float) + 100 * i,
            }
        )
        for i, n in enumerate(lengths)
    ]
    df = pd.concat(frames, ignore_index=True)
    # interleave the series, keeping time order within each one
    key = draw(st.permutations(range(len(df))))
    df = df.assign(_k=key).sort_values(["ds", "_k"], kind="stable").drop(columns="_k")
    return df.reset_index(drop=True), lengths, freq


@given(panels())
def test_valid_interleaved_panels_round_trip(data):
    df, lengths, freq = data
    order = check_long_frame(df, covariates=[], **COLS)
    panel, times = frame_to_panel(df, order, id_col="unique_id", time_col="ds", columns=["y"])
    assert sorted(panel.lengths.tolist()) == sorted(lengths)
    for i in range(panel.n_series):
        values = panel.series(i)[:, 0]
        assert (np.diff(values) == 1).all()  # each series in time order
    if max(lengths) < 3:  # nothing to infer a frequency from: a clear error asks for freq=
        with pytest.raises(DataValidationError, match="pass freq="):
            Calendar.from_times(panel.ids, times, panel.indptr)
        return
    cal = Calendar.from_times(panel.ids, times, panel.indptr)
    offset = pd.tseries.frequencies.to_offset(freq)
    assert all(pd.tseries.frequencies.to_offset(f) == offset for f in cal.freq)


@given(panels(), st.data())
def test_a_duplicated_row_is_reported_with_its_series(data, draw):
    df, _, _ = data
    row = draw.draw(st.integers(0, len(df) - 1))
    bad = pd.concat([df, df.iloc[[row]]], ignore_index=True)
    with pytest.raises(DataValidationError, match=f"Series '{df.unique_id[row]}' has duplicate"):
        check_long_frame(bad, covariates=[], **COLS)


@given(panels(), st.data())
def test_a_nan_target_is_reported_with_its_row(data, draw):
    df, _, _ = data
    row = draw.draw(st.integers(0, len(df) - 1))
    df.loc[row, "y"] = np.nan
    stamp = df.ds[row].strftime("%Y-%m-%d") if df.ds[row] == df.ds[row].normalize() else df.ds[row]
    with pytest.raises(
        DataValidationError,
        match=rf"1 NaN value \(first at row {row}: series '{df.unique_id[row]}' at {stamp}; 1 "
        r"series\).*missing='mask'",
    ):
        check_long_frame(df, covariates=[], **COLS)


def _zeros_panel():
    ds = pd.date_range("1995-01-01", periods=4, freq="MS")
    return pd.DataFrame(
        {
            "unique_id": np.repeat(["A6", "A7", "A8"], 4),
            "ds": np.tile(ds, 3),
            "y": [1.0, 2, 3, 4, 5, 0, 0, 6, 0, 7, 8, 9],
        }
    )


def test_log_of_zeros_names_the_transform_the_series_and_the_counts():
    df = _zeros_panel()
    with np.errstate(divide="ignore"):
        logged = df.assign(y=np.log(df.y))
    with pytest.raises(DataValidationError) as err:
        check_long_frame(logged, covariates=[], **COLS)
    text = str(err.value)
    assert text.startswith(
        "The target given to fit (column 'y', after any target transform) has 3 -inf values "
        "(first at row 5: series 'A7' at 1995-02-01; 2 series)."
    )
    assert "func=np.log) turns zeros into -inf" in text and "LogTransformer" in text
    assert "interpolate" not in text  # nothing is missing: the hint would mislead


def test_nan_and_both_infinities_are_counted_apart():
    df = _zeros_panel()
    df.loc[[2, 3], "y"] = np.nan
    df.loc[7, "y"] = np.inf
    df.loc[11, "y"] = -np.inf
    with pytest.raises(
        DataValidationError,
        match=r"has 2 NaN, 1 \+inf and 1 -inf values \(first at row 2: series 'A6' at "
        r"1995-03-01; 3 series\)\. .*np\.log.*infinite values.*interpolate",
    ):
        check_long_frame(df, covariates=[], **COLS)
    with pytest.raises(DataValidationError, match=r"given to update .* 1 \+inf value \(") as err:
        check_long_frame(
            df.replace(-np.inf, 1.0),
            covariates=[],
            allow_missing_target=True,
            stage="update",
            **COLS,
        )
    assert "interpolate" not in str(err.value)


def test_masked_nan_is_allowed_but_infinity_never():
    df = _zeros_panel()
    df.loc[1, "y"] = np.nan
    check_long_frame(df, covariates=[], allow_missing_target=True, **COLS)
    df.loc[2, "y"] = -np.inf
    with pytest.raises(DataValidationError, match=r"has 1 -inf value \(first at row 2"):
        check_long_frame(df, covariates=[], allow_missing_target=True, **COLS)


def test_a_bad_covariate_gets_no_target_transform_hint():
    df = _zeros_panel().assign(x=1.0)
    df.loc[4, "x"] = -np.inf
    with pytest.raises(DataValidationError, match="covariate column 'x' has 1 -inf") as err:
        check_long_frame(df, covariates=["x"], **COLS)
    assert "LogTransformer" not in str(err.value) and "infinite values" in str(err.value)


def test_input_forms_normalise_to_the_same_long_frame():
    index = pd.date_range("2020-01-01", periods=4, freq="MS")
    wide = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [5.0, 6, 7, np.nan]}, index=index)
    long = to_long(wide, **COLS)
    assert long.columns.tolist() == ["unique_id", "ds", "y"]
    assert len(long) == 7  # trailing NaN of the shorter series is padding, not data
    series = to_long(wide["a"], **COLS)
    pd.testing.assert_frame_equal(series, long[long.unique_id == "a"].reset_index(drop=True))
    with_y = to_long(long.drop(columns="y"), long["y"].to_numpy(), **COLS)
    pd.testing.assert_frame_equal(with_y, long)
    assert to_long(long, **COLS).equals(long)


def test_missing_id_or_time_column_is_explained():
    with pytest.raises(DataValidationError, match=r"missing the column\(s\) \['ds'\]"):
        to_long(pd.DataFrame({"unique_id": [1], "y": [1.0]}), **COLS)


def test_integer_time_steps_are_inferred():
    df = pd.DataFrame({"unique_id": "a", "ds": [10, 12, 14, 16], "y": 1.0})
    order = check_long_frame(df, covariates=[], **COLS)
    panel, times = frame_to_panel(df, order, id_col="unique_id", time_col="ds", columns=["y"])
    cal = Calendar.from_times(panel.ids, times, panel.indptr)
    assert cal.freq == [2] and cal.future(0, 2).tolist() == [18, 20]


def test_mixed_frequencies_are_inferred_per_series():
    monthly = pd.DataFrame(
        {"unique_id": "m", "ds": pd.date_range("2020-01-01", periods=30, freq="MS")}
    )
    quarterly = pd.DataFrame(
        {"unique_id": "q", "ds": pd.date_range("2020-01-01", periods=8, freq="QS")}
    )
    df = pd.concat([monthly, quarterly], ignore_index=True).assign(y=1.0)
    order = check_long_frame(df, covariates=[], **COLS)
    panel, times = frame_to_panel(df, order, id_col="unique_id", time_col="ds", columns=["y"])
    cal = Calendar.from_times(panel.ids, times, panel.indptr)
    assert cal.freq[0] == "MS" and cal.freq[1].startswith("QS")
    assert cal.future(1, 1)[0] == pd.Timestamp("2022-01-01")


def test_calendar_freq_for_integer_times_is_refused():
    df = pd.DataFrame({"unique_id": "a", "ds": [1, 2, 3], "y": 1.0})
    panel, times = frame_to_panel(
        df, np.arange(3), id_col="unique_id", time_col="ds", columns=["y"]
    )
    with pytest.raises(DataValidationError, match="integer step"):
        Calendar.from_times(panel.ids, times, panel.indptr, freq="MS")
