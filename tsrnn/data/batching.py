"""Torch batches gathered by indexing one contiguous tensor: no per-sample objects."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from tsrnn.data.sampling import LengthBucketSampler
from tsrnn.data.sharding import ShardedBatchSampler

__all__ = ["Batch", "WindowDataset", "batch_to", "window_loader"]


@dataclass
class Batch:
    """A batch of right-padded windows (Lightning moves it with its ``to``).

    Attributes
    ----------
    x : Tensor of shape (B, T, F)
        Context inputs; rows past ``lengths[b]`` are zero padding.
    lengths : Tensor of shape (B,), int64
        True context length of each window.
    y : Tensor of shape (B, H) or None
        Targets of the ``horizon`` steps after each context.
    future : Tensor of shape (B, H, F_future) or None
        Known-future covariates at the target steps.
    level : Tensor of shape (B,) or None
        With window normalisation, the target's last context value, subtracted from
        the target in ``x`` and from ``y``; :meth:`denormalize` adds it back.
    mask : Tensor of shape (B, H) or None
        1 where a target is observed, 0 where it is missing (and ``y`` holds 0 there);
        None when every target is observed. See :mod:`tsrnn.data.masked`.
    """

    x: torch.Tensor
    lengths: torch.Tensor
    y: torch.Tensor | None = None
    future: torch.Tensor | None = None
    level: torch.Tensor | None = None
    mask: torch.Tensor | None = None

    def __len__(self) -> int:
        return self.x.shape[0]

    def to(self, device: torch.device | str, non_blocking: bool = False) -> Batch:
        """The batch on ``device``: itself when every tensor is there already."""
        return batch_to(self, device, non_blocking)

    def denormalize(self, forecast: torch.Tensor) -> torch.Tensor:
        """Undo window normalisation of a (B, H) forecast (or (B, H, Q) quantiles)."""
        if self.level is None:
            return forecast
        return forecast + self.level.reshape(-1, *(1,) * (forecast.dim() - 1))


class WindowDataset(Dataset):
    """Windows over a scaled panel, fetched a whole batch at a time.

    ``dataset[indices]`` gathers the windows ``indices`` from one contiguous
    tensor with a single fancy-indexing operation per field.

    Parameters
    ----------
    values : ndarray of shape (n_obs, F), float32
        Scaled panel values; column 0 is the target.
    indptr : ndarray of shape (n_series + 1,)
        Series offsets into ``values``.
    series, ends : ndarray of int64
        Windows as produced by :func:`tsrnn.data.windowing.window_ends`.
    context_length, horizon : int
        Window sizes.
    future_columns : sequence of int
        Columns of ``values`` known in the future (fed at target steps).
    with_targets : bool
        Whether targets follow each window (False at predict time).
    normalize : bool
        Subtract each window's last observed target from its target inputs and
        targets, so the network learns changes relative to the forecast origin
        (with a log-transformed target: ratios).
    target_end : ndarray of shape (n_series,), optional
        Targets at positions ``>= target_end`` of their series (default: its length)
        are masked: ``y`` holds 0 there and ``mask`` is set. Windows of series shorter
        than ``horizon + 1`` rows have such targets, and so do training windows next to
        a held-out validation tail.

    Examples
    --------
    >>> values = np.arange(5, dtype="float32")[:, None]
    >>> ds = WindowDataset(values, np.array([0, 2, 5]), np.array([0, 1]), np.array([0, 1]),
    ...                    context_length=2, horizon=2)
    >>> batch = ds[[0, 1]]
    >>> batch.y.tolist(), batch.mask.tolist()
    ([[1.0, 0.0], [4.0, 0.0]], [[1.0, 0.0], [1.0, 0.0]])
    """

    def __init__(
        self,
        values: np.ndarray,
        indptr: np.ndarray,
        series: np.ndarray,
        ends: np.ndarray,
        *,
        context_length: int,
        horizon: int,
        future_columns: tuple[int, ...] = (),
        with_targets: bool = True,
        normalize: bool = False,
        target_end: np.ndarray | None = None,
    ) -> None:
        pad = np.zeros((1, values.shape[1]), dtype=np.float32)
        self.values = torch.from_numpy(np.concatenate([values, pad]).astype(np.float32))
        self.pad_row = len(values)
        global_end = torch.from_numpy(np.asarray(indptr)[series] + ends)
        self.lengths = torch.clamp(torch.from_numpy(ends + 1), max=context_length)
        self.starts = global_end - self.lengths + 1
        self.global_end = global_end
        self.steps = torch.arange(context_length)
        self.horizon_steps = torch.arange(1, horizon + 1)
        self.future_columns = torch.tensor(future_columns, dtype=torch.long)
        self.with_targets = with_targets
        self.normalize = normalize
        self.series = np.asarray(series)  # series position of each window
        indptr = np.asarray(indptr)
        end = np.diff(indptr) if target_end is None else np.asarray(target_end)
        self.n_targets = torch.from_numpy(end[series] - ends - 1)  # targets inside the series
        self.partial = with_targets and bool((self.n_targets < horizon).any())

    def __len__(self) -> int:
        return len(self.lengths)

    def __getitem__(self, indices: list[int] | torch.Tensor) -> Batch:
        idx = torch.as_tensor(indices, dtype=torch.long)
        lengths = self.lengths[idx]  # [B]
        rows = self.starts[idx, None] + self.steps  # [B, C]
        rows = torch.where(self.steps < lengths[:, None], rows, self.pad_row)
        x = self.values[rows]  # [B, C, F]
        y = future = level = mask = None
        if self.with_targets:
            target_rows, mask = self.target_rows(idx)
            y = self.values[target_rows, 0]  # [B, H]
            if len(self.future_columns):
                future = self.values[target_rows][..., self.future_columns]  # [B, H, Ff]
        if self.normalize:
            level = self.values[self.global_end[idx], 0]  # [B]
            valid = self.steps < lengths[:, None]  # [B, C]
            x[..., 0] -= level[:, None] * valid  # padding stays 0
            y = None if y is None else y - level[:, None]
        if mask is not None:
            y = y * mask
        return Batch(x=x, lengths=lengths, y=y, future=future, level=level, mask=mask)

    def target_rows(self, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Rows of the targets of windows ``idx`` ``[B, H]`` (the padding row where masked)."""
        rows = self.global_end[idx, None] + self.horizon_steps
        if not self.partial:
            return rows, None
        inside = self.horizon_steps <= self.n_targets[idx, None]
        return torch.where(inside, rows, self.pad_row), inside.float()


