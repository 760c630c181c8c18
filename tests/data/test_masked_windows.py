"""Time-aware panels, masked windows and the masked loss (missing targets, uneven times)."""

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from tsrnn import DataValidationError
from tsrnn.data.irregular import IrregularCalendar, time_aware_panel, with_time_columns
from tsrnn.data.masked import TimeAwareWindowDataset, observed_windows
from tsrnn.data.panel import Panel
from tsrnn.data.scaling import PanelScaler
from tsrnn.data.windowing import window_ends
from tsrnn.nn.recurrent import RecurrentNet
from tsrnn.training import ForecastingSystem
from tsrnn.training.masking import masked_loss

KW = {"id_col": "unique_id", "time_col": "ds", "target_col": "y", "covariates": []}


def build(df, **params):
    settings = {"freq": None, "irregular": False, "missing": "mask", **params}
    return time_aware_panel(df, **KW, **settings)


def test_grid_gaps_become_missing_rows():
    ds = pd.date_range("2020-01", periods=8, freq="MS")
    df = pd.DataFrame({"unique_id": "a", "ds": ds[[0, 1, 2, 5, 7]], "y": [1.0, 2, 3, 6, 8]})
    panel, cal = build(df)
    assert panel.lengths.tolist() == [8] and cal.freq == ["MS"] and cal.regular
    target, filled, delta, gap = panel.values.T
    assert np.isnan(target[[3, 4, 6]]).all()
    assert filled.tolist() == [1, 2, 3, 3, 3, 6, 6, 8]
    assert delta.tolist() == [1, 1, 1, 1, 2, 3, 1, 2]
    assert gap.tolist() == [1] * 8


def test_leading_missing_rows_are_dropped_trailing_kept():
    df = pd.DataFrame({"unique_id": "a", "ds": range(6), "y": [np.nan, np.nan, 1, 2, np.nan, 4]})
    df = pd.concat([df, pd.DataFrame({"unique_id": "b", "ds": [0, 1], "y": [1.0, np.nan]})])
    panel, cal = build(df)
    assert panel.lengths.tolist() == [4, 2]
    assert cal.last_time.tolist() == [5, 1]


def test_series_without_observations_and_off_grid_times():
    df = pd.DataFrame({"unique_id": ["a", "a", "b"], "ds": [0, 1, 0], "y": [1.0, 2, np.nan]})
    with pytest.raises(DataValidationError, match=r"\['b'\] have no observed target"):
        build(df)
    ds = pd.to_datetime(["2020-01-01", "2020-02-01", "2020-03-01", "2020-03-15", "2020-05-01"])
    df = pd.DataFrame({"unique_id": "a", "ds": ds, "y": 1.0})
    with pytest.raises(DataValidationError, match="off its regular grid.*irregular=True"):
        build(df)


def test_gaps_with_covariates_need_explicit_rows():
    df = pd.DataFrame({"unique_id": "a", "ds": [0, 1, 2, 4], "y": 1.0, "c": 0.0})
    with pytest.raises(DataValidationError, match="skips the step 3.*covariates"):
        time_aware_panel(
            df, **{**KW, "covariates": ["c"]}, freq=None, irregular=False, missing="mask"
        )


def test_irregular_panel_gaps_and_calendar():
    df = pd.DataFrame({"unique_id": "a", "ds": [0, 2, 3, 7, 9], "y": [1.0, 2, np.nan, 3, 4]})
    panel, cal = build(df, irregular=True)
    assert isinstance(cal, IrregularCalendar) and not cal.regular
    assert cal.unit == 2.0 and panel.lengths.tolist() == [4]
    assert panel.values[:, -1].tolist() == [1.0, 1.0, 2.5, 1.0]  # gap to previous observation
    assert cal.locate(np.array([0, 0, 0]), pd.Index([12, 10, 12]), horizon=2).tolist() == [2, 1, 2]
    assert cal.elapsed(np.array([0]), pd.Index([10])).tolist() == [0.5]
    with pytest.raises(DataValidationError, match="future times are unknown"):
        cal.future(0, 2)
    with pytest.raises(DataValidationError, match="not after the end of its history"):
        cal.locate(np.array([0]), pd.Index([9]), horizon=2)
    with pytest.raises(DataValidationError, match="k-th future row is step k"):
        cal.locate(np.array([0, 0, 0]), pd.Index([10, 11, 12]), horizon=2)
    ruled = IrregularCalendar(cal.ids, cal.last_time, [3], cal.unit)
    assert ruled.future(0, 2).tolist() == [12, 15]


def test_irregular_panel_with_missing_raise_keeps_the_nan_error():
    df = pd.DataFrame({"unique_id": "a", "ds": [0, 2, 3], "y": [1.0, np.nan, 2]})
    with pytest.raises(DataValidationError, match="NaN value.*missing='mask'"):
        build(df, irregular=True, missing="raise")


