"""Forecast accuracy metrics on aligned arrays, and scikit-learn scorers.

Conventions: ``y_true`` and ``y_pred`` are aligned 1-D arrays (one value per
forecast row). Scale-free metrics (sMAPE, MASE) average over rows.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import make_scorer

__all__ = ["mae", "mase", "rmse", "smape", "smape_scorer"]


def _arrays(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    if a.shape != b.shape:
        raise ValueError(
            f"y_true and y_pred must have the same shape; got {a.shape} and {b.shape}."
        )
    return a, b


def mae(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    r"""Mean absolute error, :math:`\frac{1}{n}\sum |y - \hat y|`.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        Actual and forecast values, aligned.

    Returns
    -------
    float

    Examples
    --------
    >>> mae([1, 2, 3], [1, 2, 5])
    0.6666666666666666
    """
    a, b = _arrays(y_true, y_pred)
    return float(np.mean(np.abs(a - b)))


def rmse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    r"""Root mean squared error, :math:`\sqrt{\frac{1}{n}\sum (y - \hat y)^2}`.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        Actual and forecast values, aligned.

    Returns
    -------
    float

    Examples
    --------
    >>> rmse([0, 0], [3, 4])
    3.5355339059327378
    """
    a, b = _arrays(y_true, y_pred)
    return float(np.sqrt(np.mean((a - b) ** 2)))


def smape(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    r"""Symmetric MAPE on the 0-200 scale: :math:`\frac{200}{n}\sum\frac{|y-\hat y|}{|y|+|\hat y|}`.

    Terms where both values are 0 count as 0.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        Actual and forecast values, aligned.

    Returns
    -------
    float

    Examples
    --------
    >>> smape([100, 200], [110, 200])
    4.761904761904762
    """
    a, b = _arrays(y_true, y_pred)
    denom = np.abs(a) + np.abs(b)
    terms = np.divide(2 * np.abs(a - b), denom, out=np.zeros_like(denom), where=denom > 0)
    return float(100 * np.mean(terms))


def mase(
    y_true: np.ndarray, y_pred: np.ndarray, y_train: np.ndarray, season_length: int = 1
) -> float:
    r"""Mean absolute scaled error of one series.

    The MAE of the forecast divided by the in-sample MAE of the seasonal naive
    forecast with lag ``season_length``:
    :math:`\mathrm{MAE} / \frac{1}{T-m}\sum_{t>m}|y_t - y_{t-m}|`.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        Actual and forecast values of one series, aligned.
    y_train : array-like
        The series' in-sample history.
    season_length : int, default=1
        Lag of the seasonal naive scale (1 for non-seasonal data).

    Returns
    -------
    float
        NaN when the in-sample scale is 0 (a constant history).

    Examples
    --------
    >>> mase([5, 6], [5, 8], y_train=[1, 2, 3, 4])
    1.0
    """
    a, b = _arrays(y_true, y_pred)
    history = np.asarray(y_train, dtype=float)
    if len(history) <= season_length:
        raise ValueError(
            f"MASE needs more than season_length={season_length} training values; "
            f"got {len(history)}."
        )
    scale = np.mean(np.abs(history[season_length:] - history[:-season_length]))
    return float(np.mean(np.abs(a - b)) / scale) if scale > 0 else float("nan")


smape_scorer = make_scorer(smape, greater_is_better=False)
"""scikit-learn scorer for :func:`smape` (negated, as scorers maximise)."""
