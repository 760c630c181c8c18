"""The windowed recurrent forecaster with its cell fixed: the base of LSTM/GRUForecaster."""

from __future__ import annotations

from string import Template
from typing import Any

import numpy as np

from tsrnn.estimators.recurrent import _RECURRENT_CONSTRAINTS, RNNForecaster

__all__ = ["DOC_TEMPLATE", "FixedCellForecaster"]

#: Docstring of every fixed-cell forecaster; ``name``, ``label``, ``cell`` and ``blurb``
#: are substituted by the subclass.
DOC_TEMPLATE = Template(
    """Direct multi-step $label forecaster (``RNNForecaster`` with ``cell="$cell"``).

    $blurb

    Parameters
    ----------
    horizon : int, default=12
        Number of future steps forecast at once (direct multi-output head).
    context_length : int, default=24
        Maximum number of past steps each window feeds the network. Series shorter than
        ``context_length + horizon`` still train, on shorter (packed) contexts. Unused
        with ``tbptt_steps``.
    tbptt_steps : int or None, default=None
        Stateful training with truncated backpropagation through time: each series is read
        from its start in consecutive chunks of ``tbptt_steps`` steps, the hidden state is
        carried from chunk to chunk (detached between them), and every step is trained to
        predict the next ``horizon`` values. After ``fit`` each series' final state is kept
        in ``state_``: ``update`` advances it by the new rows only and ``forecast`` starts
        from it. None (the default) trains on windows. See :doc:`/user_guide/streaming`.
    hidden_size : int, default=32
        Hidden units per recurrent layer.
    num_layers : int, default=1
        Number of stacked recurrent layers.
    dropout : float, default=0.0
        Dropout between stacked layers (never on the recurrent connection).
    learning_rate : float, default=1e-3
        Adam learning rate.
    batch_size : int, default=64
        Windows per optimisation step; with ``tbptt_steps``, series read side by side.
    max_epochs : int, default=20
        Passes over the training windows.
    gradient_clip_val : float or None, default=1.0
        Clip the gradient norm to this value; None disables clipping.
    loss : {"mse", "mae", "huber"}, default="mse"
        Training loss on scaled targets.
    scaler : {"standard", "robust", "diff", "none"}, default="standard"
        Per-series target scaling, fitted on training rows only (mean/std, median/IQR, or
        mean/mean absolute one-step change). Covariates are standardised per column.
    normalize_windows : bool, default=True
        Subtract each window's last observed (scaled) target from its target inputs and
        targets, so the network forecasts changes from the forecast origin; combined with a
        log target (``TransformedTargetRegressor(func=np.log)``), ratios. With
        ``tbptt_steps``, each step's targets are taken relative to the target observed at
        that step (inputs are not shifted).
    validation_size : int, default=0
        Hold out each series' last ``validation_size`` steps as validation windows (0: none).
        The best epoch's weights are kept.
    early_stopping_patience : int or None, default=None
        Stop after this many epochs without a better validation loss; needs ``validation_size >=
        horizon``.
    future_covariates : list of str or None, default=None
        Covariate columns of ``X`` whose values are known in advance; they must be given at
        prediction rows. Other covariates are past-only.
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
    id_col : str, default="unique_id"
        Series id column of ``X``.
    time_col : str, default="ds"
        Time column of ``X``.
    target_col : str, default="y"
        Target column, when the target is given inside ``X``.
    random_state : int, RandomState or None, default=None
        Seeds weight initialisation, shuffling and dropout; an int makes a CPU fit bit-for-bit
        reproducible. The global torch RNG is left untouched.
    verbose : bool, default=False
        Show Lightning's progress bar during fit.
    trainer_kwargs : dict or None, default=None
        Extra ``lightning.Trainer`` arguments, e.g. ``{"accelerator": "gpu"}``; they override
        tsrnn's quiet defaults.

    Attributes
    ----------
    network_ : torch.nn.Module
        The trained network (on CPU, in eval mode).
    scaler_ : PanelScaler
        Per-series target and per-column covariate scaling.
    calendar_ : Calendar
        Each series' frequency and last observed time.
    context_ : Panel
        The last ``context_length`` observations of every series (what forecasts start from);
        with ``tbptt_steps``, the last one.
    state_ : ndarray of shape (n_series, n_parts, num_layers, hidden_size)
        Only with ``tbptt_steps``: each series' hidden state after its last observation
        (``n_parts`` is 2 for the LSTM's ``(h, c)``, else 1).
    covariates_ : list of str
        Covariate columns seen in ``fit``.
    future_covariates_ : list of str
        The known-future ones among them.
    history_ : dict of lists
        ``epoch``, ``train_loss`` and ``val_loss`` per epoch.
    n_windows_ : int
        Number of training windows (with ``tbptt_steps``: training steps that have targets).

    See Also
    --------
    RNNForecaster : The same model with a ``cell`` parameter.

    Examples
    --------
    >>> from tsrnn import $name
    >>> from tsrnn.datasets import load_dataset
    >>> df = load_dataset("monthly_short")
    >>> est = $name(horizon=12, context_length=24, max_epochs=2, random_state=0)
    >>> est.fit(df).forecast().shape
    (144, 3)
    """
)


class FixedCellForecaster(RNNForecaster):
    """``RNNForecaster`` without the ``cell`` and ``residual`` parameters (set by subclasses)."""

    cell = "lstm"
    residual = False
    _parameter_constraints = _RECURRENT_CONSTRAINTS

    def __init__(
        self,
        *,
        horizon: int = 12,
        context_length: int = 24,
        tbptt_steps: int | None = None,
        hidden_size: int = 32,
        num_layers: int = 1,
        dropout: float = 0.0,
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
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
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
