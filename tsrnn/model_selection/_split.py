"""Temporal splitters that yield row indices of a long table.

Every fold's training rows are each series' history up to a cutoff, and its
test rows are the next ``horizon`` rows of each series, so the splitters plug
into ``cross_val_score``, ``GridSearchCV`` and friends unchanged.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from tsrnn._validation import external_stacklevel
from tsrnn.exceptions import DataValidationError, DataWarning, ParameterError

__all__ = ["TemporalSplit", "temporal_train_test_split"]


def _positions(X: pd.DataFrame, id_col: str, time_col: str) -> tuple[np.ndarray, np.ndarray]:
    """Position of each row within its series (0 = oldest) and the length of its series."""
    if not isinstance(X, pd.DataFrame) or id_col not in X.columns or time_col not in X.columns:
        raise DataValidationError(
            f"Temporal splitters need a long DataFrame with columns {id_col!r} and {time_col!r}."
        )
    frame = pd.DataFrame({"id": X[id_col].to_numpy(), "t": X[time_col].to_numpy()})
    position = frame.sort_values("t", kind="stable").groupby("id", sort=False).cumcount()
    position = position.sort_index().to_numpy()
    length = frame.groupby("id", sort=False)["t"].transform("size").to_numpy()
    return position, length


class TemporalSplit:
    """Rolling-origin splits of a panel: train up to a cutoff, test the next ``horizon`` rows.

    Fold ``k`` (of ``n_splits``, oldest first) puts each series' cutoff
    ``horizon + (n_splits - 1 - k) * step`` rows before its end. Train rows are
    the rows before the cutoff (at most ``max_train_size`` of them: a sliding
    window), test rows the ``horizon`` rows from the cutoff on.

    Cutoffs count rows back from each series' own last row, so on a ragged panel
    (series that end at different times) fold ``k`` tests every series on its own
    ``k``-th block from the end, and the cutoff *dates* differ between series.
    A series too short for a fold (no row before its cutoff) sits out that fold:
    its rows are in neither the fold's training nor its test rows, and one
    :class:`~tsrnn.exceptions.DataWarning` per :meth:`split` names such series. A
    series with only a few rows before a cutoff stays in the fold; global neural
    forecasters train on the other series' windows and still forecast it.
    Only when even the longest series cannot be in the oldest fold is it an error.

    Parameters
    ----------
    n_splits : int, default=3
        Number of folds.
    horizon : int, default=1
        Test rows per series and fold.
    step : int or None, default=None
        Rows between consecutive cutoffs; defaults to ``horizon``.
    max_train_size : int or None, default=None
        Keep at most this many most recent training rows per series (None: expanding).
    id_col, time_col : str, default="unique_id", "ds"
        Columns of ``X`` naming the series and time.

    Examples
    --------
    >>> X = pd.DataFrame({"unique_id": ["a"] * 6, "ds": range(6)})
    >>> [(tr.tolist(), te.tolist()) for tr, te in TemporalSplit(n_splits=2, horizon=2).split(X)]
    [([0, 1], [2, 3]), ([0, 1, 2, 3], [4, 5])]

    A ragged panel: ``"b"`` (rows 6-8) has no history before the oldest cutoff.

    >>> import warnings
    >>> X = pd.DataFrame({"unique_id": ["a"] * 6 + ["b"] * 3, "ds": [*range(6), 3, 4, 5]})
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     folds = list(TemporalSplit(n_splits=2, horizon=2).split(X))
    >>> [(tr.tolist(), te.tolist()) for tr, te in folds]
    [([0, 1], [2, 3]), ([0, 1, 2, 3, 6], [4, 5, 7, 8])]
    """

    def __init__(
        self,
        *,
        n_splits: int = 3,
        horizon: int = 1,
        step: int | None = None,
        max_train_size: int | None = None,
        id_col: str = "unique_id",
        time_col: str = "ds",
    ) -> None:
        for name, value in (("n_splits", n_splits), ("horizon", horizon)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ParameterError(f"{name} must be an int >= 1; got {value!r}.")
        for name, value in (("step", step), ("max_train_size", max_train_size)):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1
            ):
                raise ParameterError(f"{name} must be None or an int >= 1; got {value!r}.")
        self.n_splits = n_splits
        self.horizon = horizon
        self.step = step
        self.max_train_size = max_train_size
        self.id_col = id_col
        self.time_col = time_col

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """Number of folds."""
        return self.n_splits

    def split(
        self, X: pd.DataFrame, y: Any = None, groups: Any = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(train_rows, test_rows)`` positional indices for each fold, oldest first.

        Parameters
        ----------
        X : DataFrame
            Long frame with ``id_col`` and ``time_col``; rows may be in any order.
        y, groups : ignored
            Present for scikit-learn compatibility.

        Yields
        ------
        train, test : ndarray of int64
            Row positions of the fold's training and test rows.
        """
        position, length = _positions(X, self.id_col, self.time_col)
        step = self.horizon if self.step is None else self.step
        longest = int(length.max()) if len(length) else 0
        need = self.horizon + (self.n_splits - 1) * step + 1  # rows to be in the oldest fold
        if longest < need:
            raise DataValidationError(
                f"No series is in every fold: the longest has {longest} rows; {self.n_splits} "
                f"folds of horizon {self.horizon} with step {step} need at least {need} rows in "
                "a series for its oldest fold. Use fewer splits or a smaller step."
            )
        self._warn_sat_out(X, length, step)
        for k in range(self.n_splits):
            cutoff = length - self.horizon - (self.n_splits - 1 - k) * step
            train = (position < cutoff) & (cutoff >= 1)  # no history: out of the fold
            if self.max_train_size is not None:
                train &= position >= cutoff - self.max_train_size
            test = (position >= cutoff) & (position < cutoff + self.horizon) & (cutoff >= 1)
            yield np.flatnonzero(train), np.flatnonzero(test)

    def _warn_sat_out(self, X: pd.DataFrame, length: np.ndarray, step: int) -> None:
        """One warning naming the series too short to be in some (older) folds."""
        need = self.horizon + (self.n_splits - 1) * step + 1
        short = length < need
        if not short.any():
            return
        ids = pd.unique(X[self.id_col].to_numpy()[short])
        folds = np.minimum(-(-(need - length[short]) // step), self.n_splits)  # oldest folds missed
        warnings.warn(
            f"{len(ids)} series have fewer than {need} rows and sit out the oldest fold(s) "
            f"they have no history for (up to {int(folds.max())} of {self.n_splits}): "
            f"{', '.join(map(repr, ids[:5]))}{' and others' if len(ids) > 5 else ''}. Their "
            "rows are in neither the training nor the test rows of those folds.",
            DataWarning,
            stacklevel=external_stacklevel(),
        )

    def __repr__(self) -> str:
        return (
            f"TemporalSplit(n_splits={self.n_splits}, horizon={self.horizon}, step={self.step}, "
            f"max_train_size={self.max_train_size})"
        )


def temporal_train_test_split(
    X: pd.DataFrame,
    y: Any = None,
    *,
    test_size: int,
    id_col: str = "unique_id",
    time_col: str = "ds",
) -> list:
    """Hold out the last ``test_size`` rows of every series.

    Parameters
    ----------
    X : DataFrame
        Long frame with ``id_col`` and ``time_col``.
    y : array-like, optional
        Target aligned with the rows of ``X``.
    test_size : int
        Rows held out per series.
    id_col, time_col : str, default="unique_id", "ds"
        Column names.

    Returns
    -------
    list
        ``[X_train, X_test]``, plus ``[y_train, y_test]`` when ``y`` is given.

    Examples
    --------
    >>> X = pd.DataFrame({"unique_id": ["a"] * 4 + ["b"] * 3, "ds": [0, 1, 2, 3, 0, 1, 2]})
    >>> train, test = temporal_train_test_split(X, test_size=1)
    >>> len(train), len(test)
    (5, 2)
    """
    train, test = next(
        TemporalSplit(n_splits=1, horizon=test_size, id_col=id_col, time_col=time_col).split(X)
    )
    out = [X.iloc[train], X.iloc[test]]
    if y is not None:
        y_values = y.iloc if hasattr(y, "iloc") else np.asarray(y)
        out += [y_values[train], y_values[test]]
    return out
