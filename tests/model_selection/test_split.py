"""TemporalSplit and temporal_train_test_split on small panels."""

import numpy as np
import pandas as pd
import pytest
from conftest import make_panel

from tsrnn.exceptions import DataValidationError, ParameterError
from tsrnn.model_selection import TemporalSplit, temporal_train_test_split


def _per_series(X, rows):
    return X.iloc[rows].groupby("unique_id")["ds"].agg(["size", "min", "max"])


@pytest.mark.parametrize("max_train_size", [None, 5])
def test_expanding_and_sliding_training_sizes_with_a_stride(max_train_size):
    X = make_panel((20, 15), covariates=False)
    lengths = X.groupby("unique_id").size()
    cv = TemporalSplit(n_splits=3, horizon=2, step=3, max_train_size=max_train_size)
    previous_first_test = None
    for k, (train, test) in enumerate(cv.split(X)):
        tr, te = _per_series(X, train), _per_series(X, test)
        cut = lengths - 2 - (2 - k) * 3  # training rows before the cutoff, per series
        expected = cut if max_train_size is None else np.minimum(cut, max_train_size)
        assert tr["size"].tolist() == expected.tolist()
        assert (te["size"] == 2).all()
        assert (tr["max"] < te["min"]).all()
        assert ((te["min"] - tr["max"]).dt.days < 32).all()  # test starts right after train
        if previous_first_test is not None:
            months = (te["min"].dt.year - previous_first_test.dt.year) * 12 + (
                te["min"].dt.month - previous_first_test.dt.month
            )
            assert (months == 3).all()  # the stride
        previous_first_test = te["min"]


def test_rows_in_any_order():
    X = make_panel((10, 8), covariates=False)
    shuffled = X.sample(frac=1, random_state=1).reset_index(drop=True)
    cv = TemporalSplit(n_splits=2, horizon=2)
    for (a_tr, a_te), (b_tr, b_te) in zip(cv.split(X), cv.split(shuffled), strict=True):
        key = ["unique_id", "ds"]
        a = X.iloc[a_te][key].sort_values(key).reset_index(drop=True)
        b = shuffled.iloc[b_te][key].sort_values(key).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b)
        assert len(a_tr) == len(b_tr)


def test_too_short_series_and_bad_parameters():
    X = make_panel((10, 4), covariates=False)
    with pytest.raises(DataValidationError, match="shortest series has 4 rows"):
        list(TemporalSplit(n_splits=2, horizon=2).split(X))
    for kwargs in ({"n_splits": 0}, {"horizon": 1.5}, {"step": 0}, {"max_train_size": True}):
        with pytest.raises(ParameterError):
            TemporalSplit(**kwargs)
    with pytest.raises(DataValidationError, match="long DataFrame"):
        list(TemporalSplit().split(X.drop(columns="ds")))


def test_get_n_splits_and_repr():
    cv = TemporalSplit(n_splits=4, horizon=2, step=1, max_train_size=10)
    assert cv.get_n_splits() == 4
    assert repr(cv) == "TemporalSplit(n_splits=4, horizon=2, step=1, max_train_size=10)"


def test_temporal_train_test_split_with_y():
    X = make_panel((6, 5), covariates=False)
    X_train, X_test, y_train, y_test = temporal_train_test_split(
        X.drop(columns="y"), X["y"], test_size=2
    )
    assert len(X_test) == 4 and len(X_train) == 7
    assert y_test.index.equals(X_test.index) and y_train.index.equals(X_train.index)
    last = X.groupby("unique_id")["ds"].max()
    assert (X_test.groupby("unique_id")["ds"].max() == last).all()
