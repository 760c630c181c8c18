"""Incomplete and irregular series: missing targets, uneven timestamps, time-gap columns.

Two opt-ins of the neural forecasters meet here (the default path never comes here):

- ``missing="mask"``: NaN targets are missing rows. On a regular grid, steps absent from
  the frame become missing rows too, so a series with gaps and the same series with the
  missing rows marked NaN are one and the same panel.
- ``irregular=True``: times may be uneven. The rows are the observations (NaN rows carry
  nothing and are dropped), the time since the previous observation is an input, and the
  ``k``-th future row of a series is its forecast step ``k``.

Either way the panel gains three internal columns after the target and covariates (see
``TIME_COLUMNS``), computed once on the whole history so that any tail of it keeps
what the network needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tsrnn.data.calendar import Calendar, _infer_freq, _likely_grid
from tsrnn.data.frame import check_long_frame, frame_to_panel
from tsrnn.data.panel import Panel
from tsrnn.exceptions import DataValidationError

__all__ = ["TIME_COLUMNS", "IrregularCalendar", "time_aware_panel", "with_time_columns"]

#: Internal panel columns: the target carried forward from the last observation, the
#: time since the last observation before the row, and the time since the previous row
#: (times in units of the typical gap; 1 on a regular grid).
TIME_COLUMNS = ("_filled", "_delta", "_gap")


def _stamps(index: pd.Index) -> np.ndarray:
    """Times as int64 (nanoseconds for datetimes)."""
    if isinstance(index, pd.DatetimeIndex):
        return index.as_unit("ns").asi8
    return np.asarray(index, dtype=np.int64)


@dataclass(frozen=True)
class IrregularCalendar(Calendar):
    """Calendar of series observed at uneven times.

    ``freq[i]`` is the rule for series ``i``'s future times: a regular step after the
    last observation, or None (future times must be given explicitly).

    Parameters
    ----------
    ids, last_time, freq
        As in ``tsrnn.data.calendar.Calendar``.
    unit : float
        The time unit of the gap features: the median gap between consecutive
        observations (nanoseconds for datetimes).

    Examples
    --------
    >>> cal = IrregularCalendar(np.array(["a"], dtype=object), pd.Index([10]), [None], 2.0)
    >>> cal.locate(np.array([0, 0]), pd.Index([15, 11]), horizon=3).tolist()
    [2, 1]
    >>> cal.elapsed(np.array([0, 0]), pd.Index([15, 11])).tolist()
    [2.5, 0.5]
    """

    unit: float = 1.0

    regular = False

    def future(self, position: int, n: int) -> pd.Index:
        """The next ``n`` times on the series' future step, with a clear error without one."""
        if self.freq[position] is None:
            raise DataValidationError(
                f"Series {self.ids[position]!r} has irregular timestamps, so its future times "
                "are unknown: pass them explicitly (predict(X_future), or forecast(X=...) with "
                "the future rows of every series), or set freq= to forecast on a regular step "
                "after the last observation."
            )
        return super().future(position, n)

    def locate(self, positions: np.ndarray, times: pd.Index, horizon: int) -> np.ndarray:
        """Step of each row: the ``k``-th distinct future time of a series is step ``k``."""
        steps = np.empty(len(positions), dtype=np.int64)
        for p in np.unique(positions):
            rows = np.flatnonzero(positions == p)
            t = pd.Index(times[rows])
            early = np.flatnonzero(np.asarray(t <= self.last_time[p]))
            if len(early):
                raise DataValidationError(
                    f"Row {rows[early[0]]} (series {self.ids[p]!r}, time {t[early[0]]}) is not "
                    f"after the end of its history ({self.last_time[p]}); predict forecasts "
                    "future rows only."
                )
            distinct = t.unique().sort_values()
            if len(distinct) > horizon:
                raise DataValidationError(
                    f"Series {self.ids[p]!r} has {len(distinct)} future rows but the model "
                    f"forecasts {horizon} steps; with irregular timestamps the k-th future row "
                    f"is step k, so the last forecastable row is the {horizon}-th "
                    f"({distinct[horizon - 1]}). Refit with a larger horizon or drop the rows."
                )
            steps[rows] = distinct.get_indexer(t) + 1
        return steps

    def elapsed(self, positions: np.ndarray, times: pd.Index) -> np.ndarray:
        """Time from each series' last observation to ``times``, in units."""
        last = _stamps(pd.Index(self.last_time[positions]))
        return (_stamps(pd.Index(times)) - last) / self.unit

    def extend(self, other: Calendar) -> IrregularCalendar:
        """Append the series of ``other`` (new ids) after these."""
        base = super().extend(other)
        return IrregularCalendar(base.ids, base.last_time, base.freq, self.unit)


