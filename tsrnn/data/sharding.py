"""Splitting one epoch of batches between the processes of distributed (DDP) training.

Lightning's own distributed sampler cannot be used for tsrnn's loaders: it pads the
epoch with repeated samples and deals out single items, which would scatter the chunks
of one series over several processes and break stateful (truncated-BPTT) training. The
wrappers here take any sampler that yields whole batches, draw the epoch's order once
(the same on every process, from a generator synchronised from rank 0), and give each
process its share:

- :class:`ShardedBatchSampler` deals whole batches of windows round-robin, so every
  window is seen exactly once per epoch across all processes, and every process makes
  the same number of optimiser steps (DDP needs that: each step is an all-reduce).
- :class:`ShardedChunkSampler` gives each lane group (whole series) to one process,
  its chunks in time order, balancing the chunk counts; a process with fewer chunks
  ends the epoch with padding items whose targets are all masked (zero loss, zero
  gradient), so every process still steps as often as the others.

Outside distributed training (no initialised ``torch.distributed`` process group) both
pass the wrapped sampler's batches through unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sized
from typing import Any

import numpy as np
import torch
from torch.utils.data import Sampler

__all__ = ["ShardedBatchSampler", "ShardedChunkSampler", "process_group", "shard_loader"]


def process_group() -> tuple[int, int]:
    """``(num_replicas, rank)`` of the initialised ``torch.distributed`` group, else ``(1, 0)``.

    Examples
    --------
    >>> process_group()
    (1, 0)
    """
    dist = torch.distributed
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size(), dist.get_rank()
    return 1, 0


def shard_loader(loader: Any, num_replicas: int) -> None:
    """Set the processes a loader's sharded sampler splits between (the Trainer's world size).

    A loader built for training by tsrnn shards only when told how many processes share
    the fit, so a later single-process fit in a process that still holds a
    ``torch.distributed`` group (rank 0 after a DDP fit) reads every batch.
    """
    sampler = getattr(loader, "sampler", None)
    if isinstance(sampler, _Sharded):
        sampler.num_replicas = num_replicas


class _Sharded(Sampler):
    """Shared part: the process group, and one generator synchronised from rank 0."""

    def __init__(
        self,
        sampler: Iterable,
        *,
        num_replicas: int | None = None,
        rank: int | None = None,
        generator: torch.Generator | None = None,
    ) -> None:
        self.sampler = sampler
        self.num_replicas = num_replicas
        self.rank = rank
        self.generator = generator
        self._synced = False

    def _group(self) -> tuple[int, int]:
        group, rank = process_group()
        replicas = group if self.num_replicas is None else self.num_replicas
        if self.rank is not None:
            rank = self.rank
        elif replicas > 1 and group != replicas:
            raise RuntimeError(
                f"The sampler is set for {replicas} processes but the torch.distributed "
                f"group has {group}; give rank= or start the processes (e.g. Lightning DDP)."
            )
        if not 0 <= rank < replicas:
            raise ValueError(f"rank must lie in [0, {replicas}); got {rank}.")
        return replicas, rank

    def _sync(self) -> None:
        """Give every process rank 0's generator state and sampler seed, once.

        So all draw the same order; a seeded sampler (``LengthBucketSampler``) has ``seed``.
        """
        replicas, _ = self._group()
        if self._synced or replicas == 1 or self.rank is not None:
            return
        seed = getattr(self.sampler, "seed", None)
        state = [None if self.generator is None else self.generator.get_state(), seed]
        torch.distributed.broadcast_object_list(state, src=0)
        if self.generator is not None:
            self.generator.set_state(state[0])
        if seed is not None:
            self.sampler.seed = state[1]
        self._synced = True


class ShardedBatchSampler(_Sharded):
    """Deal the batches of any batch sampler round-robin over the DDP processes.

    Batch ``i`` of the epoch goes to process ``i % num_replicas``. When the last round
    has fewer batches than processes, its windows are split evenly between all of them
    (merged with the round before when there are too few to go round), so each process
    makes ``len(self)`` steps and every window is used exactly once per epoch.

    Parameters
    ----------
    batch_sampler : iterable of lists of int
        Any sampler yielding batches of dataset indices (e.g. a ``BatchSampler``).
    num_replicas, rank : int or None, default=None
        The processes and this one's rank; None reads the ``torch.distributed`` group
        (tsrnn's estimators set ``num_replicas`` to the Trainer's world size).
    generator : torch.Generator or None, default=None
        The generator ``batch_sampler`` shuffles with; under DDP its state is broadcast
        from rank 0 before the first epoch, so every process draws the same order even
        without a fixed seed.

    Examples
    --------
    >>> from torch.utils.data import BatchSampler, SequentialSampler
    >>> inner = BatchSampler(SequentialSampler(range(7)), batch_size=2, drop_last=False)
    >>> [list(ShardedBatchSampler(inner, num_replicas=2, rank=r)) for r in (0, 1)]
    [[[0, 1], [4, 5]], [[2, 3], [6]]]
    >>> list(ShardedBatchSampler(inner)) == list(inner)  # not distributed: unchanged
    True
    """

    def __len__(self) -> int:
        replicas, _ = self._group()
        n = len(self.sampler)  # type: ignore[arg-type]
        if replicas == 1 or n % replicas == 0:
            return n // replicas
        size = getattr(self.sampler, "batch_size", None)
        inner = getattr(self.sampler, "sampler", None)
        if size is not None and isinstance(inner, Sized):  # a torch BatchSampler
            left = len(inner) - (n - n % replicas) * size
            if left < replicas and n >= replicas:
                return n // replicas
        return math.ceil(n / replicas)

    def __iter__(self) -> Iterator[list[int]]:
        replicas, rank = self._group()
        self._sync()
        if replicas == 1:
            yield from self.sampler
            return
        batches = [list(b) for b in self.sampler]
        full = len(batches) - len(batches) % replicas
        pool = [i for b in batches[full:] for i in b]
        if pool and len(pool) < replicas and full:  # too few to go round: merge a round
            full -= replicas
            pool = [i for b in batches[full:] for i in b]
        if 0 < len(pool) < replicas:
            raise ValueError(
                f"Distributed training over {replicas} processes needs at least {replicas} "
                f"training windows; this epoch has {len(pool)}. Use fewer devices."
            )
        yield from batches[rank:full:replicas]
        if pool:
            yield np.array_split(np.asarray(pool), replicas)[rank].tolist()


class ShardedChunkSampler(_Sharded):
    """Give each lane group of a chunk sampler to one DDP process, chunks in time order.

    Groups (longest first, as the plan orders them) go to the process with the fewest
    chunks so far, the same way every epoch; each process then reads its groups in the
    epoch's (shuffled) order. Processes left with fewer chunks than the busiest one end
    the epoch with padding items ``(group, 0, True)``, which
    :class:`~tsrnn.data.chunks.ChunkDataset` returns with every target masked.

    Parameters
    ----------
    chunk_sampler : iterable of (group, chunk)
        A :class:`~tsrnn.data.chunks.ChunkSampler`: every chunk of a group in order.
    n_chunks : ndarray of int
        Chunks of each group (``ChunkPlan.n_chunks``).
    num_replicas, rank, generator
        As for :class:`ShardedBatchSampler`.

    Examples
    --------
    >>> pairs = [(0, 0), (0, 1), (0, 2), (1, 0), (2, 0)]
    >>> [list(ShardedChunkSampler(pairs, np.array([3, 1, 1]), num_replicas=2, rank=r))
    ...  for r in (0, 1)]
    [[(0, 0), (0, 1), (0, 2)], [(1, 0), (2, 0), (2, 0, True)]]
    """

    def __init__(self, chunk_sampler: Iterable, n_chunks: np.ndarray, **kwargs: Any) -> None:
        super().__init__(chunk_sampler, **kwargs)
        self.n_chunks = np.asarray(n_chunks, dtype=np.int64)

    def _owners(self, replicas: int) -> tuple[np.ndarray, int]:
        """The process of every group (greedy, longest first) and the busiest one's chunks."""
        load = np.zeros(replicas, dtype=np.int64)
        owner = np.empty(len(self.n_chunks), dtype=np.int64)
        for g in np.argsort(-self.n_chunks, kind="stable"):
            owner[g] = int(np.argmin(load))
            load[owner[g]] += self.n_chunks[g]
        return owner, int(load.max(initial=0))

    def __len__(self) -> int:
        replicas, _ = self._group()
        if replicas == 1:
            return int(self.n_chunks.sum())
        return self._owners(replicas)[1]

    def __iter__(self) -> Iterator[tuple]:
        replicas, rank = self._group()
        self._sync()
        if replicas == 1:
            yield from self.sampler
            return
        owner, busiest = self._owners(replicas)
        mine = [(int(g), int(c)) for g, c in self.sampler if owner[g] == rank]
        yield from mine
        pad = (mine[-1][0] if mine else 0, 0, True)
        for _ in range(busiest - len(mine)):
            yield pad
