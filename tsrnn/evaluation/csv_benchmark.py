"""The benchmark of ``tsrnn benchmark m3`` on any long-format table: your data, every model.

:func:`run_csv` holds out the last ``horizon`` rows of every series, fits every model on
the rest (:func:`~tsrnn.evaluation.compare`) and writes the same files as
:func:`~tsrnn.evaluation.m3.run_m3`: ``leaderboard.md``, ``leaderboard.csv``,
``forecasts.csv`` (``unique_id, ds, model, yhat``), ``per_horizon.csv`` and a figure.
``tsrnn benchmark csv FILE --horizon H`` is its command line.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from tsrnn.evaluation._baselines import BASELINES, make_baseline, make_hybrid
from tsrnn.evaluation._compare import compare, frame_to_markdown
from tsrnn.exceptions import ParameterError
from tsrnn.model_selection import temporal_train_test_split

__all__ = ["CSV_DEFAULT_MODELS", "CSV_INTERVAL_MODELS", "CSV_MODELS", "run_csv"]

Factory = Callable[[int, "int | None", "int | None"], Any]


def _auto(horizon: int, season_length: int | None, n_jobs: int | None) -> Any:
    from tsrnn.estimators import AutoRNNForecaster  # torch: not needed to list the models

    return AutoRNNForecaster(horizon=horizon, season_length=season_length, n_jobs=n_jobs)


def _hybrid(*names: str) -> Factory:
    """The automatic forecaster with the baselines ``names`` among its candidates."""
    return lambda horizon, season, n_jobs: make_hybrid(names, horizon, season, n_jobs)


def _esrnn(horizon: int, season_length: int | None, n_jobs: int | None) -> Any:
    from tsrnn.estimators import ESRNNForecaster

    m = season_length if season_length and season_length > 1 else None
    return ESRNNForecaster(horizon=horizon, season_length=m, random_state=0)


def _network(cell: str) -> Factory:
    def make(horizon: int, season_length: int | None, n_jobs: int | None) -> Any:
        from tsrnn.estimators import GRUForecaster, LSTMForecaster

        cls = {"gru": GRUForecaster, "lstm": LSTMForecaster}[cell]
        return cls(horizon=horizon, context_length=max(horizon, season_length or 1))

    return make


def _cqr(head: dict[str, Any]) -> Factory:
    """One LSTM with ``head`` (quantile or Student-t) in a CQR ConformalForecaster."""

    def make(horizon: int, season_length: int | None, n_jobs: int | None) -> Any:
        from tsrnn.estimators import ConformalForecaster
        from tsrnn.estimators._recipe import RecipeForecaster

        recipe = {"cell": "lstm", "context_length": max(horizon, season_length or 1)}
        network = RecipeForecaster(horizon, recipe=recipe, season_length=season_length, head=head)
        return ConformalForecaster(network, n_windows=1, method="cqr")

    return make


def _baseline(cls: type, **fixed: Any) -> Factory:
    def make(horizon: int, season_length: int | None, n_jobs: int | None) -> Any:
        return make_baseline(cls, fixed, horizon, season_length, n_jobs)

    return make


#: Model name -> factory(horizon, season_length, n_jobs).
CSV_MODELS: dict[str, Factory] = {
    "tsrnn": _auto,
    "tsrnn_hybrid": _hybrid("theta"),
    "tsrnn_hybrid_ets": _hybrid("theta", "ets"),
    "esrnn": _esrnn,
    "lstm": _network("lstm"),
    "gru": _network("gru"),
    "lstm_quantile_cqr": _cqr({"loss": "quantile"}),
    "lstm_student_t_cqr": _cqr({"likelihood": "student_t"}),
    **{name: _baseline(cls, **fixed) for name, (cls, fixed) in BASELINES.items()},
}
CSV_DEFAULT_MODELS = ("tsrnn", "snaive", "naive2", "theta", "ets")
#: Added to the defaults when intervals are scored: the probabilistic default and ARIMA.
CSV_INTERVAL_MODELS = ("lstm_student_t_cqr", "arima")


def run_csv(
    frame: pd.DataFrame,
    horizon: int,
    models: Sequence[str] = CSV_DEFAULT_MODELS,
    *,
    season_length: int | None = None,
    out_dir: str | Path = "csv-benchmark",
    name: str = "csv",
    n_jobs: int | None = None,
    verbose: bool = True,
    intervals: float | None = None,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
) -> pd.DataFrame:
    """Benchmark models on the last ``horizon`` rows of every series; write the files.

    Parameters
    ----------
    frame : DataFrame
        Long table: id, time, target (and covariates, which the models may use).
    horizon : int
        Rows held out at the end of every series, and the models' horizon.
    models : sequence of str, default=CSV_DEFAULT_MODELS
        Names in ``CSV_MODELS``: ``tsrnn`` (:class:`~tsrnn.AutoRNNForecaster`),
        ``tsrnn_hybrid`` (the same with statsmodels Theta among its candidates;
        ``tsrnn_hybrid_ets``: Theta and ETS), ``lstm``,
        ``gru`` (one network), ``lstm_quantile_cqr`` and ``lstm_student_t_cqr``
        (intervals, see ``intervals``) and the baselines ``naive``, ``snaive``,
        ``naive2``, ``ses``, ``holt``, ``damped``, ``theta``, ``ets``, ``arima``.
    season_length : int or None, default=None
        Season length of every series (None: the conventional one of its frequency);
        also the lag of the MASE scale.
    out_dir : str or Path, default="csv-benchmark"
        Folder of the output files (created).
    name : str, default="csv"
        Label of the data in the files (the figure is ``<name>.png``).
    n_jobs : int or None, default=None
        Processes for the per-series baselines and the automatic forecaster.
    verbose : bool, default=True
        Progress per model.
    intervals : float, optional
        Coverage of prediction intervals to score (e.g. 0.95): the leaderboard gets
        ``coverage`` and ``msis`` and ``forecasts.csv`` the bounds (``yhat_lo_95``,
        ``yhat_hi_95``) of every model that gives intervals (NaN for the others).
        ``lstm_student_t_cqr`` is the probabilistic default: an LSTM with a Student-t head
        in a :class:`~tsrnn.ConformalForecaster` (``method="cqr"``, one calibration window);
        ``lstm_quantile_cqr`` has a quantile head instead.
    id_col, time_col, target_col : str
        Column names.

    Returns
    -------
    DataFrame
        ``model, smape, mase, owa, mae, rmse`` (then ``coverage, msis`` with
        ``intervals``), ``fit_seconds, predict_seconds, dm_statistic, dm_pvalue``, best
        sMAPE first.

    Examples
    --------
    >>> import tempfile
    >>> from tsrnn.datasets import load_dataset
    >>> board = run_csv(load_dataset("monthly_short"), 12, ["snaive", "naive2"],
    ...                 out_dir=tempfile.mkdtemp(), verbose=False)
    >>> board["model"].tolist(), board["smape"].round(2).tolist()
    (['naive2', 'snaive'], [23.57, 25.42])
    """
    unknown = [m for m in models if m not in CSV_MODELS]
    if unknown:
        raise ParameterError(f"Unknown model(s) {unknown}; models are {sorted(CSV_MODELS)}.")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    cols = {"id_col": id_col, "time_col": time_col}
    train, test = temporal_train_test_split(frame, test_size=horizon, **cols)
    estimators = {m: CSV_MODELS[m](horizon, season_length, n_jobs) for m in models}
    names = {**cols, "target_col": target_col}
    for est in estimators.values():  # every model here takes the three column names
        est.set_params(**{
            key: names[key.rsplit("__", 1)[-1]]
            for key in est.get_params(deep=True) if key.rsplit("__", 1)[-1] in names
        })  # fmt: skip
    result = compare(
        estimators,
        train,
        X_test=test,
        season_length=season_length,
        plot=out / f"{name}.png",
        verbose=verbose,
        intervals=intervals,
        target_col=target_col,
        **cols,
    )
    board = result.leaderboard
    board.to_csv(out / "leaderboard.csv", index=False)
    bands = [c for c in result.forecasts if c.startswith(("yhat_lo_", "yhat_hi_"))]
    keep = [id_col, time_col, "model", "yhat", *bands]
    result.forecasts[keep].to_csv(out / "forecasts.csv", index=False)
    result.per_horizon.reset_index().to_csv(out / "per_horizon.csv", index=False)
    elapsed = time.perf_counter() - start
    text = [
        f"# Benchmark: {name}",
        "",
        f"{train[id_col].nunique()} series; holdout: the last {horizon} rows of each "
        f"({len(test)} points); {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"total wall time {elapsed / 60:.1f} min. sMAPE and MASE are means over series; OWA "
        "is relative to Naive2; DM: panel Diebold-Mariano test on sMAPE against the best "
        "baseline (negative favours the model).",
        "",
        frame_to_markdown(board),
    ]
    (out / "leaderboard.md").write_text("\n".join(text) + "\n")
    return board
