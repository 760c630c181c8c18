"""Window and split indices as pure numpy functions over series lengths.

A window is identified by ``(series, end)``: ``end`` is the position, within its
series, of the last context step. Its context is rows ``end - c + 1 .. end``
with ``c = min(context_length, end + 1)``, and its targets are rows
``end + 1 .. end + horizon``. Nothing is copied: batches gather rows later.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from tsrnn._validation import external_stacklevel
from tsrnn.exceptions import DataValidationError, DataWarning

__all__ = ["check_windows", "temporal_split", "window_counts", "window_ends"]


def window_counts(
    lengths: np.ndarray, context_length: int, horizon: int, stride: int = 1
) -> np.ndarray:
    """Number of windows of each series.

    A series with ``L >= context_length + horizon`` gets ``(L - C - H) // stride + 1``
    full windows. A shorter series still trains: its windows have shorter
    contexts (down to one step), ``(L - H - 1) // stride + 1`` of them when
    ``L > H``. A series with ``2 <= L <= H`` rows gets windows whose targets run
    past its end (ends ``0 .. L - 2``; the batches mask the missing targets, see
    :class:`~tsrnn.data.batching.WindowDataset`); a single row gives none.

    Parameters
    ----------
    lengths : ndarray of int
        Length of each series.
    context_length, horizon, stride : int
        Window sizes and the step between consecutive windows' ends.

    Returns
    -------
    ndarray of int64

    Examples
    --------
    >>> window_counts(np.array([10, 5, 2, 1]), context_length=4, horizon=2).tolist()
    [5, 3, 1, 0]
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    last = _last_end(lengths, horizon)
    first = np.where(lengths >= context_length + horizon, context_length - 1, 0)
    return np.where(last >= first, (last - first) // stride + 1, 0)


def _last_end(lengths: np.ndarray, horizon: int) -> np.ndarray:
    """End of each series' last window: ``horizon`` steps before its end, or with one target."""
    return np.where(lengths > horizon, lengths - horizon - 1, lengths - 2)


def window_ends(
    lengths: np.ndarray, context_length: int, horizon: int, stride: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Series index and end position of every window, latest windows anchored at the end.

    Parameters
    ----------
    lengths : ndarray of int
        Length of each series.
    context_length, horizon, stride : int
        Window sizes and the step between consecutive windows' ends.

    Returns
    -------
    series : ndarray of int64
        Series position of each window.
    ends : ndarray of int64
        Position of each window's last context step within its series; the
        last window of a series ends ``horizon`` steps before the series does
        (or, in a series of at most ``horizon`` rows, one step before).

    Examples
    --------
    >>> s, e = window_ends(np.array([6, 3]), context_length=3, horizon=1, stride=2)
    >>> s.tolist(), e.tolist()
    ([0, 0, 1], [2, 4, 1])
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    counts = window_counts(lengths, context_length, horizon, stride)
    series = np.repeat(np.arange(len(lengths), dtype=np.int64), counts)
    offsets = np.repeat(np.cumsum(counts) - counts, counts)
    k = np.arange(counts.sum(), dtype=np.int64) - offsets  # 0..count-1 within series
    last = _last_end(lengths, horizon)[series]
    ends = last - stride * (counts[series] - 1 - k)
    return series, ends


def temporal_split(
    lengths: np.ndarray, context_length: int, horizon: int, validation_size: int, stride: int = 1
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Split windows in time: validation targets are each series' last ``validation_size`` steps.

    Training windows are built on the first ``L - validation_size`` steps, so every
    training target precedes every validation target of the same series. Validation
    windows start their forecasts inside the held-out tail (stride 1).

    Parameters
    ----------
    lengths : ndarray of int
        Length of each series.
    context_length, horizon : int
        Window sizes.
    validation_size : int
        Trailing steps of each series held out.
    stride : int, default=1
        Step between training windows.

    Returns
    -------
    train, validation : tuple of (series, ends)

    Examples
    --------
    >>> (ts, te), (vs, ve) = temporal_split(np.array([10]), 3, 2, validation_size=3)
    >>> te.tolist(), ve.tolist()
    ([2, 3, 4], [6, 7])
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    train = window_ends(np.maximum(lengths - validation_size, 0), context_length, horizon, stride)
    if validation_size < horizon:
        empty = np.empty(0, dtype=np.int64)
        return train, (empty, empty)
    counts = np.where(lengths - validation_size >= 1, validation_size - horizon + 1, 0)
    series = np.repeat(np.arange(len(lengths), dtype=np.int64), counts)
    k = np.arange(counts.sum(), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    ends = (lengths - validation_size - 1)[series] + k
    return train, (series, ends)


def check_windows(
    panel: Any,
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
