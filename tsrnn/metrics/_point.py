"""Point, quantile and interval metrics on aligned arrays."""

from __future__ import annotations

import numpy as np

__all__ = ["coverage", "mae", "mape", "mase", "owa", "pinball_loss", "rmse", "smape"]


def _arrays(*arrays: np.ndarray, names: str = "y_true and y_pred") -> list[np.ndarray]:
    out = [np.asarray(a, dtype=float) for a in arrays]
    if len({a.shape for a in out}) > 1:
        raise ValueError(
            f"{names} must have the same shape; got {' and '.join(str(a.shape) for a in out)}."
        )
    return out


def _smape_terms(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``200 |a - b| / (|a| + |b|)``; 0 where both are 0, NaN where either is NaN."""
    denom = np.abs(a) + np.abs(b)
    with np.errstate(invalid="ignore", divide="ignore"):
        terms = 200 * np.abs(a - b) / denom
    return np.where(denom == 0, 0.0, terms)


def _ape_terms(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``100 |a - b| / |a|``; 0 where both are 0, inf where only ``a`` is, NaN where NaN."""
    err = np.abs(a - b)
    with np.errstate(invalid="ignore", divide="ignore"):
        terms = 100 * err / np.abs(a)
    return np.where(err == 0, 0.0, terms)


def mae(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    r"""Mean absolute error, :math:`\frac{1}{n}\sum_t |y_t - \hat y_t|`.

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
    r"""Root mean squared error, :math:`\sqrt{\frac{1}{n}\sum_t (y_t - \hat y_t)^2}`.

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


def mape(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    r"""Mean absolute percentage error, :math:`\frac{100}{n}\sum_t \frac{|y_t - \hat y_t|}{|y_t|}`.

    A term with :math:`y_t = 0` is 0 when the forecast is exact and infinite
    otherwise, so the MAPE of a series that touches zero is usually ``inf``:
    prefer :func:`smape` or :func:`mase` for such data.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        Actual and forecast values, aligned.

    Returns
    -------
    float
        In percent.

    Examples
    --------
    >>> mape([100, 200], [110, 190])
    7.5
    >>> mape([0, 200], [1, 190])
    inf
    """
    a, b = _arrays(y_true, y_pred)
    return float(np.mean(_ape_terms(a, b)))


def smape(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    r"""Symmetric MAPE on the 0-200 scale (M4 definition).

    .. math:: \mathrm{sMAPE} = \frac{200}{n}\sum_t \frac{|y_t - \hat y_t|}{|y_t| + |\hat y_t|}

    Terms where both values are 0 count as 0. With absolute values in the
    denominator every term lies in [0, 200]. The M3 competition (Makridakis and
    Hibon, 2000) wrote the denominator without absolute values,
    :math:`\frac{200}{n}\sum_t \frac{|y_t - \hat y_t|}{y_t + \hat y_t}`, which can be
    negative or unbounded when values change sign; on positive data (such as all
    M3 and M4 series) both definitions agree.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        Actual and forecast values, aligned.

    Returns
    -------
    float
        Between 0 and 200.

    Examples
    --------
    >>> smape([100, 200], [110, 200])
    4.761904761904762
    >>> smape([0, 0, 5], [0, 1, -5])  # terms 0, 200 and 200
    133.33333333333334
    """
    a, b = _arrays(y_true, y_pred)
    return float(np.mean(_smape_terms(a, b)))


def mase(
    y_true: np.ndarray, y_pred: np.ndarray, y_train: np.ndarray, season_length: int = 1
) -> float:
    r"""Mean absolute scaled error of one series.

    The MAE of the forecast divided by the in-sample MAE of the seasonal naive
    forecast with lag :math:`m` = ``season_length`` on the training series
    :math:`y_1, \dots, y_T`:

    .. math::
        \mathrm{MASE} = \frac{\frac{1}{n}\sum_t |y_t - \hat y_t|}
                             {\frac{1}{T - m}\sum_{t=m+1}^{T} |y_t - y_{t-m}|}

    Use the season length of the data (12 for monthly, 4 for quarterly) and
    ``m = 1`` for non-seasonal data. A value below 1 beats the in-sample
    (seasonal) naive forecast.

    MASE needs each series' training history, which a scikit-learn scorer never
    sees (it gets only the test rows and their forecasts), so there is no MASE
    scorer; use :func:`panel_scores` or :func:`tsrnn.model_selection.backtest`.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
        Actual and forecast values of one series, aligned.
    y_train : array-like
        The series' in-sample history, oldest first.
    season_length : int, default=1
        Lag :math:`m` of the seasonal naive scale.

    Returns
    -------
    float
        NaN when the in-sample scale is 0 (a constant history).

    Raises
    ------
    ValueError
        When ``y_train`` has at most ``season_length`` values (:func:`panel_scores`
        falls back to lag 1 instead).

    Examples
    --------
    >>> mase([5, 6], [5, 8], y_train=[1, 2, 3, 4])
    1.0
    >>> mase([5, 6], [5, 8], y_train=[1, 2, 5, 6], season_length=2)
    0.25
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


def pinball_loss(y_true: np.ndarray, y_quantile: np.ndarray, quantile: float) -> float:
    r"""Mean pinball (quantile) loss of a forecast of the ``quantile``-th quantile.

    .. math:: \frac{1}{n}\sum_t \max\bigl(q (y_t - \hat y_t),\ (q - 1)(y_t - \hat y_t)\bigr)

    Minimised in expectation by the true :math:`q`-quantile; at :math:`q = 0.5` it is
    half the MAE.

    Parameters
    ----------
    y_true, y_quantile : array-like of shape (n,)
        Actual values and quantile forecasts, aligned.
    quantile : float
        The quantile :math:`q`, strictly between 0 and 1.

    Returns
    -------
    float

    Examples
    --------
    >>> pinball_loss([10, 10], [8, 12], quantile=0.9)  # (0.9 * 2 + 0.1 * 2) / 2
    1.0
    """
    if not 0 < quantile < 1:
        raise ValueError(f"quantile must be strictly between 0 and 1; got {quantile!r}.")
    a, b = _arrays(y_true, y_quantile, names="y_true and y_quantile")
    diff = a - b
    return float(np.mean(np.maximum(quantile * diff, (quantile - 1) * diff)))


def coverage(y_true: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    r"""Share of actual values inside their prediction interval.

    .. math:: \frac{1}{n}\sum_t [l_t \le y_t \le u_t]

    Compare it with the nominal level: a 80% interval (quantiles 0.1 and 0.9)
    should cover about 0.8 of the values.

    Parameters
    ----------
    y_true, lower, upper : array-like of shape (n,)
        Actual values and the interval bounds (inclusive), aligned.

    Returns
    -------
    float
        Between 0 and 1.

    Examples
    --------
    >>> coverage([1, 5, 10], lower=[0, 0, 0], upper=[5, 5, 5])
    0.6666666666666666
    """
    a, lo, hi = _arrays(y_true, lower, upper, names="y_true, lower and upper")
    if (lo > hi).any():
        first = int(np.flatnonzero(lo > hi)[0])
        raise ValueError(
            f"lower must not exceed upper; at position {first} lower={lo[first]} > "
            f"upper={hi[first]}. Are the bounds swapped?"
        )
    return float(np.mean((lo <= a) & (a <= hi)))


def owa(smape: float, mase: float, smape_naive2: float, mase_naive2: float) -> float:
    r"""Overall weighted average of the M4 competition, relative to the Naive2 benchmark.

    .. math:: \mathrm{OWA} = \frac{1}{2}\left(\frac{\mathrm{sMAPE}}{\mathrm{sMAPE_{Naive2}}}
              + \frac{\mathrm{MASE}}{\mathrm{MASE_{Naive2}}}\right)

    M4 computes it from the sMAPE and MASE averaged over all series (not per series):
    pass the panel means of a model and of Naive2 (seasonally adjusted naive) on the
    same series and horizons. Below 1 beats Naive2; Naive2 against itself scores 1.

    Parameters
    ----------
    smape, mase : float
        The model's mean sMAPE and mean MASE.
    smape_naive2, mase_naive2 : float
        Naive2's mean sMAPE and mean MASE on the same forecasts.

    Returns
    -------
    float

    Examples
    --------
    >>> owa(12.0, 1.5, smape_naive2=15.0, mase_naive2=1.5)
    0.9
    """
    if not (smape_naive2 > 0 and mase_naive2 > 0):
        raise ValueError(
            f"OWA needs positive Naive2 errors; got smape_naive2={smape_naive2!r}, "
            f"mase_naive2={mase_naive2!r}."
        )
    return float(0.5 * (smape / smape_naive2 + mase / mase_naive2))
