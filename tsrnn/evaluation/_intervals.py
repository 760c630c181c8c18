"""Interval columns of a comparison: each model's bounds, coverage and MSIS."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from tsrnn._uncertainty import check_coverages, interval_columns
from tsrnn.exceptions import ParameterError
from tsrnn.metrics import msis

__all__ = ["band_columns", "calibrated_for", "interval_scores", "model_interval"]


def calibrated_for(est: Any, coverage: float) -> Any:
    """``est`` with ``coverage`` added to every nested ``coverages`` parameter (CQR levels)."""
    params = est.get_params(deep=True)
    extend = {
        key: sorted({*check_coverages(value), coverage})
        for key, value in params.items()
        if key.rsplit("__", 1)[-1] == "coverages"
        and not any(abs(c - coverage) < 1e-9 for c in check_coverages(value))
    }
    return est.set_params(**extend) if extend else est


def model_interval(est: Any, rows: pd.DataFrame, coverage: float) -> np.ndarray:
    """``(n_rows, 2)`` bounds of ``est``'s interval, NaN when the model gives none."""
    if not callable(getattr(est, "predict_interval", None)):
        return np.full((len(rows), 2), np.nan)
    try:
        return est.predict_interval(rows, coverage=coverage).to_numpy(dtype=float)
    except ParameterError as err:  # a point model: no interval of its own
        if "cannot give" not in str(err):
            raise
        return np.full((len(rows), 2), np.nan)


def band_columns(bands: Mapping[str, np.ndarray], name: str, coverage: float | None) -> dict:
    """The ``yhat_lo_<pct>``/``yhat_hi_<pct>`` columns of model ``name`` (none without bands)."""
    if coverage is None:
        return {}
    lo, hi = interval_columns(coverage)
    return {lo: bands[name][:, 0], hi: bands[name][:, 1]}


def interval_scores(
    bands: Mapping[str, np.ndarray],
    test: pd.DataFrame,
    history: pd.DataFrame,
    coverage: float,
    seasons: int | Mapping,
    cols: tuple[str, str, str],
) -> pd.DataFrame:
    """Per model: empirical ``coverage`` over rows and ``msis`` averaged over series."""
    id_col, _, target_col = cols
    actual = test[target_col].to_numpy(float)
    ids = test[id_col].to_numpy()
    past = {k: g[target_col].to_numpy(float) for k, g in history.groupby(id_col, sort=False)}
    out = {}
    for name, bound in bands.items():
        if np.isnan(bound).any():
            out[name] = {"coverage": np.nan, "msis": np.nan}
            continue
        inside = (bound[:, 0] <= actual) & (actual <= bound[:, 1])
        per_series = []
        for key in pd.unique(ids):
            rows = ids == key
            m = seasons.get(key, 1) if isinstance(seasons, Mapping) else seasons
            m = m if len(past[key]) > m else 1
            per_series.append(
                msis(
                    actual[rows],
                    bound[rows, 0],
                    bound[rows, 1],
                    past[key],
                    coverage=coverage,
                    season_length=int(m),
                )  # fmt: skip
            )
        out[name] = {"coverage": float(inside.mean()), "msis": float(np.nanmean(per_series))}
    return pd.DataFrame.from_dict(out, orient="index")
