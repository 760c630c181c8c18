"""Seasonal adjustment around any forecaster: divide seasonality out, forecast, put it back."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.utils.validation import check_is_fitted

from tsrnn._uncertainty import UncertaintyMixin
from tsrnn._validation import Interval, validate_params
from tsrnn.base import RowContractTags
from tsrnn.data.calendar import Calendar, season_length_of
from tsrnn.data.frame import check_long_frame, frame_to_panel, future_rows, require_target, to_long
from tsrnn.data.seasonal import seasonal_indices, seasonality_test
from tsrnn.estimators._meta import check_forecaster
from tsrnn.exceptions import DataValidationError
from tsrnn.model_selection._backtest import estimator_horizon

__all__ = ["DeseasonalizedForecaster"]


class DeseasonalizedForecaster(UncertaintyMixin, RowContractTags, RegressorMixin, BaseEstimator):
    """Fit a forecaster on seasonally adjusted series and reseasonalise its forecasts.

    For each series with season length :math:`m > 1`, at least :math:`3m`
    observations, positive values and a significant lag-:math:`m`
    autocorrelation (the M4 competition's 90% test,
    :func:`~tsrnn.data.seasonal.seasonality_test`), the classical multiplicative
    seasonal indices (:func:`~tsrnn.data.seasonal.seasonal_indices`) are divided
    out of the target before ``estimator`` sees it, and forecasts are multiplied
    by the indices of their own steps. Other series pass through unchanged. This
    is the preprocessing of the M4 statistical benchmarks and of the best
    recurrent models in Hewamalage et al. (2021); a global network then learns
    trend and level dynamics instead of each series' seasonal pattern.

    Parameters
    ----------
    estimator : forecaster, default=None
        The forecaster of the adjusted series (any row-contract estimator, including
        ``TransformedTargetRegressor`` and :class:`EnsembleForecaster`); None means
        ``RNNForecaster()``.
    season_length : int or None, default=None
        Season length of every series; None: the conventional one of each series'
        frequency (12 for monthly, 4 for quarterly, 1 for yearly or integer steps).
    freq : str, int or None, default=None
        Frequency of the time column, as the tsrnn forecasters take it.
    id_col, time_col, target_col : str
        Column names, by default ``"unique_id"``, ``"ds"``, ``"y"``.

    Attributes
    ----------
    estimator_ : fitted forecaster
    seasonal_ : list of ndarray
        Per series, its ``m`` indices (all ones when not seasonal); index ``k`` belongs
        to the series' observations ``k, k + m, ...`` counted from its first row.
    n_seasonal_ : int
        How many series were adjusted.

    Examples
    --------
    >>> from tsrnn.baselines import NaiveForecaster
    >>> from tsrnn.datasets import load_dataset
    >>> df = load_dataset("monthly_short")
    >>> est = DeseasonalizedForecaster(NaiveForecaster(horizon=6)).fit(df)
    >>> est.n_seasonal_, len(est.seasonal_)
    (4, 12)
    >>> est.forecast().shape
    (72, 3)
    """

    _parameter_constraints: dict[str, list] = {
        "estimator": [None, object],
        "season_length": [None, Interval(numbers.Integral, 1, None)],
        "freq": [None, str, Interval(numbers.Integral, 1, None)],
        "id_col": [str],
        "time_col": [str],
        "target_col": [str],
    }

    def __init__(
        self,
        estimator: Any = None,
        *,
        season_length: int | None = None,
        freq: str | int | None = None,
        id_col: str = "unique_id",
        time_col: str = "ds",
        target_col: str = "y",
    ) -> None:
        self.estimator = estimator
        self.season_length = season_length
        self.freq = freq
        self.id_col = id_col
        self.time_col = time_col
        self.target_col = target_col

    # ------------------------------------------------------------------ helpers
    def _long(self, X: Any, y: Any) -> pd.DataFrame:
        return to_long(X, y, id_col=self.id_col, time_col=self.time_col, target_col=self.target_col)

    def _set_factor_table(self) -> None:
        """One row of seasonal indices per series, padded; ``_period_`` gives each row's length."""
        self._period_ = np.array([len(c) for c in self.seasonal_])
        self._table_ = np.ones((len(self.seasonal_), self._period_.max()))
        for p, cycle in enumerate(self.seasonal_):
            self._table_[p, : len(cycle)] = cycle

    def _factors(self, positions: np.ndarray, index: np.ndarray) -> np.ndarray:
        """Seasonal index of observation ``index`` (counted from each series' start)."""
        return self._table_[positions, index % self._period_[positions]]

    def _order(self, frame: pd.DataFrame, stage: str = "fit") -> np.ndarray:
        """Validate ``frame`` (target and times; covariates are the wrapped model's business)."""
        return check_long_frame(
            frame,
            id_col=self.id_col,
            time_col=self.time_col,
            target_col=self.target_col,
            covariates=[],
            stage=stage,
        )

    def _split_target(self, frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
        require_target(frame, self.target_col)
        return frame.drop(columns=self.target_col), frame[self.target_col].to_numpy(float)

    # ------------------------------------------------------------------ contract
    def fit(self, X: Any, y: Any = None) -> DeseasonalizedForecaster:
        """Adjust every seasonal series, then fit ``estimator`` on the adjusted target.

        Parameters
        ----------
        X : DataFrame or Series
            Histories, in any form the tsrnn forecasters accept.
        y : array-like, optional
            Target aligned with ``X``.

        Returns
        -------
        self
        """
        validate_params(
            self.get_params(deep=False), self._parameter_constraints, type(self).__name__
        )
        check_forecaster(self.estimator, type(self).__name__)
        frame = self._long(X, y)
        features, target = self._split_target(frame)
        order = self._order(frame)
        panel, times = frame_to_panel(
            frame, order, id_col=self.id_col, time_col=self.time_col, columns=[self.target_col]
        )
        self.calendar_ = Calendar.from_times(panel.ids, times, panel.indptr, freq=self.freq)
        self.seasonal_ = []
        for p in range(panel.n_series):
            values = panel.series(p)[:, 0].astype(np.float64)
            m = self.season_length or season_length_of(self.calendar_.freq[p])
            seasonal = m > 1 and values.min() > 0 and seasonality_test(values, m)
            self.seasonal_.append(seasonal_indices(values, m) if seasonal else np.ones(1))
        self.n_seasonal_ = sum(len(c) > 1 for c in self.seasonal_)
        self._set_factor_table()
        self.n_obs_ = panel.lengths.copy()
        positions = np.repeat(np.arange(panel.n_series), panel.lengths)
        index = np.arange(len(order)) - panel.indptr[positions]
        adjusted = np.empty(len(order))
        adjusted[order] = target[order] / self._factors(positions, index)
        estimator = check_forecaster(self.estimator, type(self).__name__)
        self.estimator_ = clone(estimator).fit(features, adjusted)
        return self

    def _future_factors(self, rows: pd.DataFrame) -> np.ndarray:
        positions = self.calendar_.positions(rows[self.id_col].to_numpy())
        horizon = estimator_horizon(self.estimator_)
        steps = self.calendar_.locate(positions, pd.Index(rows[self.time_col]), horizon)
        return self._factors(positions, self.n_obs_[positions] + steps - 1)

    def future_frame(self, horizon: int | None = None) -> pd.DataFrame:
        """The id and time rows of the next ``horizon`` steps of every series.

        Parameters
        ----------
        horizon : int, optional
            Steps per series; defaults to the wrapped forecaster's ``horizon``.

        Returns
        -------
        DataFrame
        """
        check_is_fitted(self)
        steps = estimator_horizon(self.estimator_) if horizon is None else horizon
        return future_rows(self.calendar_, steps, id_col=self.id_col, time_col=self.time_col)

    def predict(self, X: Any) -> np.ndarray:
        """Forecasts of the rows of ``X``, multiplied by their seasonal indices.

        Parameters
        ----------
        X : DataFrame
            Future rows (id, time, known-future covariates).

        Returns
        -------
        ndarray of shape (n_rows,)
        """
        check_is_fitted(self)
        rows = self._long(X, None)
        return np.asarray(self.estimator_.predict(X), float) * self._future_factors(rows)

    def _row_quantiles(self, X: Any, quantiles: list[float]) -> np.ndarray:
        """The wrapped forecaster's quantiles times the (positive) seasonal indices.

        Multiplying by a positive factor is monotone, so quantiles map to quantiles.
        """
        check_is_fitted(self)
        inner = self.estimator_.predict_quantiles(X, quantiles).to_numpy()
        return inner * self._future_factors(self._long(X, None))[:, None]

    def forecast(
        self, horizon: int | None = None, X: Any = None, *, level: Any = None, quantiles: Any = None
    ) -> pd.DataFrame:
        """Reseasonalised ``forecast`` of the wrapped forecaster (id, time, ``yhat``).

        Parameters
        ----------
        horizon : int, optional
            Steps to forecast.
        X : DataFrame, optional
            Known-future covariates.
        level, quantiles : list of float, optional
            Interval levels (percent) and quantiles of the wrapped forecaster, each
            multiplied by the seasonal index (a positive factor keeps their order).

        Returns
        -------
        DataFrame
        """
        check_is_fitted(self)
        if not hasattr(self.estimator_, "forecast"):
            raise DataValidationError(
                f"{type(self.estimator_).__name__} has no forecast(); call predict() on explicit "
                "future rows instead."
            )
        out = self.estimator_.forecast(horizon, X, level=level, quantiles=quantiles)
        factors = self._future_factors(out)
        for column in [c for c in out.columns if c.startswith("yhat")]:
            out[column] = out[column].to_numpy(float) * factors
        return out

    def update(self, X: Any, y: Any = None) -> DeseasonalizedForecaster:
        """Append new observations of known series (adjusted with their indices).

        Parameters
        ----------
        X : DataFrame or Series
            New rows continuing known series.
        y : array-like, optional
            Their targets.

        Returns
        -------
        self
        """
        check_is_fitted(self)
        frame = self._long(X, y)
        features, target = self._split_target(frame)
        ids = frame[self.id_col].to_numpy()
        unknown = pd.unique(ids[pd.Index(self.calendar_.ids).get_indexer(ids) < 0])
        if len(unknown):
            raise DataValidationError(
                f"{type(self).__name__}.update continues series seen in fit only; "
                f"{list(unknown[:5])} are new. Refit with their history to add them."
            )
        positions = self.calendar_.positions(ids, action="update")
        order = self._order(frame, "update")
        ordered = positions[order]
        first = np.r_[True, ordered[1:] != ordered[:-1]]
        counts = np.diff(np.r_[np.flatnonzero(first), len(order)])
        calendar = self.calendar_.advance(
            ordered[first], pd.Index(frame[self.time_col].to_numpy()[order]), counts
        )
        index = np.empty(len(order), dtype=np.int64)
        index[order] = (
            self.n_obs_[ordered] + np.arange(len(order)) - np.repeat(np.flatnonzero(first), counts)
        )
        self.estimator_.update(features, target / self._factors(positions, index))
        # only now that the wrapped model accepted the rows does this wrapper move on
        self.calendar_ = calendar
        np.add.at(self.n_obs_, ordered[first], counts)
        return self
