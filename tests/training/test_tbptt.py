"""The TBPTT loop: truncation of gradients, equality with full BPTT, step counting, clipping."""

import lightning as L
import pytest
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from tsrnn.data.chunks import ChunkBatch
from tsrnn.nn import RecurrentNet
from tsrnn.training import TBPTTSystem, make_trainer, quiet_lightning
from tsrnn.training.masking import masked_loss
from tsrnn.training.tbptt import split_time


class Probe(TBPTTSystem):
    """Records the loss and parameter gradients of every optimiser step."""

    def on_before_optimizer_step(self, optimizer):
        self.grads = [*getattr(self, "grads", []), [p.grad.clone() for p in self.parameters()]]
        self.lrs = [*getattr(self, "lrs", []), optimizer.param_groups[0]["lr"]]


def _batch(steps, lanes=1, horizon=1, lengths=None, seed=0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(lanes, steps, 2, generator=gen)
    y = torch.randn(lanes, steps, horizon, generator=gen)
    lengths = torch.full((lanes,), steps) if lengths is None else torch.tensor(lengths)
    mask = (torch.arange(steps)[None, :, None] < lengths[:, None, None]).expand(-1, -1, horizon)
    return ChunkBatch(x, lengths, y, mask.clone())


def _fit(system, batches, **trainer_kwargs):
    loader = DataLoader(batches, batch_size=None, collate_fn=lambda b: b)
    with quiet_lightning():
        make_trainer(max_epochs=1, trainer_kwargs=trainer_kwargs).fit(system, loader)
    return system


def _net(cell="lstm"):
    torch.manual_seed(0)
    return RecurrentNet(cell=cell, input_size=2, hidden_size=6, num_layers=2, horizon=1)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_no_gradient_reaches_inputs_more_than_k_steps_back(cell):
    k, loss_step = 4, 10  # the loss sits at the last step of the third piece (steps 8..11)
    batch = _batch(12)
    batch.mask[:] = False
    batch.mask[0, loss_step] = True
    batch.x.requires_grad_(True)
    _fit(TBPTTSystem(_net(cell), tbptt_steps=k), [batch])
    grad = batch.x.grad[0].abs().sum(-1)  # [T]
    assert (grad[:8] == 0).all()  # more than k steps before the loss step (and its piece)
    assert (grad[8 : loss_step + 1] > 0).all()  # within k steps
    assert (grad[loss_step + 1 :] == 0).all()  # the future


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_k_at_least_the_length_equals_full_bptt(cell):
    batch = _batch(9, lanes=3, horizon=1, lengths=[9, 6, 2])
    probe = _fit(Probe(_net(cell), tbptt_steps=9), [batch])
    net = _net(cell)
    out, _ = net.forward_steps(batch.x, lengths=batch.lengths)
    loss = masked_loss(F.mse_loss, out, batch.y, batch.mask)
    loss.backward()
    assert len(probe.grads) == 1
    for got, param in zip(probe.grads[0], net.parameters(), strict=True):
        torch.testing.assert_close(got, param.grad, atol=1e-6, rtol=1e-5)
    longer = _fit(Probe(_net(cell), tbptt_steps=50), [batch])
    for got, want in zip(longer.grads[0], probe.grads[0], strict=True):
        torch.testing.assert_close(got, want)


def test_one_optimiser_step_per_piece_and_max_steps_counts_them():
    probe = _fit(Probe(_net(), tbptt_steps=3), [_batch(9, lengths=[9]), _batch(7)])
    assert len(probe.grads) == 3 + 3 and probe.trainer.global_step == 6
    # one chunk per batch (what the estimators' loader yields): max_steps is exact
    capped = _fit(Probe(_net(), tbptt_steps=3), [_batch(3)] * 5, max_steps=4)
    assert capped.trainer.global_step == len(capped.grads) == 4
    # longer batches: the limit is checked between batches
    capped = _fit(Probe(_net(), tbptt_steps=3), [_batch(9), _batch(9)], max_steps=4)
    assert capped.trainer.global_step == len(capped.grads) == 6


def test_state_is_carried_and_detached_between_batches():
    seen = []

    class Spy(TBPTTSystem):
        def forward(self, batch, state=None):
            seen.append(state)
            return super().forward(batch, state)

    first, second = _batch(4, lanes=2, seed=0), _batch(4, lanes=2, lengths=[4, 0], seed=1)
    second.reset = False
    second = ChunkBatch(second.x[:1], second.lengths[:1], second.y[:1], second.mask[:1],
                        reset=False)  # fmt: skip
    _fit(Spy(_net(), tbptt_steps=2), [first, second])
    assert seen[0] is None  # a group starts from zeros
    assert seen[1] is not None and all(s.grad_fn is None for s in seen[1])
    assert seen[2][0].shape == (2, 1, 6)  # cut to the lanes still running


def test_ended_lanes_within_a_batch_are_fine():
    probe = _fit(Probe(_net("gru"), tbptt_steps=2), [_batch(6, lanes=3, lengths=[6, 1, 3])])
    assert len(probe.grads) == 3
    assert all(torch.isfinite(g).all() for step in probe.grads for g in step)


def test_split_time_keeps_reset_on_the_first_piece_only():
    pieces = split_time(_batch(5, lanes=2, lengths=[5, 2]), 2)
    assert [p.reset for p in pieces] == [True, False, False]
    assert [p.lengths.tolist() for p in pieces] == [[2, 2], [2, 0], [1, 0]]


def test_gradient_clipping_through_clip_gradients():
    probe = _fit(Probe(_net(), tbptt_steps=3, gradient_clip_val=1e-3), [_batch(9)])
    for step in probe.grads:
        assert float(torch.stack([g.norm() for g in step]).norm()) <= 1e-3 * (1 + 1e-4)


def test_schedulers_are_stepped_per_epoch_and_per_step():
    per_epoch = Probe(_net(), tbptt_steps=3, learning_rate=0.1, lr_gamma=0.5)
    loader = DataLoader([_batch(6)], batch_size=None, collate_fn=lambda b: b)
    with quiet_lightning():
        make_trainer(max_epochs=3).fit(per_epoch, loader)
    assert per_epoch.lrs == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.025])

    class PerStep(Probe):
        def configure_optimizers(self):
            opt = torch.optim.SGD(self.parameters(), lr=1.0)
            scheduler = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
            return [opt], [{"scheduler": scheduler, "interval": "step"}]

    per_step = _fit(PerStep(_net(), tbptt_steps=2), [_batch(6)])
    assert per_step.lrs == pytest.approx([1.0, 0.5, 0.25])


def test_losses_are_logged_per_epoch():
    system = TBPTTSystem(_net(), tbptt_steps=2)
    loader = DataLoader([_batch(6), _batch(4)], batch_size=None, collate_fn=lambda b: b)
    trainer = L.Trainer(max_epochs=1, logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False)  # fmt: skip
    with quiet_lightning():
        trainer.fit(system, loader, loader)
    assert {"train_loss", "val_loss"} <= set(trainer.callback_metrics)
