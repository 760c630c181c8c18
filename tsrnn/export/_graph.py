"""ONNX graphs of a recurrent forecaster, built with ``onnx.helper`` from numpy weights.

Two graphs share the pieces below: the *step* graph of the stateful forecasters (state and
one new scaled observation in, new state and the network's output out) and the *window*
graph of the windowed ones (a context window in, the forecast out). Both use ONNX's native
``LSTM``, ``GRU`` and ``RNN`` operators, one per stacked layer. The window graph does the
per-series scaling, the window normalisation and the known-future head inside, so its
outputs are in the user's units; the step graph holds the network's nodes and one ``Add``
(each node costs onnxruntime about a microsecond per call) and leaves the per-series
scaling to the runtime. This module needs numpy and onnx only (no torch): :mod:`tsrnn.export._onnx`
reads the fitted estimator into a :class:`NetSpec` first.

The head is one function (:func:`_head`) whose output has shape ``(B, H)``, or
``(B, H, Q)`` for a quantile head (the median plus cumulative softplus offsets, written
with ``Softplus`` and ``CumSum``, as :class:`tsrnn.nn.heads.QuantileHead` computes them);
the window level and the target scaling broadcast over the quantile axis.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["NetSpec", "step_graph", "window_graph"]

OPSET = 17
# PyTorch's gate blocks in ONNX's order: LSTM (i, f, g, o) -> (i, o, f, c),
# GRU (r, z, n) -> (z, r, h).
_GATES = {"lstm": (4, [0, 3, 1, 2]), "gru": (3, [1, 0, 2]), "rnn": (1, [0])}
_OPS = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}


@dataclass
class NetSpec:
    """A recurrent forecaster's weights and sizes, as numpy arrays (float32).

    ``layers`` holds one ``(weight_ih, weight_hh, bias_ih, bias_hh)`` per stacked layer in
    PyTorch's layout; ``head`` is ``(weight, bias)`` of the linear head ``(H, hidden)``
    (``(H * Q, hidden)`` for a quantile head, whose levels are ``quantiles`` and whose
    median is at ``median_index``; ``quantiles`` is None for a point head);
    ``future_head`` the two linear layers ``(w1, b1, w2, b2)`` of the known-future head or
    None. ``covariate_loc``/``covariate_scale`` scale the covariate inputs, whose columns
    ``future_columns`` (0-based among the covariates) are also known in the future.
    """

    cell: str
    hidden_size: int
    horizon: int
    layers: list[tuple[np.ndarray, ...]]
    head: tuple[np.ndarray, np.ndarray]
    future_head: tuple[np.ndarray, ...] | None
    covariate_loc: np.ndarray
    covariate_scale: np.ndarray
    future_columns: list[int] = field(default_factory=list)
    normalize: bool = True
    nonlinearity: str = "tanh"
    quantiles: tuple[float, ...] | None = None
    median_index: int = 0

    @property
    def forecast_shape(self) -> list:
        """The ``forecast`` output's shape: ``["batch", H]`` or ``["batch", H, Q]``."""
        if self.quantiles is None:
            return ["batch", self.horizon]
        return ["batch", self.horizon, len(self.quantiles)]

    @property
    def n_covariates(self) -> int:
        """Covariates read at every step (after the target)."""
        return len(self.covariate_loc)

    @property
    def n_parts(self) -> int:
        """State tensors: 2 for the LSTM's ``(h, c)``, else 1."""
        return 2 if self.cell == "lstm" else 1


