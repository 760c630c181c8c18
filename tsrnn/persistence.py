"""Save and load fitted forecasters in a safe format: JSON, numpy arrays and torch weights.

``save_forecaster`` writes one directory holding ``config.json`` (class, parameters,
fitted metadata, the format version and the tsrnn version that wrote it), ``arrays.npz``
(saved without pickle) and, for neural models, ``weights.pt`` (a plain ``state_dict``).
``load_forecaster`` reads them with ``allow_pickle=False`` and
``torch.load(weights_only=True)``: loading never executes code from the files. Pickle and
joblib also work, but only load pickles you trust.

Every file records ``format_version``. A tsrnn release reads every format from
``OLDEST_FORMAT_VERSION`` to ``FORMAT_VERSION``: when the format changes, the
loader gains one ``upgrade_from_N(config, arrays)`` step in ``_UPGRADES`` that turns a
format-N file into format N + 1, so old files keep loading. ``tests/fixtures/models``
holds files of every format, which the test suite loads and checks against the forecasts
they gave when they were written.
"""

from __future__ import annotations

import json
import pickle  # only for its exception: the weights load with weights_only=True
import zipfile
from collections.abc import Callable
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
from tsrnn.exceptions import TsrnnError

__all__ = ["FORMAT_VERSION", "OLDEST_FORMAT_VERSION", "load_forecaster", "save_forecaster"]

#: The format ``save_forecaster`` writes, and the newest ``load_forecaster`` reads.
FORMAT_VERSION = 1
#: The oldest format ``load_forecaster`` still reads (upgrading it step by step).
OLDEST_FORMAT_VERSION = 1

Arrays = dict[str, np.ndarray]
#: ``_UPGRADES[n](config, arrays)`` returns the format ``n + 1`` equivalent of a format-``n``
#: file, e.g. ``{1: upgrade_from_1}`` once format 2 exists. Empty while only format 1 exists.
_UPGRADES: dict[int, Callable[[dict[str, Any], Arrays], tuple[dict[str, Any], Arrays]]] = {}

_CLASSES = {name: getattr(mod, name) for mod in (estimators, baselines) for name in mod.__all__}
_CONFIG_KEYS = ("params", "covariates", "future_covariates", "ids", "last_time", "freq", "columns")
_ARRAYS = ("context_values", "context_indptr")
_RESAVE = "save the model again with save_forecaster, or refit it"


def _tsrnn_version() -> str:
    from tsrnn import __version__  # tsrnn/__init__.py imports this module before defining it

    return __version__


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
    """Write a fitted forecaster to the directory ``path`` in the safe format.

    The directory (created if needed) gets ``config.json``, ``arrays.npz`` and, for neural
    forecasters, ``weights.pt``; files of those names already there are replaced.
    ``config.json`` records ``format_version`` (``FORMAT_VERSION``) and
    ``tsrnn_version``. Later tsrnn releases load every format they list as supported
    (see :func:`load_forecaster`).

    Parameters
    ----------
    estimator : BaseForecaster
        A fitted tsrnn forecaster (a neural one or a statistical baseline) whose
        parameters are JSON values.
    path : str or Path
        The directory to write.

    Returns
    -------
    Path
        ``path``, as a ``pathlib.Path``.

    Raises
    ------
    TsrnnError
        If ``estimator`` is not a tsrnn forecaster this format holds (meta-estimators
        such as ``EnsembleForecaster`` keep fitted sub-estimators: use pickle/joblib),
        or a parameter is not JSON-serialisable.
    sklearn.exceptions.NotFittedError
        If ``estimator`` is not fitted.

    Examples
    --------
    >>> import json, tempfile
    >>> from tsrnn import SeasonalNaiveForecaster
    >>> from tsrnn.datasets import load_dataset
    >>> est = SeasonalNaiveForecaster(horizon=3).fit(load_dataset("monthly_short"))
    >>> folder = save_forecaster(est, tempfile.mkdtemp())
    >>> sorted(p.name for p in folder.iterdir())
    ['arrays.npz', 'config.json']
    >>> json.loads((folder / "config.json").read_text())["format_version"]
    1
    """
    name = type(estimator).__name__
    if _CLASSES.get(name) is not type(estimator):
        raise TsrnnError(f"{name} is not a tsrnn forecaster; use pickle/joblib for it.")
    check_is_fitted(estimator)
    params = _json_ready(estimator.get_params(deep=False), "A parameter")
    if not hasattr(estimator, "context_"):
        raise TsrnnError(
            f"{name} keeps fitted sub-estimators, which the safe format does not hold yet; "
            "use pickle/joblib for it (trusted files only)."
        )
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    cal, ctx = estimator.calendar_, estimator.context_
    config = {
        "format_version": FORMAT_VERSION,
        "tsrnn_version": _tsrnn_version(),
        "class": name,
        "params": params,
        "covariates": estimator.covariates_,
        "future_covariates": estimator.future_covariates_,
        "ids": _json_ready([i.item() if hasattr(i, "item") else i for i in cal.ids], "A series id"),
        "last_time": _times_to_json(cal.last_time),
        "freq": [int(f) if isinstance(f, (int, np.integer)) else f for f in cal.freq],
        "columns": list(ctx.columns),
        "time_unit": getattr(cal, "unit", None),
    }
    arrays = {"context_values": ctx.values, "context_indptr": ctx.indptr}
    state_config, state_arrays = estimator._fitted_state()  # what the family learned
    config |= _json_ready(state_config, "A fitted attribute")
    arrays |= state_arrays
    if hasattr(estimator, "network_"):
        torch.save(estimator.network_.state_dict(), path / "weights.pt")
    (path / "config.json").write_text(json.dumps(config, indent=1))
    np.savez(path / "arrays.npz", **arrays)
    return path


