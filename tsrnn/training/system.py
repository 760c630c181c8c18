"""The LightningModule that trains any tsrnn network on batches of windows."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import lightning as L
import torch
from torch import nn

from tsrnn.data.batching import Batch
from tsrnn.nn.heads import pinball
from tsrnn.training.masking import masked_loss

__all__ = ["LOSSES", "EpochMean", "ForecastingSystem", "make_loss"]

LOSSES = {
    "mse": nn.functional.mse_loss,
    "mae": nn.functional.l1_loss,
    "huber": nn.functional.huber_loss,
}


def make_loss(loss: str, network: nn.Module) -> Callable[..., torch.Tensor]:
    """The loss function ``(forecast, target, reduction=)`` named ``loss`` for ``network``.

    ``"quantile"``: the pinball loss at the levels of the network's quantile head;
    ``"nll"``: the negative log-likelihood of its distribution head (``head.nll``).
    """
    if loss == "nll":
        if not hasattr(network.head, "nll"):
            raise ValueError("loss='nll' needs a network with a DistributionHead (likelihood=...).")
        return network.head.nll
    if loss != "quantile":
        return LOSSES[loss]
    levels = torch.tensor(getattr(network.head, "quantiles", ()), dtype=torch.float32)
    if not len(levels):
        raise ValueError("loss='quantile' needs a network with a QuantileHead (quantiles=...).")
    return partial(pinball, quantiles=levels)


class EpochMean:
    """An epoch's mean loss, logged once as a per-step ``self.log(on_epoch=True)`` would log it.

    Lightning's ``self.log`` costs about a millisecond per call (it moves its metric
    state and rebuilds its metadata), so the training steps :meth:`add` here and the
    module logs the mean once per epoch: the same float32 sum of ``loss * n`` and the
    same count as Lightning's, under DDP averaged over the processes as its
    ``sync_dist=True`` does (the mean of the sums over the mean of the counts).

    Examples
    --------
    >>> mean = EpochMean()
    >>> mean.add(torch.tensor(1.0), 3); mean.add(torch.tensor(2.0), 1)
    >>> mean.pending
    True
    """

    def __init__(self) -> None:
        self.total: torch.Tensor | None = None
        self.count: torch.Tensor | None = None

    @property
    def pending(self) -> bool:
        """Whether losses were added since the last :meth:`log`."""
        return self.total is not None

    def add(self, loss: torch.Tensor, n: int) -> None:
        """Add a step's mean ``loss`` over ``n`` targets (or windows)."""
        if self.total is None:
            self.total = torch.zeros((), dtype=torch.get_default_dtype(), device=loss.device)
            self.count = torch.zeros((), dtype=torch.long, device=loss.device)
        self.total = self.total + loss.detach() * n  # as Lightning's mean accumulates
        self.count = self.count + n

    def log(self, module: L.LightningModule, name: str, *, sync: bool = True) -> None:
        """``module.log(name, mean)`` for the epoch (progress bar too), then start afresh.

        ``sync``: under DDP, the mean over every process's losses (else this process's).
        """
        sync = sync and module.trainer.world_size > 1
        if self.total is None:
            if not sync:
                return
            self.add(torch.zeros((), device=module.device), 0)  # every process reduces
        total, count = self.total, self.count
        if sync:
            strategy = module.trainer.strategy
            total = strategy.reduce(total, reduce_op="mean")
            count = strategy.reduce(count, reduce_op="mean")
        value = total / count
        self.total = self.count = None
        module.log(name, value, on_step=False, on_epoch=True, prog_bar=True, batch_size=1)


