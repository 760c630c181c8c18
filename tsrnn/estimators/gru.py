"""GRUForecaster: the windowed recurrent forecaster with its cell fixed to GRU."""

from __future__ import annotations

from tsrnn.estimators._fixed_cell import DOC_TEMPLATE, FixedCellForecaster

__all__ = ["GRUForecaster"]


class GRUForecaster(FixedCellForecaster):  # noqa: D101 (docstring from DOC_TEMPLATE)
    __doc__ = DOC_TEMPLATE.substitute(
        name="GRUForecaster",
        label="GRU",
        cell="gru",
        blurb="The GRU has fewer parameters than the LSTM and often trains faster.",
    )

    cell = "gru"
