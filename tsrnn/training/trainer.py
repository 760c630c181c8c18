"""A quiet Lightning Trainer factory and the callbacks tsrnn's estimators use."""

from __future__ import annotations

import contextlib
import copy
import functools
import importlib.metadata
import logging
import sys
import warnings
from collections.abc import Iterator
from typing import Any

import lightning as L
import torch
from lightning.pytorch.callbacks import Callback, EarlyStopping

from tsrnn.nn.threads import short_batch_threads

__all__ = [
    "BestWeights",
    "LossHistory",
    "QUIET_DEFAULTS",
    "ShortBatchThreads",
    "make_trainer",
    "quiet_lightning",
]

QUIET_DEFAULTS: dict[str, Any] = {
    "accelerator": "cpu",
    "devices": 1,
    "logger": False,
    "enable_checkpointing": False,
    "enable_model_summary": False,
    "num_sanity_val_steps": 0,
    "use_distributed_sampler": False,  # tsrnn's loaders shard themselves (tsrnn.data.sharding)
}


@contextlib.contextmanager
def quiet_lightning() -> Iterator[None]:
    """Silence Lightning's info logs and data-loader tips (progress bars stay)."""
    loggers = [logging.getLogger(n) for n in ("lightning.pytorch", "lightning.fabric", "lightning")]
    levels = [lg.level for lg in loggers]
    try:
        for lg in loggers:
            lg.setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r".*does not have many workers.*")
            warnings.filterwarnings("ignore", message=r".*number of training batches.*")
            warnings.filterwarnings("ignore", message=r".*GPU available but not used.*")
            warnings.filterwarnings("ignore", message=r".*have no `val_dataloader`.*")
            warnings.filterwarnings("ignore", message=r".*LeafSpec.*")
            yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


@functools.cache
def _entry_points(group: str) -> importlib.metadata.EntryPoints:
    return importlib.metadata.entry_points(group=group)


@contextlib.contextmanager
def _cached_entry_points() -> Iterator[None]:
    """While a Trainer is built: read the installed packages' entry points once per process.

    Lightning looks up its callback-factory entry points in every ``Trainer()``, which
    reads the metadata of every installed distribution (tens of milliseconds, a large
    part of a small fit's set-up). A package installed later in the same process is
    not seen (restart Python).
    """
    registry = sys.modules.get("lightning.fabric.utilities.registry")
    if getattr(registry, "entry_points", None) is not importlib.metadata.entry_points:
        yield  # another Lightning layout: leave it alone
        return
    registry.entry_points = lambda *, group: _entry_points(group)
    try:
        yield
    finally:
        registry.entry_points = importlib.metadata.entry_points


class ShortBatchThreads(Callback):
    """Train and validate batches of short contexts on fewer torch threads.

    See ``tsrnn.nn.threads.short_batch_threads``: the thread count is switched before
    the batch's step (forward, backward and optimiser step) and restored after it, and at
    the end of the fit or on an exception.
    """

    def __init__(self) -> None:
        self._restore: int | None = None

    def _enter(self, pl_module: Any, batch: Any) -> None:
        self._leave()
        self._restore = short_batch_threads(pl_module, batch)

    def _leave(self, *_: Any) -> None:
        if self._restore is not None:
            torch.set_num_threads(self._restore)
            self._restore = None

    def on_train_batch_start(self, trainer: Any, module: Any, batch: Any, *_: Any) -> None:  # noqa: D102
        self._enter(module, batch)

    on_validation_batch_start = on_train_batch_start
    on_train_batch_end = on_validation_batch_end = _leave
    on_fit_end = on_exception = _leave


class LossHistory(Callback):
    """Collect the epoch means of ``train_loss`` and ``val_loss``."""

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {"epoch": [], "train_loss": [], "val_loss": []}

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        """Record this epoch's losses (NaN when there is no validation set)."""
        flush = getattr(pl_module, "log_epoch_losses", None)  # tsrnn's systems log per epoch
        if flush is not None:
            flush()
        metrics = trainer.callback_metrics
        self.history["epoch"].append(trainer.current_epoch)
        for key in ("train_loss", "val_loss"):
            value = metrics.get(key)
            self.history[key].append(float(value) if value is not None else float("nan"))


class BestWeights(Callback):
    """Restore the weights of the epoch with the lowest ``monitor`` value at the end of fit."""

    def __init__(self, monitor: str = "val_loss") -> None:
        self.monitor = monitor
        self.best = float("inf")
        self.state: dict | None = None

    def on_validation_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        """Keep a copy of the weights if the monitored value improved."""
        value = trainer.callback_metrics.get(self.monitor)
        if value is not None and float(value) < self.best:
            self.best = float(value)
            self.state = copy.deepcopy(pl_module.state_dict())

    def on_fit_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        """Load the best weights back."""
        if self.state is not None:
            pl_module.load_state_dict(self.state)


def make_trainer(
    *,
    max_epochs: int,
    gradient_clip_val: float | None = None,
    verbose: bool = False,
    early_stopping_patience: int | None = None,
    callbacks: list[Callback] | None = None,
    trainer_kwargs: dict[str, Any] | None = None,
) -> L.Trainer:
    """Build a Trainer that writes nothing to disk and prints only when ``verbose``.

    Parameters
    ----------
    max_epochs : int
        Passes over the training data.
    gradient_clip_val : float or None, default=None
        Gradient-norm clipping.
    verbose : bool, default=False
        Show the progress bar.
    early_stopping_patience : int or None, default=None
        Epochs without a better ``val_loss`` before stopping.
    callbacks : list of Callback, optional
        Extra callbacks.
    trainer_kwargs : dict, optional
        Override the quiet defaults (``accelerator="cpu"``, no logger, no
        checkpoints, no model summary); e.g. ``{"accelerator": "gpu"}``. Its
        ``callbacks`` are added to tsrnn's own, not substituted for them.

    Returns
    -------
    lightning.Trainer
    """
    extra = dict(trainer_kwargs or {})
    # tsrnn's callbacks first, the user's after them
    callbacks = [ShortBatchThreads(), *(callbacks or []), *extra.pop("callbacks", [])]
    if early_stopping_patience is not None:
        callbacks.append(EarlyStopping(monitor="val_loss", patience=early_stopping_patience))
    settings = {
        **QUIET_DEFAULTS,
        "max_epochs": max_epochs,
        "gradient_clip_val": gradient_clip_val,
        "enable_progress_bar": verbose,
        "callbacks": callbacks,
        **extra,
    }
    with _cached_entry_points():
        return L.Trainer(**settings)
