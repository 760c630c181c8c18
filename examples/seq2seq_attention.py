"""A seq2seq forecaster with attention: holdout accuracy and a plot of where it looks.

Steps:

1. hold out the last 12 months of every series of the bundled ``monthly_short`` panel
   (12 M3 monthly series) with ``temporal_train_test_split``;
2. fit a :class:`~tsrnn.Seq2SeqForecaster` (LSTM encoder and decoder, Luong "general"
   attention, scheduled sampling with a linear decay) on the log target
   (:class:`~tsrnn.preprocessing.LogTransformer`, which keeps zeros finite), and a seasonal
   naive baseline; print both holdout sMAPEs;
3. ``forecast_attention()`` returns the forecast together with the attention weights
   ``(series, forecast step, context step)``; print how much weight each context lag gets
   on average, and (``--plot PATH``) save a heatmap per series (Agg backend).

Run ``python examples/seq2seq_attention.py --plot attention.png``; set
``TSRNN_EXAMPLES_FAST=1`` for a seconds-long smoke run with a tiny network.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch

from tsrnn import SeasonalNaiveForecaster, Seq2SeqForecaster, temporal_train_test_split
from tsrnn.datasets import load_monthly_short
from tsrnn.metrics import smape
from tsrnn.preprocessing import LogTransformer

FAST = os.environ.get("TSRNN_EXAMPLES_FAST") == "1"
HORIZON = 12
CONTEXT = 24


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2 if FAST else 40)
    parser.add_argument("--attention", default="general", choices=["dot", "general", "additive"])
    parser.add_argument("--plot", metavar="PATH", help="save a PNG of the attention weights")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    return parser.parse_args()


def plot(path: str, ids: list, weights: np.ndarray) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = 4
    rows = int(np.ceil(len(ids) / cols))
    fig, axes = plt.subplots(
        rows, cols, figsize=(3.2 * cols, 2.4 * rows), squeeze=False, sharex=True, sharey=True,
        constrained_layout=True,
    )
    lags = np.arange(-CONTEXT + 1, 1)  # 0 = last observation
    for ax, sid, w in zip(axes.flat, ids, weights, strict=False):
        image = ax.imshow(
            np.nan_to_num(w), aspect="auto", cmap="viridis", origin="lower",
            extent=(lags[0] - 0.5, lags[-1] + 0.5, 0.5, HORIZON + 0.5),
        )
        ax.set_title(str(sid), fontsize=9)
    for ax in axes[-1]:
        ax.set_xlabel("context step (0 = last observed)", fontsize=8)
    for ax in axes[:, 0]:
        ax.set_ylabel("forecast step", fontsize=8)
    for ax in list(axes.flat)[len(ids):]:
        ax.axis("off")
    fig.colorbar(image, ax=axes, shrink=0.6, label="attention weight")
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    df = load_monthly_short()
    X_train, X_test, y_train, y_test = temporal_train_test_split(
        df[["unique_id", "ds"]], df["y"], test_size=HORIZON
    )
    print(f"monthly_short: {df['unique_id'].nunique()} series; holdout {HORIZON} months each")

    log = LogTransformer().fit(y_train)
    model = Seq2SeqForecaster(
        horizon=HORIZON, context_length=CONTEXT, attention=args.attention,
        hidden_size=4 if FAST else 32, max_epochs=args.epochs, learning_rate=3e-3,
        batch_size=64, random_state=args.seed,
    ).fit(X_train, log.transform(y_train))
    baseline = SeasonalNaiveForecaster(horizon=HORIZON).fit(X_train, y_train)
    s2s = smape(y_test, log.inverse_transform(model.predict(X_test)))
    snaive = smape(y_test, baseline.predict(X_test))
    print(f"Holdout sMAPE: seq2seq ({args.attention} attention) {s2s:.2f}, "
          f"seasonal naive {snaive:.2f}")

    frame, weights = model.forecast_attention()  # weights: [series, step, context]
    ids = frame["unique_id"].drop_duplicates().tolist()
    profile = np.nanmean(weights, axis=(0, 1))  # mean weight per context step
    top = np.argsort(profile)[::-1][:3]
    print("Attention weights: shape", weights.shape, "(series, forecast step, context step)")
    print("Mean weight by lag (0 = last observation): " + ", ".join(
        f"lag {CONTEXT - 1 - j}: {profile[j]:.3f}" for j in top))
    if args.plot:
        plot(args.plot, ids, weights)
        print(f"Saved the attention heatmaps to {args.plot}")
    print(f"\nDone in {time.perf_counter() - start:.1f} s ({'fast' if FAST else 'normal'} mode).")


if __name__ == "__main__":
    main()
