"""ES-RNN's fitted state in numpy: the positive shift, the smoothing state and its O(1) step.

Each series' state after its last observation is its level (``level_``), the seasonal
factors of its next ``m`` steps (``season_``), the deseasonalised logs of its last
``context_length`` steps (``window_``, newest last) and how many of those are real
(``window_count_``). :func:`advance` moves it by new observations, one step each, with
the same recursion as :class:`~tsrnn.nn.esrnn.SeriesSmoothing`; no history is re-read.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch.utils.data import BatchSampler, DataLoader, RandomSampler

from tsrnn.data.seasonal import seasonal_indices
from tsrnn.exceptions import DataValidationError

__all__ = ["advance", "fresh_state", "initial_seasons", "padded", "positive_shift", "series_loader"]


def positive_shift(values: np.ndarray, indptr: np.ndarray, ids: Any, mode: str) -> np.ndarray:
    """Per-series shift making every value positive: 0 where all are; else ``-min + scale``.

    ``scale`` is the series' mean absolute value (1 for an all-zero series). With
    ``mode="raise"`` a series with a value <= 0 is an error naming it.
    """
    shift = np.zeros(len(indptr) - 1)
    for i in range(len(shift)):
        y = values[indptr[i] : indptr[i + 1]]
        if len(y) == 0 or y.min() > 0:
            continue
        if mode == "raise":
            raise DataValidationError(
                f"ESRNNForecaster models log values, but series {ids[i]!r} has a value <= 0 "
                f"(min {y.min():g}). Use nonpositive='shift' (adds -min + mean |y| to such "
                "series, undone in the forecasts), or shift the target yourself."
            )
        scale = float(np.abs(y).mean())
        shift[i] = -float(y.min()) + (scale if scale > 0 else 1.0)
    return shift


def initial_seasons(values: np.ndarray, indptr: np.ndarray, m: int) -> np.ndarray:
    """Classical seasonal indices of every series with two full seasons; 1 for the others."""
    out = np.ones((len(indptr) - 1, m))
    if m == 1:
        return out
    for i in range(len(out)):
        y = values[indptr[i] : indptr[i + 1]]
        if len(y) >= 2 * m:
            indices = seasonal_indices(y, m)
            if np.isfinite(indices).all() and (indices > 0).all():
                out[i] = indices
    return out


def padded(values: np.ndarray, indptr: np.ndarray, fill: str = "nan") -> np.ndarray:
    """Series as rows of an ``(S, T_max)`` array, padded with NaN (or each row's last value)."""
    lengths = np.diff(indptr)
    out = np.full((len(lengths), int(lengths.max(initial=0))), np.nan)
    for i, n in enumerate(lengths):
        out[i, :n] = values[indptr[i] : indptr[i + 1]]
        if fill == "edge" and n:
            out[i, n:] = out[i, n - 1]
    return out


def fresh_state(n: int, m: int, context_length: int, initial_season: np.ndarray) -> dict:
    """The state of series with no observation yet."""
    return {
        "level": np.full(n, np.nan),
        "season": np.array(initial_season, dtype=np.float64).reshape(n, m),
        "window": np.zeros((n, context_length)),
        "window_count": np.zeros(n, dtype=np.int64),
    }


def advance(state: dict, y: np.ndarray, alpha: np.ndarray, gamma: np.ndarray) -> dict:
    """The state after the observations ``y`` (S, T) (NaN: none at that step), one per step."""
    level, season = state["level"].copy(), state["season"].copy()
    window, count = state["window"].copy(), state["window_count"].copy()
    for t in range(y.shape[1]):
        on = ~np.isnan(y[:, t])
        if not on.any():
            continue
        v, s, a, g = y[on, t], season[on, 0], alpha[on], gamma[on]
        old = level[on]
        new = np.where(np.isnan(old), v / s, a * v / s + (1 - a) * old)
        level[on] = new
        season[on] = np.column_stack([season[on, 1:], g * v / new + (1 - g) * s])
        window[on] = np.column_stack([window[on, 1:], np.log(v) - np.log(s)])
        count[on] = np.minimum(count[on] + 1, window.shape[1])
    return {"level": level, "season": season, "window": window, "window_count": count}


class _SeriesBatches(torch.utils.data.Dataset):
    """Whole series, a batch at a time: ``(y (B, T) edge-padded, lengths, rows)``."""

    def __init__(self, values: np.ndarray, indptr: np.ndarray) -> None:
        self.values, self.indptr = values, indptr

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def __getitem__(self, rows: list[int]) -> tuple[torch.Tensor, ...]:
        rows = np.asarray(rows)
        starts, ends = self.indptr[rows], self.indptr[rows + 1]
        parts = np.concatenate([self.values[a:b] for a, b in zip(starts, ends, strict=True)])
        y = padded(parts, np.r_[0, np.cumsum(ends - starts)], fill="edge")
        return (
            torch.as_tensor(y, dtype=torch.float32),
            torch.as_tensor(ends - starts, dtype=torch.int64),
            torch.as_tensor(rows, dtype=torch.int64),
        )


def series_loader(
    values: np.ndarray, indptr: np.ndarray, batch_size: int, generator: torch.Generator
) -> DataLoader:
    """Shuffled batches of ``batch_size`` whole series of the positive ``values``."""
    dataset = _SeriesBatches(values, indptr)
    sampler = BatchSampler(RandomSampler(dataset, generator=generator), batch_size, False)
    return DataLoader(dataset, sampler=sampler, batch_size=None)
