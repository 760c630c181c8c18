"""Forecast UK road casualties with an LSTM and known-future covariates, pandas in and out.

What this shows, on the bundled ``seatbelts`` panel (3 monthly series, 1969-1984):

1. a long frame split into ``X`` (id, time, covariates) and ``y``, and the last 12 months
   of every series held out with :func:`tsrnn.temporal_train_test_split`;
2. an :class:`~tsrnn.LSTMForecaster` that treats ``petrol_price`` and ``law`` as
   *known-future* covariates (their values are given at the forecast rows) and ``kms`` as a
   *past* covariate (only its history is read);
3. ``predict(X_test)``: one value per holdout row, scored with sMAPE and MAE against a
   :class:`~tsrnn.SeasonalNaiveForecaster` fitted on the same rows;
4. ``update(X_test, y_test)``: the holdout becomes history without refitting the weights,
   then ``forecast(X=...)`` the next 12 months. The future covariate rows are built from
   ``future_frame()`` with an *assumption*: the last observed petrol price is carried
   forward and the seat-belt law stays in force (``law = 1``);
5. optionally (``--plot PATH``) a PNG of history, holdout and forecasts (Agg backend).

Run ``python examples/pandas_workflow.py --plot seatbelts.png``; set
``TSRNN_EXAMPLES_FAST=1`` for a seconds-long smoke run with a tiny network.
"""

from __future__ import annotations

import argparse
import os
import time

import pandas as pd
import torch

from tsrnn import LSTMForecaster, SeasonalNaiveForecaster, temporal_train_test_split
from tsrnn.datasets import load_seatbelts
from tsrnn.metrics import mae, smape

FAST = os.environ.get("TSRNN_EXAMPLES_FAST") == "1"
HORIZON = 12
FUTURE_COVARIATES = ["petrol_price", "law"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot", metavar="PATH", help="save a PNG of the forecasts here")
    parser.add_argument("--epochs", type=int, default=2 if FAST else 50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads; small recurrent nets train fastest on 1, and "
                             "extra threads can slow them many times on a busy CPU")
    return parser.parse_args()


def scores(frame: pd.DataFrame, models: list[str]) -> pd.DataFrame:
    """sMAPE and MAE per series and overall, one column per (metric, model)."""
    groups = [("all", frame), *frame.groupby("unique_id")]
    rows = {name: {(metric.__name__, m): metric(part["y"], part[m]) for metric in (smape, mae)
                   for m in models} for name, part in groups}
    return pd.DataFrame(rows).T.rename_axis("series")


def plot(path: str, history: pd.DataFrame, holdout: pd.DataFrame, future: pd.DataFrame) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ids = list(holdout["unique_id"].unique())
    fig, axes = plt.subplots(len(ids), 1, figsize=(9, 2.6 * len(ids)), sharex=True)
    for ax, uid in zip(axes, ids, strict=True):
        h, t, f = (d[d["unique_id"] == uid] for d in (history, holdout, future))
        h = h[h["ds"] >= "1979-01-01"]
        ax.plot(h["ds"], h["y"], color="black", lw=1, label="history")
        ax.plot(t["ds"], t["y"], color="black", lw=2, label="holdout (actual)")
        ax.plot(t["ds"], t["lstm"], color="tab:blue", ls="--", label="LSTM on holdout")
        ax.plot(t["ds"], t["snaive"], color="tab:orange", ls=":", label="seasonal naive")
        ax.plot(f["ds"], f["yhat"], color="tab:blue", lw=2, label="LSTM forecast")
        ax.set_title(f"seatbelts: {uid}", fontsize=10)
    axes[0].legend(fontsize=7, ncol=3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    df = load_seatbelts()
    X, y = df.drop(columns="y"), df["y"]
    X_train, X_test, y_train, y_test = temporal_train_test_split(X, y, test_size=HORIZON)
    print(f"seatbelts: {df['unique_id'].nunique()} series, {len(X_train)} train rows, "
          f"{len(X_test)} holdout rows ({X_test['ds'].min():%Y-%m} .. {X_test['ds'].max():%Y-%m})")

    lstm = LSTMForecaster(
        horizon=HORIZON, context_length=12 if FAST else 36, hidden_size=4 if FAST else 32,
        max_epochs=args.epochs, learning_rate=3e-3, future_covariates=FUTURE_COVARIATES,
        random_state=args.seed,
    ).fit(X_train, y_train)
    snaive = SeasonalNaiveForecaster(horizon=HORIZON).fit(X_train, y_train)
    loss = lstm.history_["train_loss"][-1]
    print(f"LSTM: covariates {lstm.covariates_}, known-future {lstm.future_covariates_}, "
          f"{lstm.n_windows_} training windows, final train loss {loss:.4f}")

    # predict() returns one value per row of X_test: align it with the rows, pandas-style.
    holdout = X_test[["unique_id", "ds"]].assign(
        y=y_test.to_numpy(), lstm=lstm.predict(X_test), snaive=snaive.predict(X_test))
    print("\nHoldout accuracy (last 12 months of each series):")
    print(scores(holdout, ["lstm", "snaive"]).round(2).to_string())

    # Append the holdout as history (no refit), then forecast 1985 with assumed covariates.
    lstm.update(X_test, y_test)
    future_X = lstm.future_frame()
    last_price = df.groupby("unique_id")["petrol_price"].last()
    future_X["petrol_price"] = future_X["unique_id"].map(last_price)  # assumption: flat price
    future_X["law"] = 1.0  # assumption: the seat-belt law stays in force
    future = lstm.forecast(X=future_X)
    print(f"\nForecast {future['ds'].min():%Y-%m} .. {future['ds'].max():%Y-%m} after update() "
          "(assumed: last petrol price carried forward, law = 1):")
    wide = future.pivot(index="ds", columns="unique_id", values="yhat")
    wide.index = wide.index.strftime("%Y-%m")
    print(wide.round(0).to_string())

    if args.plot:
        plot(args.plot, df, holdout, future)
        print(f"\nPlot saved to {args.plot}")
    print(f"\nDone in {time.perf_counter() - start:.1f} s ({'fast' if FAST else 'normal'} mode).")


if __name__ == "__main__":
    main()
