"""Global models train on the windows that exist: a short series never blocks a fit."""

import re
import warnings

import numpy as np
import pytest
import torch
from conftest import TINY, make_panel

from tsrnn import DataValidationError, LSTMForecaster, Seq2SeqForecaster, StreamingRNNForecaster
from tsrnn.exceptions import DataWarning

H = 4
SETTINGS = {"horizon": H, "context_length": 6, **TINY}


def make(tbptt_steps, **params):
    """A windowed LSTM, or a streaming one with ``tbptt_steps``."""
    if tbptt_steps is None:
        return LSTMForecaster(**SETTINGS, **params)
    streaming = {k: v for k, v in SETTINGS.items() if k != "context_length"}
    return StreamingRNNForecaster(**streaming, tbptt_steps=tbptt_steps, **params)


def quiet_fit(est, df):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return est.fit(df)


@pytest.mark.parametrize(
    "make",
    [
        lambda: LSTMForecaster(**SETTINGS),
        lambda: make(5, cell="gru"),
        lambda: Seq2SeqForecaster(**SETTINGS, attention="dot"),
        lambda: LSTMForecaster(**SETTINGS, missing="mask"),
    ],
    ids=["windowed", "stateful", "seq2seq", "time-aware"],
)
def test_short_series_warn_and_are_still_forecast(make):
    df = make_panel((30, 1, 3), covariates=False)  # s1: one row, s2: three (< horizon + 1)
    expected = re.escape("1 of 3 series are too short for one training window (2 rows)")
    with pytest.warns(DataWarning, match=expected + ".*'s1' \\(1 rows\\)"):
        est = make().fit(df)
    fc = est.forecast()
    assert fc.groupby("unique_id").size().to_dict() == {"s0": H, "s1": H, "s2": H}
    assert np.isfinite(fc["yhat"]).all()
    # the short series keep their own level (scaled on their own rows)
    level = fc.groupby("unique_id")["yhat"].mean()
    assert abs(level["s2"] - 30) < abs(level["s2"] - 10)


def test_series_without_windows_do_not_change_the_training():
    """Training on s0 alone and on s0 plus short series gives the same network."""
    long = make_panel((30,), covariates=False)
    ragged = make_panel((30, 1, 1), covariates=False)
    alone = LSTMForecaster(**SETTINGS).fit(long)
    with_short = quiet_fit(LSTMForecaster(**SETTINGS), ragged)
    assert alone.n_windows_ == with_short.n_windows_
    for a, b in zip(
        alone.network_.state_dict().values(), with_short.network_.state_dict().values(), strict=True
    ):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    np.testing.assert_array_equal(
        alone.forecast()["yhat"], with_short.forecast().query("unique_id == 's0'")["yhat"]
    )


def test_series_shorter_than_the_horizon_train_on_their_observed_targets():
    """A 3-row series (horizon 4) gives windows ending at rows 0 and 1, targets masked past 2."""
    alone = LSTMForecaster(**SETTINGS).fit(make_panel((30,), covariates=False))
    est = LSTMForecaster(**SETTINGS).fit(make_panel((30, 3), covariates=False))
    assert est.n_windows_ == alone.n_windows_ + 2
    assert np.isfinite(est.history_["train_loss"]).all()


@pytest.mark.parametrize("tbptt_steps", [None, 5])
def test_error_only_when_no_series_gives_a_window(tbptt_steps):
    df = make_panel((1, 1), covariates=False)
    with pytest.raises(DataValidationError, match=r"No series is long enough for one training"):
        make(tbptt_steps, freq="MS").fit(df)


@pytest.mark.parametrize("tbptt_steps", [None, 5])
def test_validation_windows_follow_the_same_rule(tbptt_steps):
    df = make_panel((40, 12, 5), covariates=False)
    est = make(tbptt_steps, validation_size=H + 4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        est.fit(df)
    messages = [str(w.message) for w in caught if w.category is DataWarning]
    assert any("(2 + validation_size = 10 rows)" in m and "'s2' (5 rows)" in m for m in messages)
    assert any("1 of 3 series are too short for one validation window" in m for m in messages)
    assert all(np.isfinite(v) for v in est.history_["val_loss"])
    assert np.isfinite(est.forecast()["yhat"]).all()
    with pytest.raises(DataValidationError, match=r"one training window.*validation_size = "):
        make(tbptt_steps, validation_size=50).fit(df)


def test_warning_points_at_the_callers_line():
    df = make_panel((30, 1), covariates=False)
    with pytest.warns(DataWarning) as record:
        LSTMForecaster(**SETTINGS).fit(df)
    assert record[0].filename == __file__
