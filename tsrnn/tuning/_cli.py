"""``tsrnn tune``: tune a forecaster on a CSV or an M3 category, report validation and test.

Building the parser imports only light names (:mod:`tsrnn.tuning._options`); optuna,
torch and the forecasters load when the command runs (:mod:`tsrnn.tuning._command`).
"""

from __future__ import annotations

import argparse

from tsrnn.datasets import DEFAULT_DATASET, M3_HORIZONS
from tsrnn.tuning._options import BASELINES, NETWORKS, PRUNERS, SCORING_NAMES, default_storage

__all__ = ["add_tune_parser", "tune_command"]


def add_tune_parser(commands: argparse._SubParsersAction) -> None:
    """Add the ``tune`` subcommand to the ``tsrnn`` parser."""
    p = commands.add_parser(
        "tune", help="tune a forecaster with Optuna on a long CSV or an M3 category"
    )
    p.add_argument("csv", nargs="?", help=f"long-format CSV; default: bundled {DEFAULT_DATASET!r}")
    p.add_argument("--m3", choices=list(M3_HORIZONS), help="tune on this M3 category instead")
    p.add_argument("--limit", type=positive_int, help="M3: keep the first LIMIT series")
    p.add_argument("--model", choices=[*NETWORKS, *BASELINES], default="lstm")
    p.add_argument(
        "--horizon", type=positive_int, help="default: the M3 horizon (at most it), else 12"
    )
    p.add_argument(
        "--n-trials", type=positive_int, default=20, help="finished trials the study should hold"
    )
    p.add_argument("--timeout", type=float, help="stop starting trials after this many seconds")
    p.add_argument("--storage", help=f"Optuna storage URL (default: {default_storage()})")
    p.add_argument("--study-name", help="study to create or resume (default: a new name)")
    p.add_argument(
        "--pruner",
        choices=list(PRUNERS),
        default="median",
        help="median waits half of --max-epochs before pruning a neural trial",
    )
    p.add_argument("--cv", type=positive_int, default=2, help="temporal folds (default 2)")
    p.add_argument("--scoring", choices=SCORING_NAMES, default="smape")
    p.add_argument("--n-jobs", type=positive_int, default=1, help="worker processes")
    p.add_argument("--max-epochs", type=positive_int, default=20, help="neural models (default 20)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plots", help="save Optuna's plots (PNG) into this folder")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=tune_command)


def positive_int(text: str) -> int:
    """``argparse`` type: an integer >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text}")
    return value


def tune_command(args: argparse.Namespace) -> int:
    """Run ``tsrnn tune``."""
    from tsrnn.tuning._command import run_tune  # optuna, torch and the forecasters

    return run_tune(args)
