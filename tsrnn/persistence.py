"""Save and load fitted forecasters in a safe format: JSON, numpy arrays and torch weights.

``save_forecaster`` writes one directory holding ``config.json`` (class, parameters,
fitted metadata), ``arrays.npz`` (saved without pickle) and, for neural models,
``weights.pt`` (a plain ``state_dict``). ``load_forecaster`` reads them with
``allow_pickle=False`` and ``torch.load(weights_only=True)``: loading never executes
code from the files. Pickle and joblib also work, but only load pickles you trust.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.utils.validation import check_is_fitted

from tsrnn import baselines, estimators
from tsrnn.base import BaseForecaster
from tsrnn.data.calendar import Calendar
from tsrnn.data.irregular import IrregularCalendar
from tsrnn.data.panel import Panel
from tsrnn.data.scaling import PanelScaler
from tsrnn.exceptions import TsrnnError

__all__ = ["load_forecaster", "save_forecaster"]

FORMAT_VERSION = 1
_CLASSES = {name: getattr(mod, name) for mod in (estimators, baselines) for name in mod.__all__}


def _json_ready(value: Any, what: str) -> Any:
    try:
        json.dumps(value)
    except TypeError as err:
        raise TsrnnError(
            f"{what} is not JSON-serialisable ({err}); use pickle/joblib for this estimator."
        ) from None
    return value


def _times_to_json(index: pd.Index) -> dict[str, Any]:
    if isinstance(index, pd.DatetimeIndex):
        naive = index.tz_localize(None) if index.tz is not None else index
        return {"kind": "datetime", "values": naive.astype(str).tolist(), "tz": str(index.tz or "")}
    return {"kind": "int", "values": [int(v) for v in index]}


def _times_from_json(spec: dict[str, Any]) -> pd.Index:
    if spec["kind"] == "int":
        return pd.Index(np.asarray(spec["values"], dtype=np.int64))
    index = pd.DatetimeIndex(spec["values"])
    return index.tz_localize(spec["tz"]) if spec["tz"] else index


def save_forecaster(estimator: BaseForecaster, path: str | Path) -> Path:
    """Write a fitted forecaster to the directory ``path`` (created if needed).

    Examples
    --------
    >>> import tempfile
    >>> from tsrnn import SeasonalNaiveForecaster
    >>> from tsrnn.datasets import load_dataset
    >>> est = SeasonalNaiveForecaster(horizon=3).fit(load_dataset("monthly_short"))
    >>> folder = save_forecaster(est, tempfile.mkdtemp())
    >>> load_forecaster(folder).forecast().equals(est.forecast())
    True
    """
    name = type(estimator).__name__
    if _CLASSES.get(name) is not type(estimator):
        raise TsrnnError(f"{name} is not a tsrnn forecaster; use pickle/joblib for it.")
    check_is_fitted(estimator)
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    cal, ctx = estimator.calendar_, estimator.context_
    config = {
        "format_version": FORMAT_VERSION,
        "class": name,
        "params": _json_ready(estimator.get_params(deep=False), "A parameter"),
        "covariates": estimator.covariates_,
        "future_covariates": estimator.future_covariates_,
        "ids": _json_ready([i.item() if hasattr(i, "item") else i for i in cal.ids], "A series id"),
        "last_time": _times_to_json(cal.last_time),
        "freq": [int(f) if isinstance(f, (int, np.integer)) else f for f in cal.freq],
        "columns": list(ctx.columns),
        "time_unit": getattr(cal, "unit", None),
    }
    arrays = {"context_values": ctx.values, "context_indptr": ctx.indptr}
    if hasattr(estimator, "network_"):
        config["history"] = estimator.history_
        config["n_windows"] = estimator.n_windows_
        config["network_sizes"] = list(estimator._network_sizes())
        scaler = estimator.scaler_
        config["scaler"] = scaler.method
        arrays |= {
            "target_loc": scaler.target_loc,
            "target_scale": scaler.target_scale,
            "covariate_loc": scaler.covariate_loc,
            "covariate_scale": scaler.covariate_scale,
        }
        if hasattr(estimator, "state_"):  # stateful (tbptt_steps): hidden state per series
            arrays["state"] = estimator.state_
        torch.save(estimator.network_.state_dict(), path / "weights.pt")
    (path / "config.json").write_text(json.dumps(config, indent=1))
    np.savez(path / "arrays.npz", **arrays)
    return path


def load_forecaster(path: str | Path) -> BaseForecaster:
    """Read a forecaster written by :func:`save_forecaster` (no code from the files runs)."""
    path = Path(path)
    config = json.loads((path / "config.json").read_text())
    if config.get("format_version") != FORMAT_VERSION or config.get("class") not in _CLASSES:
        raise TsrnnError(f"{path} is not a tsrnn forecaster directory of format {FORMAT_VERSION}.")
    estimator = _CLASSES[config["class"]](**config["params"])
    with np.load(path / "arrays.npz", allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    ids = np.array(config["ids"], dtype=object)
    estimator.covariates_ = config["covariates"]
    estimator.future_covariates_ = config["future_covariates"]
    last_time = _times_from_json(config["last_time"])
    if config.get("time_unit") is None:
        estimator.calendar_ = Calendar(ids, last_time, config["freq"])
    else:
        estimator.calendar_ = IrregularCalendar(ids, last_time, config["freq"], config["time_unit"])
    estimator.context_ = Panel(
        arrays["context_values"], arrays["context_indptr"], ids, tuple(config["columns"])
    )
    if "network_sizes" in config:
        estimator.scaler_ = PanelScaler(
            config["scaler"],
            arrays["target_loc"],
            arrays["target_scale"],
            arrays["covariate_loc"],
            arrays["covariate_scale"],
        )
        network = estimator._build_network(*config["network_sizes"])
        network.load_state_dict(torch.load(path / "weights.pt", weights_only=True))
        estimator.network_ = network.eval()
        estimator.history_ = config["history"]
        estimator.n_windows_ = config["n_windows"]
        if "state" in arrays:
            estimator.state_ = arrays["state"]
    return estimator
