"""Truncated backpropagation through time with Lightning 2.x manual optimisation.

Lightning 2.x removed built-in TBPTT; :class:`TBPTTSystem` runs it by hand
(``automatic_optimization = False``). Each training batch is a :class:`ChunkBatch` of
consecutive steps of a group of lanes; it is cut into pieces of ``tbptt_steps`` steps,
and every piece makes one optimiser step: forward from the carried state, masked loss,
``manual_backward``, ``clip_gradients``, ``step``, then the state is detached so no
gradient flows further back than ``tbptt_steps`` steps.

Counting: ``trainer.global_step`` (and so ``Trainer(max_steps=...)``) counts optimiser
steps, i.e. pieces of ``tbptt_steps`` steps, not batches. ``train_loss`` is logged per
epoch, the mean over every unmasked target of the epoch. Schedulers are stepped here:
those with ``interval="step"`` after each optimiser step, the others once per epoch.
"""

from __future__ import annotations

import dataclasses

import lightning as L
import torch
from torch import nn

from tsrnn.data.chunks import ChunkBatch
from tsrnn.nn.state import State, detach_state, select_state
from tsrnn.training.masking import masked_loss
from tsrnn.training.system import EpochMean, make_loss

__all__ = ["TBPTTSystem", "split_time"]


def split_time(batch: ChunkBatch, steps: int) -> list[ChunkBatch]:
    """Cut a batch along time into pieces of at most ``steps`` steps.

    A lane whose sequence ends before a piece gets length 0 there (the network
    skips it); only the first piece keeps ``batch.reset``.

    Examples
    --------
    >>> b = ChunkBatch(torch.zeros(2, 5, 1), torch.tensor([5, 2]), torch.zeros(2, 5, 1),
    ...                torch.ones(2, 5, 1, dtype=torch.bool))
    >>> [p.lengths.tolist() for p in split_time(b, 2)]
    [[2, 2], [2, 0], [1, 0]]
    """
    pieces = []
    for start in range(0, batch.x.shape[1], steps):
        cut = slice(start, start + steps)
        future = None if batch.future is None else batch.future[:, cut]
        pieces.append(
            dataclasses.replace(
                batch,
                x=batch.x[:, cut],
                lengths=torch.clamp(batch.lengths - start, 0, steps),
                y=batch.y[:, cut],
                mask=batch.mask[:, cut],
                future=future,
                reset=batch.reset and start == 0,
            )
        )
    return pieces


