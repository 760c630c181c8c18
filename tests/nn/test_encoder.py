"""The encoder interface: state shapes, last hidden outputs and the stateful run."""

import itertools

import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence

from tsrnn.nn import CELLS, Encoder, RecurrentEncoder, RecurrentNet, make_encoder
from tsrnn.nn.cells import FUSED_CELLS, init_forget_gate_bias
from tsrnn.nn.fused import LSTM, fused_encoder
from tsrnn.nn.state import select_state, state_to_numpy

LENGTHS = torch.tensor([6, 2, 1, 6, 4])


def _padded(seed=1, batch=5, steps=6, features=2):
    return torch.randn(batch, steps, features, generator=torch.Generator().manual_seed(seed))


def _old_last_hidden(enc, x, lengths):
    """RecurrentNet.encode as it was before the encoder interface (packed when ragged)."""
    if isinstance(enc, RecurrentEncoder):
        out, _ = enc(x, lengths)
        return out[torch.arange(x.shape[0]), lengths - 1]
    if bool((lengths == x.shape[1]).all()):
        _, state = enc(x)
    else:
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, state = enc(packed)
    return (state[0] if isinstance(state, tuple) else state)[-1]


@pytest.mark.parametrize(
    ("cell", "residual", "bidirectional"),
    list(itertools.product(CELLS, [False, True], [False, True])),
)
def test_every_encoder_owns_its_state_shape_and_last_hidden(cell, residual, bidirectional):
    torch.manual_seed(0)
    enc = make_encoder(
        cell=cell,
        input_size=2,
        hidden_size=3,
        num_layers=2,
        bidirectional=bidirectional,
        residual=residual,
    ).eval()
    assert isinstance(enc, Encoder)
    fused = cell in FUSED_CELLS and not residual and not bidirectional
    assert isinstance(enc, torch.nn.RNNBase) == fused
    parts, layers, hidden = enc.state_shape
    assert parts == (2 if "lstm" in cell else 1)
    assert (layers, hidden) == (2, 3 * (1 + bidirectional))
    assert enc.output_size == 3 * (1 + bidirectional)
    state = enc.initial_state(4, torch.zeros(1, dtype=torch.float64))
    assert state_to_numpy(state).shape == (4, *enc.state_shape)
    assert all(p.dtype == torch.float64 for p in (state if parts == 2 else (state,)))
    x = _padded()
    for lengths in (LENGTHS, torch.full((5,), 6)):
        last = enc.last_hidden(x, lengths)
        assert last.shape == (5, enc.output_size)
        # fused cells run each length unpacked (packing gave the same up to rounding)
        torch.testing.assert_close(last, _old_last_hidden(enc, x, lengths), atol=1e-6, rtol=0)
        for b in range(5):  # each sequence alone, unpadded: its top output at its last step
            alone = enc.last_hidden(x[b : b + 1, : lengths[b]], lengths[b : b + 1])
            torch.testing.assert_close(last[b : b + 1], alone, atol=1e-5, rtol=0)


def test_fused_bidirectional_last_hidden_is_the_output_at_the_last_step():
    torch.manual_seed(0)
    gru = fused_encoder("gru", 2, 3, num_layers=2, bidirectional=True).eval()
    assert gru.state_shape == (1, 4, 3)  # PyTorch's [layers * directions, B, H]
    x = _padded()
    out, _ = gru.read(x, LENGTHS)
    torch.testing.assert_close(gru.last_hidden(x, LENGTHS), out[torch.arange(5), LENGTHS - 1])