class _Graph:
    """Nodes and initialisers under construction, with fresh names."""

    def __init__(self) -> None:
        from onnx import helper

        self.helper = helper
        self.nodes: list = []
        self.inits: list = []
        self.count = 0

    def name(self, stem: str) -> str:
        self.count += 1
        return f"{stem}_{self.count}"

    def const(self, stem: str, value: np.ndarray) -> str:
        from onnx import numpy_helper

        name = self.name(stem)
        self.inits.append(numpy_helper.from_array(np.array(value, order="C"), name))
        return name

    def op(self, op_type: str, inputs: list[str], n_out: int = 1, **attrs) -> list[str]:
        outs = [self.name(op_type.lower()) for _ in range(n_out)]
        self.nodes.append(self.helper.make_node(op_type, inputs, outs, **attrs))
        return outs

    def one(self, op_type: str, inputs: list[str], **attrs) -> str:
        return self.op(op_type, inputs, **attrs)[0]

    def rename(self, old: str, new: str) -> None:
        """Call the tensor ``old`` ``new`` everywhere (a graph output without an Identity)."""
        for node in self.nodes:
            for names in (node.input, node.output):
                for k, name in enumerate(names):
                    if name == old:
                        names[k] = new

    def model(self, inputs: list, outputs: list, metadata: dict[str, str]):
        from onnx import helper

        graph = helper.make_graph(self.nodes, "tsrnn", inputs, outputs, self.inits)
        model = helper.make_model(
            graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="tsrnn"
        )
        model.ir_version = 8  # readable by onnxruntime >= 1.14
        helper.set_model_props(model, metadata)
        return model


def _reorder(weight: np.ndarray, cell: str) -> np.ndarray:
    gates, order = _GATES[cell]
    blocks = np.split(weight, gates, axis=0)
    return np.concatenate([blocks[i] for i in order], axis=0)


def _recurrent(
    g: _Graph, spec: NetSpec, x: str, states: list[str] | None, lengths: str = ""
) -> tuple[str, list[list[str]]]:
    """Stacked layers over ``x`` ``(T, B, F)`` from ``states`` ``(L, B, hidden)`` (None: zeros).

    Returns the top layer's final hidden state ``(B, hidden)`` and each layer's final
    state parts ``[(1, B, hidden), ...]``. Only the lower layers emit their outputs.
    """
    finals, layers = [], len(spec.layers)
    for index, (w_ih, w_hh, b_ih, b_hh) in enumerate(spec.layers):
        w = g.const("W", _reorder(w_ih, spec.cell)[None])  # [1, G*H, I]
        r = g.const("R", _reorder(w_hh, spec.cell)[None])  # [1, G*H, H]
        bias = np.concatenate([_reorder(b_ih, spec.cell), _reorder(b_hh, spec.cell)])[None]
        initial = [""] * spec.n_parts  # ONNX: zeros
        if states is not None and layers == 1:
            initial = states
        elif states is not None:
            starts, ends = g.const("s", np.array([index])), g.const("e", np.array([index + 1]))
            initial = [g.one("Slice", [s, starts, ends]) for s in states]  # [1, B, H] each
        attrs = {"hidden_size": spec.hidden_size}
        if spec.cell == "gru":
            attrs["linear_before_reset"] = 1  # PyTorch's GRU
        if spec.cell == "rnn":
            attrs["activations"] = ["Relu" if spec.nonlinearity == "relu" else "Tanh"]
        inputs = [x, w, r, g.const("B", bias), lengths, *initial]
        outs = g.op(_OPS[spec.cell], inputs, n_out=1 + spec.n_parts, **attrs)
        if index + 1 < layers:
            x = g.one("Squeeze", [outs[0], g.const("axis", np.array([1]))])  # [T, B, H]
        else:
            g.nodes[-1].output[0] = ""  # the top layer's outputs are not needed
        finals.append(outs[1:])
    top = g.one("Squeeze", [finals[-1][0], g.const("axis", np.array([0]))])  # [B, H]
    return top, finals


