"""to_onnx + OnnxStream: the exported graphs forecast what the estimators forecast."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from conftest import TINY, make_panel

from tsrnn import (
    GRUForecaster,
    LSTMForecaster,
    NaiveForecaster,
    ParameterError,
    RNNForecaster,
    Seq2SeqForecaster,
    StreamingRNNForecaster,
)
from tsrnn.datasets import load_dataset
from tsrnn.export import OnnxStream, state_path, to_onnx
from tsrnn.persistence import load_forecaster, save_forecaster

pytest.importorskip("onnxruntime")

HORIZON, STREAM = 4, 12
COVARIATES = {"none": ([], None), "past": (["temperature"], None),
              "future": (["temperature", "workday"], ["workday"])}  # fmt: skip


def _elecdemand(covariates):
    df = load_dataset("elecdemand").iloc[:400]
    return df[["unique_id", "ds", "y", *covariates]].reset_index(drop=True)


def _stream_and_compare(est, stream, onnx_stream):
    """Push ``stream`` row by row through both; the largest relative difference."""
    future = list(est.future_covariates_)
    worst = 0.0
    for i in range(len(stream) - HORIZON):
        row = stream.iloc[[i]]
        ahead = stream.iloc[i + 1 : i + 1 + HORIZON]
        got = onnx_stream.push(
            0,
            row["y"].iloc[0],
            row[est.covariates_].to_numpy()[0] if est.covariates_ else None,
            ahead[future].to_numpy() if future else None,
        )
        est.update(row)
        want = est.forecast(X=ahead[["unique_id", "ds", *future]] if future else None)
        want = want["yhat"].to_numpy()
        assert got.shape == (HORIZON,) and got.dtype == np.float32
        worst = max(worst, float(np.max(np.abs(got - want) / np.abs(want))))
    return worst


@pytest.mark.parametrize("covariates", list(COVARIATES))
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_streaming_elecdemand_matches_update_and_forecast(cell, num_layers, covariates, tmp_path):
    columns, future = COVARIATES[covariates]
    df = _elecdemand(columns)
    history, stream = df.iloc[:-STREAM], df.iloc[-STREAM:]
    est = StreamingRNNForecaster(
        cell=cell, num_layers=num_layers, horizon=HORIZON, tbptt_steps=48, hidden_size=8,
        max_epochs=1, random_state=0, future_covariates=future,
    ).fit(history)  # fmt: skip
    path = to_onnx(est, tmp_path / "model.onnx")
    onnx_stream = OnnxStream(path)
    assert onnx_stream.kind == "stateful" and onnx_stream.covariates == columns
    if future is None:  # the forecast at export, before any push
        np.testing.assert_allclose(onnx_stream.forecast(0), est.forecast()["yhat"], rtol=1e-5)
    assert _stream_and_compare(est, stream, onnx_stream) < 1e-5


@pytest.mark.parametrize(
    ("cls", "params"),
    [
        (LSTMForecaster, {"num_layers": 2}),
        (GRUForecaster, {}),
        (RNNForecaster, {"cell": "rnn", "future_covariates": ["workday"]}),
    ],
)
def test_windowed_forecasters_export_their_context_window(cls, params, tmp_path):
    columns = ["temperature", "workday"] if "future_covariates" in params else []
    df = _elecdemand(columns)
    history, stream = df.iloc[:-STREAM], df.iloc[-STREAM:]
    est = cls(horizon=HORIZON, context_length=16, hidden_size=8, max_epochs=1, random_state=0,
              **params).fit(history)  # fmt: skip
    onnx_stream = OnnxStream(to_onnx(est, tmp_path / "window.onnx"))
    assert onnx_stream.kind == "windowed" and onnx_stream.info["context_length"] == 16
    assert _stream_and_compare(est, stream, onnx_stream) < 1e-5


def test_deprecated_tbptt_path_exports_the_step_graph(tmp_path):
    df = _elecdemand([])
    with pytest.warns(FutureWarning):
        est = RNNForecaster(cell="rnn", horizon=HORIZON, tbptt_steps=48, hidden_size=8,
                            max_epochs=1, random_state=0).fit(df.iloc[:-STREAM])  # fmt: skip
    onnx_stream = OnnxStream(to_onnx(est, tmp_path / "m.onnx"))
    assert onnx_stream.kind == "stateful"
    assert _stream_and_compare(est, df.iloc[-STREAM:], onnx_stream) < 1e-5


def test_push_many_is_one_batched_step_of_several_series(tmp_path):
    df = make_panel(lengths=(30, 25, 20))
    last = df.groupby("unique_id").cumcount(ascending=False) < 2
    history, new = df[~last], df[last]
    est = StreamingRNNForecaster(horizon=3, tbptt_steps=8, future_covariates=["promo"],
                                 **TINY).fit(history)  # fmt: skip
    onnx_stream = OnnxStream(to_onnx(est, tmp_path / "m.onnx"))
    for step in range(2):
        rows = new.groupby("unique_id").nth(step)
        ahead = est.future_frame(4).groupby("unique_id").tail(3).assign(promo=1.0)
        order = [onnx_stream.index(s) for s in rows["unique_id"]][::-1]  # any order
        rows = rows.iloc[::-1]
        got = onnx_stream.push_many(
            order, rows["y"], rows[["past", "promo"]].to_numpy(),
            np.ones((3, 3, 1)),
        )  # fmt: skip
        est.update(rows)
        want = est.forecast(X=ahead.groupby("unique_id").tail(3))
        want = want["yhat"].to_numpy().reshape(3, 3)[order]
        np.testing.assert_allclose(got, want, rtol=1e-5)
    np.testing.assert_allclose(onnx_stream.forecast(order[0]), got[0])


def test_saved_state_resumes_the_stream(tmp_path):
    df = _elecdemand([])
    est = StreamingRNNForecaster(horizon=HORIZON, tbptt_steps=48, hidden_size=8, max_epochs=1,
                                 random_state=0).fit(df.iloc[:-STREAM])  # fmt: skip
    path = to_onnx(est, tmp_path / "m.onnx")
    one, two = OnnxStream(path), OnnxStream(path)
    values = df["y"].iloc[-STREAM:].to_numpy()
    for v in values[:5]:
        one.push(0, v)
    one.save_state(tmp_path / "later.npz")
    resumed = OnnxStream(path, state=tmp_path / "later.npz")
    for v in values[:5]:
        two.push(0, v)
    np.testing.assert_array_equal(resumed.push(0, values[5]), two.push(0, values[5]))
    assert state_path(path).exists()


def test_pickled_and_saved_models_export_the_same_files(tmp_path):
    df = _elecdemand([])
    est = StreamingRNNForecaster(horizon=2, tbptt_steps=48, hidden_size=4, max_epochs=1,
                                 random_state=0).fit(df.iloc[:200])  # fmt: skip
    pickled = pickle.loads(pickle.dumps(est))
    loaded = load_forecaster(save_forecaster(est, tmp_path / "saved"))
    first = to_onnx(est, tmp_path / "a.onnx")
    for name, again in (("b", pickled), ("c", loaded)):
        a, b = OnnxStream(first), OnnxStream(to_onnx(again, tmp_path / f"{name}.onnx"))
        np.testing.assert_array_equal(b._arrays["state"], a._arrays["state"])
        np.testing.assert_array_equal(a.push(0, 4.0), b.push(0, 4.0))


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_int8_quantisation_is_smaller_and_close(cell, tmp_path):
    df = _elecdemand([])
    est = StreamingRNNForecaster(cell=cell, horizon=HORIZON, tbptt_steps=48, hidden_size=32,
                                 max_epochs=1, random_state=0).fit(df.iloc[:-STREAM])  # fmt: skip
    full = OnnxStream(to_onnx(est, tmp_path / "f.onnx"))
    small = OnnxStream(to_onnx(est, tmp_path / "q.onnx", quantize=True))
    assert small.info["quantized"] and not full.info["quantized"]
    assert (tmp_path / "q.onnx").stat().st_size < 0.6 * (tmp_path / "f.onnx").stat().st_size
    for v in df["y"].iloc[-STREAM:]:
        want, got = full.push(0, v), small.push(0, v)
        assert not np.array_equal(got, want)  # really quantised
        np.testing.assert_allclose(got, want, rtol=0.05)


@pytest.mark.parametrize("cell", ["gru", "rnn"])
def test_the_unrolled_step_of_quantised_models_equals_the_onnx_operator(cell, tmp_path):
    from tsrnn.export._graph import step_graph
    from tsrnn.export._onnx import _metadata, _spec

    onnx = pytest.importorskip("onnx")
    df = _elecdemand(["temperature"])
    est = StreamingRNNForecaster(cell=cell, num_layers=2, horizon=HORIZON, tbptt_steps=48,
                                 hidden_size=8, max_epochs=1, random_state=0).fit(df)  # fmt: skip
    native = OnnxStream(to_onnx(est, tmp_path / "n.onnx"))
    spec = _spec(est)
    model = step_graph(spec, _metadata(est, "stateful", spec, False), unrolled=True)
    assert {n.op_type for n in model.graph.node}.isdisjoint({"GRU", "RNN"})
    onnx.save_model(model, tmp_path / "u.onnx")
    unrolled = OnnxStream(tmp_path / "u.onnx", state=tmp_path / "n.npz")
    for v, t in zip(df["y"].iloc[:10], df["temperature"].iloc[:10], strict=True):
        np.testing.assert_allclose(unrolled.push(0, v, [t]), native.push(0, v, [t]), rtol=1e-6)


def test_models_onnx_cannot_run_are_refused(tmp_path):
    df = make_panel(covariates=False)
    with pytest.raises(ParameterError, match="not fitted"):
        to_onnx(StreamingRNNForecaster(), tmp_path / "m.onnx")
    with pytest.raises(ParameterError, match="recurrent forecasters"):
        to_onnx(NaiveForecaster().fit(df), tmp_path / "m.onnx")
    residual = RNNForecaster(horizon=2, context_length=6, residual=True, num_layers=2, **TINY)
    with pytest.raises(ParameterError, match="residual=False"):
        to_onnx(residual.fit(df), tmp_path / "m.onnx")
    seq2seq = Seq2SeqForecaster(horizon=2, context_length=6, hidden_size=4, max_epochs=1)
    with pytest.raises(ParameterError, match="Seq2SeqForecaster"):
        to_onnx(seq2seq.fit(df), tmp_path / "m.onnx")
    masked = LSTMForecaster(horizon=2, context_length=6, missing="mask", **TINY).fit(df)
    with pytest.raises(ParameterError, match="time-aware"):
        to_onnx(masked, tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


def test_windowed_stream_grows_short_contexts_then_rolls_them(tmp_path):
    df = make_panel(lengths=(30, 25, 14), covariates=False)
    last = df.groupby("unique_id").cumcount(ascending=False) < 6
    history, new = df[~last], df[last]  # the third series keeps 8 rows: shorter than 12
    est = GRUForecaster(horizon=2, context_length=12, **TINY).fit(history)
    onnx_stream = OnnxStream(to_onnx(est, tmp_path / "w.onnx"))
    assert onnx_stream._arrays["lengths"].tolist() == [12, 12, 8]
    for step in range(6):
        rows = new.groupby("unique_id").nth(step)
        got = onnx_stream.push_many([0, 1, 2], rows["y"])
        est.update(rows)
        want = est.forecast()["yhat"].to_numpy().reshape(3, 2)
        np.testing.assert_allclose(got, want, rtol=1e-5)
    assert onnx_stream._arrays["lengths"].tolist() == [12, 12, 12]
    np.testing.assert_array_equal(onnx_stream._arrays["context"][2, -1, 0],
                                  np.float32(new["y"].iloc[-1]))  # fmt: skip


def _quantile_frame(est, quantiles, X=None):
    want = est.forecast(X=X, quantiles=quantiles)
    return want[[f"yhat_q{q:g}" for q in quantiles]].to_numpy()  # [S * H, Q]


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_stateful_quantile_head_exports_non_crossing_quantiles(cell, tmp_path):
    df = _elecdemand(["temperature", "workday"])
    history, stream = df.iloc[:-STREAM], df.iloc[-STREAM:]
    est = StreamingRNNForecaster(
        cell=cell, horizon=HORIZON, tbptt_steps=48, hidden_size=8, max_epochs=1, random_state=0,
        loss="quantile", quantiles=[0.1, 0.25, 0.9], future_covariates=["workday"],
    ).fit(history)  # fmt: skip
    onnx_stream = OnnxStream(to_onnx(est, tmp_path / "q.onnx"))
    levels = list(est.network_.head.quantiles)
    assert onnx_stream.quantiles == levels == [0.1, 0.25, 0.5, 0.9]
    assert onnx_stream.info["outputs"]["y"] == ["batch", "horizon", "quantile"]
    assert onnx_stream.forecast().shape == (1, HORIZON, 4)  # NaN: it needs future covariates
    for i in range(4):
        row, ahead = stream.iloc[[i]], stream.iloc[i + 1 : i + 1 + HORIZON]
        got = onnx_stream.push(0, row["y"].iloc[0], row[["temperature", "workday"]].to_numpy()[0],
                               ahead[["workday"]].to_numpy())  # fmt: skip
        est.update(row)
        want = _quantile_frame(est, levels, ahead[["unique_id", "ds", "workday"]])
        assert got.shape == (HORIZON, 4) and got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=1e-5)
        assert (np.diff(got, axis=-1) >= 0).all()
    batched = onnx_stream.push_many([0], stream["y"].iloc[[4]], stream[["temperature", "workday"]]
                                    .iloc[[4]].to_numpy(), np.ones((1, HORIZON, 1)))  # fmt: skip
    assert batched.shape == (1, HORIZON, 4)
    np.testing.assert_array_equal(onnx_stream.forecast(0), batched[0])


@pytest.mark.parametrize("cls", [LSTMForecaster, GRUForecaster])
def test_windowed_quantile_head_exports_its_quantiles(cls, tmp_path):
    df = make_panel(lengths=(30, 25, 14), covariates=False)
    last = df.groupby("unique_id").cumcount(ascending=False) < 3
    history, new = df[~last], df[last]
    est = cls(horizon=2, context_length=12, loss="quantile", quantiles=[0.9, 0.2],
              **TINY).fit(history)  # fmt: skip
    onnx_stream = OnnxStream(to_onnx(est, tmp_path / "w.onnx"))
    assert onnx_stream.quantiles == [0.2, 0.5, 0.9]
    want = _quantile_frame(est, onnx_stream.quantiles).reshape(3, 2, 3)
    np.testing.assert_allclose(onnx_stream.forecast(), want, rtol=1e-5)  # at export
    for step in range(3):
        rows = new.groupby("unique_id").nth(step)
        got = onnx_stream.push_many([0, 1, 2], rows["y"])
        est.update(rows)
        want = _quantile_frame(est, onnx_stream.quantiles).reshape(3, 2, 3)
        np.testing.assert_allclose(got, want, rtol=1e-5)
        assert (np.diff(got, axis=-1) >= 0).all()
    rows = est.future_frame(2)
    np.testing.assert_allclose(  # predict_quantiles reads the same quantiles
        est.predict_quantiles(rows, onnx_stream.quantiles).to_numpy().reshape(3, 2, 3),
        onnx_stream.forecast(), rtol=1e-5,
    )  # fmt: skip
    assert OnnxStream(to_onnx(GRUForecaster(horizon=2, context_length=12, **TINY).fit(history),
                              tmp_path / "p.onnx")).quantiles is None  # fmt: skip


def test_int8_quantisation_keeps_the_quantile_head(tmp_path):
    df = _elecdemand([])
    est = StreamingRNNForecaster(cell="gru", horizon=HORIZON, tbptt_steps=48, hidden_size=32,
                                 max_epochs=1, random_state=0, loss="quantile",
                                 quantiles=[0.1, 0.9]).fit(df.iloc[:-STREAM])  # fmt: skip
    full = OnnxStream(to_onnx(est, tmp_path / "f.onnx"))
    small = OnnxStream(to_onnx(est, tmp_path / "q.onnx", quantize=True))
    assert small.quantiles == full.quantiles == [0.1, 0.5, 0.9] and small.info["quantized"]
    for v in df["y"].iloc[-STREAM:]:
        want, got = full.push(0, v), small.push(0, v)
        assert got.shape == (HORIZON, 3) and (np.diff(got, axis=-1) >= 0).all()
        np.testing.assert_allclose(got, want, rtol=0.05)


@pytest.mark.parametrize("quantiles", [[0.5], [0.5, 0.9], [0.05, 0.2], [0.1, 0.3, 0.8, 0.95]])
def test_the_quantile_graph_equals_the_quantile_head(quantiles, tmp_path):
    import onnxruntime as ort
    import torch
    from onnx import TensorProto, helper

    from tsrnn.export._graph import NetSpec, _Graph, _quantiles
    from tsrnn.nn.heads import QuantileHead

    torch.manual_seed(0)
    head = QuantileHead(5, horizon=3, quantiles=quantiles)
    spec = NetSpec("gru", 5, 3, [], (None, None), None, np.zeros(0), np.zeros(0),
                   quantiles=head.quantiles, median_index=head.median_index)  # fmt: skip
    g = _Graph()
    g.nodes.append(helper.make_node("Identity", [_quantiles(g, spec, "raw")], ["out"]))
    n = 3 * len(head.quantiles)
    raw = helper.make_tensor_value_info("raw", TensorProto.FLOAT, ["batch", n])
    out = helper.make_tensor_value_info("out", TensorProto.FLOAT, ["batch", 3, None])
    session = ort.InferenceSession(g.model([raw], [out], {}).SerializeToString())
    features = torch.randn(4, 5)
    with torch.no_grad():
        want = head(features).numpy()
        given = head.linear(features).numpy()
    got = session.run(None, {"raw": given})[0]
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
