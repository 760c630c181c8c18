"""Split-conformal prediction intervals around any forecaster.

The calibration residuals come from a rolling-origin backtest at the end of the
training data (:func:`tsrnn.model_selection.backtest`): the wrapped forecaster is
fitted up to each of ``n_windows`` cutoffs and forecasts the next ``horizon``
steps; the absolute errors of step ``h`` (optionally divided by each series'
in-sample naive MAE) are the conformity scores of step ``h``. An interval of
coverage ``c`` at step ``h`` is the point forecast plus or minus the
``ceil((n + 1) c) / n`` empirical quantile of the ``n`` scores of that step
(Vovk et al., 2005; the split-conformal recipe of Lei et al., 2018), times the
series' scale. With ``method="cqr"`` (conformalized quantile regression, Romano et
al., 2019) the scores are the signed distances of the targets outside the wrapped
model's own interval, and that interval is widened (or narrowed) by their quantile.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.utils.validation import check_is_fitted

from tsrnn._uncertainty import (
    UncertaintyMixin,
    check_coverages,
    check_quantiles,
    interval_columns,
    interval_quantiles,
    quantile_column,
)
from tsrnn._validation import Interval, Options, validate_params
from tsrnn.base import RowContractTags
from tsrnn.data.frame import future_rows, to_long
from tsrnn.estimators._conformal_scores import (
    conformal_quantile,
    interval_scores,
    naive_scale,
    score_grid,
)
from tsrnn.exceptions import DataValidationError, ParameterError
from tsrnn.model_selection import TemporalSplit, backtest
from tsrnn.model_selection._backtest import _find_calendar, estimator_horizon

__all__ = ["ConformalForecaster", "conformal_quantile"]


class ConformalForecaster(UncertaintyMixin, RowContractTags, RegressorMixin, BaseEstimator):
    """Conformal prediction intervals around any forecaster (neural, baseline, in a pipeline).

    ``fit`` backtests the wrapped ``estimator`` on the last ``n_windows`` windows of
    ``horizon`` steps of the training data (``refit`` as in
    :func:`~tsrnn.model_selection.backtest`), keeps the absolute errors per horizon
    step as calibration scores, and then fits the estimator on all the data.
    ``predict`` is the estimator's point forecast; ``predict_interval`` and
    ``predict_quantiles`` add the split-conformal half-widths of each step
    (a quantile ``q`` is the upper bound of the ``2q - 1`` interval above the
    median and the lower bound of the ``1 - 2q`` interval below it).

    Parameters
    ----------
    estimator : estimator
        Any tsrnn forecaster or scikit-learn wrapper of one (``Pipeline``,
        ``TransformedTargetRegressor``) with a ``horizon`` parameter.
    n_windows : int, default=3
        Calibration windows (backtest folds) at the end of the training data.
    step : int or None, default=None
        Steps between consecutive calibration cutoffs; None: the horizon.
    scaling : {"none", "series"}, default="series"
        ``"series"``: divide each series' errors by its in-sample naive MAE (and
        multiply the half-widths back), so one calibration serves series of any
        scale; ``"none"``: raw errors, for series on one scale.
    refit : bool or int, default=True
        How the calibration backtest moves between cutoffs (see
        :func:`~tsrnn.model_selection.backtest`): refit a clone every window
        (True), update one fitted clone (False; needs ``update``), or every k-th.
    method : {"residual", "cqr"}, default="residual"
        ``"residual"``: symmetric bands around the point forecast from the absolute
        errors, for any forecaster and any coverage. ``"cqr"``: conformalized quantile
        regression around a model that gives intervals itself (a quantile or likelihood
        head, DeepAR, a baseline): its interval of each coverage in ``coverages`` is
        moved out (or in) by the conformal quantile of the targets' signed distances
        outside it, keeping the model's asymmetry and per-series widths.
    coverages : float or list of float, default=(0.8, 0.95)
        The coverages ``"cqr"`` calibrates (fractions); intervals and quantiles at
        other levels raise an error. Unused by ``"residual"``.
    id_col, time_col, target_col : str, default="unique_id", "ds", "y"
        Column names.

    Attributes
    ----------
    estimator_ : estimator
        The estimator fitted on all the training data.
    scores_ : ndarray of shape (n_calibration, horizon)
        Conformity scores per calibration (window, series) and step; NaN where a
        short series had no such step. With ``"cqr"``, shape
        ``(len(coverages), n_calibration, horizon)``: one set per calibrated coverage.
    scale_ : Series
        Each series' scale (1 with ``scaling="none"``).
    horizon_ : int
        The estimator's horizon.

    Examples
    --------
    >>> from tsrnn import NaiveForecaster
    >>> from tsrnn.datasets import load_dataset
    >>> df = load_dataset("monthly_short")
    >>> model = ConformalForecaster(NaiveForecaster(horizon=6), n_windows=4).fit(df)
    >>> model.forecast(level=[80]).columns.tolist()
    ['unique_id', 'ds', 'yhat', 'yhat_lo_80', 'yhat_hi_80']
    >>> model.scores_.shape
    (48, 6)
    """

    _parameter_constraints: dict[str, list] = {
        "n_windows": [Interval(numbers.Integral, 1, None)],
        "step": [None, Interval(numbers.Integral, 1, None)],
        "scaling": [Options(frozenset({"none", "series"}))],
        "refit": [bool, Interval(numbers.Integral, 0, None)],
        "method": [Options(frozenset({"residual", "cqr"}))],
        "id_col": [str],
        "time_col": [str],
        "target_col": [str],
    }

    def __init__(
        self,
        estimator: Any,
        *,
        n_windows: int = 3,
        step: int | None = None,
        scaling: str = "series",
        refit: bool | int = True,
        method: str = "residual",
        coverages: Any = (0.8, 0.95),
        id_col: str = "unique_id",
        time_col: str = "ds",
        target_col: str = "y",
    ) -> None:
        self.estimator = estimator
        self.n_windows = n_windows
        self.step = step
        self.scaling = scaling
        self.refit = refit
        self.method = method
        self.coverages = coverages
        self.id_col = id_col
        self.time_col = time_col
        self.target_col = target_col

    def fit(self, X: Any, y: Any = None) -> ConformalForecaster:
        """Calibrate on rolling-origin windows at the end of the data, then fit on all of it.

        Parameters
        ----------
        X : DataFrame or Series
            Training data in any form the wrapped estimator accepts.
        y : array-like of shape (n_rows,), optional
            Target aligned with the rows of ``X``.

        Returns
        -------
        self
        """
        params = {k: v for k, v in self.get_params(deep=False).items() if k != "estimator"}
        validate_params(params, self._parameter_constraints, type(self).__name__)
        horizon = estimator_horizon(self.estimator)
        keys = {"id_col": self.id_col, "time_col": self.time_col}
        cv = TemporalSplit(n_splits=self.n_windows, horizon=horizon, step=self.step, **keys)
        frame = to_long(X, y, target_col=self.target_col, **keys)
        if self.target_col not in frame:
            raise DataValidationError(
                f"fit needs the target: give y or a {self.target_col!r} column."
            )
        cqr = self.method == "cqr"
        levels = check_coverages(self.coverages) if cqr else None
        try:
            result = backtest(self.estimator, X, y, cv=cv, refit=self.refit, scoring=("mae",),
                              intervals=levels, target_col=self.target_col, **keys)  # fmt: skip
        except ParameterError as err:
            if not cqr or "cannot give" not in str(err):
                raise
            raise ParameterError(
                f"method='cqr' needs a wrapped model with its own intervals: {err} "
                "Use method='residual' for point forecasters."
            ) from err
        fc = result.forecasts
        if self.scaling == "series":
            self.scale_ = naive_scale(frame, self.id_col, self.time_col, self.target_col)
        else:
            self.scale_ = pd.Series(
                1.0, index=pd.Index(pd.unique(frame[self.id_col])).sort_values()
            )
        scale = self.scale_.reindex(fc[self.id_col]).to_numpy()
        if cqr:
            self.coverages_ = levels
            self.scores_ = np.stack([
                score_grid(fc, interval_scores(fc, self.target_col, c, scale), self.id_col,
                           horizon)
                for c in levels
            ])  # fmt: skip
        else:
            errors = np.abs(fc[self.target_col].to_numpy(float) - fc["yhat"].to_numpy(float))
            self.scores_ = score_grid(fc, errors / scale, self.id_col, horizon)
        self.horizon_ = horizon
        target = frame.pop(self.target_col)  # wrappers such as TransformedTargetRegressor need y
        self.estimator_ = clone(self.estimator).fit(frame, target)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The wrapped estimator's point forecasts of the rows of ``X``.

        Parameters
        ----------
        X : DataFrame
            Forecast rows.

        Returns
        -------
        ndarray of shape (n_rows,)
        """
        check_is_fitted(self)
        return self.estimator_.predict(X)

    def forecast(
        self, horizon: int | None = None, X: Any = None, *, level: Any = None, quantiles: Any = None
    ) -> pd.DataFrame:
        """The wrapped estimator's ``forecast`` with conformal bands and quantiles.

        Parameters
        ----------
        horizon : int, optional
            Steps to forecast, at most the fitted horizon.
        X : DataFrame, optional
            Known-future covariates, as the wrapped estimator's ``forecast`` takes them.
        level, quantiles : list of float, optional
            Interval levels in percent and quantile levels, as for
            ``forecast`` of any tsrnn forecaster.

        Returns
        -------
        DataFrame
        """
        check_is_fitted(self)
        if callable(getattr(self.estimator_, "forecast", None)):
            out = self.estimator_.forecast(horizon, X)

            def base(q: list[float]) -> np.ndarray:
                table = self.estimator_.forecast(horizon, X, quantiles=q)
                return table[[quantile_column(v) for v in q]].to_numpy(float)

        else:  # a scikit-learn wrapper: predict the next rows of every series
            steps = self.horizon_ if horizon is None else horizon
            keys = [self.id_col, self.time_col]
            rows = future_rows(self._calendar(), steps, id_col=self.id_col, time_col=self.time_col)
            if X is not None:
                given = to_long(X, None, id_col=self.id_col, time_col=self.time_col,
                                target_col=self.target_col)  # fmt: skip
                rows = rows.merge(given, on=keys, how="left")
            out = rows.assign(yhat=self.estimator_.predict(rows))[[*keys, "yhat"]]

            def base(q: list[float]) -> np.ndarray:
                return self.estimator_.predict_quantiles(rows, q).to_numpy(float)

        point = out["yhat"].to_numpy(float)
        return self._add_bands(out, point, level, quantiles, base)

    def future_frame(self, horizon: int | None = None) -> pd.DataFrame:
        """The id and time rows of the next ``horizon`` steps of every series.

        Parameters
        ----------
        horizon : int, optional
            Steps per series; defaults to the wrapped estimator's horizon.

        Returns
        -------
        DataFrame
        """
        check_is_fitted(self)
        steps = self.horizon_ if horizon is None else horizon
        return future_rows(self._calendar(), steps, id_col=self.id_col, time_col=self.time_col)

    def update(self, X: Any, y: Any = None) -> ConformalForecaster:
        """Pass new rows to the wrapped estimator's ``update``; the calibration is kept.

        Parameters
        ----------
        X : DataFrame or Series
            New rows.
        y : array-like, optional
            Their targets.

        Returns
        -------
        self
        """
        check_is_fitted(self)
        if not callable(getattr(self.estimator_, "update", None)):
            raise ParameterError(
                f"{type(self.estimator_).__name__} has no update(); refit instead."
            )
        frame = to_long(
            X, y, id_col=self.id_col, time_col=self.time_col, target_col=self.target_col
        )
        new = sorted(set(frame[self.id_col]) - set(self.scale_.index))
        if new and self.scaling == "series":
            part = frame[frame[self.id_col].isin(new)]
            self.scale_ = pd.concat([self.scale_, naive_scale(part, self.id_col, self.time_col,
                                                               self.target_col)])  # fmt: skip
        elif new:
            self.scale_ = pd.concat([self.scale_, pd.Series(1.0, index=new)])
        self.estimator_.update(X, y)
        return self

    # ----------------------------------------------------------------- conformal bands
    def _uncertainty_kinds(self) -> tuple[str, ...]:
        return ("quantiles",)

    def _row_quantiles(self, X: Any, quantiles: list[float]) -> np.ndarray:
        check_is_fitted(self)
        frame = to_long(
            X, None, id_col=self.id_col, time_col=self.time_col, target_col=self.target_col
        )

        def base(q: list[float]) -> np.ndarray:
            return self.estimator_.predict_quantiles(X, q).to_numpy(float)

        return self._quantiles_around(frame, self.predict(X), quantiles, base)

    def _quantiles_around(
        self, frame: pd.DataFrame, point: np.ndarray, quantiles: list[float], base: Any
    ) -> np.ndarray:
        """Quantiles of the rows of ``frame``, moved out by the conformal widths.

        From ``point`` (``"residual"``) or the wrapped model's own quantiles (``"cqr"``:
        ``base(levels)``).
        """
        calendar = self._calendar()
        positions = calendar.positions(frame[self.id_col].to_numpy())
        steps = calendar.locate(positions, pd.Index(frame[self.time_col]), self.horizon_)
        scale = self.scale_.reindex(np.asarray(calendar.ids)[positions]).to_numpy(float)
        tails = [q for q in quantiles if abs(q - 0.5) >= 1e-12]
        own = base(tails) if self.method == "cqr" and tails else None
        out = np.empty((len(frame), len(quantiles)))
        for j, q in enumerate(quantiles):
            if abs(q - 0.5) < 1e-12:
                out[:, j] = point
                continue
            scores, start = self._scores_for(abs(2 * q - 1)), point
            if own is not None:
                start = own[:, tails.index(q)]
            width = np.array(
                [conformal_quantile(scores[:, h], abs(2 * q - 1)) for h in range(self.horizon_)]
            )
            moved = start + np.sign(q - 0.5) * width[steps - 1] * scale
            # a narrowed cqr bound stops at the point forecast: bounds never cross the median
            out[:, j] = np.minimum(moved, point) if q < 0.5 else np.maximum(moved, point)
        return out

    def _scores_for(self, coverage: float) -> np.ndarray:
        if self.method != "cqr":
            return self.scores_
        for k, c in enumerate(self.coverages_):
            if abs(c - coverage) < 1e-9:
                return self.scores_[k]
        raise ParameterError(
            f"This ConformalForecaster(method='cqr') was calibrated for coverages "
            f"{[round(c, 6) for c in self.coverages_]}; {coverage:g} was asked (quantile "
            "q needs coverage |2q - 1|). Refit with that level in coverages=[...]."
        )

    def _calendar(self) -> Any:
        calendar = _find_calendar(self.estimator_)
        if calendar is None:
            raise ParameterError(
                f"Cannot find the fitted calendar_ of {type(self.estimator_).__name__} to place "
                "rows at horizon steps."
            )
        return calendar

    def _add_bands(
        self, out: pd.DataFrame, point: np.ndarray, level: Any, quantiles: Any, base: Any
    ) -> pd.DataFrame:
        if level is not None:
            coverages = check_coverages(level, percent=True)
            values = self._quantiles_around(out, point, interval_quantiles(coverages), base)
            out[[n for c in coverages for n in interval_columns(c)]] = values
        if quantiles is not None:
            q = check_quantiles(quantiles)
            out[[quantile_column(v) for v in q]] = self._quantiles_around(out, point, q, base)
        return out