def test_fused_modules_keep_pytorch_parameters_and_keys():
    torch.manual_seed(0)
    mine = LSTM(2, 3, num_layers=2, batch_first=True, dropout=0.1)
    torch.manual_seed(0)
    plain = torch.nn.LSTM(2, 3, num_layers=2, batch_first=True, dropout=0.1)
    init_forget_gate_bias(plain)
    assert list(mine.state_dict()) == list(plain.state_dict())
    pairs = zip(mine.parameters(), plain.parameters(), strict=True)
    assert all(torch.equal(a, b) for a, b in pairs)
    assert repr(mine) == repr(plain)
    mine.reset_parameters()  # forget-gate biases are part of the initialisation
    assert torch.equal((mine.bias_ih_l1 + mine.bias_hh_l1)[3:6], torch.ones(3))
    net = RecurrentNet(cell="gru", input_size=1, hidden_size=2)
    assert list(net.state_dict())[:4] == [
        "rnn.weight_ih_l0",
        "rnn.weight_hh_l0",
        "rnn.bias_ih_l0",
        "rnn.bias_hh_l0",
    ]


@pytest.mark.parametrize("cell", list(FUSED_CELLS))
def test_run_skips_ended_lanes_and_equals_each_lane_alone(cell):
    torch.manual_seed(0)
    enc = make_encoder(cell=cell, input_size=2, hidden_size=3, num_layers=2).eval()
    x = _padded()
    _, state = enc.run(x)
    lengths = torch.tensor([0, 6, 3, 0, 1])
    seq, new = enc.run(x, state, lengths)
    assert seq.shape == (5, 6, 3)
    assert seq[[0, 3]].abs().sum() == 0 and seq[2, 3:].abs().sum() == 0
    before, after = state_to_numpy(state), state_to_numpy(new)
    assert (after[[0, 3]] == before[[0, 3]]).all()
    for b in (1, 2, 4):
        lane = torch.tensor([b])
        alone, alone_state = enc.run(x[lane, : lengths[b]], select_state(state, lane))
        torch.testing.assert_close(seq[b, : lengths[b]], alone[0], atol=1e-6, rtol=0)
        torch.testing.assert_close(after[b], state_to_numpy(alone_state)[0], atol=1e-6, rtol=0)


@pytest.mark.parametrize(("cell", "num_layers"), list(itertools.product(FUSED_CELLS, [1, 2])))
def test_net_state_shape_is_the_shape_advance_returns(cell, num_layers):
    net = RecurrentNet(cell=cell, input_size=2, hidden_size=4, num_layers=num_layers).eval()
    x = _padded()
    for lengths in (None, LENGTHS, torch.tensor([0, 3, 0, 6, 1])):
        state = net.advance(x, None, lengths)
        assert state_to_numpy(state).shape == (5, *net.state_shape)
    assert state_to_numpy(net.initial_state(2, x)).shape == (2, *net.state_shape)
    assert net.state_shape == ((2 if cell == "lstm" else 1), num_layers, 4)


@pytest.mark.parametrize(("cell", "residual"), [("peephole_lstm", False), ("gru", True)])
def test_stateful_run_of_a_stacked_encoder_says_what_is_supported(cell, residual):
    net = RecurrentNet(cell=cell, input_size=2, hidden_size=4, num_layers=2, residual=residual)
    assert net.state_shape == ((2 if cell != "gru" else 1), 2, 4)
    with pytest.raises(NotImplementedError, match=r"needs a fused cell .* no residual"):
        net.advance(_padded())
    with pytest.raises(NotImplementedError, match="cannot carry a state"):
        net.forward_steps(_padded(), lengths=LENGTHS)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_ragged_batches_run_each_length_unpacked_with_gradients(cell):
    torch.manual_seed(0)
    enc = fused_encoder(cell, 2, 3, num_layers=2)
    x = _padded().requires_grad_()
    lengths = torch.tensor([6, 2, 2, 6, 4])
    last = enc.last_hidden(x, lengths)
    for b in range(5):  # bit for bit: the group of length n runs x[:, :n] unpadded
        same = torch.nonzero(lengths == lengths[b]).flatten()
        group = enc.last_hidden(x[same, : lengths[b]], lengths[same])
        assert torch.equal(last[b], group[(same == b).nonzero()[0, 0]])
    last.sum().backward()
    assert (x.grad[1, 2:] == 0).all() and (x.grad[1, :2] != 0).any()  # padding gets none
