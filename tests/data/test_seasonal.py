"""The numpy classical decomposition equals statsmodels' seasonal_decompose."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from statsmodels.tsa.seasonal import seasonal_decompose

from tsrnn.data.seasonal import deseasonalize, seasonal_indices


@given(
    m=st.integers(2, 13),
    extra=st.integers(0, 40),
    seed=st.integers(0, 2**16),
)
def test_seasonal_indices_equal_statsmodels(m, extra, seed):
    n = 2 * m + extra
    y = np.random.default_rng(seed).uniform(1, 5, n)
    ours = seasonal_indices(y, m)[np.arange(n) % m]
    theirs = seasonal_decompose(y, model="multiplicative", period=m).seasonal
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_deseasonalize_continues_the_cycle():
    y = np.tile([1.0, 2.0, 3.0], 6) * 10
    adjusted, future = deseasonalize(y, 3, 4)
    np.testing.assert_allclose(adjusted, 20.0)
    np.testing.assert_allclose(future * 20, [10.0, 20.0, 30.0, 10.0])
