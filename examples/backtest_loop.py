"""A hand-written rolling-origin backtest with tsrnn's sklearn-style temporal splitter.

``TemporalSplit(n_splits=3, horizon=12)`` yields row indices of a long table: in each fold,
train = every series' history before a cutoff, test = the next 12 rows of every series;
the cutoffs move 12 months forward from fold to fold. For each fold this script clones
and fits an :class:`~tsrnn.LSTMForecaster` and two baselines (seasonal naive, naive) on the
train rows, predicts the test rows (one value per row) and scores them with sMAPE, building
a per-fold / per-model table with the mean over folds.

The data are the bundled ``monthly_short`` panel: 12 M3 monthly series of 66 to 144 months,
so the first fold trains the shortest series on only 30 months. (A library ``backtest``
function will wrap this loop; here it is spelled out.)
Set ``TSRNN_EXAMPLES_FAST=1`` for a seconds-long smoke run on 4 series with a tiny network.
"""

from __future__ import annotations

import argparse
import os
import time

import pandas as pd
import torch
from sklearn.base import clone

from tsrnn import LSTMForecaster, NaiveForecaster, SeasonalNaiveForecaster, TemporalSplit
from tsrnn.datasets import load_monthly_short
from tsrnn.metrics import smape

FAST = os.environ.get("TSRNN_EXAMPLES_FAST") == "1"
HORIZON = 12


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2 if FAST else 20)
    parser.add_argument("--series", type=int, default=4 if FAST else 12,
                        help="use the first N series of monthly_short")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads; small recurrent nets train fastest on 1, and "
                             "extra threads can slow them many times on a busy CPU")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    df = load_monthly_short()
    keep = df["unique_id"].drop_duplicates().iloc[: args.series]
    df = df[df["unique_id"].isin(keep)].reset_index(drop=True)
    X, y = df[["unique_id", "ds"]], df["y"]
    lengths = df.groupby("unique_id").size()
    print(f"monthly_short: {len(keep)} series, {len(df)} rows, "
          f"lengths {lengths.min()}..{lengths.max()}")

    models = {
        "lstm": LSTMForecaster(horizon=HORIZON, context_length=12 if FAST else 24,
                               hidden_size=4 if FAST else 32, max_epochs=args.epochs,
                               learning_rate=3e-3, random_state=args.seed),
        "seasonal_naive": SeasonalNaiveForecaster(horizon=HORIZON),
        "naive": NaiveForecaster(horizon=HORIZON),
    }
    cv = TemporalSplit(n_splits=3, horizon=HORIZON)
    records = []
    for fold, (train, test) in enumerate(cv.split(X)):
        X_train, y_train = X.iloc[train], y.iloc[train]
        X_test, y_test = X.iloc[test], y.iloc[test]
        for name, template in models.items():
            tic = time.perf_counter()
            model = clone(template).fit(X_train, y_train)
            y_pred = model.predict(X_test)
            records.append({"fold": fold, "model": name, "smape": smape(y_test, y_pred),
                            "seconds": time.perf_counter() - tic})
        line = ", ".join(f"{r['model']} {r['smape']:.2f}" for r in records[-len(models):])
        print(f"fold {fold}: {len(train)} train rows, {len(test)} test rows; sMAPE {line}")

    scores = pd.DataFrame(records)
    table = scores.pivot(index="fold", columns="model", values="smape")[list(models)]
    table.loc["mean"] = table.mean()
    print("\nsMAPE per fold and model (lower is better):")
    print(table.round(2).to_string())
    fit_time = scores.groupby("model")["seconds"].sum()[list(models)]
    print("\nTotal fit+predict seconds per model: "
          + ", ".join(f"{m} {s:.1f}" for m, s in fit_time.items()))
    print(f"Best mean sMAPE: {table.loc['mean'].idxmin()}")
    print(f"\nDone in {time.perf_counter() - start:.1f} s ({'fast' if FAST else 'normal'} mode).")


if __name__ == "__main__":
    main()
