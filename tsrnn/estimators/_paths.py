"""The training paths of the neural forecasters, chosen once in ``fit`` and kept as ``path_``.

:class:`WindowedPath` (windows of up to ``context_length`` steps), :class:`TimeAwarePath`
(the same over missing targets or uneven times) and :class:`StatefulPath` (truncated BPTT,
each series' final hidden state in ``state_``, O(1) updates). A path holds no data: it
builds the datasets and system of a fit (``plan``), forecasts, and takes ``update`` rows
by reading and writing the estimator's fitted attributes.
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
from tsrnn.data.chunks import ChunkDataset, chunk_loader
from tsrnn.data.frame import frame_to_panel
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
from tsrnn.estimators._fast_update import stream_update
from tsrnn.exceptions import DataValidationError, ParameterError
from tsrnn.nn.state import select_state, state_from_numpy, state_to_numpy
from tsrnn.training import ForecastingSystem, TBPTTSystem

__all__ = ["StatefulPath", "TimeAwarePath", "TrainingPlan", "WindowedPath"]

# Reading whole histories for the final states: steps and series per gathered chunk.
_READ_CHUNK, _READ_LANES = 512, 1024


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
        values = self.scale(est, panel)
        return self.window_dataset(est, values, panel, train, train_end=True), (
            self.window_dataset(est, values, panel, val)
        )

    def fit_scaler(self, est: Any, panel: Panel) -> PanelScaler:
        """The scaler, fitted on each series' rows before the validation tail."""
        return PanelScaler.fit_history(panel, est.scaler, est.validation_size)

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
            normalize=est.normalize_windows, target_end=end, with_targets=with_targets,
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
                net, loss=est.loss, learning_rate=est.learning_rate
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
        values = self.scale(est, context, positions)
        dataset = self.window_dataset(est, values, context, (every, context.lengths - 1),
                                      with_targets=False)  # fmt: skip
        batch = dataset[every]
        if future is not None:
            batch.future = torch.as_tensor(self.scale_future(est, future), dtype=torch.float32)
        return batch

    def scale_future(self, est: Any, future: np.ndarray) -> np.ndarray:
        """Known-future inputs ``(S, H, F)`` as the network reads them."""
        return est._scale_future(future)

    def forecast(self, est: Any, positions: np.ndarray, future: np.ndarray | None) -> np.ndarray:
        """``(len(positions), horizon[, n_quantiles])`` forecasts in the user's units."""
        batch = self.context_batch(est, positions, future)
        out = None
        with torch.inference_mode():  # full contexts unpacked, short ones packed apart
            for group in length_groups(batch.lengths.numpy(), est.context_length, 4096):
                x, lengths = batch.x[group], batch.lengths[group]
                sub = None if batch.future is None else batch.future[group]
                part = est.network_(x, lengths, sub)  # [G, H] or [G, H, Q]
                if out is None:
                    out = part.new_empty((len(positions), *part.shape[1:]))
                out[group] = part
            out = batch.denormalize(torch.empty(0, est.horizon) if out is None else out)
        return est.scaler_.inverse_target(out.double().numpy(), positions)

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
        return PanelScaler.fit_history(core, est.scaler, est.validation_size)

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


