"""Chunk plans and datasets: every step read once, in order, lanes a shrinking prefix."""

import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st

from tsrnn.data.chunks import ChunkDataset, ChunkPlan, chunk_loader

lengths_st = st.lists(st.integers(0, 23), min_size=1, max_size=7).map(np.array)


def _dataset(lengths, chunk, lanes, horizon=2, **kwargs):
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    values = np.arange(indptr[-1], dtype=np.float32)[:, None]  # value = global row
    ds = ChunkDataset(
        values, indptr, lengths, lengths, horizon=horizon, chunk_size=chunk, lanes=lanes, **kwargs
    )
    return ds, indptr


@given(lengths_st, st.integers(1, 6), st.integers(1, 4))
def test_every_step_is_read_once_in_order_and_lanes_only_shrink(lengths, chunk, lanes):
    ds, indptr = _dataset(lengths, chunk, lanes)
    seen = {i: [] for i in range(len(lengths))}
    prev_lanes = None
    for group, j in ds.plan.batches():
        batch = ds[(group, j)]
        members = ds.plan.order[ds.plan.group_ptr[group] : ds.plan.group_ptr[group + 1]]
        assert len(members) <= lanes
        assert batch.reset == (j == 0)
        assert (batch.lengths >= 1).all() and batch.x.shape[1] <= chunk
        if not batch.reset:
            assert len(batch) <= prev_lanes  # the running lanes are a prefix of the last ones
        prev_lanes = len(batch)
        for b in range(len(batch)):
            rows = batch.x[b, : batch.lengths[b], 0].long().tolist()
            seen[int(members[b])].extend(rows)
            assert batch.x[b, batch.lengths[b] :].abs().sum() == 0  # padding
    for i, n in enumerate(lengths):
        assert seen[i] == list(range(indptr[i], indptr[i] + n))
    assert len(ds) == len(ds.plan.batches())


@given(lengths_st, st.integers(1, 5), st.integers(1, 4))
def test_targets_are_the_next_steps_and_masked_past_the_end(lengths, chunk, horizon):
    ds, indptr = _dataset(lengths, chunk, lanes=3, horizon=horizon)
    for group, j in ds.plan.batches():
        batch = ds[(group, j)]
        members = ds.plan.order[ds.plan.group_ptr[group] : ds.plan.group_ptr[group + 1]]
        for b in range(len(batch)):
            end = indptr[members[b]] + lengths[members[b]]
            for t in range(int(batch.lengths[b])):
                row = int(batch.x[b, t, 0])
                for h in range(horizon):
                    valid = row + 1 + h < end
                    assert bool(batch.mask[b, t, h]) == valid
                    assert float(batch.y[b, t, h]) == (row + 1 + h if valid else 0.0)


def test_origin_start_and_relative_targets():
    ds, _ = _dataset(np.array([6]), chunk=6, lanes=1, horizon=1, origin_start=np.array([3]))
    batch = ds[(0, 0)]
    assert batch.mask[0, :, 0].tolist() == [False, False, False, True, True, False]
    rel, _ = _dataset(np.array([6]), chunk=6, lanes=1, horizon=2, relative=True)
    batch = rel[(0, 0)]
    assert batch.y[0, 0].tolist() == [1.0, 2.0]  # rows 1 and 2 minus row 0
    assert batch.y[0, 4].tolist() == [1.0, 0.0]  # the second target is past the end


def test_future_covariates_are_those_of_the_target_steps():
    values = np.stack([np.arange(5.0), 10 + np.arange(5.0)], axis=1).astype(np.float32)
    ds = ChunkDataset(
        values, np.array([0, 5]), np.array([4]), np.array([5]),
        horizon=2, chunk_size=4, lanes=1, future_columns=(1,),
    )  # fmt: skip
    batch = ds[(0, 0)]
    assert batch.future.shape == (1, 4, 2, 1)
    assert batch.future[0, 1, :, 0].tolist() == [12.0, 13.0]


def test_plan_leaves_out_empty_series_and_sorts_by_length():
    plan = ChunkPlan.build(np.array([3, 0, 8, 5]), chunk_size=4, lanes=2)
    assert plan.order.tolist() == [2, 3, 0]
    assert plan.n_chunks.tolist() == [2, 1]


def test_loader_shuffles_groups_but_keeps_chunks_in_order():
    ds, _ = _dataset(np.array([9, 8, 7, 6, 5, 4]), chunk=2, lanes=1)
    gen = torch.Generator().manual_seed(0)
    order = [
        (len(b), b.reset, b.x[0, 0, 0].item())
        for b in chunk_loader(ds, shuffle=True, generator=gen)
    ]
    firsts = [x for _, reset, x in order if reset]
    assert sorted(firsts) == [0.0, 9.0, 17.0, 24.0, 30.0, 35.0] and firsts != sorted(firsts)
    # within a group the chunks follow each other: the first step grows by the chunk size
    current = None
    for _, reset, x in order:
        if not reset:
            assert x == current + 2
        current = x
