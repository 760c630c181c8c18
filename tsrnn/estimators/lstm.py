"""LSTMForecaster: the windowed recurrent forecaster with its cell fixed to LSTM."""

from __future__ import annotations

from tsrnn.estimators._fixed_cell import FixedCellForecaster, fixed_cell_doc

__all__ = ["LSTMForecaster"]


class LSTMForecaster(FixedCellForecaster):  # noqa: D101 (docstring from fixed_cell_doc)
    __doc__ = fixed_cell_doc(
        name="LSTMForecaster",
        label="LSTM",
        cell="lstm",
        blurb="The forget-gate biases start at 1 (Gers et al., 2000).",
    )

    cell = "lstm"
