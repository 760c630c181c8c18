"""The row contract of the statistical baselines: shapes, fallback, n_jobs, update, persistence."""

import sys

import numpy as np
import pandas as pd
import pytest
from conftest import make_panel
from sklearn.base import clone
from sklearn.utils import estimator_checks

from tsrnn import ParameterError
from tsrnn.baselines import (
    ARIMAForecaster,
    ETSForecaster,
    FallbackWarning,
    HoltForecaster,
    LocalForecaster,
    Naive2Forecaster,
    SESForecaster,
    ThetaForecaster,
)
from tsrnn.baselines.local import require_statsmodels
from tsrnn.persistence import load_forecaster, save_forecaster

# Small settings so each fit takes well under a second on three short series.
FAST = {
    Naive2Forecaster: {},
    SESForecaster: {},
    HoltForecaster: {"damped_trend": True},
    ThetaForecaster: {},
    ETSForecaster: {"trend": None},
    ARIMAForecaster: {"max_p": 1, "max_q": 0},
}
CLASSES = list(FAST)
ids = [c.__name__ for c in CLASSES]


def _make(cls, **params):
    return cls(**{"horizon": 4, **FAST[cls], **params})


def _nan_model(y, horizon, m):
    return np.full(horizon, np.nan), "broken"


class _Broken(LocalForecaster):
    """A model that forecasts NaN everywhere (fallback test)."""

    def __init__(
        self,
        *,
        horizon=3,
        season_length=None,
        n_jobs=None,
        freq=None,
        id_col="unique_id",
        time_col="ds",
        target_col="y",
    ):
        self.horizon = horizon
        self.season_length = season_length
        self.n_jobs = n_jobs
        self.freq = freq
        self.id_col = id_col
        self.time_col = time_col
        self.target_col = target_col

    def _series_model(self):
        return _nan_model


@pytest.mark.parametrize("cls", CLASSES, ids=ids)
def test_fit_predict_forecast_shapes_and_times(cls):
    df = make_panel((40, 30, 26))  # covariate columns are accepted and ignored
    est = _make(cls).fit(df)
    assert est.forecasts_.shape == (3, 4) and np.isfinite(est.forecasts_).all()
    assert len(est.models_) == 3 and est.n_fallback_ == 0
    out = est.forecast()
    assert out.columns.tolist() == ["unique_id", "ds", "yhat"] and len(out) == 12
    first = out.groupby("unique_id")["ds"].min()
    last = df.groupby("unique_id")["ds"].max()
    assert (first == last + pd.DateOffset(months=1)).all()
    rows = est.future_frame().sample(frac=1.0, random_state=0)
    np.testing.assert_allclose(est.predict(rows), est.forecasts_.ravel()[rows.index])
    assert est.forecast(horizon=2).shape == (6, 3)
    plain = _make(cls).fit(df[["unique_id", "ds", "y"]])
    np.testing.assert_array_equal(plain.forecasts_, est.forecasts_)


@pytest.mark.parametrize("cls", CLASSES, ids=ids)
@pytest.mark.parametrize(
    "check",
    [
        "check_no_attributes_set_in_init",
        "check_parameters_default_constructible",
        "check_get_params_invariance",
        "check_set_params",
        "check_estimator_repr",
        "check_estimator_cloneable",
        "check_do_not_raise_errors_in_init_or_set_params",
    ],
)
def test_sklearn_estimator_checks(cls, check):
    getattr(estimator_checks, check)(cls.__name__, cls())


@pytest.mark.parametrize("cls", CLASSES, ids=ids)
def test_clone_keeps_parameters(cls):
    est = _make(cls, season_length=4, n_jobs=2, freq="D", id_col="series")
    twin = clone(est)
    assert twin is not est and twin.get_params() == est.get_params()
    assert twin.get_params()["season_length"] == 4


@pytest.mark.parametrize(
    ("est", "name"),
    [
        (ThetaForecaster(n_jobs=0), "n_jobs"),
        (ThetaForecaster(theta=0.5), "theta"),
        (SESForecaster(season_length=0), "season_length"),
        (ETSForecaster(error="multiplicative"), "error"),
        (ETSForecaster(damped_trend="yes"), "damped_trend"),
        (ARIMAForecaster(max_d=3), "max_d"),
    ],
)
def test_invalid_parameters_are_refused_in_fit(est, name):
    with pytest.raises(ParameterError, match=f"'{name}' parameter"):
        est.fit(make_panel((30,), covariates=False))


def test_failures_fall_back_to_naive_with_a_warning(monkeypatch):
    import statsmodels.tsa.holtwinters as hw

    def broken(*args, **kwargs):
        raise np.linalg.LinAlgError("singular matrix")

    monkeypatch.setattr(hw, "ExponentialSmoothing", broken)
    df = make_panel((30, 20), covariates=False)
    with pytest.warns(FallbackWarning, match=r"failed on 2 of 2 series.*LinAlgError"):
        est = SESForecaster(horizon=3).fit(df)
    assert est.n_fallback_ == 2 and est.fallback_.all()
    assert est.models_ == ["naive (fallback)"] * 2
    last = df.groupby("unique_id")["y"].last().to_numpy()
    np.testing.assert_allclose(est.forecasts_, np.repeat(last[:, None], 3, axis=1), rtol=1e-6)


