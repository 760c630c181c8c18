"""Forecasts from the fitted history, kept between calls (rebuilt on demand, never saved).

Without known-future inputs, a neural forecaster's forecasts depend only on its fitted
state: the stored contexts (or hidden states), the scaler, the network and the few
parameters its path reads. :class:`ForecastCache` keeps the path's output for every
series (``path_.forecast``: user units, ``(n_series, horizon[, n_quantiles])``), so
``forecast()`` and ``predict(X)`` do not re-run the encoder on every call. The cache is
tied to the objects it was computed from: replacing any of them (a new fit, a loaded
model, ``set_params``) empties it; ``update()`` marks only the series it changed stale,
and the next call recomputes those together. The hidden states ``state_`` are advanced in
place (by ``update()`` and :class:`~tsrnn.estimators.session.StreamSession`): every such
write counts itself with :func:`wrote_state`, and the cache compares that count (a write
from outside tsrnn is not seen: assign a new ``state_`` array instead).
"""

from __future__ import annotations

import operator
import weakref
from typing import Any

import numpy as np

from tsrnn.nn.threads import forecast_threads

__all__ = ["ForecastCache", "live_cache", "state_writes", "weight_versions", "wrote_state"]


_PARAMETERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def weight_versions(net: Any) -> tuple[int, ...]:
    """Version counters of the network's parameters: they move when weights change in place."""
    params = _PARAMETERS.get(net)
    if params is None:
        params = _PARAMETERS[net] = list(net.parameters())
    return tuple(p._version for p in params)


def state_writes(est: Any) -> int:
    """How many times ``est.state_`` was written in place (see :func:`wrote_state`)."""
    return vars(est).get("_cache_state_writes", 0)


def wrote_state(est: Any) -> None:
    """Count one in-place write to ``est.state_`` (call it after every such write)."""
    mine = vars(est)
    mine["_cache_state_writes"] = mine.get("_cache_state_writes", 0) + 1


def _fingerprint(est: Any, versions: tuple[int, ...] | None = None) -> tuple[tuple, tuple]:
    """The objects (compared by identity) and values the path's forecasts depend on.

    ``versions`` are the network's :func:`weight_versions` where the caller has them.
    """
    net = est.network_
    objects = (est.path_, est.context_, est.scaler_, net, getattr(est, "state_", None),
               getattr(est, "static_", None))  # fmt: skip
    values = (
        est.horizon,
        est.normalize_windows,
        getattr(est, "context_length", None),
        weight_versions(net) if versions is None else versions,
        state_writes(est),
    )
    return objects, values


class ForecastCache:
    """``path_.forecast(est, positions, None)`` of every series, per-series freshness.

    Parameters
    ----------
    est : NeuralForecaster
        A fitted forecaster; the cache is valid while :meth:`matches` says so.
    """

    def __init__(self, est: Any) -> None:
        self.key = _fingerprint(est)
        n = est.calendar_.n_series
        self.values: np.ndarray | None = None  # [n_series, horizon(, n_quantiles)]
        self.fresh = np.zeros(n, dtype=bool)

    def matches(self, est: Any, versions: tuple[int, ...] | None = None) -> bool:
        """Whether ``est`` is still in the state this cache was computed from."""
        objects, values = _fingerprint(est, versions)
        return all(map(operator.is_, objects, self.key[0])) and values == self.key[1]

    def get(self, est: Any, positions: np.ndarray) -> np.ndarray:
        """Forecasts of the series at ``positions`` (a new array), computing the stale ones.

        All stale series are forecast in one call of the path, as an uncached forecast of
        them would be.
        """
        if not self.fresh[positions].all():
            stale = np.flatnonzero(~self.fresh)
            with forecast_threads(est.network_):  # small networks: one thread
                out = est.path_.forecast(est, stale, None)
            if self.values is None or self.values.shape[1:] != out.shape[1:]:
                self.values = np.empty((len(self.fresh), *out.shape[1:]))
            self.values[stale] = out
            self.fresh[stale] = True
        return self.values[positions]

    def moved(
        self,
        est: Any,
        stale: np.ndarray | None = None,
        fresh: tuple | None = None,
        versions: tuple[int, ...] | None = None,
    ) -> None:
        """Follow ``est`` after an update: new series and ``stale`` ones are recomputed.

        ``fresh`` is ``(positions, forecasts)`` of series whose new forecasts are known;
        ``versions`` the network's :func:`weight_versions`, where the caller has them.
        """
        n = est.calendar_.n_series
        if n > len(self.fresh):  # series first seen in update()
            self.fresh = np.concatenate([self.fresh, np.zeros(n - len(self.fresh), dtype=bool)])
            if self.values is not None:
                grown = np.empty((n, *self.values.shape[1:]))
                grown[: len(self.values)] = self.values
                self.values = grown
        if stale is not None:
            self.fresh[stale] = False
        if fresh is not None:
            positions, forecasts = fresh
            if self.values is not None:
                self.values[positions] = forecasts
                self.fresh[positions] = True
        self.key = _fingerprint(est, versions)


def live_cache(
    est: Any, *, create: bool = False, versions: tuple[int, ...] | None = None
) -> ForecastCache | None:
    """``est``'s forecast cache if it matches the fitted state (a new one with ``create``).

    ``versions`` are the network's :func:`weight_versions`, where the caller has them.
    """
    cache = vars(est).get("_cache_forecasts")
    if cache is not None and cache.matches(est, versions):
        return cache
    if not create:
        return None
    cache = ForecastCache(est)
    vars(est)["_cache_forecasts"] = cache
    return cache
