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
