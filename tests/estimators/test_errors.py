"""Every bad input gets a clear error naming the series or row and the fix."""

import numpy as np
import pandas as pd
import pytest
from conftest import TINY, make_panel
from sklearn.exceptions import NotFittedError

from tsrnn import DataValidationError, GRUForecaster, LSTMForecaster, ParameterError


@pytest.fixture(scope="module")
def fitted():
    df = make_panel(covariates=True)
    return LSTMForecaster(horizon=3, context_length=6, future_covariates=["promo"], **TINY).fit(df)


def fit(df, **params):
    return GRUForecaster(**{"horizon": 3, "context_length": 6, **TINY, **params}).fit(df)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf_target(bad):
    df = make_panel()
    df.loc[45, "y"] = bad
    with pytest.raises(
        DataValidationError, match=r"target given to fit \(column 'y'.*row 45: series 's1'"
    ):
        fit(df)


def test_nan_covariate():
    df = make_panel()
    df.loc[3, "past"] = np.nan
    with pytest.raises(DataValidationError, match="covariate column 'past'.*row 3"):
        fit(df)


def test_no_series_long_enough_for_one_window():
    df = make_panel(lengths=(1, 1))
    with pytest.raises(
        DataValidationError, match=r"No series .* 's0' \(1 rows\).*needs at least 2 rows"
    ):
        fit(df, freq="MS")


def test_duplicate_timestamps():
    df = make_panel()
    df = pd.concat([df, df.iloc[[5]]], ignore_index=True)
    with pytest.raises(
        DataValidationError, match="Series 's0' has duplicate timestamps.*sort_values"
    ):
        fit(df)


def test_unsorted_timestamps():
    df = make_panel()
    df.iloc[[3, 4]] = df.iloc[[4, 3]].to_numpy()
    with pytest.raises(DataValidationError, match="Series 's0' has unsorted timestamps: row 4"):
        fit(df)


def test_interleaved_series_are_fine():
    df = make_panel(covariates=False).sort_values(["ds", "unique_id"])
    assert fit(df).forecast().shape == (9, 3)


def test_irregular_timestamps():
    df = make_panel(covariates=False)
    df = df.drop(index=[7])  # a gap in s0
    with pytest.raises(
        DataValidationError, match="Series 's0' has irregular timestamps.*observation 7"
    ):
        fit(df)


def test_explicit_freq_that_does_not_match():
    with pytest.raises(DataValidationError, match="irregular timestamps"):
        fit(make_panel(covariates=False), freq="W")


def test_non_numeric_column():
    df = make_panel()
    df["past"] = df["past"].astype(str)
    with pytest.raises(DataValidationError, match="Column 'past' has dtype .*numeric"):
        fit(df)


def test_string_time_column():
    df = make_panel(covariates=False)
    df["ds"] = df["ds"].astype(str)
    with pytest.raises(DataValidationError, match=r"pd.to_datetime"):
        fit(df)


def test_y_of_the_wrong_length():
    df = make_panel(covariates=False)
    with pytest.raises(DataValidationError, match="one value per row"):
        GRUForecaster().fit(df.drop(columns="y"), np.ones(5))


def test_empty_frame():
    with pytest.raises(DataValidationError, match="no rows"):
        fit(make_panel().iloc[:0])


def test_numpy_input_is_rejected_with_a_hint():
    with pytest.raises(TypeError, match="Numpy arrays carry no series ids"):
        GRUForecaster().fit(np.ones((10, 2)), np.ones(10))


def test_bad_parameter():
    with pytest.raises(
        ParameterError, match="'context_length' parameter of GRUForecaster must be an int in"
    ):
        fit(make_panel(), context_length=0)
    from tsrnn import RNNForecaster

    with pytest.raises(ParameterError, match="'cell'"):
        RNNForecaster(cell="transformer").fit(make_panel())


def test_unknown_future_covariate_name():
    with pytest.raises(
        DataValidationError, match=r"future_covariates names column\(s\) \['temp'\]"
    ):
        fit(make_panel(), future_covariates=["temp"])


def test_predict_before_fit():
    with pytest.raises(NotFittedError):
        LSTMForecaster().predict(make_panel())


def test_missing_future_covariates_at_predict(fitted):
    rows = fitted.future_frame()
    with pytest.raises(
        DataValidationError, match=r"lacks the known-future covariate column\(s\) \['promo'\]"
    ):
        fitted.predict(rows)
    with pytest.raises(DataValidationError, match="pass forecast\\(X=...\\)"):
        fitted.forecast()
    with pytest.raises(DataValidationError, match="no known-future covariates for series 's0'"):
        fitted.forecast(X=rows.assign(promo=1.0).iloc[1:])


def test_unknown_series_at_predict(fitted):
    rows = fitted.future_frame().assign(promo=0.0)
    rows.loc[0, "unique_id"] = "nope"
    with pytest.raises(DataValidationError, match=r"series \['nope'\].*not seen in fit.*update"):
        fitted.predict(rows)


def test_rows_past_the_horizon(fitted):
    rows = fitted.future_frame().assign(promo=0.0)
    rows.loc[2, "ds"] += pd.offsets.MonthBegin(1)
    with pytest.raises(
        DataValidationError, match=r"Row 2 \(series 's0'.*past the forecast horizon.*horizon=3"
    ):
        fitted.predict(rows)


def test_rows_inside_the_history(fitted):
    rows = fitted.future_frame().assign(promo=0.0)
    rows.loc[0, "ds"] -= pd.offsets.MonthBegin(1)
    with pytest.raises(DataValidationError, match="not after the end of its history"):
        fitted.predict(rows)


def test_rows_off_the_frequency_grid(fitted):
    rows = fitted.future_frame().assign(promo=0.0)
    rows.loc[1, "ds"] += pd.Timedelta(days=3)
    with pytest.raises(DataValidationError, match="not on the series' frequency"):
        fitted.predict(rows)


def test_forecast_beyond_the_fitted_horizon(fitted):
    with pytest.raises(DataValidationError, match=r"must be an int in \[1, 3\]"):
        fitted.forecast(horizon=5, X=fitted.future_frame().assign(promo=0.0))


def test_update_with_a_gap_or_wrong_columns(fitted):
    import copy

    est = copy.deepcopy(fitted)
    new = est.future_frame(2).assign(y=1.0, past=0.0, promo=0.0)
    with pytest.raises(DataValidationError, match="must continue its history without gaps"):
        est.update(new.groupby("unique_id").tail(1))
    with pytest.raises(DataValidationError, match=r"missing \['past'\]"):
        est.update(new.drop(columns="past"))
