"""backtest: shapes, cutoffs, windows, refit schedules, no leakage, wrappers, scoring."""

import numpy as np
import pandas as pd
import pytest
from conftest import TINY, make_panel
from sklearn.base import clone
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from tsrnn import LSTMForecaster, NaiveForecaster, SeasonalNaiveForecaster
from tsrnn.exceptions import DataValidationError, ParameterError
from tsrnn.metrics import mase, owa, panel_scores
from tsrnn.model_selection import BacktestResult, TemporalSplit, backtest

LENGTHS = (40, 30, 24)


class Probe(SeasonalNaiveForecaster):
    """Seasonal naive that logs every fit and update: kind, rows per series, last time seen."""

    log: list = []

    def fit(self, X, y=None):
        Probe.log.append(("fit", X.groupby("unique_id")["ds"].agg(["size", "max"])))
        return super().fit(X, y)

    def update(self, X, y=None):
        Probe.log.append(("update", X.groupby("unique_id")["ds"].agg(["size", "max"])))
        return super().update(X, y)

    def predict(self, X):
        assert "y" not in X.columns  # the target of the test rows never reaches the model
        return super().predict(X)


@pytest.fixture
def probe():
    Probe.log = []
    yield Probe(horizon=3)
    Probe.log = []


@pytest.fixture
def data():
    df = make_panel(LENGTHS, covariates=False)
    return df.drop(columns="y"), df["y"]


def test_result_shapes_columns_and_cutoffs(data):
    X, y = data
    cv = TemporalSplit(n_splits=3, horizon=3, step=2)
    result = backtest(SeasonalNaiveForecaster(horizon=3), X, y, cv=cv)
    assert isinstance(result, BacktestResult)
    fc = result.forecasts
    assert fc.columns.tolist() == ["unique_id", "cutoff", "ds", "y", "yhat", "fold"]
    assert len(fc) == 3 * 3 * len(LENGTHS)
    assert result.metrics.columns.tolist() == [
        "fold", "cutoff_min", "cutoff_max", "smape", "mase", "mae", "n_series", "refit",
        "fit_seconds", "predict_seconds",
    ]  # fmt: skip
    assert result.metrics["fold"].tolist() == [0, 1, 2]
    assert (result.metrics["n_series"] == 3).all()
    assert len(result.series_metrics) == 9
    start = pd.Timestamp("2001-01-01")
    for (sid, k), g in fc.groupby(["unique_id", "fold"]):
        n = LENGTHS[int(sid[1:])]
        last_train = n - 3 - (2 - k) * 2 - 1  # 0-based position of the last training row
        assert (g["cutoff"] == start + pd.DateOffset(months=last_train)).all()
        expected_ds = pd.date_range(start + pd.DateOffset(months=last_train + 1), periods=3,
                                    freq="MS")  # fmt: skip
        assert g["ds"].tolist() == expected_ds.tolist()
    # the stride: cutoffs two months apart
    months = result.metrics["cutoff_max"].dt.month + 12 * result.metrics["cutoff_max"].dt.year
    assert np.diff(months).tolist() == [2, 2]
    merged = fc.merge(make_panel(LENGTHS, covariates=False), on=["unique_id", "ds"])
    np.testing.assert_array_equal(merged["y_x"], merged["y_y"])


@pytest.mark.parametrize("max_train_size", [None, 7])
def test_expanding_and_sliding_training_sizes(data, probe, max_train_size):
    X, y = data
    cv = TemporalSplit(n_splits=3, horizon=3, step=2, max_train_size=max_train_size)
    backtest(probe, X, y, cv=cv)
    assert [kind for kind, _ in Probe.log] == ["fit", "fit", "fit"]
    for k, (_, seen) in enumerate(Probe.log):
        expected = np.array(LENGTHS) - 3 - (2 - k) * 2
        if max_train_size is not None:
            expected = np.minimum(expected, max_train_size)
        assert seen["size"].tolist() == expected.tolist()


@pytest.mark.parametrize("refit", [True, False, 2])
@pytest.mark.parametrize("max_train_size", [None, 6])
def test_no_leakage(data, probe, refit, max_train_size):
    X, y = data
    cv = TemporalSplit(n_splits=4, horizon=3, step=1, max_train_size=max_train_size)
    result = backtest(probe, X, y, cv=cv, refit=refit)
    assert len(Probe.log) == 4  # one fit or update per fold
    for k, (_, seen) in enumerate(Probe.log):
        first_test = result.forecasts[result.forecasts.fold == k].groupby("unique_id")["ds"].min()
        assert (seen["max"] < first_test.reindex(seen.index)).all()
        cutoff = result.forecasts[result.forecasts.fold == k].groupby("unique_id")["cutoff"].max()
        assert (seen["max"] == cutoff.reindex(seen.index)).all()


