"""Quantile heads: non-crossing outputs, the probabilistic API, update, save/load and pickle."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import TINY, make_panel
from tsrnn import LSTMForecaster, Seq2SeqForecaster, StreamingRNNForecaster
from tsrnn.exceptions import ParameterError
from tsrnn.nn.heads import QuantileHead, pinball
from tsrnn.persistence import load_forecaster, save_forecaster


@given(
    levels=st.lists(st.floats(0.01, 0.99), min_size=1, max_size=6, unique=True),
    seed=st.integers(0, 2**16),
    scale=st.floats(0.01, 100.0),
)
def test_quantile_head_never_crosses(levels, seed, scale):
    torch.manual_seed(seed)
    head = QuantileHead(5, horizon=3, quantiles=levels)
    with torch.no_grad():
        for p in head.parameters():
            p.mul_(scale)  # extreme weights too
    out = head(torch.randn(7, 5) * scale)
    assert out.shape == (7, 3, len(head.quantiles))
    assert list(head.quantiles) == sorted(set(levels) | {0.5})
    assert bool((out.diff(dim=-1) >= 0).all())


def test_pinball_gradient_moves_quantiles_apart():
    head = QuantileHead(1, horizon=1, quantiles=[0.1, 0.9])
    target = torch.randn(256, 1) * 3
    opt = torch.optim.Adam(head.parameters(), lr=0.05)
    for _ in range(300):
        opt.zero_grad()
        loss = pinball(head(torch.ones(256, 1)), target, torch.tensor(head.quantiles))
        loss.backward()
        opt.step()
    q = head(torch.ones(1, 1))[0, 0].detach()
    empirical = np.quantile(target.numpy(), head.quantiles)
    np.testing.assert_allclose(q.numpy(), empirical, atol=0.6)


def _tiny(cls, **kw):
    return cls(horizon=3, loss="quantile", quantiles=[0.05, 0.1, 0.9, 0.95], **TINY, **kw)


@pytest.mark.parametrize(
    ("cls", "kw"),
    [
        (LSTMForecaster, {"context_length": 6}),
        (Seq2SeqForecaster, {"context_length": 6}),
        (StreamingRNNForecaster, {"tbptt_steps": 5}),
    ],
)
def test_quantile_forecast_api_and_round_trips(cls, kw, tmp_path):
    data = make_panel(covariates=False)
    est = _tiny(cls, **kw).fit(data)
    fc = est.forecast(level=[80, 90], quantiles=[0.1, 0.5, 0.3])
    assert list(fc.columns) == [
        "unique_id", "ds", "yhat", "yhat_lo_80", "yhat_hi_80", "yhat_lo_90", "yhat_hi_90",
        "yhat_q0.1", "yhat_q0.5", "yhat_q0.3",
    ]  # fmt: skip
    np.testing.assert_allclose(fc["yhat"], fc["yhat_q0.5"])  # the point forecast is the median
    assert (fc["yhat_lo_90"] <= fc["yhat_lo_80"]).all() and (fc["yhat_lo_80"] <= fc.yhat).all()
    assert (fc.yhat <= fc["yhat_hi_80"]).all() and (fc["yhat_hi_80"] <= fc["yhat_hi_90"]).all()
    assert (fc["yhat_q0.1"] <= fc["yhat_q0.3"]).all()  # interpolated between 0.1 and 0.5
    # predict_interval aligns with the rows of X, in X's order and index
    rows = est.future_frame().iloc[::-1].set_index(pd.Index(np.arange(100, 109)))
    band = est.predict_interval(rows, coverage=0.8)
    assert list(band.index) == list(rows.index)
    np.testing.assert_allclose(band["yhat_lo_80"].to_numpy(), fc["yhat_lo_80"].to_numpy()[::-1])
    for back in (
        pickle.loads(pickle.dumps(est)),
        load_forecaster(save_forecaster(est, tmp_path / "m")),
    ):
        pd.testing.assert_frame_equal(back.forecast(level=[80, 90]), est.forecast(level=[80, 90]))


def test_quantile_intervals_follow_update():
    data = make_panel(covariates=False)
    history = data.groupby("unique_id").head(-3)
    new = data.groupby("unique_id").tail(3)
    est = _tiny(StreamingRNNForecaster, tbptt_steps=5).fit(history)
    before = est.forecast(level=[90])
    est.update(new)
    after = est.forecast(level=[90])
    assert (after.ds.to_numpy() > before.ds.to_numpy()).all()
    assert not np.allclose(after["yhat_hi_90"], before["yhat_hi_90"])
    np.testing.assert_allclose(after.yhat, est.predict_quantiles(after, [0.5])["yhat_q0.5"])


def test_errors_name_what_the_model_gives():
    data = make_panel(covariates=False)
    point = LSTMForecaster(horizon=2, context_length=4, **TINY).fit(data)
    with pytest.raises(ParameterError, match="point forecasts only.*loss='quantile'.*Conformal"):
        point.predict_interval(point.future_frame())
    with pytest.raises(ParameterError, match="samples"):
        point.sample(point.future_frame(), 5)
    est = _tiny(LSTMForecaster, context_length=4).fit(data)
    with pytest.raises(ParameterError, match=r"emits the quantiles .*0.05.*0.95.*\[0.01\]"):
        est.predict_quantiles(est.future_frame(), [0.01, 0.5])
    with pytest.raises(ParameterError, match="percent"):
        est.forecast(level=[0.9])
    with pytest.raises(ParameterError, match="strictly between 0 and 1"):
        est.predict_interval(est.future_frame(), coverage=95)
    with pytest.raises(ParameterError, match="quantiles"):
        _tiny(LSTMForecaster, context_length=4).set_params(quantiles=[0.5, 1.2]).fit(data)
