"""Quantiles, intervals and samples of any forecaster: one API over a small per-family hook.

:class:`UncertaintyMixin` gives every forecaster ``predict_quantiles``,
``predict_interval`` and ``sample`` (frames or
arrays aligned with the rows of ``X``) and the bands of ``forecast(level=..., quantiles=...)``.
A family implements one or both hooks over the series it is asked for:

- ``_forecast_quantiles(positions, future, quantiles)`` -> ``(n_series, horizon, n_quantiles)``;
- ``_sample_panel(positions, future, n, rng)`` -> ``(n_series, horizon, n)``;

and ``_uncertainty_kinds()`` says what it can give (for the error of a model that cannot).
A family with samples but no quantile hook gets empirical quantiles of its samples.
Row alignment, column names and errors live here only.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from tsrnn.exceptions import ParameterError

__all__ = [
    "UncertaintyMixin",
    "check_coverages",
    "check_quantiles",
    "interval_columns",
    "quantile_column",
]

#: Samples drawn per series when a sampling model is asked for quantiles.
QUANTILE_SAMPLES = 500


def _label(value: float) -> str:
    return f"{round(float(value), 10):g}"


def quantile_column(q: float) -> str:
    """Column of the ``q``-quantile: ``yhat_q0.1``.

    Examples
    --------
    >>> quantile_column(0.025)
    'yhat_q0.025'
    """
    return f"yhat_q{_label(q)}"


def interval_columns(coverage: float) -> tuple[str, str]:
    """Columns of the central interval of ``coverage`` (a fraction): ``yhat_lo_95``, ``yhat_hi_95``.

    Examples
    --------
    >>> interval_columns(0.8)
    ('yhat_lo_80', 'yhat_hi_80')
    """
    level = _label(100 * coverage)
    return f"yhat_lo_{level}", f"yhat_hi_{level}"


def _floats(values: Any, name: str) -> list[float]:
    items = [values] if isinstance(values, numbers.Real) else values
    if isinstance(items, str) or not isinstance(items, Sequence | np.ndarray) or not len(items):
        raise ParameterError(f"{name} must be a number or a non-empty list; got {values!r}.")
    out = []
    for v in items:
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise ParameterError(f"{name} must hold numbers; got {v!r} in {values!r}.")
        out.append(float(v))
    return out


def check_quantiles(quantiles: Any) -> list[float]:
    """Quantile levels, each strictly between 0 and 1, in the order given."""
    q = _floats(quantiles, "quantiles")
    bad = [v for v in q if not 0 < v < 1]
    if bad:
        raise ParameterError(
            f"quantiles must lie strictly between 0 and 1; got {bad[0]!r} in {quantiles!r}."
        )
    return q


def check_coverages(coverage: Any, *, percent: bool = False) -> list[float]:
    """Coverages as fractions in (0, 1); ``percent``: given as levels in (0, 100)."""
    name = "level" if percent else "coverage"
    values = _floats(coverage, name)
    if percent:
        if all(v < 1 for v in values):
            raise ParameterError(
                f"level is in percent (e.g. level=[80, 95]); got {coverage!r}. For fractions use "
                "predict_interval(X, coverage=0.95)."
            )
        values = [v / 100 for v in values]
    bad = [v for v in values if not 0 < v < 1]
    if bad:
        scale = "between 0 and 100" if percent else "strictly between 0 and 1"
        raise ParameterError(f"{name} values must lie {scale}; got {coverage!r}.")
    return values


def interval_quantiles(coverages: list[float]) -> list[float]:
    """The lower and upper quantile of each central interval, in that order."""
    return [q for c in coverages for q in ((1 - c) / 2, (1 + c) / 2)]


def empirical_quantiles(samples: np.ndarray, quantiles: list[float]) -> np.ndarray:
    """``(S, H, n) -> (S, H, Q)`` quantiles of the samples of every series and step."""
    return np.moveaxis(np.quantile(samples, quantiles, axis=-1), 0, -1)


class UncertaintyMixin:
    """Probabilistic forecasts over the row contract (see the module docstring)."""

    # ----------------------------------------------------------------- hooks
    def _uncertainty_kinds(self) -> tuple[str, ...]:
        """What this fitted model can give beyond points: ``"quantiles"``, ``"samples"``."""
        return ()

    def _uncertainty_hint(self) -> str:
        """How to get intervals from a model that gives none (appended to the error)."""
        return "Wrap it in tsrnn.ConformalForecaster for intervals around its point forecasts."

    def _forecast_quantiles(
        self, positions: np.ndarray, future: np.ndarray | None, quantiles: list[float]
    ) -> np.ndarray:
        if "samples" in self._uncertainty_kinds():
            rng = np.random.default_rng(0)  # the same quantiles at every call
            draws = self._sample_panel(positions, future, QUANTILE_SAMPLES, rng)
            return empirical_quantiles(draws, quantiles)
        raise self._unavailable("quantiles and intervals")

    def _sample_panel(
        self, positions: np.ndarray, future: np.ndarray | None, n: int, rng: np.random.Generator
    ) -> np.ndarray:
        raise self._unavailable("samples")

    def _row_quantiles(self, X: Any, quantiles: list[float]) -> np.ndarray:
        """``(n_rows, n_quantiles)`` quantiles of the rows of ``X`` (wrappers override it)."""
        return self._row_values(X, lambda s, f: self._forecast_quantiles(s, f, quantiles))

    def _unavailable(self, what: str) -> ParameterError:
        kinds = self._uncertainty_kinds()
        can = {
            (): "point forecasts only (predict, forecast)",
            ("quantiles",): "point forecasts, quantiles and intervals (predict_quantiles, "
            "predict_interval, forecast(level=...)), not samples",
        }.get(tuple(kinds), "point forecasts, quantiles, intervals and samples")
        return ParameterError(
            f"{type(self).__name__} as fitted gives {can}; it cannot give {what}. "
            f"{self._uncertainty_hint()}"
        )

    # ----------------------------------------------------------------- API
    def predict_quantiles(self, X: Any, quantiles: Any = (0.1, 0.5, 0.9)) -> pd.DataFrame:
        """Forecast quantiles of the rows of ``X``.

        Parameters
        ----------
        X : DataFrame
            Forecast rows, as for ``predict``.
        quantiles : float or list of float, default=(0.1, 0.5, 0.9)
            Levels strictly between 0 and 1.

        Returns
        -------
        DataFrame
            One row per row of ``X`` (its index when ``X`` is a frame), one column
            ``yhat_q<level>`` per quantile (e.g. ``yhat_q0.1``).

        Raises
        ------
        ParameterError
            When the model gives no quantiles (the message says what it gives).
        """
        check_is_fitted(self)
        q = check_quantiles(quantiles)
        return self._aligned(X, self._row_quantiles(X, q), [quantile_column(v) for v in q])

    def predict_interval(self, X: Any, coverage: Any = 0.95) -> pd.DataFrame:
        """Central prediction intervals of the rows of ``X``.

        The interval of coverage ``c`` runs from the ``(1 - c) / 2`` to the
        ``(1 + c) / 2`` quantile.

        Parameters
        ----------
        X : DataFrame
            Forecast rows, as for ``predict``.
        coverage : float or list of float, default=0.95
            Nominal coverage(s), strictly between 0 and 1.

        Returns
        -------
        DataFrame
            One row per row of ``X``; columns ``yhat_lo_<pct>``, ``yhat_hi_<pct>`` for
            every coverage (e.g. ``yhat_lo_95``, ``yhat_hi_95``).
        """
        check_is_fitted(self)
        coverages = check_coverages(coverage)
        values = self._row_quantiles(X, interval_quantiles(coverages))
        names = [name for c in coverages for name in interval_columns(c)]
        return self._aligned(X, values, names)

    def sample(self, X: Any, n: int = 100, random_state: Any = None) -> np.ndarray:
        """Draw ``n`` sample paths of the forecast distribution at the rows of ``X``.

        Draw ``i`` of every row of one series comes from the same path, so
        the columns are joint samples over the horizon.

        Parameters
        ----------
        X : DataFrame
            Forecast rows, as for ``predict``.
        n : int, default=100
            Samples per row.
        random_state : int, Generator or None, default=None
            Seed of the draws.

        Returns
        -------
        ndarray of shape (n_rows, n)
        """
        check_is_fitted(self)
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ParameterError(f"n must be an int >= 1; got {n!r}.")
        rng = np.random.default_rng(random_state)
        return self._row_values(X, lambda s, f: self._sample_panel(s, f, int(n), rng))

    # ----------------------------------------------------------------- forecast bands
    def _forecast_rows(self, rows: pd.DataFrame, level: Any, quantiles: Any) -> pd.DataFrame:
        """``forecast``'s frame: ``yhat`` and the asked bands and quantiles of ``rows``."""
        out = rows[[self.id_col, self.time_col]].copy()
        out["yhat"] = self.predict(rows)
        if level is not None:
            bands = self.predict_interval(rows, coverage=check_coverages(level, percent=True))
            out[list(bands.columns)] = bands.to_numpy()
        if quantiles is not None:
            table = self.predict_quantiles(rows, quantiles)
            out[list(table.columns)] = table.to_numpy()
        return out

    @staticmethod
    def _aligned(X: Any, values: np.ndarray, columns: list[str]) -> pd.DataFrame:
        values = np.asarray(values, dtype=np.float64).reshape(len(values), len(columns))
        index = X.index if isinstance(X, pd.DataFrame) and len(X) == len(values) else None
        return pd.DataFrame(values, columns=columns, index=index)
