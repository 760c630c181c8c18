"""The stateful training path: truncated BPTT over whole series (see ``_paths``).

Each series' final hidden state is kept in ``state_`` and advanced in O(1) per ``update`` row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import torch

from tsrnn.data.chunks import ChunkDataset, chunk_loader
from tsrnn.data.frame import frame_to_panel
from tsrnn.data.panel import Panel
from tsrnn.data.scaling import PanelScaler
from tsrnn.data.windowing import check_windows
from tsrnn.estimators._fast_update import stream_update
from tsrnn.estimators._forecast_cache import wrote_state
from tsrnn.estimators._paths import TrainingPlan, WindowedPath
from tsrnn.estimators._static import with_static
from tsrnn.exceptions import ParameterError
from tsrnn.nn.state import select_state, state_from_numpy, state_to_numpy
from tsrnn.training import TBPTTSystem

__all__ = ["StatefulPath"]

# Reading whole histories for the final states: steps and series per gathered chunk.
_READ_CHUNK, _READ_LANES = 512, 1024


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
        scaled = self.inputs(est, panel)

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
                loss=est._training_loss(),
                learning_rate=est.learning_rate,
                gradient_clip_val=est.gradient_clip_val,
            ),  # fmt: skip
            gradient_clip_val=None,  # clipped inside the manual optimisation loop
        )

    def finish(self, est: Any, panel: Panel) -> None:  # noqa: D102
        empty = np.zeros((panel.n_series, *est.network_.state_shape), dtype=np.float32)
        est.state_ = self.read_states(est, self.inputs(est, panel), empty)

    def inputs(self, est: Any, panel: Panel, positions: np.ndarray | None = None) -> Panel:
        """The scaled rows of ``panel`` (series ``positions``) with their static columns."""
        scaled = est.scaler_.transform(panel, positions)
        values = with_static(est, scaled.values, panel.lengths, positions)
        return Panel(values, scaled.indptr, scaled.ids, scaled.columns)

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

    def forecast(  # noqa: D102 (``values(network, state, future)``)
        self, est: Any, positions: np.ndarray, future: np.ndarray | None, values: Any = None
    ) -> np.ndarray:
        state = state_from_numpy(est.state_[positions])
        future_t = None
        if future is not None:
            future_t = torch.as_tensor(est._scale_future(future), dtype=torch.float32)
        with torch.inference_mode():
            run = values or (lambda network, s, f: network.forecast_from_state(s, f))
            out = run(est.network_, state, future_t).double().numpy()  # [S, H(, k)]
        if est.normalize_windows:
            last = est.scaler_.transform(est.context_.select(positions), positions)
            level = last.values[last.indptr[1:] - 1, 0]  # each series' last target
            out = out + level.reshape(-1, *(1,) * (out.ndim - 1))
        return est.scaler_.inverse_target(out, positions)

    def head_values(self, reduce: Callable) -> Callable:  # noqa: D102
        return lambda network, state, future: reduce(network.forecast_from_state(state, future))

    def stream_rows(self, est: Any, X: Any) -> bool:
        """One next row per known series: the :class:`StreamSession` step (``_fast_update``)."""
        return stream_update(est, X)

    def append_known(self, est: Any, frame: pd.DataFrame, columns: list[str]) -> None:  # noqa: D102
        panel, _ = frame_to_panel(frame, np.arange(len(frame)), id_col=est.id_col,
                                  time_col=est.time_col, columns=columns)  # fmt: skip
        positions = est.calendar_.positions(panel.ids, action="update")
        scaled = self.inputs(est, panel, positions)
        est.state_[positions] = self.read_states(est, scaled, est.state_[positions])
        wrote_state(est)

    def add_series(self, est: Any, panel: Panel) -> None:  # noqa: D102
        n_old = len(est.state_)
        scaled = self.inputs(est, panel, n_old + np.arange(panel.n_series))
        empty = np.zeros((panel.n_series, *est.state_.shape[1:]), dtype=np.float32)
        est.state_ = np.concatenate([est.state_, self.read_states(est, scaled, empty)])
