"""Median ensembles of forecasters that differ in their seed or their settings."""

from __future__ import annotations

import itertools
import numbers
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.utils.validation import check_is_fitted
from tqdm.auto import tqdm

from tsrnn._uncertainty import UncertaintyMixin
from tsrnn._validation import Interval, Options, validate_params
from tsrnn.base import RowContractTags
from tsrnn.estimators._meta import check_forecaster
from tsrnn.exceptions import ParameterError

__all__ = ["EnsembleForecaster"]

AGGREGATES = {"median": np.median, "mean": np.mean}


def _fit_member(estimator: Any, params: dict, X: Any, y: Any) -> Any:
    return clone(estimator).set_params(**params).fit(X, y)


class EnsembleForecaster(UncertaintyMixin, RowContractTags, RegressorMixin, BaseEstimator):
    """Combine copies of one forecaster fitted with different seeds or settings.

    Every combination of the values in ``vary`` gives one member: a clone of
    ``estimator`` with those parameters set (nested names such as
    ``regressor__random_state`` reach inside sklearn wrappers). ``predict`` and
    ``forecast`` return the member forecasts' median (robust to one bad member)
    or mean. Ensembles of seeds and of input-window lengths are the cheapest
    accuracy gain for neural forecasters on competition data (N-BEATS, ES-RNN).

    Parameters
    ----------
    estimator : forecaster, default=None
        Any forecaster with the row contract (``fit``/``predict``), including
        Pipelines and ``TransformedTargetRegressor``; None means ``RNNForecaster()``.
    vary : dict of str to list, default=None
        Parameter values to combine; None means ``{"random_state": [0, 1, 2]}`` (or
        the nested ``random_state`` of a wrapped forecaster).
    aggregate : {"median", "mean"}, default="median"
        How member forecasts are combined.
    n_jobs : int or None, default=None
        Members fitted in parallel processes (joblib); None means one at a time.
    verbose : bool, default=False
        Progress bar over the members.

    Attributes
    ----------
    members_ : list of fitted forecasters
        One per combination, in the order of ``member_params_``.
    member_params_ : list of dict
        The parameters set on each member.

    Examples
    --------
    >>> from tsrnn.baselines import HoltForecaster
    >>> from tsrnn.datasets import load_dataset
    >>> df = load_dataset("monthly_short")
    >>> ens = EnsembleForecaster(HoltForecaster(horizon=3),
    ...                          vary={"damped_trend": [False, True]}).fit(df)
    >>> ens.member_params_
    [{'damped_trend': False}, {'damped_trend': True}]
    >>> ens.forecast().shape
    (36, 3)
    """

    _parameter_constraints: dict[str, list] = {
        "estimator": [None, object],
        "vary": [None, dict],
        "aggregate": [Options(frozenset(AGGREGATES))],
        "n_jobs": [None, Interval(numbers.Integral, 1, None), Interval(numbers.Integral, None, -1)],
        "verbose": [bool],
    }

    def __init__(
        self,
        estimator: Any = None,
        *,
        vary: dict[str, list] | None = None,
        aggregate: str = "median",
        n_jobs: int | None = None,
        verbose: bool = False,
    ) -> None:
        self.estimator = estimator
        self.vary = vary
        self.aggregate = aggregate
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _combinations(self, estimator: Any) -> list[dict]:
        vary = self.vary
        if vary is None:
            names = [
                k for k in estimator.get_params(deep=True) if k.split("__")[-1] == "random_state"
            ]
            if not names:
                raise ParameterError(
                    f"{type(estimator).__name__} has no random_state to vary; pass vary=."
                )
            vary = {names[0]: [0, 1, 2]}
        known = estimator.get_params(deep=True)
        unknown = [k for k in vary if k not in known]
        bad = [k for k, v in vary.items() if not isinstance(v, list | tuple) or not v]
        if unknown or bad:
            raise ParameterError(
                f"vary must map parameters of {type(estimator).__name__} to non-empty lists; "
                f"unknown names {unknown}, empty or non-list values for {bad}."
            )
        if any(k.split("__")[-1] == "horizon" for k in vary):
            raise ParameterError(
                "vary cannot change the horizon: the members' forecasts are combined step by step."
            )
        keys = list(vary)
        return [
            dict(zip(keys, values, strict=True)) for values in itertools.product(*vary.values())
        ]

    def fit(self, X: Any, y: Any = None) -> EnsembleForecaster:
        """Fit one clone of ``estimator`` per combination of ``vary``.

        Parameters
        ----------
        X : DataFrame or Series
            Histories, in any form the member forecaster accepts.
        y : array-like, optional
            Target aligned with ``X``.

        Returns
        -------
        self
        """
        validate_params(
            self.get_params(deep=False), self._parameter_constraints, "EnsembleForecaster"
        )
        estimator = check_forecaster(self.estimator, "EnsembleForecaster")
        combos = self._combinations(estimator)
        bar = tqdm(combos, desc="ensemble", unit="member", disable=not self.verbose)
        if self.n_jobs in (None, 1):
            members = [_fit_member(estimator, params, X, y) for params in bar]
        else:
            members = Parallel(n_jobs=self.n_jobs)(
                delayed(_fit_member)(estimator, params, X, y) for params in bar
            )
        self.members_ = members
        self.member_params_ = combos
        return self

    def _combine(self, forecasts: list[np.ndarray]) -> np.ndarray:
        return AGGREGATES[self.aggregate](np.vstack(forecasts), axis=0)

    def predict(self, X: Any) -> np.ndarray:
        """Combined forecast of the rows of ``X`` (see the members' ``predict``).

        Parameters
        ----------
        X : DataFrame
            Future rows.

        Returns
        -------
        ndarray of shape (n_rows,)
        """
        check_is_fitted(self)
        return self._combine([np.asarray(m.predict(X), dtype=float) for m in self.members_])

    def forecast(
        self, horizon: int | None = None, X: Any = None, *, level: Any = None, quantiles: Any = None
    ) -> pd.DataFrame:
        """Combined ``forecast`` of the members: id, time and ``yhat`` per future step.

        Parameters
        ----------
        horizon : int, optional
            Steps to forecast (at most the fitted horizon).
        X : DataFrame, optional
            Known-future covariates, as the members' ``forecast`` takes them.
        level, quantiles : list of float, optional
            Interval levels (percent) and quantiles: the **median of the members'**
            bounds and quantiles (whatever ``aggregate`` combines the points).

        Returns
        -------
        DataFrame
        """
        check_is_fitted(self)
        bands = {"level": level, "quantiles": quantiles} if level or quantiles else {}
        frames = [
            self._member_call(m, "forecast", horizon=horizon, X=X, **bands) for m in self.members_
        ]
        out = frames[0].copy()
        out["yhat"] = self._combine([f["yhat"].to_numpy(dtype=float) for f in frames])
        for column in out.columns[out.columns.get_loc("yhat") + 1 :]:
            out[column] = np.median(np.vstack([f[column].to_numpy(float) for f in frames]), axis=0)
        return out

    def _row_quantiles(self, X: Any, quantiles: list[float]) -> np.ndarray:
        """The median over members of their quantiles (a median of monotone maps: no crossing)."""
        check_is_fitted(self)
        each = [self._member_call(m, "predict_quantiles", X, quantiles) for m in self.members_]
        return np.median(np.stack([f.to_numpy(float) for f in each]), axis=0)

    def future_frame(self, horizon: int | None = None) -> pd.DataFrame:
        """The future rows of the first member (all members share the calendar)."""
        check_is_fitted(self)
        return self._member_call(self.members_[0], "future_frame", horizon)

    def update(self, X: Any, y: Any = None) -> EnsembleForecaster:
        """Append new observations to every member without refitting (see their ``update``).

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
        for member in self.members_:
            self._member_call(member, "update", X, y)
        return self

    @staticmethod
    def _member_call(member: Any, method: str, *args: Any, **kwargs: Any) -> Any:
        if not hasattr(member, method):
            raise ParameterError(
                f"The members ({type(member).__name__}) have no {method}(); use predict() with "
                "explicit future rows, or ensemble tsrnn forecasters directly."
            )
        return getattr(member, method)(*args, **kwargs)