def load_forecaster(path: str | Path) -> BaseForecaster:
    """Read a forecaster written by :func:`save_forecaster`; no code from the files runs.

    Files of every format from ``OLDEST_FORMAT_VERSION`` to ``FORMAT_VERSION``
    load, whichever tsrnn release wrote them: older formats are upgraded in memory (the
    files are left as they are) and give the forecasts they gave when saved. A file of a
    newer format needs a newer tsrnn.

    Parameters
    ----------
    path : str or Path
        A directory written by :func:`save_forecaster`.

    Returns
    -------
    BaseForecaster
        The fitted forecaster, ready to ``predict``, ``forecast`` and ``update``.

    Raises
    ------
    TsrnnError
        If ``path`` is not a tsrnn model directory (no ``config.json``, invalid JSON, an
        unknown class, a missing or damaged ``arrays.npz`` or ``weights.pt``), or its
        format is newer or older than this tsrnn reads. The message names the file, what
        is wrong and what to do.

    Examples
    --------
    >>> import tempfile
    >>> from tsrnn import SeasonalNaiveForecaster
    >>> from tsrnn.datasets import load_dataset
    >>> est = SeasonalNaiveForecaster(horizon=3).fit(load_dataset("monthly_short"))
    >>> folder = save_forecaster(est, tempfile.mkdtemp())
    >>> load_forecaster(folder).forecast().equals(est.forecast())
    True
    >>> load_forecaster(tempfile.mkdtemp())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tsrnn.exceptions.TsrnnError: ... is not a tsrnn model directory: it has no config.json...
    """
    path = Path(path)
    config = _read_config(path)
    version = _check_version(config, path)
    arrays = _read_arrays(path)
    for n in range(version, FORMAT_VERSION):
        config, arrays = _UPGRADES[n](config, arrays)
    cls = _check_contents(config, arrays, path)
    estimator = _restore_common(cls, config, arrays, path)
    if not cls._saves_weights:
        estimator._restore(config, arrays, None)
        return estimator
    weights = _read_weights(path, estimator)
    try:
        estimator._restore(config, arrays, weights)
    except (RuntimeError, TypeError, AttributeError) as err:
        raise _foreign_weights(path / "weights.pt", estimator, err) from None
    return estimator


