"""Rolling-origin backtests of any forecaster over a long table."""

from __future__ import annotations

import numbers
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from tqdm.auto import tqdm

from tsrnn.data.calendar import season_length_of
from tsrnn.data.frame import require_target, to_long
from tsrnn.exceptions import DataValidationError, ParameterError
from tsrnn.metrics import panel_scores
from tsrnn.model_selection._split import TemporalSplit

__all__ = ["BacktestResult", "backtest"]

SCORES = ("smape", "mase", "mae", "rmse", "mape")


@dataclass
class BacktestResult:
    """What :func:`backtest` returns: every fold's forecasts and scores.

    Parameters
    ----------
    forecasts : DataFrame
        One row per test row of every fold: the id column, ``cutoff`` (the last
        training time of that series in that fold), the time column, the target
        column (actual value), ``yhat`` (forecast) and ``fold`` (0 = oldest).
    metrics : DataFrame
        One row per fold: ``fold``, ``cutoff_min`` and ``cutoff_max`` (the range of
        the series' cutoffs), one column per score (the mean over the fold's
        series), ``n_series``, ``refit`` (whether the fold refitted rather than
        updated), ``fit_seconds`` (fit or update) and ``predict_seconds``.
    series_metrics : DataFrame
        One row per fold and series: ``fold``, the id column, ``cutoff`` and one
        column per score; the input of significance tests across models.
    estimator : estimator
        The model as fitted (and updated) in the last fold.
    """

    forecasts: pd.DataFrame
    metrics: pd.DataFrame
    series_metrics: pd.DataFrame
    estimator: Any

    def summary(self) -> pd.Series:
        """Mean of every score over the folds, the number of folds and the total seconds.

        Returns
        -------
        Series
            Indexed by the score names, then ``n_folds``, ``fit_seconds`` and
            ``predict_seconds``.
        """
        scores = [c for c in SCORES if c in self.metrics.columns]
        out = self.metrics[scores].mean()
        out["n_folds"] = len(self.metrics)
        out["fit_seconds"] = self.metrics["fit_seconds"].sum()
        out["predict_seconds"] = self.metrics["predict_seconds"].sum()
        return out


def _check_refit(refit: Any) -> int:
    """Refit every this many folds (0: never, update only)."""
    if isinstance(refit, bool):
        return 1 if refit else 0
    if isinstance(refit, numbers.Integral) and refit >= 1:
        return int(refit)
    raise ParameterError(
        f"refit must be True, False or an int k >= 1 (refit every k-th fold); got {refit!r}."
    )


def _check_scoring(scoring: Any) -> list[str]:
    names = [scoring] if isinstance(scoring, str) else list(scoring)
    unknown = [s for s in names if s not in SCORES]
    if unknown or not names:
        raise ParameterError(f"scoring must name one or more of {list(SCORES)}; got {scoring!r}.")
    return list(dict.fromkeys(names))


def estimator_horizon(estimator: Any) -> int:
    """The ``horizon`` of a forecaster, also inside sklearn wrappers (one value or an error)."""
    params = estimator.get_params(deep=True) if hasattr(estimator, "get_params") else {}
    found = {v for k, v in params.items() if k == "horizon" or k.endswith("__horizon")}
    if len(found) != 1:
        raise ParameterError(
            f"Cannot tell the forecast horizon of {type(estimator).__name__}; pass "
            "cv=TemporalSplit(n_splits=..., horizon=...)."
        )
    return int(found.pop())


def _make_cv(cv: Any, estimator: Any, id_col: str, time_col: str) -> Any:
    if cv is None or (isinstance(cv, numbers.Integral) and not isinstance(cv, bool)):
        return TemporalSplit(
            n_splits=3 if cv is None else int(cv),
            horizon=estimator_horizon(estimator),
            id_col=id_col,
            time_col=time_col,
        )
    if isinstance(cv, str) or not hasattr(cv, "split"):
        raise ParameterError(
            f"cv must be None, an int (number of folds) or a splitter such as TemporalSplit; "
            f"got {cv!r}."
        )
    for name, value in (("id_col", id_col), ("time_col", time_col)):
        if getattr(cv, name, value) != value:
            raise ParameterError(
                f"cv.{name}={getattr(cv, name)!r} differs from backtest's {name}={value!r}; "
                "give both the same column names."
            )
    return cv


def _find_calendar(estimator: Any) -> Any:
    """The ``calendar_`` of a fitted forecaster, also inside sklearn wrappers (None if absent)."""
    queue = [estimator]
    for _ in range(10):
        if not queue:
            return None
        est = queue.pop(0)
        if hasattr(est, "calendar_"):
            return est.calendar_
        inner = ("regressor_", "best_estimator_", "estimator_")  # sklearn and tsrnn wrappers
        queue += [getattr(est, a) for a in inner if hasattr(est, a)]
        steps = getattr(est, "steps", None)
        if isinstance(steps, list) and steps:
            queue.append(steps[-1][1])
    return None


