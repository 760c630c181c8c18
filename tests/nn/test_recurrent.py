import pytest
import torch

from tsrnn.nn import RecurrentNet, init_forget_gate_bias


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_packed_batch_equals_each_series_unpadded(cell):
    torch.manual_seed(0)
    net = RecurrentNet(cell=cell, input_size=3, hidden_size=6, num_layers=2, horizon=4).eval()
    lengths = torch.tensor([7, 3, 1, 5])
    x = torch.randn(4, 7, 3)
    x[torch.arange(7)[None, :] >= lengths[:, None]] = 0.0  # padding
    batched = net(x, lengths)
    assert batched.shape == (4, 4)
    for b in range(4):
        alone = net(x[b : b + 1, : lengths[b]], lengths[b : b + 1])
        torch.testing.assert_close(batched[b : b + 1], alone, atol=1e-6, rtol=0)


def test_padding_values_do_not_matter():
    torch.manual_seed(0)
    net = RecurrentNet(input_size=2, hidden_size=5, horizon=2).eval()
    x = torch.randn(2, 6, 2)
    lengths = torch.tensor([6, 2])
    noisy = x.clone()
    noisy[1, 2:] = 1e3
    torch.testing.assert_close(net(x, lengths), net(noisy, lengths))


def test_forget_gate_bias_is_one_for_every_layer():
    net = RecurrentNet(cell="lstm", input_size=1, hidden_size=3, num_layers=3)
    for layer in range(3):
        total = getattr(net.rnn, f"bias_ih_l{layer}") + getattr(net.rnn, f"bias_hh_l{layer}")
        assert torch.equal(total[3:6], torch.ones(3))
    lstm = torch.nn.LSTM(2, 4)
    init_forget_gate_bias(lstm, 2.0)
    assert torch.equal(lstm.bias_hh_l0[4:8], torch.zeros(4))


def test_dropout_only_between_layers():
    assert RecurrentNet(input_size=1, num_layers=1, dropout=0.5).rnn.dropout == 0.0
    assert RecurrentNet(input_size=1, num_layers=2, dropout=0.5).rnn.dropout == 0.5


def test_gradients_reach_every_parameter_and_the_inputs():
    torch.manual_seed(0)
    net = RecurrentNet(
        cell="gru", input_size=2, hidden_size=4, num_layers=2, horizon=3, future_size=1
    )
    x = torch.randn(3, 5, 2, requires_grad=True)
    out = net(x, torch.tensor([5, 4, 2]), torch.randn(3, 3, 1))
    out.sum().backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in net.parameters())
    assert x.grad[1, 4].abs().sum() == 0  # a padded step gets no gradient
    assert x.grad[1, 3].abs().sum() > 0


def test_future_covariate_of_step_h_only_moves_step_h():
    torch.manual_seed(0)
    net = RecurrentNet(input_size=1, hidden_size=4, horizon=3, future_size=2).eval()
    x, lengths = torch.randn(1, 4, 1), torch.tensor([4])
    future = torch.randn(1, 3, 2)
    changed = future.clone()
    changed[0, 1] += 5.0
    diff = net(x, lengths, changed) - net(x, lengths, future)
    assert diff[0, 1] != 0 and diff[0, 0] == 0 and diff[0, 2] == 0