def _read_config(path: Path) -> dict[str, Any]:
    """The parsed ``config.json`` of ``path``, or an error saying why there is none."""
    if not path.is_dir():
        what = "is a file" if path.exists() else "does not exist"
        raise TsrnnError(
            f"{path} {what}: load_forecaster reads the directory save_forecaster wrote (a "
            "pickle or joblib file loads with pickle.load / joblib.load, trusted files only)."
        )
    file = path / "config.json"
    if not file.is_file():
        raise TsrnnError(
            f"{path} is not a tsrnn model directory: it has no config.json. Give the directory "
            "that save_forecaster wrote."
        )
    try:
        config = json.loads(file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise TsrnnError(
            f"{file} is not valid JSON ({err}): the file is damaged; {_RESAVE}."
        ) from None
    if not isinstance(config, dict):
        raise TsrnnError(f"{file} holds no JSON object, so it was not written by save_forecaster.")
    return config


def _check_version(config: dict[str, Any], path: Path) -> int:
    """The file's format version, if this tsrnn reads it."""
    version = config.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise TsrnnError(
            f"{path / 'config.json'} has no integer format_version (got {version!r}), so it "
            "was not written by save_forecaster."
        )
    wrote = f"tsrnn {config['tsrnn_version']}" if "tsrnn_version" in config else "tsrnn"
    here = f"this tsrnn ({_tsrnn_version()}) reads formats {OLDEST_FORMAT_VERSION} to "
    here += f"{FORMAT_VERSION}"
    if version > FORMAT_VERSION:
        raise TsrnnError(
            f"{path} was written by {wrote} in model format {version}, but {here}. Upgrade "
            "tsrnn (pip install --upgrade tsrnn) to load it."
        )
    if version < OLDEST_FORMAT_VERSION:
        raise TsrnnError(
            f"{path} was written by {wrote} in model format {version}, which is no longer "
            f"supported: {here}. Load it with a tsrnn release that still reads format "
            f"{version} and save it again there in a newer format, or refit the model."
        )
    return version


def _read_arrays(path: Path) -> Arrays:
    file = path / "arrays.npz"
    if not file.is_file():
        raise TsrnnError(
            f"{path} is not a complete tsrnn model directory: arrays.npz is missing. Copy "
            f"the whole directory save_forecaster wrote, or {_RESAVE}."
        )
    try:
        with np.load(file, allow_pickle=False) as npz:
            return {key: npz[key] for key in npz.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
        raise TsrnnError(
            f"{file} cannot be read ({err}): the file is damaged; {_RESAVE}."
        ) from None


def _check_contents(config: dict[str, Any], arrays: Arrays, path: Path) -> type:
    """The estimator class named by ``config``, once every entry it needs is present."""
    name = config.get("class")
    cls = _CLASSES.get(name) if isinstance(name, str) else None
    if cls is None:
        raise TsrnnError(
            f"{path / 'config.json'} names the class {name!r}, which this tsrnn does not "
            f"know (it knows {', '.join(sorted(_CLASSES))}); a newer tsrnn may."
        )
    missing = [k for k in (*_CONFIG_KEYS, *cls._state_config) if k not in config]
    if missing:
        raise TsrnnError(f"{path / 'config.json'} lacks {missing}: it is damaged; {_RESAVE}.")
    missing = [k for k in (*_ARRAYS, *cls._state_arrays) if k not in arrays]
    if missing:
        raise TsrnnError(f"{path / 'arrays.npz'} lacks {missing}: it is damaged; {_RESAVE}.")
    return cls


def _restore_common(cls: type, config: dict[str, Any], arrays: Arrays, path: Path) -> Any:
    """The estimator with its parameters, calendar and context."""
    try:
        estimator = cls(**config["params"])
    except TypeError as err:
        raise TsrnnError(
            f"{path / 'config.json'} gives {cls.__name__} parameters it does not take ({err}); "
            f"{_RESAVE}."
        ) from None
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
    return estimator


def _read_weights(path: Path, estimator: Any) -> dict[str, torch.Tensor]:
    """The plain tensors of ``weights.pt`` (loaded with ``weights_only=True``)."""
    file = path / "weights.pt"
    if not file.is_file():
        raise TsrnnError(
            f"{path} is not a complete tsrnn model directory: weights.pt (the network "
            f"weights of this {type(estimator).__name__}) is missing. Copy the whole "
            f"directory save_forecaster wrote, or {_RESAVE}."
        )
    try:
        return torch.load(file, weights_only=True)
    except pickle.UnpicklingError:
        raise TsrnnError(
            f"{file} is not a file of plain tensors: it is damaged, or holds objects that "
            f"load_forecaster refuses to load since loading them could run code; {_RESAVE}."
        ) from None
    except (RuntimeError, OSError, EOFError, ValueError, zipfile.BadZipFile) as err:
        raise _foreign_weights(file, estimator, err) from None


def _foreign_weights(file: Path, estimator: Any, err: Exception) -> TsrnnError:
    first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return TsrnnError(
        f"{file} does not hold the weights of this {type(estimator).__name__} ({first}): it "
        f"is damaged or belongs to another model; {_RESAVE}."
    )
