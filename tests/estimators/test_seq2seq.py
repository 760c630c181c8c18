"""Seq2SeqForecaster: the row contract, attention output, schedules, persistence."""

import pickle

import numpy as np
import pytest
import torch
from conftest import TINY, make_panel

from tsrnn import ParameterError, RNNForecaster, Seq2SeqForecaster
from tsrnn.nn import Seq2SeqNet
from tsrnn.persistence import load_forecaster, save_forecaster
from tsrnn.training import ForecastingSystem


def test_fit_forecast_and_attention_weights():
    df = make_panel(lengths=(40, 30, 7))
    est = Seq2SeqForecaster(
        horizon=3,
        context_length=8,
        attention="additive",
        bidirectional=True,
        future_covariates=["promo"],
        **TINY,
    ).fit(df)
    future = est.future_frame().assign(promo=1.0)
    frame, weights = est.forecast_attention(X=future)
    np.testing.assert_array_equal(frame["yhat"], est.forecast(X=future)["yhat"])
    assert weights.shape == (3, 3, 8)
    assert np.isnan(weights[2, :, :1]).all()  # the short series has only 7 context steps
    assert np.isfinite(weights[2, :, 1:]).all() and np.isfinite(weights[:2]).all()
    np.testing.assert_allclose(np.nansum(weights, axis=-1), 1.0, atol=1e-6)
    assert len(est.history_["train_loss"]) == TINY["max_epochs"]


def test_fit_is_reproducible_and_teacher_forcing_changes_training():
    df = make_panel(covariates=False)
    params = {"horizon": 3, "context_length": 6, **TINY}
    a = Seq2SeqForecaster(**params, teacher_forcing="linear").fit(df).forecast()["yhat"]
    b = Seq2SeqForecaster(**params, teacher_forcing="linear").fit(df).forecast()["yhat"]
    c = Seq2SeqForecaster(**params, teacher_forcing="never").fit(df).forecast()["yhat"]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


class Recorder(Seq2SeqNet):
    def forward(self, *args, **kwargs):
        self.calls.append((self.training, kwargs.get("targets") is not None, kwargs))
        return super().forward(*args, **kwargs)


def test_system_passes_targets_and_a_decaying_probability_in_training_only():
    net = Recorder(input_size=1, hidden_size=4, horizon=2, teacher_forcing="linear")
    net.calls = []
    est = Seq2SeqForecaster(horizon=2, context_length=4, validation_size=2, **TINY)
    est._build_network = lambda *sizes: net
    est.fit(make_panel(covariates=False))
    train = [kw["teacher_forcing"] for training, has_y, kw in net.calls if training and has_y]
    assert train[0] == 1.0 and train[-1] == 0.0 and train == sorted(train, reverse=True)
    assert all(not has_y for training, has_y, _ in net.calls if not training)  # validation


def test_system_progress_without_a_trainer():
    system = ForecastingSystem(Seq2SeqNet(input_size=1))
    assert system._progress() == 0.0


@pytest.mark.parametrize("cell", ["layernorm_lstm", "peephole_lstm", "coupled_lstm"])
def test_custom_cells_from_every_recurrent_estimator(cell):
    df = make_panel(covariates=False)
    for est in (
        RNNForecaster(cell=cell, horizon=2, context_length=4, num_layers=2, residual=True, **TINY),
        Seq2SeqForecaster(cell=cell, horizon=2, context_length=4, attention="dot", **TINY),
    ):
        assert np.isfinite(est.fit(df).forecast()["yhat"]).all()


def test_persistence_round_trips(tmp_path):
    est = Seq2SeqForecaster(
        horizon=2, context_length=5, attention="general", cell="gru", bidirectional=True, **TINY
    ).fit(make_panel(covariates=False))
    twin = load_forecaster(save_forecaster(est, tmp_path / "m"))
    np.testing.assert_array_equal(twin.forecast()["yhat"], est.forecast()["yhat"])
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.forecast()["yhat"], est.forecast()["yhat"])
    assert isinstance(twin.network_, torch.nn.Module) and not twin.network_.training


@pytest.mark.parametrize(
    ("param", "value"),
    [("attention", "luong"), ("teacher_forcing", "sigmoid"), ("bidirectional", 1)],
)
def test_bad_parameters(param, value):
    with pytest.raises(ParameterError, match=f"'{param}' parameter of Seq2SeqForecaster"):
        Seq2SeqForecaster(**{param: value}).fit(make_panel())


def test_tbptt_refuses_custom_cells_with_a_clear_error():
    with pytest.raises(ParameterError, match="tbptt_steps needs a fused cell"):
        RNNForecaster(cell="peephole_lstm", tbptt_steps=4, horizon=2, **TINY).fit(make_panel())
