"""Choose ESRNNForecaster's settings on M3 validation windows (never the test window).

Each M3 training series loses its last ``horizon`` rows, which become the validation
window; every candidate is fitted on the rest and scored there next to Theta. The M3
test window is not read. Usage::

    python benchmarks/esrnn_validation.py yearly [--limit N] [--candidates a,b,...]
"""

from __future__ import annotations

import argparse
import time

import torch

from tsrnn import ESRNNForecaster
from tsrnn.baselines import ThetaForecaster
from tsrnn.datasets import M3_HORIZONS, M3_SEASON_LENGTH, load_m3
from tsrnn.evaluation import compare
from tsrnn.model_selection import temporal_train_test_split

#: Candidate name -> ESRNNForecaster parameters beyond horizon and season length.
CANDIDATES = {
    "base": {},
    "gru": {"cell": "gru"},
    "tau48": {"tau": 0.48},
    "penalty10": {"level_penalty": 10.0},
    "penalty50": {"level_penalty": 50.0},
    "mae": {"loss": "mae"},
    "epochs60": {"max_epochs": 60},
    "batch16": {"batch_size": 16},
    "window2h": {"context_length": "2h"},
    "hidden16": {"hidden_size": 16},
    "epochs15": {"max_epochs": 15},
    "penalty10_epochs15": {"level_penalty": 10.0, "max_epochs": 15},
    "lr1e-2": {"learning_rate": 1e-2},
    "fast": {"learning_rate": 1e-2, "batch_size": 16},
    "fast60": {"learning_rate": 1e-2, "batch_size": 16, "max_epochs": 60},
}


def main() -> None:  # noqa: D103
    parser = argparse.ArgumentParser()
    parser.add_argument("category")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--candidates", default=",".join(CANDIDATES))
    parser.add_argument("--no-theta", action="store_true", help="skip Theta (slow here)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    h, m = M3_HORIZONS[args.category], M3_SEASON_LENGTH[args.category]
    train, _ = load_m3(args.category, limit=args.limit)  # the test window is never used
    fit_rows, val_rows = temporal_train_test_split(train, test_size=h)
    models = {}
    if not args.no_theta:
        models["theta"] = ThetaForecaster(horizon=h, season_length=m, n_jobs=1)
    for name in args.candidates.split(","):
        params = dict(CANDIDATES[name])
        if params.get("context_length") == "2h":
            params["context_length"] = 2 * max(h, m)
        models[f"esrnn_{name}"] = ESRNNForecaster(
            horizon=h, season_length=m if m > 1 else None, random_state=0, **params
        )
    start = time.perf_counter()
    result = compare(models, fit_rows, X_test=val_rows, season_length=m, verbose=False)
    board = result.leaderboard[["model", "smape", "mase", "owa", "fit_seconds"]]
    print(
        f"M3 {args.category} validation windows ({fit_rows.unique_id.nunique()} series), "
        f"{time.perf_counter() - start:.0f} s"
    )
    print(board.to_string(index=False))


if __name__ == "__main__":
    main()
