"""Forecasting small networks on one torch thread, restoring the caller's setting."""

import pytest
import torch

from tsrnn.exceptions import ParameterError
from tsrnn.nn import threads


@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def inside(net):
    with threads.forecast_threads(net):
        return torch.get_num_threads()


def test_small_networks_forecast_on_one_thread_and_restore(two_threads, monkeypatch):
    net = torch.nn.GRU(1, 8)
    monkeypatch.delenv("TSRNN_FORECAST_THREADS", raising=False)
    assert inside(net) == 1 and torch.get_num_threads() == 2
    monkeypatch.setenv("TSRNN_FORECAST_THREADS", "0")  # leave torch's setting
    assert inside(net) == 2
    monkeypatch.setenv("TSRNN_FORECAST_THREADS", "3")
    assert inside(net) == 3 and torch.get_num_threads() == 2
    monkeypatch.setenv("TSRNN_FORECAST_THREADS", "1")
    monkeypatch.setattr(threads, "SMALL_NETWORK", 10)  # a large network keeps its threads
    assert inside(net) == 2


def test_a_bad_setting_is_refused(monkeypatch):
    monkeypatch.setenv("TSRNN_FORECAST_THREADS", "many")
    with pytest.raises(ParameterError, match="TSRNN_FORECAST_THREADS='many'"):
        inside(torch.nn.Linear(2, 2))
