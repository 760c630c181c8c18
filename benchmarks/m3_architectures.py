"""Recurrent forecasters on M3: sMAPE of single seeds and of their median; an architecture table.

The target is modelled on the log scale (``LogTransformer``), windows are normalised to their last
observation (``normalize_windows``), and the context is ``ctx`` times the horizon.

One model (about 1 minute per seed on 2 idle cores for the windowed LSTM on monthly)::

    python benchmarks/m3_architectures.py --category monthly --epochs 20 --learning-rate 3e-3
    python benchmarks/m3_architectures.py --model seq2seq --attention additive --bidirectional

Every architecture of issue 4 next to the Naive2 and Theta baselines, on the same series
(``--sample N``: N evenly spaced series by name; ``--only`` picks rows)::

    python benchmarks/m3_architectures.py --table --category quarterly
    python benchmarks/m3_architectures.py --table --category monthly --sample 400
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

import numpy as np
import pandas as pd
import torch

from tsrnn import RNNForecaster, Seq2SeqForecaster
from tsrnn.baselines import Naive2Forecaster, ThetaForecaster
from tsrnn.datasets import M3_HORIZONS, load_m3
from tsrnn.metrics import smape
from tsrnn.nn import ATTENTIONS, CELLS, SCHEDULES
from tsrnn.preprocessing import LogTransformer

# name -> (estimator class, parameters beyond the shared ones). The seq2seq rows use
# the linear schedule unless they name another (the default when the table was made).
ARCHITECTURES: dict[str, tuple[type, dict[str, Any]]] = {
    "lstm": (RNNForecaster, {"cell": "lstm"}),
    "gru": (RNNForecaster, {"cell": "gru"}),
    "layernorm_lstm": (RNNForecaster, {"cell": "layernorm_lstm"}),
    "peephole_lstm": (RNNForecaster, {"cell": "peephole_lstm"}),
    "coupled_lstm": (RNNForecaster, {"cell": "coupled_lstm"}),
    "lstm 2 layers": (RNNForecaster, {"num_layers": 2}),
    "lstm 2 layers residual": (RNNForecaster, {"num_layers": 2, "residual": True}),
    "s2s": (Seq2SeqForecaster, {}),
    "s2s dot": (Seq2SeqForecaster, {"attention": "dot"}),
    "s2s general": (Seq2SeqForecaster, {"attention": "general"}),
    "s2s additive": (Seq2SeqForecaster, {"attention": "additive"}),
    "s2s bidirectional": (Seq2SeqForecaster, {"bidirectional": True}),
    "s2s bidirectional additive": (
        Seq2SeqForecaster,
        {"bidirectional": True, "attention": "additive"},
    ),
    "s2s tf always": (Seq2SeqForecaster, {"teacher_forcing": "always"}),
    "s2s tf exponential": (Seq2SeqForecaster, {"teacher_forcing": "exponential"}),
    "s2s tf inverse_sigmoid": (Seq2SeqForecaster, {"teacher_forcing": "inverse_sigmoid"}),
    "s2s tf never": (Seq2SeqForecaster, {"teacher_forcing": "never"}),
    "s2s layernorm_lstm": (Seq2SeqForecaster, {"cell": "layernorm_lstm"}),
    "s2s additive tf always": (
        Seq2SeqForecaster,
        {"attention": "additive", "teacher_forcing": "always"},
    ),
}


for _cls, _params in ARCHITECTURES.values():
    if _cls is Seq2SeqForecaster:
        _params.setdefault("teacher_forcing", "linear")


def load(category: str, limit: int | None, sample: int | None) -> tuple[pd.DataFrame, ...]:
    """M3 training and test frames, optionally an evenly spaced subset of the series."""
    train, test = load_m3(category, limit=limit)
    if sample is not None:
        names = train["unique_id"].unique()
        keep = names[np.linspace(0, len(names) - 1, sample).round().astype(int)]
        train = train[train["unique_id"].isin(keep)].reset_index(drop=True)
        test = test[test["unique_id"].isin(keep)].reset_index(drop=True)
    return train, test


def run(cls: type, params: dict[str, Any], args, train, test) -> tuple[list[float], float, float]:
    """Fit one seed per ``args.seeds``; sMAPE per seed, of the median forecast, seconds."""
    horizon = M3_HORIZONS[args.category]
    log = None if args.no_log else LogTransformer().fit(train["y"])
    fit_on = train if log is None else train.assign(y=log.transform(train["y"]))
    rows, forecasts, scores = test[["unique_id", "ds"]], [], []
    start = time.perf_counter()
    for seed in range(args.seeds):
        est = cls(
            horizon=horizon,
            context_length=max(2, round(args.ctx * horizon)),
            hidden_size=args.hidden_size,
            max_epochs=args.epochs,
            learning_rate=args.learning_rate,
            batch_size=args.batch_size,
            random_state=seed,
            normalize_windows=not args.no_window_normalization,
            loss=args.loss,
            **params,
        ).fit(fit_on)
        yhat = est.predict(rows)
        forecasts.append(yhat if log is None else log.inverse_transform(yhat))
        scores.append(smape(test["y"], forecasts[-1]))
    if args.save and not args.table:
        np.save(args.save, np.vstack(forecasts))
    median = smape(test["y"], np.median(np.vstack(forecasts), axis=0))
    return scores, median, time.perf_counter() - start


def table(args, train, test) -> None:
    """Baselines and every architecture on the same series, one markdown row each."""
    horizon = M3_HORIZONS[args.category]
    n_series = train["unique_id"].nunique()
    print(
        f"M3 {args.category}, {n_series} series, horizon {horizon}, {args.epochs} epochs, "
        f"{args.seeds} seed(s), load average {os.getloadavg()[0]:.2f}\n"
    )
    print("| model | sMAPE (median forecast) | sMAPE per seed | fit s |")
    print("|---|---|---|---|")
    for name, cls in (("Naive2", Naive2Forecaster), ("Theta", ThetaForecaster)):
        start = time.perf_counter()
        est = cls(horizon=horizon).fit(train)
        score = smape(test["y"], est.predict(test[["unique_id", "ds"]]))
        print(f"| {name} | {score:.2f} | | {time.perf_counter() - start:.0f} |", flush=True)
    for name in args.only or ARCHITECTURES:
        cls, params = ARCHITECTURES[name]
        scores, median, seconds = run(cls, params, args, train, test)
        per_seed = ", ".join(f"{s:.2f}" for s in scores)
        print(f"| {name} | {median:.2f} | {per_seed} | {seconds:.0f} |", flush=True)
    print(f"\nload average at end {os.getloadavg()[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--category", default="monthly", choices=sorted(M3_HORIZONS))
    parser.add_argument("--limit", type=int, default=None, help="first N series only")
    parser.add_argument("--sample", type=int, default=None, help="N evenly spaced series")
    parser.add_argument("--table", action="store_true", help="baselines + every architecture")
    parser.add_argument("--only", nargs="+", choices=list(ARCHITECTURES), help="table rows")
    parser.add_argument("--model", default="windowed", choices=["windowed", "seq2seq"])
    parser.add_argument("--cell", default="lstm", choices=list(CELLS))
    parser.add_argument("--num-layers", type=int, default=1)
    parser.add_argument("--residual", action="store_true")
    parser.add_argument("--attention", default="none", choices=list(ATTENTIONS))
    parser.add_argument("--bidirectional", action="store_true")
    parser.add_argument("--teacher-forcing", default="linear", choices=list(SCHEDULES))
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--hidden-size", type=int, default=32)
    parser.add_argument("--ctx", type=float, default=1.25, help="context length / horizon")
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--no-log", action="store_true", help="model the raw target")
    parser.add_argument("--no-window-normalization", action="store_true")
    parser.add_argument("--loss", default="mse", choices=["mse", "mae", "huber"])
    parser.add_argument("--save", default=None, help="write the forecasts (one row per seed) here")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    train, test = load(args.category, args.limit, args.sample)
    if args.table:
        table(args, train, test)
        return
    params = {"cell": args.cell, "num_layers": args.num_layers, "residual": args.residual}
    cls = RNNForecaster
    if args.model == "seq2seq":
        cls = Seq2SeqForecaster
        params |= {
            "attention": args.attention,
            "bidirectional": args.bidirectional,
            "teacher_forcing": args.teacher_forcing,
        }
    scores, median, seconds = run(cls, params, args, train, test)
    for seed, score in enumerate(scores):
        print(f"seed {seed}: sMAPE {score:.3f}")
    print(
        f"{args.category}, {test['unique_id'].nunique()} series: median of {args.seeds} "
        f"seed(s) sMAPE {median:.3f} in {seconds:.0f} s"
    )


if __name__ == "__main__":
    main()
