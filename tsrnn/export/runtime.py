"""Run an exported tsrnn forecaster with numpy and onnxruntime alone.

This module imports nothing else (no torch, Lightning, pandas, scikit-learn or even the
rest of tsrnn), so it can be copied next to the ``.onnx`` and ``.npz`` files that
:func:`tsrnn.export.to_onnx` writes and run on a device that has only
``pip install numpy onnxruntime``.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["OnnxStream"]

_FORMAT = 2  # tsrnn.export._onnx.FORMAT (this module imports nothing of tsrnn)


class OnnxStream:
    """Stream observations into an exported forecaster; each push returns the new forecast.

    Keeps each series' state in numpy: the hidden state of a stateful model (one ONNX
    step per observation, O(1)) or the last ``context_length`` observations of a
    windowed one (the window graph re-reads them). Values, covariates and forecasts are
    in the user's units: the window graph scales and unscales them itself, and for the
    step graph (which works in the network's units) this class does, from the scaling in
    the state file. Consecutive pushes of one series keep its state in buffers bound to
    the session (see :doc:`/user_guide/export`).

    Parameters
    ----------
    path : str or path-like
        The ``.onnx`` file written by :func:`tsrnn.export.to_onnx`.
    state : str or path-like, optional
        The state file; default: ``path`` with the suffix ``.npz``.
    threads : int, default=1
        onnxruntime's intra-op threads (1 is fastest for one small step).

    Attributes
    ----------
    ids : list of str
        Series ids, in the order of the series indices that :meth:`push` takes.
    horizon : int
        Steps of every forecast.
    covariates, future_covariates : list of str
        Covariates every push needs (in this order) and those of the next ``horizon``
        steps that it needs too.
    kind : {"stateful", "windowed"}
        Which graph the file holds.
    quantiles : list of float or None
        The levels of a quantile model's forecasts (sorted, the median included): its
        forecasts gain a last axis of these quantiles, ``(horizon, n_quantiles)`` per
        series. None for a point model.
    info : dict
        All the export metadata (cell, sizes, tsrnn version, ...).

    Examples
    --------
    See :func:`tsrnn.export.to_onnx`; :doc:`/user_guide/export` streams a whole day.
    """

    def __init__(
        self, path: str | os.PathLike, *, state: str | os.PathLike | None = None, threads: int = 1
    ) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # plain malloc beats the arena's bookkeeping for a step's few small tensors
        options.enable_cpu_mem_arena = False
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        meta = self.session.get_modelmeta().custom_metadata_map
        if "tsrnn" not in meta:
            raise ValueError(f"{path} was not written by tsrnn.export.to_onnx (no tsrnn metadata).")
        self.info: dict[str, Any] = json.loads(meta["tsrnn"])
        if self.info["format"] != _FORMAT:
            raise ValueError(
                f"{path} has export format {self.info['format']}; this runtime reads format "
                f"{_FORMAT}. Export the model again with this tsrnn version's to_onnx()."
            )
        self.kind: str = self.info["kind"]
        self.horizon: int = self.info["horizon"]
        self.covariates: list[str] = self.info["covariates"]
        self.future_covariates: list[str] = self.info["future_covariates"]
        self.quantiles: list[float] | None = self.info.get("quantiles")
        self._shape = (self.horizon, *([] if self.quantiles is None else [len(self.quantiles)]))
        state = Path(path).with_suffix(".npz") if state is None else state
        with np.load(state, allow_pickle=False) as arrays:
            self._arrays = {k: arrays[k].copy() for k in arrays.files}
        self.ids: list[str] = [str(i) for i in self._arrays["ids"]]
        self._index = {s: i for i, s in enumerate(self.ids)}
        self._parts = ["h", "c"][: 2 if self.info["cell"] == "lstm" else 1]
        self._loc = self._arrays["loc"][:, None]  # [S, 1], as the graphs take them
        self._scale = self._arrays["scale"][:, None]
        self._relative = bool(self.info["normalize_windows"])
        self._lane: _Lane | None = None  # one series' step, bound once (see push)
        self._outputs = [o.name for o in self.session.get_outputs()]

    # ------------------------------------------------------------------ look-ups
    @property
    def n_series(self) -> int:
        """Number of series."""
        return len(self.ids)

    def index(self, series_id: Any) -> int:
        """The series index of ``series_id`` (as in the fitted data)."""
        try:
            return self._index[str(series_id)]
        except KeyError:
            raise KeyError(
                f"Unknown series {series_id!r}; the exported model has {self.n_series} series "
                f"({', '.join(map(str, self.ids[:5]))}{', ...' if self.n_series > 5 else ''})."
            ) from None

    def forecast(self, series_index: int | None = None) -> np.ndarray:
        """The latest forecast ``(horizon,)`` of a series, or ``(n_series, horizon)`` of all.

        A quantile model's forecasts gain a last axis of ``quantiles``. Before any
        push it is the forecast made at export (NaN for models with known-future
        covariates, whose forecast needs them).
        """
        self._flush()
        out = self._arrays["forecast"]
        return out.copy() if series_index is None else out[self._check_index(series_index)].copy()

    # ------------------------------------------------------------------ streaming
    def push(
        self,
        series_index: int,
        value: float,
        covariates: Any = None,
        future: Any = None,
    ) -> np.ndarray:
        """Add the next observation of one series; its new forecast ``(horizon,)``.

        ``(horizon, n_quantiles)`` for a quantile model (see ``quantiles``).

        Parameters
        ----------
        series_index : int
            Which series (see ``ids`` and :meth:`index`).
        value : float
            The new target value.
        covariates : array-like of shape (n_covariates,), optional
            Its covariates, in the order of ``covariates`` (required when there are).
        future : array-like of shape (horizon, n_future_covariates), optional
            Known-future covariates of the next ``horizon`` steps (required when the
            model has them).
        """
        lane = self._lane
        if lane is None or lane.series != series_index:
            if self.kind != "stateful":
                cov = None if covariates is None else np.asarray(covariates, np.float32)[None]
                fut = None if future is None else np.asarray(future, np.float32)[None]
                return self.push_many([series_index], [value], cov, fut)[0]
            lane = self._open_lane(self._check_index(series_index))
        # The hot path: the series' state stays in buffers bound to the session once; two
        # bindings swap inputs and outputs, so a step copies and allocates nothing but its
        # forecast. The states and forecasts arrays catch up in _flush.
        value = float(value)
        x = (value - lane.loc) / lane.scale
        if not math.isfinite(x):
            raise ValueError(
                f"The value of series {self.ids[lane.series]!r} (index {lane.series}) is "
                f"{value}; the model needs a finite value at every step (fill or drop it)."
            )
        if lane.extra or covariates is not None or future is not None:
            self._lane_inputs(lane, covariates, future)
        lane.target[0] = x
        if lane.relative:
            lane.levels[0] = value / lane.scale
        lane.run(lane.bindings[lane.flip], lane.options)
        lane.flip ^= 1
        lane.pushed = True
        return np.multiply(lane.y0, lane.scales)  # a new array: the caller keeps it

    def _lane_inputs(self, lane: _Lane, covariates: Any, future: Any) -> None:
        """Check and scale one push's covariates and future covariates into the lane."""
        cov = None if covariates is None else np.asarray(covariates, np.float64)[None]
        cov = self._check_inputs("covariates", cov, (1, len(self.covariates)))
        if cov is not None:
            lane.x[0, 0, 1:] = self._scaled_covariates(cov)[0]
        fut = None if future is None else np.asarray(future, np.float64)[None]
        shape = (1, self.horizon, len(self.future_covariates))
        fut = self._check_inputs("future", fut, shape)
        if fut is not None:
            lane.future[:] = self._scaled_future(fut)

    def _open_lane(self, i: int) -> _Lane:
        """The bound step buffers, now holding series ``i``'s state (the last lane flushed)."""
        self._flush()
        lane = self._lane or _Lane(self)
        lane.series, lane.pushed = i, False
        state, inputs = self._arrays["state"], lane.states[lane.flip]  # [S, parts, L, hidden]
        for part, name in enumerate(self._parts):
            inputs[name][:, 0] = state[i, part]
        lane.loc, lane.scale = float(self._loc[i, 0]), float(self._scale[i, 0])
        lane.scales.fill(lane.scale)
        lane.levels[0] = lane.loc / lane.scale  # overwritten by each push when relative
        self._lane = lane
        return lane

    def _flush(self) -> None:
        """Write the lane's state and forecast into the arrays (after pushes to it)."""
        lane = self._lane
        if lane is None or not lane.pushed:
            return
        state, inputs = self._arrays["state"], lane.states[lane.flip]
        for part, name in enumerate(self._parts):
            state[lane.series, part] = inputs[name][:, 0]
        self._arrays["forecast"][lane.series] = lane.y0 * lane.scales
        lane.pushed = False

    def push_many(
        self,
        series_indices: Any,
        values: Any,
        covariates: Any = None,
        future: Any = None,
    ) -> np.ndarray:
        """Add the next observation of several distinct series at once (one batched step).

        ``series_indices`` and ``values`` have shape ``(n,)``, ``covariates``
        ``(n, n_covariates)`` and ``future`` ``(n, horizon, n_future_covariates)``.
        Returns the new forecasts ``(n, horizon)`` (``(n, horizon, n_quantiles)`` for a
        quantile model). A series may appear once per call:
        give a series' consecutive observations in consecutive calls.
        """
        index = np.asarray(series_indices, dtype=np.int64).reshape(-1)
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        self._check_batch(index, values)
        cov = self._check_inputs("covariates", covariates, (len(index), len(self.covariates)))
        fut = self._check_inputs(
            "future", future, (len(index), self.horizon, len(self.future_covariates))
        )
        self._flush()
        if self._lane is not None:
            self._lane.series = None  # its buffers may hold a state that moves on here
        if self.kind == "stateful":
            out = self._step(index, values, cov, fut)
        else:
            feeds = {"loc": self._loc[index], "scale": self._scale[index]}
            if fut is not None:
                feeds["future"] = fut.astype(np.float32)
            out = self._window(index, values, cov, feeds)
        self._arrays["forecast"][index] = out
        return out

    def _scaled_covariates(self, cov: np.ndarray) -> np.ndarray:
        return (cov - self._arrays["covariate_loc"]) / self._arrays["covariate_scale"]

    def _scaled_future(self, fut: np.ndarray) -> np.ndarray:
        columns, arrays = self._arrays["future_columns"], self._arrays
        return (fut - arrays["covariate_loc"][columns]) / arrays["covariate_scale"][columns]

    def _step(
        self, lanes: np.ndarray, values: np.ndarray, cov: np.ndarray | None, fut: np.ndarray | None
    ) -> np.ndarray:
        """One step of the series ``lanes``; their states move on; their forecasts."""
        loc, scale = self._loc[lanes], self._scale[lanes]  # [B, 1]
        x = (values[:, None] - loc) / scale
        if cov is not None:
            x = np.concatenate([x, self._scaled_covariates(cov)], axis=1)
        level = values[:, None] / scale if self._relative else loc / scale
        feeds = {"x": x[None].astype(np.float32), "level": level.astype(np.float32)}
        if fut is not None:
            feeds["future"] = self._scaled_future(fut).astype(np.float32)
        state = self._arrays["state"]  # [S, parts, L, hidden]
        for part, name in enumerate(self._parts):
            feeds[name] = np.ascontiguousarray(state[lanes, part].transpose(1, 0, 2))  # [L, B, H]
        y, *new = self.session.run(self._outputs, feeds)
        for part, tensor in enumerate(new):
            state[lanes, part] = tensor.transpose(1, 0, 2)
        return y * scale.reshape(-1, *[1] * (y.ndim - 1))  # [B, H(, Q)]

    def _window(
        self, index: np.ndarray, values: np.ndarray, cov: np.ndarray | None, feeds: dict
    ) -> np.ndarray:
        context, lengths = self._arrays["context"], self._arrays["lengths"]
        row = values[:, None] if cov is None else np.concatenate([values[:, None], cov], axis=1)
        full = lengths[index] == context.shape[1]
        context[index[full], :-1] = context[index[full], 1:]  # drop the oldest row
        lengths[index[~full]] += 1
        context[index, lengths[index] - 1] = row
        feeds["context"], feeds["lengths"] = context[index], lengths[index]
        return self.session.run(None, feeds)[0]

    # ------------------------------------------------------------------ checks and saving
    def _check_index(self, series_index: Any) -> int:
        i = int(series_index)
        if not 0 <= i < self.n_series:
            raise IndexError(
                f"series_index {i} is out of range: the model has {self.n_series} series "
                f"(0..{self.n_series - 1}); OnnxStream.index(id) maps an id to its index."
            )
        return i

    def _check_batch(self, index: np.ndarray, values: np.ndarray) -> None:
        if len(index) != len(values):
            raise ValueError(f"Got {len(index)} series indices but {len(values)} values.")
        if len(index) and (index.min() < 0 or index.max() >= self.n_series):
            self._check_index(index[(index < 0) | (index >= self.n_series)][0])
        if len(np.unique(index)) < len(index):
            raise ValueError(
                "push_many() got a series more than once; push a series' consecutive "
                "observations in consecutive calls."
            )
        bad = ~np.isfinite(values)
        if bad.any():
            i = int(index[np.argmax(bad)])
            raise ValueError(
                f"The value of series {self.ids[i]!r} (index {i}) is {values[bad][0]}; "
                "the model needs a finite value at every step (fill or drop it)."
            )

    def _check_inputs(self, name: str, given: Any, shape: tuple[int, ...]) -> np.ndarray | None:
        if shape[-1] == 0:
            if given is not None:
                raise ValueError(f"This model takes no {name}; got {name}=... (leave it out).")
            return None
        expected = self.covariates if name == "covariates" else self.future_covariates
        if given is None:
            raise ValueError(f"This model needs {name} {expected} with every push ({name}=...).")
        array = np.asarray(given, dtype=np.float64)
        if array.shape != shape:
            raise ValueError(
                f"{name} must have shape {shape} (columns {expected}); got {array.shape}."
            )
        if not np.isfinite(array).all():
            raise ValueError(f"{name} holds NaN or infinite values; every one must be finite.")
        return array

    def save_state(self, path: str | os.PathLike) -> None:
        """Write the current states (and forecasts) as a state file for a later ``OnnxStream``."""
        self._flush()
        np.savez(path, **self._arrays)


class _Lane:
    """One series' step of a stateful model: input and output buffers bound to the session.

    Two bindings share the ``x`` (and ``future``) input and the ``y`` output; the state
    buffers ping-pong: ``bindings[k]`` reads ``states[k]`` and writes ``states[1 - k]``,
    and ``flip`` says which set holds the series' current state.
    """

    def __init__(self, stream: OnnxStream) -> None:
        from onnxruntime import OrtValue, RunOptions

        info, session = stream.info, stream.session
        shape = (info["num_layers"], 1, info["hidden_size"])
        self.x = np.zeros((1, 1, 1 + len(stream.covariates)), np.float32)
        self.level = np.zeros((1, 1), np.float32)
        fixed = {"x": self.x, "level": self.level}
        # float views of the two bound inputs a push writes: item assignment without numpy
        self.target, self.levels = (memoryview(a).cast("B").cast("f") for a in fixed.values())
        if stream.future_covariates:
            self.future = np.zeros((1, stream.horizon, len(stream.future_covariates)), np.float32)
            fixed["future"] = self.future
        self.y = np.zeros((1, *stream._shape), np.float32)
        self.y0 = self.y[0]
        self.extra = bool(stream.covariates or stream.future_covariates)
        self.relative = stream._relative
        self.states = [{n: np.zeros(shape, np.float32) for n in stream._parts} for _ in "ab"]
        self.scales = np.zeros(stream._shape, np.float32)  # the series' scale, as y[0]'s shape
        self._values = []  # OrtValues share the arrays' memory; kept alive with them
        self.bindings = []
        for k in (0, 1):
            binding = session.io_binding()
            for name, array in fixed.items():
                binding.bind_ortvalue_input(name, self._value(OrtValue, array))
            binding.bind_ortvalue_output("y", self._value(OrtValue, self.y))
            for name in stream._parts:
                binding.bind_ortvalue_input(name, self._value(OrtValue, self.states[k][name]))
                out = self._value(OrtValue, self.states[1 - k][name])
                binding.bind_ortvalue_output(f"{name}_out", out)
            self.bindings.append(binding)
        try:  # the C objects: no Python wrapper per call
            self.run = session._sess.run_with_iobinding
            self.bindings = [b._iobinding for b in self.bindings]
        except AttributeError:  # an onnxruntime without them: the public call
            self.run = session.run_with_iobinding
        self.options = RunOptions()  # made once: a call without it makes one (~2-4 us)
        self.flip, self.pushed = 0, False
        self.series: int | None = None
        self.loc = self.scale = 0.0

    def _value(self, factory: Any, array: np.ndarray) -> Any:
        self._values.append(factory.ortvalue_from_numpy(array))
        return self._values[-1]
