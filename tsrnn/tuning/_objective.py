"""The objective of one trial: the temporal cross-validation score of one parameter set."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import optuna
from sklearn.base import BaseEstimator, clone

from tsrnn.tuning._pruning import PruningCallback, TrialReporter
from tsrnn.tuning._spaces import suggest

__all__ = ["CVObjective", "take_rows", "trainer_kwargs_keys"]


def take_rows(data: Any, rows: np.ndarray) -> Any:
    """Rows of a frame, series or array by position."""
    if data is None:
        return None
    return data.iloc[rows] if hasattr(data, "iloc") else np.asarray(data)[rows]


def trainer_kwargs_keys(estimator: BaseEstimator) -> list[str]:
    """Parameter names (possibly nested) of the Lightning ``trainer_kwargs`` inside."""
    return [
        k
        for k in estimator.get_params(deep=True)
        if k == "trainer_kwargs" or k.endswith("__trainer_kwargs")
    ]


def with_pruning(estimator: BaseEstimator, keys: list[str], reporter: TrialReporter) -> None:
    """Add a PruningCallback to every ``trainer_kwargs`` of ``estimator`` (a fold's clone)."""
    params = estimator.get_params(deep=True)
    for key in keys:
        kwargs = dict(params[key] or {})
        kwargs["callbacks"] = [*kwargs.get("callbacks", []), PruningCallback(reporter)]
        estimator.set_params(**{key: kwargs})


class CVObjective:
    """Score one trial's parameters by temporal cross-validation, reporting as it goes.

    Neural forecasters report every epoch's negated loss (steps count epochs across
    folds); other estimators report the running mean score after each fold (steps count
    folds). Fold scores, fit time, the worker (``host:pid``) and the parameters set are
    kept in the trial's user attributes, so they survive in the storage.
    """

    def __init__(
        self,
        estimator: BaseEstimator,
        space: dict | Callable,
        splits: list[tuple[np.ndarray, np.ndarray]],
        scorer: Callable,
        X: Any,
        y: Any,
    ) -> None:
        self.estimator = estimator
        self.space = space
        self.splits = splits
        self.scorer = scorer
        self.X, self.y = X, y
        self.keys = trainer_kwargs_keys(estimator)

    def __call__(self, trial: optuna.trial.Trial) -> float:
        """Return the mean fold score of the parameters sampled for ``trial``."""
        try:
            return self._score(trial)
        except optuna.TrialPruned:
            raise
        except Exception as err:
            trial.set_user_attr("error", f"{type(err).__name__}: {err}"[:2000])
            raise

    def _score(self, trial: optuna.trial.Trial) -> float:
        params = suggest(trial, self.space)
        if callable(self.space):
            with contextlib.suppress(TypeError):  # not JSON: refit from trial.params
                trial.set_user_attr("params", json.loads(json.dumps(params)))
        trial.set_user_attr("worker", f"{socket.gethostname()}:{os.getpid()}")
        reporter = TrialReporter(trial)
        scores: list[float] = []
        fit_time = 0.0
        for k, (train, test) in enumerate(self.splits):
            est = clone(self.estimator).set_params(**params)
            if self.keys:
                with_pruning(est, self.keys, reporter)
            start = time.perf_counter()
            est.fit(take_rows(self.X, train), take_rows(self.y, train))
            fit_time += time.perf_counter() - start
            score = float(self.scorer(est, take_rows(self.X, test), take_rows(self.y, test)))
            scores.append(score)
            trial.set_user_attr(f"split{k}_test_score", score)
            trial.set_user_attr("fit_time", fit_time)
            if not self.keys:
                reporter.report(float(np.mean(scores)))
        return float(np.mean(scores))
