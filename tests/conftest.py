"""Shared fixtures: small synthetic panels and tiny, fast estimator settings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import settings

# Tiny networks train fastest on one thread, and extra threads thrash on a shared CPU.
torch.set_num_threads(1)

settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True)
settings.load_profile("ci")

TINY = {"hidden_size": 4, "max_epochs": 2, "batch_size": 16, "random_state": 0}


def make_panel(lengths=(40, 30, 12), *, covariates=True, seed=0, freq="MS") -> pd.DataFrame:
    """A long frame of seasonal series with a past and a known-future covariate."""
    rng = np.random.default_rng(seed)
    frames = []
    for i, n in enumerate(lengths):
        ds = pd.date_range("2001-01-01", periods=n, freq=freq)
        t = np.arange(n)
        frame = pd.DataFrame(
            {
                "unique_id": f"s{i}",
                "ds": ds,
                "y": 10 * (i + 1) + np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.1, n),
            }
        )
        if covariates:
            frame["past"] = rng.normal(size=n)
            frame["promo"] = (t % 5 == 0).astype(float)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


@pytest.fixture
def panel() -> pd.DataFrame:
    return make_panel()


@pytest.fixture
def univariate() -> pd.DataFrame:
    return make_panel(covariates=False)
