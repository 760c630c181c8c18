"""StreamingRNNForecaster: stateful training with truncated BPTT and O(1) updates."""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

from tsrnn._validation import Interval, Options
from tsrnn.estimators._fast_update import stream_update
from tsrnn.estimators._likelihood import LIKELIHOOD_CONSTRAINTS, LikelihoodParams
from tsrnn.estimators._neural import (
    _FIELDS,
    NETWORK_CONSTRAINTS,
    NEURAL_CONSTRAINTS,
    STATIC_CONSTRAINTS,
    NetworkParams,
    NeuralForecaster,
    StaticParams,
)
from tsrnn.estimators._stateful_path import StatefulPath
from tsrnn.estimators.session import StreamSession
from tsrnn.exceptions import ParameterError
from tsrnn.nn.cells import FUSED_CELLS

__all__ = ["StreamingRNNForecaster"]


@dataclass(**_FIELDS)
class StreamingRNNForecaster(StaticParams, LikelihoodParams, NetworkParams, NeuralForecaster):
    """Recurrent forecaster trained statefully, whose ``update`` costs one step per row.

    Each series is read from its start in consecutive chunks of ``tbptt_steps`` steps
    (series side by side, ``batch_size`` at a time); the hidden state is carried from
    chunk to chunk and detached between them (truncated backpropagation through time),
    and every step is trained to predict the next ``horizon`` values. After ``fit`` each
    series' final hidden state is kept in ``state_``: :meth:`update` advances it by the
    new rows only and :meth:`forecast` applies the head to it, so no history is re-read.
    See :doc:`/user_guide/streaming`.

    Parameters
    ----------
    horizon : int, default=12
        Number of future steps forecast after every step (direct multi-output head).
    cell : {"rnn", "lstm", "gru"}, default="lstm"
        PyTorch's fused recurrent cell. LSTM forget-gate biases start at 1.
    tbptt_steps : int, default=32
        Steps per truncated-BPTT chunk: gradients flow back at most this far.
    hidden_size : int, default=32
        Hidden units per recurrent layer.
    num_layers : int, default=1
        Number of stacked recurrent layers.
    dropout : float, default=0.0
        Dropout between stacked layers (never on the recurrent connection).
    learning_rate : float, default=1e-3
        Adam learning rate.
    batch_size : int, default=64
        Series read side by side.
    <neural fit parameters>
    <likelihood parameter>
    normalize_windows : bool, default=True
        Take each step's targets relative to the (scaled) target observed at that step
        (inputs are not shifted), so the network forecasts changes.
    <neural validation parameters>
    freq : str, int or None, default=None
        Frequency of the time column (pandas alias, or step for integer times); inferred per
        series when None.
    <neural static parameters>
    <neural column parameters>

    Attributes
    ----------
    <neural attributes>
    context_ : Panel
        The last observation of every series (the level of relative forecasts).
    state_ : ndarray of shape (n_series, n_parts, num_layers, hidden_size)
        Each series' hidden state after its last observation (``n_parts`` is 2 for the
        LSTM's ``(h, c)``, else 1; the network's ``state_shape``).
    n_windows_ : int
        Number of training steps that have targets.

    See Also
    --------
    RNNForecaster : Windowed training (contexts of up to ``context_length`` steps).

    Examples
    --------
    >>> from tsrnn import StreamingRNNForecaster
    >>> from tsrnn.datasets import load_dataset
    >>> df = load_dataset("monthly_short")
    >>> est = StreamingRNNForecaster(horizon=12, tbptt_steps=24, max_epochs=2, random_state=0)
    >>> est.fit(df).state_.shape
    (12, 2, 1, 32)
    >>> est.update(est.future_frame(1).assign(y=4000.0)).forecast().shape
    (144, 3)
    """

    _parameter_constraints = {
        **NEURAL_CONSTRAINTS,
        **NETWORK_CONSTRAINTS,
        **LIKELIHOOD_CONSTRAINTS,
        **STATIC_CONSTRAINTS,
        "cell": [Options(frozenset(FUSED_CELLS))],
        "tbptt_steps": [Interval(numbers.Integral, 1, None)],
    }

    cell: str = "lstm"
    tbptt_steps: int = 32
    residual = False  # a constant: the stateful path reads fused cells

    def _choose_path(self) -> StatefulPath:
        return StatefulPath()

    def _stream_rows(self, X: Any) -> bool:
        """The fast path of :meth:`update` (``tsrnn.estimators._fast_update``): True if taken."""
        return hasattr(self, "state_") and self.likelihood is None and stream_update(self, X)

    def session(self, ids: Any = None) -> StreamSession:
        """An array-level stream over series ``ids`` (default: all): ``push(values)``.

        See :class:`~tsrnn.estimators.session.StreamSession`: the fast path for
        steady-state streams, with the numbers of :meth:`update` + :meth:`forecast`.

        Returns
        -------
        StreamSession
        """
        if self.likelihood is not None:
            raise ParameterError(
                "session() streams the point forecasts of a point head; this model has a "
                f"likelihood={self.likelihood!r} head. Use update() and forecast(level=...) "
                "or sample() for its distribution."
            )
        return StreamSession(self, ids)
