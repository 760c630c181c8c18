"""Prediction intervals three ways, scored like M4: quantile head, conformal, statsmodels.

On the bundled ``monthly_short`` panel (12 M3 monthly series) the last 12 months of
every series are held out. Three models forecast them with 95% intervals:

- ``LSTMForecaster(loss="quantile")``: a non-crossing quantile head trained with the
  pinball loss (its median is the point forecast);
- ``ConformalForecaster(SeasonalNaiveForecaster())``: split-conformal bands from the
  errors of rolling-origin windows at the end of the training data;
- ``ETSForecaster``: statsmodels' own (simulated) forecast spread.

The script prints each model's empirical coverage, mean width and MSIS (the M4
interval score, scaled by the in-sample seasonal naive MAE), and with ``--plot PATH``
draws one series' bands. ``TSRNN_EXAMPLES_FAST=1``: a seconds-long smoke run.
"""

from __future__ import annotations

import argparse
import os
import warnings

import numpy as np
import pandas as pd
import torch

from tsrnn import ConformalForecaster, LSTMForecaster, SeasonalNaiveForecaster
from tsrnn.baselines import ETSForecaster
from tsrnn.datasets import load_monthly_short
from tsrnn.metrics import coverage, interval_width, msis

FAST = os.environ.get("TSRNN_EXAMPLES_FAST") == "1"
HORIZON = 12


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2 if FAST else 30)
    parser.add_argument("--series", type=int, default=8 if FAST else 12)
    parser.add_argument("--plot", help="save a figure of one series' bands here")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    torch.set_num_threads(1)
    if FAST:
        print("fast mode: a tiny network, few series")
    df = load_monthly_short()
    df = df[df.unique_id.isin(sorted(df.unique_id.unique())[: args.series])]
    train = df.groupby("unique_id").head(-HORIZON)
    test = df.groupby("unique_id").tail(HORIZON)
    models = {
        "lstm quantile head": LSTMForecaster(
            horizon=HORIZON, context_length=24, hidden_size=4 if FAST else 32,
            max_epochs=args.epochs, loss="quantile", random_state=0,
        ),  # fmt: skip
        "conformal snaive": ConformalForecaster(
            SeasonalNaiveForecaster(horizon=HORIZON), n_windows=3
        ),
        "ets (statsmodels)": ETSForecaster(horizon=HORIZON, seasonal=None if FAST else "auto"),
    }
    rows, bands = [], {}
    for name, model in models.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(train)
        band = model.predict_interval(test, coverage=0.95)
        lo, hi = band["yhat_lo_95"].to_numpy(), band["yhat_hi_95"].to_numpy()
        bands[name] = (model.predict(test), lo, hi)
        scores = [
            msis(g.y, lo[g.index_pos], hi[g.index_pos], train.y[train.unique_id == uid],
                 season_length=12)
            for uid, g in test.assign(index_pos=np.arange(len(test))).groupby("unique_id")
        ]  # fmt: skip
        rows.append(
            {
                "model": name,
                "coverage_95": coverage(test.y, lo, hi),
                "mean_width": interval_width(lo, hi),
                "msis": float(np.mean(scores)),
            }
        )
    print(f"Holdout intervals (95%), {test.unique_id.nunique()} series x {HORIZON} months:")
    print(pd.DataFrame(rows).to_string(index=False, float_format="{:.3f}".format))
    if args.plot:
        plot(train, test, bands, args.plot)
        print(f"Saved the bands of one series to {args.plot}")


def plot(train: pd.DataFrame, test: pd.DataFrame, bands: dict, path: str) -> None:
    import matplotlib.pyplot as plt

    uid = test.unique_id.iloc[0]
    past, future = train[train.unique_id == uid].tail(36), test[test.unique_id == uid]
    rows = (test.unique_id == uid).to_numpy()
    fig, axes = plt.subplots(1, len(bands), figsize=(4 * len(bands), 3), sharey=True)
    for ax, (name, (point, lo, hi)) in zip(axes, bands.items(), strict=True):
        ax.plot(past.ds, past.y, color="black", lw=1)
        ax.plot(future.ds, future.y, color="black", lw=1, ls=":")
        ax.fill_between(future.ds, lo[rows], hi[rows], alpha=0.3, label="95%")
        ax.plot(future.ds, point[rows], lw=1.5, label="forecast")
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=7)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
