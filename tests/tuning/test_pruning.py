"""Pruning: the Lightning callback reports per epoch, and real pruners stop weak trials."""

from __future__ import annotations

import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution
from sklearn.base import clone

from tsrnn import LSTMForecaster, RNNForecaster
from tsrnn.baselines import ThetaForecaster
from tsrnn.datasets import load_dataset
from tsrnn.tuning import OptunaSearchCV, PruningCallback, TrialReporter


@pytest.fixture(scope="module")
def df():
    return load_dataset("monthly_short")


def test_callback_reports_negated_val_loss_each_epoch(df):
    study = optuna.create_study(direction="maximize")
    trial = study.ask()
    est = LSTMForecaster(horizon=6, context_length=12, hidden_size=4, max_epochs=3,
                         validation_size=6, random_state=0,
                         trainer_kwargs={"callbacks": [PruningCallback(trial)]})
    est.fit(df)
    reported = study.trials[0].intermediate_values
    assert list(reported.values()) == pytest.approx([-v for v in est.history_["val_loss"]])


def test_callback_survives_clone_as_the_same_object():
    callback = PruningCallback(optuna.create_study().ask())
    est = LSTMForecaster(trainer_kwargs={"callbacks": [callback]})
    assert clone(est).trainer_kwargs["callbacks"][0] is callback


def test_reporter_raises_trial_pruned_when_the_pruner_says_so():
    study = optuna.create_study(direction="maximize",
                                pruner=optuna.pruners.ThresholdPruner(lower=0.0))
    reporter = TrialReporter(study.ask())
    reporter.report(1.0)
    with pytest.raises(optuna.TrialPruned, match="step 1"):
        reporter.report(-1.0)


@pytest.mark.parametrize(
    "pruner",
    [
        optuna.pruners.MedianPruner(n_startup_trials=2),
        optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=2),
        optuna.pruners.HyperbandPruner(min_resource=1, max_resource=6, reduction_factor=2),
    ],
    ids=["median", "successive_halving", "hyperband"],
)
def test_weak_neural_trials_are_pruned_early(df, pruner):
    def space(trial):  # three sound trials, then three that can hardly learn
        return {"learning_rate": 1e-2 if trial.number < 3 else 1e-7}

    est = RNNForecaster(horizon=6, context_length=12, cell="gru", hidden_size=4, max_epochs=3,
                        random_state=0)
    # A fixed study name: Hyperband assigns trials to brackets by hashing it with the number.
    search = OptunaSearchCV(est, space, cv=2, n_trials=6, pruner=pruner, random_state=0,
                            storage=optuna.storages.InMemoryStorage(), study_name="pruning")
    search.fit(df[df["unique_id"].isin(df["unique_id"].unique()[:4])])
    res = search.cv_results_
    pruned = res[res["state"] == "PRUNED"]
    assert len(pruned) >= 1, res[["state", "n_reports", "param_learning_rate"]]
    assert (pruned["param_learning_rate"] == 1e-7).all()
    assert (pruned["n_reports"] < 6).all()  # stopped before 3 epochs x 2 folds
    assert (res.loc[res["state"] == "COMPLETE", "n_reports"] == 6).all()


def test_baselines_are_pruned_per_fold(df):
    search = OptunaSearchCV(
        ThetaForecaster(horizon=6),
        {"theta": FloatDistribution(1.0, 4.0), "deseasonalize": CategoricalDistribution(
            [True, False])},
        cv=2, n_trials=6, random_state=0, storage=optuna.storages.InMemoryStorage(),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=2),
    )
    search.fit(df)
    res = search.cv_results_
    assert (res["state"] == "PRUNED").any()
    assert set(res["n_reports"]) <= {1, 2}
