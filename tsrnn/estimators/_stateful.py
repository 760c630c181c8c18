"""Stateful training (truncated BPTT) and O(1) streaming for the recurrent forecasters.

Active when ``tbptt_steps`` is set; otherwise every hook falls through to the windowed
template of :class:`~tsrnn.estimators._base.BaseNeuralForecaster`. In stateful mode:

- ``fit`` reads every series from its start in consecutive chunks (a
  :class:`~tsrnn.data.chunks.ChunkDataset`), trains with :class:`~tsrnn.training.TBPTTSystem`,
  then reads each whole history once more with the trained weights and keeps the final
  hidden state per series in ``state_``;
- ``update`` advances those states by the new rows only, and ``forecast``/``predict``
  apply the head to them: no history is re-read. Series first seen in ``update`` are
  warmed up from the history given for them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from sklearn.utils import check_random_state

from tsrnn.data.chunks import ChunkDataset, chunk_loader
from tsrnn.data.frame import frame_to_panel
from tsrnn.data.panel import Panel
from tsrnn.data.scaling import PanelScaler
from tsrnn.estimators._base import check_windows
from tsrnn.exceptions import ParameterError
from tsrnn.nn.cells import FUSED_CELLS
from tsrnn.nn.state import select_state, state_from_numpy, state_to_numpy
from tsrnn.training import BestWeights, LossHistory, TBPTTSystem, make_trainer, quiet_lightning

__all__ = ["StatefulMixin"]

# Reading whole histories for the final states: steps and series per gathered chunk.
_READ_CHUNK, _READ_LANES = 512, 1024


class StatefulMixin:
    """Hooks of the stateful path; put it before ``BaseNeuralForecaster`` in the bases."""

    tbptt_steps: int | None

    def _stateful(self) -> bool:
        """Whether the *fitted* model is stateful (set_params after fit changes nothing)."""
        return getattr(self, "state_", None) is not None

    def _context_size(self) -> int:
        # the last row of each series: its target is the level of relative forecasts
        return 1 if self._stateful() else super()._context_size()

    # ------------------------------------------------------------------ fit
    def _fit_panel(self, panel: Panel) -> None:
        vars(self).pop("state_", None)
        if self.tbptt_steps is None:
            super()._fit_panel(panel)
            return
        if self._time_aware():
            raise ParameterError(
                "tbptt_steps cannot be combined with missing='mask' or irregular=True yet: the "
                "stateful path reads complete, regular series. Use windowed training "
                "(tbptt_steps=None) for series with gaps or uneven times."
            )
        if self.cell not in FUSED_CELLS or self.residual:
            raise ParameterError(
                f"tbptt_steps needs a fused cell ('rnn', 'lstm' or 'gru') without residual "
                f"connections; got cell={self.cell!r}, residual={self.residual}. Use "
                "tbptt_steps=None (windowed training) with this cell."
            )
        self._check_early_stopping()
        if "gradient_clip_val" in (self.trainer_kwargs or {}):
            raise ParameterError(
                "trainer_kwargs['gradient_clip_val'] does not apply with tbptt_steps (manual "
                "optimisation clips inside the TBPTT loop); set the estimator's "
                "gradient_clip_val instead."
            )
        train_len = panel.lengths - self.validation_size
        check_windows(
            panel,
            np.maximum(train_len - 1, 0),
            np.where(train_len >= 1, self.validation_size, 0) if self.validation_size else None,
            self.validation_size,
        )
        self.scaler_ = PanelScaler.fit_history(panel, self.scaler, self.validation_size)
        scaled = self.scaler_.transform(panel)
        future_columns = tuple(1 + self.covariates_.index(c) for c in self.future_covariates_)

        def make(steps, target_end, origin_start=None) -> ChunkDataset:
            return ChunkDataset(
                scaled.values,
                scaled.indptr,
                steps,
                target_end,
                horizon=self.horizon,
                chunk_size=self.tbptt_steps,
                lanes=self.batch_size,
                origin_start=origin_start,
                future_columns=future_columns,
                relative=self.normalize_windows,
            )

        seed = int(check_random_state(self.random_state).randint(0, 2**31 - 1))
        generator = torch.Generator().manual_seed(seed)
        train_set = make(train_len - 1, train_len)
        train_loader = chunk_loader(train_set, shuffle=True, generator=generator)
        val_loader = None
        if self.validation_size:
            lengths = panel.lengths
            steps = np.where(train_len >= 1, lengths - 1, 0)  # no training row: no origin
            val_loader = chunk_loader(make(steps, lengths, train_len - 1), shuffle=False)
        history = LossHistory()
        callbacks = [history] + ([BestWeights("val_loss")] if val_loader is not None else [])
        with torch.random.fork_rng(devices=[]), quiet_lightning():
            trainer = make_trainer(
                max_epochs=self.max_epochs,
                gradient_clip_val=None,  # clipped inside the manual optimisation loop
                verbose=self.verbose,
                early_stopping_patience=self.early_stopping_patience,
                callbacks=callbacks,
                trainer_kwargs=self.trainer_kwargs,
            )
            torch.manual_seed(seed)
            network = self._build_network(panel.values.shape[1], len(future_columns))
            system = TBPTTSystem(
                network,
                tbptt_steps=self.tbptt_steps,
                loss=self.loss,
                learning_rate=self.learning_rate,
                gradient_clip_val=self.gradient_clip_val,
            )
            trainer.fit(system, train_dataloaders=train_loader, val_dataloaders=val_loader)
        self.network_ = network.cpu().eval()
        self.history_ = history.history
        self.n_windows_ = int(np.maximum(train_len - 1, 0).sum())
        empty = np.zeros((panel.n_series, *self._state_shape()), dtype=np.float32)
        self.state_ = self._read_states(scaled, empty)

    def _state_shape(self) -> tuple[int, int, int]:
        return self.network_.state_shape

    def _read_states(self, scaled: Panel, initial: np.ndarray) -> np.ndarray:
        """States after reading every row of ``scaled``, starting from ``initial``."""
        lengths = scaled.lengths
        dataset = ChunkDataset(
            scaled.values,
            scaled.indptr,
            lengths,
            np.zeros_like(lengths),
            horizon=1,
            chunk_size=_READ_CHUNK,
            lanes=_READ_LANES,
        )
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
                state = self.network_.advance(batch.x, state, batch.lengths)
                final[lanes] = state_to_numpy(state)  # ended lanes keep their last state
        return final

    # ------------------------------------------------------------------ forecast
    def _forecast_panel(self, positions: np.ndarray, future: np.ndarray | None) -> np.ndarray:
        if not self._stateful():
            return super()._forecast_panel(positions, future)
        state = state_from_numpy(self.state_[positions])
        future_t = None
        if future is not None:
            future_t = torch.as_tensor(self._scale_future(future), dtype=torch.float32)
        with torch.inference_mode():
            out = self.network_.forecast_from_state(state, future_t).double().numpy()  # [S, H]
        if self.normalize_windows:
            last = self.scaler_.transform(self.context_.select(positions), positions)
            out = out + last.values[last.indptr[1:] - 1, 0][:, None]  # each series' last target
        return self.scaler_.inverse_target(out, positions)

    # ------------------------------------------------------------------ streaming
    def _append_known(self, frame: pd.DataFrame, columns: list[str]) -> None:
        super()._append_known(frame, columns)  # checks continuity, moves calendar_, context_
        if not self._stateful():
            return
        panel, _ = frame_to_panel(
            frame, np.arange(len(frame)), id_col=self.id_col, time_col=self.time_col,
            columns=columns,
        )  # fmt: skip
        positions = self.calendar_.positions(panel.ids, action="update")
        scaled = self.scaler_.transform(panel, positions)
        self.state_[positions] = self._read_states(scaled, self.state_[positions])

    def _add_series(self, panel: Panel) -> None:
        super()._add_series(panel)  # extends the scaler with the new series
        if not self._stateful():
            return
        n_old = len(self.state_)
        scaled = self.scaler_.transform(panel, n_old + np.arange(panel.n_series))
        empty = np.zeros((panel.n_series, *self.state_.shape[1:]), dtype=np.float32)
        self.state_ = np.concatenate([self.state_, self._read_states(scaled, empty)])
