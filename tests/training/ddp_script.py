"""A user's script that fits every kind of neural forecaster, used by test_ddp.py.

``python ddp_script.py OUT DEVICES BATCH_SIZE`` fits with ``strategy="ddp"`` over
``DEVICES`` CPU processes (Lightning re-runs this script for ranks >= 1) and rank 0
writes the forecasts and losses of two repeated fits to ``OUT`` (.npz), rank 1 to
``OUT.rank1.npz``. ``fit_all(1, ...)`` is the single-process reference.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import torch

from tsrnn import LSTMForecaster, Seq2SeqForecaster, StreamingRNNForecaster

torch.set_num_threads(1)


def panel(n_series: int = 6, n: int = 48) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    t = np.arange(n)
    return pd.concat(
        [pd.DataFrame({"unique_id": f"s{i}", "ds": pd.date_range("2001-01-01", periods=n - i,
                                                                   freq="MS"),
                       "y": (10 + i + np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.1, n))[i:]})
         for i in range(n_series)], ignore_index=True)  # fmt: skip


def fit_all(devices: int, batch_size: int) -> dict[str, np.ndarray]:
    """Fit the three training paths (and an early-stopped fit); forecasts and losses."""
    kw = {"accelerator": "cpu", "devices": devices}
    if devices > 1:
        kw["strategy"] = "ddp"
    common = {"horizon": 4, "hidden_size": 6, "max_epochs": 3, "random_state": 0,
              "trainer_kwargs": kw, "batch_size": batch_size}  # fmt: skip
    models = {
        "windowed": LSTMForecaster(context_length=12, **common),
        "seq2seq": Seq2SeqForecaster(context_length=12, teacher_forcing="always", **common),
        "stateful": StreamingRNNForecaster(tbptt_steps=8, **{**common, "batch_size": 2}),
        "early": LSTMForecaster(context_length=12, validation_size=4, early_stopping_patience=1,
                                **{**common, "max_epochs": 6}),
    }
    df = panel()
    out = {}
    for name, est in models.items():
        est.fit(df)
        out[f"{name}_forecast"] = est.forecast()["yhat"].to_numpy()
        out[f"{name}_train_loss"] = np.asarray(est.history_["train_loss"])
        out[f"{name}_val_loss"] = np.asarray(est.history_["val_loss"])
    return out


if __name__ == "__main__":
    path, devices, batch_size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    result = fit_all(devices, batch_size)
    again = fit_all(devices, batch_size)  # a second DDP fit in the same processes
    result.update({f"again_{k}": v for k, v in again.items()})
    rank = torch.distributed.get_rank() if torch.distributed.is_initialized() else 0
    result["world_size"] = np.array(
        torch.distributed.get_world_size() if torch.distributed.is_initialized() else 1)
    np.savez(path if rank == 0 else f"{path}.rank{rank}.npz", **result)
