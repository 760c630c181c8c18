import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tsrnn.data.windowing import temporal_split, window_counts, window_ends

lengths_st = st.lists(st.integers(0, 60), min_size=1, max_size=8).map(np.array)
sizes = st.tuples(st.integers(1, 20), st.integers(1, 8), st.integers(1, 5))


@given(lengths_st, sizes)
def test_window_count_formula(lengths, size):
    context, horizon, stride = size
    counts = window_counts(lengths, context, horizon, stride)
    for length, count in zip(lengths, counts, strict=True):
        if length >= context + horizon:
            assert count == (length - context - horizon) // stride + 1
        elif length > horizon:  # short series still train, on shorter contexts
            assert count == (length - horizon - 1) // stride + 1
        elif length >= 2:  # shorter than one horizon: targets past the end are masked
            assert count == (length - 2) // stride + 1
        else:
            assert count == 0


@given(lengths_st, sizes)
def test_windows_stay_inside_their_series(lengths, size):
    context, horizon, stride = size
    series, ends = window_ends(lengths, context, horizon, stride)
    assert len(series) == window_counts(lengths, context, horizon, stride).sum()
    assert (ends >= 0).all()
    long = lengths[series] > horizon
    assert (ends[long] + horizon <= lengths[series][long] - 1).all()  # targets inside the series
    assert (ends[~long] + 1 <= lengths[series][~long] - 1).all()  # at least one target inside
    full = lengths[series] >= context + horizon
    assert (ends[full] - context + 1 >= 0).all()  # full contexts never reach before the start
    # the latest window of every series with windows uses its last observation as a target
    for s in np.unique(series):
        last = lengths[s] - horizon - 1 if lengths[s] > horizon else lengths[s] - 2
        assert ends[series == s].max() == last
        assert (np.diff(ends[series == s]) == stride).all()


@given(lengths_st, sizes, st.integers(0, 20))
def test_training_windows_end_before_validation_windows(lengths, size, validation_size):
    context, horizon, stride = size
    (ts, te), (vs, ve) = temporal_split(lengths, context, horizon, validation_size, stride)
    train_len = lengths[ts] - validation_size
    long = train_len > horizon  # shorter ones have targets past train_len, masked in batches
    assert (te[long] + horizon <= train_len[long] - 1).all() and (te + 1 <= train_len - 1).all()
    last_target = np.minimum(te + horizon, train_len - 1)  # the last one that is observed
    for s in np.unique(vs):
        assert last_target[ts == s].max(initial=-1) < (ve[vs == s] + 1).min()
        assert (ve[vs == s] + horizon <= lengths[s] - 1).all()
        assert (ve[vs == s] + 1 >= lengths[s] - validation_size).all()
    if validation_size < horizon:
        assert len(vs) == 0
