"""Vectorised calendar arithmetic for series with a fixed step (the streaming fast path).

Integer times, and tz-naive datetimes whose frequency is a fixed duration (``"30min"``,
``"h"``, ...), move by a constant number of units per step, so future stamps, forecast
steps and continuity checks are integer arithmetic over all series at once instead of a
``pd.date_range`` per series. Every function returns None when this does not apply, and
the caller falls back to the general per-series path (which also words the errors).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["advance_last", "fixed_steps", "future_stamps", "locate_steps"]


def _step_units(freq: object, datetimes: bool) -> int | None:
    if not datetimes:
        return int(freq) if isinstance(freq, (int, np.integer)) else None
    if not isinstance(freq, str):
        return None
    offset = pd.tseries.frequencies.to_offset(freq)
    return int(offset.nanos) if isinstance(offset, pd.offsets.Tick) else None


def _as_units(index: pd.Index) -> np.ndarray | None:
    """int64 nanoseconds (tz-naive datetimes) or integers; None for anything else."""
    if isinstance(index, pd.DatetimeIndex):
        return None if index.tz is not None else index.as_unit("ns").asi8
    if pd.api.types.is_integer_dtype(index.dtype):
        return np.asarray(index, dtype=np.int64)
    return None


def fixed_steps(
    last_time: pd.Index, freqs: list, positions: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """Last time and step, as int64 units, of the series at ``positions``; None if not fixed.

    Examples
    --------
    >>> last = pd.DatetimeIndex(["2000-01-01 00:00", "2000-01-01 01:00"])
    >>> fixed_steps(last, ["30min", "h"], np.array([1]))[1].tolist()
    [3600000000000]
    >>> fixed_steps(last, ["MS", "h"], np.array([0, 1])) is None
    True
    """
    units = _as_units(last_time)
    if units is None:
        return None
    datetimes = isinstance(last_time, pd.DatetimeIndex)
    cache: dict = {}
    steps = np.empty(len(positions), dtype=np.int64)
    for i, p in enumerate(positions):
        f = freqs[p]
        step = cache[f] if f in cache else cache.setdefault(f, _step_units(f, datetimes))
        if step is None:
            return None
        steps[i] = step
    return units[positions], steps


def _from_units(values: np.ndarray, like: pd.Index) -> pd.Index:
    if isinstance(like, pd.DatetimeIndex):
        return pd.DatetimeIndex(values.astype("datetime64[ns]")).as_unit(like.unit)
    return pd.Index(values)


def future_stamps(last_time: pd.Index, freqs: list, n: int) -> pd.Index | None:
    """The next ``n`` stamps of every series, series after series; None if not fixed.

    Examples
    --------
    >>> future_stamps(pd.Index([10, 20]), [1, 5], 2).tolist()
    [11, 12, 25, 30]
    """
    fixed = fixed_steps(last_time, freqs, np.arange(len(last_time)))
    if fixed is None:
        return None
    last, step = fixed
    values = (last[:, None] + step[:, None] * np.arange(1, n + 1)).ravel()  # [S * n]
    return _from_units(values, last_time)


def locate_steps(
    last_time: pd.Index, freqs: list, positions: np.ndarray, times: pd.Index, horizon: int
) -> np.ndarray | None:
    """Forecast step (1..horizon) of each row; None if not fixed or any row is off the grid.

    Examples
    --------
    >>> locate_steps(pd.Index([10]), [2], np.array([0, 0]), pd.Index([14, 12]), 3).tolist()
    [2, 1]
    """
    fixed = fixed_steps(last_time, freqs, positions)
    t = _as_units(times)
    if (
        fixed is None
        or t is None
        or isinstance(times, pd.DatetimeIndex) != isinstance(last_time, pd.DatetimeIndex)
    ):
        return None
    last, step = fixed
    delta = t - last
    k = delta // step
    if ((delta % step == 0) & (k >= 1) & (k <= horizon)).all():
        return k
    return None


def advance_last(
    last_time: pd.Index, freqs: list, positions: np.ndarray, times: pd.Index, counts: np.ndarray
) -> pd.Index | None:
    """New last times after ``counts[i]`` rows continue series ``positions[i]`` without gaps.

    ``times`` holds the new rows, series after series. None if not fixed or any row
    breaks continuity (the general path then names it).

    Examples
    --------
    >>> advance_last(pd.Index([10, 20]), [1, 5], np.array([1]), pd.Index([25, 30]),
    ...              np.array([2])).tolist()
    [10, 30]
    """
    fixed = fixed_steps(last_time, freqs, positions)
    t = _as_units(times)
    if (
        fixed is None
        or t is None
        or isinstance(times, pd.DatetimeIndex) != isinstance(last_time, pd.DatetimeIndex)
    ):
        return None
    last, step = fixed
    which = np.repeat(np.arange(len(positions)), counts)
    within = np.arange(len(t)) - np.repeat(np.cumsum(counts) - counts, counts) + 1
    if not np.array_equal(last[which] + step[which] * within, t):
        return None
    values = _as_units(last_time).copy()
    values[positions] = last + step * counts
    return _from_units(values, last_time)
