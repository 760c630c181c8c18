"""The fast path of ``update()`` on a stateful model: one next row per known series.

The steady-state call of a stream, ``est.update(frame)`` with one row per known series at
exactly its next time step, the fitted columns, numeric finite values and no separate
``y``, is checked with a few array operations (column layout cached per estimator, ids
through the calendar's ``{id: position}`` dict, the next stamps read from its shared
future grid) and advances the states with a :class:`~tsrnn.estimators.session.StreamSession`
step (kept between calls for the same series while the states are as it left them). The
forecasts of that step go into the forecast cache, so the next ``forecast()`` only builds
its frame. Anything else returns False before changing anything, and the general path
takes the rows (and words the errors).
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np
import pandas as pd

from tsrnn.data.frame_blocks import column_arrays, column_names
from tsrnn.data.panel import Panel
from tsrnn.estimators._forecast_cache import live_cache, state_writes, weight_versions
from tsrnn.estimators.session import StreamSession
from tsrnn.exceptions import DataValidationError

__all__ = ["stream_update"]

_SESSIONS = 8  # sessions kept per estimator (one per set of series)
_DICT_LOOKUP = 32  # up to this many rows, ids are looked up in a dict


def stream_update(est: Any, X: Any) -> bool:
    """Apply ``update(X)`` on the fast path and return True, or return False untouched."""
    calendar = est.calendar_
    if (
        not isinstance(X, pd.DataFrame)
        or not 0 < len(X) <= calendar.n_series
        or est.future_covariates_
        or getattr(est.network_, "output_shape", None) != (est.horizon,)
    ):
        return False
    arrays = _columns(est, X)
    if arrays is None:
        return False
    ids, times, *columns = arrays
    values = _finite_values(columns)
    positions = None if values is None else _positions(est, calendar, ids)
    stamps = None if positions is None else _next_times(calendar, positions, times)
    if stamps is None:
        return False
    moved = calendar.stepped(positions, stamps)
    versions = weight_versions(est.network_)  # once per call: every check below takes them
    session = None if moved is None else _session(est, positions, versions)
    if session is None:
        return False
    cache = live_cache(est, versions=versions)  # before anything moves: the fitted state's?
    forecasts = session.push(values)  # writes est.state_[positions]
    vars(est)["_cache_sessions"][positions.tobytes()] = (
        session, _session_key(est, positions, versions))  # fmt: skip
    context = est.context_
    last = context.values.copy()
    last[context.indptr[positions + 1] - 1] = values.astype(np.float32)
    est.context_ = Panel(last, context.indptr, context.ids, context.columns)
    est.calendar_ = moved
    if cache is not None:
        cache.moved(est, fresh=(positions, forecasts), versions=versions)
    return True


def _same(a: Any, b: Any) -> bool:
    """Whether two column arrays (numpy or pandas extension arrays) hold the same values."""
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and bool((a == b).all())
    return type(a) is type(b) and bool(a.equals(b))


def _columns(est: Any, X: pd.DataFrame) -> list | None:
    """The id, time, target and covariate arrays of ``X``, or None if not the fitted columns."""
    names = column_names(X)
    layout = vars(est).get("_cache_layout")
    if layout is None or names != layout[0]:
        wanted = [est.id_col, est.time_col, est.target_col, *est.covariates_]
        if len(names) != len(wanted) or set(names) != set(wanted):
            return None
        layout = (names, [names.index(c) for c in wanted])
        vars(est)["_cache_layout"] = layout
    return column_arrays(X, layout[1])  # the stored arrays: no Series per column


def _finite_values(columns: list) -> np.ndarray | None:
    """``(n_rows, n_columns)`` float64 of numeric numpy columns, or None (NaN, inf, dtypes)."""
    if not all(isinstance(c, np.ndarray) and c.dtype.kind in "iuf" for c in columns):
        return None
    values = columns[0].astype(np.float64).reshape(-1, 1) if len(columns) == 1 else (
        np.column_stack(columns).astype(np.float64))  # fmt: skip
    if values.size == 1:  # one value: a Python float check
        return values if math.isfinite(values.item()) else None
    return values if np.isfinite(values).all() else None


def _positions(est: Any, calendar: Any, ids: Any) -> np.ndarray | None:
    """Distinct known positions of ``ids``, or None (unknown, missing or repeated ids)."""
    last = vars(est).get("_cache_ids")  # a stream gives the same series call after call
    if last is not None and last[0] is calendar.ids and _same(ids, last[1]):
        return last[2]
    if len(ids) <= _DICT_LOOKUP:
        lookup = calendar.id_positions
        keys = ids.tolist() if isinstance(ids, np.ndarray) else list(ids)
        found = [lookup.get(k, -1) for k in keys]
        if -1 in found or len(set(found)) != len(found):
            return None
        positions = np.array(found, dtype=np.int64)
    else:
        positions = calendar.id_index.get_indexer(ids)
        if (positions < 0).any() or len(np.unique(positions)) != len(positions):
            return None
    vars(est)["_cache_ids"] = (calendar.ids, ids, positions)
    return positions


def _next_times(calendar: Any, positions: np.ndarray, times: Any) -> np.ndarray | None:
    """The next stamps (int64 units) of the series at ``positions`` if ``times`` are them."""
    like = calendar.time_kind
    if isinstance(like, pd.DatetimeIndex):
        if getattr(times, "tz", None) is not None:
            return None
        stored = getattr(times, "_ndarray", None)  # a DatetimeArray's own datetime64 array
        times = stored if isinstance(stored, np.ndarray) else np.asarray(times)
        if times.dtype.kind != "M":
            return None
    elif not (isinstance(times, np.ndarray) and times.dtype.kind in "iu"):
        return None
    units = calendar.next_units(positions)
    if units is None:
        return None
    expected = units.view(f"datetime64[{like.unit}]") if times.dtype.kind == "M" else units
    return units if bool((times == expected).all()) else None  # numpy compares across units


def _session_objects(est: Any) -> tuple:
    """The fitted objects a session's step reads (compared by identity)."""
    return est.network_, est.scaler_, est.state_


def _session_key(est: Any, positions: np.ndarray, versions: tuple[int, ...]) -> tuple:
    """What a kept session's step depends on: objects, parameters, and its series' states."""
    values = (est.normalize_windows, versions)
    return _session_objects(est), values, state_writes(est), est.state_[positions].copy()


def _session(est: Any, positions: np.ndarray, versions: tuple[int, ...]) -> StreamSession | None:
    """The kept session of these series if still in step with ``est``; else a new one.

    In step: the same objects and parameters, and no write to ``state_`` since its last
    push (or, after writes to other series, its series' states as it left them).
    """
    sessions = vars(est).setdefault("_cache_sessions", {})
    kept = sessions.get(positions.tobytes())
    if kept is not None and kept[1] is not None:
        session, (objects, values, writes, states) = kept
        if (
            all(map(operator.is_, objects, _session_objects(est)))
            and values == (est.normalize_windows, versions)
            and (writes == state_writes(est) or bool((states == est.state_[positions]).all()))
        ):
            return session
    try:
        session = StreamSession(est, est.calendar_.ids[positions], _positions=positions)
    except DataValidationError:
        return None  # the general path words it
    if len(sessions) >= _SESSIONS:
        sessions.pop(next(iter(sessions)))
    sessions[positions.tobytes()] = (session, None)
    return session
