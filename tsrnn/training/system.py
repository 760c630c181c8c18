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

__all__ = ["LOSSES", "ForecastingSystem", "make_loss"]

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
        """One optimisation step; logs ``train_loss`` per epoch."""
        loss = self._loss(batch)
        self.log(
            "train_loss", loss, on_step=False, on_epoch=True, prog_bar=True,
            batch_size=len(batch), sync_dist=True,  # under DDP: the mean over processes
        )  # fmt: skip
        return loss

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
