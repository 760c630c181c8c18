"""Recurrent forecasters on one M3 category: sMAPE of single seeds and of their median.

The experiment harness behind the "what was tried" table of ``docs/benchmarks.md``: one
configuration of the ``tsrnn`` recipe at a time. The target is modelled on the log scale
(``TransformedTargetRegressor`` with ``LogTransformer``), windows are normalised to their
last observation (``normalize_windows``), the context is ``ctx`` times the horizon, and
with ``--deseasonalize`` seasonal series are adjusted first (``DeseasonalizedForecaster``).
Examples (about 1 minute per seed for monthly on 2 idle cores)::

    python benchmarks/m3_recurrent.py --category monthly --deseasonalize --ctx 0.75
    python benchmarks/m3_recurrent.py --category quarterly --deseasonalize --ctx 0.75 \
        --cell gru --seeds 3
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import torch
from sklearn.compose import TransformedTargetRegressor

from tsrnn import DeseasonalizedForecaster, RNNForecaster, Seq2SeqForecaster
from tsrnn.datasets import M3_HORIZONS, M3_SEASON_LENGTH, load_m3
from tsrnn.metrics import smape
from tsrnn.preprocessing import LogTransformer


def build(args: argparse.Namespace, seed: int) -> object:
    """One network of the configuration in ``args``, wrapped as the options say."""
    horizon = M3_HORIZONS[args.category]
    architecture = {}
    if args.seq2seq:
        architecture = {"attention": args.seq2seq, "teacher_forcing": "always"}
    est = (Seq2SeqForecaster if args.seq2seq else RNNForecaster)(
        **architecture,
        cell=args.cell,
        horizon=horizon,
        context_length=max(2, round(args.ctx * horizon)),
        hidden_size=args.hidden_size,
        max_epochs=args.epochs,
        learning_rate=args.learning_rate,
        batch_size=args.batch_size,
        random_state=seed,
        normalize_windows=not args.no_window_normalization,
        loss=args.loss,
        scaler=args.scaler,
    )
    if not args.no_log:
        est = TransformedTargetRegressor(est, transformer=LogTransformer())
    if args.deseasonalize:
        est = DeseasonalizedForecaster(est, season_length=M3_SEASON_LENGTH[args.category])
    return est


def holdout_last(train: pd.DataFrame, horizon: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split the last ``horizon`` rows off every series, as a validation window.

    Settings chosen on it are not chosen on the M3 test window. A series left with
    fewer than ``horizon + 1`` rows (no training window) is dropped from both parts.
    """
    sizes = train.groupby("unique_id", sort=False)["y"].transform("size")
    dropped = train.loc[sizes < 2 * horizon + 1, "unique_id"].nunique()
    train = train[sizes >= 2 * horizon + 1]
    if dropped:
        print(f"validation: {dropped} series too short to hold out {horizon} rows, left out")
    from_end = train.groupby("unique_id", sort=False).cumcount(ascending=False)
    return train[from_end >= horizon], train[from_end < horizon]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--category", default="monthly", choices=sorted(M3_HORIZONS))
    parser.add_argument("--limit", type=int, default=None, help="first N series only")
    parser.add_argument("--cell", default="lstm", choices=["rnn", "lstm", "gru"])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--hidden-size", type=int, default=32)
    parser.add_argument("--ctx", type=float, default=1.25, help="context length / horizon")
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--loss", default="mse", choices=["mse", "mae", "huber"])
    parser.add_argument(
        "--scaler", default="standard", choices=["standard", "diff", "robust", "none"]
    )
    parser.add_argument(
        "--validation",
        action="store_true",
        help="score on the last horizon of each training series instead of the M3 test window",
    )
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument(
        "--seq2seq",
        default=None,
        choices=["none", "dot", "general", "additive"],
        help="a seq2seq encoder-decoder (teacher forcing 'always') with this attention",
    )
    parser.add_argument("--deseasonalize", action="store_true", help="M4-style adjustment")
    parser.add_argument("--no-log", action="store_true", help="model the raw target")
    parser.add_argument("--no-window-normalization", action="store_true")
    parser.add_argument("--save", default=None, help="write the forecasts (one row per seed) here")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    train, test = load_m3(args.category, limit=args.limit)
    if args.validation:
        train, test = holdout_last(train, M3_HORIZONS[args.category])
    rows = test[["unique_id", "ds"]]
    forecasts, start = [], time.perf_counter()
    for seed in range(args.seeds):
        est = build(args, seed).fit(train.drop(columns="y"), train["y"])
        forecasts.append(np.asarray(est.predict(rows), dtype=float))
        print(f"seed {seed}: sMAPE {smape(test['y'], forecasts[-1]):.3f}", flush=True)
    if args.save:
        np.save(args.save, np.vstack(forecasts))
    median = np.median(np.vstack(forecasts), axis=0)
    window = "validation" if args.validation else "test"
    print(
        f"{args.category} ({window}), {test['unique_id'].nunique()} series: median of {args.seeds} "
        f"seed(s) sMAPE {smape(test['y'], median):.3f} in {time.perf_counter() - start:.0f} s"
    )


if __name__ == "__main__":
    main()
