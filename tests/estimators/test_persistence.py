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
