"""Likelihood heads and DeepAR: samples, quantiles, counts, errors, update, save/load, clone."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from tests.conftest import TINY, make_panel
from tsrnn import DeepARForecaster, GRUForecaster, LSTMForecaster, StreamingRNNForecaster
from tsrnn.datasets import load_seatbelts
from tsrnn.exceptions import DataValidationError, ParameterError
from tsrnn.persistence import load_forecaster, save_forecaster


def _counts(n_series=3, length=30, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n_series):
        y = rng.poisson(2.0 + 3 * i, length).astype(float)
        y[rng.random(length) < 0.4] = 0.0  # many zeros
        ds = pd.date_range("2000-01-01", periods=length, freq="D")
        frames.append(pd.DataFrame({"unique_id": f"c{i}", "ds": ds, "y": y}))
    return pd.concat(frames, ignore_index=True)


def _seatbelts() -> pd.DataFrame:
    return load_seatbelts()[["unique_id", "ds", "y"]].groupby("unique_id").tail(60)


MODELS = [
    (LSTMForecaster, {"context_length": 6}),
    (GRUForecaster, {"context_length": 6, "normalize_windows": False}),
    (StreamingRNNForecaster, {"tbptt_steps": 5}),
    (DeepARForecaster, {"context_length": 6, "num_samples": 30}),
]


@pytest.mark.parametrize(("cls", "kw"), MODELS)
@pytest.mark.parametrize("likelihood", ["normal", "student_t"])
def test_samples_quantiles_and_round_trips(cls, kw, likelihood, tmp_path):
    data = make_panel(covariates=False)
    est = cls(horizon=3, likelihood=likelihood, **kw, **TINY).fit(data)
    assert np.isfinite(est.history_["train_loss"]).all()
    rows = est.future_frame()
    draws = est.sample(rows, 40, random_state=3)
    assert draws.shape == (len(rows), 40) and np.isfinite(draws).all()
    np.testing.assert_array_equal(draws, est.sample(rows, 40, random_state=3))
    assert not np.array_equal(draws, est.sample(rows, 40, random_state=4))
    q = est.predict_quantiles(rows, [0.05, 0.25, 0.5, 0.75, 0.95]).to_numpy()
    assert (np.diff(q, axis=1) >= 0).all() and (np.diff(q, axis=1).sum(1) > 0).all()
    fc = est.forecast(level=[80, 95])
    assert (fc.yhat_lo_95 <= fc.yhat_lo_80).all() and (fc.yhat_hi_80 <= fc.yhat_hi_95).all()
    assert "samples" in est._uncertainty_kinds()
    for back in (
        pickle.loads(pickle.dumps(est)),
        load_forecaster(save_forecaster(est, tmp_path / "m")),
    ):
        pd.testing.assert_frame_equal(back.forecast(level=[90]), est.forecast(level=[90]))
        np.testing.assert_array_equal(back.sample(rows, 5, random_state=0),
                                      est.sample(rows, 5, random_state=0))  # fmt: skip


def test_normal_head_mean_is_point_and_quantiles_are_analytic():
    est = LSTMForecaster(horizon=3, context_length=6, likelihood="normal", **TINY)
    est.fit(make_panel(covariates=False))
    rows = est.future_frame()
    q = est.predict_quantiles(rows, [0.5]).to_numpy()[:, 0]
    np.testing.assert_allclose(q, est.predict(rows), rtol=1e-6)  # mean = median
    draws = est.sample(rows, 4000, random_state=0)
    lo, hi = est.predict_interval(rows, coverage=0.8).to_numpy().T
    inside = ((draws >= lo[:, None]) & (draws <= hi[:, None])).mean()
    assert abs(inside - 0.8) < 0.02  # analytic bounds match the sampled distribution


@pytest.mark.parametrize(("cls", "kw"), [MODELS[0], MODELS[3]])
def test_negative_binomial_counts_seatbelts_and_zeros(cls, kw):
    for data in (_seatbelts(), _counts()):
        est = cls(horizon=3, likelihood="negative_binomial", **kw, **TINY).fit(data)
        assert np.isfinite(est.history_["train_loss"]).all()
        assert est.scaler_.method == "none"  # counts are never centred
        draws = est.sample(est.future_frame(), 50, random_state=0)
        assert (draws >= 0).all() and np.array_equal(draws, np.round(draws))
        assert (est.predict(est.future_frame()) >= 0).all()


def test_deepar_point_is_the_median_of_its_paths_and_reproducible():
    data = make_panel(covariates=False)
    kw = {"horizon": 3, "context_length": 6, "num_samples": 25, **TINY}
    a, b = DeepARForecaster(**kw).fit(data), DeepARForecaster(**kw).fit(data)
    fc = a.forecast(quantiles=[0.5])
    np.testing.assert_allclose(fc.yhat, fc["yhat_q0.5"])
    pd.testing.assert_frame_equal(fc, b.forecast(quantiles=[0.5]))


def test_deepar_update_forecasts_from_the_longer_history():
    data = make_panel(covariates=False)
    history, new = data.groupby("unique_id").head(-2), data.groupby("unique_id").tail(2)
    est = DeepARForecaster(horizon=3, context_length=6, num_samples=20, **TINY).fit(history)
    before = est.forecast()
    weights = {k: v.clone() for k, v in est.network_.state_dict().items()}
    est.update(new)
    after = est.forecast()
    assert (after.ds.to_numpy() > before.ds.to_numpy()).all()
    assert all((v == est.network_.state_dict()[k]).all() for k, v in weights.items())  # no refit
    refit_free = DeepARForecaster(horizon=3, context_length=6, num_samples=20, **TINY).fit(history)
    refit_free.context_ = est.context_  # the same network on the same last context
    refit_free.calendar_ = est.calendar_
    pd.testing.assert_frame_equal(refit_free.forecast(), after)


def test_deepar_future_covariates_and_clone():
    data = make_panel()
    est = DeepARForecaster(horizon=3, context_length=6, num_samples=10,
                           future_covariates=["promo", "past"], cell="gru", **TINY)  # fmt: skip
    twin = clone(est)
    assert twin.get_params() == est.get_params() and twin.likelihood == "student_t"
    est.fit(data)
    rows = est.future_frame().assign(promo=1.0, past=0.0)
    assert np.isfinite(est.predict(rows)).all()
    assert not hasattr(clone(est), "network_")


def test_errors():
    data = make_panel(covariates=False)
    with pytest.raises(ParameterError, match="likelihood"):
        LSTMForecaster(horizon=2, likelihood="poisson", **TINY).fit(data)
    with pytest.raises(ParameterError, match="cannot be combined with loss='quantile'"):
        LSTMForecaster(horizon=2, likelihood="normal", loss="quantile", **TINY).fit(data)
    with pytest.raises(ParameterError, match="leave loss and quantiles"):
        DeepARForecaster(horizon=2, loss="mae", **TINY).fit(data)
    with pytest.raises(ParameterError, match="likelihood"):
        DeepARForecaster(horizon=2, likelihood=None, **TINY).fit(data)
    with pytest.raises(ParameterError, match=r"\['past'\] are not in future_covariates"):
        DeepARForecaster(horizon=2, future_covariates=["promo"], **TINY).fit(make_panel())
    with pytest.raises(DataValidationError, match="series 's0' has the negative target"):
        DeepARForecaster(horizon=2, likelihood="negative_binomial", **TINY).fit(
            data.assign(y=data.y - 100)
        )
    with pytest.raises(ParameterError, match="stateful"):
        StreamingRNNForecaster(horizon=2, likelihood="negative_binomial", **TINY).fit(_counts())


def test_streaming_likelihood_follows_update_and_refuses_a_session():
    data = make_panel(covariates=False)
    history, new = data.groupby("unique_id").head(-1), data.groupby("unique_id").tail(1)
    est = StreamingRNNForecaster(horizon=3, tbptt_steps=5, likelihood="normal", **TINY)
    est.fit(history)
    before = est.forecast(level=[90])
    est.update(new)  # one next row per series: the general path, not the session's step
    after = est.forecast(level=[90])
    assert (after.ds.to_numpy() > before.ds.to_numpy()).all()
    assert not np.allclose(after.yhat_hi_90, before.yhat_hi_90)
    with pytest.raises(ParameterError, match="point head"):
        est.session()


@pytest.mark.parametrize(("cls", "kw"), [MODELS[0], MODELS[3]])
def test_onnx_export_refuses_distribution_heads(cls, kw, tmp_path):
    pytest.importorskip("onnx")
    from tsrnn.export import to_onnx

    est = cls(horizon=2, likelihood="normal", **kw, **TINY).fit(make_panel(covariates=False))
    with pytest.raises(ParameterError, match="likelihood='normal' head"):
        to_onnx(est, tmp_path / "m.onnx")