class StatefulPath(WindowedPath):
    """Truncated BPTT over whole series; the final hidden state per series in ``state_``."""

    def check(self, est: Any) -> None:  # noqa: D102
        if getattr(est, "missing", "raise") == "mask" or getattr(est, "irregular", False):
            raise ParameterError(
                "tbptt_steps cannot be combined with missing='mask' or irregular=True yet: the "
                "stateful path reads complete, regular series. Use windowed training "
                "(tbptt_steps=None) for series with gaps or uneven times."
            )
        if "gradient_clip_val" in (est.trainer_kwargs or {}):
            raise ParameterError(
                "trainer_kwargs['gradient_clip_val'] does not apply with tbptt_steps (manual "
                "optimisation clips inside the TBPTT loop); set the estimator's "
                "gradient_clip_val instead."
            )

    def plan(self, est: Any, panel: Panel, generator: torch.Generator) -> TrainingPlan:  # noqa: D102
        train_len = panel.lengths - est.validation_size
        est.scaler_ = PanelScaler.fit_history(panel, est.scaler, est.validation_size)
        scaled = est.scaler_.transform(panel)

        def make(steps: np.ndarray, target_end: np.ndarray, origin_start=None) -> ChunkDataset:
            return ChunkDataset(
                scaled.values, scaled.indptr, steps, target_end, horizon=est.horizon,
                chunk_size=est.tbptt_steps, lanes=est.batch_size, origin_start=origin_start,
                future_columns=tuple(est.future_columns_), relative=est.normalize_windows,
            )  # fmt: skip

        val_loader, validation_counts = None, None
        if est.validation_size:
            steps = np.where(train_len >= 1, panel.lengths - 1, 0)  # no training row: no origin
            val_loader = chunk_loader(make(steps, panel.lengths, train_len - 1), shuffle=False)
            validation_counts = np.where(train_len >= 1, est.validation_size, 0)
        train_counts = np.maximum(train_len - 1, 0)
        check_windows(panel, train_counts, validation_counts, est.validation_size)
        return TrainingPlan(
            train_loader=chunk_loader(
                make(train_len - 1, train_len), shuffle=True, generator=generator
            ),  # fmt: skip
            val_loader=val_loader,
            n_windows=int(train_counts.sum()),
            make_system=lambda net: TBPTTSystem(
                net,
                tbptt_steps=est.tbptt_steps,
                loss=est.loss,
                learning_rate=est.learning_rate,
                gradient_clip_val=est.gradient_clip_val,
            ),  # fmt: skip
            gradient_clip_val=None,  # clipped inside the manual optimisation loop
        )

    def finish(self, est: Any, panel: Panel) -> None:  # noqa: D102
        empty = np.zeros((panel.n_series, *est.network_.state_shape), dtype=np.float32)
        est.state_ = self.read_states(est, est.scaler_.transform(panel), empty)

    def read_states(self, est: Any, scaled: Panel, initial: np.ndarray) -> np.ndarray:
        """States after reading every row of ``scaled``, starting from ``initial``."""
        dataset = ChunkDataset(
            scaled.values, scaled.indptr, scaled.lengths, np.zeros_like(scaled.lengths),
            horizon=1, chunk_size=_READ_CHUNK, lanes=_READ_LANES,
        )  # fmt: skip
        plan, final, state = dataset.plan, initial.copy(), None
        with torch.inference_mode():
            for group, chunk in plan.batches():
                lanes = plan.order[plan.group_ptr[group] : plan.group_ptr[group + 1]]
                batch = dataset[(group, chunk)]
                lanes = lanes[: len(batch)]
                state = (
                    state_from_numpy(initial[lanes])
                    if batch.reset
                    else select_state(state, slice(0, len(batch)))
                )
                state = est.network_.advance(batch.x, state, batch.lengths)
                final[lanes] = state_to_numpy(state)  # ended lanes keep their last state
        return final

    def context_size(self, est: Any) -> int:
        """Only the last row: its target is the level of relative forecasts."""
        return 1

    def forecast(self, est: Any, positions: np.ndarray, future: np.ndarray | None) -> np.ndarray:  # noqa: D102
        state = state_from_numpy(est.state_[positions])
        future_t = None
        if future is not None:
            future_t = torch.as_tensor(est._scale_future(future), dtype=torch.float32)
        with torch.inference_mode():
            out = est.network_.forecast_from_state(state, future_t).double().numpy()  # [S, H]
        if est.normalize_windows:
            last = est.scaler_.transform(est.context_.select(positions), positions)
            level = last.values[last.indptr[1:] - 1, 0]  # each series' last target
            out = out + level.reshape(-1, *(1,) * (out.ndim - 1))
        return est.scaler_.inverse_target(out, positions)

    def stream_rows(self, est: Any, X: Any) -> bool:
        """One next row per known series: the :class:`StreamSession` step (``_fast_update``)."""
        return stream_update(est, X)

    def append_known(self, est: Any, frame: pd.DataFrame, columns: list[str]) -> None:  # noqa: D102
        panel, _ = frame_to_panel(frame, np.arange(len(frame)), id_col=est.id_col,
                                  time_col=est.time_col, columns=columns)  # fmt: skip
        positions = est.calendar_.positions(panel.ids, action="update")
        scaled = est.scaler_.transform(panel, positions)
        est.state_[positions] = self.read_states(est, scaled, est.state_[positions])

    def add_series(self, est: Any, panel: Panel) -> None:  # noqa: D102
        n_old = len(est.state_)
        scaled = est.scaler_.transform(panel, n_old + np.arange(panel.n_series))
        empty = np.zeros((panel.n_series, *est.state_.shape[1:]), dtype=np.float32)
        est.state_ = np.concatenate([est.state_, self.read_states(est, scaled, empty)])
