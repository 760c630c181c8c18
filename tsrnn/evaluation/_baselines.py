"""The statsmodels baselines every benchmark offers, by model name, and how to build one."""

from __future__ import annotations

from typing import Any

from tsrnn.baselines import (
    ARIMAForecaster,
    ETSForecaster,
    HoltForecaster,
    Naive2Forecaster,
    NaiveForecaster,
    SeasonalNaiveForecaster,
    SESForecaster,
    ThetaForecaster,
)

#: Model name -> (baseline class, fixed parameters).
BASELINES: dict[str, tuple[type, dict[str, Any]]] = {
    "naive": (NaiveForecaster, {}),
    "snaive": (SeasonalNaiveForecaster, {}),
    "naive2": (Naive2Forecaster, {}),
    "ses": (SESForecaster, {}),
    "holt": (HoltForecaster, {}),
    "damped": (HoltForecaster, {"damped_trend": True}),
    "theta": (ThetaForecaster, {}),
    "ets": (ETSForecaster, {}),
    "arima": (ARIMAForecaster, {}),
}


def make_baseline(
    cls: type, fixed: dict[str, Any], horizon: int, season_length: int | None, n_jobs: int | None
) -> Any:
    """``cls`` for ``horizon``, with ``season_length`` and ``n_jobs`` where it takes them."""
    known = cls().get_params()
    params: dict[str, Any] = {"horizon": horizon}
    if "season_length" in known:
        params["season_length"] = season_length
    if "n_jobs" in known:
        params["n_jobs"] = n_jobs
    return cls(**params, **fixed)


def make_hybrid(
    names: tuple[str, ...], horizon: int, season_length: int | None, n_jobs: int | None
) -> Any:
    """An ``AutoRNNForecaster`` with the baselines ``names`` among its candidates."""
    from tsrnn.estimators import AutoRNNForecaster  # torch: not needed to list the models

    own = [make_baseline(*BASELINES[name], horizon, season_length, n_jobs) for name in names]
    return AutoRNNForecaster(
        horizon=horizon, season_length=season_length, n_jobs=n_jobs, baselines=own
    )
