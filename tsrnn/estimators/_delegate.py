"""A forecaster that is one fitted forecaster (``estimator_``) seen through a map of values.

:class:`DelegatingForecaster` forwards ``predict``, ``predict_quantiles`` (and so
``predict_interval``), ``forecast``, ``future_frame`` and ``update`` to ``estimator_``. A
subclass that changes the scale of the values overrides :meth:`~DelegatingForecaster._outward`
(increasing maps only, so quantiles map to quantiles) and, for the targets given to
``update``, :meth:`~DelegatingForecaster._update_inner`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from tsrnn._uncertainty import UncertaintyMixin
from tsrnn.base import RowContractTags

__all__ = ["DelegatingForecaster", "bands"]


def bands(level: Any, quantiles: Any) -> dict:
    """The ``forecast`` band arguments that were given (a wrapped model may take none)."""
    return {k: v for k, v in (("level", level), ("quantiles", quantiles)) if v is not None}


class DelegatingForecaster(UncertaintyMixin, RowContractTags, RegressorMixin, BaseEstimator):
    """Row-contract methods answered by the fitted ``estimator_`` (see the module docstring)."""

    def _outward(self, values: np.ndarray) -> np.ndarray:
        """The wrapped model's values in this forecaster's units (increasing; identity here)."""
        return np.asarray(values, float)

    def _update_inner(self, X: Any, y: Any) -> None:
        self.estimator_.update(X, y)

    def predict(self, X: Any) -> np.ndarray:
        """Forecasts of the rows of ``X``.

        Parameters
        ----------
        X : DataFrame
            Future rows (id and time, and any known-future covariates).

        Returns
        -------
        ndarray of shape (n_rows,)
        """
        check_is_fitted(self)
        return self._outward(self.estimator_.predict(X))

    def _row_quantiles(self, X: Any, quantiles: list[float]) -> np.ndarray:
        check_is_fitted(self)
        return self._outward(self.estimator_.predict_quantiles(X, quantiles).to_numpy(float))

    def forecast(
        self, horizon: int | None = None, X: Any = None, *, level: Any = None, quantiles: Any = None
    ) -> pd.DataFrame:
        """Forecast of the next ``horizon`` steps of every series (id, time, ``yhat``).

        Parameters
        ----------
        horizon : int, optional
            Steps to forecast (at most the fitted ``horizon``).
        X : DataFrame, optional
            Known-future covariates, where the wrapped model takes them.
        level, quantiles : list of float, optional
            Interval levels (percent) and quantiles, where the wrapped model gives them.

        Returns
        -------
        DataFrame
        """
        check_is_fitted(self)
        out = self.estimator_.forecast(horizon, X, **bands(level, quantiles))
        for column in [c for c in out.columns if c.startswith("yhat")]:
            out[column] = self._outward(out[column].to_numpy(float))
        return out

    def future_frame(self, horizon: int | None = None) -> pd.DataFrame:
        """The id and time rows of the next ``horizon`` steps of every series."""
        check_is_fitted(self)
        return self.estimator_.future_frame(horizon)

    def update(self, X: Any, y: Any = None) -> DelegatingForecaster:
        """Append new observations of known series without refitting.

        Parameters
        ----------
        X : DataFrame or Series
            New rows continuing known series (with the target, unless ``y`` is given).
        y : array-like, optional
            Their targets.

        Returns
        -------
        self
        """
        check_is_fitted(self)
        self._update_inner(X, y)
        return self
