"""Seq2SeqForecaster: recurrent encoder-decoder with attention and scheduled sampling."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.utils.validation import check_is_fitted

from tsrnn._validation import Options
from tsrnn.estimators._neural import (
    _FIELDS,
    CONTEXT_CONSTRAINTS,
    NETWORK_CONSTRAINTS,
    NEURAL_CONSTRAINTS,
    STATIC_CONSTRAINTS,
    ContextParams,
    NetworkParams,
    NeuralForecaster,
    StaticParams,
)
from tsrnn.estimators._paths import WindowedPath
from tsrnn.nn.attention import ATTENTIONS
from tsrnn.nn.cells import CELLS
from tsrnn.nn.seq2seq import SCHEDULES, Seq2SeqNet

__all__ = ["Seq2SeqForecaster"]


@dataclass(**_FIELDS)
class Seq2SeqForecaster(StaticParams, NetworkParams, ContextParams, NeuralForecaster):
    """Encoder-decoder forecaster: a recurrent decoder emits the horizon step by step.

    Training samples are the same windows as :class:`RNNForecaster`'s: up to
    ``context_length`` past steps (packed when shorter) and ``horizon`` target steps. A
    stacked, optionally bidirectional encoder reads the context; its final state
    (bridged to the decoder's size when bidirectional) starts a recurrent decoder, which
    reads the previous target and the known-future covariates of each step and forecasts
    that step, optionally attending to the encoder outputs. In training the previous
    target is the true one (teacher forcing), or with ``teacher_forcing`` set to a decay,
    the true one with a probability that decays over training (scheduled sampling); at
    prediction time the decoder always feeds back its own forecasts.

    Parameters
    ----------
    horizon : int, default=12
        Number of future steps forecast.
    context_length : int, default=24
        Maximum number of past steps each window feeds the encoder. Series shorter than
        ``context_length + horizon`` still train, on shorter (packed) contexts; series
        shorter than ``horizon + 1`` on the targets they have (the rest masked).
    cell : str, default="lstm"
        Encoder and decoder cell: ``"rnn"``, ``"lstm"``, ``"gru"`` (PyTorch's fused
        kernels), ``"layernorm_lstm"``, ``"peephole_lstm"`` or ``"coupled_lstm"``
        (:class:`tsrnn.nn.LSTMCell` variants; slower). LSTM forget-gate biases start at 1.
    hidden_size : int, default=32
        Hidden units per layer (and per direction of the encoder).
    num_layers : int, default=1
        Stacked layers of the encoder and of the decoder.
    dropout : float, default=0.0
        Dropout between stacked layers (never on the recurrent connection).
    bidirectional : bool, default=False
        Read the context in both directions (legitimate: the whole context is past).
    residual : bool, default=False
        Residual connections between stacked layers.
    attention : {"none", "dot", "general", "additive"}, default="none"
        Attention of the decoder over the encoder outputs: Luong dot or general, Bahdanau
        additive; padded context steps get weight 0. See :meth:`forecast_attention`.
    teacher_forcing : {"always", "linear", "exponential", "inverse_sigmoid", "never"}, \
default="always"
        Teacher-forcing probability over training: ``"always"`` feeds the true previous
        target in training (best on the M3 benchmark), the decays implement scheduled
        sampling; see :func:`tsrnn.nn.teacher_forcing_probability`.
    learning_rate : float, default=1e-3
        Adam learning rate.
    batch_size : int, default=64
        Windows per optimisation step.
    <neural fit parameters>
    normalize_windows : bool, default=True
        Subtract each window's last observed (scaled) target from its target inputs and
        targets, so the network forecasts changes from the forecast origin; combined with a
        log target (``TransformedTargetRegressor(transformer=LogTransformer())``, see
        :mod:`tsrnn.preprocessing`), ratios.
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
        The last ``context_length`` observations of every series (what forecasts start from).
    n_windows_ : int
        Number of training windows.

    See Also
    --------
    RNNForecaster : Direct multi-step forecasts from the encoder state.
    tsrnn.nn.Seq2SeqNet : The network.

    Examples
    --------
    >>> from tsrnn import Seq2SeqForecaster
    >>> from tsrnn.datasets import load_dataset
    >>> df = load_dataset("monthly_short")
    >>> est = Seq2SeqForecaster(horizon=6, context_length=12, attention="dot", hidden_size=8,
    ...                         max_epochs=1, random_state=0)
    >>> frame, weights = est.fit(df).forecast_attention()
    >>> frame.shape, weights.shape
    ((72, 3), (12, 6, 12))
    """

    _parameter_constraints = {  # windowed only: no tbptt_steps, missing or irregular
        **NEURAL_CONSTRAINTS,
        **CONTEXT_CONSTRAINTS,
        **NETWORK_CONSTRAINTS,
        **STATIC_CONSTRAINTS,
        "cell": [Options(frozenset(CELLS))],
        "bidirectional": [bool],
        "residual": [bool],
        "attention": [Options(frozenset(ATTENTIONS))],
        "teacher_forcing": [Options(frozenset(SCHEDULES))],
    }

    cell: str = "lstm"
    bidirectional: bool = False
    residual: bool = False
    attention: str = "none"
    teacher_forcing: str = "always"

    def _choose_path(self) -> WindowedPath:
        return WindowedPath()

    def _build_network(self, input_size: int, future_size: int) -> Seq2SeqNet:
        return Seq2SeqNet(
            cell=self.cell,
            input_size=input_size,
            hidden_size=self.hidden_size,
            num_layers=self.num_layers,
            dropout=self.dropout,
            bidirectional=self.bidirectional,
            residual=self.residual,
            horizon=self.horizon,
            future_size=future_size,
            attention=self.attention,
            teacher_forcing=self.teacher_forcing,
            quantiles=self._head_quantiles(),
        )

    def forecast_attention(self, X: Any = None) -> tuple[pd.DataFrame, np.ndarray]:
        """Forecast the next ``horizon`` steps and return the attention weights behind them.

        Parameters
        ----------
        X : DataFrame, optional
            Known-future covariates at the forecast rows, as for :meth:`forecast`.

        Returns
        -------
        forecast : DataFrame
            What :meth:`forecast` returns.
        weights : ndarray of shape (n_series, horizon, context_length)
            ``weights[s, h, j]``: weight of forecast step ``h`` of series ``s`` (in the
            forecast's series order) on context step ``j``; the last column is the last
            observation. Steps before a short series' start are NaN; rows sum to 1. All
            zeros when ``attention="none"``.
        """
        check_is_fitted(self)
        positions = np.arange(len(self.calendar_.ids))
        frame = self.forecast(X=X)
        batch = self.path_.context_batch(self, positions, self._future_array(frame, X))
        with torch.inference_mode():
            _, weights = self.network_(
                batch.x, batch.lengths, batch.future, return_attention=True
            )  # [S, H, T]
        aligned = np.full((len(positions), self.horizon, self.context_length), np.nan)
        for s, length in enumerate(batch.lengths.tolist()):
            aligned[s, :, self.context_length - length :] = weights[s, :, :length].numpy()
        return frame, aligned

    def _future_array(self, frame: pd.DataFrame, X: Any) -> np.ndarray | None:
        """Known-future covariates at the forecast rows as (n_series, horizon, n_future)."""
        if not self.future_covariates_:
            return None
        keys = [self.id_col, self.time_col]
        given = self._to_frame(X, None, require_target=False)
        rows = frame[keys].merge(given[[*keys, *self.future_covariates_]], on=keys, how="left")
        values = rows[self.future_covariates_].to_numpy(dtype=np.float64)
        return values.reshape(-1, self.horizon, len(self.future_covariates_))
