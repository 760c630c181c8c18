"""The vectorised calendar path agrees with pandas' own offset arithmetic for every frequency."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tsrnn.data.calendar import Calendar
from tsrnn.data.fixed_steps import future_grid
from tsrnn.exceptions import DataValidationError

FREQS = [
    "MS", "ME", "2MS", "3ME", "QS", "QE", "QS-OCT", "QE-NOV", "YS", "YE", "YS-JUL", "YE-MAR",
    "SMS", "SME", "BMS", "BME", "BQS", "BQE-FEB", "BYS", "BYE", "B", "2B", "C", "bh",
    "W", "W-WED", "2W-FRI", "D", "3D", "h", "30min", "s",
]  # fmt: skip


def _reference(last, freq, n):
    """What pandas says: the next ``n`` stamps after ``last``."""
    return pd.date_range(last, periods=n + 1, freq=freq)[1:]


@st.composite
def calendars(draw):
    """Series on their offsets (each last time a stamp ``pd.date_range`` produces)."""
    n_series = draw(st.integers(1, 6))
    mixed = draw(st.booleans())
    first = draw(st.sampled_from(FREQS))
    freqs = [draw(st.sampled_from(FREQS)) if mixed else first for _ in range(n_series)]
    last = []
    for f in freqs:
        start = pd.Timestamp("1995-01-01") + pd.Timedelta(hours=draw(st.integers(0, 24 * 4000)))
        last.append(pd.date_range(start, periods=draw(st.integers(2, 30)), freq=f)[-1])
    ids = np.array([f"s{i}" for i in range(n_series)], dtype=object)
    return Calendar(ids, pd.DatetimeIndex(last), freqs)


@settings(max_examples=60, deadline=None)
@given(calendars(), st.integers(1, 20))
def test_future_times_equal_pandas_date_range(cal, n):
    expected = [_reference(cal.last_time[p], cal.freq[p], n) for p in range(cal.n_series)]
    got = cal.future_times(n)
    assert got.equals(expected[0].append(expected[1:]))
    grid = future_grid(cal.last_time, cal.freq, np.arange(cal.n_series), n)
    assert grid is not None  # on-offset series never need the per-series path


@settings(max_examples=60, deadline=None)
@given(calendars(), st.integers(1, 12), st.data())
def test_locate_and_advance_equal_pandas(cal, horizon, data):
    rows = data.draw(
        st.lists(
            st.tuples(st.integers(0, cal.n_series - 1), st.integers(1, horizon)),
            min_size=1,
            max_size=8,
        )
    )
    positions = np.array([p for p, _ in rows])
    steps = np.array([k for _, k in rows])
    times = pd.DatetimeIndex(
        [_reference(cal.last_time[p], cal.freq[p], horizon)[k - 1] for p, k in rows]
    )
    np.testing.assert_array_equal(cal.locate(positions, times, horizon), steps)
    chosen = np.unique(positions)
    counts = np.array([data.draw(st.integers(1, horizon)) for _ in chosen])
    new = [
        _reference(cal.last_time[p], cal.freq[p], c) for p, c in zip(chosen, counts, strict=True)
    ]
    moved = cal.advance(chosen, new[0].append(new[1:]), counts)
    for p in range(cal.n_series):
        if p in chosen:
            expected = _reference(cal.last_time[p], cal.freq[p], counts[chosen == p][0])[-1]
        else:
            expected = cal.last_time[p]
        assert moved.last_time[p] == expected


@pytest.mark.parametrize("freq", ["ME", "QS-OCT", "B", "W-SUN", "YE"])
def test_off_grid_rows_name_the_row(freq):
    last = pd.date_range("2001-01-01", periods=3, freq=freq)[-1]
    cal = Calendar(np.array(["a"], dtype=object), pd.DatetimeIndex([last]), [freq])
    between = last + pd.Timedelta(hours=7)  # never on a day-or-coarser offset
    with pytest.raises(DataValidationError, match="Row 1 .*not on the series' frequency"):
        cal.locate(np.array([0, 0]), pd.DatetimeIndex([_reference(last, freq, 1)[0], between]), 4)
    with pytest.raises(DataValidationError, match="must continue its history without gaps"):
        cal.advance(np.array([0]), pd.DatetimeIndex([_reference(last, freq, 2)[1]]), np.array([1]))


def test_a_last_time_off_its_offset_falls_back_to_pandas():
    # a single observation given with freq="ME" on the 15th: pandas rolls forward first
    cal = Calendar(np.array(["a", "b"], dtype=object),
                   pd.DatetimeIndex(["2001-01-15", "2001-01-31"]), ["ME", "ME"])  # fmt: skip
    assert future_grid(cal.last_time, cal.freq, np.arange(2), 2) is None
    expected = _reference(pd.Timestamp("2001-01-15"), "ME", 2).append(
        _reference(pd.Timestamp("2001-01-31"), "ME", 2)
    )
    assert cal.future_times(2).equals(expected)


def test_tz_aware_calendar_offsets_take_the_per_series_path():
    last = pd.DatetimeIndex(["2001-03-01"], tz="Europe/Paris")
    cal = Calendar(np.array(["a"], dtype=object), last, ["MS"])
    assert future_grid(cal.last_time, cal.freq, np.arange(1), 3) is None
    assert cal.future_times(3).equals(_reference(last[0], "MS", 3))
