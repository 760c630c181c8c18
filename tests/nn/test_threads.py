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


def test_short_context_batches_train_on_one_thread_and_full_ones_keep_theirs(two_threads):
    """A real fit: steps of short-context batches (forward, backward) run on one thread."""
    import numpy as np
    import pandas as pd
    from lightning.pytorch.callbacks import Callback

    from tsrnn import GRUForecaster

    seen = []  # (all lengths full?, threads at the step's start, threads after backward)

    class Record(Callback):  # user callbacks run after tsrnn's
        def on_train_batch_start(self, trainer, module, batch, batch_idx):
            full = bool((batch.lengths == batch.x.shape[1]).all())
            seen.append([full, torch.get_num_threads(), None])

        def on_after_backward(self, trainer, module):
            seen[-1][2] = torch.get_num_threads()

    rows = [("long", t, float(np.sin(t / 3))) for t in range(60)]
    rows += [("short", t, float(t % 4)) for t in range(9)]  # every window of it is short
    frame = pd.DataFrame(rows, columns=["unique_id", "ds", "y"])
    GRUForecaster(horizon=3, context_length=8, hidden_size=4, batch_size=4, max_epochs=1,
                  random_state=0, trainer_kwargs={"callbacks": [Record()]}).fit(frame)  # fmt: skip
    assert {tuple(entry) for entry in seen} == {(True, 2, 2), (False, 1, 1)}
    assert torch.get_num_threads() == 2  # restored after the fit


def test_short_batch_threads_knob(two_threads, monkeypatch):
    from types import SimpleNamespace

    net = torch.nn.Linear(2, 2)
    short = SimpleNamespace(x=torch.zeros(3, 5, 1), lengths=torch.tensor([5, 2, 1]))
    full = SimpleNamespace(x=torch.zeros(2, 5, 1), lengths=torch.tensor([5, 5]))
    assert threads.short_batch_threads(net, full) is None and torch.get_num_threads() == 2
    assert threads.short_batch_threads(net, short) == 2 and torch.get_num_threads() == 1
    torch.set_num_threads(2)
    monkeypatch.setenv("TSRNN_SHORT_BATCH_THREADS", "0")
    assert threads.short_batch_threads(net, short) is None and torch.get_num_threads() == 2
    monkeypatch.setenv("TSRNN_SHORT_BATCH_THREADS", "x")
    with pytest.raises(ParameterError, match="TSRNN_SHORT_BATCH_THREADS='x'"):
        threads.short_batch_threads(net, short)
