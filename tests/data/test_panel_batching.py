import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from tsrnn.data.batching import WindowDataset, window_loader
from tsrnn.data.panel import Panel
from tsrnn.data.scaling import PanelScaler
from tsrnn.data.windowing import window_ends


def make(lengths, n_cols=2, seed=0):
    rng = np.random.default_rng(seed)
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    values = rng.normal(size=(indptr[-1], n_cols)).astype(np.float32)
    ids = np.array([f"s{i}" for i in range(len(lengths))], dtype=object)
    return Panel(values, indptr, ids, tuple(f"c{j}" for j in range(n_cols)))


@given(st.lists(st.integers(0, 12), min_size=1, max_size=6), st.integers(1, 15))
def test_tail_head_and_concat_round_trip(lengths, n):
    p = make(lengths)
    tail = p.tail(n)
    assert (tail.lengths == np.minimum(p.lengths, n)).all()
    head = p.head(p.lengths - tail.lengths)
    joined = head.concat_time(tail)
    np.testing.assert_array_equal(joined.values, p.values)
    np.testing.assert_array_equal(joined.indptr, p.indptr)
    for i in range(p.n_series):
        np.testing.assert_array_equal(
            tail.series(i), p.series(i)[len(p.series(i)) - tail.lengths[i] :]
        )


def test_select_and_append_series():
    p = make([3, 1, 4])
    sel = p.select(np.array([2, 0]))
    assert sel.ids.tolist() == ["s2", "s0"]
    np.testing.assert_array_equal(sel.series(0), p.series(2))
    both = sel.append_series(p.select(np.array([1])))
    assert both.lengths.tolist() == [4, 3, 1]


@given(st.lists(st.integers(1, 15), min_size=1, max_size=5), st.integers(1, 6), st.integers(1, 3))
def test_batches_gather_exactly_the_window_rows(lengths, context, horizon):
    p = make(lengths)
    series, ends = window_ends(p.lengths, context, horizon)
    if not len(series):
        return
    ds = WindowDataset(
        p.values,
        p.indptr,
        series,
        ends,
        context_length=context,
        horizon=horizon,
        future_columns=(1,),
    )
    batch = ds[np.arange(len(series))]
    assert batch.x.shape == (len(series), context, 2)
    for b, (s, e) in enumerate(zip(series, ends, strict=True)):
        rows = p.series(s)
        n = int(batch.lengths[b])
        assert n == min(context, e + 1)
        np.testing.assert_array_equal(batch.x[b, :n].numpy(), rows[e - n + 1 : e + 1])
        assert (batch.x[b, n:] == 0).all()  # right padding
        k = min(horizon, len(rows) - e - 1)  # targets inside the series; the rest masked
        assert k >= 1
        np.testing.assert_array_equal(batch.y[b, :k].numpy(), rows[e + 1 : e + 1 + k, 0])
        np.testing.assert_array_equal(batch.future[b, :k, 0].numpy(), rows[e + 1 : e + 1 + k, 1])
        assert (batch.y[b, k:] == 0).all() and (batch.future[b, k:] == 0).all()
        if batch.mask is None:
            assert k == horizon
        else:
            assert batch.mask[b].tolist() == [1.0] * k + [0.0] * (horizon - k)


@given(st.lists(st.integers(1, 15), min_size=1, max_size=5), st.integers(1, 3), st.integers(0, 4))
def test_training_targets_never_reach_the_held_out_tail(lengths, horizon, held_out):
    p = make(lengths)
    train_end = np.maximum(p.lengths - held_out, 0)
    series, ends = window_ends(train_end, 3, horizon)
    if not len(series):
        return
    ds = WindowDataset(p.values, p.indptr, series, ends, context_length=3, horizon=horizon,
                       normalize=True, target_end=train_end)  # fmt: skip
    batch = ds[np.arange(len(series))]
    observed = ends[:, None] + np.arange(1, horizon + 1) < train_end[series][:, None]
    mask = np.ones_like(observed) if batch.mask is None else batch.mask.numpy()
    np.testing.assert_array_equal(mask, observed)


