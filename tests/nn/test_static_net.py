"""StaticInputNet: trailing category codes embedded before the wrapped network reads them."""

import torch

from tsrnn.nn import RecurrentNet, StaticInputNet


def make(cell="gru"):
    torch.manual_seed(0)
    inner = RecurrentNet(cell=cell, input_size=2 + 3, hidden_size=4, horizon=2)
    return StaticInputNet(inner, cardinalities=[4], dims=[3])


def test_codes_become_embeddings_and_the_rest_passes_through():
    net = make()
    x = torch.tensor([[[0.5, -1.0, 2.0], [0.1, -1.0, 2.0]]])  # target, numeric static, code
    expanded = net.expand(x)
    assert expanded.shape == (1, 2, 5)
    torch.testing.assert_close(expanded[..., :2], x[..., :2])
    torch.testing.assert_close(expanded[0, 0, 2:], net.embeddings[0].weight[2])


def test_the_unknown_level_is_zero_and_gets_no_gradient():
    net = make()
    x = torch.zeros(3, 4, 3)  # code 0 everywhere
    net(x, torch.tensor([4, 2, 1])).sum().backward()
    weight = net.embeddings[0].weight
    assert (weight[0] == 0).all() and (weight.grad[0] == 0).all()


def test_the_stateful_calls_and_attributes_are_the_networks():
    net = make("lstm")
    x = torch.randn(2, 5, 3)
    x[..., -1] = torch.tensor([1.0, 3.0])[:, None]
    out, state = net.forward_steps(x)
    assert out.shape == (2, 5, 2) and net.state_shape == (2, 1, 4)
    torch.testing.assert_close(net.forecast_from_state(net.advance(x)), out[:, -1])
    assert net.head is net.net.head
    assert set(net.state_dict()) >= {"embeddings.0.weight", "net.head.weight"}
