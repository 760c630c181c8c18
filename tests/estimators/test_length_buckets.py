"""Windowed forecasters batch by context length; forecasts equal each context run alone."""

import warnings

import numpy as np
import pytest
import torch
from conftest import TINY, make_panel

from tsrnn import GRUForecaster, LSTMForecaster, Seq2SeqForecaster
from tsrnn.data.sampling import LengthBucketSampler
from tsrnn.exceptions import DataWarning

SETTINGS = {"horizon": 3, "context_length": 8, **TINY}


def fitted(cls, **params):
    df = make_panel((30, 6, 9, 25, 4), covariates=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return cls(**SETTINGS, **params).fit(df)


@pytest.mark.parametrize(
    "make",
    [lambda: fitted(GRUForecaster), lambda: fitted(LSTMForecaster, missing="mask"),
     lambda: fitted(Seq2SeqForecaster, attention="dot")],
    ids=["gru", "time-aware", "seq2seq"],
)  # fmt: skip
def test_forecasts_equal_each_context_run_unpadded(make):
    est = make()
    positions = np.arange(est.calendar_.n_series)
    batch = est.path_.context_batch(est, positions, None)
    assert (batch.lengths < 8).any() and (batch.lengths == 8).any()  # both kinds are grouped
    alone = []
    with torch.inference_mode():
        for b in positions:
            n = int(batch.lengths[b])
            out = est.network_(batch.x[b : b + 1, :n], batch.lengths[b : b + 1])
            alone.append(batch.denormalize(out)[0] if batch.level is None else
                         out[0] + batch.level[b])  # fmt: skip
    expected = est.scaler_.inverse_target(torch.stack(alone).double().numpy(), positions)
    np.testing.assert_allclose(est._forecast_panel(positions, None), expected, atol=1e-5)


def test_training_and_validation_loaders_are_length_bucketed():
    est = fitted(GRUForecaster, validation_size=3)
    assert est.n_windows_ > 0
    df = make_panel((30, 6, 9, 25, 4), covariates=False)
    path = est.path_
    panel, _ = path.frame_to_panel(est, df, [])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        plan = path.plan(est, panel, torch.Generator().manual_seed(0))
    for loader in (plan.train_loader, plan.val_loader):
        sampler = getattr(loader.sampler, "sampler", loader.sampler)  # inside the DDP sharder
        assert isinstance(sampler, LengthBucketSampler)
        lengths = loader.dataset.lengths.numpy()
        mixed = [b for b in sampler if len(set(lengths[b] == 8)) > 1]
        assert len(mixed) <= 1


def test_random_state_fixes_the_fit():
    a, b = fitted(GRUForecaster), fitted(GRUForecaster)
    assert a.history_["train_loss"] == b.history_["train_loss"]
    for pa, pb in zip(a.network_.parameters(), b.network_.parameters(), strict=True):
        assert torch.equal(pa, pb)
