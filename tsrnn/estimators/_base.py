"""Template of the neural forecasters: windows -> batches -> Lightning fit -> fitted state."""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.utils import check_random_state
from torch import nn

from tsrnn._validation import Interval, Options, external_stacklevel
from tsrnn.base import BaseForecaster
from tsrnn.data.batching import Batch, WindowDataset, window_loader
from tsrnn.data.calendar import Calendar
from tsrnn.data.panel import Panel
from tsrnn.data.scaling import SCALERS, PanelScaler
from tsrnn.data.windowing import temporal_split
from tsrnn.estimators import _time_aware as time_aware
from tsrnn.estimators._docs import NEURAL_DOCS
from tsrnn.exceptions import DataValidationError, DataWarning
from tsrnn.training import (
    LOSSES,
    BestWeights,
    ForecastingSystem,
    LossHistory,
    make_trainer,
    quiet_lightning,
)

__all__ = ["BaseNeuralForecaster", "check_windows"]

NEURAL_CONSTRAINTS: dict[str, list] = {
    "context_length": [Interval(numbers.Integral, 1, None)],
    "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
    "batch_size": [Interval(numbers.Integral, 1, None)],
    "max_epochs": [Interval(numbers.Integral, 1, None)],
    "gradient_clip_val": [None, Interval(numbers.Real, 0, None, closed="neither")],
    "loss": [Options(frozenset(LOSSES))],
    "scaler": [Options(frozenset(SCALERS))],
    "normalize_windows": [bool],
    "validation_size": [Interval(numbers.Integral, 0, None)],
    "early_stopping_patience": [None, Interval(numbers.Integral, 1, None)],
    "future_covariates": [None, list, tuple],
    "random_state": [None, Interval(numbers.Integral, 0, 2**32 - 1), np.random.RandomState],
    "verbose": [bool],
    "trainer_kwargs": [None, dict],
    "missing": [Options(frozenset({"raise", "mask"}))],
    "irregular": [bool],
}


def check_windows(
    panel: Panel,
    train_counts: np.ndarray,
    validation_counts: np.ndarray | None,
    validation_size: int,
) -> None:
    """Warn about series that give no training (or validation) window; raise if none gives one.

    A global model does not need every series to train: those too short still get
    forecasts from the history they have. A training window needs two rows before the
    validation tail (one context step, one target), a validation window one.
    """
    train_need = f"2 + validation_size = {2 + validation_size}" if validation_size else "2"
    validation_need = f"validation_size + 1 = {validation_size + 1}"
    kinds = [("training", train_counts, train_need)]
    if validation_counts is not None:
        kinds.append(("validation", validation_counts, validation_need))
    for kind, counts, need in kinds:
        empty = np.flatnonzero(counts == 0)
        if not len(empty):
            continue
        names = ", ".join(f"{panel.ids[i]!r} ({panel.lengths[i]} rows)" for i in empty[:5])
        names += " and others" if len(empty) > 5 else ""
        if len(empty) == panel.n_series:
            raise DataValidationError(
                f"No series is long enough for one {kind} window: {names}. A {kind} window "
                f"needs at least {need} rows. Give longer histories, or lower "
                "horizon/validation_size."
            )
        warnings.warn(
            f"{len(empty)} of {panel.n_series} series are too short for one {kind} window "
            f"({need} rows) and are left out of {kind}: {names}. They are still forecast "
            "from the history they have.",
            DataWarning,
            stacklevel=external_stacklevel(),
        )


