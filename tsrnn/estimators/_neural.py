"""The neural forecasters' template: parameters, one training routine, the fitted path.

A neural forecaster chooses its training path once in ``fit`` (:mod:`tsrnn.estimators._paths`:
windowed, time-aware or stateful) and keeps it as ``path_``; the path builds the
datasets and the training system, forecasts and advances its own fitted state, so
``set_params`` after ``fit`` never changes how a fitted model predicts.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.utils import check_random_state
from torch import nn

from tsrnn._uncertainty import check_quantiles
from tsrnn._validation import Interval, Options
from tsrnn.base import BaseForecaster
from tsrnn.data.calendar import Calendar
from tsrnn.data.panel import Panel
from tsrnn.data.scaling import SCALERS, PanelScaler
from tsrnn.data.sharding import shard_loader
from tsrnn.data.static import StaticEncoder
from tsrnn.estimators import _static
from tsrnn.estimators._docs import NEURAL_DOCS
from tsrnn.estimators._forecast_cache import live_cache
from tsrnn.estimators._quantiles import interpolate_quantiles
from tsrnn.exceptions import DataValidationError
from tsrnn.nn.recurrent import RecurrentNet
from tsrnn.nn.threads import forecast_threads
from tsrnn.training import LOSSES, BestWeights, LossHistory, make_trainer, quiet_lightning

__all__ = ["ContextParams", "NetworkParams", "NeuralForecaster", "StaticParams", "TimeAwareParams"]

NEURAL_CONSTRAINTS: dict[str, list] = {
    "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
    "batch_size": [Interval(numbers.Integral, 1, None)],
    "max_epochs": [Interval(numbers.Integral, 1, None)],
    "gradient_clip_val": [None, Interval(numbers.Real, 0, None, closed="neither")],
    "loss": [Options(frozenset({*LOSSES, "quantile"}))],
    "quantiles": [None, list, tuple],
    "scaler": [Options(frozenset(SCALERS))],
    "normalize_windows": [bool],
    "validation_size": [Interval(numbers.Integral, 0, None)],
    "early_stopping_patience": [None, Interval(numbers.Integral, 1, None)],
    "future_covariates": [None, list, tuple],
    "random_state": [None, Interval(numbers.Integral, 0, 2**32 - 1), np.random.RandomState],
    "verbose": [bool],
    "trainer_kwargs": [None, dict],
}
#: Levels of a quantile head when ``quantiles=None``: the 95% and 80% intervals and the median.
DEFAULT_QUANTILES = (0.025, 0.1, 0.5, 0.9, 0.975)
CONTEXT_CONSTRAINTS: dict[str, list] = {"context_length": [Interval(numbers.Integral, 1, None)]}
NETWORK_CONSTRAINTS: dict[str, list] = {
    "hidden_size": [Interval(numbers.Integral, 1, None)],
    "num_layers": [Interval(numbers.Integral, 1, None)],
    "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
}
STATIC_CONSTRAINTS: dict[str, list] = {"static_covariates": [None, list, tuple]}
TIME_AWARE_CONSTRAINTS: dict[str, list] = {
    "missing": [Options(frozenset({"raise", "mask"}))],
    "irregular": [bool],
    "tbptt_steps": [None, Interval(numbers.Integral, 1, None)],
}

# Parameter groups: each estimator lists the groups it has (dataclass fields, keyword-only,
# stored unchanged as scikit-learn requires); its constraint table adds the groups' tables.
_FIELDS = {"kw_only": True, "eq": False, "repr": False}


@dataclass(**_FIELDS)
class ContextParams:
    """The input window of windowed forecasters."""

    context_length: int = 24


@dataclass(**_FIELDS)
class NetworkParams:
    """Size of a recurrent network."""

    hidden_size: int = 32
    num_layers: int = 1
    dropout: float = 0.0

    def _build_network(self, input_size: int, future_size: int) -> RecurrentNet:
        """A direct multi-step RecurrentNet of the estimator's ``cell`` (and ``residual``)."""
        return RecurrentNet(
            cell=self.cell,
            input_size=input_size,
            hidden_size=self.hidden_size,
            num_layers=self.num_layers,
            dropout=self.dropout,
            horizon=self.horizon,
            future_size=future_size,
            residual=self.residual,
            quantiles=self._head_quantiles(),
            likelihood=getattr(self, "likelihood", None),
        )


@dataclass(**_FIELDS)
class StaticParams:
    """Per-series features constant over time, at every step of the network's input."""

    static_covariates: list[str] | None = None


@dataclass(**_FIELDS)
class TimeAwareParams:
    """Missing targets, uneven times, and the deprecated stateful switch."""

    missing: str = "raise"
    irregular: bool = False
    tbptt_steps: int | None = None  # deprecated: StreamingRNNForecaster


