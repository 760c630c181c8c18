import pytest
import torch
from lightning.pytorch.callbacks import Callback

from tsrnn.training import LossHistory, make_trainer


def test_user_callbacks_are_added_not_substituted():
    ours, theirs = LossHistory(), Callback()
    trainer = make_trainer(max_epochs=1, callbacks=[ours], trainer_kwargs={"callbacks": [theirs]})
    assert ours in trainer.callbacks and theirs in trainer.callbacks
    assert trainer.logger is None and not trainer.checkpoint_callbacks


def test_trainer_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    from conftest import TINY, make_panel

    from tsrnn import LSTMForecaster

    LSTMForecaster(horizon=2, context_length=4, validation_size=2, **TINY).fit(make_panel())
    assert list(tmp_path.iterdir()) == []


class GradNorm(Callback):
    """Record the total gradient norm left after each optimiser step (i.e. after clipping)."""

    def __init__(self):
        self.norms = []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        grads = [p.grad.norm() for p in pl_module.parameters() if p.grad is not None]
        self.norms.append(float(torch.stack(grads).norm()))


@pytest.mark.parametrize("clip", [None, 1e-3])
def test_gradient_clipping_bounds_the_gradient_norm(clip):
    from conftest import make_panel

    from tsrnn import GRUForecaster

    probe = GradNorm()
    GRUForecaster(
        horizon=2,
        context_length=4,
        hidden_size=8,
        max_epochs=1,
        batch_size=8,
        gradient_clip_val=clip,
        random_state=0,
        trainer_kwargs={"callbacks": [probe]},
    ).fit(make_panel())
    if clip is None:
        assert max(probe.norms) > 1e-2
    else:
        assert max(probe.norms) <= clip * (1 + 1e-4)