def test_non_finite_forecasts_and_too_short_series_fall_back():
    df = make_panel((30,), covariates=False)
    with pytest.warns(FallbackWarning, match="not 3 finite values") as record:
        broken = _Broken().fit(df)
    assert broken.n_fallback_ == 1 and record[0].filename == __file__
    with pytest.warns(FallbackWarning, match="1 of 1 series") as record:
        broken.update(broken.future_frame(1).assign(y=1.0))
    assert record[0].filename == __file__  # stacklevel points at the caller
    short = make_panel((40, 3), covariates=False)  # no ETS model has so few parameters
    with pytest.warns(FallbackWarning, match=r"1 of 2 series.*'s1'"):
        est = ETSForecaster(horizon=2).fit(short)
    assert est.fallback_.tolist() == [False, True] and est.n_fallback_ == 1
    np.testing.assert_allclose(est.forecasts_[1], short["y"].iloc[-1], rtol=1e-6)


def test_constant_series_forecast_the_constant():
    df = make_panel((30, 30), covariates=False)
    df.loc[df["unique_id"] == "s1", "y"] = 5.0
    est = ThetaForecaster(horizon=3).fit(df)
    assert est.forecasts_[1].tolist() == [5.0] * 3 and est.models_[1] == "constant"


def test_parallel_fit_equals_serial_fit():
    df = make_panel((40, 36, 30, 26), covariates=False)
    serial = ThetaForecaster(horizon=3, n_jobs=1).fit(df)
    parallel = ThetaForecaster(horizon=3, n_jobs=2).fit(df)
    np.testing.assert_array_equal(parallel.forecasts_, serial.forecasts_)
    assert parallel.models_ == serial.models_


def test_update_refits_touched_series_and_moves_the_origin():
    df = make_panel((40, 30), covariates=False)
    cut = df.groupby("unique_id").cumcount(ascending=False) < 5
    history, new = df[~cut | (df["unique_id"] == "s1")], df[cut & (df["unique_id"] == "s0")]
    est = ThetaForecaster(horizon=3).fit(history)
    before = est.forecasts_.copy()
    est.update(new)
    full = ThetaForecaster(horizon=3).fit(df)
    np.testing.assert_allclose(est.forecasts_, full.forecasts_, rtol=1e-12)
    assert not np.allclose(est.forecasts_[0], before[0])
    np.testing.assert_array_equal(est.forecasts_[1], before[1])  # untouched: not refitted
    assert est.forecast()["ds"].iloc[0] == df["ds"].max() + pd.DateOffset(months=1)
    newcomer = make_panel((40, 30, 24), covariates=False)
    est.update(newcomer[newcomer["unique_id"] == "s2"])
    assert est.forecasts_.shape == (3, 3) and len(est.models_) == 3
    np.testing.assert_allclose(
        est.forecasts_[2], ThetaForecaster(horizon=3).fit(newcomer).forecasts_[2], rtol=1e-12
    )


@pytest.mark.parametrize("cls", [Naive2Forecaster, ThetaForecaster], ids=lambda c: c.__name__)
def test_safe_persistence_round_trip(cls, tmp_path):
    df = make_panel((40, 30), covariates=False)
    est = _make(cls).fit(df)
    twin = load_forecaster(save_forecaster(est, tmp_path / "m"))
    assert type(twin) is cls and twin.get_params() == est.get_params()
    pd.testing.assert_frame_equal(twin.forecast(), est.forecast())
    assert twin.models_ == est.models_ and twin.n_fallback_ == est.n_fallback_
    extra = est.future_frame(2).assign(y=20.0)
    np.testing.assert_allclose(twin.update(extra).forecasts_, est.update(extra).forecasts_)


def test_missing_statsmodels_gives_an_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "statsmodels", None)
    with pytest.raises(ImportError, match="pip install 'statsmodels"):
        require_statsmodels()


def _blas_threads_model(y, horizon, m):
    """Forecasts the number of BLAS threads that the fit of a series may use."""
    from threadpoolctl import threadpool_info

    threads = max(info["num_threads"] for info in threadpool_info())
    return np.full(horizon, float(threads)), "threads"


class _ThreadCounter(_Broken):
    def _series_model(self):
        return _blas_threads_model


def test_each_series_is_fitted_with_one_blas_thread():
    """Tiny per-series matrices: spinning BLAS threads only slow statsmodels down."""
    from threadpoolctl import threadpool_info, threadpool_limits

    from tsrnn.baselines.local import fit_series_single_thread

    with threadpool_limits(limits=2):  # as on a 2-core machine
        est = _ThreadCounter(n_jobs=1).fit(make_panel((20, 20, 20)))
        # what every parallel worker (joblib, Dask, Ray) runs per series:
        forecast, *_ = fit_series_single_thread(_blas_threads_model, np.arange(9.0), 2, 1)
        after = max(info["num_threads"] for info in threadpool_info())
    assert (est.forecasts_ == 1.0).all() and (forecast == 1.0).all()
    assert after == 2  # the caller's setting is restored
