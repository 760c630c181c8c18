"""Custom LSTM cells, the step runner and the stacked encoder."""

import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from tsrnn.nn import CELLS, LSTMCell, RecurrentEncoder, RecurrentNet, make_cell, run_cell

VARIANTS = {
    "plain": {},
    "layer_norm": {"layer_norm": True},
    "peephole": {"peephole": True},
    "coupled": {"coupled": True},
    "all": {"layer_norm": True, "peephole": True, "coupled": True},
}


def expected_parameters(i, h, layer_norm=False, peephole=False, coupled=False):
    gates = 3 if coupled else 4
    count = gates * h * (i + h) + gates * h  # one bias (PyTorch keeps two: + 2 * gates * h)
    count += (gates - 1) * h if peephole else 0  # diagonal peepholes
    count += 2 * (2 * gates * h) + 2 * h if layer_norm else 0  # gain + shift of 3 layer norms
    return count


@pytest.mark.parametrize("options", VARIANTS.values(), ids=VARIANTS.keys())
def test_parameter_count_matches_formula(options):
    cell = LSTMCell(3, 5, **options)
    assert sum(p.numel() for p in cell.parameters()) == expected_parameters(3, 5, **options)


def test_pytorch_lstm_keeps_two_biases():
    lstm = torch.nn.LSTM(3, 5)
    assert sum(p.numel() for p in lstm.parameters()) == expected_parameters(3, 5) + 4 * 5


@pytest.mark.parametrize("options", VARIANTS.values(), ids=VARIANTS.keys())
def test_gradcheck_in_double_precision(options):
    torch.manual_seed(0)
    cell = LSTMCell(2, 3, **options).double()
    x = torch.randn(4, 2, dtype=torch.double, requires_grad=True)
    h = torch.randn(4, 3, dtype=torch.double, requires_grad=True)
    c = torch.randn(4, 3, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, h, c: cell(x, (h, c)), (x, h, c))
    params = tuple(cell.parameters())
    assert torch.autograd.gradcheck(
        lambda *p: torch.func.functional_call(
            cell, dict(zip(dict(cell.named_parameters()), p, strict=True)), (x, (h, c))
        ),
        params,
    )


@pytest.mark.parametrize("options", VARIANTS.values(), ids=VARIANTS.keys())
def test_output_shapes_and_forget_bias(options):
    cell = LSTMCell(2, 3, **options)
    h, c = cell(torch.zeros(5, 2))
    assert h.shape == c.shape == (5, 3)
    forget = 0 if options.get("coupled") else 1
    assert torch.equal(cell.bias[3 * forget : 3 * forget + 3], torch.ones(3))


@pytest.mark.parametrize("reverse", [False, True])
def test_plain_cell_matches_torch_lstm_with_the_same_weights(reverse):
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(3, 4, batch_first=True, bidirectional=True)
    suffix = "_l0_reverse" if reverse else "_l0"
    cell = LSTMCell(3, 4)
    with torch.no_grad():
        cell.weight_ih.copy_(getattr(lstm, "weight_ih" + suffix))
        cell.weight_hh.copy_(getattr(lstm, "weight_hh" + suffix))
        cell.bias.copy_(getattr(lstm, "bias_ih" + suffix) + getattr(lstm, "bias_hh" + suffix))
    lengths = torch.tensor([6, 2, 4])
    x = torch.randn(3, 6, 3)
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    out, (h, c) = lstm(packed)
    out, _ = pad_packed_sequence(out, batch_first=True)
    mine, (my_h, my_c) = run_cell(cell, x, lengths, reverse=reverse)
    half = slice(4, 8) if reverse else slice(0, 4)
    torch.testing.assert_close(mine, out[..., half], atol=1e-6, rtol=0)
    torch.testing.assert_close(my_h, h[int(reverse)], atol=1e-6, rtol=0)
    torch.testing.assert_close(my_c, c[int(reverse)], atol=1e-6, rtol=0)