@dataclass(**_FIELDS)
class NeuralForecaster(BaseForecaster):
    """Template of the neural forecasters; subclasses add parameter groups and the network.

    Subclasses implement ``_build_network(input_size, future_size)`` and
    ``_choose_path()`` (which training path their parameters ask for).
    """

    horizon: int = 12
    learning_rate: float = 1e-3
    batch_size: int = 64
    max_epochs: int = 20
    gradient_clip_val: float | None = 1.0
    loss: str = "mse"
    quantiles: list[float] | None = None
    scaler: str = "standard"
    normalize_windows: bool = True
    validation_size: int = 0
    early_stopping_patience: int | None = None
    future_covariates: list[str] | None = None
    freq: str | int | None = None
    id_col: str = "unique_id"
    time_col: str = "ds"
    target_col: str = "y"
    random_state: int | np.random.RandomState | None = None
    verbose: bool = False
    trainer_kwargs: dict[str, Any] | None = None

    _shared_docs = NEURAL_DOCS

    # ------------------------------------------------------------------ hooks
    def _build_network(self, input_size: int, future_size: int) -> nn.Module:
        raise NotImplementedError

    def _choose_path(self) -> Any:
        """The training path these parameters ask for (a ``tsrnn.estimators._paths`` object)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ fit
    def fit(self, X: Any, y: Any = None) -> NeuralForecaster:  # noqa: D102
        frame = self._to_frame(X, y, require_target=True)
        return super().fit(_static.split_fit(self, frame))  # static columns apart

    fit.__doc__ = BaseForecaster.fit.__doc__

    def _frame_to_panel(  # noqa: D102
        self, frame: pd.DataFrame, covariates: list[str]
    ) -> tuple[Panel, Calendar]:
        return self._choose_path().frame_to_panel(self, frame, covariates)

    def _fit_panel(self, panel: Panel) -> None:
        vars(self).pop("state_", None)  # a stateful fit's states, from an earlier fit
        _static.align(self, panel.ids)
        if self.loss == "quantile" and self.quantiles is not None:
            check_quantiles(self.quantiles)
        path = self._choose_path()
        path.check(self)
        if self.early_stopping_patience is not None and self.validation_size < self.horizon:
            raise DataValidationError(
                f"early_stopping_patience needs a validation set: set validation_size >= horizon "
                f"({self.horizon}); got validation_size={self.validation_size}."
            )
        self.future_columns_ = [1 + self.covariates_.index(c) for c in self.future_covariates_]
        self.network_sizes_ = path.network_sizes(self, panel)
        seed = int(check_random_state(self.random_state).randint(0, 2**31 - 1))
        generator = torch.Generator().manual_seed(seed)
        plan = path.plan(self, panel, generator)
        self.network_ = self._train(plan, seed)
        self.n_windows_ = plan.n_windows
        self.path_ = path
        path.finish(self, panel)

    def _train(self, plan: Any, seed: int) -> nn.Module:
        """Train the network on ``plan``'s loaders with Lightning; keep ``history_``."""
        history, callbacks = LossHistory(), []
        if plan.val_loader is not None:
            callbacks.append(BestWeights("val_loss"))
        with torch.random.fork_rng(devices=[]), quiet_lightning():
            trainer = make_trainer(
                max_epochs=self.max_epochs,
                gradient_clip_val=plan.gradient_clip_val,
                verbose=self.verbose,
                early_stopping_patience=self.early_stopping_patience,
                callbacks=[history, *callbacks],
                trainer_kwargs=self.trainer_kwargs,
            )
            shard_loader(plan.train_loader, trainer.world_size)  # DDP: a share per process
            torch.manual_seed(seed)
            network = _static.wrap_network(self, self.network_sizes_)
            system = plan.make_system(network)
            trainer.fit(
                system, train_dataloaders=plan.train_loader, val_dataloaders=plan.val_loader
            )
        self.history_ = history.history
        return network.cpu().eval()

    # ------------------------------------------------------------------ predict
    def _context_size(self) -> int | None:
        return self.path_.context_size(self)

    def _future_inputs(  # noqa: D102
        self,
        frame: pd.DataFrame,
        positions: np.ndarray,
        series: np.ndarray,
        inverse: np.ndarray,
        steps: np.ndarray,
    ) -> np.ndarray | None:
        future = super()._future_inputs(frame, positions, series, inverse, steps)
        return self.path_.future_inputs(self, frame, (positions, inverse, steps), future)

    def _forecast_panel(self, positions: np.ndarray, future: np.ndarray | None) -> np.ndarray:
        out = self._path_forecast(positions, future)  # [S, H] or [S, H, Q]
        return out if out.ndim == 2 else out[..., self.network_.head.median_index]

    # ------------------------------------------------------------------ training choices
    def _training_loss(self) -> str:
        """The system's loss name (likelihood heads: ``"nll"``)."""
        return self.loss

    def _target_scaler(self) -> str:
        """The per-series target scaler the paths fit (counts: ``"none"``)."""
        return self.scaler

    def _relative(self) -> bool:
        """Whether windows are normalised to their last target (counts: never)."""
        return self.normalize_windows

    def _path_forecast(self, positions: np.ndarray, future: np.ndarray | None) -> np.ndarray:
        """``path_.forecast``; without future inputs, from the forecast cache."""
        if future is not None:  # the forecasts depend on X: nothing to keep
            with forecast_threads(self.network_):
                return self.path_.forecast(self, positions, future)
        return live_cache(self, create=True).get(self, positions)

    # ------------------------------------------------------------------ quantile head
    def _head_quantiles(self) -> tuple[float, ...] | None:
        """The quantile head's levels (None: a point head)."""
        if self.loss != "quantile":
            return None
        return tuple(float(q) for q in (self.quantiles or DEFAULT_QUANTILES))

    def _uncertainty_kinds(self) -> tuple[str, ...]:
        return ("quantiles",) if self._head_quantiles() is not None else ()

    def _uncertainty_hint(self) -> str:
        return (
            "Fit with loss='quantile' (and quantiles=[...]) for a quantile head, or wrap the "
            "model in tsrnn.ConformalForecaster."
        )

    def _forecast_quantiles(
        self, positions: np.ndarray, future: np.ndarray | None, quantiles: list[float]
    ) -> np.ndarray:
        if self._head_quantiles() is None:
            return super()._forecast_quantiles(positions, future, quantiles)
        out = self._path_forecast(positions, future)  # [S, H, Q_head]
        return interpolate_quantiles(out, self.network_.head.quantiles, quantiles, self)

    def _scale_future(self, future: np.ndarray) -> np.ndarray:
        """Known-future covariates ``(S, H, n_future)`` scaled as in training."""
        columns = np.array(self.future_columns_, dtype=np.int64) - 1
        return self.scaler_.transform_covariates(future, columns)

    # ------------------------------------------------------------------ persistence
    _state_config = ("history", "n_windows", "network_sizes", "scaler")
    _state_arrays = ("target_loc", "target_scale", "covariate_loc", "covariate_scale")
    _saves_weights = True

    def _fitted_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:  # noqa: D102
        scaler = self.scaler_
        config = {
            "history": self.history_,
            "n_windows": self.n_windows_,
            "network_sizes": list(self.network_sizes_),
            "scaler": scaler.method,
        }
        arrays = {
            "target_loc": scaler.target_loc,
            "target_scale": scaler.target_scale,
            "covariate_loc": scaler.covariate_loc,
            "covariate_scale": scaler.covariate_scale,
        }
        if hasattr(self, "state_"):  # stateful path: each series' hidden state
            arrays["state"] = self.state_
        if getattr(self, "static_encoder_", None) is not None:  # levels, scaling, values
            config["static"] = self.static_encoder_.to_config()
            arrays["static"] = self.static_
        return config, arrays

    def _restore(  # noqa: D102
        self, config: dict[str, Any], arrays: dict[str, np.ndarray], weights: Any
    ) -> None:
        self.scaler_ = PanelScaler(
            config["scaler"],
            arrays["target_loc"],
            arrays["target_scale"],
            arrays["covariate_loc"],
            arrays["covariate_scale"],
        )
        self.network_sizes_ = tuple(config["network_sizes"])
        self.future_columns_ = [1 + self.covariates_.index(c) for c in self.future_covariates_]
        if "static" in config:
            self.static_encoder_ = StaticEncoder.from_config(config["static"])
            self.static_ = arrays["static"]
        network = _static.wrap_network(self, self.network_sizes_)
        network.load_state_dict(weights)
        self.network_ = network.eval()
        self.history_ = config["history"]
        self.n_windows_ = config["n_windows"]
        if "state" in arrays:
            self.state_ = arrays["state"]
        self.path_ = self._choose_path()  # as fit chose it from the same parameters

    # ------------------------------------------------------------------ update
    def update(self, X: Any, y: Any = None) -> NeuralForecaster:  # noqa: D102
        if hasattr(self, "path_"):
            self.path_.check_update(self)
            if y is None and self.path_.stream_rows(self, X):  # one next row per series
                return self
        frame = self._to_frame(X, y, require_target=True)
        frame, self._static_new = _static.split_update(self, frame)  # new series' statics
        try:
            return super().update(frame)
        finally:
            vars(self).pop("_static_new", None)

    update.__doc__ = BaseForecaster.update.__doc__

    def _append_known(self, frame: pd.DataFrame, columns: list[str]) -> None:
        cache = live_cache(self)
        super()._append_known(frame, columns)  # checks continuity, moves calendar_, context_
        self.path_.append_known(self, frame, columns)
        if cache is not None:  # only the updated series need new forecasts
            cache.moved(self, stale=self.calendar_.positions(pd.unique(frame[self.id_col])))

    def _append_new(self, frame: pd.DataFrame, columns: list[str]) -> None:
        cache = live_cache(self)
        super()._append_new(frame, columns)
        if cache is not None:
            cache.moved(self)  # the new series are stale

    def _add_series(self, panel: Panel) -> None:
        _static.add_series(self, panel.ids, getattr(self, "_static_new", None))
        self.scaler_ = self.scaler_.extend(PanelScaler.fit(panel, self._target_scaler()))
        self.path_.add_series(self, panel)
