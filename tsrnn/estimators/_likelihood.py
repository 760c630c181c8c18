"""The ``likelihood`` parameter group: distribution heads on the recurrent forecasters.

With ``likelihood`` set, the network's head emits the parameters of each step's
distribution (:class:`~tsrnn.nn.distributions.DistributionHead`), training minimises
their negative log-likelihood in the scaled space, and the fitted model gives means
(``predict``), quantiles (analytic for the normal, else from samples) and samples. The
affine maps back to the user's units (window level, per-series scaler) are increasing,
so quantiles and samples map to quantiles and samples.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from tsrnn._validation import Options
from tsrnn.data.panel import Panel
from tsrnn.estimators._neural import _FIELDS
from tsrnn.estimators._stateful_path import StatefulPath
from tsrnn.exceptions import DataValidationError, ParameterError
from tsrnn.nn.distributions import LIKELIHOODS

__all__ = ["LIKELIHOOD_CONSTRAINTS", "LikelihoodParams", "check_counts", "seeded"]

LIKELIHOOD_CONSTRAINTS: dict[str, list] = {"likelihood": [None, Options(frozenset(LIKELIHOODS))]}


def check_counts(panel: Panel, name: str) -> None:
    """Refuse negative targets for the negative binomial, naming the first such series."""
    target = panel.values[:, 0]
    bad = np.flatnonzero(target < 0)  # NaN (missing) compares False
    if len(bad):
        series = int(np.searchsorted(panel.indptr, bad[0], side="right") - 1)
        row = int(bad[0] - panel.indptr[series])
        raise DataValidationError(
            f"{name}(likelihood='negative_binomial') models counts, but series "
            f"{panel.ids[series]!r} has the negative target {target[bad[0]]:g} at its row {row}. "
            "Use likelihood='student_t' or 'normal' for data that can be negative."
        )


def seeded(rng: np.random.Generator, draw: Callable[[], np.ndarray]) -> np.ndarray:
    """``draw()`` with torch's generator seeded from ``rng``; the global one left alone."""
    seed = int(rng.integers(0, 2**63 - 1))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return draw()


@dataclass(**_FIELDS)
class LikelihoodParams:
    """Distribution heads: ``likelihood`` (a mixin before :class:`NeuralForecaster`)."""

    likelihood: str | None = None

    def _fit_panel(self, panel: Panel) -> None:
        self._check_likelihood(panel)
        super()._fit_panel(panel)  # type: ignore[misc]

    def _check_likelihood(self, panel: Panel) -> None:
        if self.likelihood is None:
            return
        name = type(self).__name__
        if self.loss != "mse":
            raise ParameterError(
                f"{name}(likelihood={self.likelihood!r}) trains by the negative log-likelihood; "
                f"it cannot be combined with loss={self.loss!r}. Use likelihood= for a "
                "distribution (samples) or loss='quantile' for a quantile head, not both."
            )
        if self.likelihood == "negative_binomial":
            if getattr(self, "missing", "raise") == "mask" or getattr(self, "irregular", False):
                raise ParameterError(
                    "likelihood='negative_binomial' reads complete, regular series; it cannot "
                    "be combined with missing='mask' or irregular=True yet."
                )
            if isinstance(self._choose_path(), StatefulPath):  # type: ignore[attr-defined]
                raise ParameterError(
                    f"{name}: likelihood='negative_binomial' is not available on the stateful "
                    "path (truncated BPTT) yet: its per-window count scaling needs windows. Use "
                    "LSTMForecaster/GRUForecaster(likelihood='negative_binomial') or "
                    "DeepARForecaster."
                )
            check_counts(panel, name)

    # ------------------------------------------------------------------ training choices
    def _training_loss(self) -> str:
        return "nll" if self.likelihood is not None else super()._training_loss()  # type: ignore[misc]

    def _counts(self) -> bool:
        return self.likelihood == "negative_binomial"

    def _target_scaler(self) -> str:
        """Counts are never centred: the network scales them by each window's mean."""
        return "none" if self._counts() else super()._target_scaler()  # type: ignore[misc]

    def _relative(self) -> bool:
        return False if self._counts() else super()._relative()  # type: ignore[misc]

    # ------------------------------------------------------------------ forecasts
    def _uncertainty_kinds(self) -> tuple[str, ...]:
        if self.likelihood is None:
            return super()._uncertainty_kinds()  # type: ignore[misc]
        return ("quantiles", "samples")

    def _head_forecast(self, positions: np.ndarray, future: Any, reduce: Callable) -> np.ndarray:
        """``reduce(params) -> (..., H, k)`` of every series, in the user's units."""
        path = self.path_  # type: ignore[attr-defined]
        return path.forecast(self, positions, future, values=path.head_values(reduce))

    def _forecast_panel(self, positions: np.ndarray, future: np.ndarray | None) -> np.ndarray:
        if self.likelihood is None:
            return super()._forecast_panel(positions, future)  # type: ignore[misc]
        head = self.network_.head  # type: ignore[attr-defined]
        return self._head_forecast(positions, future, lambda p: head.mean(p)[..., None])[..., 0]

    def _forecast_quantiles(
        self, positions: np.ndarray, future: np.ndarray | None, quantiles: list[float]
    ) -> np.ndarray:
        head = getattr(getattr(self, "network_", None), "head", None)
        if self.likelihood is None or head.likelihood != "normal":  # samples: the mixin's
            return super()._forecast_quantiles(positions, future, quantiles)  # type: ignore[misc]
        return self._head_forecast(positions, future, lambda p: head.quantiles(p, quantiles))

    def _sample_panel(
        self, positions: np.ndarray, future: np.ndarray | None, n: int, rng: np.random.Generator
    ) -> np.ndarray:
        if self.likelihood is None:
            return super()._sample_panel(positions, future, n, rng)  # type: ignore[misc]
        head = self.network_.head  # type: ignore[attr-defined]
        return seeded(rng, lambda: self._head_forecast(positions, future,
                                                        lambda p: head.sample(p, n)))  # fmt: skip