def time_aware_panel(
    frame: pd.DataFrame,
    *,
    id_col: str,
    time_col: str,
    target_col: str,
    covariates: Sequence[str],
    freq: Any,
    irregular: bool,
    missing: str,
) -> tuple[Panel, Calendar]:
    """Validate ``frame`` and build the panel (with ``TIME_COLUMNS``) and its calendar.

    Examples
    --------
    >>> df = pd.DataFrame({"unique_id": "a", "ds": [1, 2, 4, 7], "y": [1.0, None, 3.0, 4.0]})
    >>> panel, cal = time_aware_panel(df, id_col="unique_id", time_col="ds", target_col="y",
    ...     covariates=[], freq=None, irregular=True, missing="mask")
    >>> panel.columns, panel.values[:, 3].tolist(), cal.unit
    (('y', '_filled', '_delta', '_gap'), [1.0, 1.0, 1.0], 3.0)
    """
    order = check_long_frame(
        frame,
        id_col=id_col,
        time_col=time_col,
        target_col=target_col,
        covariates=covariates,
        allow_missing_target=missing == "mask",
    )
    ordered = frame.iloc[order].reset_index(drop=True)
    if irregular:
        ordered = ordered[ordered[target_col].notna().to_numpy()]
    else:
        ordered = _fill_grid(ordered, id_col, time_col, target_col, list(covariates), freq)
    ordered = _drop_leading_missing(ordered, id_col, target_col)
    columns = [target_col, *covariates]
    panel, times = frame_to_panel(
        ordered, np.arange(len(ordered)), id_col=id_col, time_col=time_col, columns=columns
    )
    if not irregular:
        calendar = Calendar.from_times(panel.ids, times, panel.indptr, freq=freq)
        return with_time_columns(panel, np.ones(len(times))), calendar
    if not isinstance(times, pd.DatetimeIndex) and isinstance(freq, str):
        raise DataValidationError(
            f"freq={freq!r} is a calendar frequency but the time column holds integers; pass "
            "an integer step (e.g. freq=1) or datetimes."
        )
    raw = np.diff(_stamps(times)).astype(np.float64)
    within = np.ones(len(times), dtype=bool)
    within[panel.indptr[:-1]] = False  # first row of each series
    inner = raw[within[1:]]
    unit = float(np.median(inner)) if len(inner) else 1.0
    gap = np.ones(len(times))
    gap[within] = inner / unit
    calendar = IrregularCalendar(
        panel.ids, times[panel.indptr[1:] - 1], [freq] * panel.n_series, unit
    )
    return with_time_columns(panel, gap), calendar


def with_time_columns(panel: Panel, gap: np.ndarray) -> Panel:
    """Append ``TIME_COLUMNS`` to a panel whose target may be NaN (never in a first row).

    Examples
    --------
    >>> p = Panel(np.array([[1.0], [np.nan], [np.nan], [4.0]], dtype="float32"),
    ...           np.array([0, 4]), np.array(["a"], dtype=object), ("y",))
    >>> with_time_columns(p, np.ones(4)).values[:, 1:].tolist()
    [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 2.0, 1.0], [4.0, 3.0, 1.0]]
    """
    target = panel.values[:, 0].astype(np.float64)
    observed = ~np.isnan(target)
    clock = np.cumsum(gap)  # increasing over the whole panel
    series = np.repeat(np.arange(panel.n_series), panel.lengths)
    origin = (clock - gap)[panel.indptr[:-1]][series]  # one gap before each series starts
    last_seen = np.maximum.accumulate(np.where(observed, clock, -np.inf))
    before = np.maximum(np.r_[-np.inf, last_seen[:-1]], origin)  # last observation before row
    delta = clock - before
    index = np.maximum.accumulate(np.where(observed, np.arange(len(target)), 0))
    filled = target[index]
    extra = np.stack([filled, delta, gap], axis=1).astype(np.float32)
    values = np.concatenate([panel.values, extra], axis=1)
    return Panel(values, panel.indptr, panel.ids, (*panel.columns, *TIME_COLUMNS))


