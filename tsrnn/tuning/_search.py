"""OptunaSearchCV: a scikit-learn search estimator backed by a durable Optuna study."""

from __future__ import annotations

import numbers
import time
import uuid
from collections.abc import Callable
from typing import Any

import numpy as np
import optuna
import pandas as pd
from joblib import Parallel, delayed
from optuna.trial import TrialState
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.metrics import check_scoring
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from tsrnn import metrics
from tsrnn._validation import Interval, validate_params
from tsrnn.data.frame import require_target
from tsrnn.exceptions import ParameterError
from tsrnn.model_selection import TemporalSplit
from tsrnn.tuning._objective import CVObjective
from tsrnn.tuning._options import SCORING_NAMES
from tsrnn.tuning._results import results_frame
from tsrnn.tuning._spaces import check_space, current_values, default_search_space
from tsrnn.tuning._storage import FINISHED, fingerprint, open_study, resolve_storage

__all__ = ["OptunaSearchCV"]

TSRNN_SCORERS = {name: getattr(metrics, f"{name}_scorer") for name in SCORING_NAMES}

MAX_FAILED_START = 3
_CONSTRAINTS: dict[str, list] = {
    "param_distributions": [None, dict, Callable],
    "n_trials": [None, Interval(numbers.Integral, 1, None)],
    "timeout": [None, Interval(numbers.Real, 0, None, closed="neither")],
    "storage": [None, str, optuna.storages.BaseStorage],
    "study_name": [None, str],
    "sampler": [None, optuna.samplers.BaseSampler],
    "pruner": [None, optuna.pruners.BasePruner],
    "n_jobs": [Interval(numbers.Integral, 1, None)],
    "refit": [bool],
    "random_state": [None, Interval(numbers.Integral, 0, 2**32 - 1)],
    "verbose": [bool],
}


def _param(estimator: BaseEstimator, name: str, default: Any) -> Any:
    """The first (possibly nested) parameter called ``name``."""
    for key, value in estimator.get_params(deep=True).items():
        if key == name or key.endswith(f"__{name}"):
            return value
    return default


