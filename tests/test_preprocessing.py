"""Log and Box-Cox target transformers with a learned offset."""

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import make_panel
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.linear_model import LinearRegression

from tsrnn import LSTMForecaster, SeasonalNaiveForecaster
from tsrnn.exceptions import DataValidationError, ParameterError
from tsrnn.preprocessing import BoxCoxTransformer, LogTransformer

finite = st.floats(-1e3, 1e3, allow_nan=False)
positive = st.floats(1e-6, 1e6)


def zeros_panel() -> pd.DataFrame:
    """Three monthly series of counts, two of them with zeros (one ends on a zero)."""
    df = make_panel(lengths=(30, 24, 20), covariates=False)
    df["y"] = np.round(df["y"] - 10 * (df.index % 4 == 0) * (df["unique_id"] != "s2"))
    df.loc[df.unique_id == "s0", "y"] -= 10  # s0 holds values around 0, zeros included
    df.loc[df.index[df.unique_id == "s1"][-1], "y"] = 0.0
    return df


@given(arrays(np.float64, st.integers(1, 40), elements=positive))
def test_positive_data_get_np_log_exactly(y):
    log = LogTransformer().fit(y)
    assert log.offset_ == 0.0
    np.testing.assert_array_equal(log.transform(y), np.log(y))
    np.testing.assert_array_equal(log.inverse_transform(np.log(y)), np.exp(np.log(y)))


@given(arrays(np.float64, st.integers(1, 40), elements=finite), st.booleans())
def test_log_round_trips_with_zeros_negatives_and_nan(y, two_d):
    y = np.append(y, np.nan)
    data = y.reshape(-1, 1) if two_d else y
    log = LogTransformer().fit(data)
    z = log.transform(data)
    assert z.shape == data.shape and np.isfinite(z[:-1]).all() and np.isnan(z[-1])
    assert np.nanmin(z) >= 0 or np.nanmin(y) > 0  # a shift maps the smallest value to log 1
    back = log.inverse_transform(z)
    np.testing.assert_allclose(back, data, rtol=1e-9, atol=1e-9 * (1 + log.offset_))


@given(arrays(np.float64, st.integers(3, 40), elements=finite))
def test_boxcox_round_trips_and_learns_scipys_lambda(y):
    assume(np.ptp(y) > 1e-3)  # a (nearly) constant series has no lambda to learn
    bc = BoxCoxTransformer().fit(y)
    shifted = y + bc.offset_
    expected, lam = stats.boxcox(shifted)
    assert bc.lambda_ == lam
    np.testing.assert_array_equal(bc.transform(y), expected)
    # past this, the largest values transform to within rounding of -1 / lambda_ (documented)
    assume(lam * np.log(shifted.max()) > -20)
    scale = 1 + np.abs(shifted).max()
    np.testing.assert_allclose(bc.inverse_transform(expected), y, rtol=1e-6, atol=1e-6 * scale)


def test_offsets_auto_and_given():
    assert LogTransformer().fit([0.0, 4.0]).offset_ == 1.0  # log1p for non-negative data
    assert LogTransformer().fit([-2.0, 4.0]).offset_ == 3.0
    log = LogTransformer(offset=0.5).fit([0.0, 4.0])
    np.testing.assert_array_equal(log.transform([0.0, 4.0]), np.log([0.5, 4.5]))
    bc = BoxCoxTransformer(lmbda=0.0, offset=2.0).fit([0.0, 1.0])
    assert (bc.offset_, bc.lambda_) == (2.0, 0.0)
    np.testing.assert_allclose(bc.transform([0.0, 1.0]), np.log([2.0, 3.0]))


def test_values_the_offset_cannot_take_are_refused_with_the_fix():
    log = LogTransformer().fit(np.array([0.0, 5.0]))
    with pytest.raises(
        DataValidationError,
        match=r"transform got 2 value\(s\) with y \+ offset_ <= 0 \(offset_ = 1; the smallest "
        r"value is -4\).*offset=5",
    ):
        log.transform(np.array([-1.0, 3.0, -4.0, np.nan]))
    with pytest.raises(DataValidationError, match=r"fit got 1 value\(s\).*offset='auto'"):
        BoxCoxTransformer(offset=1.0).fit(np.array([-1.0, 2.0]))


@pytest.mark.parametrize(
    ("transformer", "match"),
    [
        (LogTransformer(offset="log1p"), "'offset' parameter of LogTransformer must be one of"),
        (LogTransformer(offset=np.inf), "'offset' parameter of LogTransformer must be finite"),
        (BoxCoxTransformer(lmbda=True), "'lmbda' parameter of BoxCoxTransformer must be None"),
        (BoxCoxTransformer(lmbda=np.nan), "'lmbda' parameter of BoxCoxTransformer must be fin"),
    ],
)
def test_bad_parameters_are_refused_in_fit(transformer, match):
    with pytest.raises(ParameterError, match=match):
        transformer.fit(np.array([1.0, 2.0]))


