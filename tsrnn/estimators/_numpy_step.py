"""The NumPy step of :class:`~tsrnn.estimators.StreamSession`: a fused encoder and point head.

The network's weights are read once per network and parameter version into float32 arrays
(gates reordered, biases folded into a last row); a step is then a few in-place ufunc and
matrix-product calls on preallocated buffers, with no torch call.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np
import torch
from scipy.special import expit

__all__ = ["_NumpyStep", "_lanes_of", "_numpy_weights"]


def _lanes_of(state: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, Any, Any]:
    """The session's states: a view of ``state`` where they can be, else a copy.

    Returns the states ``[S, parts, layers, hidden]``, where they go in ``state`` and the
    array they are a view of (None for a copy, which every push writes back).
    """
    n = len(positions)
    first = int(positions[0]) if n else 0
    if (state.dtype == np.float32 and state.flags.c_contiguous and n
            and bool((positions == np.arange(first, first + n)).all())):  # fmt: skip
        return state[first : first + n], slice(first, first + n), state
    return np.array(state[positions], dtype=np.float32, order="C"), positions, None


_WEIGHTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _numpy_weights(net: Any) -> dict | None:
    """The network's step as float32 NumPy arrays, or None where only torch runs it.

    Covered: a fused ``rnn``/``lstm``/``gru`` encoder (any layers, one direction, in eval
    mode) under the point head, with no known-future head. Read once per network and
    parameter version (training in place moves the versions on).
    """
    rnn = getattr(net, "rnn", None)
    cell = getattr(rnn, "cell", None)
    if (cell not in ("rnn", "lstm", "gru") or not isinstance(rnn, torch.nn.RNNBase)
            or rnn.bidirectional or not rnn.bias or getattr(rnn, "proj_size", 0)
            or getattr(rnn, "nonlinearity", "tanh") != "tanh" or net.training
            or getattr(net, "future_head", None) is not None
            or not isinstance(getattr(net, "head", None), torch.nn.Linear)):  # fmt: skip
        return None
    params = list(net.parameters())
    key = tuple((p.data_ptr(), p._version) for p in params)
    cached = _WEIGHTS.get(net)
    if cached is not None and cached[0] == key:
        return cached[1]
    hidden = rnn.hidden_size
    layers = []
    with torch.no_grad():
        for k in range(rnn.num_layers):
            w_ih, w_hh, b_ih, b_hh = (
                getattr(rnn, f"{name}_l{k}").detach().cpu().double().numpy()
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
            )
            n_in = w_ih.shape[1]
            if cell == "gru":  # columns r, z (both biases), n from x, n from h (b_hn apart)
                w = np.zeros((n_in + hidden, 4 * hidden))
                w[:n_in, : 3 * hidden] = w_ih.T
                w[n_in:, : 2 * hidden] = w_hh[: 2 * hidden].T
                w[n_in:, 3 * hidden :] = w_hh[2 * hidden :].T
                b = np.concatenate([b_ih[: 2 * hidden] + b_hh[: 2 * hidden],
                                    b_ih[2 * hidden :], b_hh[2 * hidden :]])  # fmt: skip
            else:
                w = np.concatenate([w_ih.T, w_hh.T])  # [I + H, G * H]
                b = b_ih + b_hh
                if cell == "lstm":  # gates i, f, g, o -> i, f, o (one expit), g
                    order = np.r_[0 : 2 * hidden, 3 * hidden : 4 * hidden, 2 * hidden : 3 * hidden]
                    w, b = w[:, order], b[order]
            layers.append((np.ascontiguousarray(w, np.float32), b.astype(np.float32), n_in))
        head_w = np.ascontiguousarray(net.head.weight.detach().cpu().numpy().T, np.float32)
        head_b = net.head.bias.detach().cpu().numpy().astype(np.float32)
    weights = {"cell": cell, "hidden": hidden, "layers": layers, "head": (head_w, head_b)}
    _WEIGHTS[net] = (key, weights)
    return weights


class _NumpyStep:
    """One step of a fused encoder + point head over ``S`` lanes, on preallocated buffers.

    Every slice is a view made once here, so a step is nine ufunc/matmul calls per LSTM layer
    and one for the head, none of them broadcasting. Each layer reads ``[x, h, 1]`` (bias
    folded into the weights' last row); the top layer's row also holds the ``level`` the
    forecast is relative to, in units of the series' scale, which the head adds (a row of
    ones), so its output times the scale is the forecast. ``state`` (``[S, parts, layers,
    hidden]``, the estimator's layout; a view of the estimator's ``state_`` where the
    lanes are contiguous in it) holds the lanes' state after the last step; the LSTM's
    ``c`` lives in it.
    """

    def __init__(self, weights: dict, state: np.ndarray) -> None:
        self.cell, hid = weights["cell"], weights["hidden"]
        head_w, head_b = weights["head"]
        lanes, last = state.shape[0], len(weights["layers"]) - 1
        self.state = state  # [S, P, L, H] float32, C order (see StreamSession)
        self.tmp = np.empty((lanes, hid), np.float32)
        xhs = [np.ones((lanes, n_in + hid + 1 + (k == last)), np.float32)
               for k, (_, _, n_in) in enumerate(weights["layers"])]  # fmt: skip
        self.layers = []
        for k, (w, b, n_in) in enumerate(weights["layers"]):
            xh, g = xhs[k], np.empty((lanes, w.shape[1]), np.float32)
            h = xh[:, n_in : n_in + hid]
            h[...] = self.state[:, 0, k]
            if k < last:
                xhs[k + 1][:, :hid] = self.state[:, 0, k]
            rows = [w, b[None]] + [np.zeros((1, w.shape[1]), np.float32)] * (k == last)
            views = [xh, np.ascontiguousarray(np.vstack(rows)), g, h, self.state[:, 0, k],
                     xhs[k + 1][:, :hid] if k < last else None]  # fmt: skip
            if self.cell == "lstm":  # columns i, f, o, g
                views += [g[:, : 3 * hid], g[:, :hid], g[:, hid : 2 * hid],
                          g[:, 2 * hid : 3 * hid], g[:, 3 * hid :],
                          self.state[:, 1, k]]  # fmt: skip
            elif self.cell == "gru":  # columns r, z, n of x, n of h
                views += [g[:, : 2 * hid], g[:, :hid], g[:, hid : 2 * hid],
                          g[:, 2 * hid : 3 * hid], g[:, 3 * hid :]]  # fmt: skip
            self.layers.append(tuple(views))
        self.x = xhs[0][:, : weights["layers"][0][2]]
        self.level = xhs[last][:, -1:]  # [S, 1]
        self.top = xhs[last][:, weights["layers"][last][2] :]  # [h, 1, level]
        ones = np.ones((1, head_w.shape[1]), np.float32)
        self.head_w = np.ascontiguousarray(np.vstack([head_w, head_b[None], ones]))
        self.out = np.empty((lanes, head_w.shape[1]), np.float32)

    def __call__(self) -> np.ndarray:
        """Step from ``x`` and ``level`` (written by the caller); ``[S, horizon]`` buffer.

        The buffer holds the forecast divided by each series' scale.
        """
        tmp, cell = self.tmp, self.cell
        for xh, w, g, h, h_state, nxt, *v in self.layers:
            np.dot(xh, w, out=g)
            if cell == "lstm":
                sig, i, f, o, gg, c = v
                expit(sig, out=sig)
                np.tanh(gg, out=gg)
                c *= f
                np.multiply(i, gg, out=tmp)
                c += tmp
                np.tanh(c, out=tmp)
                np.multiply(o, tmp, out=h)
            elif cell == "gru":  # n = tanh(n_x + r * n_h); h = n + z * (h - n)
                sig, r, z, nx, nh = v
                expit(sig, out=sig)
                nh *= r
                nh += nx
                np.tanh(nh, out=nh)
                np.subtract(h, nh, out=tmp)
                tmp *= z
                np.add(nh, tmp, out=h)
            else:
                np.tanh(g, out=h)
            np.copyto(h_state, h)
            if nxt is not None:
                np.copyto(nxt, h)
        return np.dot(self.top, self.head_w, out=self.out)
