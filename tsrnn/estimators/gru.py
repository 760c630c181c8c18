"""GRUForecaster: the windowed recurrent forecaster with its cell fixed to GRU."""

from __future__ import annotations

from tsrnn.estimators._fixed_cell import FixedCellForecaster, fixed_cell_doc

__all__ = ["GRUForecaster"]


class GRUForecaster(FixedCellForecaster):  # noqa: D101 (docstring from fixed_cell_doc)
    __doc__ = fixed_cell_doc(
        name="GRUForecaster",
        label="GRU",
        cell="gru",
        blurb="The GRU has fewer parameters than the LSTM and often trains faster.",
    )

    cell = "gru"
