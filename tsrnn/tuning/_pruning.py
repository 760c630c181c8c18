"""Report training progress to an Optuna trial from inside Lightning, and prune on it."""

from __future__ import annotations

import math
from typing import Any

import lightning as L
import optuna
from lightning.pytorch.callbacks import Callback

__all__ = ["PruningCallback", "TrialReporter"]


class TrialReporter:
    """Report intermediate values of one trial at increasing steps, across folds.

    Steps count what the trial has trained so far: epochs for neural forecasters
    (fold after fold), folds for the others. Values follow the study's direction
    (higher is better), so losses are reported negated.

    Parameters
    ----------
    trial : optuna.trial.Trial
        The running trial.

    Examples
    --------
    >>> import optuna
    >>> study = optuna.create_study(direction="maximize")
    >>> reporter = TrialReporter(study.ask())
    >>> reporter.report(-0.5)
    >>> reporter.report(-0.25)
    >>> study.trials[0].intermediate_values
    {0: -0.5, 1: -0.25}
    """

    def __init__(self, trial: optuna.trial.Trial) -> None:
        self.trial = trial
        self.step = 0

    def report(self, value: float) -> None:
        """Report ``value`` at the next step; raise ``optuna.TrialPruned`` if the pruner says so."""
        if math.isfinite(value):
            self.trial.report(float(value), self.step)
        self.step += 1
        if self.trial.should_prune():
            raise optuna.TrialPruned(f"pruned at step {self.step - 1} (value {value:.6g})")


class PruningCallback(Callback):
    """Lightning callback (``lightning`` namespace) that reports each epoch's loss to Optuna.

    At the end of every training epoch it reports ``-val_loss`` (or ``-train_loss`` when
    the estimator has no validation set, ``validation_size < horizon``) to the trial and
    raises ``optuna.TrialPruned`` when the study's pruner decides the trial is weak; the
    exception leaves ``fit`` and the search records the trial as pruned.

    Pass it to a neural forecaster through ``trainer_kwargs={"callbacks": [...]}``;
    :class:`OptunaSearchCV` does this on a copy of the estimator for every fold. Deep
    copies (``sklearn.base.clone``) share the callback instead of copying the trial.

    Parameters
    ----------
    reporter : TrialReporter or optuna.trial.Trial
        Where to report; a trial is wrapped in a new :class:`TrialReporter` (steps from 0).

    Examples
    --------
    >>> import optuna
    >>> from tsrnn import LSTMForecaster
    >>> from tsrnn.datasets import load_dataset
    >>> study = optuna.create_study(direction="maximize")
    >>> trial = study.ask()
    >>> est = LSTMForecaster(horizon=6, context_length=12, hidden_size=4, max_epochs=3,
    ...                      random_state=0,
    ...                      trainer_kwargs={"callbacks": [PruningCallback(trial)]})
    >>> _ = est.fit(load_dataset("monthly_short"))
    >>> sorted(study.trials[0].intermediate_values)
    [0, 1, 2]
    """

    def __init__(self, reporter: TrialReporter | optuna.trial.Trial) -> None:
        self.reporter = reporter if isinstance(reporter, TrialReporter) else TrialReporter(reporter)

    def __deepcopy__(self, memo: dict) -> PruningCallback:
        return self  # a handle on the running trial, not data: clones share it

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        """Report this epoch's loss, negated; prune if the pruner says so."""
        metrics = trainer.callback_metrics
        loss = metrics.get("val_loss", metrics.get("train_loss"))
        if loss is not None:
            self.reporter.report(-float(loss))

    def state_dict(self) -> dict[str, Any]:
        """Nothing to checkpoint."""
        return {}
