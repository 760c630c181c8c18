"""``tsrnn tune``: tune a forecaster on a CSV or an M3 category, report validation and test."""

from __future__ import annotations

import argparse
import time

import numpy as np
import optuna
import pandas as pd
from optuna.trial import TrialState
from sklearn.model_selection import cross_val_score

from tsrnn.baselines import (
    ARIMAForecaster,
    ETSForecaster,
    HoltForecaster,
    SESForecaster,
    ThetaForecaster,
)
from tsrnn.datasets import DEFAULT_DATASET, M3_HORIZONS, load_dataset, load_m3, read_long_csv
from tsrnn.estimators import GRUForecaster, LSTMForecaster, RNNForecaster
from tsrnn.exceptions import ParameterError
from tsrnn.metrics import smape
from tsrnn.model_selection import TemporalSplit, temporal_train_test_split
from tsrnn.tuning._plots import save_study_plots
from tsrnn.tuning._search import TSRNN_SCORERS, OptunaSearchCV
from tsrnn.tuning._storage import default_storage

__all__ = ["add_tune_parser", "tune_command"]

BASELINES = {
    "ses": SESForecaster,
    "holt": HoltForecaster,
    "theta": ThetaForecaster,
    "ets": ETSForecaster,
    "arima": ARIMAForecaster,
}
NETWORKS = {"lstm": LSTMForecaster, "gru": GRUForecaster, "rnn": RNNForecaster}
PRUNERS = {
    "median": optuna.pruners.MedianPruner,
    "halving": optuna.pruners.SuccessiveHalvingPruner,
    "hyperband": optuna.pruners.HyperbandPruner,
    "none": optuna.pruners.NopPruner,
}


def add_tune_parser(commands: argparse._SubParsersAction) -> None:
    """Add the ``tune`` subcommand to the ``tsrnn`` parser."""
    p = commands.add_parser(
        "tune", help="tune a forecaster with Optuna on a long CSV or an M3 category"
    )
    p.add_argument("csv", nargs="?", help="long-format CSV; default: bundled 'monthly_short'")
    p.add_argument("--m3", choices=list(M3_HORIZONS), help="tune on this M3 category instead")
    p.add_argument("--limit", type=positive_int, help="M3: keep the first LIMIT series")
    p.add_argument("--model", choices=[*NETWORKS, *BASELINES], default="lstm")
    p.add_argument(
        "--horizon", type=positive_int, help="default: the M3 horizon (at most it), else 12"
    )
    p.add_argument(
        "--n-trials", type=positive_int, default=20, help="finished trials the study should hold"
    )
    p.add_argument("--timeout", type=float, help="stop starting trials after this many seconds")
    p.add_argument("--storage", help=f"Optuna storage URL (default: {default_storage()})")
    p.add_argument("--study-name", help="study to create or resume (default: a new name)")
    p.add_argument(
        "--pruner",
        choices=list(PRUNERS),
        default="median",
        help="median waits half of --max-epochs before pruning a neural trial",
    )
    p.add_argument("--cv", type=positive_int, default=2, help="temporal folds (default 2)")
    p.add_argument("--scoring", choices=list(TSRNN_SCORERS), default="smape")
    p.add_argument("--n-jobs", type=positive_int, default=1, help="worker processes")
    p.add_argument("--max-epochs", type=positive_int, default=20, help="neural models (default 20)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plots", help="save Optuna's plots (PNG) into this folder")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=tune_command)


def positive_int(text: str) -> int:
    """``argparse`` type: an integer >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text}")
    return value


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


def tune_command(args: argparse.Namespace) -> int:
    """Run ``tsrnn tune``."""
    source, train, test, horizon = _data(args)
    if args.model in BASELINES:
        model = BASELINES[args.model](horizon=horizon)
    else:  # lstm and gru keep their cell; rnn searches over the cell too
        model = NETWORKS[args.model](
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
    pruner = PRUNERS[args.pruner]()
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
