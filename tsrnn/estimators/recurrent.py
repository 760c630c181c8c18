"""Windowed recurrent forecasters: RNNForecaster and its siblings LSTMForecaster and GRUForecaster.

The three share one parameter surface (the groups of :mod:`tsrnn.estimators._neural`)
and differ only in the cell: ``RNNForecaster`` has ``cell`` and ``residual``
parameters, the others fix them as class constants.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Any

from tsrnn._validation import Options, external_stacklevel
from tsrnn.estimators._likelihood import LIKELIHOOD_CONSTRAINTS, LikelihoodParams
from tsrnn.estimators._neural import (
    _FIELDS,
    CONTEXT_CONSTRAINTS,
    NETWORK_CONSTRAINTS,
    NEURAL_CONSTRAINTS,
    STATIC_CONSTRAINTS,
    TIME_AWARE_CONSTRAINTS,
    ContextParams,
    NetworkParams,
    NeuralForecaster,
    StaticParams,
    TimeAwareParams,
)
from tsrnn.estimators._paths import TimeAwarePath, WindowedPath
from tsrnn.estimators._stateful_path import StatefulPath
from tsrnn.exceptions import ParameterError
from tsrnn.nn.cells import CELLS, FUSED_CELLS

__all__ = ["GRUForecaster", "LSTMForecaster", "RNNForecaster"]

RECURRENT_CONSTRAINTS: dict[str, list] = {
    **NEURAL_CONSTRAINTS,
    **CONTEXT_CONSTRAINTS,
    **NETWORK_CONSTRAINTS,
    **TIME_AWARE_CONSTRAINTS,
    **LIKELIHOOD_CONSTRAINTS,
    **STATIC_CONSTRAINTS,
}


@dataclass(**_FIELDS)
class _WindowedRecurrent(
    StaticParams, LikelihoodParams, TimeAwareParams, NetworkParams, ContextParams
):
    """What the three windowed recurrent forecasters share: parameters and the cell hook.

    A mixin, put before :class:`NeuralForecaster` in the bases. The hook: ``cell`` and
    ``residual`` are parameters of RNNForecaster and class constants of its siblings.
    """

    def _choose_path(self) -> WindowedPath:
        if self.tbptt_steps is None:
            return TimeAwarePath() if self.missing == "mask" or self.irregular else WindowedPath()
        if self.cell not in FUSED_CELLS or self.residual:
            raise ParameterError(
                f"tbptt_steps needs a fused cell ('rnn', 'lstm' or 'gru') without residual "
                f"connections; got cell={self.cell!r}, residual={self.residual}. Use "
                "tbptt_steps=None (windowed training) with this cell."
            )
        return StatefulPath()  # deprecated: StreamingRNNForecaster

    def _fit_panel(self, panel: Any) -> None:
        if self.tbptt_steps is not None:
            warnings.warn(
                f"{type(self).__name__}(tbptt_steps=...) is deprecated and will be removed in "
                f"tsrnn 0.3; use StreamingRNNForecaster(cell={self.cell!r}, "
                f"tbptt_steps={self.tbptt_steps}), which trains the same model.",
                FutureWarning,
                stacklevel=external_stacklevel(),
            )
        super()._fit_panel(panel)  # type: ignore[misc]


@dataclass(**_FIELDS)
class RNNForecaster(_WindowedRecurrent, NeuralForecaster):
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
        shorter than ``horizon + 1`` on the targets they have (the rest masked).
    tbptt_steps : int or None, default=None
        Deprecated (removed in 0.3): stateful training with truncated BPTT moved to
        :class:`StreamingRNNForecaster`, which this setting now trains (with a
        ``FutureWarning``). None (the default) trains on windows.
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
        Windows per optimisation step.
    <neural fit parameters>
    <likelihood parameter>
    normalize_windows : bool, default=True
        Subtract each window's last observed (scaled) target from its target inputs and
        targets, so the network forecasts changes from the forecast origin; combined with a
        log target (``TransformedTargetRegressor(transformer=LogTransformer())``, see
        :mod:`tsrnn.preprocessing`), ratios.
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
    <neural static parameters>
    <neural column parameters>

    Attributes
    ----------
    <neural attributes>
    context_ : Panel
        The last ``context_length`` observations of every series (what forecasts start from).
    path_ : object
        The training path chosen in ``fit`` (windowed, or time-aware with ``missing="mask"``
        or ``irregular=True``); ``predict`` and ``update`` follow it whatever
        ``set_params`` changes later.
    n_windows_ : int
        Number of training windows.

    See Also
    --------
    LSTMForecaster, GRUForecaster : The same model with the cell fixed.
    StreamingRNNForecaster : Stateful training (truncated BPTT) and O(1) updates.

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
        **RECURRENT_CONSTRAINTS,
        "cell": [Options(frozenset(CELLS))],
        "residual": [bool],
    }

    cell: str = "lstm"
    residual: bool = False


def _fixed_cell_doc(*, name: str, label: str, cell: str, blurb: str) -> str:
    """Docstring of a fixed-cell sibling: ``RNNForecaster``'s without ``cell``/``residual``."""
    doc = RNNForecaster.__doc__
    body = doc[doc.index("    Parameters\n") : doc.index("    See Also\n")]
    body = re.sub(r"^    (cell|residual) : [^\n]*\n(?:        [^\n]*\n)*", "", body, flags=re.M)
    return f"""Direct multi-step {label} forecaster (``RNNForecaster`` with ``cell="{cell}"``).

    {blurb}

{body}    See Also
    --------
    RNNForecaster : The same model with a ``cell`` parameter.
    StreamingRNNForecaster : Stateful training (truncated BPTT) and O(1) updates.

    Examples
    --------
    >>> from tsrnn import {name}
    >>> from tsrnn.datasets import load_dataset
    >>> df = load_dataset("monthly_short")
    >>> est = {name}(horizon=12, context_length=24, max_epochs=2, random_state=0)
    >>> est.fit(df).forecast().shape
    (144, 3)
    """


@dataclass(**_FIELDS)
class LSTMForecaster(_WindowedRecurrent, NeuralForecaster):  # noqa: D101 (docstring from _fixed_cell_doc)
    __doc__ = _fixed_cell_doc(
        name="LSTMForecaster",
        label="LSTM",
        cell="lstm",
        blurb="The forget-gate biases start at 1 (Gers et al., 2000).",
    )
    _parameter_constraints = RECURRENT_CONSTRAINTS
    cell = "lstm"
    residual = False


@dataclass(**_FIELDS)
class GRUForecaster(_WindowedRecurrent, NeuralForecaster):  # noqa: D101 (docstring from _fixed_cell_doc)
    __doc__ = _fixed_cell_doc(
        name="GRUForecaster",
        label="GRU",
        cell="gru",
        blurb="The GRU has fewer parameters than the LSTM and often trains faster.",
    )
    _parameter_constraints = RECURRENT_CONSTRAINTS
    cell = "gru"
    residual = False
