"""Naive and seasonal naive forecasts: repeat the last value or the last season.

Nothing is estimated, so these keep only the last season of every series and
need no statsmodels. Covariate columns are accepted and ignored, so a
comparison can hand every model the same ``X``.
"""

from __future__ import annotations

import numbers

import numpy as np

from tsrnn._validation import Interval
from tsrnn.base import BaseForecaster
from tsrnn.baselines._intervals import normal_quantiles, random_walk_sd
from tsrnn.data.calendar import season_length_of

__all__ = ["NaiveForecaster", "SeasonalNaiveForecaster"]


class SeasonalNaiveForecaster(BaseForecaster):
    r"""Repeat the last observed season: :math:`\hat y_{T+h} = y_{T+h-m\lceil h/m \rceil}`.

    Parameters
    ----------
    horizon : int, default=12
        Steps forecast.
    season_length : int or None, default=None
        Season length ``m``; inferred from each series' frequency when None
        (12 for monthly, 4 quarterly, 7 daily, 24 hourly, 48 half-hourly, 52 weekly, else 1).
    freq : str, int or None, default=None
        Frequency of the time column; inferred per series when None.
    id_col, time_col, target_col : str, default="unique_id", "ds", "y"
        Column names.

    Attributes
    ----------
    season_length_ : ndarray of int
        Season length used for each series.
    calendar_ : Calendar
        Each series' frequency and last observed time.
    context_ : Panel
        The last observations of every series.

    Examples
    --------
    >>> import pandas as pd
    >>> y = pd.Series([1.0, 2, 3, 4, 5, 6], index=pd.date_range("2020-01", periods=6, freq="QS"))
    >>> SeasonalNaiveForecaster(horizon=5).fit(y).forecast()["yhat"].tolist()
    [3.0, 4.0, 5.0, 6.0, 3.0]
    """

    _parameter_constraints = {"season_length": [None, Interval(numbers.Integral, 1, None)]}

    def __init__(
        self,
        *,
        horizon: int = 12,
        season_length: int | None = None,
        freq: str | int | None = None,
        id_col: str = "unique_id",
        time_col: str = "ds",
        target_col: str = "y",
    ) -> None:
        self.horizon = horizon
        self.season_length = season_length
        self.freq = freq
        self.id_col = id_col
        self.time_col = time_col
        self.target_col = target_col

    def _seasons(self, freqs: list) -> np.ndarray:
        if self.season_length is not None:
            return np.full(len(freqs), self.season_length, dtype=np.int64)
        return np.array([season_length_of(f) for f in freqs], dtype=np.int64)

    def fit(self, X, y=None):  # noqa: D102
        super().fit(X, y)
        self.sigma_ = self._sigmas(vars(self).pop("_history"), self.season_length_)
        return self

    fit.__doc__ = BaseForecaster.fit.__doc__

    def _fit_panel(self, panel) -> None:
        """Forecasts read the stored context; ``fit`` keeps each series' residual spread."""
        self._history = panel

    @staticmethod
    def _sigmas(panel, seasons: np.ndarray) -> np.ndarray:
        """Root mean square of each series' in-sample lag-``m`` changes (NaN if none)."""
        return np.array([random_walk_sd(panel.series(k)[:, 0], 1, int(seasons[k]))[0]
                         for k in range(panel.n_series)])  # fmt: skip

    def _append_new(self, frame, columns) -> None:
        start = self.calendar_.n_series
        super()._append_new(frame, columns)
        if hasattr(self, "sigma_"):
            new = np.arange(start, self.calendar_.n_series)
            self.sigma_ = np.concatenate(
                [self.sigma_, self._sigmas(self.context_.select(new), self.season_length_[new])]
            )

    def _uncertainty_kinds(self) -> tuple[str, ...]:
        return ("quantiles",) if hasattr(self, "sigma_") else ()

    def _uncertainty_hint(self) -> str:
        return "This model was saved without its residual spread: refit it."

    def _forecast_quantiles(self, positions, future, quantiles) -> np.ndarray:
        if not hasattr(self, "sigma_"):
            return super()._forecast_quantiles(positions, future, quantiles)
        seasons = self._seasons([self.calendar_.freq[p] for p in positions])
        steps = np.arange(self.horizon)
        sd = self.sigma_[positions, None] * np.sqrt(steps[None, :] // seasons[:, None] + 1.0)
        return normal_quantiles(self._forecast_panel(positions, future), sd, quantiles)

    def _fitted_state(self):  # noqa: D102
        return {}, ({"sigma": self.sigma_} if hasattr(self, "sigma_") else {})

    def _restore(self, config, arrays, weights) -> None:  # noqa: D102
        if "sigma" in arrays:
            self.sigma_ = arrays["sigma"]

    def _forecast_panel(self, positions: np.ndarray, future: np.ndarray | None) -> np.ndarray:
        seasons = self._seasons([self.calendar_.freq[p] for p in positions])
        out = np.empty((len(positions), self.horizon))
        steps = np.arange(self.horizon)
        for k, p in enumerate(positions):
            history = self.context_.series(p)[:, 0]
            m = min(seasons[k], len(history))
            out[k] = history[len(history) - m + steps % m]
        return out

    def _context_size(self) -> int | None:
        return self.season_length if self.season_length is not None else 52

    @property
    def season_length_(self) -> np.ndarray:
        """Season length used for each series."""
        return self._seasons(self.calendar_.freq)


class NaiveForecaster(SeasonalNaiveForecaster):
    """Repeat the last observation (seasonal naive with ``m = 1``).

    Parameters
    ----------
    horizon : int, default=12
        Steps forecast.
    freq : str, int or None, default=None
        Frequency of the time column; inferred per series when None.
    id_col, time_col, target_col : str, default="unique_id", "ds", "y"
        Column names.

    Examples
    --------
    >>> import pandas as pd
    >>> y = pd.Series([1.0, 2, 3], index=pd.date_range("2020-01", periods=3, freq="MS"))
    >>> NaiveForecaster(horizon=2).fit(y).forecast()["yhat"].tolist()
    [3.0, 3.0]
    """

    season_length = 1
    _parameter_constraints: dict = {}

    def __init__(
        self,
        *,
        horizon: int = 12,
        freq: str | int | None = None,
        id_col: str = "unique_id",
        time_col: str = "ds",
        target_col: str = "y",
    ) -> None:
        self.horizon = horizon
        self.freq = freq
        self.id_col = id_col
        self.time_col = time_col
        self.target_col = target_col
