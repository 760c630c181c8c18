"""Recurrent forecasters, windowed or stateful: RNNForecaster and its LSTM and GRU forms."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from tsrnn._validation import Interval, Options
from tsrnn.estimators._base import NEURAL_CONSTRAINTS, BaseNeuralForecaster
from tsrnn.estimators._stateful import StatefulMixin
from tsrnn.nn.cells import CELLS
from tsrnn.nn.recurrent import RecurrentNet

__all__ = ["RNNForecaster"]

_RECURRENT_CONSTRAINTS: dict[str, list] = {
    **NEURAL_CONSTRAINTS,
    "hidden_size": [Interval(numbers.Integral, 1, None)],
    "num_layers": [Interval(numbers.Integral, 1, None)],
    "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
    "tbptt_steps": [None, Interval(numbers.Integral, 1, None)],
}


class RNNForecaster(StatefulMixin, BaseNeuralForecaster):
    """Direct multi-step forecaster with an RNN, LSTM or GRU encoder.

    Each training sample is a window of up to ``context_length`` past steps (target and
    covariates) followed by ``horizon`` target steps. A stacked recurrent encoder reads
    the (packed) context and a linear head emits all ``horizon`` steps at once. The
    estimator follows scikit-learn's regressor contract over the rows of a long table:
    ``fit(X, y)`` learns from histories, ``predict(X)`` returns one value per future row.

    Parameters
    ----------
    horizon : int, default=12
        Number of future steps forecast at once (direct multi-output head).
    context_length : int, default=24
        Maximum number of past steps each window feeds the network. Series shorter than
        ``context_length + horizon`` still train, on shorter (packed) contexts; series
        shorter than ``horizon + 1`` on the targets they have (the rest masked). Unused
        with ``tbptt_steps``.
    tbptt_steps : int or None, default=None
        Stateful training with truncated backpropagation through time: each series is read
        from its start in consecutive chunks of ``tbptt_steps`` steps, the hidden state is
        carried from chunk to chunk (detached between them), and every step is trained to
        predict the next ``horizon`` values. After ``fit`` each series' final state is kept
        in ``state_``: ``update`` advances it by the new rows only and ``forecast`` starts
        from it. None (the default) trains on windows. See :doc:`/user_guide/streaming`.
    cell : str, default="lstm"
        Recurrent cell: ``"rnn"``, ``"lstm"``, ``"gru"`` (PyTorch's fused kernels), or
        ``"layernorm_lstm"``, ``"peephole_lstm"``, ``"coupled_lstm"`` (:class:`tsrnn.nn.LSTMCell`
        variants in a Python loop: several times slower). LSTM forget-gate biases start at 1.
    hidden_size : int, default=32
        Hidden units per recurrent layer.
    num_layers : int, default=1
        Number of stacked recurrent layers.
    dropout : float, default=0.0
        Dropout between stacked layers (never on the recurrent connection).
    residual : bool, default=False
        Add each stacked layer's input to its output (from the second layer on).
    learning_rate : float, default=1e-3
        Adam learning rate.
    batch_size : int, default=64
        Windows per optimisation step; with ``tbptt_steps``, series read side by side.
    <neural fit parameters>
    normalize_windows : bool, default=True
        Subtract each window's last observed (scaled) target from its target inputs and
        targets, so the network forecasts changes from the forecast origin; combined with a
        log target (``TransformedTargetRegressor(transformer=LogTransformer())``, see
        :mod:`tsrnn.preprocessing`), ratios. With ``tbptt_steps``, each step's targets are
        taken relative to the target observed at that step (inputs are not shifted).
    <neural validation parameters>
    freq : str, int or None, default=None
        Frequency of the time column (pandas alias, or step for integer times); inferred per
        series when None. With ``irregular=True``: the step of future times after the last
        observation used by :meth:`forecast` (None: give the future times explicitly).
    missing : {"raise", "mask"}, default="raise"
        NaN targets raise a clear error; with ``"mask"`` they are missing values: the network
        sees an observed flag and the time since the last observation, the loss ignores
        missing targets, and steps absent from a regular grid count as missing. See
        :doc:`/user_guide/irregular`.
    irregular : bool, default=False
        Accept uneven timestamps: train on the sequence of observations with the time gap to
        the previous one as an input; the ``k``-th future row of a series is step ``k`` and its
        time since the last observation is a known-future input.
    <neural column parameters>

    Attributes
    ----------
    <neural attributes>
    context_ : Panel
        The last ``context_length`` observations of every series (what forecasts start from);
        with ``tbptt_steps``, the last one.
    state_ : ndarray of shape (n_series, n_parts, num_layers, hidden_size)
        Only with ``tbptt_steps``: each series' hidden state after its last observation
        (``n_parts`` is 2 for the LSTM's ``(h, c)``, else 1).
    n_windows_ : int
        Number of training windows (with ``tbptt_steps``: training steps that have targets).

    See Also
    --------
    LSTMForecaster, GRUForecaster : The same model with the cell fixed.

    Examples
    --------
    >>> from tsrnn import RNNForecaster
    >>> from tsrnn.datasets import load_dataset
    >>> df = load_dataset("monthly_short")
    >>> est = RNNForecaster(horizon=12, context_length=24, max_epochs=2, random_state=0)
    >>> est.fit(df).forecast().shape
    (144, 3)
    """

    _parameter_constraints = {
        **_RECURRENT_CONSTRAINTS,
        "cell": [Options(frozenset(CELLS))],
        "residual": [bool],
    }

    def __init__(
        self,
        *,
        horizon: int = 12,
        context_length: int = 24,
        tbptt_steps: int | None = None,
        cell: str = "lstm",
        hidden_size: int = 32,
        num_layers: int = 1,
        dropout: float = 0.0,
        residual: bool = False,
        learning_rate: float = 1e-3,
        batch_size: int = 64,
        max_epochs: int = 20,
        gradient_clip_val: float | None = 1.0,
        loss: str = "mse",
        scaler: str = "standard",
        normalize_windows: bool = True,
        validation_size: int = 0,
        early_stopping_patience: int | None = None,
        future_covariates: list[str] | None = None,
        freq: str | int | None = None,
        missing: str = "raise",
        irregular: bool = False,
        id_col: str = "unique_id",
        time_col: str = "ds",
        target_col: str = "y",
        random_state: int | np.random.RandomState | None = None,
        verbose: bool = False,
        trainer_kwargs: dict[str, Any] | None = None,
    ) -> None:
        self.horizon = horizon
        self.context_length = context_length
        self.tbptt_steps = tbptt_steps
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.residual = residual
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.gradient_clip_val = gradient_clip_val
        self.loss = loss
        self.scaler = scaler
        self.normalize_windows = normalize_windows
        self.validation_size = validation_size
        self.early_stopping_patience = early_stopping_patience
        self.future_covariates = future_covariates
        self.freq = freq
        self.missing = missing
        self.irregular = irregular
        self.id_col = id_col
        self.time_col = time_col
        self.target_col = target_col
        self.random_state = random_state
        self.verbose = verbose
        self.trainer_kwargs = trainer_kwargs

    def _build_network(self, input_size: int, future_size: int) -> RecurrentNet:
        return RecurrentNet(
            cell=self.cell,
            input_size=input_size,
            hidden_size=self.hidden_size,
            num_layers=self.num_layers,
            dropout=self.dropout,
            horizon=self.horizon,
            future_size=future_size,
            residual=self.residual,
        )
