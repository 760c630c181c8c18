"""The LightningModule that trains any tsrnn network on batches of windows."""

from __future__ import annotations

import lightning as L
import torch
from torch import nn

from tsrnn.data.batching import Batch
from tsrnn.training.masking import masked_loss

__all__ = ["LOSSES", "ForecastingSystem"]

LOSSES = {
    "mse": nn.functional.mse_loss,
    "mae": nn.functional.l1_loss,
    "huber": nn.functional.huber_loss,
}


class ForecastingSystem(L.LightningModule):
    """Loss, optimiser and steps around a network ``net(x, lengths, future) -> (B, H)``.

    Networks with ``uses_targets = True`` are also called with ``targets=`` and
    ``teacher_forcing=`` during training (see :meth:`forward`).

    Parameters
    ----------
    network : nn.Module
        The forecaster network.
    loss : {"mse", "mae", "huber"}, default="mse"
        Training loss on scaled targets.
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
        self.loss_fn = LOSSES[loss]

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

    def training_step(self, batch: Batch, batch_idx: int) -> torch.Tensor:
        """One optimisation step; logs ``train_loss`` per epoch."""
        loss = masked_loss(self.loss_fn, self(batch), batch.y, batch.mask)
        self.log(
            "train_loss", loss, on_step=False, on_epoch=True, prog_bar=True,
            batch_size=len(batch), sync_dist=True,  # under DDP: the mean over processes
        )  # fmt: skip
        return loss

    def validation_step(self, batch: Batch, batch_idx: int) -> None:
        """Logs ``val_loss`` per epoch."""
        loss = masked_loss(self.loss_fn, self(batch), batch.y, batch.mask)
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