@pytest.mark.parametrize("cell", CELLS)
def test_encoder_batch_equals_each_series_alone(cell):
    torch.manual_seed(0)
    enc = RecurrentEncoder(
        cell=cell, input_size=2, hidden_size=3, num_layers=2, bidirectional=True, residual=True
    ).eval()
    lengths = torch.tensor([5, 2, 4])
    x = torch.randn(3, 5, 2)
    x[torch.arange(5)[None, :] >= lengths[:, None]] = 0.0
    out, state = enc(x, lengths)
    assert out.shape == (3, 5, 6) and all(s.shape == (2, 3, 6) for s in state)
    assert out[1, 2:].abs().sum() == 0  # padding stays zero
    for b in range(3):
        alone, alone_state = enc(x[b : b + 1, : lengths[b]], lengths[b : b + 1])
        torch.testing.assert_close(out[b : b + 1, : lengths[b]], alone, atol=1e-5, rtol=0)
        for s, a in zip(state, alone_state, strict=True):
            torch.testing.assert_close(s[:, b : b + 1], a, atol=1e-5, rtol=0)


def test_fused_encoder_state_layout_matches_torch():
    torch.manual_seed(0)
    enc = RecurrentEncoder(
        cell="gru", input_size=2, hidden_size=3, num_layers=2, bidirectional=True
    )
    x = torch.randn(4, 5, 2)
    out, (h,) = enc(x, torch.full((4,), 5))
    torch.testing.assert_close(h[-1], torch.cat([out[:, -1, :3], out[:, 0, 3:]], dim=-1))


def test_dropout_between_layers_only_and_residual_adds_input():
    enc = RecurrentEncoder(
        cell="peephole_lstm", input_size=2, hidden_size=3, num_layers=2, dropout=0.5, residual=True
    ).train()
    x, lengths = torch.randn(2, 4, 2), torch.tensor([4, 4])
    torch.manual_seed(1)
    first, _ = run_cell(enc.layers[0][0], x, lengths)
    dropped = torch.nn.functional.dropout(first, 0.5, training=True)
    second, _ = run_cell(enc.layers[1][0], dropped, lengths)
    torch.manual_seed(1)
    out, _ = enc(x, lengths)
    torch.testing.assert_close(out, second + first)


@pytest.mark.parametrize("cell", CELLS)
def test_recurrent_net_accepts_every_cell(cell):
    net = RecurrentNet(cell=cell, input_size=2, hidden_size=4, num_layers=2, horizon=3)
    out = net(torch.randn(3, 5, 2), torch.tensor([5, 1, 3]))
    assert out.shape == (3, 3)
    out.sum().backward()
    assert all(p.grad is not None for p in net.parameters())


def test_fused_cells_keep_pytorch_kernels():
    assert isinstance(RecurrentNet(input_size=1).rnn, torch.nn.LSTM)
    assert isinstance(RecurrentNet(input_size=1, residual=True, num_layers=2).rnn, RecurrentEncoder)
    assert isinstance(make_cell("gru", 1, 2).cell, torch.nn.GRUCell)
    with pytest.raises(ValueError, match="cell must be one of"):
        make_cell("lstmm", 1, 2)


@pytest.mark.parametrize("residual", [False, True])
def test_every_lstm_module_starts_with_forget_bias_one(residual):
    from tsrnn.nn import Seq2SeqNet

    net = Seq2SeqNet(cell="lstm", input_size=1, hidden_size=3, num_layers=2, residual=residual)
    fused = [m for m in net.modules() if isinstance(m, (torch.nn.LSTM, torch.nn.LSTMCell))]
    assert len(fused) == (4 if residual else 3)  # encoder: 2 layers or 1 module; decoder: 2
    for module in fused:
        for name, param in module.named_parameters():
            if name.startswith("bias_ih"):
                hh = getattr(module, name.replace("bias_ih", "bias_hh"))
                assert torch.equal((param + hh)[3:6], torch.ones(3))


def test_residual_reaches_the_head_of_the_windowed_net():
    torch.manual_seed(0)
    plain = RecurrentNet(cell="gru", input_size=1, hidden_size=3, num_layers=2, horizon=2)
    torch.manual_seed(0)
    residual = RecurrentNet(
        cell="gru", input_size=1, hidden_size=3, num_layers=2, horizon=2, residual=True
    )
    x, lengths = torch.randn(2, 4, 1), torch.tensor([4, 2])
    out, _ = residual.rnn(x, lengths)
    torch.testing.assert_close(residual.encode(x, lengths), out[[0, 1], [3, 1]])
    first, _ = residual.rnn.layers[0](x)
    assert not torch.allclose(plain(x, lengths), residual(x, lengths))  # same weights
    torch.testing.assert_close(
        residual.encode(x[:1], lengths[:1]) - plain.encode(x[:1], lengths[:1]), first[:1, -1]
    )
