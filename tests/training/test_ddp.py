"""Lightning DDP on 2 CPU processes (gloo): every training path, against one process.

``ddp_script.py`` is run as a user would run a script (``strategy="ddp"`` re-launches it
for rank 1). Windowed and seq2seq fits with ``batch_size=8`` on each of 2 processes see,
step by step, the same 16 windows as one process with ``batch_size=16``, so they train to
the same weights up to float rounding and the order of the last, uneven batch; a stateful
fit gives whole series to each process, so its steps differ and only the losses agree
within a looser tolerance.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = [pytest.mark.ddp, pytest.mark.slow]  # two processes each import torch + tsrnn

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
KINDS = ("windowed", "seq2seq", "stateful", "early")
LOSS_RTOL = {"windowed": 0.02, "seq2seq": 0.02, "early": 0.02, "stateful": 0.1}
# Length buckets of 8 windows per process are not the buckets of 16 of one process, so
# the batches differ slightly; the early-stopped fit trains longest and drifts most.
FORECAST_ATOL = {"windowed": 0.01, "seq2seq": 0.01, "early": 0.03, "stateful": 0.1}


def _script():
    spec = importlib.util.spec_from_file_location("ddp_script", HERE / "ddp_script.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def ddp(tmp_path_factory):
    dist = pytest.importorskip("torch.distributed")
    if not (dist.is_available() and dist.is_gloo_available()):
        pytest.skip("torch.distributed with the gloo backend is not available")
    out = tmp_path_factory.mktemp("ddp") / "rank0.npz"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    run = subprocess.run([sys.executable, str(HERE / "ddp_script.py"), str(out), "2", "8"],
                         env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return dict(np.load(out)), dict(np.load(f"{out}.rank1.npz"))


def test_ddp_fits_match_one_process_after_the_same_samples(ddp):
    rank0, _ = ddp
    assert int(rank0["world_size"]) == 2
    single = _script().fit_all(1, 16)
    for kind in KINDS:
        forecast = rank0[f"{kind}_forecast"]
        assert forecast.shape == single[f"{kind}_forecast"].shape and np.isfinite(forecast).all()
        np.testing.assert_allclose(forecast, single[f"{kind}_forecast"],
                                   atol=FORECAST_ATOL[kind], err_msg=kind)
        loss = rank0[f"{kind}_train_loss"]
        assert len(loss) == len(single[f"{kind}_train_loss"]), kind  # same epochs
        np.testing.assert_allclose(loss, single[f"{kind}_train_loss"], rtol=LOSS_RTOL[kind],
                                   err_msg=kind)
    # early stopping: every process validates on all windows, so they stop together
    np.testing.assert_allclose(rank0["early_val_loss"], single["early_val_loss"], rtol=0.02)


def test_ddp_fits_repeat_exactly_and_every_rank_holds_the_same_model(ddp):
    rank0, rank1 = ddp
    for kind in KINDS:
        np.testing.assert_array_equal(rank0[f"{kind}_forecast"], rank0[f"again_{kind}_forecast"])
        np.testing.assert_array_equal(rank0[f"{kind}_forecast"], rank1[f"{kind}_forecast"])
        np.testing.assert_array_equal(rank0["early_val_loss"], rank1["early_val_loss"])
