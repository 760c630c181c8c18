"""Array-level streaming: push one new observation per series, get the next forecasts.

:meth:`StreamingRNNForecaster.update` and :meth:`~StreamingRNNForecaster.forecast` take and
give DataFrames, which costs pandas work on every call. A :class:`StreamSession` does the
same steady-state step on arrays: scale the new row, advance each series' hidden state by
one step of the network, apply the head, undo the scaling. It writes the advanced states
back into the estimator's own ``state_`` (same layout: ``(n_series, parts, layers,
hidden)``) after every step, and :meth:`StreamSession.sync` moves the estimator's calendar
and last observations on, so ``forecast()``/``update()`` continue where the session stopped.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.utils.validation import check_is_fitted

from tsrnn.data.fixed_steps import _from_units, future_grid
from tsrnn.data.panel import Panel
from tsrnn.estimators._forecast_cache import wrote_state
from tsrnn.estimators._numpy_step import _lanes_of, _numpy_weights, _NumpyStep
from tsrnn.exceptions import DataValidationError
from tsrnn.nn.state import state_from_numpy, state_to_numpy

__all__ = ["StreamSession"]

_SUM = np.add.reduce
_BLOCK = 256  # future stamps computed at a time for the order check


class StreamSession:
    """Steady-state streaming over arrays for some (or all) series of a fitted stateful model.

    Parameters
    ----------
    estimator : StreamingRNNForecaster
        A fitted stateful forecaster (``state_`` is advanced in place).
    ids : array-like, optional
        The series of the session, in the order of the rows given to :meth:`push`
        (default: every series, in the estimator's order).

    Attributes
    ----------
    ids : ndarray
        The session's series ids.
    steps : int
        Observations pushed so far (per series).

    Examples
    --------
    >>> import numpy as np
    >>> from tsrnn import StreamingRNNForecaster
    >>> from tsrnn.datasets import load_dataset
    >>> df = load_dataset("monthly_short")
    >>> est = StreamingRNNForecaster(horizon=3, tbptt_steps=24, max_epochs=1, random_state=0)
    >>> session = est.fit(df).session()
    >>> session.push(np.full(12, 4000.0)).shape   # one new value per series -> forecasts
    (12, 3)
    >>> session.sync().forecast().shape            # the estimator continues after them
    (36, 3)
    """

    def __init__(self, estimator: Any, ids: Any = None, *, _positions: Any = None) -> None:
        check_is_fitted(estimator, "state_")
        if estimator.future_covariates_:
            raise DataValidationError(
                "StreamSession does not take known-future covariates yet; use update() and "
                "forecast(X=...) for this model."
            )
        self.estimator = estimator
        calendar = estimator.calendar_
        every = np.arange(calendar.n_series)
        ids = ids if ids is None or isinstance(ids, pd.Series) else np.asarray(ids)
        if _positions is not None:  # looked up already (update()'s fast path)
            self.positions = np.asarray(_positions)
        else:
            self.positions = every if ids is None else calendar.positions(ids)
        self.ids = calendar.ids[self.positions]
        scaler, pos = estimator.scaler_, self.positions
        n_cov = len(estimator.covariates_)
        self._loc = np.column_stack([scaler.target_loc[pos], *[
            np.full(len(pos), scaler.covariate_loc[j]) for j in range(n_cov)]])  # fmt: skip
        self._scale = np.column_stack([scaler.target_scale[pos], *[
            np.full(len(pos), scaler.covariate_scale[j]) for j in range(n_cov)]])  # fmt: skip
        context = estimator.context_.select(pos)
        if (context.lengths == 0).any():
            raise DataValidationError("A series of the session has no history; update() it first.")
        self._last_raw = context.values[context.indptr[1:] - 1].copy()  # [S, F] float32
        self._net = estimator.network_
        self._relative = estimator.normalize_windows
        self._start = calendar.last_time[pos]
        self._grid: np.ndarray | None = None
        self.steps = 0
        self._buf = np.empty(self._loc.shape)  # [S, F] float64: the scaled row
        static = getattr(estimator, "static_", None)  # appended to every step's inputs
        self._static = None if static is None else static[pos]
        weights = None if static is not None else _numpy_weights(self._net)
        self._step: _NumpyStep | None = None
        self._one = False  # one series, no covariates, NumPy step: scalar arithmetic
        if weights is None:  # the torch step, on its own copy of the states
            self._where: slice | np.ndarray = pos
            self._state = state_from_numpy(estimator.state_[pos])
            return
        state, self._where, self._view_of = _lanes_of(estimator.state_, pos)
        self._step = step = _NumpyStep(weights, state)
        self._scales = np.repeat(self._scale[:, :1], step.out.shape[1], axis=1)  # [S, H]
        self._offset = self._loc[:, :1] / self._scale[:, :1]  # loc / scale: the level's part
        if not self._relative:
            step.level[:] = self._offset  # constant
        self._one = self._loc.shape == (1, 1)
        if self._one:
            self._slots = (step.x.reshape(-1), step.level.reshape(-1))  # 1-element views
            self._loc0, self._scale0 = float(self._loc[0, 0]), float(self._scale[0, 0])
            step.head_w *= np.float32(self._scale0)  # its output is the forecast itself

    @property
    def n_series(self) -> int:
        """Series in the session."""
        return len(self.positions)

    def push(self, values: Any, times: Any = None) -> np.ndarray:
        """Take the next observation of every series; return the next ``horizon`` forecasts.

        Parameters
        ----------
        values : array-like of shape (n_series,) or (n_series, 1 + n_covariates)
            The new target (and covariates, in the order seen in ``fit``) of each series.
        times : array-like of shape (n_series,), optional
            Their time stamps: checked to be each series' next step (no gap, in order).

        Returns
        -------
        ndarray of shape (n_series, horizon)
            Forecasts after this observation, in the user's units.
        """
        if self._one and type(values) is np.ndarray and values.size == 1 and values.ndim < 3:
            return self._push_one(float(np.float32(values.item())), times)  # the hot path
        raw = np.asarray(values, dtype=np.float32)
        if raw.ndim == 1:
            raw = raw[:, None]
        if raw.shape != self._loc.shape:
            raise DataValidationError(
                f"push() takes one row per series of the session: shape ({self.n_series},) or "
                f"{self._loc.shape} (target first, then the covariates); got {np.shape(values)}."
            )
        if self._one:
            return self._push_one(raw.item(), times)
        buf = self._buf
        np.subtract(raw, self._loc, out=buf)
        np.divide(buf, self._scale, out=buf)
        if not math.isfinite(_SUM(buf, axis=None)) and not np.isfinite(raw).all():
            self._refuse(int(np.flatnonzero(~np.isfinite(raw).all(axis=1))[0]))
        if times is not None:
            self._check_times(times)
        out = self._advance(buf)
        self._last_raw = raw
        self.steps += 1
        return out

    def _push_one(self, value: float, times: Any) -> np.ndarray:
        """:meth:`push` of one series without covariates: its scaling in Python floats."""
        x = (value - self._loc0) / self._scale0
        if not math.isfinite(x):
            self._refuse(0)
        if times is not None:
            self._check_times(times)
        x_slot, level_slot = self._slots
        x_slot[0] = x
        if self._relative:
            level_slot[0] = value / self._scale0  # the scaled target plus loc / scale
        out = self._step().astype(np.float64)  # the head holds the scale: the forecast
        self._wrote()
        self._last_raw = value
        self.steps += 1
        return out

    def _wrote(self) -> None:
        """Write the states back where they are a copy (or ``state_`` was replaced); count it."""
        if self._view_of is not self.estimator.state_:
            self.estimator.state_[self._where] = self._step.state
        wrote_state(self.estimator)

    def _refuse(self, bad: int) -> None:
        raise DataValidationError(
            f"push() got a non-finite value for series {self.ids[bad]!r}; fill or drop it "
            "before pushing (the stream must stay complete)."
        )

    def _advance(self, buf: np.ndarray) -> np.ndarray:
        """One step from the scaled rows ``buf`` ``[S, F]`` (float64); the forecasts."""
        step = self._step
        if step is not None:
            np.copyto(step.x, buf, casting="same_kind")
            if self._relative:
                np.add(step.x[:, :1], self._offset, out=step.level, casting="same_kind")
            out = np.multiply(step(), self._scales)  # float64, a new array
            self._wrote()
            return out
        scaled = buf.astype(np.float32)
        x = scaled if self._static is None else np.hstack([scaled, self._static])
        with torch.inference_mode():
            self._state = self._net.advance(torch.from_numpy(x[:, None, :]), self._state)
            out = self._net.forecast_from_state(self._state).numpy()  # [S, H]
        self.estimator.state_[self._where] = state_to_numpy(self._state)
        wrote_state(self.estimator)
        out = out.astype(np.float64)  # a new array: the caller keeps it
        if self._relative:  # in float64, as the general path
            out += scaled[:, :1]  # the scaled target (float32 -> float64, exact)
        out *= self._scale[:, :1]
        out += self._loc[:, :1]
        return out

    def _stamps(self, n: int) -> np.ndarray:
        """``[S, n]`` next stamps (int64 units) of the session's series after ``_start``."""
        calendar = self.estimator.calendar_
        freqs = [calendar.freq[p] for p in self.positions]
        grid = future_grid(self._start, freqs, np.arange(self.n_series), n)
        if grid is not None:
            return grid
        rows = [calendar.future(p, n) for p in self.positions]  # calendar_ ends at _start
        return np.stack([_units(r, self._start) for r in rows])

    def _check_times(self, times: Any) -> None:
        if self._grid is None or self.steps >= self._grid.shape[1]:
            self._grid = self._stamps(self.steps + _BLOCK)
        got = _units(np.asarray(times), self._start)
        expected = self._grid[:, self.steps]
        if got.shape != expected.shape or (got != expected).any():
            bad = 0 if got.shape != expected.shape else int(np.flatnonzero(got != expected)[0])
            raise DataValidationError(
                f"push(times=...) must give each series' next time stamp, in order; series "
                f"{self.ids[bad]!r} expects step {self.steps + 1} after its history, got "
                f"{np.asarray(times)[bad] if got.shape == expected.shape else np.shape(times)}."
            )

    def sync(self) -> Any:
        """Move the estimator's calendar and last observations past the pushed steps.

        Returns
        -------
        StreamingRNNForecaster
            The estimator, whose ``forecast()`` and ``update()`` now continue after them.
        """
        est = self.estimator
        if self.steps:
            calendar = est.calendar_
            moved = _from_units(self._stamps(self.steps)[:, -1], calendar.last_time)
            last = calendar.last_time.to_numpy().copy()
            last[self.positions] = moved.to_numpy()
            est.calendar_ = calendar.ending_at(pd.Index(last))
            ctx = est.context_
            values = ctx.values.copy()
            values[ctx.indptr[self.positions + 1] - 1] = self._last_raw
            est.context_ = Panel(values, ctx.indptr, ctx.ids, ctx.columns)
            self._start, self._grid, self.steps = moved, None, 0
        return est


def _units(index: Any, like: pd.Index) -> np.ndarray:
    """int64 units of ``index`` in ``like``'s kind (datetimes in ``like``'s unit)."""
    if isinstance(like, pd.DatetimeIndex):
        if like.tz is None and isinstance(index, np.ndarray) and index.dtype.kind == "M":
            return index.astype(f"datetime64[{like.unit}]").view(np.int64)  # no pandas
        return pd.DatetimeIndex(index).as_unit(like.unit).asi8
    return np.asarray(index, dtype=np.int64)
