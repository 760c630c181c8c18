"""``to_onnx``: a fitted recurrent forecaster as an ONNX file and a state file beside it."""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from tsrnn.exceptions import ParameterError
from tsrnn.export._graph import NetSpec, step_graph, window_graph

__all__ = ["FORMAT", "state_path", "to_onnx"]

FORMAT = 2  # of the graphs, metadata and state file; OnnxStream refuses others
# 2: the step graph takes scaled values and gives forecast / scale; the state file has the
# covariate scaling


def state_path(path: str | os.PathLike) -> Path:
    """The state file that goes with the model file ``path`` (``.npz`` beside it).

    Examples
    --------
    >>> state_path("models/demand.onnx").as_posix()
    'models/demand.npz'
    """
    return Path(path).with_suffix(".npz")


def _kind(est: Any) -> str:
    """``"stateful"`` or ``"windowed"``; a clear error for every other model."""
    from tsrnn.estimators._paths import WindowedPath
    from tsrnn.estimators._stateful_path import StatefulPath

    name = type(est).__name__
    if not hasattr(est, "path_"):
        if hasattr(est, "network_") or not hasattr(est, "_choose_path"):
            raise ParameterError(
                f"to_onnx() exports tsrnn's recurrent forecasters (StreamingRNNForecaster, "
                f"RNNForecaster, LSTMForecaster, GRUForecaster); got {name}."
            )
        raise ParameterError(f"This {name} is not fitted yet: call fit() before to_onnx().")
    if getattr(est, "static_encoder_", None) is not None:
        raise ParameterError(
            f"to_onnx() cannot export a {name} fitted with static_covariates="
            f"{est.static_covariates!r} yet (the ONNX graph has no embedding inputs); refit "
            "without static covariates to export it, or serve it from Python."
        )
    if type(est.path_) is StatefulPath:
        kind = "stateful"
    elif type(est.path_) is WindowedPath:
        kind = "windowed"
    else:
        raise ParameterError(
            f"to_onnx() cannot export a {name} fitted with missing={est.missing!r}, "
            f"irregular={est.irregular!r} (the time-aware path) yet; fit it on complete, "
            "regular series (missing='raise', irregular=False) to export it."
        )
    return kind


