"""Per-series time bookkeeping: frequency, last observed time, future stamps."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from tsrnn.data.fixed_steps import (
    _as_units,
    _from_units,
    advance_last,
    future_grid,
    locate_steps,
)
from tsrnn.exceptions import DataValidationError

__all__ = ["Calendar"]

# Future stamps a calendar keeps per series beyond those asked (so that calendars moved on
# one step at a time share them), at most _AHEAD_CELLS stamps in all.
_AHEAD, _AHEAD_CELLS = 64, 1 << 21


@dataclass(frozen=True)
class _Lookahead:
    """Future stamps (int64 units) of every series; series ``i`` has used ``offset[i]``."""

    units: np.ndarray  # [n_series, width]
    offset: np.ndarray  # [n_series]
    used: int  # offset.max()

    def left(self) -> int:
        return self.units.shape[1] - self.used


def _infer_freq(times: pd.DatetimeIndex) -> str | None:
    """``pd.infer_freq`` as a string, on pandas versions returning strings or offsets."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.filterwarnings("ignore", message=".*infer_freq.*")
        freq = pd.infer_freq(times)
    return getattr(freq, "freqstr", freq)


def _series_freq(times: pd.Index, series_id: Any, freq: Any) -> Any:
    """Return the (given or inferred) step of one series, checking it is regular."""
    if len(times) < 2:
        return freq
    if isinstance(times, pd.DatetimeIndex):
        if freq is None and len(times) >= 3:
            freq = _infer_freq(times)
            if freq is None:
                _raise_irregular(times, series_id, *_likely_grid(times))
        if freq is not None:
            expected = pd.date_range(times[0], periods=len(times), freq=freq)
            if not expected.equals(times):
                _raise_irregular(times, series_id, freq, expected)
        return freq
    diffs = np.diff(times.to_numpy())
    values, counts = np.unique(diffs, return_counts=True)
    step = int(freq) if freq is not None else int(values[counts.argmax()])
    if step <= 0 or (diffs != step).any():
        _raise_irregular(times, series_id, step, times[0] + step * np.arange(len(times)))
    return step


def _likely_grid(times: pd.DatetimeIndex) -> tuple[Any, Any]:
    """The step most short runs of an irregular series follow, and the grid it implies."""
    runs = [_infer_freq(times[i : i + 3]) for i in range(min(len(times) - 2, 50))]
    runs = [r for r in runs if r is not None]
    if runs:
        freq = max(set(runs), key=runs.count)
        return freq, pd.date_range(times[0], periods=len(times), freq=freq)
    step = pd.Series(times).diff().mode().iloc[0]
    return step, times[0] + step * np.arange(len(times))


def _raise_irregular(times: pd.Index, series_id: Any, freq: Any, expected: Any) -> None:
    at = int(np.flatnonzero(np.asarray(times) != np.asarray(expected))[0])
    raise DataValidationError(
        f"Series {series_id!r} has irregular timestamps: observation {at} is at {times[at]}, "
        f"but a regular step of {freq} from {times[0]} puts it at {expected[at]}. tsrnn needs "
        "a regular frequency: resample (df.resample), fill the gaps, or pass freq= explicitly. "
        "Neural forecasters can also take missing steps as missing values (missing='mask') or "
        "uneven times as they are (irregular=True)."
    )


def _longest_series_freq(index: pd.Index, indptr: np.ndarray) -> Any:
    """Frequency of the longest series, the likely step of the whole panel (None if unclear)."""
    i = int(np.argmax(np.diff(indptr))) if len(indptr) > 1 else 0
    times = index[indptr[i] : indptr[i + 1]] if len(indptr) > 1 else index[:0]
    if len(times) < 3:
        return None
    if isinstance(times, pd.DatetimeIndex):
        return _infer_freq(times)
    diffs = np.diff(times.to_numpy())
    return int(diffs[0]) if diffs[0] > 0 and (diffs == diffs[0]).all() else None


