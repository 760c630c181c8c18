"""The neural estimators' path for missing targets and uneven times.

Used by :class:`~tsrnn.estimators._base.BaseNeuralForecaster` when ``missing="mask"``
or ``irregular=True``; the default path never enters this module. See
:mod:`tsrnn.data.irregular` for the panel and :mod:`tsrnn.data.masked` for the batches.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import torch

from tsrnn.data.calendar import Calendar
from tsrnn.data.irregular import time_aware_panel
from tsrnn.data.masked import (
    TimeAwareWindowDataset,
    elapsed_feature,
    observed_windows,
    scale_time_aware,
)
from tsrnn.data.panel import Panel
from tsrnn.data.scaling import PanelScaler
from tsrnn.exceptions import DataValidationError

Windows = tuple[np.ndarray, np.ndarray]


def network_sizes(est: Any) -> tuple[int, int]:
    """Inputs: target, covariates, observed flag, time since last observation (+ elapsed)."""
    return 3 + len(est.covariates_), len(est.future_covariates_) + int(est.irregular)


def frame_to_panel(est: Any, frame: pd.DataFrame, covariates: list[str]) -> tuple[Panel, Calendar]:
    """Validate ``frame`` and build the time-aware panel and calendar."""
    return time_aware_panel(
        frame,
        id_col=est.id_col,
        time_col=est.time_col,
        target_col=est.target_col,
        covariates=covariates,
        freq=est.freq,
        irregular=est.irregular,
        missing=est.missing,
    )


def dataset_factory(
    est: Any, panel: Panel, train: Windows, val: Windows
) -> tuple[Callable[..., TimeAwareWindowDataset], Windows, Windows]:
    """Fit ``est.scaler_`` (ignoring missing targets) and return the dataset maker and windows."""
    n_cov = len(est.covariates_)
    width = 1 + n_cov
    core = Panel(panel.values[:, :width], panel.indptr, panel.ids, panel.columns[:width])
    est.scaler_ = PanelScaler.fit_history(core, est.scaler, est.validation_size)
    values = scale_time_aware(est.scaler_, panel, n_cov)
    target = panel.values[:, 0]
    train = observed_windows(
        target, panel.indptr, train, est.horizon, panel.lengths - est.validation_size
    )
    val = observed_windows(target, panel.indptr, val, est.horizon)
    if not len(train[0]):
        raise DataValidationError(
            "No training window has an observed target: every series' targets are missing "
            "after its contexts. Give more observations or lower horizon/validation_size."
        )
    future_columns = tuple(1 + est.covariates_.index(c) for c in est.future_covariates_)

    def make(windows: Windows, target_end: np.ndarray | None = None) -> TimeAwareWindowDataset:
        return TimeAwareWindowDataset(
            values,
            panel.indptr,
            *windows,
            context_length=est.context_length,
            horizon=est.horizon,
            future_columns=future_columns,
            normalize=est.normalize_windows,
            elapsed=est.irregular,
            target_end=target_end,
        )

    return make, train, val


def future_inputs(
    est: Any,
    frame: pd.DataFrame,
    positions: np.ndarray,
    inverse: np.ndarray,
    steps: np.ndarray,
    future: np.ndarray | None,
) -> np.ndarray | None:
    """Append the time from each series' last observation to every future row (irregular)."""
    if not est.irregular:
        return future
    n_series = int(inverse.max()) + 1
    elapsed = np.tile(np.arange(1.0, est.horizon + 1), (n_series, 1))  # steps not asked for
    elapsed[inverse, steps - 1] = est.calendar_.elapsed(positions, pd.Index(frame[est.time_col]))
    column = elapsed[..., None]  # [S, H, 1]
    return column if future is None else np.concatenate([future, column], axis=-1)


def forecast_panel(est: Any, positions: np.ndarray, future: np.ndarray | None) -> np.ndarray:
    """``(len(positions), horizon)`` forecasts from the stored contexts."""
    context = est.context_.select(positions)
    n_cov = len(est.covariates_)
    values = scale_time_aware(est.scaler_, context, n_cov, positions)
    every = np.arange(len(positions))
    dataset = TimeAwareWindowDataset(
        values,
        context.indptr,
        every,
        context.lengths - 1,
        context_length=est.context_length,
        horizon=est.horizon,
        with_targets=False,
        normalize=est.normalize_windows,
    )
    batch = dataset[every]
    if future is not None:
        n_fc = len(est.future_covariates_)
        parts = []
        if n_fc:
            parts.append(est._scale_future(future[..., :n_fc]))
        if est.irregular:
            parts.append(elapsed_feature(future[..., n_fc:], est.horizon))
        batch.future = torch.as_tensor(np.concatenate(parts, axis=-1), dtype=torch.float32)
    with torch.inference_mode():
        out = batch.denormalize(est.network_(batch.x, batch.lengths, batch.future))  # [S, H]
    return est.scaler_.inverse_target(out.double().numpy(), positions)


def refuse_update(est: Any) -> None:
    """update() is not supported on this path yet: say so and how to proceed."""
    raise DataValidationError(
        f"update() is not supported with missing={est.missing!r}, irregular={est.irregular!r} "
        "yet: refit on the whole history including the new rows (fit(X_all, y_all))."
    )
