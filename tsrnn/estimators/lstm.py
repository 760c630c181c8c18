"""LSTMForecaster: the windowed recurrent forecaster with its cell fixed to LSTM."""

from __future__ import annotations

from tsrnn.estimators._fixed_cell import DOC_TEMPLATE, FixedCellForecaster

__all__ = ["LSTMForecaster"]


class LSTMForecaster(FixedCellForecaster):  # noqa: D101 (docstring from DOC_TEMPLATE)
    __doc__ = DOC_TEMPLATE.substitute(
        name="LSTMForecaster",
        label="LSTM",
        cell="lstm",
        blurb="The forget-gate biases start at 1 (Gers et al., 2000).",
    )

    cell = "lstm"
