"""The M3 recipe estimator on data that M3 does not have: zeros in the target."""

import numpy as np
import pandas as pd

from tsrnn.evaluation.m3 import m3_recurrent


def counts_panel() -> pd.DataFrame:
    """Three quarterly series: one positive and seasonal, two with zeros (one ends on one)."""
    rng = np.random.default_rng(0)
    ds = pd.date_range("1990-01-01", periods=32, freq="QS")
    season = np.tile([1.3, 0.8, 0.9, 1.0], 8)
    values = {
        "seasonal": 50 * season + rng.normal(0, 1, 32),
        "intermittent": rng.poisson(0.8, 32).astype(float),
        "ends_on_zero": np.r_[rng.poisson(5, 31), 0].astype(float),
    }
    return pd.concat(
        [pd.DataFrame({"unique_id": k, "ds": ds, "y": v}) for k, v in values.items()],
        ignore_index=True,
    )


def test_the_m3_recipe_fits_a_panel_with_zeros_and_forecasts_finite_values():
    df = counts_panel()
    assert (df.y == 0).sum() >= 5
    est = m3_recurrent("quarterly", seeds=[0]).set_params(
        estimator__regressor__estimator__max_epochs=1,
        estimator__regressor__estimator__hidden_size=4,
    )
    est.fit(df)
    assert est.estimator_.transformer_.offset_ == 1.0  # the adjusted target's minimum is 0
    yhat = est.predict(est.future_frame())
    assert yhat.shape == (3 * 8,) and np.isfinite(yhat).all()
    assert est.n_seasonal_ == 1  # only the positive series is adjusted


def test_the_tsrnn_row_is_the_automatic_forecaster_and_the_recipe_keeps_a_name():
    from tsrnn import AutoRNNForecaster, DeseasonalizedForecaster
    from tsrnn.evaluation.m3 import M3_MODELS

    auto = M3_MODELS["tsrnn"]("quarterly", 2)
    assert isinstance(auto, AutoRNNForecaster)
    assert (auto.horizon, auto.season_length, auto.n_jobs) == (8, 4, 2)
    recipe = M3_MODELS["recipe"]("quarterly", 1)
    assert isinstance(recipe, DeseasonalizedForecaster)
    assert recipe.get_params()["estimator__regressor__vary"]["context_length"] == [4]
