"""EnsembleForecaster and DeseasonalizedForecaster: combining and adjusting other forecasters."""

import numpy as np
import pandas as pd
import pytest
from conftest import TINY, make_panel
from sklearn.base import clone
from sklearn.linear_model import LinearRegression

from tsrnn import DeseasonalizedForecaster, EnsembleForecaster, RNNForecaster
from tsrnn.baselines import HoltForecaster, NaiveForecaster, SeasonalNaiveForecaster
from tsrnn.exceptions import DataValidationError, ParameterError


def seasonal_panel(n=48, m=12):
    t = np.arange(n)
    pattern = 1 + 0.3 * np.sin(2 * np.pi * t / m)
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "unique_id": "a",
                    "ds": pd.date_range("2000-01", periods=n, freq="MS"),
                    "y": 50 * pattern,
                }
            ),
            pd.DataFrame(
                {
                    "unique_id": "b",
                    "ds": pd.date_range("2003-05", periods=n, freq="MS"),
                    "y": 20 + 0.5 * t,
                }
            ),
        ],
        ignore_index=True,
    )


def test_ensemble_is_the_median_of_its_members():
    df = make_panel(covariates=False)
    ens = EnsembleForecaster(RNNForecaster(horizon=3, **TINY)).fit(df)
    assert ens.member_params_ == [{"random_state": s} for s in (0, 1, 2)]
    rows = ens.future_frame()
    members = np.vstack([m.predict(rows) for m in ens.members_])
    np.testing.assert_allclose(ens.predict(rows), np.median(members, axis=0))
    assert len({tuple(np.round(m, 6)) for m in members}) == 3  # the seeds really differ
    np.testing.assert_allclose(ens.forecast()["yhat"], ens.predict(rows))


def test_ensemble_varies_nested_parameters_and_updates_every_member():
    df = make_panel(covariates=False)
    ens = EnsembleForecaster(
        HoltForecaster(horizon=2), vary={"damped_trend": [False, True]}, aggregate="mean"
    ).fit(df[df.ds < "2003-06-01"])
    new = df[df.ds >= "2003-06-01"].groupby("unique_id").head(1)
    ens.update(new)
    assert all(m.calendar_.last_time.max() == pd.Timestamp("2003-06-01") for m in ens.members_)
    rows = ens.future_frame()
    mean = np.mean([m.predict(rows) for m in ens.members_], axis=0)
    np.testing.assert_allclose(ens.predict(rows), mean)
    assert clone(ens).get_params()["vary"] == {"damped_trend": [False, True]}


@pytest.mark.parametrize(
    ("vary", "match"),
    [({"nope": [1]}, "unknown names \\['nope'\\]"), ({"damped_trend": []}, "empty or non-list")],
)
def test_ensemble_rejects_bad_vary(vary, match):
    with pytest.raises(ParameterError, match=match):
        EnsembleForecaster(HoltForecaster(horizon=2), vary=vary).fit(make_panel(covariates=False))


def test_ensemble_needs_something_to_vary():
    with pytest.raises(ParameterError, match="no random_state to vary"):
        EnsembleForecaster(NaiveForecaster(horizon=2)).fit(make_panel(covariates=False))


def test_deseasonalized_naive_continues_an_exact_seasonal_pattern():
    df = seasonal_panel()
    est = DeseasonalizedForecaster(NaiveForecaster(horizon=12)).fit(df)
    assert est.n_seasonal_ == 1 and len(est.seasonal_[1]) == 1  # the trend series passes through
    fc = est.forecast()
    truth = seasonal_panel(n=60)
    expected = truth.groupby("unique_id").tail(12)["y"].to_numpy()
    np.testing.assert_allclose(fc.loc[fc.unique_id == "a", "yhat"], expected[:12], rtol=1e-6)
    # The non-seasonal series gets the plain naive forecast.
    np.testing.assert_allclose(fc.loc[fc.unique_id == "b", "yhat"], 20 + 0.5 * 47, rtol=1e-6)
    # predict on shuffled rows agrees with forecast.
    rows = fc[["unique_id", "ds"]].sample(frac=1.0, random_state=0)
    np.testing.assert_allclose(est.predict(rows), fc.loc[rows.index, "yhat"], rtol=1e-6)


def test_deseasonalized_update_equals_fitting_on_more_history():
    full = seasonal_panel(n=60)
    head = full.groupby("unique_id").head(48)
    tail = full.drop(head.index)
    updated = DeseasonalizedForecaster(SeasonalNaiveForecaster(horizon=6)).fit(head).update(tail)
    refit = DeseasonalizedForecaster(SeasonalNaiveForecaster(horizon=6)).fit(full)
    pd.testing.assert_frame_equal(updated.forecast(), refit.forecast(), rtol=1e-6)


def test_deseasonalized_unknown_series_at_update_is_a_clear_error():
    est = DeseasonalizedForecaster(NaiveForecaster(horizon=2)).fit(seasonal_panel())
    new = pd.DataFrame({"unique_id": ["zz"], "ds": [pd.Timestamp("2010-01-01")], "y": [1.0]})
    with pytest.raises(DataValidationError, match="seen in fit only.*'zz'.*Refit"):
        est.update(new)


def test_deseasonalized_failed_update_leaves_the_model_as_it_was():
    full = seasonal_panel(n=60)
    head = full.groupby("unique_id").head(48)
    est = DeseasonalizedForecaster(SeasonalNaiveForecaster(horizon=6)).fit(head)
    before = est.forecast()
    bad = full.drop(head.index).assign(extra=1.0)  # the wrapped model refuses new columns
    with pytest.raises(DataValidationError, match="covariate columns"):
        est.update(bad)
    pd.testing.assert_frame_equal(est.forecast(), before)


@pytest.mark.parametrize("cls", [EnsembleForecaster, DeseasonalizedForecaster])
@pytest.mark.parametrize("estimator", ["rnn", LinearRegression()])
def test_wrappers_reject_non_forecasters(cls, estimator):
    with pytest.raises(ParameterError, match="needs a"):
        cls(estimator).fit(make_panel(covariates=False))


def test_ensemble_cannot_vary_the_horizon():
    with pytest.raises(ParameterError, match="cannot change the horizon"):
        EnsembleForecaster(NaiveForecaster(), vary={"horizon": [3, 6]}).fit(
            make_panel(covariates=False)
        )
