"""Pooling M3 categories in one global network, with and without the category as a feature.

Three ways to forecast M3 yearly, quarterly and other (1,575 series) with the same GRU:
``per-category`` (one network per category, its own horizon), ``pooled`` (one network on
all three, horizon 8; yearly keeps the first 6 steps) and ``pooled+category`` (the same
with ``static_covariates=["category"]``, a learned embedding of the category). Every
network models ``log(y)`` with the ``"diff"`` scaler, normalised windows of 12 steps, 32
GRU units, 20 epochs of Adam (lr 3e-3, batch 256); the forecast is the median of
``--seeds`` networks. The times are integer steps (the categories' calendars differ).

The choice between the three is made on a validation window (the last horizon of each
training series, ``--stage validation``); ``--stage test`` fits on the whole training
series and scores the M3 test window, once. Example (5-10 minutes per variant and stage
with three seeds on a shared two-core machine at load 7-13)::

    python benchmarks/m3_static_pooling.py --stage validation --seeds 3
    python benchmarks/m3_static_pooling.py --stage test --seeds 3
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import torch

from tsrnn import GRUForecaster
from tsrnn.datasets import M3_HORIZONS, M3_SEASON_LENGTH, load_m3
from tsrnn.metrics import mase, smape

CATEGORIES = ("yearly", "quarterly", "other")
POOLED_HORIZON = max(M3_HORIZONS[c] for c in CATEGORIES)
VARIANTS = ("per-category", "pooled", "pooled+category")


def load(stage: str, limit: int | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train and evaluation rows of the three categories, ``ds`` as integer steps."""
    trains, evals = [], []
    for category in CATEGORIES:
        train, test = load_m3(category, limit=limit)
        train = train.assign(ds=train.groupby("unique_id").cumcount(), category=category)
        if stage == "validation":  # the last horizon of every training series
            back = train.groupby("unique_id").cumcount(ascending=False)
            train, test = train[back >= M3_HORIZONS[category]], train[back < M3_HORIZONS[category]]
        else:
            start = train.groupby("unique_id")["ds"].max() + 1
            test = test.assign(ds=test.groupby("unique_id").cumcount()
                               + test["unique_id"].map(start), category=category)  # fmt: skip
        trains.append(train)
        evals.append(test)
    return pd.concat(trains, ignore_index=True), pd.concat(evals, ignore_index=True)


def network(horizon: int, seed: int, static: bool) -> GRUForecaster:
    """The one network configuration of every variant."""
    return GRUForecaster(
        horizon=horizon, context_length=12, hidden_size=32, learning_rate=3e-3,
        batch_size=256, max_epochs=20, scaler="diff", random_state=seed, freq=1,
        static_covariates=["category"] if static else None,
    )  # fmt: skip


def forecasts(variant: str, train: pd.DataFrame, seed: int) -> pd.DataFrame:
    """``unique_id, ds, yhat`` of one seed of one variant (horizon steps per category)."""
    logged = train.assign(y=np.log(train["y"]))
    if variant == "per-category":
        parts = []
        for category, rows in logged.groupby("category"):
            est = network(M3_HORIZONS[category], seed, static=False)
            parts.append(est.fit(rows.drop(columns="category")).forecast())
        out = pd.concat(parts, ignore_index=True)
    else:
        static = variant == "pooled+category"
        est = network(POOLED_HORIZON, seed, static)
        out = est.fit(logged if static else logged.drop(columns="category")).forecast()
    return out.assign(yhat=np.exp(out["yhat"]))


def scores(train: pd.DataFrame, truth: pd.DataFrame, yhat: pd.DataFrame) -> pd.DataFrame:
    """Mean sMAPE and MASE per category, and their average over all forecast points."""
    merged = truth.merge(yhat, on=["unique_id", "ds"], how="left")
    history = {k: g["y"].to_numpy() for k, g in train.groupby("unique_id")}
    rows = []
    for (category, uid), g in merged.groupby(["category", "unique_id"]):
        y, f = g["y"].to_numpy(), g["yhat"].to_numpy()
        m = M3_SEASON_LENGTH[category]
        rows.append((category, len(g), smape(y, f), mase(y, f, history[uid], m)))
    per = pd.DataFrame(rows, columns=["category", "points", "smape", "mase"])
    table = per.groupby("category")[["smape", "mase"]].mean()
    w = per["points"]
    table.loc["all (by points)"] = [np.average(per["smape"], weights=w),
                                    np.average(per["mase"], weights=w)]  # fmt: skip
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", choices=["validation", "test"], default="validation")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=0, help="seeds first-seed, ...")
    parser.add_argument("--limit", type=int, default=None, help="first N series per category")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    args = parser.parse_args()
    torch.set_num_threads(1)
    train, truth = load(args.stage, args.limit)
    print(f"{args.stage}: {train['unique_id'].nunique()} series, {len(train)} training rows")
    tables, seconds = {}, {}
    for variant in args.variants:
        start, runs = time.perf_counter(), []
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            runs.append(forecasts(variant, train, seed).set_index(["unique_id", "ds"])["yhat"])
        median = pd.concat(runs, axis=1).median(axis=1).rename("yhat").reset_index()
        seconds[variant] = time.perf_counter() - start
        tables[variant] = scores(train, truth, median)
        print(f"{variant}: {seconds[variant]:.0f} s\n{tables[variant].round(3)}", flush=True)
    board = pd.concat({v: t for v, t in tables.items()}, axis=1).round(3)
    print(f"\n{args.stage}, median of {args.seeds} seeds\n{board.to_string()}")
    print("fit seconds:", {k: round(v) for k, v in seconds.items()})


if __name__ == "__main__":
    main()
