"""Conformity scores of split-conformal intervals: the quantile rule, scales and scores.

Two kinds of score per calibration (window, series) and horizon step ``h``:

- residual (Lei et al., 2018): ``|y - yhat| / scale``;
- interval, for conformalized quantile regression (CQR, Romano et al., 2019): the
  signed distance ``max(lo - y, y - hi) / scale`` of the target outside the wrapped
  model's own interval of coverage ``c`` (negative inside it).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from tsrnn._uncertainty import interval_columns
from tsrnn.exceptions import DataValidationError

__all__ = ["conformal_quantile", "interval_scores", "naive_scale", "score_grid"]


def conformal_quantile(scores: np.ndarray, coverage: float) -> float:
    """The split-conformal quantile: the ``ceil((n + 1) c)``-th smallest of ``n`` scores.

    With exchangeable scores, a new score falls at or below it with probability
    at least ``c`` (and below ``c + 1 / (n + 1)`` without ties).

    Examples
    --------
    >>> conformal_quantile(np.arange(1.0, 20.0), 0.9)  # ceil(20 * 0.9) = 18th of 19
    18.0
    """
    finite = np.sort(scores[np.isfinite(scores)])
    n = len(finite)
    k = math.ceil((n + 1) * coverage - 1e-9)
    if k > n:
        need = math.ceil(coverage / (1 - coverage) - 1e-9)
        raise DataValidationError(
            f"A {coverage:.0%} conformal interval needs at least {need} calibration scores per "
            f"step; there are {n}. Use more n_windows, more series, or a lower coverage."
        )
    return float(finite[max(k, 1) - 1])


def naive_scale(frame: pd.DataFrame, id_col: str, time_col: str, target_col: str) -> pd.Series:
    """Each series' in-sample MAE of the naive (lag 1) forecast; 1 where it is 0 or undefined."""
    ordered = frame.sort_values([id_col, time_col], kind="stable")
    diffs = ordered.groupby(id_col, sort=False)[target_col].diff().abs()
    scale = diffs.groupby(ordered[id_col], sort=True).mean()
    return scale.where(scale > 0).fillna(1.0)




def score_grid(fc: pd.DataFrame, values: np.ndarray, id_col: str, horizon: int) -> np.ndarray:
    """``(n_windows * n_series, horizon)`` scores of a backtest's forecasts; NaN where missing."""
    keys = fc.groupby(["fold", id_col], sort=False)
    windows, steps = keys.ngroup().to_numpy(), keys.cumcount().to_numpy()
    grid = np.full((windows.max() + 1, horizon), np.nan)
    grid[windows, steps] = values
    return grid


def interval_scores(fc: pd.DataFrame, target_col: str, coverage: float, scale: np.ndarray):
    """CQR scores of the backtest forecasts ``fc`` for the model's ``coverage`` interval."""
    lo, hi = (fc[c].to_numpy(float) for c in interval_columns(coverage))
    y = fc[target_col].to_numpy(float)
    return np.maximum(lo - y, y - hi) / scale