def _spec(est: Any) -> NetSpec:
    """The network's weights as numpy arrays, refusing what ONNX's cells cannot run."""
    from torch import nn

    net, name = est.network_, type(est).__name__
    rnn = getattr(net, "rnn", None)
    if not isinstance(rnn, nn.RNNBase) or rnn.bidirectional or not hasattr(net, "head"):
        raise ParameterError(
            f"to_onnx() exports fused 'rnn', 'lstm' and 'gru' cells without residual "
            f"connections; this {name} runs a {type(net).__name__} "
            f"(cell={getattr(net, 'cell', None)!r}). "
            "Refit with cell in {'rnn', 'lstm', 'gru'} and residual=False to export it."
        )

    if hasattr(net.head, "likelihood"):  # a DistributionHead: its forecasts are sampled
        raise ParameterError(
            f"to_onnx() exports point and quantile heads; this {name} has a "
            f"likelihood={net.head.likelihood!r} head, whose forecasts are distributions "
            "(sampled in torch). Refit with loss='quantile' to export intervals."
        )

    def arr(t: Any) -> np.ndarray:
        return t.detach().cpu().numpy().astype(np.float32)

    layers = [
        tuple(arr(getattr(rnn, f"{kind}_l{i}")) for kind in
              ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
        for i in range(rnn.num_layers)
    ]  # fmt: skip
    head, quantiles, median = net.head, None, 0
    if hasattr(head, "quantiles"):  # QuantileHead: a linear map to (H, Q), then offsets
        quantiles = tuple(float(q) for q in head.quantiles)
        median, horizon, head = int(head.median_index), head.horizon, head.linear
    else:
        horizon = head.out_features
    future = None
    if net.future_head is not None:
        first, last = net.future_head[0], net.future_head[2]
        future = (arr(first.weight), arr(first.bias), arr(last.weight), arr(last.bias))
    return NetSpec(
        cell=net.cell,
        hidden_size=rnn.hidden_size,
        horizon=horizon,
        layers=layers,
        head=(arr(head.weight), arr(head.bias)),
        future_head=future,
        covariate_loc=np.asarray(est.scaler_.covariate_loc, dtype=np.float32),
        covariate_scale=np.asarray(est.scaler_.covariate_scale, dtype=np.float32),
        future_columns=[c - 1 for c in est.future_columns_],
        normalize=bool(est.normalize_windows),
        nonlinearity=getattr(rnn, "nonlinearity", "tanh"),
        quantiles=quantiles,
        median_index=median,
    )


def _state_arrays(est: Any, kind: str, spec: NetSpec) -> dict[str, np.ndarray]:
    """What the runtime streams on from: ids, scaling, states or contexts, last forecasts."""
    n = len(est.scaler_.target_loc)
    arrays = {
        "ids": np.asarray([str(i) for i in est.calendar_.ids]),
        "loc": np.asarray(est.scaler_.target_loc, dtype=np.float32),
        "scale": np.asarray(est.scaler_.target_scale, dtype=np.float32),
    }
    if kind == "stateful":  # the step graph's inputs are scaled by the runtime
        arrays["state"] = np.asarray(est.state_, dtype=np.float32)  # [S, parts, L, hidden]
        arrays["covariate_loc"] = np.asarray(est.scaler_.covariate_loc, dtype=np.float64)
        arrays["covariate_scale"] = np.asarray(est.scaler_.covariate_scale, dtype=np.float64)
        arrays["future_columns"] = np.asarray(spec.future_columns, dtype=np.int64)
    else:
        context = est.context_
        buffer = np.zeros((n, est.context_length, context.values.shape[1]), np.float32)
        for i in range(n):
            rows = context.values[context.indptr[i] : context.indptr[i + 1]]
            buffer[i, : len(rows)] = rows
        arrays["context"], arrays["lengths"] = buffer, context.lengths.astype(np.int32)
    forecast = np.full((n, *spec.forecast_shape[1:]), np.nan, dtype=np.float32)
    if spec.future_head is None:  # else the forecast needs future covariates
        forecast[:] = est.path_.forecast(est, np.arange(n), None)
    arrays["forecast"] = forecast
    return arrays


def _metadata(est: Any, kind: str, spec: NetSpec, quantize: bool) -> dict[str, str]:
    version = sys.modules["tsrnn"].__version__  # the package is imported (we are in it)
    axes = ["batch", "horizon"] + ([] if spec.quantiles is None else ["quantile"])
    info = {
        "format": FORMAT,
        "kind": kind,
        "cell": spec.cell,
        "num_layers": len(spec.layers),
        "hidden_size": spec.hidden_size,
        "horizon": spec.horizon,
        "context_length": est.context_length if kind == "windowed" else None,
        "target": est.target_col,
        "covariates": list(est.covariates_),
        "future_covariates": list(est.future_covariates_),
        "normalize_windows": spec.normalize,
        "outputs": {"y" if kind == "stateful" else "forecast": axes},
        "quantiles": None if spec.quantiles is None else list(spec.quantiles),
        "quantized": quantize,
        "estimator": type(est).__name__,
        "tsrnn_version": version,
    }
    return {"tsrnn": json.dumps(info)}


def to_onnx(estimator: Any, path: str | os.PathLike, *, quantize: bool = False) -> Path:
    """Export a fitted recurrent forecaster to ONNX, with its series' states beside it.

    A stateful forecaster (:class:`~tsrnn.StreamingRNNForecaster`, or the deprecated
    ``tbptt_steps=`` of the windowed ones) becomes a *step* graph: the current hidden
    state, the new observation (and its covariates) in; the new state and the
    ``horizon``-step forecast out, in the network's units (the fewest nodes per step:
    :class:`OnnxStream` applies each series' scaling and the covariate scaling, kept in the
    state file). A windowed forecaster becomes a *window* graph: the last
    ``context_length`` observations in, the forecast out; it scales its inputs and
    unscales the forecast itself (per-series target scaling, covariate scaling, window
    normalisation). :class:`OnnxStream` runs either with numpy and onnxruntime alone, in
    the user's units.

    A model fitted with ``loss="quantile"`` forecasts ``(batch, horizon, n_quantiles)``:
    its quantile head's levels (the median included, sorted; the metadata's
    ``"quantiles"`` and ``OnnxStream.quantiles``), non-crossing as the estimator's.

    Parameters
    ----------
    estimator : RNNForecaster, LSTMForecaster, GRUForecaster or StreamingRNNForecaster
        Fitted, with a fused ``"rnn"``, ``"lstm"`` or ``"gru"`` cell (stacked or not, no
        residual connections), on complete, regular series.
    path : str or path-like
        The model file to write (``.onnx``). The state file goes beside it, with the
        suffix ``.npz`` (:func:`state_path`): series ids, target scaling, each series'
        hidden state (stateful) or last context (windowed) and its current forecast.
    quantize : bool, default=False
        Store the weights as int8 (onnxruntime's dynamic quantisation: weights
        quantised once, activations per call). Smaller and less exact; see
        :doc:`/user_guide/export`.

    Returns
    -------
    Path
        The model file written.

    Raises
    ------
    ParameterError
        If the estimator is not fitted, not a recurrent forecaster, or uses a cell or
        path ONNX's recurrent operators cannot run.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from tsrnn import StreamingRNNForecaster
    >>> from tsrnn.datasets import load_dataset
    >>> from tsrnn.export import OnnxStream, to_onnx
    >>> est = StreamingRNNForecaster(horizon=3, tbptt_steps=12, hidden_size=8, max_epochs=1,
    ...                              random_state=0).fit(load_dataset("monthly_short"))
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> to_onnx(est, folder / "model.onnx").name
    'model.onnx'
    >>> OnnxStream(folder / "model.onnx").push(0, 4000.0).shape
    (3,)
    """
    import onnx

    kind = _kind(estimator)
    spec = _spec(estimator)
    metadata = _metadata(estimator, kind, spec, quantize)
    if kind == "stateful":  # quantised GRU/RNN steps: the cell as (quantisable) products
        model = step_graph(spec, metadata, unrolled=quantize)
    else:
        model = window_graph(spec, metadata)
    onnx.checker.check_model(model, full_check=True)
    path = Path(path)
    if quantize:
        _quantize(model, path)
    else:
        onnx.save_model(model, path)
    np.savez(state_path(path), **_state_arrays(estimator, kind, spec))
    return path


def _quantize(model: Any, path: Path) -> None:
    """Dynamic int8 quantisation of ``model``'s weights, written to ``path``."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "float.onnx"
        onnx.save_model(model, source)
        # onnxruntime logs advice to pre-process (shape inference, fusions) on the root
        # logger; the graph is already fully typed and has nothing to fuse.
        root.setLevel(logging.ERROR)
        try:
            quantize_dynamic(source, path, weight_type=QuantType.QInt8)
        finally:
            root.setLevel(level)
