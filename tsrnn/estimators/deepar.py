"""DeepARForecaster: autoregressive recurrent forecasts by ancestral sampling (Salinas et al.)."""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from tsrnn._uncertainty import empirical_quantiles
from tsrnn._validation import Interval, Options
from tsrnn.data.panel import Panel
from tsrnn.estimators._likelihood import LikelihoodParams, check_counts, seeded
from tsrnn.estimators._neural import (
    _FIELDS,
    CONTEXT_CONSTRAINTS,
    NETWORK_CONSTRAINTS,
    NEURAL_CONSTRAINTS,
    ContextParams,
    NetworkParams,
    NeuralForecaster,
)
from tsrnn.estimators._paths import WindowedPath
from tsrnn.exceptions import ParameterError
from tsrnn.nn.deepar import DeepARNet
from tsrnn.nn.distributions import LIKELIHOODS

__all__ = ["DeepARForecaster"]


@dataclass(**_FIELDS)
class DeepARForecaster(LikelihoodParams, NetworkParams, ContextParams, NeuralForecaster):
    """DeepAR: an autoregressive LSTM/GRU trained by maximum likelihood, forecasting by sampling.

    At every step the network reads the previous target, divided by its window's scale
    ``nu`` (the mean absolute target of the context; 1 plus it for counts), and the
    known-future covariates of the step, and emits the parameters of the step's
    distribution, rescaled by ``nu``. Training windows (``context_length`` steps, then
    ``horizon``) are teacher-forced: the one-step-ahead negative log-likelihood is
    minimised on every step of the window. A forecast draws ``num_samples`` ancestral
    paths per series (each sampled value is the next step's input), all series and paths
    in one batch: one recurrent step of ``n_series * num_samples`` lanes per horizon step.
    ``predict`` is the paths' median; quantiles and intervals are their empirical
    quantiles. The paths are seeded from ``random_state``, so ``predict`` and ``forecast``
    are reproducible (for the same set of series asked: the draws of a series depend on
    the other series drawn with it).

    Parameters
    ----------
    horizon : int, default=12
        Steps sampled after each context.
    context_length : int, default=24
        Steps of history read before sampling (and the context of training windows;
        shorter series train on shorter, packed windows).
    cell : {"lstm", "gru"}, default="lstm"
        Fused recurrent cell. LSTM forget-gate biases start at 1.
    likelihood : {"student_t", "normal", "negative_binomial"}, default="student_t"
        Distribution of every step (see :class:`~tsrnn.nn.distributions.DistributionHead`);
        ``"negative_binomial"`` for counts (non-negative targets).
    num_samples : int, default=100
        Sample paths behind ``predict``, ``forecast`` and quantiles. ``sample(X, n)``
        draws ``n`` paths.
    hidden_size : int, default=32
        Hidden units per recurrent layer.
    num_layers : int, default=2
        Stacked recurrent layers.
    dropout : float, default=0.0
        Dropout between stacked layers.
    learning_rate : float, default=1e-3
        Adam learning rate.
    batch_size : int, default=64
        Windows per optimisation step.
    max_epochs : int, default=20
        Passes over the training windows.
    gradient_clip_val : float or None, default=1.0
        Clip the gradient norm to this value; None disables clipping.
    loss : {"mse"}, default="mse"
        Unused (training minimises the negative log-likelihood); any other value raises.
    quantiles : None
        Unused (quantile heads belong to the direct forecasters).
    scaler : {"none", "standard", "robust", "diff"}, default="none"
        Per-series target scaler before the network's own mean scaling (counts: always
        ``"none"``).
    normalize_windows : bool, default=False
        Subtract each window's last target first (never for counts).
    <neural validation parameters>
    freq : str, int or None, default=None
        Frequency of the time column (pandas alias, or step for integer times); inferred per
        series when None.
    <neural column parameters>

    Attributes
    ----------
    <neural attributes>
    context_ : Panel
        The last ``context_length`` observations of every series.
    n_windows_ : int
        Number of training windows.

    See Also
    --------
    LSTMForecaster : Direct multi-step forecasts (``likelihood=`` gives distribution heads).

    Examples
    --------
    >>> from tsrnn import DeepARForecaster
    >>> from tsrnn.datasets import load_dataset
    >>> df = load_dataset("monthly_short")
    >>> est = DeepARForecaster(horizon=6, context_length=12, hidden_size=8, max_epochs=1,
    ...                        num_samples=20, random_state=0).fit(df)
    >>> est.forecast(level=[90]).columns.tolist()
    ['unique_id', 'ds', 'yhat', 'yhat_lo_90', 'yhat_hi_90']
    >>> est.sample(est.future_frame(), 7, random_state=0).shape
    (72, 7)
    """

    _parameter_constraints = {
        **NEURAL_CONSTRAINTS,
        **CONTEXT_CONSTRAINTS,
        **NETWORK_CONSTRAINTS,
        "cell": [Options(frozenset({"lstm", "gru"}))],
        "likelihood": [Options(frozenset(LIKELIHOODS))],
        "num_samples": [Interval(numbers.Integral, 1, None)],
    }

    cell: str = "lstm"
    likelihood: str = "student_t"
    num_samples: int = 100
    num_layers: int = 2
    scaler: str = "none"
    normalize_windows: bool = False
    residual = False  # a constant: fused cells only

    def _choose_path(self) -> WindowedPath:
        return WindowedPath()

    def _check_likelihood(self, panel: Panel) -> None:
        name = type(self).__name__
        if self.loss != "mse" or self.quantiles is not None:
            raise ParameterError(
                f"{name} trains by the negative log-likelihood of likelihood="
                f"{self.likelihood!r}; leave loss and quantiles at their defaults (got "
                f"loss={self.loss!r}, quantiles={self.quantiles!r})."
            )
        past = [c for c in self.covariates_ if c not in self.future_covariates_]
        if past:
            raise ParameterError(
                f"{name} reads its covariates at every step, forecast steps included, so they "
                f"must be known in advance; {past} are not in future_covariates. List them in "
                "future_covariates (and give their future values), or drop them from X."
            )
        if self.likelihood == "negative_binomial":
            check_counts(panel, name)

    def _build_network(self, input_size: int, future_size: int) -> DeepARNet:
        return DeepARNet(
            cell=self.cell,
            covariate_columns=self.future_columns_,
            hidden_size=self.hidden_size,
            num_layers=self.num_layers,
            dropout=self.dropout,
            horizon=self.horizon,
            likelihood=self.likelihood,
        )

    # ------------------------------------------------------------------ forecasts
    def _draws(
        self, positions: np.ndarray, future: np.ndarray | None, n: int, rng: np.random.Generator
    ) -> np.ndarray:
        """``(len(positions), horizon, n)`` sample paths in the user's units."""
        sample = lambda net, x, lengths, f: net.sample(x, lengths, f, n)  # noqa: E731
        return seeded(rng, lambda: self.path_.forecast(self, positions, future, values=sample))

    def _fixed_draws(self, positions: np.ndarray, future: np.ndarray | None) -> np.ndarray:
        """The ``num_samples`` paths of ``predict`` and the quantiles (seeded by random_state)."""
        seed = self.random_state if isinstance(self.random_state, numbers.Integral) else 0
        return self._draws(positions, future, self.num_samples, np.random.default_rng(seed))

    def _forecast_panel(self, positions: np.ndarray, future: np.ndarray | None) -> np.ndarray:
        return np.median(self._fixed_draws(positions, future), axis=-1)

    def _forecast_quantiles(
        self, positions: np.ndarray, future: np.ndarray | None, quantiles: list[float]
    ) -> np.ndarray:
        return empirical_quantiles(self._fixed_draws(positions, future), quantiles)

    def _sample_panel(
        self, positions: np.ndarray, future: np.ndarray | None, n: int, rng: np.random.Generator
    ) -> np.ndarray:
        return self._draws(positions, future, n, rng)

    def _uncertainty_kinds(self) -> tuple[str, ...]:
        return ("quantiles", "samples")
