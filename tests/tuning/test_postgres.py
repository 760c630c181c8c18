"""Optuna on a real PostgreSQL server: two workers share a study, one dies mid-trial.

The server is the session fixture of ``pg_server.py`` (skipped with a reason where the
binaries or the driver are missing; ``.ci/run`` installs both).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState
from pg_server import postgres_db, postgres_url  # noqa: F401 (fixtures)

from tsrnn import SeasonalNaiveForecaster
from tsrnn.datasets import load_dataset
from tsrnn.tuning import OptunaSearchCV, database_storage

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,  # most of it is the two workers importing tsrnn
    pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning"),
]

ROOT = Path(__file__).resolve().parents[2]
BEAT, GRACE = 1, 3  # seconds: a dead worker's trial is stale 3 s after its last beat
WORKER = """
import sys, time
from pathlib import Path
from optuna.pruners import NopPruner
from tsrnn import SeasonalNaiveForecaster
from tsrnn.datasets import load_dataset
from tsrnn.tuning import OptunaSearchCV, database_storage
url, name, n_trials, seed, barrier, block, after = sys.argv[1:]
done = []

def space(trial):  # the victim's third trial hangs, as a long fit would, until it is killed
    params = {"season_length": trial.suggest_int("season_length", 1, 12)}
    if block and len(done) == 2:
        Path(block).write_text(str(trial.number))
        time.sleep(600)
    done.append(trial.number)
    return params

Path(barrier, seed).touch()  # start trials only when both workers have imported everything
while len(list(Path(barrier).iterdir())) < 2:
    time.sleep(0.05)
while after and not (Path(after).exists() and Path(after).read_text()):
    time.sleep(0.05)  # the survivor starts once the victim hangs: on a busy machine it
    # could otherwise finish the study before the victim reaches its third trial
storage = database_storage(url, heartbeat_interval=BEAT, grace_period=GRACE)
OptunaSearchCV(SeasonalNaiveForecaster(horizon=6), space, cv=2, n_trials=int(n_trials),
               storage=storage, study_name=name, pruner=NopPruner(), refit=False,
               random_state=int(seed)).fit(load_dataset("monthly_short"))
""".replace("BEAT", str(BEAT)).replace("GRACE", str(GRACE))


def start_worker(url, name, n_trials, seed, barrier, block="", after=""):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, url, name, str(n_trials), str(seed), str(barrier), block,
         after],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )


def space(trial):
    return {"season_length": trial.suggest_int("season_length", 1, 12)}


def test_a_worker_killed_mid_trial_loses_nothing_and_its_trial_is_retried_once(
    postgres_db, tmp_path  # noqa: F811 (the imported fixture)
):
    url, name, n_trials = postgres_db, "shared", 12
    barrier, flag = tmp_path / "ready", tmp_path / "blocked"
    barrier.mkdir()
    victim = start_worker(url, name, n_trials, 1, barrier, str(flag))
    survivor = start_worker(url, name, n_trials, 2, barrier, after=str(flag))
    deadline = time.monotonic() + 120
    while not flag.exists() or not flag.read_text():
        assert victim.poll() is None, victim.stdout.read().decode()
        assert time.monotonic() < deadline, "the victim never reached its third trial"
        time.sleep(0.05)
    killed = int(flag.read_text())
    victim.send_signal(signal.SIGKILL)
    assert victim.wait(timeout=30) == -signal.SIGKILL
    study = optuna.load_study(study_name=name, storage=url)
    t0 = time.monotonic()
    # killed mid-trial: still RUNNING, unless the survivor already found its beats overdue
    assert study.trials[killed].state in (TrialState.RUNNING, TrialState.FAIL), (
        study.trials[killed], time.monotonic() - t0)
    assert "error" not in study.trials[killed].user_attrs  # it raised nothing
    before = {t.number: (t.params, t.value) for t in study.trials
              if t.state == TrialState.COMPLETE}
    out = survivor.communicate(timeout=120)[0].decode()
    assert survivor.returncode == 0, out

    # The study resumes in this process once the dead trial's beats are overdue.
    time.sleep(GRACE + 0.5)
    finished = len(study.get_trials(states=(TrialState.COMPLETE, TrialState.FAIL)))
    storage = database_storage(url, heartbeat_interval=BEAT, grace_period=GRACE)
    search = OptunaSearchCV(SeasonalNaiveForecaster(horizon=6), space, cv=2,
                            n_trials=finished + 2, storage=storage, study_name=name,
                            pruner=optuna.pruners.NopPruner(), refit=False, random_state=3)
    search.fit(load_dataset("monthly_short"))

    trials = optuna.load_study(study_name=name, storage=url).trials
    after = {t.number: (t.params, t.value) for t in trials if t.state == TrialState.COMPLETE}
    assert {k: after[k] for k in before} == before  # no finished trial lost
    assert trials[killed].state == TrialState.FAIL  # the stale trial, failed by heartbeat
    assert "error" not in trials[killed].user_attrs
    retry = optuna.storages.RetryHeartbeatStaleTrialCallback
    retries = [t for t in trials if retry.retried_trial_number(t) == killed]
    assert len(retries) == 1  # retried exactly once ...
    assert retries[0].state == TrialState.COMPLETE  # ... to completion, same parameters
    assert retries[0].params == trials[killed].params
    assert not [t for t in trials if t.state in (TrialState.RUNNING, TrialState.WAITING)]
    workers = {t.user_attrs["worker"] for t in trials if t.state == TrialState.COMPLETE}
    assert len(workers) >= 2  # the two workers shared the study
    assert len(after) >= n_trials
    assert search.best_score_ == max(v for _, v in after.values())
