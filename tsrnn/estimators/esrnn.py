"""ESRNNForecaster: per-series exponential smoothing and a global recurrent network (Smyl)."""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.utils import check_random_state

from tsrnn._uncertainty import check_quantiles
from tsrnn._validation import Interval, Options
from tsrnn.base import BaseForecaster
from tsrnn.data.frame import frame_to_panel
from tsrnn.data.panel import Panel
from tsrnn.data.windowing import check_windows
from tsrnn.estimators import _esrnn as state_ops
from tsrnn.estimators._neural import _FIELDS, NETWORK_CONSTRAINTS
from tsrnn.estimators._quantiles import interpolate_quantiles
from tsrnn.exceptions import DataValidationError, ParameterError
from tsrnn.nn.cells import FUSED_CELLS
from tsrnn.nn.esrnn import SeriesSmoothing
from tsrnn.nn.recurrent import RecurrentNet
from tsrnn.training import LossHistory, make_trainer, quiet_lightning
from tsrnn.training.esrnn import ESRNNSystem

__all__ = ["ESRNNForecaster"]

_STATE = ("level", "season", "window", "window_count")


@dataclass(**_FIELDS)
class ESRNNForecaster(BaseForecaster):
    """Exponential smoothing per series and one recurrent network for all (ES-RNN).

    After Smyl's M4-winning hybrid (Smyl, 2020). Every series has its own multiplicative
    Holt-Winters smoothing: a level and (with ``season_length``) a seasonality, with
    smoothing coefficients and initial seasonal factors *learned* (a table of per-series
    parameters through a sigmoid), trained jointly with a global recurrent network by the
    same Adam optimiser. The network reads windows of ``context_length`` deseasonalised
    logs divided by the level at the window's end (``log y - log s - log l_t``) and
    forecasts the next ``horizon`` such values; forecasts are re-seasonalised and
    multiplied back by the last level. The loss is the pinball loss at ``tau`` of those
    log values (or the absolute error relative to the level), plus ``level_penalty``
    times the mean squared second difference of the log level. See :doc:`/user_guide/esrnn`.

    :meth:`update` moves each series' level, seasonal factors and window by the new
    rows, one step each (the learned coefficients stay fixed): no refit, no history re-read.

    Parameters
    ----------
    horizon : int, default=12
        Number of future steps forecast at once.
    season_length : int or None, default=None
        Season length ``m`` of the multiplicative seasonality; None or 1: none.
    context_length : int or None, default=None
        Steps per input window; None: ``max(horizon, season_length)``. Shorter series
        train on shorter windows (packed).
    cell : {"lstm", "gru", "rnn"}, default="lstm"
        PyTorch's fused recurrent cell of the global network.
    hidden_size : int, default=32
        Hidden units per recurrent layer.
    num_layers : int, default=1
        Stacked recurrent layers.
    dropout : float, default=0.0
        Dropout between stacked layers.
    loss : {"pinball", "mae"}, default="pinball"
        ``"pinball"``: the pinball loss at ``tau`` of the level-normalised log targets;
        ``"mae"``: their absolute error relative to the level.
    tau : float, default=0.5
        Quantile of the pinball loss (Smyl used 0.48 against the upward bias of logs).
    quantiles : list of float or None, default=None
        Train a non-crossing quantile head at these levels (the median added) with the
        pinball loss; ``predict`` gives the median and ``predict_interval`` /
        ``predict_quantiles`` the quantiles. Needs ``loss="pinball"`` (``tau`` unused).
    level_penalty : float, default=0.0
        Weight of the level-variability penalty (Smyl: 50-100 for seasonal data).
    learning_rate : float, default=3e-3
        Adam learning rate of the network and the per-series parameters.
    batch_size : int, default=32
        Whole series per optimisation step (every window of each).
    max_epochs : int, default=30
        Passes over the series.
    gradient_clip_val : float or None, default=1.0
        Gradient-norm clipping; None: none.
    nonpositive : {"shift", "raise"}, default="shift"
        Series with a value <= 0 cannot be logged: ``"shift"`` adds ``-min + mean |y|``
        to each such series (``shift_``; subtracted from its forecasts); ``"raise"``:
        an error naming the series.
    freq : str, int or None, default=None
        Frequency of the time column; inferred per series when None.
    id_col, time_col, target_col : str
        Columns of ``X``.
    random_state : int, RandomState or None, default=None
        Seeds initialisation and shuffling; an int makes a CPU fit reproducible.
    verbose : bool, default=False
        Show Lightning's progress bar.
    trainer_kwargs : dict or None, default=None
        Extra ``lightning.Trainer`` arguments.

    Attributes
    ----------
    network_ : RecurrentNet
        The global network (CPU, eval mode).
    alpha_, gamma_ : ndarray of shape (n_series,)
        Learned level and seasonal smoothing coefficients (``gamma_`` 0 without seasonality).
    initial_season_ : ndarray of shape (n_series, m)
        Learned initial seasonal factors (geometric mean 1; ``m`` is 1 without seasonality).
    level_, season_ : ndarray of shape (n_series,), (n_series, m)
        Each series' level after its last row and the seasonal factors of its next ``m`` steps.
    window_, window_count_ : ndarray of shape (n_series, context_length), (n_series,)
        Deseasonalised logs of the last rows (newest last) and how many are real.
    shift_ : ndarray of shape (n_series,)
        Added to each series before the log (0 for positive series).
    history_ : dict of lists
        ``epoch``, ``train_loss`` (and ``val_loss``, NaN) per epoch.
    n_windows_ : int
        Training windows per epoch.

    Examples
    --------
    >>> from tsrnn import ESRNNForecaster
    >>> from tsrnn.datasets import load_dataset
    >>> df = load_dataset("monthly_short")
    >>> est = ESRNNForecaster(horizon=12, season_length=12, hidden_size=8, max_epochs=2,
    ...                       random_state=0).fit(df)
    >>> est.forecast().shape, est.season_.shape
    ((144, 3), (12, 12))
    >>> bool((est.forecast().yhat > 0).all())
    True
    """

    _parameter_constraints = {
        **NETWORK_CONSTRAINTS,
        "season_length": [None, Interval(numbers.Integral, 1, None)],
        "context_length": [None, Interval(numbers.Integral, 1, None)],
        "cell": [Options(frozenset(FUSED_CELLS))],
        "loss": [Options(frozenset({"pinball", "mae"}))],
        "tau": [Interval(numbers.Real, 0, 1, closed="neither")],
        "quantiles": [None, list, tuple],
        "level_penalty": [Interval(numbers.Real, 0, None)],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "batch_size": [Interval(numbers.Integral, 1, None)],
        "max_epochs": [Interval(numbers.Integral, 1, None)],
        "gradient_clip_val": [None, Interval(numbers.Real, 0, None, closed="neither")],
        "nonpositive": [Options(frozenset({"shift", "raise"}))],
        "random_state": [None, Interval(numbers.Integral, 0, 2**32 - 1), np.random.RandomState],
        "verbose": [bool],
        "trainer_kwargs": [None, dict],
    }

    horizon: int = 12
    season_length: int | None = None
    context_length: int | None = None
    cell: str = "lstm"
    hidden_size: int = 32
    num_layers: int = 1
    dropout: float = 0.0
    loss: str = "pinball"
    tau: float = 0.5
    quantiles: list[float] | None = None
    level_penalty: float = 0.0
    learning_rate: float = 3e-3
    batch_size: int = 32
    max_epochs: int = 30
    gradient_clip_val: float | None = 1.0
    nonpositive: str = "shift"
    freq: str | int | None = None
    id_col: str = "unique_id"
    time_col: str = "ds"
    target_col: str = "y"
    random_state: int | np.random.RandomState | None = None
    verbose: bool = False
    trainer_kwargs: dict[str, Any] | None = None

    # ------------------------------------------------------------------ sizes
    def _m(self) -> int:
        return int(self.season_length or 1)

    def _window(self) -> int:
        return int(self.context_length or max(self.horizon, self._m()))

    def _head_quantiles(self) -> tuple[float, ...] | None:
        return None if self.quantiles is None else tuple(float(q) for q in self.quantiles)

    def _build_network(self) -> RecurrentNet:
        """The global network; its head starts at zero: forecasts start as level x season."""
        network = RecurrentNet(
            cell=self.cell, input_size=1, hidden_size=self.hidden_size,
            num_layers=self.num_layers, dropout=self.dropout, horizon=self.horizon,
            quantiles=self._head_quantiles(),
        )  # fmt: skip
        linear = getattr(network.head, "linear", network.head)
        torch.nn.init.zeros_(linear.weight)
        torch.nn.init.zeros_(linear.bias)
        return network

    # ------------------------------------------------------------------ fit
    def _fit_panel(self, panel: Panel) -> None:
        if self.covariates_:
            raise DataValidationError(
                f"ESRNNForecaster forecasts from the target alone; X has covariate column(s) "
                f"{self.covariates_}. Drop them (X[[id_col, time_col, target_col]])."
            )
        if self.quantiles is not None:
            check_quantiles(self.quantiles)
            if self.loss != "pinball":
                raise ParameterError(
                    "quantiles=... trains with the pinball loss: set loss='pinball'."
                )
        raw = panel.values[:, 0].astype(np.float64)
        self.shift_ = state_ops.positive_shift(raw, panel.indptr, panel.ids, self.nonpositive)
        values = raw + np.repeat(self.shift_, panel.lengths)
        m, c = self._m(), self._window()
        first = np.minimum(c - 1, np.maximum(0, panel.lengths - 1 - self.horizon))
        counts = np.maximum(panel.lengths - 1 - first, 0)
        check_windows(panel, counts, None, 0)
        seed = int(check_random_state(self.random_state).randint(0, 2**31 - 1))
        start = state_ops.initial_seasons(values, panel.indptr, m)
        loader = state_ops.series_loader(values, panel.indptr, self.batch_size,
                                         torch.Generator().manual_seed(seed))  # fmt: skip
        history = LossHistory()
        with torch.random.fork_rng(devices=[]), quiet_lightning():
            trainer = make_trainer(
                max_epochs=self.max_epochs, gradient_clip_val=self.gradient_clip_val,
                verbose=self.verbose, callbacks=[history], trainer_kwargs=self.trainer_kwargs,
            )  # fmt: skip
            torch.manual_seed(seed)
            network = self._build_network()
            smoothing = SeriesSmoothing(panel.n_series, m, initial_season=start)
            system = ESRNNSystem(
                network, smoothing, context_length=c, horizon=self.horizon, loss=self.loss,
                tau=self.tau, level_penalty=self.level_penalty, learning_rate=self.learning_rate,
            )  # fmt: skip
            trainer.fit(system, train_dataloaders=loader)
        self.history_ = history.history
        self.n_windows_ = int(counts.sum())
        self.network_ = network.cpu().eval()
        with torch.no_grad():
            coefficients = smoothing.cpu().coefficients(torch.arange(panel.n_series))
        self.alpha_, self.gamma_, self.initial_season_ = (t.double().numpy() for t in coefficients)
        self._set_state(state_ops.advance(
            state_ops.fresh_state(panel.n_series, m, c, self.initial_season_),
            state_ops.padded(values, panel.indptr), self.alpha_, self.gamma_,
        ))  # fmt: skip

    def _set_state(self, state: dict) -> None:
        for name in _STATE:
            setattr(self, f"{name}_", state[name])

    def _state(self, positions: Any = slice(None)) -> dict:
        return {name: getattr(self, f"{name}_")[positions] for name in _STATE}

    def _context_size(self) -> int:
        return self._window()

    # ------------------------------------------------------------------ forecast
    def _forecast_all(self, positions: np.ndarray) -> np.ndarray:
        """``(S, H)`` or ``(S, H, Q)`` forecasts in the user's units."""
        log_level = np.log(self.level_[positions])
        count = self.window_count_[positions]
        if (count == 0).any():
            raise DataValidationError(
                "A series has no history to forecast from; give it with update()."
            )
        x = self.window_[positions] - log_level[:, None]
        c = x.shape[1]
        index = np.arange(c) + (c - count)[:, None]
        x = np.where(index < c, np.take_along_axis(x, np.minimum(index, c - 1), 1), 0.0)
        with torch.inference_mode():
            out = self.network_(torch.as_tensor(x[..., None], dtype=torch.float32),
                                torch.as_tensor(count)).double().numpy()  # fmt: skip
        season = self.season_[positions][:, np.arange(self.horizon) % self._m()]  # [S, H]
        scale = log_level[:, None] + np.log(season)
        if out.ndim == 3:
            scale = scale[..., None]
        shift = self.shift_[positions].reshape(-1, *(1,) * (out.ndim - 1))
        return np.exp(out + scale) - shift

    def _forecast_panel(self, positions: np.ndarray, future: np.ndarray | None) -> np.ndarray:
        out = self._forecast_all(positions)
        return out if out.ndim == 2 else out[..., self.network_.head.median_index]

    def _uncertainty_kinds(self) -> tuple[str, ...]:
        return ("quantiles",) if self._head_quantiles() is not None else ()

    def _uncertainty_hint(self) -> str:
        return "Fit with quantiles=[...] for a quantile head, or wrap it in ConformalForecaster."

    def _forecast_quantiles(
        self, positions: np.ndarray, future: np.ndarray | None, quantiles: list[float]
    ) -> np.ndarray:
        if self._head_quantiles() is None:
            return super()._forecast_quantiles(positions, future, quantiles)
        out = self._forecast_all(positions)
        return interpolate_quantiles(out, self.network_.head.quantiles, quantiles, self)

    # ------------------------------------------------------------------ update
    def _positive(self, panel: Panel, shift: np.ndarray) -> np.ndarray:
        """``panel``'s targets plus ``shift`` as padded rows; an error if any is <= 0."""
        rows = state_ops.padded(panel.values[:, 0].astype(np.float64), panel.indptr)
        rows = rows + shift[:, None]
        bad = np.flatnonzero((rows <= 0).any(axis=1))
        if len(bad):
            raise DataValidationError(
                f"update() got a value <= -shift_ for series {panel.ids[bad[0]]!r}: ES-RNN "
                "models log values and its shift is fixed at fit. Refit on the whole history."
            )
        return rows

    def _append_known(self, frame: pd.DataFrame, columns: list[str]) -> None:
        panel, _ = frame_to_panel(frame, np.arange(len(frame)), id_col=self.id_col,
                                  time_col=self.time_col, columns=columns)  # fmt: skip
        positions = self.calendar_.positions(panel.ids, action="update")
        rows = self._positive(panel, self.shift_[positions])
        super()._append_known(frame, columns)  # checks continuity, moves calendar_, context_
        new = state_ops.advance(self._state(positions), rows, self.alpha_[positions],
                                self.gamma_[positions])  # fmt: skip
        for name in _STATE:
            getattr(self, f"{name}_")[positions] = new[name]

    def _add_series(self, panel: Panel) -> None:
        """New series: the median learned coefficients, their own classical seasonality."""
        raw = panel.values[:, 0].astype(np.float64)
        shift = state_ops.positive_shift(raw, panel.indptr, panel.ids, self.nonpositive)
        rows = self._positive(panel, shift)
        values = raw + np.repeat(shift, panel.lengths)
        n = panel.n_series
        alpha = np.full(n, np.median(self.alpha_))
        gamma = np.full(n, np.median(self.gamma_))
        start = state_ops.initial_seasons(values, panel.indptr, self._m())
        new = state_ops.advance(state_ops.fresh_state(n, self._m(), self._window(), start),
                                rows, alpha, gamma)  # fmt: skip
        self.shift_ = np.r_[self.shift_, shift]
        self.alpha_, self.gamma_ = np.r_[self.alpha_, alpha], np.r_[self.gamma_, gamma]
        self.initial_season_ = np.concatenate([self.initial_season_, start])
        self._set_state({k: np.concatenate([getattr(self, f"{k}_"), new[k]]) for k in _STATE})

    # ------------------------------------------------------------------ persistence
    _state_config = ("history", "n_windows")
    _state_arrays = ("alpha", "gamma", "initial_season", "shift", *_STATE)
    _saves_weights = True

    def _fitted_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:  # noqa: D102
        names = ("alpha", "gamma", "initial_season", "shift", *_STATE)
        arrays = {name: getattr(self, f"{name}_") for name in names}
        return {"history": self.history_, "n_windows": self.n_windows_}, arrays

    def _restore(self, config: dict[str, Any], arrays: dict[str, Any], weights: Any) -> None:  # noqa: D102
        for name in ("alpha", "gamma", "initial_season", "shift", *_STATE):
            setattr(self, f"{name}_", np.array(arrays[name]))
        network = self._build_network()
        network.load_state_dict(weights)
        self.network_ = network.eval()
        self.history_ = config["history"]
        self.n_windows_ = config["n_windows"]