def test_pad_pack_unpack_is_identity():
    p = make([5, 2, 7], n_cols=3)
    series, ends = np.arange(3), p.lengths - 1
    batch = WindowDataset(
        p.values, p.indptr, series, ends, context_length=7, horizon=1, with_targets=False
    )[np.arange(3)]
    packed = pack_padded_sequence(batch.x, batch.lengths, batch_first=True, enforce_sorted=False)
    unpacked, lengths = pad_packed_sequence(packed, batch_first=True, total_length=7)
    assert torch.equal(unpacked, batch.x) and torch.equal(lengths, batch.lengths)


def test_loader_shuffles_reproducibly_and_covers_every_window():
    p = make([20, 9])
    series, ends = window_ends(p.lengths, 4, 2)
    ds = WindowDataset(p.values, p.indptr, series, ends, context_length=4, horizon=2)
    order = [
        torch.cat(
            [
                b.y[:, 0]
                for b in window_loader(
                    ds, 5, shuffle=True, generator=torch.Generator().manual_seed(1)
                )
            ]
        )
        for _ in range(2)
    ]
    assert torch.equal(order[0], order[1])
    assert sorted(order[0].tolist()) == sorted(ds[np.arange(len(ds))].y[:, 0].tolist())


def test_scaler_uses_only_given_rows_and_inverts():
    p = make([10, 6], n_cols=2)
    train = p.head(np.array([7, 4]))
    scaler = PanelScaler.fit(train, "standard")
    np.testing.assert_allclose(
        scaler.target_loc, [train.series(0)[:, 0].mean(), train.series(1)[:, 0].mean()], rtol=1e-6
    )
    scaled = scaler.transform(p)
    back = scaler.inverse_target(scaled.values[:, 0][None, :10].repeat(1, 0), np.array([0]))
    np.testing.assert_allclose(back[0], p.series(0)[:, 0], rtol=1e-5)
    robust = PanelScaler.fit(p, "robust")
    assert (robust.target_scale > 0).all()


def test_diff_scaler_is_the_mean_absolute_one_step_change():
    values = np.array([[1.0], [3.0], [2.0], [10.0], [30.0], [5.0]], dtype="float32")
    p = Panel(values, np.array([0, 3, 5, 6]), np.array(["a", "b", "c"], dtype=object), ("y",))
    scaler = PanelScaler.fit(p, "diff")
    np.testing.assert_allclose(scaler.target_loc, [2.0, 20.0, 5.0])
    # a: |3-1|, |2-3| -> 1.5; b: 20; c has no change: unit-free fallback max(|loc|, 1)
    np.testing.assert_allclose(scaler.target_scale, [1.5, 20.0, 5.0])
    back = scaler.inverse_target(scaler.transform(p).values[:3, 0][None], np.array([0]))
    np.testing.assert_allclose(back[0], [1.0, 3.0, 2.0], rtol=1e-6)


def test_diff_scaler_skips_pairs_with_a_missing_value():
    values = np.array([[1.0], [np.nan], [4.0], [6.0], [5.0]], dtype="float32")
    p = Panel(values, np.array([0, 5]), np.array(["a"], dtype=object), ("y",))
    scaler = PanelScaler.fit(p, "diff")
    np.testing.assert_allclose(scaler.target_scale, [(2.0 + 1.0) / 2])  # 4->6, 6->5 only
    np.testing.assert_allclose(scaler.target_loc, [4.0])


def test_window_normalisation_subtracts_the_last_context_value():
    p = make([9, 4])
    series, ends = window_ends(p.lengths, 5, 2)
    kwargs = {"context_length": 5, "horizon": 2, "future_columns": (1,)}
    raw = WindowDataset(p.values, p.indptr, series, ends, **kwargs)[np.arange(len(series))]
    norm = WindowDataset(p.values, p.indptr, series, ends, normalize=True, **kwargs)[
        np.arange(len(series))
    ]
    last = raw.x[torch.arange(len(series)), raw.lengths - 1, 0]
    torch.testing.assert_close(norm.level, last)
    torch.testing.assert_close(norm.y, raw.y - last[:, None])
    valid = torch.arange(5)[None, :] < raw.lengths[:, None]
    torch.testing.assert_close(norm.x[..., 0], (raw.x[..., 0] - last[:, None]) * valid)
    torch.testing.assert_close(norm.x[..., 1], raw.x[..., 1])  # covariates untouched
    torch.testing.assert_close(norm.denormalize(norm.y), raw.y)
