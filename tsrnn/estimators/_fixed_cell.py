"""The windowed recurrent forecaster with its cell fixed: the base of LSTM/GRUForecaster."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from tsrnn.estimators.recurrent import _RECURRENT_CONSTRAINTS, RNNForecaster

__all__ = ["FixedCellForecaster", "fixed_cell_doc"]


def fixed_cell_doc(*, name: str, label: str, cell: str, blurb: str) -> str:
    """Docstring of a fixed-cell forecaster: ``RNNForecaster``'s without ``cell``/``residual``."""
    doc = RNNForecaster.__doc__
    body = doc[doc.index("    Parameters\n") : doc.index("    See Also\n")]
    body = re.sub(r"^    (cell|residual) : [^\n]*\n(?:        [^\n]*\n)*", "", body, flags=re.M)
    return f"""Direct multi-step {label} forecaster (``RNNForecaster`` with ``cell="{cell}"``).

    {blurb}

{body}    See Also
    --------
    RNNForecaster : The same model with a ``cell`` parameter.

    Examples
    --------
    >>> from tsrnn import {name}
    >>> from tsrnn.datasets import load_dataset
    >>> df = load_dataset("monthly_short")
    >>> est = {name}(horizon=12, context_length=24, max_epochs=2, random_state=0)
    >>> est.fit(df).forecast().shape
    (144, 3)
    """


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
