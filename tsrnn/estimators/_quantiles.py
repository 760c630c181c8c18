"""Quantiles between those a model emits: linear interpolation across the levels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tsrnn.exceptions import ParameterError

__all__ = ["interpolate_quantiles"]


def interpolate_quantiles(
    values: np.ndarray, levels: Sequence[float], wanted: Sequence[float], model: Any = None
) -> np.ndarray:
    """Quantiles ``wanted`` from quantiles ``values[..., k]`` at sorted ``levels``.

    A level the model emits is returned as is; one between two emitted levels is
    interpolated linearly (monotone, so interpolated quantiles never cross either).
    A level outside the emitted range cannot be given.

    Examples
    --------
    >>> v = np.array([[[0.0, 1.0, 3.0]]])
    >>> interpolate_quantiles(v, [0.1, 0.5, 0.9], [0.5, 0.7]).round(6).tolist()
    [[[1.0, 2.0]]]
    """
    levels = np.asarray(levels, dtype=float)
    outside = [q for q in wanted if q < levels[0] - 1e-12 or q > levels[-1] + 1e-12]
    if outside:
        name = type(model).__name__ if model is not None else "The model"
        raise ParameterError(
            f"{name} emits the quantiles {levels.tolist()}; it cannot give {outside} outside "
            f"[{levels[0]}, {levels[-1]}]. Refit with quantiles= that include them (e.g. "
            "0.025 and 0.975 for 95% intervals), or wrap it in ConformalForecaster."
        )
    out = np.empty((*values.shape[:-1], len(wanted)))
    for j, q in enumerate(wanted):
        k = int(np.clip(np.searchsorted(levels, q), 1, len(levels) - 1)) if len(levels) > 1 else 0
        if len(levels) == 1 or abs(levels[k] - q) < 1e-12:
            out[..., j] = values[..., k]
            continue
        lo, hi = levels[k - 1], levels[k]
        w = (q - lo) / (hi - lo)
        out[..., j] = (1 - w) * values[..., k - 1] + w * values[..., k]
    return out
