"""The training paths of the neural forecasters, chosen once in ``fit`` and kept as ``path_``.

:class:`WindowedPath` (windows of up to ``context_length`` steps), :class:`TimeAwarePath`
(the same over missing targets or uneven times); ``_stateful_path.StatefulPath``
(truncated BPTT, each series' final hidden state in ``state_``, O(1) updates) builds on
the first. A path holds no data: it builds the datasets and system of a fit (``plan``),
forecasts, and takes ``update`` rows by reading and writing the estimator's fitted
attributes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from tsrnn.base import BaseForecaster
from tsrnn.data.batching import Batch, WindowDataset, window_loader
from tsrnn.data.calendar import Calendar
from tsrnn.data.irregular import time_aware_panel
from tsrnn.data.masked import (
    TimeAwareWindowDataset,
    elapsed_feature,
    observed_windows,
    scale_time_aware,
)
from tsrnn.data.panel import Panel
from tsrnn.data.sampling import length_groups
from tsrnn.data.scaling import PanelScaler
from tsrnn.data.windowing import check_windows, temporal_split
from tsrnn.estimators._static import with_static
from tsrnn.exceptions import DataValidationError
from tsrnn.training import ForecastingSystem

__all__ = ["TimeAwarePath", "TrainingPlan", "WindowedPath"]


def _call(network: nn.Module, x: torch.Tensor, lengths: torch.Tensor, future: Any) -> Any:
    return network(x, lengths, future)


@dataclass
class TrainingPlan:
    """What a path hands the training routine."""

    train_loader: Any
    val_loader: Any
    n_windows: int
    make_system: Callable[[nn.Module], Any]
    gradient_clip_val: float | None


class WindowedPath:
    """Windows of up to ``context_length`` past steps and ``horizon`` targets."""

    def check(self, est: Any) -> None:
        """Refuse parameter combinations this path cannot train."""

    def frame_to_panel(
        self, est: Any, frame: pd.DataFrame, covariates: list[str]
    ) -> tuple[Panel, Calendar]:
        """Validate ``frame`` and build the panel and calendar (the row contract's own)."""
        return BaseForecaster._frame_to_panel(est, frame, covariates)

    def network_sizes(self, est: Any, panel: Panel) -> tuple[int, int]:
        """Input features per context step and known-future features per target step."""
        return panel.values.shape[1], len(est.future_columns_)

    def datasets(self, est: Any, panel: Panel) -> tuple[WindowDataset, WindowDataset]:
        """Fit ``est.scaler_``; the training and validation window datasets."""
        split = temporal_split(panel.lengths, est.context_length, est.horizon,
                               est.validation_size)  # fmt: skip
        est.scaler_ = self.fit_scaler(est, panel)
        train, val = self.keep_windows(est, panel, *split)
        values = with_static(est, self.scale(est, panel), panel.lengths)
        return self.window_dataset(est, values, panel, train, train_end=True), (
            self.window_dataset(est, values, panel, val)
        )

    def fit_scaler(self, est: Any, panel: Panel) -> PanelScaler:
        """The scaler, fitted on each series' rows before the validation tail."""
        return PanelScaler.fit_history(panel, est._target_scaler(), est.validation_size)

    def keep_windows(self, est: Any, panel: Panel, train: tuple, val: tuple) -> tuple:
        """The training and validation windows that can carry a loss (all of them here)."""
        return train, val

    def scale(self, est: Any, panel: Panel, positions: np.ndarray | None = None) -> np.ndarray:
        """The network's inputs of every row of ``panel`` (series at ``positions``)."""
        return est.scaler_.transform(panel, positions).values

    def window_dataset(
        self,
        est: Any,
        values: np.ndarray,
        panel: Panel,
        windows: tuple,
        *,
        train_end: bool = False,
        with_targets: bool = True,
    ) -> WindowDataset:
        """Windows ``(series, ends)`` over scaled ``values``; targets stop before validation."""
        end = panel.lengths - est.validation_size if train_end else None
        return self.dataset_class(
            values, panel.indptr, *windows, context_length=est.context_length,
            horizon=est.horizon, future_columns=tuple(est.future_columns_),
            normalize=est._relative(), target_end=end, with_targets=with_targets,
            **self.dataset_options(est, with_targets),
        )  # fmt: skip

    dataset_class = WindowDataset

    def dataset_options(self, est: Any, with_targets: bool) -> dict[str, Any]:
        """Extra arguments of ``dataset_class``."""
        return {}

    def plan(self, est: Any, panel: Panel, generator: torch.Generator) -> TrainingPlan:
        """Loaders and system of one windowed fit."""
        train_set, val_set = self.datasets(est, panel)
        n = panel.n_series
        with_val = est.validation_size >= est.horizon
        val_series = val_set.series if with_val else None
        train_counts = np.bincount(train_set.series, minlength=n)
        val_counts = None if val_series is None else np.bincount(val_series, minlength=n)
        check_windows(panel, train_counts, val_counts, est.validation_size)
        return TrainingPlan(
            train_loader=window_loader(
                train_set, est.batch_size, shuffle=True, generator=generator
            ),  # fmt: skip
            val_loader=window_loader(val_set, max(est.batch_size, 256), shuffle=False)
            if len(val_set)
            else None,
            n_windows=len(train_set),
            make_system=lambda net: ForecastingSystem(
                net, loss=est._training_loss(), learning_rate=est.learning_rate
            ),
            gradient_clip_val=est.gradient_clip_val,
        )

    def finish(self, est: Any, panel: Panel) -> None:
        """Fitted state beyond the network (nothing for windowed training)."""

    def context_size(self, est: Any) -> int:
        """Trailing rows per series that ``context_`` keeps."""
        return est.context_length

    def future_inputs(self, est: Any, frame: pd.DataFrame, rows: tuple, future: Any) -> Any:
        """Known-future inputs at the forecast steps (as the row contract built them).

        ``rows`` is ``(positions, inverse, steps)`` of the rows of ``frame``.
        """
        return future

    def context_batch(self, est: Any, positions: np.ndarray, future: np.ndarray | None) -> Batch:
        """The scaled (and window-normalised) last contexts of the series ``positions``."""
        context = est.context_.select(positions)
        if (context.lengths == 0).any():
            raise DataValidationError(
                "A series has no history to forecast from; give it with update()."
            )
        every = np.arange(len(positions))
        values = with_static(est, self.scale(est, context, positions), context.lengths, positions)
        dataset = self.window_dataset(est, values, context, (every, context.lengths - 1),
                                      with_targets=False)  # fmt: skip
        batch = dataset[every]
        if future is not None:
            batch.future = torch.as_tensor(self.scale_future(est, future), dtype=torch.float32)
        return batch

    def scale_future(self, est: Any, future: np.ndarray) -> np.ndarray:
        """Known-future inputs ``(S, H, F)`` as the network reads them."""
        return est._scale_future(future)

    def forecast(
        self, est: Any, positions: np.ndarray, future: np.ndarray | None, values: Any = None
    ) -> np.ndarray:
        """``(len(positions), horizon[, k])`` forecasts in the user's units.

        ``values(network, x, lengths, future)`` gives the network's values to unscale
        (default: its forward call): ``(G, H, k)`` quantiles, means or samples.
        """
        batch = self.context_batch(est, positions, future)
        out = None
        with torch.inference_mode():  # full contexts unpacked, short ones packed apart
            for group in length_groups(batch.lengths.numpy(), est.context_length, 4096):
                x, lengths = batch.x[group], batch.lengths[group]
                sub = None if batch.future is None else batch.future[group]
                part = (values or _call)(est.network_, x, lengths, sub)  # [G, H(, Q)]
                if out is None:
                    out = part.new_empty((len(positions), *part.shape[1:]))
                out[group] = part
            out = batch.denormalize(torch.empty(0, est.horizon) if out is None else out)
        return est.scaler_.inverse_target(out.double().numpy(), positions)

    def head_values(self, reduce: Callable) -> Callable:
        """``forecast``'s ``values``: ``reduce`` of the network's output (distribution heads)."""
        return lambda network, x, lengths, future: reduce(network(x, lengths, future))

    def check_update(self, est: Any) -> None:
        """Refuse ``update`` where this path cannot take new rows."""

    def stream_rows(self, est: Any, X: Any) -> bool:
        """Take ``update(X)`` on a fast path and return True, or return False (general path)."""
        return False

    def append_known(self, est: Any, frame: pd.DataFrame, columns: list[str]) -> None:
        """After new rows of known series were appended to ``context_``."""

    def add_series(self, est: Any, panel: Panel) -> None:
        """After series first seen in ``update`` got their scaler entries."""


class TimeAwarePath(WindowedPath):
    """Windows over panels with missing targets or uneven times."""

    def frame_to_panel(  # noqa: D102
        self, est: Any, frame: pd.DataFrame, covariates: list[str]
    ) -> tuple[Panel, Calendar]:
        return time_aware_panel(
            frame, id_col=est.id_col, time_col=est.time_col, target_col=est.target_col,
            covariates=covariates, freq=est.freq, irregular=est.irregular, missing=est.missing,
        )  # fmt: skip

    def network_sizes(self, est: Any, panel: Panel) -> tuple[int, int]:
        """Target, covariates, observed flag, time since last observation (+ elapsed)."""
        return 3 + len(est.covariates_), len(est.future_columns_) + int(est.irregular)

    def fit_scaler(self, est: Any, panel: Panel) -> PanelScaler:  # noqa: D102
        width = 1 + len(est.covariates_)  # target and covariates, not the time-aware columns
        core = Panel(panel.values[:, :width], panel.indptr, panel.ids, panel.columns[:width])
        return PanelScaler.fit_history(core, est._target_scaler(), est.validation_size)

    def keep_windows(self, est: Any, panel: Panel, train: tuple, val: tuple) -> tuple:  # noqa: D102
        target, train_end = panel.values[:, 0], panel.lengths - est.validation_size
        train = observed_windows(target, panel.indptr, train, est.horizon, train_end)
        val = observed_windows(target, panel.indptr, val, est.horizon)
        if not len(train[0]):
            raise DataValidationError(
                "No training window has an observed target: every series' targets are missing "
                "after its contexts. Give more observations or lower horizon/validation_size."
            )
        return train, val

    def scale(self, est: Any, panel: Panel, positions: np.ndarray | None = None) -> np.ndarray:  # noqa: D102
        return scale_time_aware(est.scaler_, panel, len(est.covariates_), positions)

    dataset_class = TimeAwareWindowDataset

    def dataset_options(self, est: Any, with_targets: bool) -> dict[str, Any]:  # noqa: D102
        return {"elapsed": est.irregular and with_targets}  # forecasts: given as future inputs

    def future_inputs(self, est: Any, frame: pd.DataFrame, rows: tuple, future: Any) -> Any:  # noqa: D102
        positions, inverse, steps = rows
        if not est.irregular:
            return future
        n_series = int(inverse.max()) + 1
        elapsed = np.tile(np.arange(1.0, est.horizon + 1), (n_series, 1))  # steps not asked for
        times = pd.Index(frame[est.time_col])
        elapsed[inverse, steps - 1] = est.calendar_.elapsed(positions, times)
        column = elapsed[..., None]  # [S, H, 1]
        return column if future is None else np.concatenate([future, column], axis=-1)

    def scale_future(self, est: Any, future: np.ndarray) -> np.ndarray:  # noqa: D102
        n_fc = len(est.future_covariates_)
        parts = [est._scale_future(future[..., :n_fc])] if n_fc else []
        if est.irregular:
            parts.append(elapsed_feature(future[..., n_fc:], est.horizon))
        return np.concatenate(parts, axis=-1)

    def check_update(self, est: Any) -> None:  # noqa: D102
        raise DataValidationError(
            f"update() is not supported with missing={est.missing!r}, irregular={est.irregular!r} "
            "yet: refit on the whole history including the new rows (fit(X_all, y_all))."
        )
