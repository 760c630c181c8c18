"""RecurrentNet's stateful path: per-step forecasts, carried states, ended lanes."""

import numpy as np
import pytest
import torch

from tsrnn.nn import RecurrentNet, merge_state, select_state
from tsrnn.nn.state import state_from_numpy, state_to_numpy


def _net(cell, future_size=0):
    torch.manual_seed(0)
    return RecurrentNet(
        cell=cell, input_size=3, hidden_size=5, num_layers=2, horizon=4, future_size=future_size
    ).eval()


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_last_step_equals_the_windowed_forecast(cell):
    net = _net(cell)
    lengths = torch.tensor([7, 3, 5])
    x = torch.randn(3, 7, 3)
    x[torch.arange(7)[None, :] >= lengths[:, None]] = 0.0
    out, state = net.forward_steps(x, lengths=lengths)
    assert out.shape == (3, 7, 4)
    windowed = net(x, lengths)
    torch.testing.assert_close(out[torch.arange(3), lengths - 1], windowed, atol=1e-6, rtol=0)
    torch.testing.assert_close(net.forecast_from_state(state), windowed, atol=1e-6, rtol=0)
    assert out[1, 3:].abs().sum() == 0  # padded steps


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_pieces_with_carried_state_equal_one_pass(cell):
    net = _net(cell)
    x = torch.randn(2, 10, 3)
    whole, final = net.forward_steps(x)
    first, state = net.forward_steps(x[:, :4])
    second, state = net.forward_steps(x[:, 4:], state)
    torch.testing.assert_close(torch.cat([first, second], 1), whole, atol=1e-6, rtol=0)
    torch.testing.assert_close(state_to_numpy(state), state_to_numpy(final), atol=1e-6, rtol=0)
    torch.testing.assert_close(
        state_to_numpy(net.advance(x[:, 4:], net.advance(x[:, :4]))), state_to_numpy(final)
    )


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_ended_lanes_cost_nothing_and_keep_their_state(cell):
    net = _net(cell)
    _, state = net.forward_steps(torch.randn(3, 4, 3))
    x = torch.randn(3, 5, 3)
    out, new = net.forward_steps(x, state, lengths=torch.tensor([0, 5, 0]))
    before, after = state_to_numpy(state), state_to_numpy(new)
    np.testing.assert_array_equal(after[[0, 2]], before[[0, 2]])
    assert not np.allclose(after[1], before[1])
    assert out[[0, 2]].abs().sum() == 0
    alone, _ = net.forward_steps(x[1:2], select_state(state, torch.tensor([1])))
    torch.testing.assert_close(out[1:2], alone, atol=1e-6, rtol=0)
    out, same = net.forward_steps(x, state, lengths=torch.zeros(3, dtype=torch.long))
    assert out.abs().sum() == 0 and np.array_equal(state_to_numpy(same), before)


def test_future_covariates_of_each_step():
    net = _net("gru", future_size=2)
    x, future = torch.randn(2, 6, 3), torch.randn(2, 6, 4, 2)
    out, state = net.forward_steps(x, future=future)
    windowed = net(x, torch.tensor([6, 6]), future[:, -1])
    torch.testing.assert_close(out[:, -1], windowed, atol=1e-6, rtol=0)
    torch.testing.assert_close(net.forecast_from_state(state, future[:, -1]), windowed)
    with pytest.raises(ValueError, match="known-future"):
        net.forward_steps(x)


def test_state_helpers_round_trip():
    net = _net("lstm")
    _, state = net.forward_steps(torch.randn(4, 3, 3))
    array = state_to_numpy(state)
    assert array.shape == (4, 2, 2, 5)
    back = state_from_numpy(array)
    torch.testing.assert_close(back[0], state[0]) and torch.testing.assert_close(back[1], state[1])
    lanes = torch.tensor([3, 1])
    merged = merge_state(state, lanes, select_state(state, torch.tensor([0, 0])))
    np.testing.assert_array_equal(state_to_numpy(merged)[[1, 3]], array[[0, 0]])
    np.testing.assert_array_equal(state_to_numpy(merged)[[0, 2]], array[[0, 2]])
