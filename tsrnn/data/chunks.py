"""Consecutive chunks of whole series for stateful (truncated-BPTT) training.

Series are read from their start, ``chunk_size`` steps at a time, side by side in
*lanes*: a group of up to ``lanes`` series sorted by decreasing length. Chunk ``j`` of a
group holds steps ``j * chunk_size ..`` of every series in it that is still running; as
the group is sorted, those are always its first lanes, so the hidden state of chunk ``j``
is the state after chunk ``j - 1`` cut to its first lanes. Series that have ended take
no work. Each step ``t`` predicts targets ``t + 1 .. t + horizon``; targets at or past a
series' ``target_end`` (or before its ``origin_start``) are masked out. Only one chunk is
ever gathered, so memory does not grow with the length of the series.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from tsrnn.data.batching import batch_to, identity_collate
from tsrnn.data.sharding import ShardedChunkSampler

__all__ = ["ChunkBatch", "ChunkDataset", "ChunkPlan", "ChunkSampler", "chunk_loader"]


@dataclass(frozen=True)
class ChunkPlan:
    """Which series share lanes, and how many chunks each group has (pure numpy).

    Parameters
    ----------
    order : ndarray of int64
        Series positions, group after group, each group by decreasing ``steps``.
    group_ptr : ndarray of int64
        Group ``g`` is ``order[group_ptr[g]:group_ptr[g + 1]]``.
    n_chunks : ndarray of int64
        Chunks of each group (``ceil(longest / chunk_size)``).

    Examples
    --------
    >>> plan = ChunkPlan.build(np.array([5, 9, 0, 3]), chunk_size=4, lanes=2)
    >>> plan.order.tolist(), plan.group_ptr.tolist(), plan.n_chunks.tolist()
    ([1, 0, 3], [0, 2, 3], [3, 1])
    >>> plan.batches().tolist()
    [[0, 0], [0, 1], [0, 2], [1, 0]]
    """

    order: np.ndarray
    group_ptr: np.ndarray
    n_chunks: np.ndarray

    @classmethod
    def build(cls, steps: np.ndarray, chunk_size: int, lanes: int) -> ChunkPlan:
        """Group the series with ``steps > 0`` by decreasing ``steps``, ``lanes`` at a time."""
        steps = np.asarray(steps, dtype=np.int64)
        order = np.argsort(-steps, kind="stable")
        order = order[steps[order] > 0]
        group_ptr = np.append(np.arange(0, len(order), lanes), len(order)).astype(np.int64)
        longest = steps[order[group_ptr[:-1]]] if len(order) else np.empty(0, dtype=np.int64)
        return cls(order, group_ptr, -(-longest // chunk_size))

    @property
    def n_groups(self) -> int:
        """Number of lane groups."""
        return len(self.n_chunks)

    def batches(self, group_order: np.ndarray | None = None) -> np.ndarray:
        """``(group, chunk)`` pairs: every chunk of a group in order, groups in ``group_order``."""
        groups = np.arange(self.n_groups) if group_order is None else np.asarray(group_order)
        counts = self.n_chunks[groups]
        group = np.repeat(groups, counts)
        chunk = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        return np.stack([group, chunk], axis=1).astype(np.int64)


@dataclass
class ChunkBatch:
    """One chunk of a lane group.

    Attributes
    ----------
    x : Tensor of shape (B, T, F)
        Inputs of the ``B`` lanes still running, right-padded past ``lengths``.
    lengths : Tensor of shape (B,), int64
        Real steps of each lane in this chunk (>= 1 as built by :class:`ChunkDataset`).
    y : Tensor of shape (B, T, H)
        Targets of every step (0 where masked).
    mask : Tensor of shape (B, T, H), bool
        Which targets count in the loss.
    future : Tensor of shape (B, T, H, F_future) or None
        Known-future covariates at the target steps.
    reset : bool
        True on a group's first chunk: start from a zero state. Otherwise the lanes
        are the first ``B`` lanes of the previous batch and continue its state.
    """

    x: torch.Tensor
    lengths: torch.Tensor
    y: torch.Tensor
    mask: torch.Tensor
    future: torch.Tensor | None = None
    reset: bool = True

    def __len__(self) -> int:
        return self.x.shape[0]

    def to(self, device: torch.device | str, non_blocking: bool = False) -> ChunkBatch:
        """The batch on ``device``: itself when every tensor is there already."""
        return batch_to(self, device, non_blocking)


class ChunkDataset(Dataset):
    """Gathers chunk ``(group, chunk)`` of a :class:`ChunkPlan` from one value array.

    Parameters
    ----------
    values : ndarray of shape (n_obs, F), float32
        Scaled panel values; column 0 is the target.
    indptr : ndarray of shape (n_series + 1,)
        Series offsets into ``values``.
    steps : ndarray of shape (n_series,)
        Steps of each series to read (inputs); 0 leaves a series out.
    target_end : ndarray of shape (n_series,)
        Targets at positions ``>= target_end`` are masked (e.g. the validation tail).
    horizon, chunk_size, lanes : int
        Targets per step, steps per chunk and series per group.
    origin_start : ndarray of shape (n_series,), optional
        Steps before this position are read but get no targets (validation).
    future_columns : sequence of int
        Columns of ``values`` fed as known-future covariates of the targets.
    relative : bool
        Express each step's targets relative to the target observed at that step.

    Examples
    --------
    >>> values = np.arange(10, dtype="float32")[:, None]
    >>> ds = ChunkDataset(values, np.array([0, 6, 10]), np.array([5, 3]), np.array([6, 4]),
    ...                   horizon=2, chunk_size=4, lanes=2)
    >>> b = ds[(0, 1)]
    >>> b.x[:, :, 0].tolist(), b.y.tolist(), b.mask.tolist(), b.reset
    ([[4.0]], [[[5.0, 0.0]]], [[[True, False]]], False)
    """

    def __init__(
        self,
        values: np.ndarray,
        indptr: np.ndarray,
        steps: np.ndarray,
        target_end: np.ndarray,
        *,
        horizon: int,
        chunk_size: int,
        lanes: int,
        origin_start: np.ndarray | None = None,
        future_columns: tuple[int, ...] = (),
        relative: bool = False,
    ) -> None:
        pad = np.zeros((1, values.shape[1]), dtype=np.float32)
        self.values = torch.from_numpy(np.concatenate([values, pad]).astype(np.float32))
        self.pad_row = len(values)
        self.plan = ChunkPlan.build(steps, chunk_size, lanes)
        self.starts = torch.as_tensor(np.asarray(indptr)[:-1], dtype=torch.long)
        self.steps = torch.as_tensor(steps, dtype=torch.long)
        self.target_end = torch.as_tensor(target_end, dtype=torch.long)
        zeros = np.zeros(len(self.steps), dtype=np.int64)
        self.origin_start = torch.as_tensor(
            zeros if origin_start is None else origin_start, dtype=torch.long
        )
        self.chunk_size = chunk_size
        self.horizon_steps = torch.arange(1, horizon + 1)
        self.future_columns = torch.tensor(future_columns, dtype=torch.long)
        self.relative = relative

    def __len__(self) -> int:
        return int(self.plan.n_chunks.sum())

    def __getitem__(self, index: tuple[int, int] | tuple[int, int, bool]) -> ChunkBatch:
        group, chunk = int(index[0]), int(index[1])
        padding = len(index) > 2 and bool(index[2])  # a DDP filler step: no targets
        first = chunk * self.chunk_size
        lanes = self.plan.order[self.plan.group_ptr[group] : self.plan.group_ptr[group + 1]]
        lanes = torch.from_numpy(lanes)
        lengths = torch.clamp(self.steps[lanes] - first, 0, self.chunk_size)
        running = int((lengths > 0).sum())  # a prefix: lanes are sorted by length
        lanes, lengths = lanes[:running], lengths[:running]
        pos = first + torch.arange(int(lengths.max()))  # [T] positions within the series
        valid = pos < lengths[:, None] + first  # [B, T]
        rows = torch.where(valid, self.starts[lanes, None] + pos, self.pad_row)  # [B, T]
        x = self.values[rows]  # [B, T, F]
        target_pos = pos[:, None] + self.horizon_steps  # [T, H]
        mask = (
            valid[..., None]
            & (target_pos < self.target_end[lanes, None, None])
            & (pos[None, :, None] >= self.origin_start[lanes, None, None])
            & (not padding)
        )  # [B, T, H]
        target_rows = torch.where(mask, self.starts[lanes, None, None] + target_pos, self.pad_row)
        y = self.values[target_rows, 0]  # [B, T, H]
        if self.relative:
            y = torch.where(mask, y - x[..., 0:1], 0.0)
        future = None
        if len(self.future_columns):
            future = self.values[target_rows][..., self.future_columns]  # [B, T, H, Ff]
        return ChunkBatch(x, lengths, y, mask, future, reset=chunk == 0)


class ChunkSampler(Sampler):
    """Yields ``(group, chunk)`` pairs: each group's chunks in order, groups maybe shuffled.

    Parameters
    ----------
    plan : ChunkPlan
        The dataset's plan.
    shuffle : bool
        Draw a new order of the groups every epoch (chunks stay in time order).
    generator : torch.Generator, optional
        Source of the shuffles.
    """

    def __init__(
        self, plan: ChunkPlan, *, shuffle: bool, generator: torch.Generator | None = None
    ) -> None:
        self.plan = plan
        self.shuffle = shuffle
        self.generator = generator

    def __len__(self) -> int:
        return int(self.plan.n_chunks.sum())

    def __iter__(self) -> Iterator[tuple[int, int]]:
        order = None
        if self.shuffle:
            order = torch.randperm(self.plan.n_groups, generator=self.generator).numpy()
        for group, chunk in self.plan.batches(order):
            yield int(group), int(chunk)


def chunk_loader(
    dataset: ChunkDataset, *, shuffle: bool, generator: torch.Generator | None = None
) -> DataLoader:
    """A DataLoader yielding one :class:`ChunkBatch` per chunk, in stateful order.

    Examples
    --------
    >>> values = np.zeros((12, 1), dtype="float32")
    >>> ds = ChunkDataset(values, np.array([0, 8, 12]), np.array([7, 3]), np.array([8, 4]),
    ...                   horizon=1, chunk_size=3, lanes=2)
    >>> [(len(b), b.reset) for b in chunk_loader(ds, shuffle=False)]
    [(2, True), (1, False), (1, False)]
    """
    sampler = ChunkSampler(dataset.plan, shuffle=shuffle, generator=generator)
    if shuffle:  # training: each process of a DDP fit reads its own whole series
        sampler = ShardedChunkSampler(
            sampler, dataset.plan.n_chunks, num_replicas=1, generator=generator
        )
    return DataLoader(dataset, sampler=sampler, batch_size=None, collate_fn=identity_collate)
