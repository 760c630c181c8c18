"""Shared machinery of the statistical baselines: one local model per series.

A :class:`LocalForecaster` fits an independent statsmodels model to every
series inside ``fit`` (in parallel with joblib when ``n_jobs`` or the active joblib
backend, such as Dask's or Ray's, asks for it),
stores each series' ``horizon`` forecasts, and re-estimates the model of every
series that ``update`` extends. A series whose
model fails, or forecasts a non-finite value, falls back to naive forecasts
(its last value) with a :class:`FallbackWarning`.
"""

from __future__ import annotations

import functools
import numbers
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from tsrnn._validation import Interval
from tsrnn.base import BaseForecaster
from tsrnn.baselines._intervals import normal_quantiles, random_walk_sd
from tsrnn.data.calendar import season_length_of
from tsrnn.data.panel import Panel
from tsrnn.exceptions import ParameterError

__all__ = ["FallbackWarning", "LocalForecaster"]

#: ``model(y, horizon, m) -> (forecasts, label[, sd])``; module-level or a partial, so it
#: pickles. ``sd``: the standard deviation of each step's forecast (for intervals).
SeriesModel = Callable[[np.ndarray, int, int], tuple]

# Fitted per-series results, dropped before a refit.
_RESULTS = (
    "forecasts_",
    "forecast_sd_",
    "models_",
    "fallback_",
    "convergence_warnings_",
    "season_length_",
)

LOCAL_CONSTRAINTS: dict[str, list] = {
    "season_length": [None, Interval(numbers.Integral, 1, None)],
    "n_jobs": [None, Interval(numbers.Integral, 1, None), Interval(numbers.Integral, None, -1)],
}


class FallbackWarning(UserWarning):
    """Some series' local models failed; those series got naive forecasts instead."""


def require_statsmodels() -> None:
    """Raise an ImportError with an install hint when statsmodels is missing."""
    try:
        import statsmodels  # noqa: F401
    except ImportError as err:
        raise ImportError(
            "tsrnn's statistical baselines need statsmodels: pip install 'statsmodels>=0.14'"
        ) from err


def lowest_aic_finite(
    fits: list[tuple], forecast: Callable, errors: list[str], what: str
) -> tuple[np.ndarray, str, np.ndarray]:
    """Forecasts, label and spread of the lowest-AIC fit whose ``forecast(result)`` is finite.

    ``fits`` holds ``(aic, order, result, label)``; ``forecast(result)`` returns the mean
    and standard deviation of ``horizon`` steps. A degenerate fit (e.g. 6 parameters on 14
    points: forecasts that run away, a spread that is NaN) drops out of the search.
    """
    for _, _, result, label in sorted(fits, key=lambda fit: fit[:2]):
        mean, sd = (np.asarray(a, dtype=np.float64) for a in forecast(result))
        if np.isfinite(mean).all() and np.isfinite(sd).all():
            return mean, label, sd
        errors.append(f"{label}: forecasts or their spread are not finite")
    raise ValueError(f"no {what} model gave finite forecasts ({'; '.join(errors[:2])})")


@functools.cache
def _blas() -> Any:
    """The BLAS thread pools of numpy and scipy (which statsmodels' filters call)."""
    import scipy.linalg  # noqa: F401  (loads scipy's BLAS so the controller sees it)
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def fit_series_single_thread(*job: Any) -> tuple[np.ndarray, str, str | None, int, np.ndarray]:
    """:func:`fit_series` with one BLAS thread, as a parallel worker runs it."""
    with _blas().limit(limits=1):
        return fit_series(*job)