def _cell_step(g: _Graph, spec: NetSpec, x: str, state: str) -> tuple[str, list[list[str]]]:
    """One GRU or RNN step of every layer as matrix products (``x`` ``(B, F)``).

    ONNX's GRU and RNN operators have no quantised form; written with ``MatMul`` the
    weights can be quantised. Returns what :func:`_recurrent` returns.
    """
    finals, size = [], spec.hidden_size
    for index, (w_ih, w_hh, b_ih, b_hh) in enumerate(spec.layers):
        h = g.one("Gather", [state, g.const("layer", np.array(index))], axis=0)  # [B, H]
        gi = g.one("Add", [g.one("MatMul", [x, g.const("W", w_ih.T)]), g.const("b", b_ih)])
        gh = g.one("Add", [g.one("MatMul", [h, g.const("R", w_hh.T)]), g.const("b", b_hh)])
        if spec.cell == "rnn":
            act = "Relu" if spec.nonlinearity == "relu" else "Tanh"
            x = g.one(act, [g.one("Add", [gi, gh])])
        else:  # PyTorch's GRU: gates (r, z, n), n = tanh(i_n + r * (W_hn h + b_hn))
            sizes = g.const("split", np.array([size] * 3))
            i_r, i_z, i_n = g.op("Split", [gi, sizes], n_out=3, axis=1)
            h_r, h_z, h_n = g.op("Split", [gh, sizes], n_out=3, axis=1)
            r = g.one("Sigmoid", [g.one("Add", [i_r, h_r])])
            z = g.one("Sigmoid", [g.one("Add", [i_z, h_z])])
            n = g.one("Tanh", [g.one("Add", [i_n, g.one("Mul", [r, h_n])])])
            x = g.one("Add", [n, g.one("Mul", [z, g.one("Sub", [h, n])])])  # (1 - z) n + z h
        finals.append([g.one("Unsqueeze", [x, g.const("axis", np.array([0]))])])  # [1, B, H]
    return x, finals


def _head(g: _Graph, spec: NetSpec, top: str, future: str | None) -> str:
    """The forecast ``(B, H)`` or ``(B, H, Q)``, scaled, from the top state ``(B, hidden)``."""
    weight, bias = spec.head
    out = g.one("Gemm", [top, g.const("head_w", weight), g.const("head_b", bias)], transB=1)
    if spec.quantiles is not None:
        out = _quantiles(g, spec, out)
    if spec.future_head is None:
        return out
    w1, b1, w2, b2 = spec.future_head
    shape = g.const("shape", np.array([1, spec.horizon, 1], dtype=np.int64))
    steps = g.one("Tile", [g.one("Unsqueeze", [top, g.const("axis", np.array([1]))]), shape])
    joined = g.one("Concat", [steps, future], axis=-1)  # [B, H, hidden + F_future]
    hidden = g.one("Add", [g.one("MatMul", [joined, g.const("fh_w1", w1.T)]), g.const("fh_b1", b1)])
    extra = g.one("MatMul", [g.one("Tanh", [hidden]), g.const("fh_w2", w2.T)])  # [B, H, 1]
    extra = g.one("Add", [extra, g.const("fh_b2", b2)])
    if spec.quantiles is not None:  # the same shift of every quantile
        return g.one("Add", [out, extra])
    return g.one("Add", [out, g.one("Squeeze", [extra, g.const("axis", np.array([2]))])])


def _quantiles(g: _Graph, spec: NetSpec, raw: str) -> str:
    """``QuantileHead``'s non-crossing quantiles ``(B, H, Q)`` from its linear map ``(B, H * Q)``.

    The median is the raw output at ``median_index``; the levels above add the cumulative
    sum of the softplus of theirs, those below subtract the reversed cumulative sum.
    """
    n, m = len(spec.quantiles), spec.median_index
    shape = g.const("shape", np.array([-1, spec.horizon, n], dtype=np.int64))
    raw = g.one("Reshape", [raw, shape])  # [B, H, Q]
    axis = g.const("axis", np.array(-1, dtype=np.int64))

    def part(start: int, end: int) -> str:
        starts, ends = g.const("s", np.array([start])), g.const("e", np.array([end]))
        return g.one("Slice", [raw, starts, ends, g.const("axes", np.array([2]))])

    median = part(m, m + 1)  # [B, H, 1]
    pieces = []
    if m > 0:  # flip, cumsum, flip == a reversed cumsum
        below = g.one("CumSum", [g.one("Softplus", [part(0, m)]), axis], reverse=1)
        pieces.append(g.one("Sub", [median, below]))
    pieces.append(median)
    if m + 1 < n:
        above = g.one("CumSum", [g.one("Softplus", [part(m + 1, n)]), axis])
        pieces.append(g.one("Add", [median, above]))
    return g.one("Concat", pieces, axis=2) if len(pieces) > 1 else median


