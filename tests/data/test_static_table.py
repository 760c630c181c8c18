"""Static covariate tables and their encoder."""

import json

import numpy as np
import pandas as pd
import pytest

from tsrnn.data.static import StaticEncoder, series_table
from tsrnn.exceptions import DataValidationError


def frame():
    return pd.DataFrame({
        "unique_id": ["b", "b", "a", "c"],
        "kind": pd.Categorical(["x", "x", "y", "x"]),
        "n": [3, 3, 1, 2],
    })  # fmt: skip


def test_one_row_per_series_in_order_of_appearance():
    table = series_table(frame(), ["kind", "n"], id_col="unique_id")
    assert table.index.tolist() == ["b", "a", "c"] and table["n"].tolist() == [3, 1, 2]


def test_a_varying_value_is_refused_with_the_series_and_both_values():
    df = frame().assign(n=[3, 4, 1, 2])
    match = r"'n' varies within series 'b': 3 and 4 \(row 1\)"
    with pytest.raises(DataValidationError, match=match):
        series_table(df, ["n"], id_col="unique_id")


def test_encoding_standardises_numbers_and_codes_levels_with_0_for_unseen():
    table = series_table(frame(), ["kind", "n"], id_col="unique_id")
    encoder = StaticEncoder.fit(table)
    assert encoder.numeric == ["n"] and encoder.levels == [["x", "y"]]
    assert encoder.cardinalities == [3] and encoder.dims == [2] and encoder.expanded_width == 3
    codes = encoder.encode(table)
    expected = (np.array([3, 1, 2]) - 2) / np.std([3, 1, 2])
    np.testing.assert_allclose(codes[:, 0], expected, rtol=1e-6)
    assert codes[:, 1].tolist() == [1.0, 2.0, 1.0]
    unseen = pd.DataFrame({"kind": ["z"], "n": [2]})
    assert encoder.encode(unseen).tolist() == [[0.0, 0.0]]
    again = StaticEncoder.from_config(json.loads(json.dumps(encoder.to_config())))
    assert again == encoder
