"""Stream half-hourly electricity demand into a stateful LSTM, one observation at a time.

What this shows, on the bundled ``elecdemand`` series (Victoria, 2014, half-hourly, with
``temperature``):

1. a :class:`~tsrnn.StreamingRNNForecaster` (LSTM) trained *statefully* (``tbptt_steps=96``:
   the series is read from its start in chunks of two days, the state carried across them) on
   January-November, with temperature as a past covariate;
2. the first two weeks of December streamed observation by observation: before each new
   half hour arrives the model forecasts it (one step ahead) and the value 6 hours ahead;
   then ``update()`` advances the kept hidden state by that one row (constant work, no
   window of history is re-read);
3. the running MAE of both forecasts printed once a day, against baselines updated the same
   way: naive (the last value) one step ahead, seasonal naive (the same half hour of the day
   before) 6 hours ahead;
4. optionally (``--plot PATH``) a PNG of the running errors (Agg backend).

Run ``python examples/streaming_elecdemand.py``; set ``TSRNN_EXAMPLES_FAST=1`` for a
seconds-long smoke run (fewer training weeks, one epoch, one streamed day).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd
import torch

from tsrnn import NaiveForecaster, SeasonalNaiveForecaster, StreamingRNNForecaster
from tsrnn.datasets import load_dataset

FAST = os.environ.get("TSRNN_EXAMPLES_FAST") == "1"
HORIZON = 12  # 6 hours of half-hours
STREAM_START = pd.Timestamp("2014-12-01")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=1 if FAST else 14, help="days to stream")
    parser.add_argument("--epochs", type=int, default=1 if FAST else 4)
    parser.add_argument("--plot", metavar="PATH", help="save a PNG of the running errors here")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args()


def plot(path: str, log: pd.DataFrame) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 3.5))
    styles = {"lstm_1": "-", "naive_1": ":", "lstm_12": "--", "snaive_12": "-."}
    for column, style in styles.items():
        ax.plot(log["ds"], log[column], style, label=f"running MAE {column}")
    ax.set_ylabel("GW")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=80)


def main() -> None:
    args = parse_args()
    torch.set_num_threads(1)
    if FAST:
        print("fast mode: 6 training weeks, 1 epoch, 1 streamed day")
    df = load_dataset("elecdemand").drop(columns="workday")  # y, temperature
    train = df[df.ds < STREAM_START]
    if FAST:
        train = train[train.ds >= STREAM_START - pd.Timedelta(weeks=6)]
    stream = df[(df.ds >= STREAM_START) & (df.ds < STREAM_START + pd.Timedelta(days=args.days))]
    t0 = time.perf_counter()
    est = StreamingRNNForecaster(
        horizon=HORIZON, tbptt_steps=96, hidden_size=32, batch_size=1, learning_rate=3e-3,
        max_epochs=args.epochs, random_state=args.seed,
    ).fit(train)  # fmt: skip
    target = ["unique_id", "ds", "y"]
    naive = NaiveForecaster(horizon=1).fit(train[target])
    snaive = SeasonalNaiveForecaster(horizon=HORIZON).fit(train[target])
    print(f"Trained on {len(train)} half-hours in {time.perf_counter() - t0:.1f} s; "
          f"train loss per epoch {[round(v, 3) for v in est.history_['train_loss']]}")  # fmt: skip
    print(f"Streaming {len(stream)} observations one at a time")
    pending: dict[pd.Timestamp, tuple[float, float]] = {}  # 6-hour-ahead forecasts to score
    errors = {"lstm_1": [], "naive_1": [], "lstm_12": [], "snaive_12": []}
    log, t0 = [], time.perf_counter()
    for i in range(len(stream)):
        row = stream.iloc[[i]]
        ds, truth = row.ds.iloc[0], float(row.y.iloc[0])
        forecast = est.forecast()["yhat"].to_numpy()
        errors["lstm_1"].append(abs(forecast[0] - truth))
        errors["naive_1"].append(abs(naive.forecast()["yhat"].iloc[0] - truth))
        if ds in pending:
            lstm_12, snaive_12 = pending.pop(ds)
            errors["lstm_12"].append(abs(lstm_12 - truth))
            errors["snaive_12"].append(abs(snaive_12 - truth))
        ahead = ds + pd.Timedelta(minutes=30 * (HORIZON - 1))  # the 12th half hour from now
        pending[ahead] = (forecast[-1], snaive.forecast()["yhat"].iloc[-1])
        est.update(row)  # one recurrent step from the kept state
        naive.update(row[target])
        snaive.update(row[target])
        log.append({"ds": ds, **{k: float(np.mean(v)) if v else np.nan for k, v in errors.items()}})
        if (i + 1) % 48 == 0 or i + 1 == len(stream):
            last = log[-1]
            print(f"{ds:%Y-%m-%d %H:%M}  running MAE (GW): next half hour LSTM "
                  f"{last['lstm_1']:.3f} vs naive {last['naive_1']:.3f}; 6 h ahead LSTM "
                  f"{last['lstm_12']:.3f} vs seasonal naive {last['snaive_12']:.3f}")  # fmt: skip
    seconds = time.perf_counter() - t0
    print(f"Streamed {len(stream)} observations in {seconds:.1f} s "
          f"({1e3 * seconds / len(stream):.1f} ms per step for all models)")  # fmt: skip
    one = np.mean(errors["lstm_1"]) / np.mean(errors["naive_1"])
    six = np.mean(errors["lstm_12"]) / np.mean(errors["snaive_12"])
    print(f"Final MAE ratios: LSTM / naive one step ahead {one:.2f}; "
          f"LSTM / seasonal naive 6 h ahead {six:.2f}")  # fmt: skip
    if args.plot:
        plot(args.plot, pd.DataFrame(log))
        print(f"Plot saved to {args.plot}")


if __name__ == "__main__":
    main()
