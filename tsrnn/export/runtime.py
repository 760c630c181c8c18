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

_FORMAT = 1


class OnnxStream:
    """Stream observations into an exported forecaster; each push returns the new forecast.

    Keeps each series' state in numpy: the hidden state of a stateful model (one ONNX
    step per observation, O(1)) or the last ``context_length`` observations of a
    windowed one (the window graph re-reads them). Values, covariates and forecasts are
    in the user's units: the graph scales and unscales them itself.

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
        self._lane: tuple[dict, dict, Any] | None = None  # see _bind_lane
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
        if self.kind != "stateful":
            cov = None if covariates is None else np.asarray(covariates, np.float32)[None]
            fut = None if future is None else np.asarray(future, np.float32)[None]
            return self.push_many([series_index], [value], cov, fut)[0]
        # One series of a stateful model: buffers bound once, no allocation (the hot path).
        i = self._check_index(series_index)
        inputs, outputs, binding = self._lane or self._bind_lane()
        inputs["value"][0, 0] = value
        if not math.isfinite(inputs["value"][0, 0]):
            self._check_batch(np.array([i]), inputs["value"][0])  # raises, naming the series
        if self.covariates or covariates is not None:
            cov = None if covariates is None else np.asarray(covariates, np.float32)[None]
            inputs["covariates"][:] = self._check_inputs(
                "covariates", cov, (1, len(self.covariates))
            )
        if self.future_covariates or future is not None:
            fut = None if future is None else np.asarray(future, np.float32)[None]
            shape = (1, self.horizon, len(self.future_covariates))
            inputs["future"][:] = self._check_inputs("future", fut, shape)
        inputs["loc"][0, 0], inputs["scale"][0, 0] = self._loc[i, 0], self._scale[i, 0]
        state = self._arrays["state"]  # [S, parts, L, hidden]
        for part, name in enumerate(self._parts):
            inputs[name][:, 0] = state[i, part]
        self.session.run_with_iobinding(binding)
        for part, name in enumerate(self._parts):
            state[i, part] = outputs[f"{name}_out"][:, 0]
        forecast = outputs["forecast"][0].copy()
        self._arrays["forecast"][i] = forecast
        return forecast

    def _bind_lane(self) -> tuple[dict, dict, Any]:
        """Input and output buffers of one series' step, bound to the session once."""
        from onnxruntime import OrtValue

        layers, hidden = self.info["num_layers"], self.info["hidden_size"]
        shapes = {"value": (1, 1), "loc": (1, 1), "scale": (1, 1)}
        if self.covariates:
            shapes["covariates"] = (1, len(self.covariates))
        if self.future_covariates:
            shapes["future"] = (1, self.horizon, len(self.future_covariates))
        inputs = {name: np.zeros(shape, np.float32) for name, shape in shapes.items()}
        inputs |= {name: np.zeros((layers, 1, hidden), np.float32) for name in self._parts}
        outputs = {"forecast": np.zeros((1, *self._shape), np.float32)}
        outputs |= {f"{n}_out": np.zeros((layers, 1, hidden), np.float32) for n in self._parts}
        binding = self.session.io_binding()
        values = []  # the OrtValues share the arrays' memory; kept alive with them
        for bind, arrays in ((binding.bind_ortvalue_input, inputs),
                             (binding.bind_ortvalue_output, outputs)):  # fmt: skip
            for name, array in arrays.items():
                values.append(OrtValue.ortvalue_from_numpy(array))
                bind(name, values[-1])
        self._lane = (inputs, outputs, binding)
        self._lane_values = values
        return self._lane

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
        values = np.asarray(values, dtype=np.float32).reshape(-1)
        self._check_batch(index, values)
        feeds = {"loc": self._loc[index], "scale": self._scale[index]}
        cov = self._check_inputs("covariates", covariates, (len(index), len(self.covariates)))
        fut = self._check_inputs(
            "future", future, (len(index), self.horizon, len(self.future_covariates))
        )
        if fut is not None:
            feeds["future"] = fut
        if self.kind == "stateful":
            feeds["value"] = values[:, None]
            if cov is not None:
                feeds["covariates"] = cov
            out = self._step(index, feeds)
        else:
            out = self._window(index, values, cov, feeds)
        self._arrays["forecast"][index] = out
        return out

    def _step(self, lanes: np.ndarray | slice, feeds: dict) -> np.ndarray:
        """One step of the series ``lanes``; their states move on; the forecasts."""
        state = self._arrays["state"]  # [S, parts, L, hidden]
        for part, name in enumerate(self._parts):
            feeds[name] = np.ascontiguousarray(state[lanes, part].transpose(1, 0, 2))  # [L, B, H]
        out, *new = self.session.run(self._outputs, feeds)
        for part, tensor in enumerate(new):
            state[lanes, part] = tensor.transpose(1, 0, 2)
        return out

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
        array = np.asarray(given, dtype=np.float32)
        if array.shape != shape:
            raise ValueError(
                f"{name} must have shape {shape} (columns {expected}); got {array.shape}."
            )
        if not np.isfinite(array).all():
            raise ValueError(f"{name} holds NaN or infinite values; every one must be finite.")
        return array

    def save_state(self, path: str | os.PathLike) -> None:
        """Write the current states (and forecasts) as a state file for a later ``OnnxStream``."""
        np.savez(path, **self._arrays)
