"""A fitted forecaster survives pickle/joblib and predicts identically in a fresh process."""

import pickle
import subprocess
import sys

import joblib
import numpy as np
from conftest import TINY, make_panel

from tsrnn import GRUForecaster, LSTMForecaster


def test_pickle_round_trip_in_process():
    est = GRUForecaster(horizon=3, context_length=6, future_covariates=["promo"], **TINY).fit(
        make_panel()
    )
    rows = est.future_frame().assign(promo=1.0)
    twin = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(twin.predict(rows), est.predict(rows))
    assert twin.get_params() == est.get_params()


def test_joblib_round_trip_in_a_fresh_process(tmp_path):
    est = LSTMForecaster(horizon=3, context_length=6, **TINY).fit(make_panel(covariates=False))
    path = tmp_path / "model.joblib"
    joblib.dump(est, path)
    expected = est.forecast()["yhat"].to_numpy()
    np.save(tmp_path / "expected.npy", expected)
    code = (
        "import joblib, numpy as np, sys; "
        f"est = joblib.load({str(path)!r}); "
        f"exp = np.load({str(tmp_path / 'expected.npy')!r}); "
        "got = est.forecast()['yhat'].to_numpy(); "
        "sys.exit(0 if np.array_equal(got, exp) else 1)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert path.stat().st_size < 200_000  # no Trainer, no data copies


def test_safe_format_round_trip(tmp_path):
    from tsrnn.persistence import load_forecaster, save_forecaster

    df = make_panel()
    df["ds"] = df["ds"].dt.tz_localize("Europe/Paris")
    est = GRUForecaster(horizon=3, context_length=6, future_covariates=["promo"], **TINY).fit(df)
    save_forecaster(est, tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == [
        "arrays.npz",
        "config.json",
        "weights.pt",
    ]
    twin = load_forecaster(tmp_path / "m")
    rows = est.future_frame().assign(promo=1.0)
    np.testing.assert_array_equal(twin.predict(rows), est.predict(rows))
    assert twin.get_params() == est.get_params()
    new = rows.assign(y=5.0, past=0.0)
    np.testing.assert_array_equal(
        twin.update(new).forecast(X=twin.future_frame().assign(promo=0.0))["yhat"],
        est.update(new).forecast(X=est.future_frame().assign(promo=0.0))["yhat"],
    )


def test_safe_format_refuses_what_json_cannot_hold(tmp_path):
    import pytest

    from tsrnn import TsrnnError
    from tsrnn.persistence import save_forecaster

    est = LSTMForecaster(horizon=2, context_length=4, trainer_kwargs={"callbacks": [object()]})
    est.set_params(trainer_kwargs=None).fit(make_panel(covariates=False)).set_params(
        trainer_kwargs={"x": object()}
    )
    with pytest.raises(TsrnnError, match="not JSON-serialisable.*pickle"):
        save_forecaster(est, tmp_path / "m")


def test_a_loaded_baseline_forecasts_without_refitting(tmp_path, monkeypatch):
    from tsrnn.baselines import ThetaForecaster
    from tsrnn.baselines.local import LocalForecaster
    from tsrnn.persistence import load_forecaster, save_forecaster

    df = make_panel(covariates=False)
    est = ThetaForecaster(horizon=3).fit(df)
    save_forecaster(est, tmp_path / "theta")

    def refuse(*args, **kwargs):
        raise AssertionError("a loaded baseline refitted")

    monkeypatch.setattr(LocalForecaster, "_fit_local", refuse)
    loaded = load_forecaster(tmp_path / "theta")
    np.testing.assert_array_equal(loaded.forecast()["yhat"], est.forecast()["yhat"])
    assert loaded.models_ == est.models_ and loaded.n_fallback_ == est.n_fallback_
    assert "__getattr__" not in vars(LocalForecaster)  # no refit hidden behind attribute access


def test_streaming_round_trip_keeps_the_states(tmp_path):
    from tsrnn import StreamingRNNForecaster
    from tsrnn.persistence import load_forecaster, save_forecaster

    df = make_panel(covariates=False)
    est = StreamingRNNForecaster(horizon=3, tbptt_steps=5, **TINY).fit(df)
    loaded = load_forecaster(save_forecaster(est, tmp_path / "s"))
    np.testing.assert_array_equal(loaded.state_, est.state_)
    new = est.future_frame(1).assign(y=25.0)
    np.testing.assert_allclose(
        loaded.update(new).forecast()["yhat"], est.update(new).forecast()["yhat"], rtol=1e-6
    )
