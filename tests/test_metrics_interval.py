"""Probabilistic scores against hand-computed values."""

import numpy as np
import pytest
from scipy import stats

from tsrnn.metrics import (
    crps_quantiles,
    crps_samples,
    interval_score,
    interval_width,
    make_interval_scorer,
    msis,
    pinball_losses,
)


def test_pinball_losses_hand_computed():
    # y = 10; q=0.1 forecasts 8 (0.1*2) and 12 (0.9*2); q=0.9 forecasts 9 (0.9*1) and 11 (0.1*1)
    got = pinball_losses([10, 10], [[8, 9], [12, 11]], [0.1, 0.9])
    np.testing.assert_allclose(got, [(0.2 + 1.8) / 2, (0.9 + 0.1) / 2])


def test_crps_quantiles_median_only_is_mae():
    y, f = np.array([1.0, 5, 3]), np.array([2.0, 2, 2])
    assert crps_quantiles(y, f[:, None], [0.5]) == pytest.approx(np.mean(np.abs(y - f)))


def test_crps_samples_hand_computed_and_against_normal():
    # samples {0, 2}, y = 1: E|X - y| = 1, E|X - X'| / 2 = (0 + 2 + 2 + 0) / 4 / 2 = 0.5
    assert crps_samples([1.0], [[0.0, 2.0]]) == pytest.approx(0.5)
    # many N(0, 1) samples approach the closed form CRPS of a normal at y
    rng = np.random.default_rng(0)
    y = 0.7
    closed = y * (2 * stats.norm.cdf(y) - 1) + 2 * stats.norm.pdf(y) - 1 / np.sqrt(np.pi)
    got = crps_samples([y], rng.standard_normal((1, 20000)))
    assert got == pytest.approx(closed, abs=0.01)


def test_crps_samples_equals_pairwise_definition():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(3, 7)), rng.normal(size=3)
    pairwise = np.mean(
        np.abs(x - y[:, None]).mean(1) - np.abs(x[:, :, None] - x[:, None, :]).mean((1, 2)) / 2
    )
    assert crps_samples(y, x) == pytest.approx(pairwise)


def test_msis_m4_formula_and_seasonal_scale():
    # widths 2, 2; second actual 1 above upper: 2 / 0.05 * 1 = 40 -> (2 + 2 + 40) / 2 = 22
    assert interval_score([1, 4], [0, 1], [2, 3]) == pytest.approx(22.0)
    # lag-2 scale of [1, 2, 5, 6]: |5-1|, |6-2| -> 4
    got = msis([1, 4], [0, 1], [2, 3], y_train=[1, 2, 5, 6], season_length=2)
    assert got == pytest.approx(22.0 / 4)
    # below the lower bound, 80% interval: 2 / 0.2 * 3 = 30 -> (1 + 30) / 1, scale 1
    assert msis([-3], [0], [1], y_train=[0, 1], coverage=0.8) == pytest.approx(31.0)
    assert np.isnan(msis([1], [0], [2], y_train=[3, 3, 3]))
    with pytest.raises(ValueError, match="season_length=4"):
        msis([1], [0], [2], y_train=[1, 2], season_length=4)
    with pytest.raises(ValueError, match="coverage"):
        msis([1], [0], [2], y_train=[1, 2], coverage=95)


def test_width_and_errors():
    assert interval_width([0, 1], [2, 5]) == pytest.approx(3.0)
    with pytest.raises(ValueError, match="shape"):
        pinball_losses([1, 2], [[1], [2]], [0.1, 0.9])
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        pinball_losses([1], [[1]], [1.5])
    with pytest.raises(ValueError, match="kind"):
        make_interval_scorer("msis")


def test_interval_scorers_call_the_forecaster():
    import pandas as pd

    from tsrnn import NaiveForecaster
    from tsrnn.metrics import coverage_scorer, interval_score_scorer, pinball_scorer

    y = np.array([0.0, 2, 1, 3, 2, 4])
    ds = pd.date_range("2000", periods=6, freq="YS")
    frame = pd.DataFrame({"unique_id": "a", "ds": ds, "y": y})
    est = NaiveForecaster(horizon=1).fit(frame.iloc[:5])
    X_test, y_test = frame.iloc[5:][["unique_id", "ds"]], frame.y.iloc[5:]
    band = est.predict_interval(X_test, coverage=0.95)
    lo, hi = band.iloc[0]
    assert coverage_scorer(est, X_test, y_test) == float(lo <= 4 <= hi)
    assert interval_score_scorer(est, X_test, y_test) == pytest.approx(
        -interval_score([4.0], [lo], [hi])
    )
    q = est.predict_quantiles(X_test, [0.1, 0.5, 0.9]).to_numpy()
    expected = -np.mean(pinball_losses([4.0], q, [0.1, 0.5, 0.9]))
    assert pinball_scorer(est, X_test, y_test) == pytest.approx(expected)
