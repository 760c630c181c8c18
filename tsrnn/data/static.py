"""Static covariates: per-series features constant over time, checked and encoded.

:func:`series_table` reads one row per series from a long frame (refusing a column that
varies within a series, or has missing values); a :class:`StaticEncoder` learns, at fit,
how the networks read them: numeric columns standardised across series, categorical
ones (object, string or category dtype) as integer codes ``1..n_levels`` with ``0`` for a
level not seen in fit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tsrnn.exceptions import DataValidationError

__all__ = ["StaticEncoder", "embedding_dim", "is_categorical", "series_table"]


def is_categorical(dtype: Any) -> bool:
    """Whether a column of this dtype is embedded (object, string or category) or numeric.

    Examples
    --------
    >>> is_categorical(pd.Series(["a"]).dtype), is_categorical(pd.Series([1.5]).dtype)
    (True, False)
    """
    return (
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
    )


def embedding_dim(n_levels: int) -> int:
    """Width of a categorical column's embedding: ``min(8, ceil(sqrt(n_levels)))``.

    Examples
    --------
    >>> [embedding_dim(n) for n in (1, 2, 4, 10, 100)]
    [1, 2, 2, 4, 8]
    """
    return max(1, min(8, math.ceil(math.sqrt(n_levels))))


def series_table(
    frame: pd.DataFrame, columns: list[str], *, id_col: str, stage: str = "fit"
) -> pd.DataFrame:
    """One row per series (indexed by id, in order of appearance) of the static ``columns``.

    Raises a :class:`~tsrnn.exceptions.DataValidationError` naming the series and row
    where a column is missing or varies within a series.

    Examples
    --------
    >>> df = pd.DataFrame({"unique_id": ["a", "a", "b"], "region": ["n", "n", "s"]})
    >>> series_table(df, ["region"], id_col="unique_id")["region"].tolist()
    ['n', 's']
    """
    ids = frame[id_col]
    for col in columns:
        values = frame[col]
        numeric = not is_categorical(values.dtype)
        if numeric and not (
            pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype)
        ):
            raise DataValidationError(
                f"Static covariate {col!r} has dtype {values.dtype}; give numbers, or strings / "
                "a category dtype for a categorical feature."
            )
        bad = values.isna().to_numpy()
        if numeric and not bad.any():
            bad = ~np.isfinite(values.to_numpy(dtype=np.float64))
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise DataValidationError(
                f"Static covariate {col!r} is missing or not finite at row {row} (series "
                f"{_plain(ids.iloc[row])!r}) in {stage}(); every row needs its series' value."
            )
        first = values.groupby(ids, sort=False, observed=True).transform("first")
        differs = (values != first).to_numpy()
        if differs.any():
            row = int(np.flatnonzero(differs)[0])
            one, other = _plain(first.iloc[row]), _plain(values.iloc[row])
            raise DataValidationError(
                f"Static covariate {col!r} varies within series {_plain(ids.iloc[row])!r}: "
                f"{one!r} and {other!r} (row {row}). A static covariate takes one value per "
                "series; give a time-varying column as a covariate instead."
            )
    return frame.drop_duplicates(id_col).set_index(id_col)[list(columns)]


@dataclass
class StaticEncoder:
    """How the networks read static covariates (learned at fit, saved with the model).

    ``encode`` gives ``(n_series, n_numeric + n_categorical)`` float32 rows: the numeric
    columns standardised with ``loc``/``scale`` (across series), then each categorical
    column's code (``levels.index(value) + 1``; ``0`` for a level not seen in fit).
    """

    numeric: list[str]
    categorical: list[str]
    levels: list[list[Any]]
    loc: list[float]
    scale: list[float]

    @classmethod
    def fit(cls, table: pd.DataFrame) -> StaticEncoder:
        """Learn levels and scaling from one row per training series."""
        numeric = [c for c in table.columns if not is_categorical(table[c].dtype)]
        categorical = [c for c in table.columns if c not in numeric]
        values = table[numeric].to_numpy(dtype=np.float64).reshape(len(table), len(numeric))
        loc, scale = values.mean(axis=0), values.std(axis=0)
        scale = np.where(scale > 0, scale, 1.0)
        levels = [_levels(table[c]) for c in categorical]
        return cls(numeric, categorical, levels, loc.tolist(), scale.tolist())

    @property
    def cardinalities(self) -> list[int]:
        """Rows of each categorical column's embedding table (the unknown level included)."""
        return [len(levels) + 1 for levels in self.levels]

    @property
    def dims(self) -> list[int]:
        """Embedding width of each categorical column (:func:`embedding_dim`)."""
        return [embedding_dim(len(levels)) for levels in self.levels]

    @property
    def width(self) -> int:
        """Columns of :meth:`encode` (one per static covariate)."""
        return len(self.numeric) + len(self.categorical)

    @property
    def expanded_width(self) -> int:
        """Input features the static covariates add to every step, embeddings expanded."""
        return len(self.numeric) + sum(self.dims)

    def encode(self, table: pd.DataFrame) -> np.ndarray:
        """``(len(table), width)`` float32: standardised numbers, then category codes."""
        numbers = table[self.numeric].to_numpy(dtype=np.float64).reshape(len(table), -1)
        numbers = (numbers - np.asarray(self.loc)) / np.asarray(self.scale)
        codes = [
            pd.Index(levels).get_indexer(table[col].astype(object)) + 1
            for col, levels in zip(self.categorical, self.levels, strict=True)
        ]
        return np.column_stack([numbers, *codes]).astype(np.float32).reshape(len(table), -1)

    def to_config(self) -> dict[str, Any]:
        """A JSON-ready dict (:meth:`from_config` reads it back)."""
        return {"numeric": self.numeric, "categorical": self.categorical,
                "levels": self.levels, "loc": self.loc, "scale": self.scale}  # fmt: skip

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> StaticEncoder:
        """The encoder that :meth:`to_config` wrote."""
        return cls(**config)


def _plain(value: Any) -> Any:
    """A NumPy scalar as the Python value it holds (readable in messages, JSON-ready)."""
    return value.item() if isinstance(value, np.generic) else value


def _levels(values: pd.Series) -> list[Any]:
    """The distinct values of a categorical column, sorted where they compare; plain Python."""
    distinct = [_plain(v) for v in pd.unique(values.astype(object))]
    try:
        return sorted(distinct)
    except TypeError:  # mixed types: order of appearance
        return distinct
