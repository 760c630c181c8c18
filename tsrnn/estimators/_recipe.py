"""One candidate of :class:`~tsrnn.estimators.auto.AutoRNNForecaster`: a recipe as an estimator.

A *recipe* is a dict of the choices the automatic forecaster scores (``transform``,
``deseasonalize``, ``scaler``, ``context_length``, ``cell``). :class:`RecipeForecaster`
builds the chain it names in ``fit`` -- seasonal adjustment (optional) around a target
transform around one recurrent network -- and forwards ``predict``, ``forecast``,
``update`` and ``future_frame`` to it, so that ``backtest`` scores a recipe and
``EnsembleForecaster(vary={"recipe": [...]})`` combines several, like any forecaster.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

from tsrnn.data.frame import require_target, to_long
from tsrnn.estimators._delegate import DelegatingForecaster
from tsrnn.estimators.recurrent import GRUForecaster, LSTMForecaster
from tsrnn.estimators.seasonal import DeseasonalizedForecaster
from tsrnn.exceptions import ParameterError
from tsrnn.model_selection import backtest
from tsrnn.preprocessing import BoxCoxTransformer, LogTransformer

__all__ = [
    "RECIPE_KEYS",
    "TRANSFORMS",
    "RecipeForecaster",
    "TargetTransformedForecaster",
    "candidate_recipes",
    "change_name",
    "model_name",
    "plain",
    "score_recipe",
]

#: Target transforms a recipe may name; ``log`` needs positive data, ``log1p`` non-negative
#: data, ``boxcox`` positive data with some variation.
TRANSFORMS = ("none", "log", "log1p", "boxcox")
_CELLS = {"gru": GRUForecaster, "lstm": LSTMForecaster}
#: Network settings shared by every recipe (those of the hand-made M3 recipe, which were not
#: chosen per category): a one-layer network of 32 units, Adam with lr 3e-3, batches of 256.
NETWORK = {"hidden_size": 32, "learning_rate": 3e-3, "batch_size": 256}


def _transformer(name: str) -> Any:
    if name == "log":
        return LogTransformer(offset=0.0)
    if name == "log1p":
        return LogTransformer(offset=1.0)
    if name == "boxcox":
        return BoxCoxTransformer(offset=0.0)
    raise ParameterError(f"transform must be one of {list(TRANSFORMS)}; got {name!r}.")


class TargetTransformedForecaster(DelegatingForecaster):
    """A forecaster on a transformed target, with ``forecast`` and ``update`` (unlike sklearn's).

    Forecasts are clipped, on the transformed scale, to the training range widened by
    its width on either side, so that an exploding network cannot give infinite values
    after the inverse transform.

    Parameters
    ----------
    estimator : forecaster
        The forecaster of the transformed target.
    transform : {"none", "log", "log1p", "boxcox"}, default="log"
        The transform (``log1p`` is ``log(1 + y)``).
    id_col, time_col, target_col : str
        Column names.
    """

    def __init__(
        self,
        estimator: Any = None,
        *,
        transform: str = "log",
        id_col: str = "unique_id",
        time_col: str = "ds",
        target_col: str = "y",
    ) -> None:
        self.estimator = estimator
        self.transform = transform
        self.id_col = id_col
        self.time_col = time_col
        self.target_col = target_col

    def _split(self, X: Any, y: Any) -> tuple[pd.DataFrame, np.ndarray]:
        frame = to_long(
            X, y, id_col=self.id_col, time_col=self.time_col, target_col=self.target_col
        )
        require_target(frame, self.target_col)
        return frame.drop(columns=self.target_col), frame[self.target_col].to_numpy(float)

    def _forward(self, values: np.ndarray) -> np.ndarray:
        return values if self.transformer_ is None else self.transformer_.transform(values)

    def _inverse(self, values: np.ndarray) -> np.ndarray:
        values = np.clip(np.asarray(values, float), *self.bounds_)
        if self.transformer_ is None:
            return values
        return self.transformer_.inverse_transform(values.ravel()).reshape(values.shape)

    def fit(self, X: Any, y: Any = None) -> TargetTransformedForecaster:
        """Fit the transform on the training target, then ``estimator`` on the transformed one."""
        features, target = self._split(X, y)
        self.transformer_ = None if self.transform == "none" else _transformer(self.transform)
        if self.transformer_ is not None:
            self.transformer_.fit(target)
        z = self._forward(target)
        width = float(np.nanmax(z) - np.nanmin(z)) or max(1.0, abs(float(np.nanmax(z))))
        self.bounds_ = (float(np.nanmin(z)) - width, float(np.nanmax(z)) + width)
        self.estimator_ = clone(self.estimator).fit(features, z)
        return self

    def _outward(self, values: np.ndarray) -> np.ndarray:
        """Back-transformed values (the transforms and the clipping are increasing)."""
        return self._inverse(values)

    def _update_inner(self, X: Any, y: Any) -> None:
        """Transform the new targets and append them to the wrapped forecaster."""
        features, target = self._split(X, y)
        self.estimator_.update(features, self._forward(target))


class RecipeForecaster(DelegatingForecaster):
    """The forecaster a recipe names: adjustment, transform and network in one estimator.

    Parameters
    ----------
    horizon : int, default=12
        Steps to forecast.
    recipe : dict, default=None
        ``transform`` (see :data:`TRANSFORMS`), ``deseasonalize`` (bool: wrap in
        :class:`~tsrnn.DeseasonalizedForecaster`, which adjusts the series that pass
        the 90% test), ``scaler`` (per-series scaler of the network), ``context_length``
        and ``cell`` (``"gru"`` or ``"lstm"``). None: log-free GRU, standard scaler,
        window ``horizon``, no adjustment. ``{"model": forecaster}`` instead names a
        forecaster of its own (a baseline scored next to the recurrent recipes).
    season_length : int or None, default=None
        Season length for the adjustment (None: each series' conventional one).
    head : dict or None, default=None
        The network's head parameters, e.g. ``{"loss": "quantile"}`` or
        ``{"likelihood": "student_t"}``; None: the point head.
    max_epochs : int, default=20
        Training epochs of the network.
    random_state : int or None, default=0
        Seed of the network.
    id_col, time_col, target_col : str
        Column names.
    """

    def __init__(
        self,
        horizon: int = 12,
        *,
        recipe: dict | None = None,
        season_length: int | None = None,
        head: dict | None = None,
        max_epochs: int = 20,
        random_state: int | None = 0,
        id_col: str = "unique_id",
        time_col: str = "ds",
        target_col: str = "y",
    ) -> None:
        self.horizon = horizon
        self.recipe = recipe
        self.season_length = season_length
        self.head = head
        self.max_epochs = max_epochs
        self.random_state = random_state
        self.id_col = id_col
        self.time_col = time_col
        self.target_col = target_col

    def build(self) -> Any:
        """The unfitted chain of forecasters the recipe names."""
        if self.recipe is not None and "model" in self.recipe:
            return clone(self.recipe["model"])
        recipe = {
            "transform": "none",
            "deseasonalize": False,
            "scaler": "standard",
            "context_length": self.horizon,
            "cell": "gru",
            **(self.recipe or {}),
        }
        cols = {"id_col": self.id_col, "time_col": self.time_col, "target_col": self.target_col}
        if recipe["cell"] not in _CELLS:
            raise ParameterError(
                f"recipe cell must be one of {list(_CELLS)}; got {recipe['cell']!r}."
            )
        network = _CELLS[recipe["cell"]](
            horizon=self.horizon,
            context_length=int(recipe["context_length"]),
            scaler=recipe["scaler"],
            max_epochs=self.max_epochs,
            random_state=self.random_state,
            **NETWORK,
            **(self.head or {}),
            **cols,
        )
        model: Any = TargetTransformedForecaster(network, transform=recipe["transform"], **cols)
        if recipe["deseasonalize"]:
            model = DeseasonalizedForecaster(model, season_length=self.season_length, **cols)
        return model

    def fit(self, X: Any, y: Any = None) -> RecipeForecaster:
        """Build the recipe's chain and fit it."""
        self.estimator_ = self.build().fit(X, y)
        return self


RECIPE_KEYS = ("transform", "deseasonalize", "scaler", "context_length", "cell")


def candidate_recipes(
    horizon: int, season_length: int, *, min_value: float, seasonal: bool, varied: bool
) -> list[dict]:
    """The fixed candidate set, base recipe first, then one change of it at a time.

    The base recipe: the log transform where the data allow it (``log`` when every value is
    positive, ``log1p`` when the smallest is 0, none with negative values), seasonal
    adjustment when some series pass the 90% seasonality test, the ``standard`` per-series
    scaler, an input window of ``max(horizon, season_length)`` steps and a GRU. Each other
    candidate changes one choice: no transform, Box-Cox (positive, varying data only), no
    adjustment (only when the base adjusts), the ``diff`` scaler, a window twice as long,
    an LSTM.

    Parameters
    ----------
    horizon : int
        Forecast horizon.
    season_length : int
        The longest season length of the panel (1 if none).
    min_value : float
        The smallest training value.
    seasonal : bool
        Whether some series pass the seasonality test.
    varied : bool
        Whether the training values are not all equal.

    Returns
    -------
    list of dict

    Examples
    --------
    >>> [r["transform"] for r in candidate_recipes(6, 1, min_value=-3.0, seasonal=False,
    ...                                            varied=True)]
    ['none', 'none', 'none', 'none']
    >>> len(candidate_recipes(12, 12, min_value=5.0, seasonal=True, varied=True))
    7
    """
    window = max(horizon, season_length)
    log = "log" if min_value > 0 else "log1p" if min_value == 0 else "none"
    base = {
        "transform": log,
        "deseasonalize": seasonal,
        "scaler": "standard",
        "context_length": window,
        "cell": "gru",
    }
    changes: list[dict] = []
    if log != "none":
        changes.append({"transform": "none"})
    if min_value > 0 and varied:
        changes.append({"transform": "boxcox"})
    if seasonal:
        changes.append({"deseasonalize": False})
    changes += [{"scaler": "diff"}, {"context_length": 2 * window}, {"cell": "lstm"}]
    return [base] + [{**base, **change} for change in changes]


def score_recipe(
    name: str, recipe: dict, est: RecipeForecaster, X: pd.DataFrame, cv: Any, m: Any
) -> dict:
    tic = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = backtest(
            est,
            X,
            cv=cv,
            scoring=("smape", "mase", "mae"),
            season_length=m,
            id_col=est.id_col,
            time_col=est.time_col,
            target_col=est.target_col,
        )
    summary = result.summary()
    return {
        "candidate": name,
        **{k: recipe.get(k) for k in RECIPE_KEYS},
        "smape": float(summary["smape"]),
        "mase": float(summary["mase"]),
        "mae": float(summary["mae"]),
        "seconds": time.perf_counter() - tic,
        "warnings": sorted({str(w.message).split(";")[0] for w in caught}),
    }


def plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def change_name(base: dict, recipe: dict) -> str:
    if "model" in recipe:
        return f"baseline={model_name(recipe['model'])}"
    return ", ".join(f"{k}={recipe[k]}" for k in RECIPE_KEYS if recipe[k] != base[k])


def model_name(model: Any) -> str:
    """A short name: ``ThetaForecaster`` -> ``theta``, a damped ``HoltForecaster`` -> ``damped``."""
    name = type(model).__name__.removesuffix("Forecaster").lower()
    return "damped" if getattr(model, "damped_trend", False) else name
