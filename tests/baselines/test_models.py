"""What the baselines forecast: seasonality test, Naive2, SES, Holt, Theta, ETS, ARIMA."""

import numpy as np
import pandas as pd
import pytest

from tsrnn.baselines import (
    ARIMAForecaster,
    ETSForecaster,
    HoltForecaster,
    Naive2Forecaster,
    NaiveForecaster,
    SESForecaster,
    ThetaForecaster,
)
from tsrnn.baselines.ets import ets_configs
from tsrnn.baselines.seasonality import deseasonalize, seasonality_test

PATTERN = np.array([0.8, 0.9, 1.0, 1.2, 1.3, 1.1, 1.0, 0.9, 0.8, 0.9, 1.0, 1.1])


def _series(values, freq="MS", uid="a"):
    ds = pd.date_range("2001-01-01", periods=len(values), freq=freq)
    return pd.DataFrame({"unique_id": uid, "ds": ds, "y": np.asarray(values, dtype=float)})


def test_seasonality_test_follows_the_m4_rule():
    t = np.arange(48)
    assert seasonality_test(100 * PATTERN[t % 12], 12)
    assert not seasonality_test(np.random.default_rng(0).normal(10, 1, 48), 12)
    assert not seasonality_test(10 + 0.5 * t, 12)  # a trend: every lag correlates
    assert not seasonality_test(100 * PATTERN[np.arange(35) % 12], 12)  # n < 3m
    assert not seasonality_test(100 * PATTERN[t % 12], 1)
    # the limit: |r_m| > 1.645 sqrt((1 + 2 sum_{k<m} r_k^2) / n), on a hand-made case
    y = np.tile([1.0, 3.0], 3)  # r_1 = -5/6, r_2 = 4/6, n = 6
    limit = 1.645 * np.sqrt((1 + 2 * (5 / 6) ** 2) / 6)
    assert seasonality_test(y, 2) == (limit < 4 / 6)


def test_deseasonalize_continues_the_cycle():
    y = 50 * PATTERN[(np.arange(40) + 5) % 12]  # starts mid-cycle
    adjusted, future = deseasonalize(y, 12, 14)
    np.testing.assert_allclose(adjusted, adjusted[0])
    np.testing.assert_allclose(future * adjusted[0], 50 * PATTERN[(np.arange(40, 54) + 5) % 12])
    _, ones = deseasonalize(y - 60, 12, 3)  # multiplicative needs y > 0
    np.testing.assert_array_equal(ones, 1.0)


def test_naive2_reproduces_a_multiplicative_seasonal_pattern():
    n, h = 45, 15
    y = 200 * PATTERN[np.arange(n + h) % 12]
    est = Naive2Forecaster(horizon=h).fit(_series(y[:n]))
    np.testing.assert_allclose(est.forecasts_[0], y[n:], rtol=1e-5)
    assert est.models_ == ["Naive2, deseasonalised"]


def test_naive2_equals_naive_without_seasonality():
    rng = np.random.default_rng(1)
    walk = _series(100 + np.cumsum(rng.normal(0, 1, 50)))
    yearly = _series(100 * PATTERN[np.arange(30) % 12], freq="YS", uid="b")  # m = 1
    df = pd.concat([walk, yearly], ignore_index=True)
    naive2 = Naive2Forecaster(horizon=6).fit(df)
    np.testing.assert_array_equal(
        naive2.forecast()["yhat"], NaiveForecaster(horizon=6).fit(df).forecast()["yhat"]
    )
    assert naive2.models_ == ["Naive2", "Naive2"]
    assert naive2.season_length_.tolist() == [12, 1]
    seasonal = _series(200 * PATTERN[np.arange(48) % 12])
    off = Naive2Forecaster(horizon=3, season_length=1).fit(seasonal)
    np.testing.assert_allclose(off.forecasts_[0], seasonal["y"].iloc[-1], rtol=1e-6)


def test_season_length_override_is_used():
    y = 100 * np.tile([1.0, 2.0, 1.5, 0.5], 10)  # a 4-cycle in a "daily" series
    est = Naive2Forecaster(horizon=4, season_length=4).fit(_series(y, freq="D"))
    np.testing.assert_allclose(est.forecasts_[0], y[:4], rtol=1e-5)
    assert est.season_length_.tolist() == [4]
    assert SESForecaster(horizon=4).fit(_series(y, freq="D")).season_length_.tolist() == [7]


