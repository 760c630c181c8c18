"""Tune an LSTM with Optuna: pruning, two worker processes on one SQLite study, resume, plots.

* ``OptunaSearchCV`` searches the default LSTM space with ``TemporalSplit`` folds on the
  bundled ``monthly_short`` panel (its last 12 months are kept out for a final test);
* two worker processes (``n_jobs=2``) share one study in a SQLite file: each asks the
  study for trials until it holds ``--trials`` finished ones;
* ``fit`` again with the same study name and more trials resumes the study: the finished
  trials are kept and only the missing ones run (as after a crash or a ``kill -9``);
* the median pruner stops weak trials from their per-epoch losses;
* Optuna's plots (history, importances, intermediate values) are saved with ``--plots``.

Set ``TSRNN_EXAMPLES_FAST=1`` for a seconds-long smoke run.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import optuna
import torch
from optuna.distributions import IntDistribution

from tsrnn import LSTMForecaster, temporal_train_test_split
from tsrnn.datasets import load_dataset
from tsrnn.metrics import smape
from tsrnn.tuning import OptunaSearchCV, default_search_space, save_study_plots

FAST = os.environ.get("TSRNN_EXAMPLES_FAST") == "1"
HORIZON = 12


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=3 if FAST else 30)
    parser.add_argument("--epochs", type=int, default=1 if FAST else 20)
    parser.add_argument("--storage", help="Optuna storage URL (default: a temporary SQLite file)")
    parser.add_argument("--plots", help="save Optuna's plots into this folder")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    torch.set_num_threads(1)
    start = time.perf_counter()
    df = load_dataset("monthly_short")
    if FAST:  # a few series and small networks
        df = df[df["unique_id"].isin(df["unique_id"].unique()[:3])]
    train, test = temporal_train_test_split(df, test_size=HORIZON)
    lstm = LSTMForecaster(horizon=HORIZON, max_epochs=args.epochs, random_state=0)
    space = default_search_space(lstm)  # extend or narrow it like any dict
    if FAST:
        space["hidden_size"] = IntDistribution(4, 8)
        space["num_layers"] = IntDistribution(1, 1)
    with tempfile.TemporaryDirectory() as tmp:
        storage = args.storage or f"sqlite:///{Path(tmp) / 'study.db'}"
        search = OptunaSearchCV(
            lstm, space, cv=2, n_trials=args.trials, storage=storage, study_name="lstm-demo",
            pruner=optuna.pruners.MedianPruner(n_warmup_steps=args.epochs // 2),
            n_jobs=2, random_state=0,
        ).fit(train)
        workers = {t.user_attrs["worker"] for t in search.study_.trials}
        print(f"{len(search.study_.trials)} trials by {len(workers)} worker processes "
              f"sharing {search.storage_.split('/')[-1]}")
        first = {t.number: t.value for t in search.study_.trials}

        resumed = OptunaSearchCV(
            lstm, space, cv=2, n_trials=args.trials + 2, storage=storage, study_name="lstm-demo",
            random_state=1,
        ).fit(train)
        kept = all(resumed.study_.trials[n].value == v for n, v in first.items())
        print(f"resumed: {len(resumed.study_.trials) - len(first)} more trials, the first "
              f"{len(first)} kept: {kept}")
        res = resumed.cv_results_
        print("\nTrials (sMAPE = -score):")
        cols = ["number", "state", "mean_test_score", "n_reports", "param_hidden_size",
                "param_learning_rate"]
        print(res[cols].round(4).to_string(index=False))
        print(f"\nBest params: {resumed.best_params_}  (cv sMAPE {-resumed.best_score_:.2f})")
        rows = test.drop(columns="y")
        default = smape(test["y"], lstm.fit(train).predict(rows))
        tuned = smape(test["y"], resumed.predict(rows))
        print(f"Test sMAPE, last {HORIZON} months: defaults {default:.2f}, tuned {tuned:.2f}")
        if args.plots:
            files = save_study_plots(resumed.study_, args.plots)
            print("plots: " + ", ".join(sorted(files)))
    print(f"\nDone in {time.perf_counter() - start:.1f} s ({'fast' if FAST else 'normal'} mode).")


if __name__ == "__main__":
    main()