def _stop_if_failing(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
    """Stop a study whose first trials all fail: the error is not about the parameters."""
    states = [t.state for t in study.get_trials(deepcopy=False, states=FINISHED)]
    if len(states) >= MAX_FAILED_START and all(s == TrialState.FAIL for s in states):
        study.stop()


def _optimize(objective, storage, study_name, sampler, pruner, stamp, n_trials, timeout, bar):
    """Run trials until the study has ``n_trials`` finished ones or ``timeout`` passes."""
    if not bar:  # also in worker processes, which do not inherit the verbosity
        optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = open_study(storage, study_name, sampler=sampler, pruner=pruner, stamp=stamp)
    remaining = None
    callbacks = [_stop_if_failing]
    if n_trials is not None:
        remaining = n_trials - len(study.get_trials(deepcopy=False, states=FINISHED))
        if remaining <= 0:
            return
        callbacks.append(optuna.study.MaxTrialsCallback(n_trials, states=FINISHED))
    study.optimize(
        objective,
        n_trials=remaining,
        timeout=timeout,
        catch=(Exception,),
        callbacks=callbacks,
        show_progress_bar=bar,
    )


class OptunaSearchCV(MetaEstimatorMixin, BaseEstimator):
    """Hyperparameter search by temporal cross-validation in a durable, prunable Optuna study.

    Every trial samples parameters, fits clones of ``estimator`` on the training rows of
    each fold of ``cv`` and scores them on the fold's test rows; the trial's value is the
    mean score (higher is better, as for scikit-learn scorers). Trials live in an Optuna
    storage (by default a SQLite file, see :func:`default_storage`), so a search that is
    killed continues where it stopped when ``fit`` runs again with the same
    ``study_name``, and several processes or machines can work on one study.

    While a trial trains, intermediate values reach the ``pruner``: neural forecasters
    report every epoch's negated validation (or training) loss through a Lightning
    :class:`PruningCallback`, steps counting epochs across folds; other estimators
    (statsmodels baselines) report the running mean score after each fold. Weak trials
    stop early and are recorded as pruned.

    The first trial of a new study evaluates the estimator's own values of the searched
    parameters when they all lie in the space, so the best score found is never worse
    than the defaults'. A study whose first three trials all fail is stopped (the error
    is then about the data or the estimator, not the parameters) and ``fit`` raises.

    Parameters
    ----------
    estimator : estimator
        A tsrnn forecaster, or a Pipeline / ``TransformedTargetRegressor`` around one.
    param_distributions : dict, callable or None, default=None
        ``{parameter: optuna distribution}`` (names as for ``set_params``), or a callable
        ``space(trial) -> dict`` that calls ``trial.suggest_*`` and returns the parameters
        to set (returning None means ``trial.params``). None: :func:`default_search_space`.
    cv : int, splitter or None, default=None
        Temporal splitter yielding row indices, e.g.
        :class:`~tsrnn.model_selection.TemporalSplit`; an int ``k`` means
        ``TemporalSplit(n_splits=k, horizon=<estimator's horizon>)``; None means 3.
    scoring : str, callable or None, default=None
        A scikit-learn scorer or scorer name, or ``"smape"``, ``"mae"``, ``"rmse"``,
        ``"mape"`` for tsrnn's scorers. None: :data:`tsrnn.metrics.smape_scorer`.
    n_trials : int or None, default=20
        Finished trials (complete, pruned or failed) the study should hold; a resumed
        study runs only the missing ones. None: run until ``timeout``.
    timeout : float or None, default=None
        Stop starting trials after this many seconds.
    storage : str, optuna storage or None, default=None
        Database URL (``"sqlite:///search.db"``, ``"postgresql://user:pw@host/db"``) or an
        ``optuna.storages`` object (``JournalStorage``, ``InMemoryStorage``, ...). None:
        the SQLite file :func:`default_storage`.
    study_name : str or None, default=None
        Study to create or resume. None: a new unique name (see ``study_.study_name``).
    sampler : optuna sampler or None, default=None
        None: ``TPESampler(seed=random_state)``.
    pruner : optuna pruner or None, default=None
        None: Optuna's ``MedianPruner()``; ``optuna.pruners.NopPruner()`` disables pruning.
    n_jobs : int, default=1
        Worker processes sharing the study (needs a storage URL or the default file).
    refit : bool, default=True
        Refit the best parameters on all of ``X`` as ``best_estimator_``.
    random_state : int or None, default=None
        Seed of the default sampler (worker ``i`` uses ``random_state + i``).
    verbose : bool, default=False
        Show Optuna's progress bar and trial log.

    Attributes
    ----------
    study_ : optuna.Study
        The study, with every trial of this and earlier runs.
    best_params_ : dict
        Parameters of the best complete trial.
    best_score_ : float
        Its mean cross-validation score.
    best_estimator_ : estimator
        ``estimator`` with ``best_params_``, fitted on all rows (when ``refit``).
    cv_results_ : DataFrame
        One row per trial: ``number``, ``state``, ``mean_test_score``, ``std_test_score``,
        ``split<k>_test_score``, ``rank_test_score``, ``mean_fit_time``, ``param_<name>``.
    scorer_ : callable
        The scorer used.
    n_splits_ : int
        Number of folds.
    storage_ : str or optuna storage
        Where the study lives.
    refit_time_ : float
        Seconds spent refitting.

    See Also
    --------
    default_search_space : The default spaces.
    save_study_plots : Optimisation history, importances and intermediate values.

    Examples
    --------
    >>> import optuna
    >>> from tsrnn.baselines import ThetaForecaster
    >>> from tsrnn.datasets import load_dataset
    >>> search = OptunaSearchCV(
    ...     ThetaForecaster(horizon=6), {"theta": optuna.distributions.FloatDistribution(1, 3)},
    ...     cv=2, n_trials=4, storage=optuna.storages.InMemoryStorage(), random_state=0)
    >>> search.fit(load_dataset("monthly_short")).forecast().shape
    (72, 3)
    >>> len(search.cv_results_), sorted(search.best_params_)
    (4, ['theta'])
    """

    def __init__(
        self,
        estimator: BaseEstimator,
        param_distributions: dict | Callable | None = None,
        *,
        cv: Any = None,
        scoring: str | Callable | None = None,
        n_trials: int | None = 20,
        timeout: float | None = None,
        storage: Any = None,
        study_name: str | None = None,
        sampler: optuna.samplers.BaseSampler | None = None,
        pruner: optuna.pruners.BasePruner | None = None,
        n_jobs: int = 1,
        refit: bool = True,
        random_state: int | None = None,
        verbose: bool = False,
    ) -> None:
        self.estimator = estimator
        self.param_distributions = param_distributions
        self.cv = cv
        self.scoring = scoring
        self.n_trials = n_trials
        self.timeout = timeout
        self.storage = storage
        self.study_name = study_name
        self.sampler = sampler
        self.pruner = pruner
        self.n_jobs = n_jobs
        self.refit = refit
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X: Any, y: Any = None) -> OptunaSearchCV:
        """Run (or resume) the study, then refit the best parameters on all rows.

        Parameters
        ----------
        X : DataFrame
            Long frame (``unique_id``, ``ds``, covariates, and the target column when
            ``y`` is None).
        y : array-like of shape (n_rows,), optional
            Target aligned with ``X``.

        Returns
        -------
        self
        """
        validate_params(self.get_params(deep=False), _CONSTRAINTS, type(self).__name__)
        if self.n_trials is None and self.timeout is None:
            raise ParameterError("Give n_trials or timeout (or both): the search must end.")
        if self.n_jobs > 1 and isinstance(self.storage, optuna.storages.InMemoryStorage):
            raise ParameterError(
                "n_jobs > 1 runs worker processes, which cannot share an InMemoryStorage; use "
                "storage=None (the default SQLite file) or a database URL."
            )
        X, y = self._split_target(X, y)
        space = self.param_distributions
        if space is None:
            space = default_search_space(self.estimator)
        check_space(space)
        self.scorer_ = self._scorer()
        splits = list(self._cv().split(X, y))
        self.n_splits_ = len(splits)
        objective = CVObjective(self.estimator, space, splits, self.scorer_, X, y)
        self.storage_ = self.storage
        storage = resolve_storage(self.storage)
        if self.storage is None:
            self.storage_ = storage.url
        name = self.study_name or f"tsrnn-{type(self.estimator).__name__}-{uuid.uuid4().hex[:8]}"
        stamp = fingerprint(self.estimator, X, y, splits=splits, scorer=self.scorer_, space=space)
        self._run(objective, storage, name, stamp)
        self.study_ = optuna.load_study(study_name=name, storage=storage)
        self.cv_results_ = results_frame(self.study_, self.n_splits_)
        best = self._best_trial()
        self.best_params_ = dict(best.user_attrs.get("params", best.params))
        self.best_score_ = float(best.value)
        self.best_index_ = int(best.number)
        if self.refit:
            start = time.perf_counter()
            self.best_estimator_ = clone(self.estimator).set_params(**self.best_params_)
            self.best_estimator_.fit(X, y)
            self.refit_time_ = time.perf_counter() - start
        return self

    # ----------------------------------------------------------------- helpers
    def _run(self, objective: CVObjective, storage: Any, name: str, stamp: dict) -> None:
        seed = self.random_state
        level = optuna.logging.get_verbosity()
        quiet = optuna.logging.INFO if self.verbose else optuna.logging.WARNING
        optuna.logging.set_verbosity(quiet)
        try:
            study = open_study(storage, name, sampler=None, pruner=None, stamp=stamp)
            defaults = current_values(self.estimator, objective.space)
            if defaults is not None and not study.trials:  # a new study starts from them
                study.enqueue_trial(defaults, user_attrs={"defaults": True}, skip_if_exists=True)
            if self.n_jobs == 1:
                sampler = self.sampler or optuna.samplers.TPESampler(seed=seed)
                _optimize(
                    objective,
                    storage,
                    name,
                    sampler,
                    self.pruner,
                    stamp,
                    self.n_trials,
                    self.timeout,
                    self.verbose,
                )
                return
            Parallel(n_jobs=self.n_jobs, backend="loky")(
                delayed(_optimize)(
                    objective,
                    storage,
                    name,
                    self.sampler
                    or optuna.samplers.TPESampler(seed=None if seed is None else seed + i),
                    self.pruner,
                    stamp,
                    self.n_trials,
                    self.timeout,
                    self.verbose and i == 0,
                )
                for i in range(self.n_jobs)
            )
        finally:
            optuna.logging.set_verbosity(level)

    def _best_trial(self) -> optuna.trial.FrozenTrial:
        complete = self.study_.get_trials(states=(TrialState.COMPLETE,))
        if not complete:
            failed = self.study_.get_trials(states=(TrialState.FAIL,))
            reason = failed[-1].user_attrs.get("error", "") if failed else ""
            raise RuntimeError(
                f"No trial of study {self.study_.study_name!r} completed "
                f"({len(self.study_.trials)} trials: pruned or failed). Last failure: "
                f"{reason.rstrip('.') or 'none'}. Check the estimator on your data, or run "
                "more trials."
            )
        return max(complete, key=lambda t: t.value)

    def _split_target(self, X: Any, y: Any) -> tuple[Any, Any]:
        target = _param(self.estimator, "target_col", "y")
        if y is not None:
            return X, y
        require_target(X if isinstance(X, pd.DataFrame) else pd.DataFrame(), target)
        return X.drop(columns=target), X[target]

    def _scorer(self) -> Callable:
        if self.scoring is None:
            return TSRNN_SCORERS["smape"]
        if isinstance(self.scoring, str) and self.scoring in TSRNN_SCORERS:
            return TSRNN_SCORERS[self.scoring]
        return check_scoring(self.estimator, scoring=self.scoring)

    def _cv(self) -> Any:
        if self.cv is None or isinstance(self.cv, numbers.Integral):
            return TemporalSplit(
                n_splits=3 if self.cv is None else int(self.cv),
                horizon=_param(self.estimator, "horizon", 1),
                id_col=_param(self.estimator, "id_col", "unique_id"),
                time_col=_param(self.estimator, "time_col", "ds"),
            )
        if not (hasattr(self.cv, "split") and hasattr(self.cv, "get_n_splits")):
            raise ParameterError(
                f"cv must be None, an int or a splitter with a split() method such as "
                f"tsrnn.TemporalSplit; got {self.cv!r}."
            )
        return self.cv

    # ----------------------------------------------------------------- delegation
    def _refitted(self) -> bool:
        check_is_fitted(self)
        if not self.refit:
            raise AttributeError("refit=False: there is no best_estimator_ to predict with.")
        return True

    @available_if(_refitted)
    def predict(self, X: Any) -> np.ndarray:
        """Predict the rows of ``X`` with ``best_estimator_``."""
        return self.best_estimator_.predict(X)

    @available_if(_refitted)
    def forecast(self, horizon: int | None = None, X: Any = None) -> pd.DataFrame:
        """Forecast the next steps of every series with ``best_estimator_``."""
        return self.best_estimator_.forecast(horizon, X)

    def score(self, X: Any, y: Any = None) -> float:
        """``scorer_`` of ``best_estimator_`` on ``X`` (and ``y``)."""
        self._refitted()
        X, y = self._split_target(X, y)
        return float(self.scorer_(self.best_estimator_, X, y))

    def __sklearn_tags__(self):  # noqa: D105
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.target_tags.required = False
        return tags