def batch_to(batch: Any, device: torch.device | str, non_blocking: bool = False) -> Any:
    """A dataclass batch with its tensor fields on ``device`` (``batch`` itself if they are).

    Lightning calls a batch's ``to`` instead of rebuilding the dataclass field by field
    (a deep copy per step).

    Examples
    --------
    >>> batch = Batch(x=torch.zeros(2, 3, 1), lengths=torch.tensor([3, 1]))
    >>> batch_to(batch, "cpu") is batch
    True
    """
    device = torch.device(device)
    tensors = {f.name: v for f in fields(batch) if isinstance(v := getattr(batch, f.name),
                                                                torch.Tensor)}  # fmt: skip
    if all(v.device == device for v in tensors.values()):
        return batch
    moved = {k: v.to(device, non_blocking=non_blocking) for k, v in tensors.items()}
    return replace(batch, **moved)


def identity_collate(batch: Any) -> Any:
    """Collate function of loaders whose dataset returns whole batches."""
    return batch


def window_loader(
    dataset: WindowDataset,
    batch_size: int,
    *,
    shuffle: bool,
    generator: torch.Generator | None = None,
) -> DataLoader:
    """A DataLoader yielding whole :class:`Batch` objects (one dataset call per batch).

    Batches come from a :class:`~tsrnn.data.sampling.LengthBucketSampler`: full-length
    windows together, short contexts packed among themselves; with ``shuffle`` its
    seed is drawn from ``generator`` (torch's global generator when None).
    """
    seed = int(torch.randint(0, 2**31 - 1, (), generator=generator)) if shuffle else 0
    sampler = LengthBucketSampler(dataset.lengths, batch_size, shuffle=shuffle, seed=seed,
                                  full_length=len(dataset.steps))  # fmt: skip
    if shuffle:  # training: each process of a DDP fit takes its share of the batches
        sampler = ShardedBatchSampler(sampler, num_replicas=1, generator=generator)
    return DataLoader(dataset, sampler=sampler, batch_size=None, collate_fn=identity_collate)
