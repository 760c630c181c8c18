"""Series-by-series scores of a long table of forecasts."""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Integral

import numpy as np
import pandas as pd

from tsrnn.exceptions import DataValidationError
from tsrnn.metrics._point import _ape_terms, _smape_terms

__all__ = ["panel_scores"]


def _require(frame: pd.DataFrame, name: str, columns: list[str]) -> None:
    missing = [c for c in columns if not isinstance(frame, pd.DataFrame) or c not in frame]
    if missing:
        have = list(frame.columns) if isinstance(frame, pd.DataFrame) else type(frame).__name__
        raise DataValidationError(
            f"{name} must be a long DataFrame with columns {columns}; missing {missing} "
            f"(it has {have}). Pass id_col=/time_col=/target_col=/yhat_col= to match."
        )


def _series_seasons(ids: pd.Index, season_length: int | Mapping) -> np.ndarray:
    if isinstance(season_length, Mapping):
        missing = [i for i in ids if i not in season_length]
        if missing:
            raise DataValidationError(
                f"season_length has no entry for series {missing[:5]}; give every series a lag."
            )
        seasons = np.array([season_length[i] for i in ids], dtype=object)
    else:
        seasons = np.full(len(ids), season_length, dtype=object)
    bad = [s for s in seasons if isinstance(s, bool) or not isinstance(s, Integral) or s < 1]
    if bad:
        raise DataValidationError(f"season_length values must be ints >= 1; got {bad[0]!r}.")
    return seasons.astype(np.int64)


def panel_scores(
    forecasts: pd.DataFrame,
    actuals: pd.DataFrame | None,
    history: pd.DataFrame,
    *,
    season_length: int | Mapping,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
    yhat_col: str = "yhat",
) -> pd.DataFrame:
    """Score a long table of forecasts series by series: sMAPE, MASE, MAE, RMSE and MAPE.

    Each series' metrics average over its forecast rows (see :func:`smape`,
    :func:`mase`, :func:`mae`, :func:`rmse`, :func:`mape`). MASE's scale is the
    in-sample seasonal naive MAE of the series' ``history`` with lag ``m`` =
    its season length; when the history has at most ``m`` values the seasonal
    lag cannot be formed and the scale falls back to lag 1 (the ``season_length``
    column reports the lag used). MASE is NaN for a history of one value or a
    constant history (scale 0).

    Parameters
    ----------
    forecasts : DataFrame
        Columns ``id_col``, ``time_col`` and ``yhat_col``: one row per series and
        forecast time (no duplicates; score folds of a backtest one at a time).
    actuals : DataFrame or None
        Columns ``id_col``, ``time_col``, ``target_col``: the observed values of
        every forecast row (other rows are ignored). None: ``forecasts`` holds
        ``target_col`` itself.
    history : DataFrame
        Columns ``id_col``, ``time_col``, ``target_col``: each series' in-sample
        observations, the data before the forecast origin.
    season_length : int or mapping
        Seasonal lag of MASE for every series, or a mapping series id -> lag.
    id_col, time_col, target_col, yhat_col : str
        Column names, by default ``"unique_id"``, ``"ds"``, ``"y"``, ``"yhat"``.

    Returns
    -------
    DataFrame
        One row per series, sorted by id: ``id_col``, ``smape``, ``mase``, ``mae``,
        ``rmse``, ``mape`` and ``season_length`` (the MASE lag used).

    Examples
    --------
    >>> history = pd.DataFrame({"unique_id": ["a"] * 4 + ["b"] * 2, "ds": [0, 1, 2, 3, 0, 1],
    ...                         "y": [1.0, 2, 5, 6, 3, 5]})
    >>> fc = pd.DataFrame({"unique_id": ["a", "a", "b"], "ds": [4, 5, 2],
    ...                    "y": [5.0, 6, 4], "yhat": [5.0, 8, 5]})
    >>> panel_scores(fc, None, history, season_length=2).round(3)
      unique_id   smape  mase  mae   rmse    mape  season_length
    0         a  14.286  0.25  1.0  1.414  16.667              2
    1         b  22.222  0.50  1.0  1.000  25.000              1
    """
    _require(forecasts, "forecasts", [id_col, time_col, yhat_col])
    _require(history, "history", [id_col, time_col, target_col])
    keys = [id_col, time_col]
    if forecasts.duplicated(keys).any():
        first = forecasts.loc[forecasts.duplicated(keys), keys].iloc[0].tolist()
        raise DataValidationError(
            f"forecasts has more than one row for {first}; score one forecast origin at a time "
            "(e.g. group a backtest's forecasts by fold)."
        )
    if actuals is None:
        _require(forecasts, "forecasts (with actuals=None)", [*keys, target_col, yhat_col])
        rows = forecasts
    else:
        _require(actuals, "actuals", [*keys, target_col])
        if actuals.duplicated(keys).any():
            first = actuals.loc[actuals.duplicated(keys), keys].iloc[0].tolist()
            raise DataValidationError(f"actuals has more than one row for {first}.")
        rows = forecasts[[*keys, yhat_col]].merge(actuals[[*keys, target_col]], on=keys, how="left")
    y = rows[target_col].to_numpy(dtype=float)
    f = rows[yhat_col].to_numpy(dtype=float)
    if np.isnan(y).any():
        first = rows.loc[np.isnan(y), keys].iloc[0].tolist()
        raise DataValidationError(f"No actual value for the forecast row {first}.")
    codes, ids = pd.factorize(rows[id_col], sort=True)
    n = len(ids)
    count = np.bincount(codes, minlength=n)

    def mean(values: np.ndarray) -> np.ndarray:
        return np.bincount(codes, weights=values, minlength=n) / count

    err = np.abs(y - f)
    out = pd.DataFrame({id_col: ids})
    out["smape"] = mean(_smape_terms(y, f))
    out["mase"] = np.nan
    out["mae"] = mean(err)
    out["rmse"] = np.sqrt(mean(err**2))
    with np.errstate(invalid="ignore"):
        out["mape"] = mean(_ape_terms(y, f))

    hist = history[[id_col, time_col, target_col]].assign(_code=ids.get_indexer(history[id_col]))
    unseen = ids[np.bincount(hist["_code"][hist["_code"] >= 0], minlength=n) == 0]
    if len(unseen):
        raise DataValidationError(f"history has no rows of the forecast series {list(unseen[:5])}.")
    hist = hist[hist["_code"] >= 0].sort_values(["_code", time_col], kind="stable")
    hcode, values = hist["_code"].to_numpy(), hist[target_col].to_numpy(dtype=float)
    length = np.bincount(hcode, minlength=n)
    seasons = _series_seasons(ids, season_length)
    seasons = np.where(length > seasons, seasons, 1)  # too short for the seasonal lag
    lag = seasons[hcode]
    index = np.arange(len(values))
    valid = index - (np.cumsum(length) - length)[hcode] >= lag
    diffs = np.abs(values[valid] - values[index[valid] - lag[valid]])
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.bincount(hcode[valid], weights=diffs, minlength=n) / np.bincount(
            hcode[valid], minlength=n
        )
        out["mase"] = np.where(scale > 0, out["mae"] / scale, np.nan)
    out["season_length"] = seasons
    return out