def _series_step(times: pd.Index, freq: Any) -> Any:
    """The grid step of one series with gaps: given, inferred, or the most common run."""
    if freq is not None:
        return freq
    if isinstance(times, pd.DatetimeIndex):
        step = _infer_freq(times) if len(times) >= 3 else None
        return step if step is not None else _likely_grid(times)[0]
    diffs = np.diff(np.asarray(times, dtype=np.int64))
    return int(np.gcd.reduce(diffs))


def _fill_grid(
    ordered: pd.DataFrame,
    id_col: str,
    time_col: str,
    target_col: str,
    covariates: list[str],
    freq: Any,
) -> pd.DataFrame:
    """Insert NaN-target rows at the grid steps a series skips (``missing="mask"``)."""
    codes = pd.factorize(ordered[id_col], sort=False)[0]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else []
    bounds = np.append(starts, len(ordered)).astype(np.int64)
    times = pd.Index(ordered[time_col])
    grids, ids, complete = [], [], True
    for s, e in zip(bounds[:-1], bounds[1:], strict=True):
        t = times[s:e]
        if len(t) < 3 and freq is None:
            grids.append(t)  # too short to tell; the calendar checks it against the others
        else:
            step = _series_step(t, freq)
            if isinstance(t, pd.DatetimeIndex):
                grids.append(pd.date_range(t[0], t[-1], freq=step))
            else:
                grids.append(pd.Index(np.arange(t[0], t[-1] + 1, int(step))))
        ids.append(np.repeat(ordered[id_col].iloc[s], len(grids[-1])))
        complete = complete and grids[-1].equals(t)
    if complete:
        return ordered
    full = pd.DataFrame(
        {id_col: np.concatenate(ids), time_col: grids[0].append(grids[1:]) if grids else []}
    )
    merged = full.merge(ordered, on=[id_col, time_col], how="left", indicator="_merge_")
    found = (merged["_merge_"] == "both").to_numpy()
    if found.sum() < len(ordered):
        on_grid = ordered.set_index([id_col, time_col]).index.isin(
            merged.loc[found].set_index([id_col, time_col]).index
        )
        row = ordered.iloc[int(np.flatnonzero(~on_grid)[0])]
        raise DataValidationError(
            f"Series {row[id_col]!r} has a timestamp ({row[time_col]}) off its regular grid. "
            "With missing='mask' absent steps become missing values, but uneven times need "
            "irregular=True; or pass freq= if the grid was inferred wrongly."
        )
    if covariates:
        where = merged.loc[~found].iloc[0]
        raise DataValidationError(
            f"Series {where[id_col]!r} skips the step {where[time_col]}, and the model has "
            f"covariates {covariates} whose values there are unknown: give the missing rows "
            "explicitly, with a NaN target and their covariate values."
        )
    return merged.drop(columns="_merge_")


def _drop_leading_missing(ordered: pd.DataFrame, id_col: str, target_col: str) -> pd.DataFrame:
    """Drop each series' rows before its first observation; every series needs one."""
    observed = ordered[target_col].notna()
    seen = observed.groupby(ordered[id_col], sort=False).cummax().to_numpy(dtype=bool)
    empty = ~observed.groupby(ordered[id_col], sort=False).any()
    if empty.any():
        raise DataValidationError(
            f"Series {list(empty.index[empty.to_numpy()][:5])} have no observed target; drop "
            "them (there is nothing to learn or forecast from)."
        )
    return ordered if seen.all() else ordered[seen]