def _scale_covariates(g: _Graph, spec: NetSpec, values: str, columns: list[int]) -> str:
    loc = spec.covariate_loc[columns].astype(np.float32)
    scale = spec.covariate_scale[columns].astype(np.float32)
    return g.one("Div", [g.one("Sub", [values, g.const("cov_loc", loc)]), g.const("cov_sc", scale)])


def _per_series(g: _Graph, spec: NetSpec, name: str) -> str:
    """A ``(B, 1)`` per-series tensor, as ``(B, 1, 1)`` for a quantile head's ``(B, H, Q)``."""
    if spec.quantiles is None:
        return name
    return g.one("Unsqueeze", [name, g.const("axis", np.array([2]))])


def _unscale(g: _Graph, spec: NetSpec, out: str) -> str:
    """``out * scale + loc`` (``loc`` and ``scale`` are the ``(B, 1)`` inputs)."""
    scale, loc = _per_series(g, spec, "scale"), _per_series(g, spec, "loc")
    return g.one("Add", [g.one("Mul", [out, scale]), loc])


def _value_info(name: str, shape: list) -> object:
    from onnx import TensorProto, helper

    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def _future_input(g: _Graph, spec: NetSpec, inputs: list) -> str | None:
    if spec.future_head is None:
        return None
    inputs.append(_value_info("future", ["batch", spec.horizon, len(spec.future_columns)]))
    return _scale_covariates(g, spec, "future", spec.future_columns)


def step_graph(spec: NetSpec, metadata: dict[str, str], *, unrolled: bool = False):
    """One recurrent step of a batch of series, in the network's (scaled) units.

    ``unrolled`` writes a GRU or RNN cell as matrix products instead of ONNX's operator
    (for int8 quantisation, which has no quantised GRU or RNN operator).

    Inputs: ``x`` ``(1, B, 1 + C)`` (the new target scaled by its series' ``loc`` and
    ``scale``, then the covariates scaled by the fitted constants), ``level`` ``(B, 1)``
    (what the network's output is relative to, in units of the series' ``scale``:
    ``value / scale`` when windows are normalised, else ``loc / scale``), ``future``
    ``(B, H, F)`` (the scaled known-future covariates of the next ``H`` steps, when the model
    has them), ``h`` (and ``c`` for the LSTM) ``(num_layers, B, hidden)``. Outputs: ``y``
    ``(B, H)`` (``(B, H, Q)`` for a quantile head), the forecast divided by the series'
    ``scale``, and ``h_out`` (and ``c_out``). The per-series scaling is the runtime's
    (:class:`~tsrnn.export.OnnxStream`): the graph holds the network's nodes and one ``Add``
    (one step of one LSTM layer with the point head is four nodes; onnxruntime spends about
    a microsecond per node).
    """
    from onnx import helper

    g = _Graph()
    layers = len(spec.layers)
    names = ["h", "c"][: spec.n_parts]
    inputs = [_value_info("x", [1, "batch", 1 + spec.n_covariates]),
              _value_info("level", ["batch", 1])]  # fmt: skip
    future = None
    if spec.future_head is not None:
        future = "future"
        inputs.append(_value_info(future, ["batch", spec.horizon, len(spec.future_columns)]))
    inputs += [_value_info(n, [layers, "batch", spec.hidden_size]) for n in names]
    if unrolled and spec.cell != "lstm":
        x = g.one("Squeeze", ["x", g.const("axis", np.array([0]))])  # [B, F]
        top, finals = _cell_step(g, spec, x, "h")
    else:
        top, finals = _recurrent(g, spec, "x", names)
    g.nodes.append(helper.make_node("Add", [_head(g, spec, top, future),
                                            _per_series(g, spec, "level")], ["y"]))  # fmt: skip
    outputs = [_value_info("y", spec.forecast_shape)]
    for part, name in enumerate(names):
        if layers > 1:
            g.nodes.append(
                helper.make_node("Concat", [f[part] for f in finals], [f"{name}_out"], axis=0)
            )
        else:
            g.rename(finals[0][part], f"{name}_out")
        outputs.append(_value_info(f"{name}_out", [layers, "batch", spec.hidden_size]))
    return g.model(inputs, outputs, metadata)


