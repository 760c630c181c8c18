"""The row contract of the neural forecasters: fit, predict, forecast, update."""

import numpy as np
import pandas as pd
import pytest
from conftest import TINY, make_panel

from tsrnn import DeepARForecaster, GRUForecaster, LSTMForecaster, RNNForecaster


@pytest.mark.parametrize("cls", [RNNForecaster, LSTMForecaster, GRUForecaster, DeepARForecaster])
def test_fit_predict_forecast_shapes(cls, panel):
    if cls is DeepARForecaster:  # it reads covariates at forecast steps: none here
        panel = panel.drop(columns=["promo", "past"])
    est = cls(horizon=4, context_length=8, **TINY).fit(panel)
    assert est.fit(panel) is est
    fc = est.forecast()
    assert fc.columns.tolist() == ["unique_id", "ds", "yhat"]
    assert fc.groupby("unique_id").size().tolist() == [4, 4, 4]
    last = panel.groupby("unique_id")["ds"].max()
    first_future = fc.groupby("unique_id")["ds"].min()
    assert (first_future == last + pd.offsets.MonthBegin(1)).all()
    assert np.isfinite(fc["yhat"]).all()
    assert len(est.history_["train_loss"]) == TINY["max_epochs"]


def test_predict_is_row_aligned_in_any_order(panel):
    est = LSTMForecaster(horizon=3, context_length=6, future_covariates=["promo"], **TINY).fit(
        panel
    )
    rows = est.future_frame().assign(promo=1.0, past=0.0)
    expected = est.predict(rows)
    shuffled = rows.sample(frac=1.0, random_state=0)
    np.testing.assert_allclose(est.predict(shuffled), expected[shuffled.index.to_numpy()])
    subset = rows.iloc[[4, 0]]
    np.testing.assert_allclose(est.predict(subset), expected[[4, 0]])
    assert len(est.predict(rows.iloc[:0])) == 0


def test_short_series_train_with_shorter_contexts():
    df = make_panel(lengths=(40, 6), covariates=False)  # 6 < context_length + horizon
    est = GRUForecaster(horizon=3, context_length=12, **TINY).fit(df)
    assert est.n_windows_ == (40 - 12 - 3 + 1) + (6 - 3)
    assert est.forecast()["unique_id"].nunique() == 2


def test_random_state_makes_fit_bit_for_bit_reproducible(panel):
    a = LSTMForecaster(horizon=3, context_length=6, dropout=0.2, num_layers=2, **TINY).fit(panel)
    b = LSTMForecaster(horizon=3, context_length=6, dropout=0.2, num_layers=2, **TINY).fit(panel)
    assert np.array_equal(a.forecast()["yhat"].to_numpy(), b.forecast()["yhat"].to_numpy())
    c = LSTMForecaster(horizon=3, context_length=6, **{**TINY, "random_state": 1}).fit(panel)
    assert not np.array_equal(a.forecast()["yhat"].to_numpy(), c.forecast()["yhat"].to_numpy())


def test_fit_leaves_the_global_torch_rng_alone(panel):
    import torch

    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    LSTMForecaster(horizon=2, context_length=4, **TINY).fit(panel)
    assert torch.equal(torch.rand(1), before)


def test_training_reduces_the_loss():
    df = make_panel(lengths=(60, 60), covariates=False)
    est = LSTMForecaster(
        horizon=3,
        context_length=12,
        hidden_size=16,
        max_epochs=15,
        learning_rate=1e-2,
        random_state=0,
    ).fit(df)
    assert est.history_["train_loss"][-1] < 0.5 * est.history_["train_loss"][0]


def test_validation_split_and_early_stopping(panel):
    est = GRUForecaster(
        horizon=3,
        context_length=6,
        validation_size=4,
        early_stopping_patience=1,
        hidden_size=4,
        max_epochs=30,
        learning_rate=0.5,
        random_state=0,
    ).fit(panel)
    val = est.history_["val_loss"]
    assert np.isfinite(val).all()
    assert len(val) < 30  # stopped early at this silly learning rate


def test_forecast_horizon_shorter_than_fitted(univariate):
    est = RNNForecaster(horizon=4, context_length=6, **TINY).fit(univariate)
    full = est.forecast()
    two = est.forecast(horizon=2)
    np.testing.assert_allclose(two["yhat"], full.groupby("unique_id").head(2)["yhat"])


def test_update_moves_the_forecast_origin_without_refitting(univariate):
    df = univariate
    cut = df.groupby("unique_id").cumcount(ascending=False) >= 3
    train, new = df[cut], df[~cut]
    est = LSTMForecaster(horizon=3, context_length=8, **TINY).fit(train)
    weights = {k: v.clone() for k, v in est.network_.state_dict().items()}
    import copy

    twice = copy.deepcopy(est)
    est.update(new)
    first_half = new.groupby("unique_id").head(1)
    twice.update(first_half).update(new.drop(first_half.index))
    fc = est.forecast()
    assert (
        fc.groupby("unique_id")["ds"].min().to_numpy()
        == (df.groupby("unique_id")["ds"].max() + pd.offsets.MonthBegin(1)).to_numpy()
    ).all()
    np.testing.assert_allclose(fc["yhat"], twice.forecast()["yhat"], rtol=1e-6)
    assert all(np.array_equal(weights[k], v) for k, v in est.network_.state_dict().items())
    # the context now ends with the new observations
    np.testing.assert_allclose(
        est.context_.series(0)[-3:, 0], new[new.unique_id == "s0"]["y"], rtol=1e-6
    )


def test_update_with_a_new_series_warms_it_up(univariate):
    est = GRUForecaster(horizon=2, context_length=5, **TINY).fit(
        univariate[univariate.unique_id != "s2"]
    )
    est.update(univariate[univariate.unique_id == "s2"])
    fc = est.forecast()
    assert sorted(fc["unique_id"].unique()) == ["s0", "s1", "s2"]
    s2 = fc[fc.unique_id == "s2"]["yhat"]
    assert (
        np.isfinite(s2).all() and abs(s2.mean() - 30) < 15
    )  # scaled back to the series' own level


def test_covariates_are_used(panel):
    est = LSTMForecaster(horizon=2, context_length=6, future_covariates=["promo"], **TINY).fit(
        panel
    )
    rows = est.future_frame()
    low, high = est.predict(rows.assign(promo=0.0)), est.predict(rows.assign(promo=1.0))
    assert not np.allclose(low, high)
    assert est.covariates_ == ["past", "promo"] and est.future_covariates_ == ["promo"]
