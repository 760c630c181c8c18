"""Default search spaces per forecaster, and sampling a parameter set from a space.

A space is either a dict ``{parameter: optuna distribution}`` (names as ``set_params``
takes them, e.g. ``"model__hidden_size"`` inside a Pipeline) or a callable
``space(trial) -> dict`` that calls ``trial.suggest_*`` itself and returns the
parameters to set.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.trial import Trial
from sklearn.base import BaseEstimator

from tsrnn.baselines import (
    ARIMAForecaster,
    ETSForecaster,
    HoltForecaster,
    Naive2Forecaster,
    SESForecaster,
    ThetaForecaster,
)
from tsrnn.estimators import (
    GRUForecaster,
    LSTMForecaster,
    RNNForecaster,
    Seq2SeqForecaster,
    StreamingRNNForecaster,
)
from tsrnn.exceptions import ParameterError

__all__ = ["SEARCH_SPACES", "check_space", "current_values", "default_search_space", "suggest"]

Space = dict[str, BaseDistribution]


def _recurrent(est: Any) -> Space:
    horizon = int(est.horizon)
    return {
        "context_length": IntDistribution(horizon, max(4 * horizon, 24)),
        "hidden_size": IntDistribution(8, 128, log=True),
        "num_layers": IntDistribution(1, 2),
        "dropout": FloatDistribution(0.0, 0.3),
        "learning_rate": FloatDistribution(3e-4, 3e-2, log=True),
        "batch_size": CategoricalDistribution([16, 32, 64, 128]),
    }


def _rnn(est: Any) -> Space:
    return {**_recurrent(est), "cell": CategoricalDistribution(["rnn", "lstm", "gru"])}


def _streaming(est: Any) -> Space:
    space = {k: v for k, v in _rnn(est).items() if k != "context_length"}
    return {**space, "tbptt_steps": IntDistribution(8, 128, log=True)}


def _deseasonalize(est: Any) -> Space:
    return {"deseasonalize": CategoricalDistribution([True, False])}


SEARCH_SPACES: dict[type, Callable[[Any], Space]] = {
    RNNForecaster: _rnn,
    LSTMForecaster: _recurrent,
    GRUForecaster: _recurrent,
    Seq2SeqForecaster: _recurrent,
    StreamingRNNForecaster: _streaming,
    SESForecaster: _deseasonalize,
    Naive2Forecaster: lambda est: {},
    HoltForecaster: lambda est: {
        **_deseasonalize(est),
        "damped_trend": CategoricalDistribution([True, False]),
    },
    ThetaForecaster: lambda est: {
        **_deseasonalize(est),
        "theta": FloatDistribution(1.0, 4.0),
    },
    ETSForecaster: lambda est: {
        "error": CategoricalDistribution(["add", "mul"]),
        "trend": CategoricalDistribution([None, "add"]),
        "damped_trend": CategoricalDistribution([True, False]),
        "seasonal": CategoricalDistribution([None, "add", "mul"]),
    },
    ARIMAForecaster: lambda est: {
        "max_p": IntDistribution(0, 3),
        "max_q": IntDistribution(0, 3),
        "max_d": IntDistribution(0, 2),
        "seasonal": CategoricalDistribution([True, False]),
    },
}
"""Default space of each forecaster class: ``class -> function(estimator) -> dict``.

