"""Choose the probabilistic M3 models' settings on validation windows (never the test window).

Each M3 training series loses its last ``horizon`` rows, which become the validation
window; every candidate is fitted on the rest and its 95% interval is scored there
(coverage and MSIS) next to ETS (statsmodels' simulated intervals). The M3 test window
is not read. The candidates are the models of ``tsrnn benchmark m3 --intervals 95``
(``tsrnn.evaluation.m3.M3_MODELS``) and split-conformal variants (``n_windows``,
``refit``, ``step``) around one GRU of the recipe (log target through tsrnn's
``TargetTransformedForecaster``, which can ``update``, so that calibration windows can
follow one fitted model). Usage::

    python benchmarks/m3_interval_validation.py yearly [--limit 200] [--sample]
        [--candidates a,b,...]
"""

from __future__ import annotations

import argparse
import time

import torch

from tsrnn import ConformalForecaster
from tsrnn.datasets import M3_HORIZONS, M3_SEASON_LENGTH, load_m3
from tsrnn.evaluation import compare
from tsrnn.evaluation.m3 import M3_MODELS, _recipe_network
from tsrnn.model_selection import temporal_train_test_split

#: Conformal variants around one GRU of the recipe: ConformalForecaster parameters.
CONFORMAL = {
    "gru_cf1": {"n_windows": 1},
    "gru_cf2": {"n_windows": 2},
    "gru_cf3": {"n_windows": 3},
    # refit=False (one fitted model updated through the windows) stops on panels whose
    # short series start only after the first cutoff: DeseasonalizedForecaster.update
    # does not add series. Try them on long series only.
    "gru_cf3_update": {"n_windows": 3, "refit": False},
    "gru_cfh_step1": {"n_windows": "h", "step": 1, "refit": False},
}
#: Conformalized quantile regression (method="cqr") around models with their own
#: intervals: model name in M3_MODELS -> ConformalForecaster parameters.
CQR = {
    "lstm_quantile_cqr1": ("lstm_quantile", {"n_windows": 1}),
    "lstm_quantile_cqr2": ("lstm_quantile", {"n_windows": 2}),
    "lstm_student_t_cqr1": ("lstm_student_t", {"n_windows": 1}),
    "deepar_cqr1": ("deepar", {"n_windows": 1}),
    "ets_cqr1": ("ets", {"n_windows": 1}),
}
OTHERS = ("ets", "lstm_quantile", "lstm_student_t", "deepar", "deepar_conformal")


def candidate(name: str, category: str):  # noqa: D103
    if name in CONFORMAL:
        params = dict(CONFORMAL[name])
        if params["n_windows"] == "h":
            params["n_windows"] = M3_HORIZONS[category]
        return ConformalForecaster(_recipe_network(category, "gru"), **params)
    if name in CQR:
        inner, params = CQR[name]
        return ConformalForecaster(M3_MODELS[inner](category, 1), method="cqr", **params)
    return M3_MODELS[name](category, 1)


def main() -> None:  # noqa: D103
    parser = argparse.ArgumentParser()
    parser.add_argument("category")
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument(
        "--sample", action="store_true", help="a random --limit series (seed 0), not the first"
    )
    default = [c for c in CONFORMAL if "refit" not in CONFORMAL[c]] + list(OTHERS) + list(CQR)
    parser.add_argument("--candidates", default=",".join(default))
    args = parser.parse_args()
    torch.set_num_threads(1)
    h, m = M3_HORIZONS[args.category], M3_SEASON_LENGTH[args.category]
    train, _ = load_m3(args.category, limit=None if args.sample else args.limit)
    del _  # the test window is never used
    if args.sample:
        ids = train.unique_id.drop_duplicates().sample(args.limit, random_state=0)
        train = train[train.unique_id.isin(ids)]
    fit_rows, val_rows = temporal_train_test_split(train, test_size=h)
    models = {name: candidate(name, args.category) for name in args.candidates.split(",")}
    start = time.perf_counter()
    result = compare(models, fit_rows, X_test=val_rows, season_length=m, verbose=False,
                     intervals=0.95)  # fmt: skip
    board = result.leaderboard[["model", "coverage", "msis", "smape", "fit_seconds"]]
    print(
        f"M3 {args.category} validation windows ({fit_rows.unique_id.nunique()} series, "
        f"the last {h} training rows of each), {time.perf_counter() - start:.0f} s"
    )
    print(board.sort_values("msis").to_string(index=False))


if __name__ == "__main__":
    main()
