"""The frames ``forecast()`` returns, built from cached arrays instead of per-call pandas work.

A forecast frame holds ``id_col``, ``time_col`` and ``yhat`` for the next ``steps`` stamps of
every series. :class:`ForecastFrames` builds one template frame per ``steps`` over numpy
buffers it owns, refills the time buffer from the calendar's future grid when the calendar
moved on and the ``yhat`` buffer on every call, and hands out a deep copy (the caller owns
it; :func:`~tsrnn.data.frame_blocks.copy_frame`). Anything the template cannot hold
(tz-aware times, a calendar without a vectorised grid) takes
:func:`~tsrnn.data.frame.future_rows`, the general path.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tsrnn.data.frame import future_rows
from tsrnn.data.frame_blocks import copy_frame
from tsrnn.exceptions import DataValidationError

__all__ = ["ForecastFrames", "explicit_future_rows"]


class _Template:
    """One frame over buffers this object owns (``times`` as int64 units, ``yhat``)."""

    def __init__(self, calendar: Any, steps: int, id_col: str, time_col: str) -> None:
        self.key, self.calendar, self.frame = (calendar.ids, id_col, time_col), None, None
        like = calendar.last_time
        if isinstance(like, pd.DatetimeIndex):
            if like.tz is not None:
                return
            stamps = np.zeros(calendar.n_series * steps, dtype=f"datetime64[{like.unit}]")
        elif pd.api.types.is_integer_dtype(like.dtype):
            stamps = np.zeros(calendar.n_series * steps, dtype=np.int64)
        else:
            return
        self.times, self.yhat = stamps.view(np.int64), np.zeros(len(stamps))
        ids = calendar.id_index.repeat(steps)
        frame = pd.DataFrame({id_col: ids, time_col: stamps, "yhat": self.yhat}, copy=False)
        if np.shares_memory(frame[time_col].to_numpy(), stamps) and np.shares_memory(
            frame["yhat"].to_numpy(), self.yhat
        ):
            self.frame = frame  # else pandas copied the buffers: the general path

    def fill(self, calendar: Any, steps: int, values: np.ndarray) -> pd.DataFrame | None:
        if self.calendar is not calendar:
            grid = calendar.future_units(None, steps)
            if grid is None:
                return None
            self.times.reshape(-1, steps)[...] = grid
            self.calendar = calendar
        self.yhat.reshape(values.shape)[...] = values
        return copy_frame(self.frame)


class ForecastFrames:
    """``forecast()`` frames of one estimator, one template per number of steps.

    Examples
    --------
    >>> from tsrnn.data.calendar import Calendar
    >>> cal = Calendar(np.array(["a", "b"], dtype=object), pd.Index([10, 20]), [1, 5])
    >>> ForecastFrames().frame(cal, 2, np.ones((2, 2)), id_col="id", time_col="t")["t"].tolist()
    [11, 12, 25, 30]
    """

    def __init__(self) -> None:
        self._templates: dict[int, _Template] = {}

    def frame(
        self, calendar: Any, steps: int, values: np.ndarray, *, id_col: str, time_col: str
    ) -> pd.DataFrame:
        """Rows ``id_col``, ``time_col``, ``yhat`` of the next ``steps`` stamps of ``calendar``.

        ``values`` is ``(n_series, steps)``: the forecasts, in the calendar's series order.
        """
        template = self._templates.get(steps)
        key = template.key if template is not None else None
        if key is None or key[0] is not calendar.ids or key[1:] != (id_col, time_col):
            template = self._templates[steps] = _Template(calendar, steps, id_col, time_col)
        out = None if template.frame is None else template.fill(calendar, steps, values)
        if out is None:
            out = future_rows(calendar, steps, id_col=id_col, time_col=time_col)
            out["yhat"] = np.asarray(values, dtype=np.float64).ravel()
        return out


def explicit_future_rows(
    given: pd.DataFrame, calendar: Any, steps: int, *, id_col: str, time_col: str, keep: list
) -> pd.DataFrame:
    """The first ``steps`` rows of every series of ``calendar`` in ``given`` (irregular times).

    ``keep`` lists the columns to keep (the id, the time and the known-future covariates).
    """
    lacking = [c for c in keep if c not in given.columns]
    if lacking:
        raise DataValidationError(f"forecast(X=...) lacks the column(s) {lacking}.")
    rows = given[keep].drop_duplicates([id_col, time_col])
    rows = rows.sort_values([id_col, time_col], kind="stable")
    rows = rows.groupby(id_col, sort=False).head(steps)
    counts = rows.groupby(id_col, sort=False).size()
    counts = counts.reindex(pd.Index(calendar.ids), fill_value=0)
    short = counts[counts < steps]
    if len(short):
        raise DataValidationError(
            f"forecast(X=...) must give the next {steps} future time(s) of every series; "
            f"series {list(short.index[:5])} have {short.tolist()[:5]} row(s). Give them "
            "all, or use predict(X_future) for a subset of series."
        )
    order = pd.Index(calendar.ids).get_indexer(rows[id_col])
    rows = rows.iloc[np.argsort(order, kind="stable")]
    return rows[rows[id_col].isin(calendar.ids)].reset_index(drop=True)