@given(
    st.lists(st.booleans(), min_size=2, max_size=30),
    st.lists(st.floats(0.5, 5.0), min_size=30, max_size=30),
)
def test_time_columns_match_a_plain_loop(observed, gaps):
    observed[0] = True
    n = len(observed)
    target = np.where(observed, np.arange(n, dtype=float), np.nan)
    gap = np.asarray(gaps[:n], dtype=np.float32).astype(np.float64)
    panel = Panel(
        target[:, None].astype(np.float32), np.array([0, n]), np.array(["a"], dtype=object), ("y",)
    )
    values = with_time_columns(panel, gap).values
    last_value, last_time, clock = None, 0.0, 0.0
    for t in range(n):
        clock += gap[t]
        assert values[t, 2] == pytest.approx(clock - last_time, rel=1e-5)
        if observed[t]:
            last_value, last_time = target[t], clock
        assert values[t, 1] == last_value


def masked_dataset(seed=0, horizon=3, share_missing=0.5, elapsed=True):
    rng = np.random.default_rng(seed)
    lengths = np.array([30, 9, 17])
    target = rng.normal(size=lengths.sum())
    target[rng.random(len(target)) < share_missing] = np.nan
    indptr = np.r_[0, np.cumsum(lengths)]
    target[indptr[:-1]] = 1.0  # every series starts observed
    panel = Panel(
        target[:, None].astype(np.float32), indptr, np.array(list("abc"), dtype=object), ("y",)
    )
    panel = with_time_columns(panel, rng.uniform(0.5, 3, len(target)))
    scaler = PanelScaler.fit(Panel(panel.values[:, :1], indptr, panel.ids, ("y",)))
    windows = window_ends(lengths, 8, horizon)
    windows = observed_windows(panel.values[:, 0], indptr, windows, horizon)
    values = panel.values.copy()
    values[:, :1] = scaler.transform(Panel(values[:, :1], indptr, panel.ids, ("y",))).values
    values[:, 1] = (values[:, 1] - scaler.target_loc.repeat(lengths)) / scaler.target_scale.repeat(
        lengths
    )
    return TimeAwareWindowDataset(
        values, indptr, *windows, context_length=8, horizon=horizon, normalize=True, elapsed=elapsed
    )


def test_masked_batches_have_no_nan_and_a_faithful_mask():
    ds = masked_dataset()
    batch = ds[np.arange(len(ds))]
    assert torch.isfinite(batch.x).all() and torch.isfinite(batch.y).all()
    rows = ds.global_end[:, None] + ds.horizon_steps
    assert torch.equal(batch.mask.bool(), ~torch.isnan(ds.targets[rows]))
    assert (batch.y[batch.mask == 0] == 0).all() and (batch.mask.sum(1) > 0).all()
    assert batch.future.shape == (len(ds), 3, 1) and (batch.future > 0).all()
    # the level is the last observed target: the context's last target input is 0
    last = batch.x[torch.arange(len(ds)), batch.lengths - 1, 0]
    assert torch.allclose(last, torch.zeros_like(last))


@pytest.mark.parametrize("loss", ["mse", "mae", "huber"])
def test_no_nan_in_any_loss_or_gradient(loss):
    torch.manual_seed(0)
    ds = masked_dataset(share_missing=0.7)
    batch = ds[np.arange(len(ds))]
    net = RecurrentNet(cell="gru", input_size=3, hidden_size=4, horizon=3, future_size=1)
    system = ForecastingSystem(net, loss=loss)
    system.log = lambda *a, **k: None
    value = system.training_step(batch, 0)
    value.backward()
    assert torch.isfinite(value)
    grads = [p.grad for p in net.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    # an all-missing batch gives a zero loss with zero (not NaN) gradients
    net.zero_grad()
    batch.mask = torch.zeros_like(batch.mask)
    value = system.training_step(batch, 0)
    value.backward()
    assert value.item() == 0.0
    assert all(torch.equal(p.grad, torch.zeros_like(p.grad)) for p in net.parameters())


def test_masked_loss_is_the_mean_over_observed_targets():
    forecast = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    target = torch.tensor([[0.0, 0.0], [1.0, 0.0]])
    mask = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    loss = masked_loss(torch.nn.functional.mse_loss, forecast, target, mask)
    assert loss.item() == pytest.approx((1 + 4) / 2)
    loss.backward()
    assert forecast.grad[:, 1].tolist() == [0.0, 0.0]
    plain = masked_loss(torch.nn.functional.mse_loss, forecast, target, None)
    assert plain.item() == pytest.approx((1 + 4 + 4 + 16) / 4)
