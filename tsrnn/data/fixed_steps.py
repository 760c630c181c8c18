"""Vectorised calendar arithmetic: future stamps of many series at once, for every frequency.

Integer times and fixed durations (``"30min"``, ``"h"``, ...) move by a constant number of
units per step: integer arithmetic. Calendar offsets (months, quarters, years with start or
end anchors, business days, week anchors, semi-months, business hours, ...) follow the
chain that ``pd.date_range`` walks: each stamp's successor depends on the stamp only, so the
next ``n`` stamps of every series are a slice of *one* ``pd.date_range`` over the span of
the series' last times (one call per frequency instead of one per series). A last time
that is not on that chain (not on the offset) makes the function return None, and the
caller falls back to the per-series ``pd.date_range`` path, which also words the errors.
Tz-aware calendar offsets (wall-time arithmetic across DST changes) take that path too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["advance_last", "fixed_steps", "future_grid", "future_stamps", "locate_steps"]

# A shared chain longer than this (e.g. minutes over decades) is not worth building.
_MAX_CHAIN = 200_000


def _offset(freq: object) -> pd.DateOffset | None:
    try:
        return pd.tseries.frequencies.to_offset(freq)
    except (TypeError, ValueError):
        return None


def _step_units(freq: object, datetimes: bool, unit: str = "ns") -> int | None:
    """Units per step of a fixed step (ints, Ticks); None for calendar offsets."""
    if not datetimes:
        return int(freq) if isinstance(freq, (int, np.integer)) else None
    if not isinstance(freq, str):
        return None
    offset = _offset(freq)
    if not isinstance(offset, pd.offsets.Tick):
        return None
    per_unit = int(np.timedelta64(1, unit) // np.timedelta64(1, "ns"))
    units, rest = divmod(int(offset.nanos), per_unit)
    return units if units > 0 and rest == 0 else None


def _as_units(index: pd.Index) -> np.ndarray | None:
    """int64 units (tz-naive datetimes in their own unit) or integers; None otherwise."""
    if isinstance(index, pd.DatetimeIndex):
        return None if index.tz is not None else index.asi8
    if pd.api.types.is_integer_dtype(index.dtype):
        return np.asarray(index, dtype=np.int64)
    return None


def fixed_steps(
    last_time: pd.Index, freqs: list, positions: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """Last time and step, as int64 units, of the series at ``positions``; None if not fixed.

    Examples
    --------
    >>> last = pd.DatetimeIndex(["2000-01-01 00:00", "2000-01-01 01:00"]).as_unit("ns")
    >>> fixed_steps(last, ["30min", "h"], np.array([1]))[1].tolist()
    [3600000000000]
    >>> fixed_steps(last, ["MS", "h"], np.array([0, 1])) is None
    True
    """
    units = _as_units(last_time)
    if units is None:
        return None
    datetimes = isinstance(last_time, pd.DatetimeIndex)
    unit = last_time.unit if datetimes else "ns"
    cache: dict = {}
    steps = np.empty(len(positions), dtype=np.int64)
    for i, p in enumerate(positions):
        f = freqs[p]
        step = cache[f] if f in cache else cache.setdefault(f, _step_units(f, datetimes, unit))
        if step is None:
            return None
        steps[i] = step
    return units[positions], steps


def _chain_grid(last: np.ndarray, offset: pd.DateOffset, n: int, unit: str) -> np.ndarray | None:
    """``[len(last), n]`` next stamps after each of ``last`` (int64 units) on ``offset``."""
    stride, base = offset.n, offset.base  # k steps of "2MS" are 2k steps of "MS"
    lo, hi = pd.Timestamp(int(last.min()), unit=unit), pd.Timestamp(int(last.max()), unit=unit)
    step = (lo + base) - lo
    if stride < 1 or step <= pd.Timedelta(0) or (hi - lo) / step > _MAX_CHAIN:
        return None
    span = pd.date_range(lo, hi, freq=base, unit=unit)
    if len(span) == 0:
        return None
    tail = pd.date_range(span[-1], periods=n * stride + 1, freq=base, unit=unit)[1:]
    chain = np.concatenate([span.asi8, tail.asi8])
    at = np.searchsorted(chain, last)
    if (at >= len(span)).any() or (chain[np.minimum(at, len(chain) - 1)] != last).any():
        return None  # a last time off the offset: date_range would roll it forward
    return chain[at[:, None] + stride * np.arange(1, n + 1)]


def future_grid(
    last_time: pd.Index, freqs: list, positions: np.ndarray, n: int
) -> np.ndarray | None:
    """The next ``n`` stamps of the series at ``positions`` as int64 units, ``[P, n]``.

    Equals ``pd.date_range(last, periods=n + 1, freq=freq)[1:]`` (or ``last + freq * k``
    for integer times) for every series; None where the vectorised path does not apply.

    Examples
    --------
    >>> last = pd.DatetimeIndex(["2000-01-31", "2000-03-31"]).as_unit("s")
    >>> grid = future_grid(last, ["ME", "ME"], np.array([0, 1]), 2)
    >>> pd.DatetimeIndex(grid.ravel().astype("datetime64[s]")).strftime("%m-%d").tolist()
    ['02-29', '03-31', '04-30', '05-31']
    """
    units = _as_units(last_time)
    if units is None or n < 0:
        return None
    datetimes = isinstance(last_time, pd.DatetimeIndex)
    unit = last_time.unit if datetimes else "ns"
    positions = np.asarray(positions, dtype=np.int64)
    out = np.empty((len(positions), n), dtype=np.int64)
    if len(positions) == 0:
        return out
    codes, groups = _freq_groups(freqs, positions)
    for g, freq in enumerate(groups):
        rows = np.flatnonzero(codes == g) if len(groups) > 1 else slice(None)
        last = units[positions[rows]]
        step = _step_units(freq, datetimes, unit)
        if step is None and not datetimes:
            return None
        if step is not None:
            out[rows] = last[:, None] + step * np.arange(1, n + 1)
            continue
        offset = _offset(freq) if datetimes else None
        if offset is None:
            return None
        grid = _offset_grid(last, offset, n, unit)
        if grid is None:
            return None
        out[rows] = grid
    return out


def _offset_grid(last: np.ndarray, offset: pd.DateOffset, n: int, unit: str) -> np.ndarray | None:
    """:func:`_chain_grid` per time of day (calendar offsets keep it: 01:00 on the 1st, ...)."""
    unique, inverse = np.unique(last, return_inverse=True)
    day = int(np.timedelta64(1, "D") // np.timedelta64(1, unit))
    tod = unique % day
    kinds = np.unique(tod)
    if len(kinds) > 16:
        return None
    grid = np.empty((len(unique), n), dtype=np.int64)
    for k in kinds:
        members = np.flatnonzero(tod == k) if len(kinds) > 1 else slice(None)
        part = _chain_grid(unique[members], offset, n, unit)
        if part is None:
            return None
        grid[members] = part
    return grid[inverse]


def _freq_groups(freqs: list, positions: np.ndarray) -> tuple[np.ndarray, list]:
    """Group code of each position and the distinct frequencies (one, nearly always)."""
    first = freqs[positions[0]]
    if all(f == first for f in freqs):
        return np.zeros(len(positions), dtype=np.int64), [first]
    table: dict = {}
    codes = np.array([table.setdefault(freqs[p], len(table)) for p in positions])
    return codes, list(table)


def _from_units(values: np.ndarray, like: pd.Index) -> pd.Index:
    if isinstance(like, pd.DatetimeIndex):
        return pd.DatetimeIndex(values.astype(f"datetime64[{like.unit}]"))
    return pd.Index(values)


def future_stamps(last_time: pd.Index, freqs: list, n: int) -> pd.Index | None:
    """The next ``n`` stamps of every series, series after series; None if not vectorised.

    Examples
    --------
    >>> future_stamps(pd.Index([10, 20]), [1, 5], 2).tolist()
    [11, 12, 25, 30]
    >>> future_stamps(pd.DatetimeIndex(["2000-03-01"]), ["QS-DEC"], 2).strftime("%Y-%m").tolist()
    ['2000-06', '2000-09']
    """
    grid = future_grid(last_time, freqs, np.arange(len(last_time)), n)
    return None if grid is None else _from_units(grid.ravel(), last_time)


def _same_kind(times: pd.Index, last_time: pd.Index) -> np.ndarray | None:
    t = _as_units(times)
    if t is None or isinstance(times, pd.DatetimeIndex) != isinstance(last_time, pd.DatetimeIndex):
        return None
    if isinstance(times, pd.DatetimeIndex) and times.unit != last_time.unit:
        t = times.as_unit(last_time.unit).asi8
    return t


def locate_steps(
    last_time: pd.Index,
    freqs: list,
    positions: np.ndarray,
    times: pd.Index,
    horizon: int,
    *,
    grid: np.ndarray | None = None,
    inverse: np.ndarray | None = None,
) -> np.ndarray | None:
    """Forecast step (1..horizon) of each row; None if not vectorised or any row is off the grid.

    ``grid`` and ``inverse`` (optional, together): the next ``horizon`` stamps of the
    distinct series of ``positions`` and ``np.unique(positions, return_inverse=True)[1]``.

    Examples
    --------
    >>> locate_steps(pd.Index([10]), [2], np.array([0, 0]), pd.Index([14, 12]), 3).tolist()
    [2, 1]
    """
    t = _same_kind(times, last_time)
    if t is None or len(t) == 0:
        return None if t is None else np.zeros(0, dtype=np.int64)
    if grid is None or inverse is None:
        series, inverse = np.unique(positions, return_inverse=True)
        grid = future_grid(last_time, freqs, series, horizon)
        if grid is None:
            return None
    # Stamps as offsets from each series' first future stamp, series after series on one
    # increasing axis (a stride per series): one searchsorted finds every row's step.
    offsets = grid - grid[:, :1]  # [n_distinct, horizon], increasing along a row
    stride = int(offsets[:, -1].max()) + 1 if len(grid) else 1
    if stride * max(len(grid), 1) >= 2**62:
        return _locate_by_comparison(grid[inverse], t)
    keys = (offsets + stride * np.arange(len(grid))[:, None]).ravel()
    wanted = t - grid[inverse, 0] + stride * inverse
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    if not ((keys[at] == wanted) & (at // horizon == inverse)).all():
        return None
    return at - inverse * horizon + 1


def _locate_by_comparison(grid: np.ndarray, t: np.ndarray) -> np.ndarray | None:
    hit = grid == t[:, None]  # [rows, horizon]; stamps increase along a row
    k = hit.argmax(axis=1)
    if not hit[np.arange(len(t)), k].all():
        return None
    return k + 1


def advance_last(
    last_time: pd.Index, freqs: list, positions: np.ndarray, times: pd.Index, counts: np.ndarray
) -> pd.Index | None:
    """New last times after ``counts[i]`` rows continue series ``positions[i]`` without gaps.

    ``times`` holds the new rows, series after series. None if not vectorised or any row
    breaks continuity (the general path then names it).

    Examples
    --------
    >>> advance_last(pd.Index([10, 20]), [1, 5], np.array([1]), pd.Index([25, 30]),
    ...              np.array([2])).tolist()
    [10, 30]
    """
    t = _same_kind(times, last_time)
    counts = np.asarray(counts, dtype=np.int64)
    if t is None or len(positions) == 0:
        return None
    grid = future_grid(last_time, freqs, positions, int(counts.max()))
    if grid is None:
        return None
    which = np.repeat(np.arange(len(positions)), counts)
    within = np.arange(len(t)) - np.repeat(np.cumsum(counts) - counts, counts)
    if not np.array_equal(grid[which, within], t):
        return None
    values = _as_units(last_time).copy()
    values[positions] = grid[np.arange(len(positions)), counts - 1]
    return _from_units(values, last_time)
