"""TemporalSplit and temporal_train_test_split on small panels."""

import warnings

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from conftest import make_panel
from hypothesis import given, settings

from tsrnn.exceptions import DataValidationError, DataWarning, ParameterError
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


def test_a_series_without_history_sits_out_the_fold():
    X = make_panel((10, 4), covariates=False)  # s1: 4 rows, cutoffs at 0 and 2
    with pytest.warns(DataWarning, match=r"1 series have fewer than 5 rows.*'s1'"):
        folds = list(TemporalSplit(n_splits=2, horizon=2).split(X))
    (train0, test0), (train1, test1) = folds
    assert set(X.iloc[np.r_[train0, test0]]["unique_id"]) == {"s0"}
    assert _per_series(X, train1)["size"].to_dict() == {"s0": 8, "s1": 2}
    assert _per_series(X, test1)["size"].to_dict() == {"s0": 2, "s1": 2}


def test_ragged_ends_cut_every_series_from_its_own_end():
    X = make_panel((12, 9), covariates=False)
    X = X[~((X["unique_id"] == "s1") & (X["ds"] < "2001-03-01"))]  # s1: 2001-03 .. 2001-09
    X = X[~((X["unique_id"] == "s0") & (X["ds"] > "2001-10-01"))]  # s0: 2001-01 .. 2001-10
    last_months = [{"s0": 7, "s1": 6}, {"s0": 10, "s1": 9}]
    folds = TemporalSplit(n_splits=2, horizon=3).split(X)
    for (_, test), expected in zip(folds, last_months, strict=True):
        te = _per_series(X, test)
        assert (te["size"] == 3).all()
        assert te["max"].dt.month.to_dict() == expected


@settings(max_examples=40)
@given(
    lengths=st.lists(st.integers(1, 30), min_size=1, max_size=6),
    n_splits=st.integers(1, 4),
    horizon=st.integers(1, 5),
    step=st.integers(1, 4),
)
def test_folds_on_any_ragged_panel(lengths, n_splits, horizon, step):
    X = make_panel(tuple(lengths), covariates=False)
    need = horizon + (n_splits - 1) * step + 1
    cv = TemporalSplit(n_splits=n_splits, horizon=horizon, step=step)
    if max(lengths) < need:
        with pytest.raises(DataValidationError, match="No series is in every fold"):
            list(cv.split(X))
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        folds = list(cv.split(X))
    sizes = X.groupby("unique_id").size()
    for k, (train, test) in enumerate(folds):
        assert not set(train) & set(test)
        cutoff = sizes - horizon - (n_splits - 1 - k) * step
        tr, te = _per_series(X, train), _per_series(X, test)
        inside = cutoff[cutoff >= 1]
        assert sorted(tr.index) == sorted(te.index) == sorted(inside.index)  # in both or neither
        assert (tr["size"] == inside).all() and (te["size"] == horizon).all()
        assert (tr["max"] < te["min"]).all()


def test_bad_parameters():
    X = make_panel((10, 4), covariates=False)
    with pytest.raises(DataValidationError, match="longest has 10 rows.*need at least 11"):
        list(TemporalSplit(n_splits=3, horizon=4, step=3).split(X))
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
