"""The baselines' own intervals: statsmodels' spreads, the naive formulas, stored on save."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from tsrnn.baselines import (
    ARIMAForecaster,
    ETSForecaster,
    HoltForecaster,
    Naive2Forecaster,
    NaiveForecaster,
    SeasonalNaiveForecaster,
    SESForecaster,
    ThetaForecaster,
)
from tsrnn.metrics import coverage
from tsrnn.persistence import load_forecaster, save_forecaster


def _panel(n_series=2, length=40, seed=0):
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2001-01-01", periods=length, freq="QS")
    return pd.concat(
        [
            pd.DataFrame(
                {"unique_id": f"s{i}", "ds": ds, "y": 50 + np.cumsum(rng.normal(1, 2, length))}
            )
            for i in range(n_series)
        ],
        ignore_index=True,
    )


@pytest.mark.parametrize(
    "est",
    [
        NaiveForecaster(horizon=3),
        SeasonalNaiveForecaster(horizon=3),
        Naive2Forecaster(horizon=3),
        SESForecaster(horizon=3),
        HoltForecaster(horizon=3),
        ThetaForecaster(horizon=3),
        ETSForecaster(horizon=3, seasonal=None),
        ARIMAForecaster(horizon=3, max_p=0, max_q=0, max_d=1, seasonal=False),
    ],
    ids=lambda e: type(e).__name__,
)
def test_bands_nest_and_survive_save_and_pickle(est, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(_panel())
    fc = est.forecast(level=[80, 95], quantiles=[0.5])
    assert np.isfinite(fc.iloc[:, 2:].to_numpy()).all()
    np.testing.assert_allclose(fc["yhat_q0.5"], fc.yhat)  # normal: the median is the point
    assert (fc.yhat_lo_95 < fc.yhat_lo_80).all() and (fc.yhat_lo_80 < fc.yhat).all()
    assert (fc.yhat < fc.yhat_hi_80).all() and (fc.yhat_hi_80 < fc.yhat_hi_95).all()
    for back in (
        pickle.loads(pickle.dumps(est)),
        load_forecaster(save_forecaster(est, tmp_path / "m")),
    ):
        pd.testing.assert_frame_equal(back.forecast(level=[80, 95]), est.forecast(level=[80, 95]))


def test_naive_spread_is_the_random_walk_formula():
    y = np.array([0.0, 2, 1, 3, 2])  # changes 2, -1, 2, -1: sigma = sqrt(10 / 4)
    frame = pd.DataFrame(
        {"unique_id": "a", "ds": pd.date_range("2000", periods=5, freq="YS"), "y": y}
    )
    est = NaiveForecaster(horizon=3).fit(frame)
    band = est.forecast(level=[90])
    half = norm.ppf(0.95) * np.sqrt(10 / 4) * np.sqrt([1, 2, 3])
    np.testing.assert_allclose(band.yhat_hi_90 - band.yhat, half)
    seasonal = SeasonalNaiveForecaster(horizon=3, season_length=2).fit(frame)
    # lag-2 changes 1, 1, 1: sigma 1; steps 1, 2 are one season ahead, step 3 two
    got = seasonal.forecast(level=[90])
    np.testing.assert_allclose(got.yhat_hi_90 - got.yhat, norm.ppf(0.95) * np.sqrt([1, 1, 2]))


def test_arima_spread_is_statsmodels_own():
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    data = _panel(1, 60, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = ARIMAForecaster(horizon=4, max_p=0, max_q=0, max_d=1, seasonal=False).fit(data)
        result = SARIMAX(data.y.to_numpy(), order=(0, 1, 0), trend="c").fit(disp=False)
    assert est.models_[0].startswith("ARIMA(0,1,0)")
    bounds = result.get_forecast(4).conf_int(alpha=0.05)
    band = est.forecast(level=[95])
    np.testing.assert_allclose(band[["yhat_lo_95", "yhat_hi_95"]].to_numpy(), bounds, rtol=1e-6)


def test_naive_coverage_on_random_walks():
    n = 400
    data = _panel(n, 31, seed=5)
    train, test = data.groupby("unique_id").head(30), data.groupby("unique_id").tail(1)
    band = NaiveForecaster(horizon=1).fit(train).predict_interval(test, coverage=0.9)
    got = coverage(test.y, band.yhat_lo_90, band.yhat_hi_90)
    assert abs(got - 0.9) < 3.5 * np.sqrt(0.09 / n) + 0.02  # sigma estimated from 29 changes


def test_ets_spread_is_statsmodels_own_from_the_end_of_the_sample():
    """A multiplicative-error ETS on a series that grew tenfold: the spread scales with the
    last level (statsmodels' own simulated prediction variance), not the first one."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    rng = np.random.default_rng(4)
    y = 10 * np.exp(np.linspace(0, np.log(10), 40)) * rng.lognormal(0, 0.05, 40)
    data = pd.DataFrame(
        {"unique_id": "s", "ds": pd.date_range("2001", periods=40, freq="YS"), "y": y}
    )
    est = ETSForecaster(horizon=4, error="mul", trend=None, seasonal=None).fit(data)
    assert est.models_[0] == "ETS(M,N,N)"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ETSModel(pd.Series(y), error="mul").fit(disp=False)
        own = np.sqrt(result.get_prediction(start=40, end=43).forecast_variance.to_numpy())
    np.testing.assert_allclose(est.forecast_sd_[0], own, rtol=0.1)  # two sets of 1000 paths
    assert est.forecast_sd_[0][0] > 0.02 * y[-1]  # about sigma * last level, not the first


def test_arima_skips_a_degenerate_fit_whose_forecasts_run_away():
    """M3 yearly N0070 (14 points): the lowest-AIC ARIMA(2,1,2) with drift has no finite
    forecast variance and forecasts 2.5e11; the next model by AIC is taken instead."""
    y = [1569.52, 1731.24, 1799.05, 1981.95, 2309.06, 2679.19, 2740.13, 2662.98, 2837.63,
         3409.36, 3268.46, 3533.65, 3374.84, 3610.24]  # fmt: skip
    data = pd.DataFrame({"unique_id": "N0070", "ds": pd.date_range("1975", periods=14,
                         freq="YS"), "y": y})  # fmt: skip
    est = ARIMAForecaster(horizon=6).fit(data)
    assert est.models_[0] != "ARIMA(2,1,2) with drift" and not est.fallback_[0]
    assert np.isfinite(est.forecast_sd_).all()
    assert np.abs(est.forecasts_).max() < 10 * max(y)
