"""Scalers fitted on training rows only: per-series for the target, per-column for covariates."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tsrnn.data.panel import Panel

__all__ = ["PanelScaler", "SCALERS"]

SCALERS = ("standard", "robust", "diff", "none")
_EPS = 1e-8


def _series_stats(
    values: np.ndarray, indptr: np.ndarray, method: str
) -> tuple[np.ndarray, np.ndarray]:
    """Location and scale of each series' target (column 0) over the given rows."""
    n = len(indptr) - 1
    if method == "none":
        return np.zeros(n), np.ones(n)
    target = values[:, 0].astype(np.float64)
    lengths = np.diff(indptr)
    observed = ~np.isnan(target)
    masked = not observed.all()  # missing targets (missing="mask") are left out of the stats
    seg = np.repeat(np.arange(n), lengths)
    if method in ("standard", "diff"):
        if masked:
            target = np.where(observed, target, 0.0)
            lengths = np.bincount(seg, observed, minlength=n)
        count = np.maximum(lengths, 1)
        loc = np.bincount(seg, target, minlength=n) / count
        if method == "diff":
            scale = _mean_abs_diff(target, observed, seg, n)
        else:
            dev = (target - loc[seg]) ** 2
            dev = np.where(observed, dev, 0.0) if masked else dev
            scale = np.sqrt(np.bincount(seg, dev, minlength=n) / count)
    else:  # robust: median and inter-quartile range
        loc, scale = np.zeros(n), np.ones(n)
        for i in range(n):
            part = target[indptr[i] : indptr[i + 1]]
            part = part[~np.isnan(part)] if masked else part
            if len(part):
                q1, loc[i], q3 = np.percentile(part, [25, 50, 75])
                scale[i] = (q3 - q1) / 1.349
    # a constant series keeps its level and gets unit scale instead of dividing by zero
    fallback = np.maximum(np.abs(loc), 1.0)
    return loc, np.where(scale > _EPS * fallback, scale, fallback)


def _mean_abs_diff(target: np.ndarray, observed: np.ndarray, seg: np.ndarray, n: int) -> np.ndarray:
    """Mean absolute change between consecutive rows of each series, both observed.

    ``target`` holds 0 (not NaN) at unobserved rows; those pairs are left out.
    """
    pair = (seg[1:] == seg[:-1]) & observed[1:] & observed[:-1]
    change = np.abs(np.diff(target))
    count = np.bincount(seg[1:], pair, minlength=n)
    total = np.bincount(seg[1:], np.where(pair, change, 0.0), minlength=n)
    return np.where(count > 0, total / np.maximum(count, 1), 0.0)


@dataclass(frozen=True)
class PanelScaler:
    """Per-series target scaling and per-column covariate standardisation.

    Attributes
    ----------
    target_loc, target_scale : ndarray of shape (n_series,)
        Target location and scale of each series, in panel order.
    covariate_loc, covariate_scale : ndarray of shape (n_covariates,)
        Mean and standard deviation of each covariate column over the training rows.

    Examples
    --------
    >>> p = Panel(np.array([[1.], [3.], [10.], [30.]], dtype="float32"), np.array([0, 2, 4]),
    ...           np.array(["a", "b"], dtype=object), ("y",))
    >>> s = PanelScaler.fit(p, "standard")
    >>> s.transform(p).values[:, 0].tolist()
    [-1.0, 1.0, -1.0, 1.0]
    >>> s.inverse_target(np.array([[0.0], [1.0]])).tolist()
    [[2.0], [30.0]]
    """

    method: str
    target_loc: np.ndarray
    target_scale: np.ndarray
    covariate_loc: np.ndarray
    covariate_scale: np.ndarray

    @classmethod
    def fit(cls, panel: Panel, method: str = "standard") -> PanelScaler:
        """Fit on every row of ``panel`` (pass only training rows)."""
        loc, scale = _series_stats(panel.values, panel.indptr, method)
        cov = panel.values[:, 1:].astype(np.float64)
        if len(cov):
            cov_loc, cov_scale = cov.mean(axis=0), cov.std(axis=0)
        else:
            cov_loc, cov_scale = np.zeros(cov.shape[1]), np.ones(cov.shape[1])
        cov_scale = np.where(cov_scale > _EPS, cov_scale, 1.0)
        return cls(method, loc, scale, cov_loc, cov_scale)

    @classmethod
    def fit_history(cls, panel: Panel, method: str = "standard", held_out: int = 0) -> PanelScaler:
        """Fit on each series' rows before its last ``held_out`` (validation) rows.

        A series with no such rows trains on nothing: it is fitted on all its rows,
        the history its forecasts start from.

        Examples
        --------
        >>> p = Panel(np.array([[1.], [3.], [5.], [10.]], dtype="float32"), np.array([0, 3, 4]),
        ...           np.array(["a", "b"], dtype=object), ("y",))
        >>> PanelScaler.fit_history(p, "standard", held_out=1).target_loc.tolist()
        [2.0, 10.0]
        """
        train = panel.lengths - held_out
        return cls.fit(panel.head(np.where(train >= 1, train, panel.lengths)), method)

    def transform(self, panel: Panel, positions: np.ndarray | None = None) -> Panel:
        """Scale ``panel``, whose series are this scaler's series ``positions`` (default: all)."""
        pos = np.arange(panel.n_series) if positions is None else positions
        seg = np.repeat(pos, panel.lengths)
        out = np.empty_like(panel.values)
        out[:, 0] = (panel.values[:, 0] - self.target_loc[seg]) / self.target_scale[seg]
        out[:, 1:] = (panel.values[:, 1:] - self.covariate_loc) / self.covariate_scale
        return Panel(out.astype(np.float32), panel.indptr, panel.ids, panel.columns)

    def transform_covariates(self, values: np.ndarray, columns: np.ndarray) -> np.ndarray:
        """Scale covariate values whose last axis holds covariate ``columns`` (0-based)."""
        return (values - self.covariate_loc[columns]) / self.covariate_scale[columns]

    def inverse_target(self, scaled: np.ndarray, positions: np.ndarray | None = None) -> np.ndarray:
        """Undo target scaling of an array of shape (n_series, ...) in position order."""
        pos = np.arange(len(scaled)) if positions is None else positions
        shape = (-1,) + (1,) * (scaled.ndim - 1)
        return scaled * self.target_scale[pos].reshape(shape) + self.target_loc[pos].reshape(shape)

    def extend(self, other: PanelScaler) -> PanelScaler:
        """Append the per-series statistics of ``other`` (new series), keeping these covariates."""
        return PanelScaler(
            self.method,
            np.concatenate([self.target_loc, other.target_loc]),
            np.concatenate([self.target_scale, other.target_scale]),
            self.covariate_loc,
            self.covariate_scale,
        )