def test_ses_and_holt_on_simple_series():
    line = _series(10 + 2.0 * np.arange(20), freq="YS")
    np.testing.assert_allclose(
        HoltForecaster(horizon=3).fit(line).forecasts_[0], [50, 52, 54], rtol=1e-4
    )
    ses = SESForecaster(horizon=3).fit(line).forecasts_[0]
    assert np.ptp(ses) == 0 and 40 < ses[0] <= 48.5  # flat, near the last values
    damped = HoltForecaster(horizon=30, damped_trend=True).fit(line).forecasts_[0]
    assert (np.diff(damped) > 0).all() and np.diff(damped)[-1] < np.diff(damped)[0]


def test_theta_is_ses_with_half_the_trend_as_drift():
    rng = np.random.default_rng(3)
    y = 50 + 0.8 * np.arange(40) + rng.normal(0, 1, 40)
    theta2 = ThetaForecaster(horizon=6).fit(_series(y, freq="YS")).forecasts_[0]
    theta1 = ThetaForecaster(horizon=6, theta=1.0).fit(_series(y, freq="YS")).forecasts_[0]
    assert np.ptp(theta1) < 1e-9  # theta = 1: no drift, plain SES (l0 = y_1)
    slope = np.polyfit(np.arange(40), y.astype(np.float32), 1)[0]
    step = np.diff(theta2)
    np.testing.assert_allclose(step, slope / 2, rtol=1e-3)
    assert (theta2 > theta1).all()


def test_ets_picks_a_seasonal_model_on_a_seasonal_series():
    rng = np.random.default_rng(2)
    y = 100 * PATTERN[np.arange(60) % 12] * (1 + rng.normal(0, 0.01, 60))
    est = ETSForecaster(horizon=12, trend=None).fit(_series(y))
    assert est.models_[0].endswith(",A)") or est.models_[0].endswith(",M)")
    np.testing.assert_allclose(est.forecasts_[0], 100 * PATTERN, rtol=0.05)


def test_ets_configurations():
    assert len(ets_configs(48, 12, True)) == 15
    assert all("mul" not in (e, s) for e, _, _, s in ets_configs(48, 12, False))
    assert all(s is None for *_, s in ets_configs(23, 12, True))  # < 2 seasons
    assert ets_configs(48, 12, True, error="add", seasonal="mul") != []  # asked explicitly
    assert ets_configs(2, 1, True) == []
    assert ets_configs(48, 1, True, trend=None, damped_trend=True) == [
        ("add", None, False, None),
        ("mul", None, False, None),
    ]


def test_arima_selects_differencing_and_orders():
    rng = np.random.default_rng(4)
    walk = _series(100 + np.cumsum(2.0 + rng.normal(0, 0.5, 60)), freq="YS")
    est = ARIMAForecaster(horizon=5, max_p=1, max_q=1).fit(walk)
    assert est.models_[0].startswith("ARIMA(") and ",1," in est.models_[0]  # d = 1 by KPSS
    assert (np.diff(est.forecasts_[0]) > 1).all()
    drift = ARIMAForecaster(horizon=5, max_p=0, max_q=0).fit(walk)
    assert drift.models_ == ["ARIMA(0,1,0) with drift"]
    season = _series(100 * PATTERN[np.arange(48) % 12] + rng.normal(0, 1, 48))
    est = ARIMAForecaster(horizon=12, max_p=0, max_q=0).fit(season)
    assert "[12]" in est.models_[0]
    np.testing.assert_allclose(est.forecasts_[0], 100 * PATTERN, rtol=0.05)
    flat = ARIMAForecaster(horizon=12, max_p=0, max_q=0, seasonal=False).fit(season)
    assert "[12]" not in flat.models_[0]


@pytest.mark.parametrize("cls", [SESForecaster, HoltForecaster, ThetaForecaster])
def test_deseasonalize_switch(cls):
    y = 100 * PATTERN[np.arange(48) % 12]
    on = cls(horizon=12).fit(_series(y))
    off = cls(horizon=12, deseasonalize=False).fit(_series(y))
    assert on.models_[0].endswith(", deseasonalised") and "deseason" not in off.models_[0]
    np.testing.assert_allclose(on.forecasts_[0], 100 * PATTERN, rtol=1e-3)