def fitted_season_lengths(season_length: int | Mapping | None, fitted: Any) -> int | Mapping:
    """``season_length`` if given, else each fitted series' conventional season (1 if unknown)."""
    if season_length is not None:
        return season_length
    calendar = _find_calendar(fitted)
    if calendar is None:
        return 1
    return {i: season_length_of(f) for i, f in zip(calendar.ids, calendar.freq, strict=True)}


def backtest(
    estimator: Any,
    X: Any,
    y: Any = None,
    *,
    cv: Any = None,
    refit: bool | int = True,
    scoring: Sequence[str] = ("smape", "mase", "mae"),
    season_length: int | Mapping | None = None,
    verbose: bool = False,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
    intervals: float | Sequence[float] | None = None,
) -> BacktestResult:
    """Rolling-origin evaluation: fit up to each fold's cutoff, forecast the next rows, score.

    The folds come from ``cv`` (oldest first). In each fold the estimator sees
    only the fold's training rows, which end at every series' cutoff, and
    predicts the fold's test rows (one value per row). How it gets there:

    - ``refit=True``: a fresh :func:`~sklearn.base.clone` is fitted in every fold;
    - ``refit=False``: one clone is fitted on the first fold's training rows, then
      moved forward with ``update(X, y)`` on the rows between consecutive cutoffs
      (weights are never refitted: the streaming use of a forecaster);
    - ``refit=k``: refit on folds 0, k, 2k, ... and update in between.

    Updating needs an ``update`` method: scikit-learn wrappers (``Pipeline``,
    ``TransformedTargetRegressor``) have none, so they need ``refit=True``.

    Parameters
    ----------
    estimator : estimator
        Any tsrnn forecaster, or a scikit-learn wrapper of one. It is cloned, never
        modified.
    X : DataFrame or Series
        Long table with ``id_col``, ``time_col`` and covariates (and ``target_col``
        when ``y`` is None), or a ``pd.Series``/wide frame with a ``DatetimeIndex``.
    y : array-like of shape (n_rows,), optional
        Target aligned with the rows of ``X``.
    cv : int, TemporalSplit or None, default=None
        The splitter; ``TemporalSplit(n_splits, horizon, step, max_train_size)``
        sets the number of folds, the test rows per series, the stride between
        cutoffs and an expanding (default) or sliding training window. An int is
        a number of folds and None means 3 folds; both take the horizon from
        the estimator's ``horizon`` parameter.
    refit : bool or int, default=True
        Refit in every fold (True), never after the first (False), or every k-th.
    scoring : sequence of str, default=("smape", "mase", "mae")
        Scores among ``"smape"``, ``"mase"``, ``"mae"``, ``"rmse"``, ``"mape"``;
        see :func:`tsrnn.metrics.panel_scores`. Each is computed per series and
        averaged over the fold's series (series with an undefined score, such as
        the MASE of a constant history, are left out of the mean; non-finite
        forecasts also raise a ``RuntimeWarning``).
    season_length : int, mapping or None, default=None
        Seasonal lag of the MASE scale: an int, or a mapping series id -> int. None
        reads each series' frequency from the fitted forecaster's ``calendar_``
        (12 for monthly data, 4 quarterly, ...; see
        ``tsrnn.data.calendar.season_length_of``), or uses 1 when there is
        none. The scale is computed on all of a series' rows up to the cutoff.
    verbose : bool, default=False
        Show a progress bar over the folds.
    id_col, time_col, target_col : str, default="unique_id", "ds", "y"
        Column names.
    intervals : float or list of float, optional
        Coverage(s) of prediction intervals to add to ``forecasts`` (``yhat_lo_95``,
        ``yhat_hi_95``, ...), from each fold's ``predict_interval``.

    Returns
    -------
    BacktestResult
        ``forecasts``, per-fold ``metrics``, ``series_metrics`` and the last
        fitted ``estimator``; ``summary()`` averages over folds.

    Examples
    --------
    >>> from tsrnn import SeasonalNaiveForecaster
    >>> from tsrnn.datasets import load_dataset
    >>> df = load_dataset("monthly_short")
    >>> cv = TemporalSplit(n_splits=3, horizon=12, step=6)
    >>> result = backtest(SeasonalNaiveForecaster(horizon=12), df, cv=cv, refit=False)
    >>> result.metrics[["fold", "cutoff_max", "n_series", "refit"]]
       fold cutoff_max  n_series  refit
    0     0 2000-06-01        12   True
    1     1 2000-12-01        12  False
    2     2 2001-06-01        12  False
    >>> result.metrics["smape"].round(2).tolist()
    [23.88, 24.36, 25.42]
    >>> result.forecasts.shape
    (432, 6)
    >>> result.summary()[["smape", "mase"]].round(3).tolist()
    [24.551, 0.725]
    """
    scores = _check_scoring(scoring)
    every = _check_refit(refit)
    if every != 1 and not callable(getattr(estimator, "update", None)):
        raise ParameterError(
            f"refit={refit!r} moves the fitted model forward with update(), but "
            f"{type(estimator).__name__} has no update method (scikit-learn wrappers such as "
            "Pipeline and TransformedTargetRegressor do not pass new rows through their "
            "transformers). Use refit=True, or backtest the forecaster itself."
        )
    frame = to_long(X, y, id_col=id_col, time_col=time_col, target_col=target_col)
    require_target(frame, target_col)
    target = frame.pop(target_col)
    splitter = _make_cv(cv, estimator, id_col, time_col)
    folds = list(splitter.split(frame))
    ids, times = frame[id_col], frame[time_col]

    fitted, seen = None, None
    forecasts, series_rows, fold_rows = [], [], []
    bar = tqdm(folds, desc="backtest", unit="fold", disable=not verbose)
    for k, (train, test) in enumerate(bar):
        cutoff = times.iloc[train].groupby(ids.iloc[train].to_numpy(), sort=True).max()
        tic = time.perf_counter()
        refit_now = fitted is None or (every > 0 and k % every == 0)
        if refit_now:
            fitted = clone(estimator).fit(frame.iloc[train], target.iloc[train])
            seen = cutoff
        else:
            behind = cutoff < seen.reindex(cutoff.index)
            if behind.any():
                raise DataValidationError(
                    f"Fold {k} cuts series {behind.idxmax()!r} at {cutoff[behind].iloc[0]}, "
                    "before data the updated model has already seen; with refit=False or "
                    "refit=k the cutoffs must move forward. Use refit=True for this splitter."
                )
            lower = ids.map(seen)
            rows = np.flatnonzero((times <= ids.map(cutoff)) & (lower.isna() | (times > lower)))
            if len(rows):
                fitted.update(frame.iloc[rows], target.iloc[rows])
            seen = pd.concat([seen, cutoff]).groupby(level=0).max()
        fit_seconds = time.perf_counter() - tic

        tic = time.perf_counter()
        yhat = np.asarray(fitted.predict(frame.iloc[test]), dtype=float)
        predict_seconds = time.perf_counter() - tic
        if not np.isfinite(yhat).all():
            warnings.warn(
                f"Fold {k}: {int((~np.isfinite(yhat)).sum())} of {len(yhat)} forecasts are NaN "
                "or infinite; the scores of their series are NaN and left out of the fold means.",
                RuntimeWarning,
                stacklevel=2,
            )
        fold = pd.DataFrame(
            {
                id_col: ids.iloc[test].to_numpy(),
                "cutoff": cutoff.reindex(ids.iloc[test]).to_numpy(),
                time_col: times.iloc[test].to_numpy(),
                target_col: target.iloc[test].to_numpy(),
                "yhat": yhat,
                "fold": k,
            }
        )
        if intervals is not None:
            band = fitted.predict_interval(frame.iloc[test], coverage=intervals)
            fold[list(band.columns)] = band.to_numpy()
        fold = fold.sort_values([id_col, time_col], kind="stable")
        history = np.flatnonzero(times <= ids.map(cutoff))
        per_series = panel_scores(
            fold,
            None,
            pd.DataFrame(
                {
                    id_col: ids.iloc[history],
                    time_col: times.iloc[history],
                    target_col: target.iloc[history],
                }
            ),
            season_length=fitted_season_lengths(season_length, fitted) if "mase" in scores else 1,
            id_col=id_col,
            time_col=time_col,
            target_col=target_col,
        )
        per_series.insert(0, "fold", k)
        per_series.insert(2, "cutoff", cutoff.reindex(per_series[id_col]).to_numpy())
        means = per_series[scores].mean()
        forecasts.append(fold)
        series_rows.append(per_series[["fold", id_col, "cutoff", *scores]])
        fold_rows.append(
            {
                "fold": k,
                "cutoff_min": cutoff.min(),
                "cutoff_max": cutoff.max(),
                **means.to_dict(),
                "n_series": len(per_series),
                "refit": refit_now,
                "fit_seconds": fit_seconds,
                "predict_seconds": predict_seconds,
            }
        )
        bar.set_postfix({s: f"{v:.3g}" for s, v in means.items()})
    return BacktestResult(
        forecasts=pd.concat(forecasts, ignore_index=True),
        metrics=pd.DataFrame(fold_rows),
        series_metrics=pd.concat(series_rows, ignore_index=True),
        estimator=fitted,
    )