class TBPTTSystem(L.LightningModule):
    """Stateful training of ``network.forward_steps`` with truncated BPTT.

    Parameters
    ----------
    network : nn.Module
        A network with ``forward_steps(x, state, lengths, future) -> (out, state)``,
        such as :class:`tsrnn.nn.RecurrentNet`.
    tbptt_steps : int
        Steps per truncation; also the longest a gradient travels back.
    loss : {"mse", "mae", "huber"}, default="mse"
        Loss on the unmasked targets.
    learning_rate : float, default=1e-3
        Adam learning rate.
    weight_decay : float, default=0.0
        Adam weight decay.
    gradient_clip_val : float or None, default=None
        Clip the gradient norm of every optimiser step (``self.clip_gradients``).
    lr_gamma : float or None, default=None
        Multiply the learning rate by this after every epoch (``ExponentialLR``).

    Examples
    --------
    >>> from tsrnn.nn import RecurrentNet
    >>> system = TBPTTSystem(RecurrentNet(input_size=1, hidden_size=4), tbptt_steps=8)
    >>> system.automatic_optimization
    False
    """

    def __init__(
        self,
        network: nn.Module,
        *,
        tbptt_steps: int,
        loss: str = "mse",
        learning_rate: float = 1e-3,
        weight_decay: float = 0.0,
        gradient_clip_val: float | None = None,
        lr_gamma: float | None = None,
    ) -> None:
        super().__init__()
        self.save_hyperparameters(ignore=["network"])
        self.network = network
        self.loss_fn = make_loss(loss, network)
        self.automatic_optimization = False
        self._train_state: State | None = None
        self._val_state: State | None = None
        self.train_loss = EpochMean()

    def forward(self, batch: ChunkBatch, state: State | None = None) -> tuple[torch.Tensor, State]:
        """Per-step forecasts ``(B, T, H)`` and the state after the batch."""
        return self.network.forward_steps(batch.x, state, batch.lengths, batch.future)

    def training_step(self, batch: ChunkBatch, batch_idx: int) -> None:
        """One optimiser step per ``tbptt_steps`` steps of the batch, state carried."""
        opt = self.optimizers()
        state = self._carried(self._train_state, batch)
        for piece in split_time(batch, self.hparams.tbptt_steps):
            out, state = self(piece, state)
            count = int(piece.mask.sum())
            if self._any_targets(count):
                loss = masked_loss(self.loss_fn, out, piece.y, piece.mask)
                opt.zero_grad()
                self.manual_backward(loss)
                if self.hparams.gradient_clip_val is not None:
                    self.clip_gradients(
                        opt, self.hparams.gradient_clip_val, gradient_clip_algorithm="norm"
                    )
                opt.step()
                self._step_schedulers("step")
                if count:  # a DDP filler step (no targets here) stays out of the mean
                    self.train_loss.add(loss, count)
            state = detach_state(state)  # the truncation: no gradient beyond this point
        self._train_state = state
        if self._trainer is not None and batch_idx + 1 == self.trainer.num_training_batches:
            self.log_epoch_losses()  # before the epoch-end callbacks read it

    def log_epoch_losses(self) -> None:
        """Log the epoch's ``train_loss`` (this process's) if not yet logged."""
        if self.train_loss.pending:
            self.train_loss.log(self, "train_loss", sync=False)

    def on_train_epoch_end(self) -> None:
        """Log a ``train_loss`` still pending; step the schedulers whose interval is the epoch."""
        self.log_epoch_losses()
        self._step_schedulers("epoch")

    def validation_step(self, batch: ChunkBatch, batch_idx: int) -> None:
        """Carry the state through the series; log ``val_loss`` over the held-out targets."""
        state = self._carried(self._val_state, batch)
        out, self._val_state = self(batch, state)
        count = int(batch.mask.sum())
        if count:
            loss = masked_loss(self.loss_fn, out, batch.y, batch.mask)
            self.log("val_loss", loss, on_step=False, on_epoch=True, prog_bar=True,
                     batch_size=count)  # fmt: skip

    def configure_optimizers(self):
        """Adam, plus ``ExponentialLR(lr_gamma)`` per epoch when ``lr_gamma`` is set."""
        opt = torch.optim.Adam(
            self.parameters(), lr=self.hparams.learning_rate, weight_decay=self.hparams.weight_decay
        )
        if self.hparams.lr_gamma is None:
            return opt
        return [opt], [torch.optim.lr_scheduler.ExponentialLR(opt, self.hparams.lr_gamma)]

    def _any_targets(self, count: int) -> bool:
        """Whether any process has targets in this step (under DDP all step, or none)."""
        if self._trainer is None or self.trainer.world_size == 1:
            return count > 0
        total = self.trainer.strategy.reduce(torch.tensor(float(count)), reduce_op="sum")
        return float(total) > 0

    @staticmethod
    def _carried(state: State | None, batch: ChunkBatch) -> State | None:
        """The state a batch continues: none after a reset, else the first ``B`` lanes."""
        if batch.reset or state is None:
            return None
        return select_state(state, slice(0, len(batch)))

    def _step_schedulers(self, interval: str) -> None:
        for config in self.trainer.lr_scheduler_configs:
            if config.interval != interval:
                continue
            count = self.trainer.global_step if interval == "step" else self.current_epoch + 1
            if count % config.frequency:
                continue
            if isinstance(config.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                metric = self.trainer.callback_metrics.get(config.monitor)
                if metric is not None:
                    config.scheduler.step(metric)
            else:
                config.scheduler.step()
