"""Attention, the seq2seq network and its teacher-forcing schedules."""

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from tsrnn.nn import SCHEDULES, Attention, Seq2SeqNet, teacher_forcing_probability


@pytest.mark.parametrize("kind", ["dot", "general", "additive"])
@given(lengths=st.lists(st.integers(1, 6), min_size=1, max_size=4))
def test_masked_attention_puts_zero_weight_on_padding(kind, lengths):
    torch.manual_seed(0)
    att = Attention(kind, 3, 3)
    keys = torch.randn(len(lengths), 6, 3) * 10
    mask = torch.arange(6)[None, :] < torch.tensor(lengths)[:, None]
    context, weights = att(torch.randn(len(lengths), 3), keys, att.prepare(keys), mask)
    assert (weights[~mask] == 0).all()
    torch.testing.assert_close(weights.sum(-1), torch.ones(len(lengths)))
    expected = (weights[..., None] * keys).sum(1)
    torch.testing.assert_close(context, expected)


def test_dot_attention_needs_equal_sizes():
    with pytest.raises(ValueError, match="query_size == key_size"):
        Attention("dot", 3, 4)
    with pytest.raises(ValueError, match="attention must be one of"):
        Attention("luong", 3, 3)


@pytest.mark.parametrize("attention", ["none", "dot", "general", "additive"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_shapes_padding_and_gradients(attention, bidirectional):
    torch.manual_seed(0)
    net = Seq2SeqNet(
        cell="gru",
        input_size=2,
        hidden_size=4,
        num_layers=2,
        horizon=3,
        future_size=1,
        attention=attention,
        bidirectional=bidirectional,
        residual=True,
    )
    x = torch.randn(3, 5, 2, requires_grad=True)
    lengths = torch.tensor([5, 2, 4])
    out, weights = net(x, lengths, torch.randn(3, 3, 1), return_attention=True)
    assert out.shape == (3, 3) and weights.shape == (3, 3, 5)
    assert (weights[1, :, 2:] == 0).all()
    if attention != "none":
        torch.testing.assert_close(weights.sum(-1), torch.ones(3, 3))
    out.sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    assert x.grad[1, 2:].abs().sum() == 0 and x.grad[1, :2].abs().sum() > 0


def test_padded_batch_equals_each_series_alone():
    torch.manual_seed(0)
    net = Seq2SeqNet(
        cell="layernorm_lstm", input_size=1, hidden_size=4, horizon=4, attention="general"
    ).eval()
    lengths = torch.tensor([6, 3])
    x = torch.randn(2, 6, 1)
    x[1, 3:] = 0.0
    batched = net(x, lengths)
    alone = net(x[1:, :3], lengths[1:])
    torch.testing.assert_close(batched[1:], alone, atol=1e-6, rtol=0)


def decoder_inputs(net, *args, **kwargs):
    seen = []
    hook = net.decoder[0].cell.register_forward_pre_hook(lambda mod, inp: seen.append(inp[0]))
    try:
        out = net(*args, **kwargs)
    finally:
        hook.remove()
    return out, torch.stack([s[:, 0] for s in seen], dim=1)  # first input column: prev target


def test_teacher_forcing_one_feeds_exactly_the_shifted_targets():
    torch.manual_seed(0)
    net = Seq2SeqNet(input_size=1, hidden_size=4, horizon=5)
    lengths = torch.tensor([4, 2])
    x = torch.randn(2, 4, 1)
    targets = torch.randn(2, 5)
    _, inputs = decoder_inputs(net, x, lengths, targets=targets, teacher_forcing=1.0)
    last = x[torch.arange(2), lengths - 1, 0]
    assert torch.equal(inputs, torch.cat([last[:, None], targets[:, :-1]], dim=1))


def test_without_targets_the_decoder_feeds_back_its_forecasts():
    torch.manual_seed(0)
    net = Seq2SeqNet(input_size=1, hidden_size=4, horizon=4, attention="dot")
    x, lengths = torch.randn(3, 4, 1), torch.tensor([4, 3, 1])
    for kwargs in ({}, {"targets": torch.randn(3, 4), "teacher_forcing": 0.0}):
        out, inputs = decoder_inputs(net, x, lengths, **kwargs)
        torch.testing.assert_close(inputs[:, 1:], out[:, :-1])


def test_future_covariates_enter_at_their_step():
    torch.manual_seed(0)
    net = Seq2SeqNet(input_size=1, hidden_size=4, horizon=4, future_size=1).eval()
    x, lengths = torch.randn(1, 5, 1), torch.tensor([5])
    future = torch.zeros(1, 4, 1)
    base = net(x, lengths, future)
    future[0, 2, 0] = 3.0
    moved = net(x, lengths, future)
    torch.testing.assert_close(moved[:, :2], base[:, :2])  # earlier steps untouched
    assert (moved[:, 2] - base[:, 2]).abs() > 1e-4
    with pytest.raises(ValueError, match="known-future covariates"):
        net(x, lengths)


def test_bridge_only_when_sizes_differ():
    assert Seq2SeqNet(input_size=1, hidden_size=4).bridge is None
    bridged = Seq2SeqNet(input_size=1, hidden_size=4, bidirectional=True, attention="dot")
    assert len(bridged.bridge) == 2 and bridged.memory.in_features == 8
    assert len(Seq2SeqNet(input_size=1, cell="gru", bidirectional=True).bridge) == 1


def test_schedules_start_at_one_and_decay():
    for name in ("linear", "exponential", "inverse_sigmoid"):
        values = [teacher_forcing_probability(name, p / 10) for p in range(11)]
        assert values[0] > 0.99 and values[-1] < 0.011
        assert all(a > b for a, b in zip(values, values[1:], strict=False))
    assert teacher_forcing_probability("exponential", 0.5) == pytest.approx(0.1)
    assert teacher_forcing_probability("inverse_sigmoid", 0.3) == pytest.approx(
        1 / (1 + math.exp(-2))
    )
    assert {teacher_forcing_probability(s, 2.0) for s in ("always", "never")} == {0.0, 1.0}
    assert set(SCHEDULES) == {"always", "never", "linear", "exponential", "inverse_sigmoid"}
    with pytest.raises(ValueError, match="teacher_forcing must be one of"):
        Seq2SeqNet(input_size=1, teacher_forcing="sigmoid")