def fit_series(
    model: SeriesModel, y: np.ndarray, horizon: int, m: int
) -> tuple[np.ndarray, str, str | None, int, np.ndarray]:
    """Fit one series, falling back to naive forecasts when the model fails.

    Returns the forecasts, a label of the fitted model, the error message of a
    fallback (None when the model worked), the number of statsmodels
    ``ConvergenceWarning`` raised (all warnings are silenced) and the standard
    deviation of every step's forecast (the naive one for a fallback; NaN where
    the model gives none).
    """
    y = np.asarray(y, dtype=np.float64)
    if np.ptp(y) == 0.0:  # every model's forecast of a constant series is that constant
        return np.full(horizon, y[-1]), "constant", None, 0, np.zeros(horizon)
    error = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            forecast, label, *rest = model(y, horizon, m)
            forecast = np.asarray(forecast, dtype=np.float64).reshape(-1)
            if forecast.shape != (horizon,) or not np.isfinite(forecast).all():
                raise FloatingPointError(f"the forecasts are not {horizon} finite values")
            sd = np.asarray(rest[0], dtype=np.float64).reshape(-1) if rest else None
            if sd is None or sd.shape != (horizon,) or not np.isfinite(sd).all():
                sd = np.full(horizon, np.nan)
        except ImportError:
            raise
        except Exception as err:  # any statsmodels failure: fall back, report below
            forecast, label = np.full(horizon, y[-1]), "naive (fallback)"
            sd = random_walk_sd(y, horizon)
            error = f"{type(err).__name__}: {err}"
    n_convergence = sum(w.category.__name__ == "ConvergenceWarning" for w in caught)
    return forecast, label, error, n_convergence, sd


#: Lines of ``Parameters`` and ``Attributes`` that every per-series model documents alike;
#: a subclass docstring names them with the markers ``<shared parameters>`` and
#: ``<shared attributes>`` (filled in by ``BaseForecaster.__init_subclass__``).
SHARED_DOCS = {
    "    <shared parameters>\n": """    n_jobs : int or None, default=None
        Processes fitting series in parallel (joblib); -1 all cores. None follows the
        active joblib backend: serial by default, spread over a cluster inside
        ``joblib.parallel_config(backend="dask")`` (or ``"ray"``), as in scikit-learn.
    freq : str, int or None, default=None
        Frequency of the time column; inferred per series when None.
    id_col, time_col, target_col : str, default="unique_id", "ds", "y"
        Column names. Other columns of ``X`` are accepted and ignored.
""",
    "    <shared attributes>\n": """    n_fallback_ : int
        Number of such series.
    convergence_warnings_ : ndarray of int, shape (n_series,)
        statsmodels ``ConvergenceWarning`` count per series (silenced).
    n_convergence_warnings_ : int
        Their total.
    season_length_ : ndarray of int, shape (n_series,)
        Season length used for each series.
    calendar_ : Calendar
        Each series' frequency and last observed time.
    context_ : Panel
        The full history of every series.
""",
}


