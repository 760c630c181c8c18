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

__all__ = ["FINISHED", "default_storage", "open_study"]

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
HEARTBEAT_S = 60  # a trial whose process died is marked FAIL after 2 missed beats


def resolve_storage(storage: Any) -> Any:
    """A storage object for ``storage`` (None: the default file; str: a database URL)."""
    if storage is None:
        storage = default_storage()
        Path(storage.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if isinstance(storage, str):
        for attempt in range(5):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                    return optuna.storages.RDBStorage(storage, heartbeat_interval=HEARTBEAT_S)
            except sqlalchemy.exc.DatabaseError:  # another worker is creating the tables
                if attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))
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
