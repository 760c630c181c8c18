"""Sharding an epoch between DDP processes: every window once, equal steps, whole series."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.utils.data import BatchSampler, RandomSampler

from tsrnn.data.chunks import ChunkPlan, ChunkSampler
from tsrnn.data.sharding import ShardedBatchSampler, ShardedChunkSampler, shard_loader


@given(n=st.integers(1, 200), batch_size=st.integers(1, 20), replicas=st.integers(1, 4),
       seed=st.integers(0, 100))
def test_every_window_once_per_epoch_and_the_same_steps_on_every_rank(
    n, batch_size, replicas, seed
):
    if n < replicas:
        return
    shares = []
    for rank in range(replicas):
        gen = torch.Generator().manual_seed(seed)
        inner = BatchSampler(RandomSampler(range(n), generator=gen), batch_size, False)
        sharded = ShardedBatchSampler(inner, num_replicas=replicas, rank=rank, generator=gen)
        batches = list(sharded)
        assert len(batches) == len(sharded)
        assert all(batches)
        shares.append(batches)
    assert len({len(s) for s in shares}) == 1  # lockstep: DDP all-reduces every step
    seen = sorted(i for s in shares for b in s for i in b)
    assert seen == list(range(n))


def test_too_few_windows_for_the_processes_is_a_clear_error():
    inner = BatchSampler(range(1), 4, False)
    with pytest.raises(ValueError, match="at least 2 training windows"):
        list(ShardedBatchSampler(inner, num_replicas=2, rank=0))


@given(steps=st.lists(st.integers(0, 40), min_size=1, max_size=30),
       chunk=st.integers(1, 8), lanes=st.integers(1, 4), replicas=st.integers(1, 3),
       seed=st.integers(0, 50))
def test_each_series_stays_on_one_rank_in_time_order(steps, chunk, lanes, replicas, seed):
    plan = ChunkPlan.build(np.array(steps), chunk, lanes)
    shares = []
    for rank in range(replicas):
        gen = torch.Generator().manual_seed(seed)
        inner = ChunkSampler(plan, shuffle=True, generator=gen)
        sharded = ShardedChunkSampler(inner, plan.n_chunks, num_replicas=replicas, rank=rank)
        items = list(sharded)
        assert len(items) == len(sharded)
        shares.append(items)
    assert len({len(s) for s in shares}) == 1
    real = [[i[:2] for i in s if len(i) == 2] for s in shares]
    assert sorted(p for s in real for p in s) == sorted(map(tuple, plan.batches().tolist()))
    owner = {}
    for rank, items in enumerate(real):
        for g, _ in items:
            assert owner.setdefault(g, rank) == rank  # a group never changes process
        for g in {g for g, _ in items}:
            assert [c for h, c in items if h == g] == list(range(plan.n_chunks[g]))


def test_padding_chunks_have_no_targets():
    from tsrnn.data.chunks import ChunkDataset

    values = np.arange(12, dtype="float32")[:, None]
    ds = ChunkDataset(values, np.array([0, 8, 12]), np.array([7, 3]), np.array([8, 4]),
                      horizon=1, chunk_size=3, lanes=1)
    assert ds[(0, 0)].mask.any() and not ds[(0, 0, True)].mask.any()


def test_a_loader_shards_only_when_told_the_world_size():
    inner = BatchSampler(range(6), 2, False)
    loader = torch.utils.data.DataLoader(np.arange(6), batch_size=None,
                                         sampler=ShardedBatchSampler(inner, num_replicas=1))
    assert len(list(loader)) == 3
    shard_loader(loader, 2)
    assert loader.sampler.num_replicas == 2
    with pytest.raises(RuntimeError, match="torch.distributed group has 1"):
        list(loader.sampler)