class BaseNeuralForecaster(BaseForecaster):
    """Fit/predict template for windowed neural forecasters; subclasses build the network."""

    _shared_docs = NEURAL_DOCS

    def _build_network(self, input_size: int, future_size: int) -> nn.Module:
        raise NotImplementedError

    def _context_size(self) -> int:
        return self.context_length

    def _time_aware(self) -> bool:
        """Whether missing targets or uneven times are allowed (``tsrnn.data.irregular``)."""
        return getattr(self, "missing", "raise") == "mask" or getattr(self, "irregular", False)

    def _network_sizes(self) -> tuple[int, int]:
        """Input features per context step and known-future features per target step."""
        if self._time_aware():
            return time_aware.network_sizes(self)
        return 1 + len(self.covariates_), len(self.future_covariates_)

    def _frame_to_panel(  # noqa: D102
        self, frame: pd.DataFrame, covariates: list[str]
    ) -> tuple[Panel, Calendar]:
        if self._time_aware():
            return time_aware.frame_to_panel(self, frame, covariates)
        return super()._frame_to_panel(frame, covariates)

    def _future_inputs(  # noqa: D102
        self,
        frame: pd.DataFrame,
        positions: np.ndarray,
        series: np.ndarray,
        inverse: np.ndarray,
        steps: np.ndarray,
    ) -> np.ndarray | None:
        future = super()._future_inputs(frame, positions, series, inverse, steps)
        if self._time_aware():
            return time_aware.future_inputs(self, frame, positions, inverse, steps, future)
        return future

    def update(self, X: Any, y: Any = None) -> BaseNeuralForecaster:  # noqa: D102
        if getattr(self, "calendar_", None) is not None and self._time_aware():
            time_aware.refuse_update(self)
        return super().update(X, y)

    update.__doc__ = BaseForecaster.update.__doc__

    # ------------------------------------------------------------------ fit
    def _fit_panel(self, panel: Panel) -> None:
        self._check_early_stopping()
        train, val = temporal_split(
            panel.lengths, self.context_length, self.horizon, self.validation_size
        )
        if self._time_aware():
            make, train, val = time_aware.dataset_factory(self, panel, train, val)
        else:
            make = self._dataset_factory(panel)
        n, with_val = panel.n_series, self.validation_size >= self.horizon
        check_windows(
            panel,
            np.bincount(train[0], minlength=n),
            np.bincount(val[0], minlength=n) if with_val else None,
            self.validation_size,
        )

        seed = int(check_random_state(self.random_state).randint(0, 2**31 - 1))
        generator = torch.Generator().manual_seed(seed)
        train_loader = window_loader(
            make(train, panel.lengths - self.validation_size),  # no target in the held-out tail
            self.batch_size,
            shuffle=True,
            generator=generator,
        )
        val_loader = (
            window_loader(make(val), max(self.batch_size, 256), shuffle=False)
            if len(val[0])
            else None
        )
        history, callbacks = LossHistory(), []
        if val_loader is not None:
            callbacks.append(BestWeights("val_loss"))
        with torch.random.fork_rng(devices=[]), quiet_lightning():
            trainer = make_trainer(
                max_epochs=self.max_epochs,
                gradient_clip_val=self.gradient_clip_val,
                verbose=self.verbose,
                early_stopping_patience=self.early_stopping_patience,
                callbacks=[history, *callbacks],
                trainer_kwargs=self.trainer_kwargs,
            )
            torch.manual_seed(seed)
            network = self._build_network(*self._network_sizes())
            system = ForecastingSystem(network, loss=self.loss, learning_rate=self.learning_rate)
            trainer.fit(system, train_dataloaders=train_loader, val_dataloaders=val_loader)
        self.network_ = network.cpu().eval()
        self.history_ = history.history
        self.n_windows_ = len(train[0])

    def _dataset_factory(self, panel: Panel) -> Callable[[tuple], WindowDataset]:
        self.scaler_ = PanelScaler.fit_history(panel, self.scaler, self.validation_size)
        scaled = self.scaler_.transform(panel)
        future_columns = tuple(1 + self.covariates_.index(c) for c in self.future_covariates_)

        def make(windows: tuple[np.ndarray, np.ndarray], target_end=None) -> WindowDataset:
            return WindowDataset(
                scaled.values,
                scaled.indptr,
                *windows,
                context_length=self.context_length,
                horizon=self.horizon,
                future_columns=future_columns,
                normalize=self.normalize_windows,
                target_end=target_end,
            )

        return make

    def _check_early_stopping(self) -> None:
        if self.early_stopping_patience is not None and self.validation_size < self.horizon:
            raise DataValidationError(
                f"early_stopping_patience needs a validation set: set validation_size >= horizon "
                f"({self.horizon}); got validation_size={self.validation_size}."
            )

    # ------------------------------------------------------------------ predict
    def _forecast_panel(self, positions: np.ndarray, future: np.ndarray | None) -> np.ndarray:
        if self._time_aware():
            return time_aware.forecast_panel(self, positions, future)
        batch = self._context_batch(positions, future)
        with torch.inference_mode():
            out = batch.denormalize(self.network_(batch.x, batch.lengths, batch.future))  # [S, H]
        out = out.double().numpy()
        return self.scaler_.inverse_target(out, positions)

    def _context_batch(self, positions: np.ndarray, future: np.ndarray | None) -> Batch:
        """The scaled (and window-normalised) last contexts of the series ``positions``."""
        context = self.context_.select(positions)
        scaled = self.scaler_.transform(context, positions)
        lengths = context.lengths
        if (lengths == 0).any():
            raise DataValidationError(
                "A series has no history to forecast from; give it with update()."
            )
        dataset = WindowDataset(
            scaled.values,
            scaled.indptr,
            np.arange(len(positions)),
            lengths - 1,
            context_length=self.context_length,
            horizon=self.horizon,
            with_targets=False,
            normalize=self.normalize_windows,
        )
        batch = dataset[np.arange(len(positions))]
        if future is not None:
            batch.future = torch.as_tensor(self._scale_future(future), dtype=torch.float32)
        return batch

    def _scale_future(self, future: np.ndarray) -> np.ndarray:
        """Known-future covariates ``(S, H, n_future)`` scaled as in training."""
        columns = np.array([self.covariates_.index(c) for c in self.future_covariates_])
        return self.scaler_.transform_covariates(future, columns)

    def _add_series(self, panel: Panel) -> None:
        self.scaler_ = self.scaler_.extend(PanelScaler.fit(panel, self.scaler))