def test_bad_data_are_refused_clearly():
    with pytest.raises(DataValidationError, match="one target column; got an array of shape"):
        LogTransformer().fit(np.ones((4, 2)))
    with pytest.raises(DataValidationError, match="all 2 are NaN"):
        LogTransformer().fit([np.nan, np.nan])
    with pytest.raises(DataValidationError, match="1 infinite value.*row 1"):
        LogTransformer().fit([1.0, -np.inf])
    with pytest.raises(DataValidationError, match="constant target.*pass lmbda="):
        BoxCoxTransformer().fit([3.0, 3.0, np.nan])


def test_boxcox_inverse_clips_to_the_domain_instead_of_nan():
    bc = BoxCoxTransformer(lmbda=0.5).fit(np.array([0.0, 3.0]))  # offset 1, domain z > -2
    back = bc.inverse_transform(np.array([-3.0, -2.0, 0.0, np.nan]))
    np.testing.assert_array_equal(back, [-1.0, -1.0, 0.0, np.nan])
    negative = BoxCoxTransformer(lmbda=-0.5).fit(np.array([1.0, 3.0]))  # domain z < 2
    assert negative.inverse_transform(np.array([5.0])).tolist() == [np.inf]
    assert np.isfinite(negative.inverse_transform(np.array([1.9])))


def test_an_extreme_lambda_loses_the_round_trip_and_check_inverse_says_so():
    y = np.r_[1.0, np.zeros(39)]  # one spike: the likelihood wants lambda near -58
    X = np.arange(40.0).reshape(-1, 1)
    model = TransformedTargetRegressor(
        regressor=LinearRegression(), transformer=BoxCoxTransformer()
    )
    with pytest.warns(UserWarning, match="not strictly inverse"):
        model.fit(X, y)
    assert model.transformer_.lambda_ < -50
    fixed = TransformedTargetRegressor(
        regressor=LinearRegression(), transformer=BoxCoxTransformer(lmbda=0.0)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fixed.fit(X, y)


def test_clone_keeps_parameters_and_drops_fitted_state():
    bc = BoxCoxTransformer(lmbda=0.3, offset=2.0).fit([0.0, 1.0])
    copy = clone(bc)
    assert copy.get_params() == {"lmbda": 0.3, "offset": 2.0}
    assert not hasattr(copy, "lambda_") and not hasattr(copy, "offset_")


def test_feature_names_follow_the_input():
    frame = pd.DataFrame({"sales": [0.0, 1.0]})
    assert LogTransformer().fit(frame).get_feature_names_out().tolist() == ["sales"]
    assert BoxCoxTransformer().fit([0.0, 1.0, 3.0]).get_feature_names_out().tolist() == ["x0"]


@pytest.mark.parametrize("transformer", [LogTransformer(), BoxCoxTransformer()])
def test_forecasters_fit_a_panel_with_zeros_through_transformed_target_regressor(transformer):
    df = zeros_panel()
    X, y = df.drop(columns="y"), df["y"].to_numpy()
    assert (y == 0).sum() >= 3 and y.min() < 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # check_inverse=True passes without a warning
        est = TransformedTargetRegressor(
            regressor=SeasonalNaiveForecaster(horizon=3), transformer=transformer
        ).fit(X, y)
    rows = est.regressor_.future_frame()
    pred = est.predict(rows)
    assert pred.shape == (9,) and np.isfinite(pred).all()
    last = df.groupby("unique_id").nth(list(range(-12, -9)))["y"].to_numpy()
    np.testing.assert_allclose(pred, last, atol=1e-4)  # seasonal naive, original units (float32)


def test_a_tiny_lstm_fits_log_targets_with_zeros():
    df = zeros_panel()
    X, y = df.drop(columns="y"), df["y"].to_numpy()
    lstm = LSTMForecaster(horizon=3, context_length=6, hidden_size=4, max_epochs=1)
    est = TransformedTargetRegressor(
        regressor=lstm.set_params(random_state=0), transformer=LogTransformer()
    ).fit(X, y)
    assert est.transformer_.offset_ == 1.0 - y.min()
    assert np.isfinite(est.predict(est.regressor_.future_frame())).all()
    log = TransformedTargetRegressor(
        regressor=clone(lstm), func=np.log, inverse_func=np.exp, check_inverse=False
    )
    error = pytest.raises(DataValidationError, match=r"target given to fit .* -inf values.*log1p")
    with error, np.errstate(divide="ignore", invalid="ignore"):
        log.fit(X, y)
