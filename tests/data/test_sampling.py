"""Length-bucketed batches: every window once per epoch, seeded, packing only where needed."""

import pickle

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from tsrnn.data.batching import WindowDataset, window_loader
from tsrnn.data.sampling import LengthBucketSampler, length_groups
from tsrnn.data.windowing import window_ends
from tsrnn.nn import RecurrentNet

lengths_st = st.lists(st.integers(1, 6), min_size=1, max_size=60)


@settings(max_examples=80, deadline=None)
@given(lengths_st, st.integers(1, 9), st.integers(0, 5), st.integers(0, 3), st.booleans())
def test_every_window_once_and_at_most_one_mixed_batch(lengths, batch_size, seed, epoch, shuffle):
    sampler = LengthBucketSampler(lengths, batch_size, shuffle=shuffle, seed=seed, full_length=6)
    sampler.set_epoch(epoch)
    batches = list(sampler)
    assert len(batches) == len(sampler) == -(-len(lengths) // batch_size)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    full = np.asarray(lengths) == 6
    mixed = [b for b in batches if 0 < full[b].sum() < len(b)]
    assert len(mixed) <= 1


@settings(max_examples=40, deadline=None)
@given(lengths_st, st.integers(1, 9), st.integers(0, 5), st.integers(0, 3))
def test_the_order_depends_only_on_seed_and_epoch(lengths, batch_size, seed, epoch):
    a = LengthBucketSampler(lengths, batch_size, seed=seed)
    b = LengthBucketSampler(lengths, batch_size, seed=seed)
    a.set_epoch(epoch)
    for _ in range(epoch):  # without set_epoch, each pass is the next epoch
        list(b)
    assert list(a) == list(b)
    c = pickle.loads(pickle.dumps(a))
    c.set_epoch(epoch)
    a.set_epoch(epoch)
    assert list(c) == list(a)


def test_epochs_and_seeds_reshuffle():
    lengths = [4] * 200
    s = LengthBucketSampler(lengths, 16, seed=1)
    first, second = list(s), list(s)
    assert first != second
    assert list(LengthBucketSampler(lengths, 16, seed=2)) != first


def test_short_windows_are_batched_by_length_and_full_ones_unpacked():
    lengths = [8] * 40 + [3] * 10 + [5] * 6
    sampler = LengthBucketSampler(lengths, 8, seed=0, full_length=8)
    arr = np.asarray(lengths)
    kinds = [tuple(sorted(set(arr[b]))) for b in sampler]
    assert kinds.count((8,)) == 5  # 40 full windows: five full batches, never packed
    assert all(len(k) == 1 or 8 not in k or k == (5, 8) for k in kinds)


def test_a_bad_batch_size_is_refused():
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        LengthBucketSampler([1, 2], 0)


def test_length_groups_split_the_mixed_batch():
    groups = length_groups(np.array([4, 2, 4, 3, 4]), 4, 2)
    assert [g.tolist() for g in groups] == [[0, 2], [4], [3], [1]]


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_loader_batches_equal_each_window_run_unpadded(cell):
    rng = np.random.default_rng(0)
    series_lengths = np.array([3, 9, 14, 5, 20, 2, 11])
    indptr = np.concatenate([[0], np.cumsum(series_lengths)])
    values = rng.normal(size=(indptr[-1], 1)).astype(np.float32)
    series, ends = window_ends(series_lengths, 6, 2)
    data = WindowDataset(values, indptr, series, ends, context_length=6, horizon=2)
    torch.manual_seed(0)
    net = RecurrentNet(cell=cell, input_size=1, hidden_size=5, num_layers=2, horizon=2).eval()
    loader = window_loader(data, 8, shuffle=True, generator=torch.Generator().manual_seed(3))
    seen = []
    with torch.no_grad():
        for batch in loader:
            out = net(batch.x, batch.lengths)
            for b in range(len(batch)):
                n = int(batch.lengths[b])
                alone = net(batch.x[b : b + 1, :n], batch.lengths[b : b + 1])
                torch.testing.assert_close(out[b : b + 1], alone, atol=1e-6, rtol=0)
            seen.append(len(batch))
    assert sum(seen) == len(data)
