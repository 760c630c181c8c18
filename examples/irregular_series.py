"""Forecasting series with random gaps: gap-aware LSTMs against carry-forward and a gap-blind LSTM.

A bundled real series with a regular frequency (``elecdemand``: a year of half-hourly electricity
demand in Victoria) is cut into four-week pieces, 13 series (so the holdout has 13 forecast
origins), and loses a random 30% of its observations (fixed seed): every series is now observed
at uneven times. The last ``--horizon`` remaining observations of each series are held out, at
their known timestamps. Four forecasters predict them from the rest:

- ``carry-forward``: the last observed value (naive);
- ``lstm, gaps ignored``: an LSTM on the observations as if they were consecutive steps;
- ``lstm, irregular=True``: the observations with the time since the previous one as an
  input, and the time from the last observation to each holdout row as a known-future input;
- ``lstm, missing="mask"``: the regular grid with the removed steps as missing values
  (observed flag, time since the last observation, masked loss); its horizon covers the
  grid steps up to the last holdout row.

The neural models are fitted with ``--seeds`` seeds and the same settings; the table shows
the mean and standard deviation of their scores (sMAPE, and MASE scaled by each series'
in-sample mean absolute change) over all holdout rows. ``--dataset monthly_short`` runs the
same comparison on 12 M3 monthly series (whole series, no cutting).
Set ``TSRNN_EXAMPLES_FAST=1`` for a seconds-long smoke run on 3 series with a tiny network.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd
import torch

from tsrnn import LSTMForecaster
from tsrnn.datasets import load_dataset
from tsrnn.metrics import smape

FAST = os.environ.get("TSRNN_EXAMPLES_FAST") == "1"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="elecdemand",
                        choices=["elecdemand", "monthly_short"])
    parser.add_argument("--drop", type=float, default=0.3, help="share of rows removed")
    parser.add_argument("--drop-seed", type=int, default=0)
    parser.add_argument("--horizon", type=int, default=None,
                        help="holdout observations per series (24 for elecdemand, 6 monthly)")
    parser.add_argument("--context-length", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=1 if FAST else 16)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--seeds", type=int, default=1 if FAST else 5)
    parser.add_argument("--series", type=int, default=3 if FAST else None)
    parser.add_argument("--threads", type=int, default=1)
    return parser.parse_args()


def remove_observations(df: pd.DataFrame, share: float, seed: int) -> pd.DataFrame:
    """Drop a random ``share`` of the rows (fixed seed)."""
    rng = np.random.default_rng(seed)
    dropped = rng.choice(len(df), size=round(share * len(df)), replace=False)
    return df.drop(index=df.index[dropped]).reset_index(drop=True)


def split_last(df: pd.DataFrame, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The last ``n`` rows of each series are the holdout."""
    from_end = df.groupby("unique_id").cumcount(ascending=False)
    return df[from_end >= n].reset_index(drop=True), df[from_end < n].reset_index(drop=True)


def as_positions(df: pd.DataFrame, start: pd.Series | None = None) -> pd.DataFrame:
    """Replace times by the observation's position in its series (ignoring the gaps)."""
    out = df.copy()
    out["ds"] = out.groupby("unique_id").cumcount()
    if start is not None:
        out["ds"] += out["unique_id"].map(start).to_numpy()
    return out


def scores(test: pd.DataFrame, train: pd.DataFrame, yhat: np.ndarray) -> dict[str, float]:
    # MASE scales each series by its in-sample naive error on the remaining observations
    scale = train.groupby("unique_id")["y"].apply(lambda s: s.diff().abs().mean())
    errors = np.abs(test["y"].to_numpy() - yhat) / test["unique_id"].map(scale).to_numpy()
    return {
        "smape": float(smape(test["y"], yhat)),
        "mase": float(errors.mean()),
    }


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    df = load_dataset(args.dataset)[["unique_id", "ds", "y"]]
    elec = args.dataset == "elecdemand"
    freq = "30min" if elec else "MS"
    horizon = args.horizon or (24 if elec else 6)
    context = args.context_length or (96 if elec else 24)
    if elec:  # four-week pieces: 13 series, so 13 forecast origins
        piece = (df["ds"] - df["ds"].min()) // pd.Timedelta(days=28)
        df = df.assign(unique_id="w" + piece.astype(str).str.zfill(2))
        df = df[df.groupby("unique_id")["y"].transform("size") > 1000]
    if args.series:
        df = df[df["unique_id"].isin(df["unique_id"].unique()[: args.series])]
    sparse = remove_observations(df, args.drop, args.drop_seed)
    train, test = split_last(sparse, horizon)
    print(f"{args.dataset}: {df['unique_id'].nunique()} series, {len(df)} rows; removed "
          f"{len(df) - len(sparse)} ({1 - len(sparse) / len(df):.0%}, seed {args.drop_seed}); "
          f"holdout: last {horizon} observations of each series ({len(test)} rows)")
    ends = pd.DataFrame({"a": train.groupby("unique_id")["ds"].max(),
                         "b": test.groupby("unique_id")["ds"].max()})
    grid_horizon = max(len(pd.date_range(a, b, freq=freq)) - 1 for a, b in ends.to_numpy())
    common = dict(context_length=12 if FAST else context, hidden_size=4 if FAST else 32,
                  max_epochs=args.epochs, learning_rate=args.learning_rate, batch_size=128)
    results: dict[str, list[dict[str, float]]] = {}
    last = train.groupby("unique_id")["y"].last()
    results["carry-forward"] = [scores(test, train, test["unique_id"].map(last).to_numpy())]
    for seed in range(args.seeds):
        blind = LSTMForecaster(horizon=horizon, random_state=seed, **common)
        blind.fit(as_positions(train))
        start_at = train.groupby("unique_id").size()
        yhat = blind.predict(as_positions(test.drop(columns="y"), start_at))
        results.setdefault("lstm, gaps ignored", []).append(scores(test, train, yhat))
        aware = LSTMForecaster(horizon=horizon, irregular=True, random_state=seed, **common)
        yhat = aware.fit(train).predict(test.drop(columns="y"))
        results.setdefault("lstm, irregular=True", []).append(scores(test, train, yhat))
        masked = LSTMForecaster(horizon=grid_horizon, missing="mask", random_state=seed, **common)
        yhat = masked.fit(train).predict(test.drop(columns="y"))
        results.setdefault('lstm, missing="mask"', []).append(scores(test, train, yhat))
        print(f"  seed {seed} done")
    table = pd.DataFrame({
        name: {
            "smape": f"{np.mean([r['smape'] for r in runs]):.2f} ± "
                     f"{np.std([r['smape'] for r in runs]):.2f}",
            "mase": f"{np.mean([r['mase'] for r in runs]):.3f} ± "
                    f"{np.std([r['mase'] for r in runs]):.3f}",
        }
        for name, runs in results.items()
    }).T
    print(f"\nHoldout accuracy (mean ± std over {args.seeds} seed(s); lower is better):")
    print(table.to_string())
    print(f"\n(horizon of the masked model: {grid_horizon} grid steps of {freq})")
    print(f"{'fast mode' if FAST else 'full run'}: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
