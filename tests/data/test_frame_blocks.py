"""Columns read from a frame's blocks and frames built over arrays match pandas' public API."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tsrnn.data.frame_blocks import column_arrays, column_names, copy_frame

KINDS = {
    "float": lambda n: np.linspace(0.0, 1.0, n),
    "int": lambda n: np.arange(n, dtype=np.int64),
    "str": lambda n: pd.array([f"s{i}" for i in range(n)], dtype="str"),
    "object": lambda n: np.array([f"s{i}" for i in range(n)], dtype=object),
    "datetime": lambda n: pd.date_range("2000-01-01", periods=n, freq="D").to_numpy(),
    "tz": lambda n: pd.date_range("2000-01-01", periods=n, freq="h", tz="UTC").array,
    "Int64": lambda n: pd.array(range(n), dtype="Int64"),
}


@settings(max_examples=40, deadline=None)
@given(kinds=st.lists(st.sampled_from(sorted(KINDS)), min_size=1, max_size=6),
       n=st.integers(1, 5), consolidate=st.booleans())  # fmt: skip
def test_column_arrays_are_the_columns_in_any_block_layout(kinds, n, consolidate):
    frame = pd.DataFrame({f"c{i}": KINDS[k](n) for i, k in enumerate(kinds)})
    if consolidate:
        frame = frame.copy()  # one block per dtype, columns interleaved across blocks
    order = list(range(len(kinds)))[::-1]
    for position, array in zip(order, column_arrays(frame, order), strict=True):
        column = frame.iloc[:, position]
        assert array.dtype == column.dtype
        pd.testing.assert_series_equal(pd.Series(array, name=column.name), column)


@pytest.mark.parametrize("kinds", [["str", "datetime", "float"], ["int", "tz", "Int64", "object"]])
def test_copy_frame_is_a_deep_copy_like_pandas(kinds):
    frame = pd.DataFrame({f"c{i}": KINDS[k](4) for i, k in enumerate(kinds)})
    before = frame.copy()
    got = copy_frame(frame)
    pd.testing.assert_frame_equal(got, before)
    got.iloc[0, 0] = got.iloc[1, 0]  # writes, new columns and names stay the copy's own
    got.iloc[0, -1] = got.iloc[1, -1]
    got["extra"] = 1
    got.index.name, got.columns.name = "row", "column"
    pd.testing.assert_frame_equal(frame, before)
    assert got.groupby("c0").size().sum() == 4


@pytest.mark.parametrize("dtype", ["str", object, "int64"])
def test_column_names_are_the_columns_as_a_list(dtype):
    names = [0, 1] if dtype == "int64" else ["id", "ds"]
    frame = pd.DataFrame([[1, 2]], columns=pd.Index(names, dtype=dtype))
    got = column_names(frame)
    assert got == frame.columns.tolist() and type(got[0]) is type(frame.columns.tolist()[0])
