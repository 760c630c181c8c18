"""Shared pieces of the forecasters that wrap another forecaster (ensembles, adjustments)."""

from __future__ import annotations

from typing import Any

from tsrnn.estimators.recurrent import RNNForecaster
from tsrnn.exceptions import ParameterError
from tsrnn.model_selection._backtest import estimator_horizon


def check_forecaster(estimator: Any, owner: str) -> Any:
    """Return ``estimator`` (``RNNForecaster()`` for None) if it is a row-contract forecaster."""
    if estimator is None:
        return RNNForecaster()
    if not all(hasattr(estimator, a) for a in ("fit", "predict", "get_params")):
        raise ParameterError(
            f"{owner} needs a tsrnn forecaster (or a sklearn wrapper of one) as estimator; "
            f"got {estimator!r}."
        )
    try:
        estimator_horizon(estimator)
    except ParameterError:
        raise ParameterError(
            f"{owner} needs a forecaster with one horizon parameter (a tsrnn forecaster or a "
            f"sklearn wrapper of one); {type(estimator).__name__} has none, or several."
        ) from None
    return estimator