class LocalForecaster(BaseForecaster):
    """Base of the statistical baselines: one statsmodels model per series, fitted in ``fit``.

    Subclasses define their parameters (including ``season_length`` and
    ``n_jobs``) and ``_series_model``, which returns a picklable callable
    ``model(y, horizon, m) -> (forecasts, label)`` fitted to one series ``y``
    (float64) with season length ``m``.

    ``fit`` keeps every series' full history in ``context_`` and stores its
    forecasts in ``forecasts_``. ``update`` appends observations and
    **re-estimates** the model of each series it touches (local statistical
    models have no state to carry forward), so later forecasts start after the
    new observations. :func:`~tsrnn.persistence.save_forecaster` stores the
    forecasts and per-series results, so a loaded model forecasts without refitting.
    """

    _parameter_constraints: dict[str, list] = LOCAL_CONSTRAINTS
    _shared_docs = SHARED_DOCS

    def fit(self, X: Any, y: Any = None) -> LocalForecaster:
        """Fit one model per series on a long table of histories.

        Parameters
        ----------
        X : DataFrame or Series
            Long frame with ``id_col``, ``time_col`` (covariate columns are
            accepted and ignored) and ``target_col`` when ``y`` is None; or a
            ``pd.Series`` with a ``DatetimeIndex``; or a wide frame.
        y : array-like of shape (n_rows,), optional
            Target aligned with the rows of ``X``.

        Returns
        -------
        self

        Warns
        -----
        FallbackWarning
            When the model failed on some series (they get naive forecasts;
            see ``fallback_`` and ``n_fallback_``).
        """
        super().fit(X, y)  # validates, builds calendar_ and context_ (full histories)
        for name in _RESULTS:
            vars(self).pop(name, None)
        self._fit_local(np.arange(self.calendar_.n_series), stacklevel=3)
        return self

    def update(self, X: Any, y: Any = None) -> LocalForecaster:
        """Append new observations and re-estimate the models of the series they extend.

        Local statistical models carry no state forward, so every series that
        gets rows is refitted on its extended history (a series not seen
        before gets a model of its own); later forecasts start after the new
        rows. Other series keep their models and forecasts.

        Parameters
        ----------
        X : DataFrame or Series
            New rows, in any of the forms :meth:`fit` accepts; rows of a known
            series must continue its history without gaps.
        y : array-like of shape (n_rows,), optional
            Their targets, when not a column of ``X``.

        Returns
        -------
        self
        """
        return super().update(X, y)  # the hooks below refit the touched series

    # ----------------------------------------------------------------- hooks
    def _series_model(self) -> SeriesModel:
        raise NotImplementedError

    def _fit_panel(self, panel: Panel) -> None:
        """Nothing here: ``fit`` fits the models once ``calendar_`` gives each series' season."""
        require_statsmodels()

    def _forecast_panel(self, positions: np.ndarray, future: np.ndarray | None) -> np.ndarray:
        return self.forecasts_[positions]

    def _uncertainty_kinds(self) -> tuple[str, ...]:
        return ("quantiles",) if hasattr(self, "forecast_sd_") else ()

    def _uncertainty_hint(self) -> str:
        return "This model was saved without its forecast spread: refit it."

    def _forecast_quantiles(
        self, positions: np.ndarray, future: np.ndarray | None, quantiles: list[float]
    ) -> np.ndarray:
        if not hasattr(self, "forecast_sd_"):
            return super()._forecast_quantiles(positions, future, quantiles)
        sd = self.forecast_sd_[positions]
        if np.isnan(sd).any():
            first = self.calendar_.ids[positions[np.isnan(sd).any(axis=1)][0]]
            raise ParameterError(
                f"{type(self).__name__} has no forecast spread for series {first!r} (a model "
                "file written before tsrnn had intervals): refit it for intervals."
            )
        return normal_quantiles(self.forecasts_[positions], sd, quantiles)

    def _context_size(self) -> int | None:
        return None

    def _append_known(self, frame: pd.DataFrame, columns: list[str]) -> None:
        super()._append_known(frame, columns)
        touched = self.calendar_.positions(pd.unique(frame[self.id_col]), action="update")
        self._fit_local(np.sort(touched), stacklevel=5)

    def _append_new(self, frame: pd.DataFrame, columns: list[str]) -> None:
        start = self.calendar_.n_series
        super()._append_new(frame, columns)
        self._fit_local(np.arange(start, self.calendar_.n_series), stacklevel=5)

    # ----------------------------------------------------------------- fitting
    def _seasons(self) -> np.ndarray:
        if self.season_length is not None:
            return np.full(self.calendar_.n_series, self.season_length, dtype=np.int64)
        return np.array([season_length_of(f) for f in self.calendar_.freq], dtype=np.int64)

    def _grow_state(self) -> bool:
        """Size the per-series results to ``calendar_``; return True if none existed."""
        state, n = vars(self), self.calendar_.n_series
        if "forecasts_" not in state:  # first fit, or a refit on load of an older file
            state.update(
                forecasts_=np.full((n, self.horizon), np.nan),
                forecast_sd_=np.full((n, self.horizon), np.nan),
                models_=[""] * n,
                fallback_=np.zeros(n, dtype=bool),
                convergence_warnings_=np.zeros(n, dtype=np.int64),
            )
            return True
        if "forecast_sd_" not in state:  # loaded from a file written before intervals
            self.forecast_sd_ = np.full_like(self.forecasts_, np.nan)
        grow = n - len(self.forecasts_)
        if grow > 0:  # series first seen in update()
            self.forecasts_ = np.vstack([self.forecasts_, np.full((grow, self.horizon), np.nan)])
            self.forecast_sd_ = np.vstack(
                [self.forecast_sd_, np.full((grow, self.horizon), np.nan)]
            )
            self.models_ = self.models_ + [""] * grow
            self.fallback_ = np.concatenate([self.fallback_, np.zeros(grow, dtype=bool)])
            self.convergence_warnings_ = np.concatenate(
                [self.convergence_warnings_, np.zeros(grow, dtype=np.int64)]
            )
        return False

    def _fit_local(self, positions: np.ndarray, *, stacklevel: int) -> None:
        """(Re)fit the models of the series at ``positions`` and store their results."""
        if self._grow_state():
            positions = np.arange(self.calendar_.n_series)
        self.season_length_ = self._seasons()
        model = self._series_model()
        jobs = (
            (model, self.context_.series(p)[:, 0], self.horizon, int(self.season_length_[p]))
            for p in positions
        )
        # One BLAS thread per fit: the matrices of one series are tiny, and threads that
        # spin for them slow each statsmodels fit several times over on a busy machine.
        if self.n_jobs == 1 or len(positions) < 2:
            with _blas().limit(limits=1):
                results = [fit_series(*job) for job in jobs]
        else:  # None: the active joblib backend decides (serial, unless parallel_config says)
            results = Parallel(n_jobs=self.n_jobs)(
                delayed(fit_series_single_thread)(*job) for job in jobs
            )
        errors = []
        for p, (forecast, label, error, n_convergence, sd) in zip(positions, results, strict=True):
            self.forecasts_[p] = forecast
            self.forecast_sd_[p] = sd
            self.models_[p] = label
            self.fallback_[p] = error is not None
            self.convergence_warnings_[p] = n_convergence
            if error is not None:
                errors.append(f"{self.calendar_.ids[p]!r} ({error})")
        self.n_fallback_ = int(self.fallback_.sum())
        self.n_convergence_warnings_ = int(self.convergence_warnings_.sum())
        if errors:
            shown = "; ".join(errors[:3]) + (" ..." if len(errors) > 3 else "")
            warnings.warn(
                f"{type(self).__name__}: the model failed on {len(errors)} of {len(positions)} "
                f"series, which get naive forecasts instead: {shown}. See fallback_.",
                FallbackWarning,
                stacklevel=stacklevel,
            )

    # ----------------------------------------------------------------- persistence
    def _fitted_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:  # noqa: D102
        arrays = {
            "forecasts": self.forecasts_,
            "forecast_sd": self.forecast_sd_,
            "fallback": self.fallback_,
            "convergence_warnings": self.convergence_warnings_,
            "season_length": self.season_length_,
        }
        return {"models": list(self.models_)}, arrays

    def _restore(  # noqa: D102
        self, config: dict[str, Any], arrays: dict[str, np.ndarray], weights: Any
    ) -> None:
        if "forecasts" not in arrays:  # written before the results were saved: refit once
            self._fit_local(np.arange(self.calendar_.n_series), stacklevel=4)
            return
        self.forecasts_ = arrays["forecasts"]
        if "forecast_sd" in arrays:  # files written before intervals have none
            self.forecast_sd_ = arrays["forecast_sd"]
        self.fallback_ = arrays["fallback"]
        self.convergence_warnings_ = arrays["convergence_warnings"]
        self.season_length_ = arrays["season_length"]
        self.models_ = list(config["models"])
        self.n_fallback_ = int(self.fallback_.sum())
        self.n_convergence_warnings_ = int(self.convergence_warnings_.sum())
