"""The set-up and per-step savings of a fit keep Lightning's behaviour: same losses, callbacks."""

from __future__ import annotations

import importlib.metadata

import lightning.fabric.utilities.registry as registry
import pytest
import torch

from tsrnn.data.batching import Batch, WindowDataset, window_loader
from tsrnn.data.chunks import ChunkBatch
from tsrnn.nn.recurrent import RecurrentNet
from tsrnn.training import ForecastingSystem, LossHistory, make_trainer, quiet_lightning
from tsrnn.training import trainer as trainer_module
from tsrnn.training.masking import masked_loss


class PerStepLog(ForecastingSystem):
    """The former training step: Lightning's ``self.log`` at every step."""

    def training_step(self, batch, batch_idx):
        loss = masked_loss(self.loss_fn, self(batch), batch.y, batch.mask)
        self.log("train_loss", loss, on_step=False, on_epoch=True, prog_bar=True,
                 batch_size=len(batch), sync_dist=True)  # fmt: skip
        return loss

    def on_train_epoch_end(self):
        pass


def _history(system_class, **trainer_kwargs):
    values = torch.sin(torch.arange(60, dtype=torch.float32) / 3)[:, None].numpy()
    ends = torch.arange(3, 50).numpy()
    dataset = WindowDataset(values, [0, 60], 0 * ends, ends, context_length=6, horizon=3)
    loader = window_loader(dataset, 10, shuffle=True, generator=torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    system = system_class(RecurrentNet(cell="gru", input_size=1, hidden_size=4, horizon=3))
    history = LossHistory()
    with quiet_lightning():
        trainer = make_trainer(max_epochs=3, callbacks=[history], trainer_kwargs=trainer_kwargs)
        trainer.fit(system, train_dataloaders=loader)
    return {k: history.history[k] for k in ("epoch", "train_loss")}, trainer


def test_epoch_train_loss_equals_lightnings_per_step_log_bit_for_bit():
    ours, trainer = _history(ForecastingSystem)
    theirs, _ = _history(PerStepLog)
    assert ours == theirs and len(ours["train_loss"]) == 3
    assert float(trainer.callback_metrics["train_loss"]) == ours["train_loss"][-1]
    assert "train_loss" in trainer.progress_bar_metrics


def test_an_epoch_cut_short_by_max_steps_still_logs_its_train_loss():
    ours, _ = _history(ForecastingSystem, max_steps=7)  # 5 batches per epoch: the 2nd is cut
    theirs, _ = _history(PerStepLog, max_steps=7)
    assert ours == theirs and len(ours["train_loss"]) == 2


@pytest.mark.parametrize("kind", [Batch, ChunkBatch])
def test_batches_move_as_a_whole_and_stay_put_on_their_device(kind):
    x, lengths = torch.zeros(2, 3, 1), torch.tensor([3, 1])
    batch = Batch(x, lengths) if kind is Batch else ChunkBatch(x, lengths, x, x > 0, reset=False)
    assert batch.to("cpu") is batch
    moved = batch.to("meta")
    assert type(moved) is kind and moved.x.is_meta and moved.lengths.is_meta
    assert batch.x.device.type == "cpu"  # the original is unchanged
    if kind is Batch:
        assert moved.y is None
    else:
        assert moved.mask.is_meta and moved.reset is False


class FactoryCallback(LossHistory):
    """The callback a fake installed package registers through Lightning's entry point."""


def factory():
    return [FactoryCallback()]


def test_trainers_still_get_callbacks_that_packages_register(tmp_path, monkeypatch):
    info = tmp_path / "fake_tsrnn_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-tsrnn-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        f"[lightning.pytorch.callbacks_factory]\nfake = {__name__}:factory\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    trainer_module._entry_points.cache_clear()
    try:
        first, second = make_trainer(max_epochs=1), make_trainer(max_epochs=1)
    finally:
        trainer_module._entry_points.cache_clear()
    found = [[cb for cb in t.callbacks if isinstance(cb, FactoryCallback)] for t in (first, second)]
    assert [len(f) for f in found] == [1, 1] and found[0][0] is not found[1][0]  # fresh each
    assert registry.entry_points is importlib.metadata.entry_points  # Lightning's own again
