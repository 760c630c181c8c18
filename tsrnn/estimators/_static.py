"""Static covariates of the neural forecasters (the ``StaticParams`` group's mechanics).

``fit`` and ``update`` take the static columns out of ``X`` (:func:`split_fit`,
:func:`split_update`), so the row contract sees only the time-varying columns; each
series' encoded values live in ``static_`` (panel order) and the paths append them to
every step's inputs (:func:`with_static`); the network embeds the category codes
(:class:`tsrnn.nn.static.StaticInputNet`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from torch import nn

from tsrnn.data.static import StaticEncoder, series_table
from tsrnn.exceptions import DataValidationError, ParameterError
from tsrnn.nn.static import StaticInputNet

__all__ = ["split_fit", "split_update", "with_static", "wrap_network"]


def _names(est: Any) -> list[str]:
    names = getattr(est, "static_covariates", None)
    if names is None:
        return []
    if isinstance(names, str) or not all(isinstance(n, str) for n in names):
        raise ParameterError(f"static_covariates must be a list of column names; got {names!r}.")
    if len(set(names)) != len(names):
        raise ParameterError(f"static_covariates lists a column twice: {list(names)}.")
    return list(names)


def split_fit(est: Any, frame: pd.DataFrame) -> pd.DataFrame:
    """Check the static columns of a fit frame, learn their encoder; the frame without them."""
    for name in ("static_encoder_", "static_", "_static_fit"):
        vars(est).pop(name, None)
    names = _names(est)
    if not names:
        return frame
    keys = (est.id_col, est.time_col, est.target_col)
    missing = [c for c in names if c not in frame.columns or c in keys]
    if missing:
        raise DataValidationError(
            f"static_covariates names column(s) {missing} that X does not have as covariates; "
            f"X's columns are {list(frame.columns)}."
        )
    both = [c for c in names if c in (est.future_covariates or [])]
    if both:
        raise DataValidationError(
            f"Column(s) {both} are listed in both static_covariates and future_covariates; a "
            "column is either static (one value per series) or time-varying: list it once."
        )
    if getattr(est, "missing", "raise") == "mask" or getattr(est, "irregular", False):
        raise ParameterError(
            "static_covariates cannot be combined with missing='mask' or irregular=True yet; "
            "fit on complete, regular series, or give the static values as covariates."
        )
    table = series_table(frame, names, id_col=est.id_col)
    est._static_fit = table  # fitted attributes only once training starts (align)
    return frame.drop(columns=names)


def align(est: Any, ids: np.ndarray) -> None:
    """``static_encoder_`` and ``static_``: the fit's series ``ids`` encoded, panel order."""
    table = vars(est).pop("_static_fit", None)
    if table is not None:
        est.static_encoder_ = StaticEncoder.fit(table)
        est.static_ = est.static_encoder_.encode(table.loc[list(ids)])


def split_update(est: Any, frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The update frame without static columns, and the static rows of its new series.

    The static columns come all or none; known series may leave them out, and where
    given they must match fit's values. New series need them.
    """
    encoder = getattr(est, "static_encoder_", None)
    if encoder is None:
        return frame, None
    names = [*encoder.numeric, *encoder.categorical]
    given = [c for c in names if c in frame.columns]
    if given and len(given) < len(names):
        raise DataValidationError(
            f"update() takes the static covariates {names} all or none; X has only {given}."
        )
    known = pd.Index(est.calendar_.ids).get_indexer(frame[est.id_col]) >= 0
    if not given:
        if not known.all():
            first = frame.loc[~known, est.id_col].iloc[0]
            raise DataValidationError(
                f"update() adds series {first!r}, which needs its static covariates: give "
                f"the column(s) {names} in X."
            )
        return frame, None
    table = series_table(frame, names, id_col=est.id_col, stage="update")
    old = table.index.isin(est.calendar_.ids)
    if old.any():
        fitted = est.static_[est.calendar_.positions(table.index[old], action="update")]
        differs = (encoder.encode(table[old]) != fitted).any(axis=1)
        if differs.any():
            raise DataValidationError(
                f"update() gives series {table.index[old][differs][0]!r} static covariates "
                "that differ from those seen in fit; static values cannot change: refit, or "
                "leave the static columns out of X for known series."
            )
    return frame.drop(columns=names), table[~old]


def add_series(est: Any, ids: np.ndarray, new: pd.DataFrame | None) -> None:
    """Append the encoded static values of series first seen in update (levels not seen: 0)."""
    if getattr(est, "static_encoder_", None) is not None and new is not None:
        est.static_ = np.concatenate([est.static_, est.static_encoder_.encode(new.loc[list(ids)])])


def with_static(
    est: Any, values: np.ndarray, lengths: np.ndarray, positions: np.ndarray | None = None
) -> np.ndarray:
    """``values`` (rows of series ``positions``, default all) with their static columns."""
    if getattr(est, "static_", None) is None:
        return values
    pos = np.arange(len(lengths)) if positions is None else positions
    rows = est.static_[np.repeat(pos, lengths)]
    return np.concatenate([values, rows], axis=1).astype(np.float32, copy=False)


def wrap_network(est: Any, sizes: tuple[int, int]) -> nn.Module:
    """The estimator's network over inputs that end with the static columns."""
    encoder = getattr(est, "static_encoder_", None)
    if encoder is None:
        return est._build_network(*sizes)
    net = est._build_network(sizes[0] + encoder.expanded_width, sizes[1])
    return StaticInputNet(net, encoder.cardinalities, encoder.dims)
