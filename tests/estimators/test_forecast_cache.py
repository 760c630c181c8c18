"""The forecast cache: forecasts from the fitted history equal the uncached path's."""

import copy
import pickle

import numpy as np
import pandas as pd
import pytest
from conftest import TINY, make_panel
from sklearn.base import clone

from tsrnn import GRUForecaster, LSTMForecaster
from tsrnn.persistence import load_forecaster, save_forecaster

H = 3


def uncached(est, positions=None):
    """The path's forecasts, computed now (no cache)."""
    positions = np.arange(est.calendar_.n_series) if positions is None else np.asarray(positions)
    return est.path_.forecast(est, positions, None)


@pytest.fixture(scope="module")
def fitted():
    df = make_panel((30, 26, 20, 14), covariates=False)
    return GRUForecaster(horizon=H, context_length=8, **TINY).fit(df)


def test_cached_forecasts_and_predictions_equal_the_uncached_path(fitted):
    est = copy.deepcopy(fitted)
    expected = uncached(est)
    first = est.forecast()
    assert est._cache_forecasts.fresh.all()
    again = est.forecast()
    np.testing.assert_array_equal(first["yhat"].to_numpy(), expected.ravel())
    pd.testing.assert_frame_equal(again, first)
    rows = est.future_frame().sample(frac=1.0, random_state=0)  # any order, any subset
    np.testing.assert_array_equal(est.predict(rows), first.loc[rows.index, "yhat"].to_numpy())
    again["yhat"] = 0.0  # the caller owns the frame: the cache is untouched
    np.testing.assert_array_equal(est.forecast()["yhat"].to_numpy(), expected.ravel())


def test_update_makes_only_the_updated_series_stale(fitted):
    est = copy.deepcopy(fitted)
    before = est.forecast()["yhat"].to_numpy().reshape(-1, H)
    rows = est.future_frame(2).query("unique_id == 's1'").assign(y=[20.0, 21.0])
    est.update(rows)
    assert est._cache_forecasts.fresh.tolist() == [True, False, True, True]
    after = est.forecast()["yhat"].to_numpy().reshape(-1, H)
    np.testing.assert_array_equal(np.delete(after, 1, axis=0), np.delete(before, 1, axis=0))
    np.testing.assert_array_equal(after[1], uncached(est, [1])[0])  # recomputed alone
    assert not np.allclose(after[1], before[1])
    fresh = copy.deepcopy(est)  # copies drop the cache: one forward of every series
    assert "_cache_forecasts" not in vars(fresh)
    np.testing.assert_allclose(fresh.forecast()["yhat"].to_numpy(), after.ravel(), rtol=1e-6)


def test_new_series_from_update_join_the_cache(fitted):
    est = copy.deepcopy(fitted)
    est.forecast()
    new = make_panel((12,), covariates=False, seed=3).assign(unique_id="new")
    est.update(new)
    got = est.forecast()["yhat"].to_numpy().reshape(-1, H)
    assert got.shape == (5, H)
    np.testing.assert_array_equal(got[4], uncached(est, [4])[0])


def test_set_params_after_fit_and_weights_changed_in_place_empty_the_cache(fitted):
    est = copy.deepcopy(fitted)
    est.forecast()
    est.set_params(normalize_windows=not est.normalize_windows)
    np.testing.assert_array_equal(est.forecast()["yhat"].to_numpy(), uncached(est).ravel())
    with __import__("torch").no_grad():
        est.network_.head.bias.add_(1.0)
    np.testing.assert_array_equal(est.forecast()["yhat"].to_numpy(), uncached(est).ravel())


def test_the_cache_is_not_saved_and_is_rebuilt_identically(fitted, tmp_path):
    est = copy.deepcopy(fitted)
    expected = est.forecast()
    assert not any(k.startswith("_cache_") for k in pickle.loads(pickle.dumps(est)).__dict__)
    save_forecaster(est, tmp_path / "m")
    for other in (load_forecaster(tmp_path / "m"), pickle.loads(pickle.dumps(est))):
        pd.testing.assert_frame_equal(other.forecast(), expected)
    assert not hasattr(clone(est), "_cache_forecasts")


def test_known_future_covariates_are_not_cached():
    df = make_panel((30, 24), covariates=True)
    est = LSTMForecaster(horizon=H, context_length=8, future_covariates=["promo"], **TINY)
    est.fit(df)
    rows = est.future_frame().assign(promo=1.0)
    first = est.forecast(X=rows)["yhat"].to_numpy()
    other = est.forecast(X=rows.assign(promo=0.0))["yhat"].to_numpy()
    assert not np.allclose(first, other)  # the future part follows X
    future = np.ones((2, H, 1))
    np.testing.assert_array_equal(first, est.path_.forecast(est, np.arange(2), future).ravel())
    assert "_cache_forecasts" not in vars(est)


def test_quantile_heads_read_the_cached_head_output():
    df = make_panel((30, 24), covariates=False)
    est = GRUForecaster(horizon=H, context_length=8, loss="quantile", **TINY).fit(df)
    bands = est.forecast(quantiles=[0.1, 0.9])
    point = est.forecast()
    raw = uncached(est)  # [S, H, Q]
    np.testing.assert_array_equal(point["yhat"], raw[..., est.network_.head.median_index].ravel())
    np.testing.assert_array_equal(est.forecast(quantiles=[0.1, 0.9]), bands)
