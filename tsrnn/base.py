"""The row contract shared by every forecaster: fit, predict, forecast, update.

A forecaster is a scikit-learn regressor over the rows of a long table. This
module turns frames into panels and rows into forecast steps; subclasses only
learn from a :class:`~tsrnn.data.panel.Panel` and forecast ``horizon`` steps
for chosen series.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from tsrnn._uncertainty import UncertaintyMixin
from tsrnn._validation import Interval, validate_params
from tsrnn.data import frame as frames
from tsrnn.data.calendar import Calendar
from tsrnn.data.forecast_frames import ForecastFrames, explicit_future_rows
from tsrnn.data.frame import check_long_frame, frame_to_panel, future_rows, to_long
from tsrnn.data.frame import require_target as require_target_column
from tsrnn.data.panel import Panel
from tsrnn.exceptions import DataValidationError

__all__ = ["BaseForecaster", "RowContractTags"]


class RowContractTags:
    """sklearn tags of an estimator over a long table: no 2-D array input, target optional."""

    def __sklearn_tags__(self):  # noqa: D105
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.target_tags.required = False
        return tags


_COMMON_CONSTRAINTS: dict[str, list] = {
    "horizon": [Interval(numbers.Integral, 1, None)],
    "id_col": [str],
    "time_col": [str],
    "target_col": [str],
    "freq": [None, str, Interval(numbers.Integral, 1, None)],
}


class BaseForecaster(UncertaintyMixin, RowContractTags, RegressorMixin, BaseEstimator):
    """Template of the row contract; subclasses implement the ``_fit_panel`` family.

    Subclasses define ``_parameter_constraints`` for their own parameters and:

    - ``_fit_panel(panel)``: learn from the training panel (target in column 0);
    - ``_forecast_panel(positions, future)``: ``(len(positions), horizon)`` forecasts;
    - ``_context_size()``: how many trailing rows per series ``context_`` keeps (None: all);
    - ``_add_series(panel)``: prepare state for series first seen in :meth:`update`;
    - quantiles, intervals and samples: the hooks of ``tsrnn._uncertainty.UncertaintyMixin``.

    A family of subclasses that documents some parameters alike sets ``_shared_docs``
    (marker line -> text); each subclass docstring's marker lines are replaced by the text.
    """

    _parameter_constraints: dict[str, list] = {}
    _shared_docs: dict[str, str] = {}
    future_covariates: list[str] | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for marker, text in cls._shared_docs.items():
            if cls.__doc__:
                cls.__doc__ = cls.__doc__.replace(marker, text)

    # ----------------------------------------------------------------- contract
    def fit(self, X: Any, y: Any = None) -> BaseForecaster:
        """Fit on a long table of histories.

        Parameters
        ----------
        X : DataFrame or Series
            Long frame with ``id_col``, ``time_col`` and covariate columns (and
            ``target_col`` when ``y`` is None); or a ``pd.Series`` with a
            ``DatetimeIndex``; or a wide frame with one column per series.
        y : array-like of shape (n_rows,), optional
            Target aligned with the rows of ``X``.

        Returns
        -------
        self
        """
        validate_params(
            self.get_params(deep=False),
            {**_COMMON_CONSTRAINTS, **self._parameter_constraints},
            type(self).__name__,
        )
        frame = self._to_frame(X, y, require_target=True)
        if len(frame) == 0:
            raise DataValidationError("X has no rows: there is nothing to fit.")
        covariates = [
            c for c in frame.columns if c not in (self.id_col, self.time_col, self.target_col)
        ]
        future = list(self.future_covariates or [])
        unknown = [c for c in future if c not in covariates]
        if unknown:
            raise DataValidationError(
                f"future_covariates names column(s) {unknown} that X does not have; X's covariate "
                f"columns are {covariates}."
            )
        panel, calendar = self._frame_to_panel(frame, covariates)
        self.covariates_ = covariates
        self.future_covariates_ = future
        self._fit_panel(panel)
        self.calendar_ = calendar
        self.context_ = panel if self._context_size() is None else panel.tail(self._context_size())
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Forecast the rows of ``X``: one value per row, each after its series' history.

        Parameters
        ----------
        X : DataFrame
            Rows with ``id_col`` and ``time_col`` within ``horizon`` steps after the
            end of each series' history, plus the known-future covariate columns.

        Returns
        -------
        ndarray of shape (n_rows,)
        """
        if "calendar_" not in vars(self):  # fitted: no attribute scan on every call
            check_is_fitted(self)
        return self._row_values(X, self._forecast_panel)

    def _row_values(self, X: Any, forecast: Any) -> np.ndarray:
        """``forecast(series, future)[series, step - 1]`` of every row of ``X``."""
        frame = self._to_frame(X, None, require_target=False)
        if len(frame) == 0:
            return np.empty(0)
        missing = [c for c in self.future_covariates_ if c not in frame.columns]
        if missing:
            raise DataValidationError(
                f"X lacks the known-future covariate column(s) {missing} that the model was "
                "fitted with; give their values at the forecast rows."
            )
        frames.check_future_rows(
            frame, id_col=self.id_col, time_col=self.time_col, covariates=self.future_covariates_
        )
        positions = self.calendar_.positions(frame[self.id_col])
        steps = self.calendar_.locate(positions, pd.Index(frame[self.time_col]), self.horizon)
        series, inverse = np.unique(positions, return_inverse=True)
        future = self._future_inputs(frame, positions, series, inverse, steps)
        forecasts = forecast(series, future)  # [n_series, horizon, ...]
        return forecasts[inverse, steps - 1]

    def forecast(
        self, horizon: int | None = None, X: Any = None, *, level: Any = None, quantiles: Any = None
    ) -> pd.DataFrame:
        """Forecast the next ``horizon`` steps of every series.

        Parameters
        ----------
        horizon : int, optional
            Steps to forecast, at most the fitted ``horizon`` (the default).
        X : DataFrame, optional
            Known-future covariates at the forecast rows (``id_col``, ``time_col``,
            covariates); required when the model uses ``future_covariates``. With
            irregular timestamps (``irregular=True``) its rows are the future times
            themselves: the first ``horizon`` rows of every series are forecast.
        level, quantiles : list of float, optional
            Add interval bounds ``yhat_lo_80``, ``yhat_hi_80``, ... (levels in percent) and
            quantiles ``yhat_q0.1``, ... (see ``predict_interval``, ``predict_quantiles``).

        Returns
        -------
        DataFrame
            Columns ``id_col``, ``time_col``, ``yhat`` (and the bands); ``horizon`` rows per series.
        """
        if "calendar_" not in vars(self):  # fitted: no attribute scan on every call
            check_is_fitted(self)
        steps = self.horizon if horizon is None else horizon
        if (
            isinstance(steps, bool)
            or not isinstance(steps, numbers.Integral)
            or not 1 <= steps <= self.horizon
        ):
            raise DataValidationError(
                f"forecast(horizon={horizon!r}) must be an int in [1, {self.horizon}] (the fitted "
                "horizon); refit with a larger horizon to forecast further."
            )
        if X is not None and not self.calendar_.regular:
            return self._forecast_rows(self._explicit_future_rows(X, steps), level, quantiles)
        plain = level is None and quantiles is None
        if plain and self.calendar_.regular and not self.future_covariates_:
            values = self._forecast_panel(np.arange(self.calendar_.n_series), None)[:, :steps]
            frames = vars(self).get("_cache_frames")  # not pickled
            if frames is None:
                frames = self._cache_frames = ForecastFrames()
            return frames.frame(self.calendar_, steps, values, id_col=self.id_col,
                                time_col=self.time_col)  # fmt: skip
        rows = self.future_frame(steps)
        if self.future_covariates_:
            if X is None:
                raise DataValidationError(
                    f"This model uses known-future covariates {self.future_covariates_}: pass "
                    "forecast(X=...) with their values at the forecast rows (see future_frame())."
                )
            given = self._to_frame(X, None, require_target=False)
            rows = rows.merge(
                given[[self.id_col, self.time_col, *self.future_covariates_]],
                on=[self.id_col, self.time_col],
                how="left",
            )
            gaps = rows[self.future_covariates_].isna().any(axis=1).to_numpy()
            if gaps.any():
                first = rows.loc[gaps].iloc[0]
                raise DataValidationError(
                    f"X gives no known-future covariates for series {first[self.id_col]!r} at "
                    f"{first[self.time_col]} ({int(gaps.sum())} forecast rows lack them)."
                )
        return self._forecast_rows(rows, level, quantiles)

    def future_frame(self, horizon: int | None = None) -> pd.DataFrame:
        """Return the ``id_col``/``time_col`` rows of the next ``horizon`` steps of every series.

        Parameters
        ----------
        horizon : int, optional
            Steps per series; defaults to the fitted ``horizon``.

        Returns
        -------
        DataFrame
            Fill in known-future covariate columns and pass it to ``predict``.
        """
        check_is_fitted(self)
        steps = self.horizon if horizon is None else horizon
        return future_rows(self.calendar_, steps, id_col=self.id_col, time_col=self.time_col)

    def update(self, X: Any, y: Any = None) -> BaseForecaster:
        """Append new observations without refitting; later forecasts start after them.

        Rows of a known series must continue its history without gaps; rows of a
        series not seen before become its history (it must be long enough to
        forecast from). Covariate columns must be those seen in ``fit``.

        Parameters
        ----------
        X : DataFrame or Series
            New rows, in any of the forms :meth:`fit` accepts.
        y : array-like of shape (n_rows,), optional
            Their targets, when not a column of ``X``.

        Returns
        -------
        self
        """
        check_is_fitted(self)
        frame = self._to_frame(X, y, require_target=True)
        extra = sorted(
            set(frame.columns)
            - {self.id_col, self.time_col, self.target_col}
            - set(self.covariates_)
        )
        missing = [c for c in self.covariates_ if c not in frame.columns]
        if missing or extra:
            raise DataValidationError(
                f"update() needs the covariate columns seen in fit {self.covariates_}; "
                f"missing {missing}, unexpected {extra}."
            )
        order = check_long_frame(
            frame,
            id_col=self.id_col,
            time_col=self.time_col,
            target_col=self.target_col,
            covariates=self.covariates_,
            stage="update",
        )
        columns = [self.target_col, *self.covariates_]
        ordered = frame.iloc[order]
        known_mask = pd.Index(self.calendar_.ids).get_indexer(ordered[self.id_col]) >= 0
        known, new = ordered[known_mask], ordered[~known_mask]
        if len(known):
            self._append_known(known, columns)
        if len(new):
            self._append_new(new, columns)
        return self

    # ----------------------------------------------------------------- helpers
    def _frame_to_panel(self, frame: pd.DataFrame, covariates: list[str]) -> tuple[Panel, Calendar]:
        """Validate a long frame and build its panel (target first) and calendar."""
        order = check_long_frame(
            frame,
            id_col=self.id_col,
            time_col=self.time_col,
            target_col=self.target_col,
            covariates=covariates,
        )
        panel, times = frame_to_panel(
            frame,
            order,
            id_col=self.id_col,
            time_col=self.time_col,
            columns=[self.target_col, *covariates],
        )
        return panel, Calendar.from_times(panel.ids, times, panel.indptr, freq=self.freq)

    def _future_inputs(
        self,
        frame: pd.DataFrame,
        positions: np.ndarray,
        series: np.ndarray,
        inverse: np.ndarray,
        steps: np.ndarray,
    ) -> np.ndarray | None:
        """Known-future inputs of shape (n_series, horizon, n_future), or None."""
        if not self.future_covariates_:
            return None
        future = np.zeros((len(series), self.horizon, len(self.future_covariates_)))
        future[inverse, steps - 1] = frame[self.future_covariates_].to_numpy(dtype=np.float64)
        return future

    def _explicit_future_rows(self, X: Any, steps: int) -> pd.DataFrame:
        """The first ``steps`` rows of every series in ``X`` (irregular calendars)."""
        return explicit_future_rows(
            self._to_frame(X, None, require_target=False), self.calendar_, steps,
            id_col=self.id_col, time_col=self.time_col,
            keep=[self.id_col, self.time_col, *self.future_covariates_],
        )  # fmt: skip

    def _to_frame(self, X: Any, y: Any, *, require_target: bool) -> pd.DataFrame:
        frame = to_long(
            X, y, id_col=self.id_col, time_col=self.time_col, target_col=self.target_col
        )
        if require_target:
            require_target_column(frame, self.target_col)
        return frame

    def _append_known(self, frame: pd.DataFrame, columns: list[str]) -> None:
        panel, times = frame_to_panel(frame, np.arange(len(frame)), id_col=self.id_col,
                                      time_col=self.time_col, columns=columns)  # fmt: skip
        positions = self.calendar_.positions(panel.ids, action="update")
        self.calendar_ = self.calendar_.advance(positions, times, panel.lengths)
        lengths = np.zeros(self.calendar_.n_series, dtype=np.int64)
        lengths[positions] = panel.lengths
        rows = np.zeros(self.calendar_.n_series + 1, dtype=np.int64)
        rows[1:] = np.cumsum(lengths)
        values = np.empty((rows[-1], panel.values.shape[1]), dtype=np.float32)
        for k, p in enumerate(positions):
            values[rows[p] : rows[p + 1]] = panel.series(k)
        spread = Panel(values, rows, self.calendar_.ids, panel.columns)
        merged = self.context_.concat_time(spread)
        size = self._context_size()
        self.context_ = merged if size is None else merged.tail(size)

    def _append_new(self, frame: pd.DataFrame, columns: list[str]) -> None:
        panel, times = frame_to_panel(frame, np.arange(len(frame)), id_col=self.id_col,
                                      time_col=self.time_col, columns=columns)  # fmt: skip
        calendar = Calendar.from_times(panel.ids, times, panel.indptr, freq=self.freq)
        self._add_series(panel)
        self.calendar_ = self.calendar_.extend(calendar)
        size = self._context_size()
        self.context_ = self.context_.append_series(panel if size is None else panel.tail(size))

    def __getstate__(self) -> dict[str, Any]:  # noqa: D105
        state = super().__getstate__()  # caches (``_cache_*``) are rebuilt, never pickled
        return {k: v for k, v in state.items() if not k.startswith("_cache_")}

    # Persistence: what ``_restore`` needs in config.json / arrays.npz; is there weights.pt.
    _state_config: tuple[str, ...] = ()
    _state_arrays: tuple[str, ...] = ()
    _saves_weights = False

    def _fitted_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """What the family learned beyond ``calendar_``/``context_`` (JSON, arrays), saved."""
        return {}, {}

    def _restore(self, config: dict[str, Any], arrays: dict[str, Any], weights: Any) -> None:
        """Set the fitted attributes that :meth:`_fitted_state` saved."""

    # ----------------------------------------------------------------- hooks
    def _fit_panel(self, panel: Panel) -> None:
        raise NotImplementedError

    def _forecast_panel(self, positions: np.ndarray, future: np.ndarray | None) -> np.ndarray:
        raise NotImplementedError

    def _context_size(self) -> int | None:
        return None

    def _add_series(self, panel: Panel) -> None:
        """Prepare per-series state for series first seen in update (default: nothing)."""
