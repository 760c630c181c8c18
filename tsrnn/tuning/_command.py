"""The run of ``tsrnn tune``: data, search, and the defaults-vs-tuned report."""

from __future__ import annotations

import argparse
import time

import numpy as np
import optuna
import pandas as pd
from optuna.trial import TrialState
from sklearn.model_selection import cross_val_score

from tsrnn import baselines, estimators
from tsrnn.datasets import DEFAULT_DATASET, M3_HORIZONS, load_dataset, load_m3, read_long_csv
from tsrnn.exceptions import ParameterError
from tsrnn.metrics import smape
from tsrnn.model_selection import TemporalSplit, temporal_train_test_split
from tsrnn.tuning._options import BASELINES, NETWORKS, PRUNERS
from tsrnn.tuning._plots import save_study_plots
from tsrnn.tuning._search import TSRNN_SCORERS, OptunaSearchCV

__all__ = ["run_tune"]


def _data(args: argparse.Namespace) -> tuple[str, pd.DataFrame, pd.DataFrame, int]:
    if args.m3:
        if args.csv is not None:
            raise ParameterError("give a CSV or --m3, not both.")
        full = M3_HORIZONS[args.m3]
        horizon = full if args.horizon is None else args.horizon
        if horizon > full:
            raise ParameterError(
                f"M3 {args.m3} has a test window of {full} steps; --horizon must be at most {full}."
            )
        train, test = load_m3(args.m3, limit=args.limit)
        test = test.groupby("unique_id", sort=False).head(horizon)
        return f"M3 {args.m3}", train, test, horizon
    if args.limit is not None:
        raise ParameterError("--limit applies to --m3 only.")
    horizon = 12 if args.horizon is None else args.horizon
    if args.csv is None:
        frame, source = load_dataset(DEFAULT_DATASET), f"bundled dataset {DEFAULT_DATASET!r}"
    else:
        frame, source = read_long_csv(args.csv, "ds"), args.csv
    train, test = temporal_train_test_split(frame, test_size=horizon)
    return source, train, test, horizon


def run_tune(args: argparse.Namespace) -> int:
    """Run ``tsrnn tune`` with the parsed ``args``."""
    source, train, test, horizon = _data(args)
    if args.model in BASELINES:
        model = getattr(baselines, BASELINES[args.model])(horizon=horizon)
    else:  # lstm and gru keep their cell; rnn searches over the cell too
        model = getattr(estimators, NETWORKS[args.model])(
            horizon=horizon, max_epochs=args.max_epochs, random_state=args.seed
        )
    X, y = train.drop(columns="y"), train["y"]
    cv = TemporalSplit(n_splits=args.cv, horizon=horizon)
    scorer = TSRNN_SCORERS[args.scoring]
    print(
        f"{source}: {train['unique_id'].nunique()} series; tuning {type(model).__name__} "
        f"(horizon {horizon}) on {args.cv} temporal folds, then scoring the last {horizon} "
        "steps of every series.",
        flush=True,
    )
    pruner = getattr(optuna.pruners, PRUNERS[args.pruner])()
    if args.pruner == "median" and args.model not in BASELINES:  # early epochs say little
        pruner = optuna.pruners.MedianPruner(n_warmup_steps=args.max_epochs // 2)
    start = time.perf_counter()
    search = OptunaSearchCV(
        model,
        cv=cv,
        scoring=scorer,
        n_trials=args.n_trials,
        timeout=args.timeout,
        storage=args.storage,
        study_name=args.study_name,
        pruner=pruner,
        n_jobs=args.n_jobs,
        random_state=args.seed,
        verbose=not args.quiet,
    ).fit(X, y)
    elapsed = time.perf_counter() - start
    trial0 = [
        t
        for t in search.study_.trials
        if t.user_attrs.get("defaults") and t.state == TrialState.COMPLETE
    ]
    default_cv = (
        trial0[0].value
        if trial0  # the study's first trial ran the defaults
        else float(np.mean(cross_val_score(model, X, y, cv=cv, scoring=scorer)))
    )
    X_test = test.drop(columns="y")
    default_test = smape(test["y"], model.fit(X, y).predict(X_test))
    tuned_test = smape(test["y"], search.predict(X_test))
    states = search.cv_results_["state"].value_counts()
    print(
        f"\nStudy {search.study_.study_name!r} in {search.storage_}: "
        + ", ".join(f"{n} {s.lower()}" for s, n in states.items())
        + f" ({elapsed:.0f} s)"
    )
    print(f"Best parameters: {search.best_params_}")
    sign = -1  # tsrnn scorers are negated errors
    table = pd.DataFrame(
        {
            f"CV {args.scoring}": [sign * default_cv, sign * search.best_score_],
            "test sMAPE": [default_test, tuned_test],
        },
        index=["defaults", "tuned"],
    )
    print(table.to_string(float_format=lambda v: f"{v:.3f}"))
    if args.plots:
        files = save_study_plots(search.study_, args.plots)
        print("Plots: " + ", ".join(str(f) for f in files.values()))
    return 0
