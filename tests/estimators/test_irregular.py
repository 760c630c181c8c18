"""Missing targets (missing="mask") and uneven timestamps (irregular=True) end to end."""

import numpy as np
import pandas as pd
import pytest
from conftest import TINY, make_panel
from sklearn.base import clone

from tsrnn import (
    DataValidationError,
    GRUForecaster,
    LSTMForecaster,
    NaiveForecaster,
    ParameterError,
    load_forecaster,
    save_forecaster,
)
from tsrnn.baselines import ETSForecaster

KW = {"horizon": 3, "context_length": 6, **TINY}


def with_gaps(seed=0, share=0.3, lengths=(40, 30, 12)):
    """A panel with a random share of rows removed (each series keeps its first and last)."""
    df = make_panel(lengths, covariates=False, seed=seed)
    rng = np.random.default_rng(seed)
    position = df.groupby("unique_id").cumcount()
    size = df.groupby("unique_id")["y"].transform("size")
    keep = (rng.random(len(df)) >= share) | (position == 0) | (position == size - 1)
    return df, keep


def future_rows(times_per_series):
    return pd.DataFrame(
        [(sid, t) for sid, times in times_per_series.items() for t in times],
        columns=["unique_id", "ds"],
    )


def after(last, *days):
    return {s: [t + pd.Timedelta(days=d) for d in days] for s, t in last.items()}


@pytest.mark.parametrize("irregular", [False, True])
def test_gaps_and_nan_rows_give_the_same_forecasts(irregular):
    df, keep = with_gaps()
    gappy = df[keep].reset_index(drop=True)
    marked = df.assign(y=df["y"].where(keep))
    params = {**KW, "missing": "mask", "irregular": irregular, "freq": "MS"}
    a = GRUForecaster(**params).fit(gappy)
    b = GRUForecaster(**params).fit(marked)
    assert a.n_windows_ == b.n_windows_
    assert a.history_["train_loss"] == b.history_["train_loss"]
    pd.testing.assert_frame_equal(a.forecast(), b.forecast())


def test_masked_training_keeps_nan_out_of_losses():
    df, keep = with_gaps(share=0.6)
    df = df.assign(y=df["y"].where(keep))
    est = LSTMForecaster(**{**KW, "missing": "mask", "validation_size": 4}).fit(df)
    assert np.isfinite(est.history_["train_loss"]).all()
    assert np.isfinite(est.history_["val_loss"]).all()
    out = est.forecast()
    assert np.isfinite(out["yhat"]).all() and len(out) == 9
    # the forecast origin is the last row even when its target is missing
    assert out["ds"].iloc[0] == pd.Timestamp("2004-05-01")


def test_the_time_gap_feature_changes_forecasts():
    df, keep = with_gaps()
    gappy = df[keep].reset_index(drop=True)
    est = GRUForecaster(**{**KW, "irregular": True}).fit(gappy)
    last = gappy.groupby("unique_id")["ds"].max()
    soon = future_rows(after(last, 20, 40, 60))
    late = future_rows(after(last, 90, 180, 270))
    a, b = est.predict(soon), est.predict(late)
    assert np.isfinite(a).all() and not np.allclose(a, b)
    # the same values observed at other times train another model ...
    weights = est.network_.rnn.weight_ih_l0.detach()
    months = gappy.groupby("unique_id").cumcount()
    regular = gappy.assign(ds=pd.Timestamp("2001-01-01") + pd.to_timedelta(months * 30, unit="D"))
    other = GRUForecaster(**{**KW, "irregular": True}).fit(regular)
    assert not np.allclose(weights, other.network_.rnn.weight_ih_l0.detach())
    # ... but stretching every gap alike does not: times count in units of the median gap
    stretched = gappy.assign(ds=gappy["ds"] + (gappy["ds"] - gappy["ds"].min()) * 2)
    same = GRUForecaster(**{**KW, "irregular": True}).fit(stretched)
    np.testing.assert_allclose(weights, same.network_.rnn.weight_ih_l0.detach(), atol=1e-5)


