"""The pandas boundary: normalise inputs, validate long frames, build panels.

This is the only module of the data layer that knows pandas quirks (dtypes,
frequencies, time zones). Everything downstream works on numpy arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from tsrnn.data.panel import Panel
from tsrnn.exceptions import DataValidationError

__all__ = [
    "check_keys",
    "check_long_frame",
    "frame_to_panel",
    "future_rows",
    "require_target",
    "to_long",
]


def to_long(X: Any, y: Any = None, *, id_col: str, time_col: str, target_col: str) -> pd.DataFrame:
    """Normalise the accepted input forms to one long frame.

    Accepted forms: a long ``DataFrame`` holding ``id_col`` and ``time_col`` (and
    ``target_col`` when ``y`` is None), with ``y`` aligned to its rows; a
    ``pd.Series`` with a ``DatetimeIndex`` (one series, named by the Series name);
    a wide ``DataFrame`` with a ``DatetimeIndex`` and one column per series.

    Returns
    -------
    DataFrame
        A new frame with a fresh ``RangeIndex``: ``id_col, time_col[, target_col], covariates``.

    Examples
    --------
    >>> s = pd.Series([1.0, 2.0], index=pd.date_range("2020-01", periods=2, freq="MS"), name="a")
    >>> to_long(s, id_col="unique_id", time_col="ds", target_col="y").columns.tolist()
    ['unique_id', 'ds', 'y']
    """
    if isinstance(X, pd.Series):
        if y is not None:
            raise TypeError(
                "Pass either a pd.Series of targets alone or a long X with y, not both."
            )
        if (
            not isinstance(X.index, (pd.DatetimeIndex, pd.RangeIndex, pd.Index))
            or X.index.nlevels > 1
        ):
            raise TypeError("A pd.Series input needs a DatetimeIndex (or integer index) of times.")
        name = X.name if X.name is not None else "series_0"
        frame = pd.DataFrame({id_col: name, time_col: X.index, target_col: X.to_numpy()})
        return frame
    if not isinstance(X, pd.DataFrame):
        raise TypeError(
            f"X must be a pandas DataFrame (long format with columns {id_col!r} and "
            f"{time_col!r}), a wide DataFrame with a DatetimeIndex, or a pd.Series with a "
            f"DatetimeIndex; got {type(X).__name__}. Numpy arrays carry no series ids or times."
        )
    if id_col not in X.columns and time_col not in X.columns:
        if y is not None or not isinstance(X.index, pd.DatetimeIndex):
            raise DataValidationError(
                f"X has neither an {id_col!r} nor a {time_col!r} column. Pass a long frame "
                f"with those columns (or set id_col/time_col), or a wide frame with a "
                "DatetimeIndex and one column per series."
            )
        wide = X.rename_axis(index=time_col, columns=id_col)
        frame = wide.melt(ignore_index=False, value_name=target_col).reset_index()
        frame = frame.dropna(subset=[target_col])  # wide frames pad unequal lengths with NaN
        return frame[[id_col, time_col, target_col]].reset_index(drop=True)
    missing = [c for c in (id_col, time_col) if c not in X.columns]
    if missing:
        raise DataValidationError(
            f"X is missing the column(s) {missing}; it has {list(X.columns)}. "
            "Rename them or pass id_col=/time_col= to the estimator."
        )
    frame = X.reset_index(drop=True)
    if y is not None:
        values = np.asarray(y)
        if values.ndim == 2 and values.shape[1] == 1:
            values = values[:, 0]
        if values.ndim != 1 or len(values) != len(frame):
            raise DataValidationError(
                f"y must be one value per row of X: X has {len(frame)} rows, y has shape "
                f"{values.shape}."
            )
        frame = frame.drop(columns=[target_col], errors="ignore")
        frame[target_col] = values
    return frame


def _row_label(frame: pd.DataFrame, position: int) -> str:
    return f"row {position}"


def check_keys(frame: pd.DataFrame, *, id_col: str, time_col: str) -> None:
    """The id and time columns: a datetime or integer time column, no missing id or time."""
    times = frame[time_col]
    if not (pd.api.types.is_datetime64_any_dtype(times) or pd.api.types.is_integer_dtype(times)):
        raise DataValidationError(
            f"Column {time_col!r} has dtype {times.dtype}; it must hold datetimes or integers. "
            f"Convert it, e.g. df[{time_col!r}] = pd.to_datetime(df[{time_col!r}])."
        )
    if frame[id_col].isna().any():
        row = int(np.flatnonzero(frame[id_col].isna().to_numpy())[0])
        raise DataValidationError(
            f"Column {id_col!r} is missing at row {row}; every row needs a series id."
        )
    if times.isna().any():
        row = int(np.flatnonzero(times.isna().to_numpy())[0])
        raise DataValidationError(f"Column {time_col!r} is missing (NaT) at row {row}.")


def check_future_rows(
    frame: pd.DataFrame, *, id_col: str, time_col: str, covariates: Sequence[str]
) -> None:
    """Validate the rows given to ``predict``: keys, and known-future covariates if any.

    Repeated or unsorted rows are allowed (each gets its forecast), so only the
    covariates of the distinct, sorted rows go through :func:`check_long_frame`.
    """
    if not covariates:
        check_keys(frame, id_col=id_col, time_col=time_col)
        return
    keys = [id_col, time_col]
    rows = frame.drop_duplicates(keys).sort_values(keys, kind="stable")
    check_long_frame(rows, id_col=id_col, time_col=time_col, target_col=None, covariates=covariates)


def check_long_frame(
    frame: pd.DataFrame,
    *,
    id_col: str,
    time_col: str,
    target_col: str | None,
    covariates: Sequence[str],
    allow_missing_target: bool = False,
    stage: str = "fit",
) -> np.ndarray:
    """Validate a long frame and return the row order that groups it by series.

    Rules: numeric finite target (when ``target_col`` is given; NaN allowed with
    ``allow_missing_target``, infinities never) and covariates, a datetime or
    integer time column, times strictly increasing within each series in row
    order (so no duplicates).

    Parameters
    ----------
    stage : str, default="fit"
        The method the frame was given to (``"fit"``, ``"update"``): error messages
        name it.

    Returns
    -------
    ndarray of int64
        Row positions ordering the frame by series (first-appearance order), then time.

    Raises
    ------
    DataValidationError
        Naming the column, series and row at fault, and the fix.
    """
    check_keys(frame, id_col=id_col, time_col=time_col)
    times = frame[time_col]
    checked = ([target_col] if target_col is not None else []) + list(covariates)
    for col in checked:
        _check_numeric_column(
            frame,
            col,
            id_col,
            time_col,
            is_target=col == target_col,
            allow_nan=allow_missing_target,
            stage=stage,
        )
    codes, _ = pd.factorize(frame[id_col], sort=False)
    order = np.argsort(codes, kind="stable")
    t = times.iloc[order]
    same_series = codes[order][1:] == codes[order][:-1]
    bad = np.flatnonzero(same_series & ~(t.to_numpy()[1:] > t.to_numpy()[:-1]))
    # strictly increasing times have no duplicates: look for them only to name the fault
    dup = frame.duplicated([id_col, time_col], keep="first").to_numpy() if len(bad) else bad
    if dup.any():
        pos = int(np.flatnonzero(dup)[0])
        raise DataValidationError(
            f"Series {frame[id_col].iloc[pos]!r} has duplicate timestamps: row {pos} repeats "
            f"{time_col}={times.iloc[pos]} ({int(dup.sum())} duplicate row(s) in all). Drop them "
            f"(df.drop_duplicates([{id_col!r}, {time_col!r}])) and sort with "
            f"df.sort_values([{id_col!r}, {time_col!r}])."
        )
    if len(bad):
        pos, prev = int(order[bad[0] + 1]), int(order[bad[0]])
        raise DataValidationError(
            f"Series {frame[id_col].iloc[pos]!r} has unsorted timestamps: row {pos} "
            f"({time_col}={t.iloc[bad[0] + 1]}) comes after row {prev} ({time_col}="
            f"{t.iloc[bad[0]]}) but is earlier. Sort with "
            f"df.sort_values([{id_col!r}, {time_col!r}])."
        )
    return order


def _check_numeric_column(
    frame: pd.DataFrame,
    col: str,
    id_col: str,
    time_col: str,
    *,
    is_target: bool,
    allow_nan: bool = False,
    stage: str = "fit",
) -> None:
    if col not in frame.columns:
        raise DataValidationError(
            f"Column {col!r} is missing; the frame has {list(frame.columns)}."
        )
    series = frame[col]
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        raise DataValidationError(
            f"Column {col!r} has dtype {series.dtype}; tsrnn needs numeric values. Convert it "
            f"(pd.to_numeric, or one-hot encode categories in a Pipeline step) or drop it."
        )
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(values)
    if is_target and allow_nan:
        bad &= ~np.isnan(values)
    if bad.any():
        raise DataValidationError(
            _non_finite_message(
                frame, values, bad, col, id_col, time_col, is_target, allow_nan, stage
            )
        )


def _count_kinds(values: np.ndarray) -> str:
    """``"2 NaN, 1 +inf and 12 -inf values"``: the non-finite values of ``values`` by kind."""
    counts = {
        "NaN": int(np.isnan(values).sum()),
        "+inf": int(np.isposinf(values).sum()),
        "-inf": int(np.isneginf(values).sum()),
    }
    parts = [f"{n} {kind}" for kind, n in counts.items() if n]
    text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return text + (" value" if sum(counts.values()) == 1 else " values")


_LOG_HINT = (
    "A target transform such as TransformedTargetRegressor(func=np.log) turns zeros into -inf "
    "and negatives into NaN; use np.log1p or tsrnn.preprocessing.LogTransformer (an automatic "
    "offset) instead."
)


def _stamp(value: Any) -> str:
    """A time stamp as a user writes it: the date alone at midnight."""
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        return value.strftime("%Y-%m-%d")
    return str(value)


def _non_finite_message(
    frame: pd.DataFrame,
    values: np.ndarray,
    bad: np.ndarray,
    col: str,
    id_col: str,
    time_col: str,
    is_target: bool,
    allow_nan: bool,
    stage: str,
) -> str:
    """Say how many NaN/+inf/-inf, where the first is, how many series, and the fix."""
    row = int(np.flatnonzero(bad)[0])
    n_series = frame[id_col][bad].nunique()
    where = (
        f"first at row {row}: series {frame[id_col].iloc[row]!r} at "
        f"{_stamp(frame[time_col].iloc[row])}; {n_series} series"
    )
    found = values[bad]
    if is_target:
        head = f"The target given to {stage} (column {col!r}, after any target transform)"
    else:
        head = f"The covariate column {col!r}"
    infinite = "Replace or drop the infinite values."
    hints = []
    if np.isneginf(found).any():
        hints.append(_LOG_HINT if is_target else infinite)
    if np.isposinf(found).any() and infinite not in hints:
        hints.append(infinite)
    if np.isnan(found).any():
        mask = " or let a neural forecaster mask missing targets (missing='mask')"
        hints.append(
            f"Fill or drop the missing values (e.g. df[{col!r}].interpolate()) before calling "
            f"{stage}(){mask if is_target and not allow_nan else ''}."
        )
        if is_target and _LOG_HINT not in hints:
            hints.append(
                "If a target transform made them (np.log turns negatives into NaN), use "
                "tsrnn.preprocessing.LogTransformer instead."
            )
    return f"{head} has {_count_kinds(found)} ({where}). " + " ".join(hints)


def frame_to_panel(
    frame: pd.DataFrame, order: np.ndarray, *, id_col: str, time_col: str, columns: Sequence[str]
) -> tuple[Panel, pd.Index]:
    """Build a :class:`Panel` from a validated long frame and the row ``order`` grouping it.

    ``columns`` are the value columns in panel order; a column absent from the
    frame is filled with NaN (a target not known at predict time).

    Returns
    -------
    panel : Panel
    times : Index
        The time stamps of the panel's rows.
    """
    ordered = frame.iloc[order]
    codes = pd.factorize(ordered[id_col], sort=False)[0]
    starts = (
        np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else np.empty(0, int)
    )
    indptr = np.append(starts, len(ordered)).astype(np.int64)
    values = np.empty((len(ordered), len(columns)), dtype=np.float32)
    for j, col in enumerate(columns):
        values[:, j] = (
            ordered[col].to_numpy(dtype=np.float32, na_value=np.nan)
            if col in ordered.columns
            else np.nan
        )
    series_ids = ordered[id_col].to_numpy()[indptr[:-1]].astype(object)
    return Panel(values, indptr, series_ids, tuple(columns)), pd.Index(ordered[time_col])


def require_target(frame: pd.DataFrame, target_col: str) -> None:
    """Raise the one "no target" error of the row contract when ``frame`` lacks the target.

    Examples
    --------
    >>> require_target(pd.DataFrame({"y": [1.0]}), "y")
    """
    if target_col not in frame.columns:
        raise DataValidationError(
            f"No target: pass y, or include the target column {target_col!r} in X (or set "
            "target_col=)."
        )


def future_rows(calendar: Any, steps: int, *, id_col: str, time_col: str) -> pd.DataFrame:
    """The ``id_col``/``time_col`` rows of the next ``steps`` steps of every series of ``calendar``.

    ``calendar`` is a :class:`~tsrnn.data.calendar.Calendar` (or its irregular form).
    """
    ids = calendar.id_index.repeat(steps)  # repeats the hashed Index: no dtype inference
    return pd.DataFrame({id_col: ids, time_col: calendar.future_times(steps)}, copy=False)
