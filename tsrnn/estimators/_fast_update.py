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

from typing import Any

import numpy as np
import pandas as pd

from tsrnn.data.panel import Panel
from tsrnn.estimators._forecast_cache import live_cache, weight_versions
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
    if positions is None or not _next_times(calendar, positions, times):
        return False
    moved = calendar.stepped(positions)
    session = None if moved is None else _session(est, positions)
    if session is None:
        return False
    cache = live_cache(est)  # before anything moves: is it still the fitted state's?
    forecasts = session.push(values)  # writes est.state_[positions]
    vars(est)["_cache_sessions"][positions.tobytes()] = (session, _session_key(est, positions))
    context = est.context_
    last = context.values.copy()
    last[context.indptr[positions + 1] - 1] = values.astype(np.float32)
    est.context_ = Panel(last, context.indptr, context.ids, context.columns)
    est.calendar_ = moved
    if cache is not None:
        cache.moved(est, fresh=(positions, forecasts))
    return True


def _same(a: Any, b: Any) -> bool:
    """Whether two column arrays (numpy or pandas extension arrays) hold the same values."""
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and bool((a == b).all())
    return type(a) is type(b) and bool(a.equals(b))


def _columns(est: Any, X: pd.DataFrame) -> list | None:
    """The id, time, target and covariate arrays of ``X``, or None if not the fitted columns."""
    names = X.columns.values
    layout = vars(est).get("_cache_layout")
    if layout is None or not _same(names, layout[0]):
        names = list(names)
        wanted = [est.id_col, est.time_col, est.target_col, *est.covariates_]
        if len(set(names)) != len(names) or sorted(names) != sorted(wanted):
            return None
        layout = (X.columns.values, [names.index(c) for c in wanted])
        vars(est)["_cache_layout"] = layout
    column = getattr(X, "_get_column_array", None)  # the stored array: no Series per column
    if column is None:
        return [X.iloc[:, i].array for i in layout[1]]
    return [column(i) for i in layout[1]]


def _finite_values(columns: list) -> np.ndarray | None:
    """``(n_rows, n_columns)`` float64 of numeric numpy columns, or None (NaN, inf, dtypes)."""
    if not all(isinstance(c, np.ndarray) and c.dtype.kind in "iuf" for c in columns):
        return None
    values = columns[0].astype(np.float64)[:, None] if len(columns) == 1 else (
        np.column_stack(columns).astype(np.float64))  # fmt: skip
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


def _next_times(calendar: Any, positions: np.ndarray, times: Any) -> bool:
    """Whether ``times`` are exactly the next stamps of the series at ``positions``."""
    like = calendar.time_kind
    if isinstance(like, pd.DatetimeIndex):
        if getattr(times, "tz", None) is not None:
            return False
        times = np.asarray(times)
        if times.dtype.kind != "M":
            return False
    elif not (isinstance(times, np.ndarray) and times.dtype.kind in "iu"):
        return False
    expected = calendar.next_units(positions)
    if expected is None:
        return False
    if isinstance(like, pd.DatetimeIndex):
        expected = expected.view(f"datetime64[{like.unit}]")  # numpy compares across units
    return bool((times == expected).all())


def _session_key(est: Any, positions: np.ndarray) -> tuple:
    """What a kept session's step depends on: objects, parameters, and its series' states."""
    objects = (est.network_, est.scaler_, est.state_)
    values = (est.normalize_windows, weight_versions(est.network_))
    return objects, values, est.state_[positions].copy()


def _session(est: Any, positions: np.ndarray) -> StreamSession | None:
    """The kept session of these series if still in step with ``est``; else a new one."""
    sessions = vars(est).setdefault("_cache_sessions", {})
    kept = sessions.get(positions.tobytes())
    if kept is not None and kept[1] is not None:
        session, (objects, values, states) = kept
        now = _session_key(est, positions)
        if (
            all(a is b for a, b in zip(objects, now[0], strict=True))
            and values == now[1]
            and bool((states == now[2]).all())
        ):
            return session
    try:
        session = StreamSession(est, est.calendar_.ids[positions])
    except DataValidationError:
        return None  # the general path words it
    if len(sessions) >= _SESSIONS:
        sessions.pop(next(iter(sessions)))
    sessions[positions.tobytes()] = (session, None)
    return session
