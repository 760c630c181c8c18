"""Probabilistic forecast scores: CRPS, the M4 interval score (MSIS), interval width."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tsrnn.metrics._point import _arrays, coverage, pinball_loss

__all__ = [
    "crps_quantiles",
    "crps_samples",
    "interval_score",
    "interval_width",
    "make_interval_scorer",
    "msis",
    "pinball_losses",
]


def _levels(quantiles: Sequence[float]) -> np.ndarray:
    q = np.asarray(quantiles, dtype=float).reshape(-1)
    if not len(q) or not ((q > 0) & (q < 1)).all():
        raise ValueError(f"quantiles must be values strictly between 0 and 1; got {list(q)!r}.")
    return q


def _quantile_matrix(y_true: np.ndarray, y_quantiles: np.ndarray, n: int) -> np.ndarray:
    a = np.asarray(y_true, dtype=float).reshape(-1)
    b = np.asarray(y_quantiles, dtype=float)
    if b.ndim != 2 or b.shape != (len(a), n):
        raise ValueError(
            f"y_quantiles must have shape (n_rows, n_quantiles) = ({len(a)}, {n}); got {b.shape}."
        )
    return b


def pinball_losses(
    y_true: np.ndarray, y_quantiles: np.ndarray, quantiles: Sequence[float]
) -> np.ndarray:
    """Mean pinball loss of every quantile forecast (one value per quantile).

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Actual values.
    y_quantiles : array-like of shape (n, n_quantiles)
        Column ``k`` forecasts the ``quantiles[k]``-th quantile.
    quantiles : sequence of float
        The quantile levels, strictly between 0 and 1.

    Returns
    -------
    ndarray of shape (n_quantiles,)

    Examples
    --------
    >>> pinball_losses([10, 10], [[8, 9], [12, 11]], quantiles=[0.1, 0.9])
    array([1. , 0.5])
    """
    q = _levels(quantiles)
    b = _quantile_matrix(y_true, y_quantiles, len(q))
    return np.array([pinball_loss(y_true, b[:, k], float(q[k])) for k in range(len(q))])


def crps_quantiles(
    y_true: np.ndarray, y_quantiles: np.ndarray, quantiles: Sequence[float]
) -> float:
    r"""CRPS approximated from quantile forecasts: twice the mean pinball loss over the levels.

    .. math:: \mathrm{CRPS} \approx \frac{2}{K}\sum_{k=1}^{K} \frac{1}{n}\sum_t
              \rho_{q_k}(y_t - \hat y_{t, q_k})

    The CRPS is the integral of twice the pinball loss over all levels in (0, 1)
    (Gneiting and Raftery, 2007); with evenly spread levels (e.g. 0.05, ..., 0.95)
    this average approximates it, and with a single level 0.5 it is the MAE.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Actual values.
    y_quantiles : array-like of shape (n, n_quantiles)
        Quantile forecasts, one column per level.
    quantiles : sequence of float
        The levels of the columns.

    Returns
    -------
    float

    Examples
    --------
    >>> crps_quantiles([10, 10], [[8, 9], [12, 11]], quantiles=[0.1, 0.9])  # 2 * (1 + 0.5) / 2
    1.5
    """
    return float(2 * np.mean(pinball_losses(y_true, y_quantiles, quantiles)))


def crps_samples(y_true: np.ndarray, samples: np.ndarray) -> float:
    r"""CRPS of sample forecasts, the energy form averaged over rows.

    .. math:: \mathrm{CRPS}_t = \frac{1}{m}\sum_i |x_{t,i} - y_t|
              - \frac{1}{2m^2}\sum_{i,j} |x_{t,i} - x_{t,j}|

    computed exactly in :math:`O(m \log m)` per row from the sorted samples. It is the
    CRPS of the empirical distribution of the ``m`` samples.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Actual values.
    samples : array-like of shape (n, m)
        ``m`` samples of the forecast distribution of every row.

    Returns
    -------
    float

    Examples
    --------
    >>> crps_samples([0.0], [[-1.0, 1.0]])  # 1 - (2 * 2) / (2 * 4)
    0.5
    >>> crps_samples([3.0, 4.0], [[3.0], [2.0]])  # one sample: the absolute error
    1.0
    """
    a = np.asarray(y_true, dtype=float).reshape(-1)
    x = np.sort(np.asarray(samples, dtype=float), axis=1)
    if x.ndim != 2 or len(x) != len(a) or x.shape[1] == 0:
        raise ValueError(f"samples must have shape (n_rows={len(a)}, m); got {x.shape}.")
    m = x.shape[1]
    first = np.mean(np.abs(x - a[:, None]), axis=1)
    # sum_{i,j} |x_i - x_j| = 2 sum_i (2i - m - 1) x_(i) for sorted x, i = 1..m
    weights = 2 * np.arange(1, m + 1) - m - 1
    spread = 2 * (x * weights).sum(axis=1) / (2 * m**2)
    return float(np.mean(first - spread))


def interval_width(lower: np.ndarray, upper: np.ndarray) -> float:
    """Mean width of prediction intervals, ``mean(upper - lower)``.

    Parameters
    ----------
    lower, upper : array-like of shape (n,)
        The bounds.

    Returns
    -------
    float

    Examples
    --------
    >>> interval_width([0, 1], [2, 5])
    3.0
    """
    lo, hi = _arrays(lower, upper, names="lower and upper")
    return float(np.mean(hi - lo))


def msis(
    y_true: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    y_train: np.ndarray,
    *,
    coverage: float = 0.95,
    season_length: int = 1,
) -> float:
    r"""Mean scaled interval score of one series (the M4 competition's MSIS).

    For an interval :math:`[L_t, U_t]` of nominal coverage :math:`1 - \alpha`:

    .. math::
        \mathrm{MSIS} = \frac{\frac{1}{h}\sum_{t} (U_t - L_t)
            + \frac{2}{\alpha}(L_t - Y_t)[Y_t < L_t]
            + \frac{2}{\alpha}(Y_t - U_t)[Y_t > U_t]}
            {\frac{1}{T - m}\sum_{t=m+1}^{T} |Y_t - Y_{t-m}|}

    The scale is the in-sample seasonal naive MAE with lag :math:`m`, as in
    :func:`tsrnn.metrics.mase` (M4 used :math:`\alpha = 0.05`). Average the
    per-series values over a panel, as M4 did.

    Parameters
    ----------
    y_true, lower, upper : array-like of shape (n,)
        Actual values and interval bounds of one series, aligned.
    y_train : array-like
        The series' in-sample history, oldest first.
    coverage : float, default=0.95
        Nominal coverage :math:`1 - \alpha` of the interval.
    season_length : int, default=1
        Lag :math:`m` of the scale.

    Returns
    -------
    float
        NaN when the in-sample scale is 0.

    Examples
    --------
    >>> # widths 2 and 2; the second actual lies 1 above its upper bound: penalty 2 / 0.05 * 1;
    >>> # (2 + 2 + 40) / 2 over an in-sample naive MAE of 1
    >>> round(msis([1, 4], [0, 1], [2, 3], y_train=[1, 2, 3, 4], coverage=0.95), 9)
    22.0
    """
    if not 0 < coverage < 1:
        raise ValueError(f"coverage must be strictly between 0 and 1; got {coverage!r}.")
    a, lo, hi = _arrays(y_true, lower, upper, names="y_true, lower and upper")
    history = np.asarray(y_train, dtype=float)
    if len(history) <= season_length:
        raise ValueError(
            f"MSIS needs more than season_length={season_length} training values; "
            f"got {len(history)}."
        )
    alpha = 1 - coverage
    score = (hi - lo) + 2 / alpha * (np.maximum(lo - a, 0) + np.maximum(a - hi, 0))
    scale = np.mean(np.abs(history[season_length:] - history[:-season_length]))
    return float(np.mean(score) / scale) if scale > 0 else float("nan")


def interval_score(
    y_true: np.ndarray, lower: np.ndarray, upper: np.ndarray, *, coverage: float = 0.95
) -> float:
    r"""Mean (unscaled) interval score of Gneiting and Raftery, the numerator of :func:`msis`.

    .. math:: \frac{1}{n}\sum_t (U_t - L_t) + \frac{2}{\alpha}(L_t - Y_t)[Y_t < L_t]
              + \frac{2}{\alpha}(Y_t - U_t)[Y_t > U_t]

    Parameters
    ----------
    y_true, lower, upper : array-like of shape (n,)
        Actual values and interval bounds, aligned.
    coverage : float, default=0.95
        Nominal coverage :math:`1 - \alpha`.

    Returns
    -------
    float

    Examples
    --------
    >>> round(interval_score([1, 4], [0, 1], [2, 3], coverage=0.95), 9)
    22.0
    """
    if not 0 < coverage < 1:
        raise ValueError(f"coverage must be strictly between 0 and 1; got {coverage!r}.")
    a, lo, hi = _arrays(y_true, lower, upper, names="y_true, lower and upper")
    alpha = 1 - coverage
    score = (hi - lo) + 2 / alpha * (np.maximum(lo - a, 0) + np.maximum(a - hi, 0))
    return float(np.mean(score))


class _IntervalScorer:
    """A scikit-learn scorer ``scorer(estimator, X, y)`` over a forecaster's intervals."""

    def __init__(self, kind: str, level: float | tuple[float, ...]) -> None:
        self.kind, self.level = kind, level

    def __call__(self, estimator, X, y) -> float:  # noqa: ANN001
        y = np.asarray(y, dtype=float)
        if self.kind == "pinball":
            q = list(self.level)
            frame = estimator.predict_quantiles(X, quantiles=q)
            return -float(np.mean(pinball_losses(y, frame.to_numpy(), q)))
        frame = estimator.predict_interval(X, coverage=self.level)
        lo, hi = frame.iloc[:, 0].to_numpy(), frame.iloc[:, 1].to_numpy()
        if self.kind == "coverage":
            return coverage(y, lo, hi)
        return -interval_score(y, lo, hi, coverage=self.level)

    def __repr__(self) -> str:
        return f"make_interval_scorer({self.kind!r}, {self.level!r})"


def make_interval_scorer(kind: str, level: float | Sequence[float] = 0.95) -> _IntervalScorer:
    """A scikit-learn scorer of a forecaster's intervals or quantiles.

    ``GridSearchCV(scoring=...)`` and ``cross_val_score`` call it as
    ``scorer(estimator, X_test, y_test)``; it asks the estimator for
    ``predict_interval`` or ``predict_quantiles`` on ``X_test``. Losses are
    negated (scorers are maximised). There is no MSIS scorer, for the reason there
    is no MASE scorer: the scale needs the training history; use
    :func:`tsrnn.model_selection.backtest` or :func:`msis`.

    Parameters
    ----------
    kind : {"coverage", "interval_score", "pinball"}
        Empirical coverage of the interval; negated :func:`interval_score`; negated
        mean pinball loss over the quantile levels.
    level : float or sequence of float, default=0.95
        The coverage (``"coverage"``, ``"interval_score"``) or the quantile levels
        (``"pinball"``).

    Returns
    -------
    callable

    Examples
    --------
    >>> make_interval_scorer("pinball", [0.1, 0.5, 0.9])
    make_interval_scorer('pinball', (0.1, 0.5, 0.9))
    """
    if kind not in ("coverage", "interval_score", "pinball"):
        raise ValueError(f"kind must be 'coverage', 'interval_score' or 'pinball'; got {kind!r}.")
    if kind == "pinball":
        return _IntervalScorer(kind, tuple(float(v) for v in _levels(np.atleast_1d(level))))
    if isinstance(level, Sequence) or not 0 < float(level) < 1:
        raise ValueError(f"level must be one coverage strictly between 0 and 1; got {level!r}.")
    return _IntervalScorer(kind, float(level))