def test_refit_false_equals_refit_true_for_seasonal_naive(data):
    X, y = data
    cv = TemporalSplit(n_splits=4, horizon=3, step=2, max_train_size=15)
    a = backtest(SeasonalNaiveForecaster(horizon=3), X, y, cv=cv, refit=True)
    b = backtest(SeasonalNaiveForecaster(horizon=3), X, y, cv=cv, refit=False)
    pd.testing.assert_frame_equal(a.forecasts, b.forecasts)
    pd.testing.assert_frame_equal(a.series_metrics, b.series_metrics)
    assert a.metrics["refit"].tolist() == [True] * 4
    assert b.metrics["refit"].tolist() == [True, False, False, False]


def test_refit_every_second_fold(data, probe):
    X, y = data
    cv = TemporalSplit(n_splits=5, horizon=3, step=1)
    result = backtest(probe, X, y, cv=cv, refit=2)
    assert [kind for kind, _ in Probe.log] == ["fit", "update", "fit", "update", "fit"]
    assert result.metrics["refit"].tolist() == [True, False, True, False, True]
    assert all((seen["size"] == 1).all() for kind, seen in Probe.log if kind == "update")
    plain = backtest(SeasonalNaiveForecaster(horizon=3), X, y, cv=cv)
    pd.testing.assert_frame_equal(result.forecasts, plain.forecasts)


def test_the_given_estimator_is_left_unfitted(data, probe):
    X, y = data
    result = backtest(probe, X, y, cv=2)
    assert not hasattr(probe, "calendar_")
    assert result.estimator is not probe and hasattr(result.estimator, "calendar_")


def test_neural_forecaster_refit_and_update(data):
    X, y = data
    est = LSTMForecaster(horizon=3, context_length=6, **TINY)
    result = backtest(est, X, y, cv=TemporalSplit(n_splits=3, horizon=3), refit=2)
    assert result.metrics["refit"].tolist() == [True, False, True]
    assert np.isfinite(result.forecasts["yhat"]).all()
    assert np.isfinite(result.metrics[["smape", "mase", "mae"]].to_numpy()).all()


def test_target_inside_x_series_input_and_default_cv(data):
    X, y = data
    with_y = backtest(NaiveForecaster(horizon=2), X, y)
    inside = backtest(NaiveForecaster(horizon=2), X.assign(y=y))
    pd.testing.assert_frame_equal(with_y.forecasts, inside.forecasts)
    assert len(with_y.metrics) == 3  # default: 3 folds of the estimator's horizon
    assert len(backtest(NaiveForecaster(horizon=2), X, y, cv=4).metrics) == 4
    one = X.assign(y=y)[lambda d: d.unique_id == "s0"]
    series = pd.Series(one["y"].to_numpy(), index=pd.DatetimeIndex(one["ds"]), name="s0")
    from_series = backtest(NaiveForecaster(horizon=2), series)
    pd.testing.assert_frame_equal(
        from_series.forecasts.reset_index(drop=True),
        with_y.forecasts[with_y.forecasts.unique_id == "s0"].reset_index(drop=True),
    )


def test_season_length_inferred_from_the_fitted_calendar(data):
    X, y = data
    cv = TemporalSplit(n_splits=2, horizon=3)
    inferred = backtest(NaiveForecaster(horizon=3), X, y, cv=cv)
    monthly = backtest(NaiveForecaster(horizon=3), X, y, cv=cv, season_length=12)
    lag_one = backtest(NaiveForecaster(horizon=3), X, y, cv=cv, season_length=1)
    pd.testing.assert_frame_equal(inferred.metrics.iloc[:, :6], monthly.metrics.iloc[:, :6])
    assert not np.allclose(inferred.metrics["mase"], lag_one.metrics["mase"])
    # MASE by hand: scale on every row up to the cutoff, seasonal lag 12
    df = X.assign(y=y)
    fold = inferred.forecasts[
        (inferred.forecasts.fold == 1) & (inferred.forecasts.unique_id == "s0")
    ]
    history = df[(df.unique_id == "s0") & (df.ds <= fold["cutoff"].iloc[0])]["y"]
    by_hand = mase(fold["y"], fold["yhat"], history, season_length=12)
    row = inferred.series_metrics.query("fold == 1 and unique_id == 's0'")
    assert row["mase"].item() == pytest.approx(by_hand)
    mapping = backtest(NaiveForecaster(horizon=3), X, y, cv=cv, season_length={"s0": 12,
                       "s1": 12, "s2": 12})  # fmt: skip
    pd.testing.assert_frame_equal(mapping.series_metrics, monthly.series_metrics)


def test_integer_times_default_to_season_length_one():
    df = make_panel((20, 16), covariates=False)
    df["ds"] = df.groupby("unique_id").cumcount()
    cv = TemporalSplit(n_splits=2, horizon=2)
    inferred = backtest(NaiveForecaster(horizon=2), df, cv=cv)
    lag_one = backtest(NaiveForecaster(horizon=2), df, cv=cv, season_length=1)
    pd.testing.assert_frame_equal(inferred.series_metrics, lag_one.series_metrics)