Add an entry to give your own estimator class a default space; the function sees the
estimator so a space can depend on its settings (the recurrent spaces scale
``context_length`` with ``horizon``). The exact class is looked up first, then its bases.
"""


def _space_of(est: Any) -> Space | None:
    for cls in type(est).__mro__:
        if cls in SEARCH_SPACES:
            return SEARCH_SPACES[cls](est)
    return None


def default_search_space(estimator: BaseEstimator) -> dict[str, BaseDistribution]:
    """The default Optuna search space of a forecaster, or of the forecasters inside it.

    Pipelines, ``TransformedTargetRegressor`` and other meta-estimators are searched
    through ``get_params(deep=True)``: each registered forecaster inside contributes its
    space with its parameter prefix (e.g. ``"regressor__model__hidden_size"``).

    ========================================  =============================================
    forecaster                                searched parameters
    ========================================  =============================================
    LSTM/GRU forecasters                      ``context_length`` (horizon .. 4 x horizon
                                              or 24),
                                              ``hidden_size`` (8-128, log), ``num_layers``
                                              (1-2), ``dropout`` (0-0.3), ``learning_rate``
                                              (3e-4-3e-2, log), ``batch_size`` (16-128)
    ``RNNForecaster``                         the same plus ``cell`` (rnn, lstm, gru)
    ``StreamingRNNForecaster``                ``RNNForecaster``'s without
                                              ``context_length``, plus ``tbptt_steps``
                                              (8-128, log)
    SES / Holt / Theta                        ``deseasonalize``; Holt ``damped_trend``;
                                              Theta ``theta`` (1-4)
    ETS                                       ``error``, ``trend``, ``damped_trend``,
                                              ``seasonal``
    ARIMA                                     ``max_p``, ``max_q`` (0-3), ``max_d`` (0-2),
                                              ``seasonal``
    ========================================  =============================================

    ``max_epochs`` is not searched: leave the epoch budget to the pruner (or to
    ``early_stopping_patience``). Extend a space by editing the returned dict, or
    register a class in :data:`SEARCH_SPACES`.

    Parameters
    ----------
    estimator : estimator
        A tsrnn forecaster or a meta-estimator containing one.

    Returns
    -------
    dict of str to optuna.distributions.BaseDistribution

    Raises
    ------
    ParameterError
        If no forecaster inside has a default space (e.g. the naive forecasters, which
        have nothing to tune): pass ``param_distributions`` yourself.

    Examples
    --------
    >>> from tsrnn.baselines import ThetaForecaster
    >>> sorted(default_search_space(ThetaForecaster(horizon=6)))
    ['deseasonalize', 'theta']
    """
    space: Space = dict(_space_of(estimator) or {})
    for name, value in estimator.get_params(deep=True).items():
        if isinstance(value, BaseEstimator):
            inner = _space_of(value) or {}
            space.update({f"{name}__{key}": dist for key, dist in inner.items()})
    if not space:
        raise ParameterError(
            f"{type(estimator).__name__} has no default search space (nothing inside it is a "
            "forecaster with tunable parameters registered in tsrnn.tuning.SEARCH_SPACES); pass "
            "param_distributions={name: optuna distribution} or a callable taking a trial."
        )
    return space


def check_space(space: dict | Callable) -> None:
    """Raise ParameterError unless ``space`` is a callable or a dict of supported distributions."""
    if callable(space):
        return
    kinds = (FloatDistribution, IntDistribution, CategoricalDistribution)
    for name, dist in space.items():
        if not isinstance(dist, kinds):
            raise ParameterError(
                f"param_distributions[{name!r}] must be an optuna FloatDistribution, "
                f"IntDistribution or CategoricalDistribution; got {dist!r}. For a list of "
                f"values use CategoricalDistribution({dist!r})."
            )


def current_values(estimator: BaseEstimator, space: dict | Callable) -> dict[str, Any] | None:
    """The estimator's own values of the searched parameters, if all lie in the space."""
    if callable(space):
        return None
    params = estimator.get_params(deep=True)
    values = {name: params.get(name) for name in space}
    for name, dist in space.items():
        value = values[name]
        if isinstance(dist, CategoricalDistribution):
            inside = any(
                value is c or (type(value) is type(c) and value == c) for c in dist.choices
            )
        else:
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            inside = number and dist.low <= value <= dist.high
            if inside and isinstance(dist, IntDistribution):
                inside = value == int(value) and (int(value) - dist.low) % dist.step == 0
        if not inside:
            return None
    return values


def suggest(trial: Trial, space: dict | Callable) -> dict[str, Any]:
    """Sample one parameter set from ``space`` through ``trial``'s public ``suggest_*``."""
    if callable(space):
        params = space(trial)
        return dict(trial.params if params is None else params)
    params = {}
    for name, dist in space.items():
        if isinstance(dist, FloatDistribution):
            params[name] = trial.suggest_float(
                name, dist.low, dist.high, step=dist.step, log=dist.log
            )
        elif isinstance(dist, IntDistribution):
            params[name] = trial.suggest_int(
                name, dist.low, dist.high, step=dist.step, log=dist.log
            )
        else:
            params[name] = trial.suggest_categorical(name, dist.choices)
    return params
