"""CSR-like store of a panel of series: one value array plus row offsets."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Panel"]


@dataclass(frozen=True)
class Panel:
    """Series of different lengths stored back to back.

    Series ``i`` occupies rows ``indptr[i]:indptr[i + 1]`` of ``values``, in time order.

    Parameters
    ----------
    values : ndarray of shape (n_obs, n_columns), float32
        Column 0 is the target; the others are covariates, in ``columns`` order.
    indptr : ndarray of shape (n_series + 1,), int64
        Row offsets, starting at 0 and non-decreasing.
    ids : ndarray of shape (n_series,)
        Series identifiers.
    columns : tuple of str
        Names of the value columns.

    Examples
    --------
    >>> p = Panel(np.arange(5, dtype="float32")[:, None], np.array([0, 2, 5]),
    ...           np.array(["a", "b"], dtype=object), ("y",))
    >>> p.lengths.tolist(), p.series(1)[:, 0].tolist()
    ([2, 3], [2.0, 3.0, 4.0])
    >>> p.tail(1).values[:, 0].tolist()
    [1.0, 4.0]
    """

    values: np.ndarray
    indptr: np.ndarray
    ids: np.ndarray
    columns: tuple[str, ...]

    @property
    def n_series(self) -> int:
        """Number of series."""
        return len(self.indptr) - 1

    @property
    def lengths(self) -> np.ndarray:
        """Length of each series, int64 of shape (n_series,)."""
        return np.diff(self.indptr)

    def series(self, i: int) -> np.ndarray:
        """Rows of series ``i`` (a view, no copy)."""
        return self.values[self.indptr[i] : self.indptr[i + 1]]

    def tail(self, n: int) -> Panel:
        """Keep at most the last ``n`` rows of every series."""
        lengths = np.minimum(self.lengths, n)
        return self.take_rows(self.indptr[1:] - lengths, lengths)

    def head(self, lengths: np.ndarray) -> Panel:
        """Keep the first ``lengths[i]`` rows of series ``i``."""
        return self.take_rows(self.indptr[:-1], np.minimum(self.lengths, lengths))

    def take_rows(self, starts: np.ndarray, lengths: np.ndarray) -> Panel:
        """Keep ``lengths[i]`` rows of series ``i`` beginning at global row ``starts[i]``."""
        indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        rows = np.repeat(starts - indptr[:-1], lengths) + np.arange(indptr[-1])
        return Panel(self.values[rows], indptr, self.ids, self.columns)

    def select(self, positions: np.ndarray) -> Panel:
        """Keep the series at ``positions``, in that order."""
        starts = self.indptr[:-1][positions]
        out = self.take_rows(starts, self.lengths[positions])
        return Panel(out.values, out.indptr, self.ids[positions], self.columns)

    def concat_time(self, other: Panel) -> Panel:
        """Append ``other``'s rows after this panel's, series by series (same ids and order)."""
        lengths = self.lengths + other.lengths
        indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        values = np.empty((indptr[-1], self.values.shape[1]), dtype=self.values.dtype)
        own = np.repeat(indptr[:-1] - self.indptr[:-1], self.lengths) + np.arange(len(self.values))
        new_offset = indptr[:-1] + self.lengths - other.indptr[:-1]
        new = np.repeat(new_offset, other.lengths) + np.arange(len(other.values))
        values[own] = self.values
        values[new] = other.values
        return Panel(values, indptr, self.ids, self.columns)

    def append_series(self, other: Panel) -> Panel:
        """Stack the series of ``other`` after these (same columns)."""
        indptr = np.concatenate([self.indptr, other.indptr[1:] + self.indptr[-1]])
        values = np.concatenate([self.values, other.values])
        return Panel(values, indptr, np.concatenate([self.ids, other.ids]), self.columns)