def test_wrappers_need_refit_true():
    df = make_panel(LENGTHS)
    X, y = df.drop(columns="y"), df["y"]
    scale = ColumnTransformer(
        [("scale", StandardScaler(), ["past", "promo"])],
        remainder="passthrough",
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    pipe = make_pipeline(scale, SeasonalNaiveForecaster(horizon=3))
    ttr = TransformedTargetRegressor(
        regressor=SeasonalNaiveForecaster(horizon=3), func=np.log, inverse_func=np.exp
    )
    cv = TemporalSplit(n_splits=2, horizon=3)
    plain = backtest(SeasonalNaiveForecaster(horizon=3), X, y, cv=cv)
    for wrapper in (pipe, ttr):
        result = backtest(wrapper, X, y, cv=cv)
        # the panel stores float32, so the log/exp round trip is exact to float32 precision
        np.testing.assert_allclose(result.forecasts["yhat"], plain.forecasts["yhat"], rtol=1e-5)
        # the seasonal lag is read from the forecaster inside the wrapper
        np.testing.assert_allclose(result.metrics["mase"], plain.metrics["mase"], rtol=1e-4)
        for refit in (False, 2):
            with pytest.raises(ParameterError, match="has no update method"):
                backtest(clone(wrapper), X, y, cv=cv, refit=refit)


def test_progress_bar_only_when_verbose(data, capsys):
    X, y = data
    backtest(NaiveForecaster(horizon=2), X, y, cv=2)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""
    backtest(NaiveForecaster(horizon=2), X, y, cv=2, verbose=True)
    assert "backtest" in capsys.readouterr().err


def test_scoring_choice(data):
    X, y = data
    result = backtest(NaiveForecaster(horizon=2), X, y, cv=2, scoring="rmse")
    assert "rmse" in result.metrics and "smape" not in result.metrics
    assert result.series_metrics.columns.tolist() == ["fold", "unique_id", "cutoff", "rmse"]
    summary = result.summary()
    assert summary.index.tolist() == ["rmse", "n_folds", "fit_seconds", "predict_seconds"]
    assert summary["rmse"] == pytest.approx(result.metrics["rmse"].mean())
    fold0 = result.forecasts[result.forecasts.fold == 0]
    history = X.assign(y=y)[
        lambda d: d.ds <= d.unique_id.map(fold0.groupby("unique_id").cutoff.max())
    ]
    expected = panel_scores(fold0, None, history, season_length=1)["rmse"].mean()
    assert result.metrics["rmse"].iloc[0] == pytest.approx(expected)


def test_bad_arguments(data):
    X, y = data
    est = NaiveForecaster(horizon=2)
    for refit in (0, -1, "yes", 1.5):
        with pytest.raises(ParameterError, match="refit"):
            backtest(est, X, y, refit=refit)
    for scoring in ("r2", (), ["smape", "owa"]):
        with pytest.raises(ParameterError, match="scoring"):
            backtest(est, X, y, scoring=scoring)
    with pytest.raises(ParameterError, match="id_col"):
        backtest(est, X, y, cv=TemporalSplit(id_col="series"))
    with pytest.raises(ParameterError, match="cv must be"):
        backtest(est, X, y, cv="five")
    with pytest.raises(DataValidationError, match="No target"):
        backtest(est, X)


def test_cutoffs_moving_backward_cannot_be_updated(data):
    X, y = data
    forward = list(TemporalSplit(n_splits=2, horizon=2).split(X))

    class Backward:
        def split(self, X, y=None, groups=None):
            return iter(forward[::-1])

    with pytest.raises(DataValidationError, match="cutoffs must move forward"):
        backtest(NaiveForecaster(horizon=2), X, y, cv=Backward(), refit=False)
    assert len(backtest(NaiveForecaster(horizon=2), X, y, cv=Backward()).metrics) == 2


def test_non_finite_forecasts_warn(data):
    X, y = data

    class Broken(NaiveForecaster):
        def predict(self, X):
            out = super().predict(X)
            out[0] = np.nan
            return out

    with pytest.warns(RuntimeWarning, match="1 of 9 forecasts are NaN"):
        result = backtest(Broken(horizon=3), X, y, cv=TemporalSplit(n_splits=1, horizon=3))
    assert result.series_metrics["smape"].isna().sum() == 1
    assert np.isfinite(result.metrics["smape"]).all()


def test_owa_of_a_naive2_backtest_against_itself_is_one(data):
    naive2 = getattr(pytest.importorskip("tsrnn.baselines"), "Naive2Forecaster", None)
    if naive2 is None:
        pytest.skip("tsrnn.baselines has no Naive2Forecaster")
    X, y = data
    cv = TemporalSplit(n_splits=3, horizon=3, step=2)
    refit = backtest(naive2(horizon=3), X, y, cv=cv)
    updated = backtest(naive2(horizon=3), X, y, cv=cv, refit=False)
    pd.testing.assert_frame_equal(refit.forecasts, updated.forecasts)
    s = refit.summary()
    assert owa(s["smape"], s["mase"], s["smape"], s["mase"]) == pytest.approx(1.0)
    other = backtest(SeasonalNaiveForecaster(horizon=3), X, y, cv=cv).summary()
    expected = 0.5 * (other["smape"] / s["smape"] + other["mase"] / s["mase"])
    assert owa(other["smape"], other["mase"], s["smape"], s["mase"]) == pytest.approx(expected)