def test_irregular_future_times_need_a_rule_or_explicit_rows():
    df, keep = with_gaps()
    gappy = df[keep].reset_index(drop=True)
    est = LSTMForecaster(**{**KW, "irregular": True}).fit(gappy)
    with pytest.raises(DataValidationError, match="irregular timestamps.*forecast\\(X=...\\)"):
        est.forecast()
    last = gappy.groupby("unique_id")["ds"].max()
    rows = future_rows(after(last, 27, 9, 18))
    out = est.forecast(X=rows)
    assert out["unique_id"].tolist() == ["s0"] * 3 + ["s1"] * 3 + ["s2"] * 3
    assert (out.groupby("unique_id")["ds"].diff().dropna() == pd.Timedelta(days=9)).all()
    np.testing.assert_allclose(out["yhat"], est.predict(out[["unique_id", "ds"]]))
    # the k-th future row of a series is step k, whatever its time
    first = est.predict(rows[rows["ds"] == rows.groupby("unique_id")["ds"].transform("min")])
    np.testing.assert_allclose(first, out["yhat"].to_numpy()[::3])
    with pytest.raises(DataValidationError, match=r"series \['s2'\] have \[0\]"):
        est.forecast(X=rows[rows["unique_id"] != "s2"])
    with pytest.raises(DataValidationError, match="k-th future row is step k"):
        est.predict(future_rows({"s0": [last["s0"] + pd.Timedelta(days=d) for d in (1, 2, 3, 4)]}))
    ruled = LSTMForecaster(**{**KW, "irregular": True, "freq": "7D"}).fit(gappy)
    out = ruled.forecast()
    assert (out.groupby("unique_id")["ds"].diff().dropna() == pd.Timedelta(days=7)).all()


def test_series_of_different_lengths_and_starts_pack_in_fit_and_predict():
    rng = np.random.default_rng(1)
    frames = []
    for sid, (start, n) in {"a": (0, 60), "b": (25, 9), "c": (40, 30)}.items():
        times = start + np.cumsum(rng.integers(1, 4, n))
        frames.append(pd.DataFrame({"unique_id": sid, "ds": times, "y": np.sin(times / 5.0)}))
    df = pd.concat(frames, ignore_index=True)
    df.loc[rng.random(len(df)) < 0.2, "y"] = np.nan
    df.loc[df.groupby("unique_id").cumcount() == 0, "y"] = 0.0
    est = GRUForecaster(**{**KW, "context_length": 12, "irregular": True, "missing": "mask"})
    est.fit(df)
    assert est.n_windows_ > 0
    last = df.groupby("unique_id")["ds"].max()
    rows = future_rows({"c": [last["c"] + 2], "a": [last["a"] + 1, last["a"] + 5]})
    yhat = est.predict(rows)
    assert yhat.shape == (3,) and np.isfinite(yhat).all()
    np.testing.assert_allclose(est.predict(rows.iloc[[0]]), yhat[:1])


def test_persistence_round_trip(tmp_path):
    df, keep = with_gaps()
    for params in ({"irregular": True, "freq": "MS"}, {"missing": "mask"}):
        est = LSTMForecaster(**KW, **params).fit(df[keep])
        twin = load_forecaster(save_forecaster(est, tmp_path / str(len(params))))
        assert type(twin.calendar_) is type(est.calendar_)
        pd.testing.assert_frame_equal(twin.forecast(), est.forecast())


def test_parameters_clone_validate_and_update_is_refused():
    est = LSTMForecaster(missing="mask", irregular=True)
    assert clone(est).get_params()["missing"] == "mask" and clone(est).irregular is True
    df, keep = with_gaps()
    with pytest.raises(ParameterError, match="'missing' parameter"):
        LSTMForecaster(**KW, missing="drop").fit(df)
    fitted = LSTMForecaster(**KW, missing="mask").fit(df[keep])
    with pytest.raises(DataValidationError, match="update\\(\\) is not supported"):
        fitted.update(df.tail(2))


def test_gaps_off_the_grid_still_need_the_irregular_opt_in():
    df, keep = with_gaps()
    odd = df[keep].reset_index(drop=True)
    odd.loc[5, "ds"] += pd.Timedelta(days=3)
    with pytest.raises(DataValidationError, match="irregular timestamps.*irregular=True"):
        LSTMForecaster(**KW).fit(odd)
    with pytest.raises(DataValidationError, match="irregular"):
        LSTMForecaster(**KW, missing="mask").fit(odd)
    assert np.isfinite(LSTMForecaster(**KW, irregular=True).fit(odd).n_windows_)


@pytest.mark.parametrize("baseline", [NaiveForecaster, ETSForecaster])
def test_baselines_refuse_missing_values_and_gaps_clearly(baseline):
    df, keep = with_gaps()
    with pytest.raises(DataValidationError, match="NaN values.*row"):
        baseline(horizon=3).fit(df.assign(y=df["y"].where(keep)))
    with pytest.raises(DataValidationError, match="irregular timestamps"):
        baseline(horizon=3).fit(df[keep])