def window_graph(spec: NetSpec, metadata: dict[str, str]):
    """The forecast from a context window of a batch of series, in the user's units.

    Inputs: ``context`` ``(B, T, 1 + C)`` (target and covariates, oldest first; steps at
    and past ``lengths`` are padding), ``lengths`` ``(B,)`` int32 (``1..T``), ``future``
    ``(B, H, F)`` when the model has known-future covariates, ``loc`` and ``scale``
    ``(B, 1)``. Output: ``forecast`` ``(B, H)`` (``(B, H, Q)`` for a quantile head).
    """
    from onnx import TensorProto, helper

    g = _Graph()
    width = 1 + spec.n_covariates
    inputs = [
        _value_info("context", ["batch", "time", width]),
        helper.make_tensor_value_info("lengths", TensorProto.INT32, ["batch"]),
    ]
    future = _future_input(g, spec, inputs)
    inputs += [_value_info("loc", ["batch", 1]), _value_info("scale", ["batch", 1])]
    axis1 = g.const("axis", np.array([1]))
    pick = g.const("target", np.array([0]))
    target = g.one("Gather", ["context", pick], axis=2)  # [B, T, 1]
    loc3 = g.one("Unsqueeze", ["loc", axis1])  # [B, 1, 1]
    scale3 = g.one("Unsqueeze", ["scale", axis1])
    target = g.one("Div", [g.one("Sub", [target, loc3]), scale3])  # [B, T, 1]
    level = None
    if spec.normalize:  # the scaled target at each window's last real step
        last = g.one("Cast", [g.one("Sub", ["lengths", g.const("one", np.array(1, np.int32))])],
                     to=TensorProto.INT64)  # fmt: skip
        index = g.one("Unsqueeze", [g.one("Unsqueeze", [last, axis1]), axis1])  # [B, 1, 1]
        level = g.one("GatherElements", [target, index], axis=1)  # [B, 1, 1]
        target = g.one("Sub", [target, level])
        level = g.one("Squeeze", [level, g.const("axis", np.array([2]))])  # [B, 1]
    x = target
    if spec.n_covariates:
        cols = g.const("cov_cols", np.arange(1, width))
        cov = _scale_covariates(g, spec, g.one("Gather", ["context", cols], axis=2),
                                list(range(spec.n_covariates)))  # fmt: skip
        x = g.one("Concat", [target, cov], axis=2)
    x = g.one("Transpose", [x], perm=[1, 0, 2])  # [T, B, F]
    top, _ = _recurrent(g, spec, x, None, lengths="lengths")
    out = _head(g, spec, top, future)
    if level is not None:
        out = g.one("Add", [out, _per_series(g, spec, level)])
    g.nodes.append(helper.make_node("Identity", [_unscale(g, spec, out)], ["forecast"]))
    return g.model(inputs, [_value_info("forecast", spec.forecast_shape)], metadata)
