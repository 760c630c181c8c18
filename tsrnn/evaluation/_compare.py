"""Side-by-side evaluation of forecasters on one holdout: leaderboard, significance, plots."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from tqdm.auto import tqdm

from tsrnn.baselines import Naive2Forecaster
from tsrnn.data.frame import to_long
from tsrnn.evaluation._intervals import (
    band_columns,
    calibrated_for,
    interval_scores,
    model_interval,
)
from tsrnn.evaluation._significance import panel_diebold_mariano
from tsrnn.exceptions import DataValidationError, ParameterError
from tsrnn.metrics import owa, panel_scores
from tsrnn.metrics._point import _smape_terms
from tsrnn.model_selection import temporal_train_test_split
from tsrnn.model_selection._backtest import estimator_horizon, fitted_season_lengths

__all__ = ["Comparison", "compare"]

DM_LOSSES = {
    "smape": _smape_terms,
    "mae": lambda y, f: np.abs(y - f),
    "mse": lambda y, f: (y - f) ** 2,
}


@dataclass
class Comparison:
    """What :func:`compare` found: the leaderboard and everything behind it.

    Attributes
    ----------
    leaderboard : DataFrame
        One row per model, best sMAPE first: ``model``, ``smape``, ``mase``, ``owa``,
        ``mae``, ``rmse``, ``fit_seconds``, ``predict_seconds``, ``dm_statistic``,
        ``dm_pvalue`` (test against ``reference``; negative favours the model).
    per_horizon : DataFrame
        sMAPE per model (rows) and forecast step (columns ``1..horizon``).
    forecasts : DataFrame
        Long table: id, time, ``model``, ``yhat`` and the actual ``y`` of every test row.
    scores : DataFrame
        Per-series scores of every model (:func:`~tsrnn.metrics.panel_scores` + ``model``).
    history : DataFrame
        The training rows (id, time, target), for plots and MASE.
    reference : str or None
        The best baseline, which the Diebold-Mariano tests compare against.
    naive2 : tuple of float
        Naive2's mean sMAPE and MASE on the same rows (the OWA reference).
    figure_path : Path or None
        Where the figure was saved, when ``compare(plot=...)`` was given.
    """

    leaderboard: pd.DataFrame
    per_horizon: pd.DataFrame
    forecasts: pd.DataFrame
    scores: pd.DataFrame
    history: pd.DataFrame
    reference: str | None
    columns: tuple[str, str, str] = ("unique_id", "ds", "y")
    naive2: tuple[float, float] = (float("nan"), float("nan"))
    figure_path: Path | None = field(default=None)

    def to_markdown(self, digits: int = 3) -> str:
        """Return the leaderboard as a GitHub-flavoured markdown table."""
        return frame_to_markdown(self.leaderboard, digits)

    def plot(self, path: str | Path | None = None, *, n_examples: int = 4) -> Any:
        """Draw per-horizon sMAPE curves and ``n_examples`` series with their forecasts.

        Parameters
        ----------
        path : str or Path, optional
            Save the figure there (format from the suffix, e.g. ``.png``).
        n_examples : int, default=4
            Example series, evenly spaced over the sorted ids.

        Returns
        -------
        matplotlib.figure.Figure
        """
        from tsrnn.evaluation._plots import plot_comparison

        return plot_comparison(self, path, n_examples=n_examples)


def frame_to_markdown(frame: pd.DataFrame, digits: int = 3) -> str:
    """Render a DataFrame as a markdown table, floats rounded to ``digits``.

    Examples
    --------
    >>> print(frame_to_markdown(pd.DataFrame({"model": ["a"], "smape": [12.3456]})))
    | model | smape |
    |---|---|
    | a | 12.346 |
    """

    def cell(value: Any) -> str:
        if isinstance(value, float | np.floating):
            return "" if np.isnan(value) else f"{value:.{digits}f}"
        return str(value)

    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * frame.shape[1]]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(False)]
    return "\n".join(lines)


def _named(models: Any) -> list[tuple[str, Any]]:
    if isinstance(models, Mapping):
        pairs = list(models.items())
    elif isinstance(models, Sequence) and not isinstance(models, str):
        pairs = [m if isinstance(m, tuple) else (type(m).__name__, m) for m in models]
    else:
        raise ParameterError(
            "models must be a dict {name: estimator}, a list of (name, estimator) pairs or a "
            f"list of estimators; got {type(models).__name__}."
        )
    names = [name for name, _ in pairs]
    if not pairs or len(set(names)) != len(names):
        raise ParameterError(f"models needs at least one model and unique names; got {names}.")
    return pairs


def _is_baseline(estimator: Any) -> bool:
    inner = getattr(estimator, "regressor", None) or getattr(estimator, "estimator", None)
    module = type(estimator).__module__
    return module.startswith("tsrnn.baselines") or (inner is not None and _is_baseline(inner))


def _split(X, y, X_test, y_test, test_size, models, cols):  # noqa: ANN001, ANN202
    id_col, time_col, target_col = cols
    train = to_long(X, y, id_col=id_col, time_col=time_col, target_col=target_col)
    if X_test is not None:
        test = to_long(X_test, y_test, id_col=id_col, time_col=time_col, target_col=target_col)
    else:
        if test_size is None:
            horizons = {estimator_horizon(m) for _, m in models}
            if len(horizons) != 1:
                raise ParameterError(
                    f"The models forecast different horizons {sorted(horizons)}; pass test_size=."
                )
            test_size = horizons.pop()
        train, test = temporal_train_test_split(
            train, test_size=test_size, id_col=id_col, time_col=time_col
        )
    if target_col not in train or target_col not in test:
        raise DataValidationError(
            f"compare needs the target: a {target_col!r} column in X (and X_test), or y "
            "(and y_test)."
        )
    test = test.sort_values([id_col, time_col], kind="stable")
    return train.reset_index(drop=True), test.reset_index(drop=True)


def compare(
    models: Any,
    X: Any,
    y: Any = None,
    *,
    X_test: Any = None,
    y_test: Any = None,
    test_size: int | None = None,
    season_length: int | Mapping | None = None,
    dm_loss: str = "smape",
    plot: str | Path | None = None,
    n_examples: int = 4,
    verbose: bool = True,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
    intervals: float | None = None,
) -> Comparison:
    """Fit every model on the same history, forecast the same holdout and rank them.

    Each model is cloned, fitted on the training rows and asked for the test rows;
    fit and predict times are wall-clock seconds. sMAPE, MASE, MAE and RMSE are
    averaged series by series (:func:`~tsrnn.metrics.panel_scores`); OWA is relative
    to Naive2 on the same rows (fitted here when no model is a
    :class:`~tsrnn.baselines.Naive2Forecaster`). Every model is tested against the
    best baseline (the tsrnn.baselines model with the lowest sMAPE) with
    :func:`panel_diebold_mariano` on per-row ``dm_loss`` values.

    Parameters
    ----------
    models : dict, list of (name, estimator) or list of estimators
        The forecasters; any estimator with the row contract (sklearn wrappers too).
    X : DataFrame or Series
        Training rows (any form ``fit`` accepts), or all rows when ``X_test`` is None.
    y : array-like, optional
        Target of ``X`` when it is not a column.
    X_test, y_test : optional
        Test rows and their target; by default the last ``test_size`` rows of every
        series of ``X`` are held out.
    test_size : int, optional
        Rows held out per series; defaults to the models' common ``horizon``.
    season_length : int, mapping or None, default=None
        MASE lag; by default each series' conventional season from its frequency.
    dm_loss : {"smape", "mae", "mse"}, default="smape"
        Per-row loss of the Diebold-Mariano tests.
    plot : str or Path, optional
        Save the figure of :meth:`Comparison.plot` there (needs matplotlib).
    n_examples : int, default=4
        Example series in the figure.
    verbose : bool, default=True
        Progress bar over the models.
    id_col, time_col, target_col : str
        Column names.
    intervals : float, optional
        Also ask every model for ``predict_interval(coverage=intervals)`` and add
        ``coverage`` (empirical) and ``msis`` (the M4 scaled interval score, mean over
        series, with the MASE lag) to the leaderboard and ``yhat_lo_<pct>``/``yhat_hi_<pct>``
        to the forecasts; NaN for models without intervals.

    Returns
    -------
    Comparison

    Examples
    --------
    >>> from tsrnn.baselines import SeasonalNaiveForecaster, ThetaForecaster
    >>> from tsrnn.datasets import load_dataset
    >>> df = load_dataset("monthly_short")
    >>> result = compare({"snaive": SeasonalNaiveForecaster(horizon=6),
    ...                   "theta": ThetaForecaster(horizon=6)}, df, verbose=False)
    >>> result.leaderboard[["model", "smape", "mase", "owa"]].round(2)
        model  smape  mase   owa
    0   theta  13.56  0.40  0.78
    1  snaive  26.66  0.66  1.40
    >>> result.reference
    'theta'
    """
    if dm_loss not in DM_LOSSES:
        raise ParameterError(f"dm_loss must be one of {sorted(DM_LOSSES)}; got {dm_loss!r}.")
    cols = (id_col, time_col, target_col)
    pairs = _named(models)
    train, test = _split(X, y, X_test, y_test, test_size, pairs, cols)
    features = [c for c in train.columns if c != target_col]
    test_features = test[[c for c in test.columns if c != target_col]]
    history = train[[*cols]]
    actual = test[target_col].to_numpy(dtype=float)
    rows, fitted_any = [], None
    predictions: dict[str, np.ndarray] = {}
    bands: dict[str, np.ndarray] = {}
    for name, model in tqdm(pairs, desc="compare", unit="model", disable=not verbose):
        est = clone(model) if intervals is None else calibrated_for(clone(model), intervals)
        start = time.perf_counter()
        est.fit(train[features], train[target_col])
        fit_s = time.perf_counter() - start
        start = time.perf_counter()
        yhat = np.asarray(est.predict(test_features), float)
        predict_s = time.perf_counter() - start
        rows.append({"model": name, "fit_seconds": fit_s, "predict_seconds": predict_s})
        predictions[name] = yhat
        if intervals is not None:
            bands[name] = model_interval(est, test_features, intervals)
        fitted_any = fitted_any or est
    seasons = fitted_season_lengths(season_length, fitted_any)
    keys = test[[id_col, time_col]]

    def score(yhat: np.ndarray) -> pd.DataFrame:
        return panel_scores(
            keys.assign(yhat=yhat, **{target_col: actual}),
            None,
            history,
            season_length=seasons,
            id_col=id_col,
            time_col=time_col,
            target_col=target_col,
        )

    scores = pd.concat(
        [score(yhat).assign(model=name) for name, yhat in predictions.items()], ignore_index=True
    )
    naive2 = next((n for n, m in pairs if isinstance(m, Naive2Forecaster)), None)
    if naive2 is None:
        ref = Naive2Forecaster(horizon=int(test.groupby(id_col).size().max()))
        ref.fit(train[features], train[target_col])
        naive2_scores = score(ref.predict(test_features))
    else:
        naive2_scores = scores[scores["model"] == naive2]
    board = pd.DataFrame(rows)
    means = scores.groupby("model", sort=False)[["smape", "mase", "mae", "rmse"]].mean()
    board = board.join(means, on="model")
    n2_smape, n2_mase = naive2_scores["smape"].mean(), naive2_scores["mase"].mean()
    board["owa"] = [
        owa(s, m, n2_smape, n2_mase) for s, m in zip(board.smape, board.mase, strict=True)
    ]
    baselines = [n for n, m in pairs if _is_baseline(m)]
    smapes = board.set_index("model").smape
    reference = min(baselines, key=smapes.__getitem__, default=None)
    loss = DM_LOSSES[dm_loss]
    ids = test[id_col].to_numpy()
    testable = reference is not None and test[id_col].nunique() > 1
    reference_loss = loss(actual, predictions[reference]) if testable else None
    stats = {
        name: panel_diebold_mariano(loss(actual, yhat), reference_loss, ids)
        if testable and name != reference
        else (np.nan, np.nan)
        for name, yhat in predictions.items()
    }
    board["dm_statistic"] = [stats[n][0] for n in board.model]
    board["dm_pvalue"] = [stats[n][1] for n in board.model]
    order = ["model", "smape", "mase", "owa", "mae", "rmse", "fit_seconds", "predict_seconds"]
    if intervals is not None:
        scored = interval_scores(bands, test, history, intervals, seasons, cols)
        board = board.join(scored, on="model")
        order += ["coverage", "msis"]
    board = board[[*order, "dm_statistic", "dm_pvalue"]].sort_values("smape", kind="stable")
    step = test.groupby(id_col, sort=False).cumcount().to_numpy() + 1  # test is sorted
    per_horizon = pd.DataFrame(
        {n: pd.Series(_smape_terms(actual, f)).groupby(step).mean() for n, f in predictions.items()}
    ).T.loc[board.model]
    per_horizon.index.name, per_horizon.columns.name = "model", "step"
    forecasts = pd.concat(
        [
            keys.assign(model=n, yhat=f, **{target_col: actual}, **band_columns(bands, n, intervals))  # noqa: E501
            for n, f in predictions.items()
        ],
        ignore_index=True,
    )
    result = Comparison(
        board.reset_index(drop=True),
        per_horizon,
        forecasts,
        scores,
        history,
        reference,
        cols,
        naive2=(float(n2_smape), float(n2_mase)),
    )
    if plot is not None:
        result.plot(plot, n_examples=n_examples)
        result.figure_path = Path(plot)
    return result
