"""Where studies live: the default SQLite file, storage URLs, and resuming a study safely."""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Any

import joblib
import optuna
import sqlalchemy
from optuna.trial import TrialState

from tsrnn.exceptions import ParameterError
from tsrnn.tuning._options import default_storage

__all__ = ["FINISHED", "database_storage", "default_storage", "open_study"]

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
HEARTBEAT_S = 60  # a trial whose process died is marked FAIL after 2 missed beats


def database_storage(
    url: str, *, heartbeat_interval: int = HEARTBEAT_S, grace_period: int | None = None,
    max_retry: int | None = 1,
) -> optuna.storages.RDBStorage:
    """An Optuna database storage that fails and retries the trials of dead workers.

    This is what :class:`OptunaSearchCV` builds from a storage URL. Every running trial
    beats every ``heartbeat_interval`` seconds; a trial whose worker died (killed, out of
    memory, machine lost) misses its beats, and the next worker to start a trial on the
    study marks it ``FAIL`` and enqueues a copy with the same parameters, at most
    ``max_retry`` times per trial (Optuna's ``RetryHeartbeatStaleTrialCallback``, called
    ``RetryFailedTrialCallback`` before Optuna 4.9). Build it
    yourself to change those settings, and pass it as ``storage``.

    Parameters
    ----------
    url : str
        SQLAlchemy database URL: ``"sqlite:///search.db"``,
        ``"postgresql+psycopg://user:password@host:5432/db"`` (the ``postgres`` extra
        installs the driver), ``"mysql+pymysql://..."``.
    heartbeat_interval : int, default=60
        Seconds between a running trial's beats.
    grace_period : int or None, default=None
        Seconds without a beat after which a running trial counts as dead. None: twice
        ``heartbeat_interval``.
    max_retry : int or None, default=1
        Copies of a dead worker's trial to enqueue (0: none; None: no limit).

    Returns
    -------
    optuna.storages.RDBStorage

    Examples
    --------
    >>> storage = database_storage("sqlite://", heartbeat_interval=5)
    >>> storage.heartbeat_interval, storage.grace_period
    (5, 10)
    """
    new = hasattr(optuna.storages, "RetryHeartbeatStaleTrialCallback")  # optuna >= 4.9
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        callback: dict[str, Any] = {}
        if max_retry != 0:
            retry = getattr(
                optuna.storages,
                "RetryHeartbeatStaleTrialCallback" if new else "RetryFailedTrialCallback",
            )
            key = "heartbeat_stale_trial_callback" if new else "failed_trial_callback"
            callback[key] = retry(max_retry=max_retry)
        for attempt in range(5):
            try:
                return optuna.storages.RDBStorage(
                    url,
                    heartbeat_interval=heartbeat_interval,
                    grace_period=2 * heartbeat_interval if grace_period is None else grace_period,
                    **callback,
                )
            except sqlalchemy.exc.DatabaseError:  # another worker is creating the tables
                if attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


def resolve_storage(storage: Any) -> Any:
    """A storage object for ``storage`` (None: the default file; str: a database URL)."""
    if storage is None:
        storage = default_storage()
        Path(storage.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if isinstance(storage, str):
        return database_storage(storage)
    return storage


def fingerprint(
    estimator: Any, X: Any, y: Any, *, splits: list, scorer: Any, space: Any
) -> dict[str, str]:
    """What a resumed study must match: estimator class, data, folds, scorer, fixed settings."""
    tuned = set(space) if isinstance(space, dict) else set()
    fixed = sorted(
        (k, repr(v)) for k, v in estimator.get_params(deep=True).items() if k not in tuned
    )
    return {
        "estimator": type(estimator).__name__,
        "data": joblib.hash((X, y)),
        "setup": joblib.hash(([(a, b) for a, b in splits], repr(scorer), fixed)),
    }


def open_study(
    storage: Any,
    study_name: str,
    *,
    sampler: optuna.samplers.BaseSampler | None,
    pruner: optuna.pruners.BasePruner | None,
    stamp: dict[str, str],
) -> optuna.Study:
    """Create the study, or load it when it exists, checking that it is the same search."""
    study = optuna.create_study(
        storage=storage,
        study_name=study_name,
        sampler=sampler,
        pruner=pruner,
        direction="maximize",
        load_if_exists=True,
    )
    if study.direction != optuna.study.StudyDirection.MAXIMIZE:
        raise ParameterError(
            f"Study {study_name!r} exists in the storage but minimises; OptunaSearchCV maximises "
            "scores. Use another study_name."
        )
    saved = study.user_attrs.get("tsrnn_search")
    if saved is None:
        study.set_user_attr("tsrnn_search", stamp)
    elif saved != stamp:
        what = next(
            label
            for key, label in (
                ("estimator", "estimator class"),
                ("data", "data (X, y)"),
                ("setup", "cv folds, scoring or fixed (untuned) parameters"),
            )
            if saved.get(key) != stamp[key]
        )
        raise ParameterError(
            f"Study {study_name!r} in the storage holds a search with a different {what} "
            f"({saved['estimator']} vs {stamp['estimator']}); resuming it would mix trials "
            "that are not comparable. Use a new study_name, or delete the old study with "
            "optuna.delete_study."
        )
    return study
