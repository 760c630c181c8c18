"""The LightningModule of ES-RNN: per-series smoothing and the global network, one optimiser."""

from __future__ import annotations

import lightning as L
import torch
from torch import nn

from tsrnn.nn.esrnn import SeriesSmoothing, es_windows, level_variability
from tsrnn.nn.heads import pinball

__all__ = ["ESRNNSystem"]


class ESRNNSystem(L.LightningModule):
    """Train :class:`~tsrnn.nn.esrnn.SeriesSmoothing` and a window network jointly.

    A batch is ``(y, lengths, series)``: positive values ``(B, T)`` (padded past each
    end with positive values), true lengths and table rows. The loss is the pinball
    loss at ``tau`` (or at the quantile head's levels) of the log targets, or
    ``"mae"``: the absolute error relative to the level (``|exp(f) - exp(y)|``), plus
    ``level_penalty`` times :func:`~tsrnn.nn.esrnn.level_variability`.

    Parameters
    ----------
    network : nn.Module
        ``network(x, lengths) -> (N, H)`` or ``(N, H, Q)`` (a quantile head).
    smoothing : SeriesSmoothing
        The per-series tables.
    context_length, horizon : int
        Window sizes.
    loss : {"pinball", "mae"}, default="pinball"
    tau : float, default=0.5
    level_penalty : float, default=0.0
    learning_rate : float, default=1e-3
    """

    def __init__(
        self,
        network: nn.Module,
        smoothing: SeriesSmoothing,
        *,
        context_length: int,
        horizon: int,
        loss: str = "pinball",
        tau: float = 0.5,
        level_penalty: float = 0.0,
        learning_rate: float = 1e-3,
    ) -> None:
        super().__init__()
        self.save_hyperparameters(ignore=["network", "smoothing"])
        self.network = network
        self.smoothing = smoothing
        levels = getattr(network.head, "quantiles", (tau,))
        self.register_buffer("levels", torch.tensor(levels, dtype=torch.float32))

    def loss(self, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
        """Forecast loss over every window of the batch plus the level penalty."""
        y, lengths, series = batch
        log_level, log_season = self.smoothing(y, series)
        hp = self.hparams
        x, counts, target, mask = es_windows(
            torch.log(y), log_level, log_season, lengths,
            context_length=hp.context_length, horizon=hp.horizon,
        )  # fmt: skip
        penalty = hp.level_penalty * level_variability(log_level, lengths)
        if not len(x):
            return penalty + log_level.sum() * 0
        out = self.network(x, counts)
        if hp.loss == "mae":
            each = (torch.exp(out) - torch.exp(target)).abs()
        else:
            forecast = out if out.dim() == 3 else out[..., None]
            each = pinball(forecast, target, self.levels, reduction="none")
        return (each * mask).sum() / mask.sum().clamp(min=1) + penalty

    def training_step(self, batch: tuple[torch.Tensor, ...], batch_idx: int) -> torch.Tensor:
        """One optimisation step; logs ``train_loss`` per epoch."""
        loss = self.loss(batch)
        self.log("train_loss", loss, on_step=False, on_epoch=True, batch_size=len(batch[0]))
        return loss

    def configure_optimizers(self) -> torch.optim.Optimizer:
        """Adam over the network and the per-series tables."""
        return torch.optim.Adam(self.parameters(), lr=self.hparams.learning_rate)
