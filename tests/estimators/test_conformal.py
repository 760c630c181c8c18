"""ConformalForecaster: coverage within the binomial tolerance, wrappers, errors, pickle."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import TransformedTargetRegressor

from tests.conftest import TINY, make_panel
from tsrnn import ConformalForecaster, LogTransformer, LSTMForecaster, NaiveForecaster
from tsrnn.estimators.conformal import conformal_quantile
from tsrnn.exceptions import DataValidationError, ParameterError
from tsrnn.metrics import coverage


def _noise_panel(n_series, length, seed):
    rng = np.random.default_rng(seed)
    scale = np.repeat(rng.uniform(0.5, 20, n_series), length)  # series of very different scales
    return pd.DataFrame(
        {
            "unique_id": np.repeat(np.arange(n_series), length),
            "ds": np.tile(pd.date_range("2000-01", periods=length, freq="MS"), n_series),
            "y": 100 + scale * rng.standard_normal(n_series * length),
        }
    )


def test_coverage_within_binomial_tolerance():
    horizon, n = 2, 500
    data = _noise_panel(n, 24, seed=1)
    train, test = data.groupby("unique_id").head(22), data.groupby("unique_id").tail(horizon)
    model = ConformalForecaster(NaiveForecaster(horizon=horizon), n_windows=3).fit(train)
    first = (test.groupby("unique_id").cumcount() == 0).to_numpy()  # one row per series: iid
    for level in (0.8, 0.9):
        band = model.predict_interval(test, coverage=level)
        got = coverage(test.y[first], band.iloc[first, 0], band.iloc[first, 1])
        # split conformal: level <= E[coverage] <= level + 1/(n_cal + 1); 3.5 binomial sd around
        tolerance = 3.5 * np.sqrt(level * (1 - level) / n) + 1 / (len(model.scores_) + 1)
        assert abs(got - level) < tolerance, (got, level, tolerance)
    widths = band.iloc[:, 1] - band.iloc[:, 0]
    assert widths.nunique() > 100  # per-series scaling: each series its own width


def test_conformal_quantile_rule_and_too_few_scores():
    scores = np.arange(1.0, 10.0)  # n = 9: the 80% quantile is the ceil(10 * 0.8) = 8th
    assert conformal_quantile(scores, 0.8) == 8.0
    assert conformal_quantile(np.array([np.nan, 1.0, 2.0, 3.0]), 0.5) == 2.0  # NaN ignored
    with pytest.raises(DataValidationError, match="at least 19 calibration scores"):
        conformal_quantile(scores, 0.95)


def test_wraps_a_neural_model_in_a_target_transform(tmp_path):
    data = make_panel((40, 36, 30), covariates=False)
    inner = TransformedTargetRegressor(
        regressor=LSTMForecaster(horizon=3, context_length=6, **TINY),
        transformer=LogTransformer(),
        check_inverse=False,
    )
    model = ConformalForecaster(inner, n_windows=3, scaling="none").fit(data)
    fc = model.forecast(level=[50], quantiles=[0.3, 0.5])
    assert list(fc.columns)[-4:] == ["yhat_lo_50", "yhat_hi_50", "yhat_q0.3", "yhat_q0.5"]
    assert (fc.yhat_lo_50 <= fc.yhat).all() and (fc.yhat <= fc.yhat_hi_50).all()
    np.testing.assert_allclose(fc["yhat_q0.5"], fc.yhat)
    back = pickle.loads(pickle.dumps(model))
    pd.testing.assert_frame_equal(back.forecast(level=[50]), model.forecast(level=[50]))


def test_update_keeps_calibration_and_moves_forecasts():
    data = _noise_panel(30, 30, seed=2)
    history, new = data.groupby("unique_id").head(27), data.groupby("unique_id").tail(3)
    model = ConformalForecaster(NaiveForecaster(horizon=3), n_windows=3).fit(history)
    before = model.forecast(level=[80])
    scores = model.scores_.copy()
    model.update(new)
    after = model.forecast(level=[80])
    assert (after.ds.to_numpy() > before.ds.to_numpy()).all()
    np.testing.assert_array_equal(model.scores_, scores)
    np.testing.assert_allclose(  # same half-widths, around the new point forecasts
        (after.yhat_hi_80 - after.yhat).to_numpy(), (before.yhat_hi_80 - before.yhat).to_numpy()
    )


def test_bad_parameters():
    data = _noise_panel(5, 20, seed=3)
    with pytest.raises(ParameterError, match="scaling"):
        ConformalForecaster(NaiveForecaster(horizon=2), scaling="mad").fit(data)
    model = ConformalForecaster(NaiveForecaster(horizon=2), n_windows=1).fit(data)
    with pytest.raises(DataValidationError, match="needs at least"):
        model.forecast(level=[99])


def test_backtest_returns_interval_columns():
    from tsrnn.model_selection import TemporalSplit, backtest

    data = _noise_panel(20, 30, seed=4)
    cv = TemporalSplit(n_splits=2, horizon=2)
    result = backtest(NaiveForecaster(horizon=2), data, cv=cv, intervals=[0.8, 0.95])
    fc = result.forecasts
    assert {"yhat_lo_80", "yhat_hi_80", "yhat_lo_95", "yhat_hi_95"} <= set(fc.columns)
    assert (fc.yhat_lo_95 <= fc.yhat_lo_80).all() and (fc.yhat_hi_80 <= fc.yhat_hi_95).all()


class _NarrowNaive(NaiveForecaster):
    """The naive forecast with intervals a third as wide as they should be."""

    def _row_quantiles(self, X, quantiles):
        point = self.predict(X)[:, None]
        return point + (super()._row_quantiles(X, quantiles) - point) / 3


def test_cqr_restores_the_coverage_of_too_narrow_intervals_and_keeps_their_shape():
    horizon, n = 2, 500
    data = _noise_panel(n, 24, seed=5)
    train, test = data.groupby("unique_id").head(22), data.groupby("unique_id").tail(horizon)
    first = (test.groupby("unique_id").cumcount() == 0).to_numpy()
    raw = _NarrowNaive(horizon=horizon).fit(train).predict_interval(test, coverage=0.8)
    assert coverage(test.y[first], raw.iloc[first, 0], raw.iloc[first, 1]) < 0.5
    model = ConformalForecaster(
        _NarrowNaive(horizon=horizon), n_windows=3, method="cqr", coverages=[0.8, 0.9]
    ).fit(train)
    assert model.scores_.shape == (2, 3 * n, horizon)
    for level in (0.8, 0.9):
        band = model.predict_interval(test, coverage=level)
        got = coverage(test.y[first], band.iloc[first, 0], band.iloc[first, 1])
        tolerance = 3.5 * np.sqrt(level * (1 - level) / n) + 1 / (model.scores_.shape[1] + 1)
        assert abs(got - level) < tolerance, (got, level, tolerance)
    q = model.predict_quantiles(test, quantiles=[0.05, 0.1, 0.5, 0.9, 0.95]).to_numpy()
    assert (np.diff(q, axis=1) >= 0).all()  # bounds never cross the median or each other
    np.testing.assert_allclose(q[:, 2], model.predict(test))
    fc = model.forecast(level=[90])
    np.testing.assert_allclose(fc.yhat_hi_90.to_numpy(), q[:, 4])  # forecast = predict path
    back = pickle.loads(pickle.dumps(model))
    pd.testing.assert_frame_equal(back.forecast(level=[90]), fc)


def test_cqr_errors_name_what_to_do():
    data = _noise_panel(5, 20, seed=6)
    with pytest.raises(ParameterError, match="method='cqr' needs a wrapped model"):
        ConformalForecaster(LSTMForecaster(horizon=2, **TINY), method="cqr").fit(data)
    model = ConformalForecaster(NaiveForecaster(horizon=2), method="cqr", coverages=0.8)
    model.fit(data)
    with pytest.raises(ParameterError, match=r"calibrated for coverages \[0.8\]"):
        model.forecast(level=[95])
    with pytest.raises(ParameterError, match="method"):
        ConformalForecaster(NaiveForecaster(horizon=2), method="quantile").fit(data)