def _on_shared_grid(index: pd.Index, indptr: np.ndarray, freq: Any) -> np.ndarray:
    """Whether each series steps by exactly one ``freq`` between consecutive observations."""
    n = len(indptr) - 1
    if freq is None or len(index) == 0:
        return np.zeros(n, dtype=bool)
    if isinstance(index, pd.DatetimeIndex):
        grid = pd.date_range(index.min(), index.max(), freq=freq)
        if len(grid) > 4 * len(index) + 10_000:  # a sparse panel: check series one by one
            return np.zeros(n, dtype=bool)
        position = grid.get_indexer(index)
    else:
        offset = index.to_numpy() - index.min()
        position = np.where(offset % int(freq) == 0, offset // int(freq), -1)
    series = np.repeat(np.arange(n), np.diff(indptr))
    bad = position < 0
    pair_bad = np.diff(position) != 1
    same_series = series[1:] == series[:-1]
    bad[1:] |= pair_bad & same_series
    return np.bincount(series, weights=bad, minlength=n) == 0


@dataclass(frozen=True)
class Calendar:
    """Frequency and last observed time of every series.

    Parameters
    ----------
    ids : ndarray of object
        Series identifiers, in panel order.
    last_time : pandas Index
        Last observed time of each series.
    freq : list
        Step of each series: a pandas frequency string for datetimes, an int for integer times.
    """

    ids: np.ndarray
    last_time: pd.Index
    freq: list

    #: Whether future times follow from a regular step (see ``tsrnn.data.irregular``).
    regular = True

    @classmethod
    def from_times(
        cls, ids: np.ndarray, times: pd.Series, indptr: np.ndarray, *, freq: Any = None
    ) -> Calendar:
        """Infer each series' frequency from its (grouped, sorted) times.

        The common case (every series regular on one shared grid) is checked with a
        few vectorised operations; other series are inferred and checked one by one.
        """
        index = pd.Index(times)
        if not isinstance(index, pd.DatetimeIndex) and isinstance(freq, str):
            raise DataValidationError(
                f"freq={freq!r} is a calendar frequency but the time column holds integers; "
                "pass an integer step (e.g. freq=1) or datetimes."
            )
        common = freq if freq is not None else _longest_series_freq(index, indptr)
        on_grid = _on_shared_grid(index, indptr, common)
        freqs = [
            common if on_grid[i] else _series_freq(index[indptr[i] : indptr[i + 1]], ids[i], freq)
            for i in range(len(ids))
        ]
        known = {f for f in freqs if f is not None}
        for i, f in enumerate(freqs):
            if f is None:
                if len(known) != 1:
                    raise DataValidationError(
                        f"Cannot infer the frequency of series {ids[i]!r} from "
                        f"{indptr[i + 1] - indptr[i]} observation(s); pass freq= to the estimator "
                        "(e.g. freq='MS' or freq=1)."
                    )
                freqs[i] = next(iter(known))
        return cls(ids, index[indptr[1:] - 1], freqs)

    @property
    def n_series(self) -> int:
        """Number of series."""
        return len(self.ids)

    def __getstate__(self) -> dict:  # noqa: D105
        drop = ("_ahead", "id_index", "id_positions")  # rebuilt on demand
        return {k: v for k, v in vars(self).items() if k not in drop}

    def positions(self, ids: Any, *, action: str = "predict") -> np.ndarray:
        """Map series ids to positions, raising on ids not seen in ``fit``."""
        ids = ids if isinstance(ids, pd.Series) else pd.Index(ids)
        if len(ids) > max(64, self.n_series):  # many rows per series: hash each id once
            codes, uniques = pd.factorize(ids)
            pos = np.where(codes >= 0, self.id_index.get_indexer(uniques)[codes], -1)
        else:
            pos = self.id_index.get_indexer(ids)
        if (pos < 0).any():
            unknown = pd.unique(np.asarray(ids, dtype=object)[pos < 0])
            raise DataValidationError(
                f"Cannot {action} series {list(unknown[:5])}{' ...' if len(unknown) > 5 else ''}: "
                "they were not seen in fit. Give their history first with "
                "update(X_history, y_history), or refit including them."
            )
        return pos

    @cached_property
    def id_index(self) -> pd.Index:
        """The ids as a pandas Index, hashed once per calendar (look-ups, forecast frames)."""
        return pd.Index(self.ids)

    @cached_property
    def id_positions(self) -> dict:
        """``{id: position}``: the look-up of a few ids without building an Index."""
        return {k: i for i, k in enumerate(self.ids.tolist())}

    def ending_at(self, last_time: pd.Index) -> Calendar:
        """The same series and frequencies ending at ``last_time`` (the id look-ups are shared)."""
        moved = replace(self, last_time=last_time, freq=list(self.freq))
        for name in ("id_index", "id_positions"):
            if name in vars(self):
                vars(moved)[name] = vars(self)[name]
        return moved

    def _lookahead(self, n: int) -> _Lookahead | None:
        """The shared future grid with at least ``n`` stamps left per series (None: none)."""
        ahead = vars(self).get("_ahead")
        if ahead is not None and ahead.left() >= n:
            return ahead
        extra = max(0, min(_AHEAD, _AHEAD_CELLS // max(self.n_series, 1) - n))
        grid = future_grid(self.last_time, self.freq, np.arange(self.n_series), n + extra)
        if grid is None:
            return None
        ahead = _Lookahead(grid, np.zeros(self.n_series, dtype=np.int64), 0)
        vars(self)["_ahead"] = ahead
        return ahead

    def future_units(self, positions: np.ndarray | None, n: int) -> np.ndarray | None:
        """``[P, n]`` next stamps (int64 units) of the series at ``positions`` (None: all).

        Read from a grid computed once and shared with the calendars that :meth:`stepped`
        makes (do not write to the result); None where the vectorised path does not apply.
        """
        ahead = self._lookahead(n)
        if ahead is None:
            return None
        if positions is None and ahead.used == 0:
            return ahead.units[:, :n]
        rows = np.arange(self.n_series) if positions is None else np.asarray(positions)
        if ahead.used == 0:
            return ahead.units[rows, :n]
        return ahead.units[rows[:, None], ahead.offset[rows][:, None] + np.arange(n)]

    def next_units(self, positions: np.ndarray) -> np.ndarray | None:
        """The next stamp (int64 units) of each series at ``positions``; None if not vectorised."""
        ahead = self._lookahead(1)
        return None if ahead is None else ahead.units[positions, ahead.offset[positions]]

    def stepped(self, positions: np.ndarray, units: np.ndarray | None = None) -> Calendar | None:
        """The calendar after one more observation of each (distinct) series at ``positions``.

        The streaming step: the new calendar shares this one's future grid (each moved
        series one stamp further) and builds ``last_time`` only when asked. ``units``:
        :meth:`next_units` of ``positions``, if known. None where :meth:`future_units` is.
        """
        ahead = self._lookahead(1) if type(self) in (Calendar, _SteppedCalendar) else None
        if ahead is None:
            return None
        mine = vars(self)
        rows = ahead.offset[positions]
        last = mine.get("_units")
        last = (_as_units(self.last_time) if last is None else last).copy()
        last[positions] = ahead.units[positions, rows] if units is None else units
        offset = ahead.offset.copy()
        offset[positions] = rows + 1
        used = max(ahead.used, int(rows.max()) + 1) if len(positions) else ahead.used
        moved = object.__new__(_SteppedCalendar)  # the fields, without building last_time
        fields = {name: mine[name] for name in ("id_index", "id_positions") if name in mine}
        vars(moved).update(fields, ids=self.ids, freq=self.freq, _units=last,
                           _like=mine.get("_like", mine.get("last_time")),
                           _ahead=_Lookahead(ahead.units, offset, used))  # fmt: skip
        return moved

    @property
    def time_kind(self) -> pd.Index:
        """An Index of this calendar's kind of times (type, unit, tz), without building one."""
        mine = vars(self)
        return mine["_like"] if "_like" in mine else self.last_time  # noqa: SIM401 (lazy)

    def future(self, position: int, n: int) -> pd.Index:
        """The next ``n`` time stamps after the end of series ``position``."""
        last, freq = self.last_time[position], self.freq[position]
        if isinstance(freq, (int, np.integer)):
            return pd.Index(last + freq * np.arange(1, n + 1))
        return pd.date_range(last, periods=n + 1, freq=freq)[1:]

    def future_times(self, n: int) -> pd.Index:
        """The next ``n`` time stamps of every series, series after series."""
        grid = self.future_units(None, n)
        if grid is not None:
            return _from_units(grid.ravel(), self.last_time)
        times = [self.future(p, n) for p in range(self.n_series)]
        return times[0].append(times[1:]) if times else pd.Index([])

    def locate(self, positions: np.ndarray, times: pd.Index, horizon: int) -> np.ndarray:
        """Return the forecast step (1..horizon) of each row, with a clear error otherwise."""
        series, inverse = np.unique(positions, return_inverse=True)
        grid = self.future_units(series, horizon) if len(positions) else None
        fast = locate_steps(self.last_time, self.freq, positions, times, horizon, grid=grid,
                            inverse=inverse)  # fmt: skip
        if fast is not None:
            return fast
        steps = np.empty(len(positions), dtype=np.int64)
        for p in np.unique(positions):
            rows = np.flatnonzero(positions == p)
            grid = self.future(p, horizon)
            k = grid.get_indexer(times[rows])
            if (k < 0).any():
                self._raise_off_grid(p, rows[k < 0][0], times[rows[k < 0][0]], grid, horizon)
            steps[rows] = k + 1
        return steps

    def _raise_off_grid(self, p: int, row: int, t: Any, grid: pd.Index, horizon: int) -> None:
        sid, last = self.ids[p], self.last_time[p]
        if t <= last:
            msg = (
                f"is not after the end of its history ({last}); predict forecasts future "
                "rows only. Add observations with update() first"
            )
        elif t > grid[-1]:
            msg = (
                f"is past the forecast horizon: the last forecastable time is {grid[-1]} "
                f"(horizon={horizon}). Refit with a larger horizon or drop the row"
            )
        else:
            msg = (
                f"is not on the series' frequency ({self.freq[p]}) grid: expected one of "
                f"{list(grid[:3])}..."
            )
        raise DataValidationError(f"Row {row} (series {sid!r}, time {t}) {msg}.")

    def advance(self, positions: np.ndarray, times: pd.Index, counts: np.ndarray) -> Calendar:
        """Move series forward by new rows that must continue them without gaps."""
        fast = advance_last(self.last_time, self.freq, positions, times, counts)
        if fast is not None:
            return self.ending_at(fast)
        last = self.last_time.copy().to_numpy().copy()
        start = 0
        for p, n in zip(positions, counts, strict=True):
            new = times[start : start + n]
            expected = self.future(p, n)
            if not expected.equals(pd.Index(new)):
                bad = int(np.flatnonzero(np.asarray(expected) != np.asarray(new))[0])
                raise DataValidationError(
                    f"New rows of series {self.ids[p]!r} must continue its history without gaps: "
                    f"expected {expected[bad]}, got {new[bad]}. Pass every observation after "
                    f"{self.last_time[p]} in order."
                )
            last[p] = new[-1]
            start += n
        return Calendar(self.ids, pd.Index(last), list(self.freq))

    def extend(self, other: Calendar) -> Calendar:
        """Append the series of ``other`` (new ids) after these."""
        return Calendar(
            np.concatenate([self.ids, other.ids]),
            self.last_time.append(other.last_time),
            self.freq + other.freq,
        )


class _SteppedCalendar(Calendar):
    """A calendar made by :meth:`Calendar.stepped`: ``last_time`` is built on first use."""

    @cached_property
    def last_time(self) -> pd.Index:  # type: ignore[override]
        """Last observed time of each series."""
        return _from_units(vars(self)["_units"], vars(self)["_like"])


_SEASONS = {"Y": 1, "A": 1, "Q": 4, "M": 12, "W": 52, "D": 7, "B": 5, "h": 24, "H": 24}


def season_length_of(freq: object) -> int:
    """Conventional season length of a pandas frequency (1 when unknown or integer steps).

    Examples
    --------
    >>> [season_length_of(f) for f in ("MS", "QS-OCT", "30min", 1)]
    [12, 4, 48, 1]
    """
    if not isinstance(freq, str):
        return 1
    offset = pd.tseries.frequencies.to_offset(freq)
    if isinstance(offset, pd.offsets.Tick) and offset.nanos < pd.Timedelta("1D").value:
        return max(1, int(pd.Timedelta("1D").value // offset.nanos))  # daily cycle
    prefix = offset.rule_code.split("-")[0].rstrip("ES")
    return _SEASONS.get(prefix[:1] if prefix[:1] in "YAQMWDB" else prefix, 1)