class ForecastingSystem(L.LightningModule):
    """Loss, optimiser and steps around a network ``net(x, lengths, future) -> (B, H)``.

    Networks with ``uses_targets = True`` are also called with ``targets=`` and
    ``teacher_forcing=`` during training (see :meth:`forward`). Networks with
    ``uses_window_loss = True`` (DeepAR) are scored on every step of the window:
    ``network.teacher_forced(x, lengths, y, mask, future) -> (out, targets, mask)``.

    Parameters
    ----------
    network : nn.Module
        The forecaster network.
    loss : {"mse", "mae", "huber", "quantile", "nll"}, default="mse"
        Training loss on scaled targets; ``"quantile"``: pinball loss of a quantile head;
        ``"nll"``: negative log-likelihood of a distribution head.
    learning_rate : float, default=1e-3
        Adam learning rate.
    weight_decay : float, default=0.0
        Adam weight decay.
    """

    def __init__(
        self,
        network: nn.Module,
        *,
        loss: str = "mse",
        learning_rate: float = 1e-3,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__()
        self.save_hyperparameters(ignore=["network"])
        self.network = network
        self.loss_fn = make_loss(loss, network)
        self.train_loss = EpochMean()

    def forward(self, batch: Batch) -> torch.Tensor:
        """Point forecasts of shape (B, H).

        In training, a network that declares ``uses_targets = True`` (a seq2seq decoder)
        also gets the targets and its ``teacher_forcing_probability(progress)``, where
        ``progress`` runs from 0 at the first optimisation step to 1 at the last.
        """
        if self.training and batch.y is not None and getattr(self.network, "uses_targets", False):
            probability = self.network.teacher_forcing_probability(self._progress())
            return self.network(
                batch.x, batch.lengths, batch.future, targets=batch.y, teacher_forcing=probability
            )
        return self.network(batch.x, batch.lengths, batch.future)

    def _progress(self) -> float:
        """Fraction of the planned optimisation steps done (0 without a trainer)."""
        if self._trainer is None:
            return 0.0
        total = self.trainer.estimated_stepping_batches
        return min(1.0, self.global_step / max(1, total - 1)) if 0 < total < float("inf") else 0.0

    def _loss(self, batch: Batch) -> torch.Tensor:
        if getattr(self.network, "uses_window_loss", False):
            out, target, mask = self.network.teacher_forced(
                batch.x, batch.lengths, batch.y, batch.mask, batch.future
            )
            return masked_loss(self.loss_fn, out, target, mask)
        return masked_loss(self.loss_fn, self(batch), batch.y, batch.mask)

    def training_step(self, batch: Batch, batch_idx: int) -> torch.Tensor:
        """One optimisation step; logs ``train_loss`` per epoch (at its last batch)."""
        loss = self._loss(batch)
        self.train_loss.add(loss, len(batch))
        if self._trainer is not None and batch_idx + 1 == self.trainer.num_training_batches:
            self.log_epoch_losses()  # before the epoch-end callbacks read it
        return loss

    def log_epoch_losses(self) -> None:
        """Log the epoch's ``train_loss`` if not yet logged (an epoch cut short by a stop).

        ``tsrnn.training.LossHistory`` calls it before it reads the epoch's losses.
        """
        if self.train_loss.pending:
            self.train_loss.log(self, "train_loss")

    def on_train_epoch_end(self) -> None:
        """Log the ``train_loss`` of an epoch cut short, if no callback did."""
        self.log_epoch_losses()

    def validation_step(self, batch: Batch, batch_idx: int) -> None:
        """Logs ``val_loss`` per epoch."""
        loss = self._loss(batch)
        self.log(
            "val_loss", loss, on_step=False, on_epoch=True, prog_bar=True, batch_size=len(batch)
        )

    def predict_step(self, batch: Batch, batch_idx: int) -> torch.Tensor:
        """Point forecasts of shape (B, H), window normalisation undone."""
        return batch.denormalize(self(batch))

    def configure_optimizers(self) -> torch.optim.Optimizer:
        """Adam with the configured learning rate and weight decay."""
        return torch.optim.Adam(
            self.parameters(), lr=self.hparams.learning_rate, weight_decay=self.hparams.weight_decay
        )
