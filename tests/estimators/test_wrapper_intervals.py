"""Intervals through the wrappers: ensemble medians, reseasonalised and back-transformed bounds."""

import numpy as np
import pandas as pd
import pytest

from tests.conftest import TINY, make_panel
from tsrnn import DeseasonalizedForecaster, EnsembleForecaster, LSTMForecaster, NaiveForecaster
from tsrnn.estimators._recipe import TargetTransformedForecaster


def test_ensemble_takes_the_median_of_members_quantiles():
    data = make_panel((40, 36), covariates=False)
    base = LSTMForecaster(
        horizon=3, context_length=6, loss="quantile", quantiles=[0.1, 0.9], **TINY
    )
    ens = EnsembleForecaster(base, vary={"random_state": [0, 1, 2]}).fit(data)
    rows = ens.future_frame()
    members = np.stack([m.predict_quantiles(rows, [0.1, 0.9]).to_numpy() for m in ens.members_])
    got = ens.predict_quantiles(rows, [0.1, 0.9]).to_numpy()
    np.testing.assert_allclose(got, np.median(members, axis=0))
    fc = ens.forecast(level=[80])
    np.testing.assert_allclose(fc[["yhat_lo_80", "yhat_hi_80"]].to_numpy(), got)
    assert (got[:, 0] <= got[:, 1]).all()


def test_deseasonalized_bounds_are_the_inner_bounds_times_the_indices():
    t = np.arange(60)
    pattern = 1 + 0.3 * np.sin(2 * np.pi * t / 12)
    rng = np.random.default_rng(0)
    data = pd.DataFrame(
        {
            "unique_id": "a",
            "ds": pd.date_range("2000-01", periods=60, freq="MS"),
            "y": 100 * pattern * np.exp(np.cumsum(rng.normal(0, 0.02, 60))),
        }
    )
    model = DeseasonalizedForecaster(NaiveForecaster(horizon=12)).fit(data)
    fc = model.forecast(level=[90])
    inner = model.estimator_.forecast(level=[90])
    factors = fc.yhat.to_numpy() / inner.yhat.to_numpy()
    assert factors.std() > 0.05  # really seasonal
    for col in ("yhat_lo_90", "yhat_hi_90"):
        np.testing.assert_allclose(fc[col].to_numpy(), inner[col].to_numpy() * factors)
    band = model.predict_interval(model.future_frame(), coverage=0.9)
    np.testing.assert_allclose(band.to_numpy(), fc[["yhat_lo_90", "yhat_hi_90"]].to_numpy())


@pytest.mark.parametrize("transform", ["log", "boxcox"])
def test_bounds_survive_a_log_or_boxcox_target(transform):
    data = make_panel((40, 36), covariates=False)
    data["y"] = np.abs(data["y"]) + 1.0  # positive, as the transforms need
    inner = LSTMForecaster(horizon=3, context_length=6, loss="quantile", **TINY)
    est = TargetTransformedForecaster(inner, transform=transform).fit(data)
    rows = est.future_frame()
    transformed = est.estimator_.predict_quantiles(rows, [0.025, 0.5, 0.975]).to_numpy()
    got = est.predict_quantiles(rows, [0.025, 0.5, 0.975]).to_numpy()
    # quantiles commute with an increasing transform: the inverse of each bound
    np.testing.assert_allclose(got, est._inverse(transformed))
    assert (np.diff(got, axis=1) >= 0).all()
    np.testing.assert_allclose(got[:, 1], est.predict(rows))  # the median is the point
    band = est.forecast(level=[95])
    np.testing.assert_allclose(band[["yhat_lo_95", "yhat_hi_95"]].to_numpy(), got[:, [0, 2]])
    assert (band["yhat_lo_95"] > 0).all()
