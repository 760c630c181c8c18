"""The M4 seasonality test and classical deseasonalisation (in ``tsrnn.data.seasonal``)."""

from tsrnn.data.seasonal import deseasonalize, seasonal_indices, seasonality_test

__all__ = ["deseasonalize", "seasonal_indices", "seasonality_test"]
