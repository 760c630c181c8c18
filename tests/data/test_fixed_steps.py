"""The vectorised fixed-step calendar path agrees with the per-series pandas path."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tsrnn.data.calendar import Calendar
from tsrnn.exceptions import DataValidationError

FREQS = ["30min", "h", "15min", "D"]


def _calendar(kind, offsets, freq_idx):
    if kind == "int":
        last = pd.Index(np.array(offsets, dtype=np.int64) * 3)
        freqs = [int(1 + i % 3) for i in freq_idx]
    else:
        last = pd.DatetimeIndex(pd.Timestamp("2020-03-01") + pd.to_timedelta(offsets, unit="h"))
        freqs = [FREQS[i % len(FREQS)] for i in freq_idx]
    ids = np.array([f"s{i}" for i in range(len(offsets))], dtype=object)
    return Calendar(ids, last, freqs)


cal_st = st.tuples(
    st.sampled_from(["int", "datetime"]),
    st.lists(st.integers(0, 500), min_size=1, max_size=5),
).flatmap(
    lambda t: st.tuples(
        st.just(t[0]),
        st.just(t[1]),
        st.lists(st.integers(0, 11), min_size=len(t[1]), max_size=len(t[1])),
    )
)


@given(cal_st, st.integers(1, 4))
def test_future_times_equal_the_per_series_stamps(spec, n):
    cal = _calendar(*spec)
    expected = [cal.future(p, n) for p in range(cal.n_series)]
    got = cal.future_times(n)
    assert got.equals(expected[0].append(expected[1:]))


@given(cal_st, st.integers(1, 4), st.data())
def test_locate_and_advance_agree_with_pandas(spec, horizon, data):
    cal = _calendar(*spec)
    positions = np.array(data.draw(st.lists(st.integers(0, cal.n_series - 1), min_size=1,
                                            max_size=6)))  # fmt: skip
    steps = np.array(data.draw(st.lists(st.integers(1, horizon), min_size=len(positions),
                                        max_size=len(positions))))  # fmt: skip
    times = pd.Index([cal.future(p, horizon)[k - 1] for p, k in zip(positions, steps, strict=True)])
    np.testing.assert_array_equal(cal.locate(positions, times, horizon), steps)
    # continuing rows: every new stamp of each chosen series, in order
    chosen = np.unique(positions)
    counts = np.array([horizon] * len(chosen))
    new = cal.future(chosen[0], horizon).append([cal.future(p, horizon) for p in chosen[1:]])
    moved = cal.advance(chosen, new, counts)
    for p in range(cal.n_series):
        want = cal.future(p, horizon)[-1] if p in chosen else cal.last_time[p]
        assert moved.last_time[p] == want
    assert moved.last_time.dtype == cal.last_time.dtype


@pytest.mark.parametrize("kind", ["int", "datetime"])
def test_errors_still_name_the_row(kind):
    cal = _calendar(kind, [0, 10], [0, 1])
    grid = cal.future(0, 3)
    with pytest.raises(DataValidationError, match="past the forecast horizon"):
        cal.locate(np.array([0]), pd.Index([grid[-1]]), 2)
    with pytest.raises(DataValidationError, match="not after the end"):
        cal.locate(np.array([0]), pd.Index([cal.last_time[0]]), 2)
    with pytest.raises(DataValidationError, match="without gaps"):
        cal.advance(np.array([0]), grid[[0, 2]], np.array([2]))
