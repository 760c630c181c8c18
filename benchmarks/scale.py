"""Panels of 1k, 10k and 100k series: one training epoch and a forecast, time and memory.

Each size runs in a fresh process (so its peak resident memory is its own): a synthetic
monthly panel of ``n`` series of 100 steps, ``LSTMForecaster(horizon=12, context_length=24,
hidden_size=8, batch_size=4096, max_epochs=1)`` fitted and then forecasting every series.
Printed per size: seconds for the fit (validation, panel, calendar, windows, one epoch)
and the forecast, peak memory, and seconds per series; last, the ratio of time per
series 100k vs 1k (linear scaling is 1.0).

    PYTHONPATH=. python benchmarks/scale.py            # 1k, 10k, 100k
    PYTHONPATH=. python benchmarks/scale.py 1000 10000 # chosen sizes
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def panel(n_series: int, steps: int = 100):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    t = np.tile(np.arange(steps), n_series)
    level = np.repeat(rng.uniform(10, 100, n_series), steps)
    return pd.DataFrame({
        "unique_id": np.repeat(np.arange(n_series), steps).astype(str),
        "ds": np.tile(pd.date_range("2000-01-01", periods=steps, freq="MS").to_numpy(), n_series),
        "y": level * (1 + 0.1 * np.sin(2 * np.pi * t / 12)) + rng.normal(0, 1, t.size),
    })


def one(n_series: int) -> dict:
    import torch

    from tsrnn import LSTMForecaster

    torch.set_num_threads(1)
    df = panel(n_series)
    est = LSTMForecaster(horizon=12, context_length=24, hidden_size=8, batch_size=4096,
                         max_epochs=1, random_state=0)
    start = time.perf_counter()
    est.fit(df)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    out = est.forecast()
    forecast_s = time.perf_counter() - start
    assert len(out) == 12 * n_series
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB
    return {"series": n_series, "windows": int(est.n_windows_), "fit_s": fit_s,
            "forecast_s": forecast_s, "peak_gib": peak}


def main(sizes: list[int]) -> None:
    rows = []
    for n in sizes:
        run = subprocess.run([sys.executable, __file__, "--one", str(n)],
                             capture_output=True, text=True, check=True)
        rows.append(json.loads(run.stdout.strip().splitlines()[-1]))
        r = rows[-1]
        total = r["fit_s"] + r["forecast_s"]
        print(f"{r['series']:>7} series  {r['windows']:>9} windows  fit {r['fit_s']:8.1f} s  "
              f"forecast {r['forecast_s']:6.1f} s  peak {r['peak_gib']:5.2f} GiB  "
              f"{1e3 * total / r['series']:.3f} ms/series", flush=True)
    if len(rows) > 1:
        per = [(r["fit_s"] + r["forecast_s"]) / r["series"] for r in rows]
        print(f"time per series, {rows[-1]['series']} vs {rows[0]['series']}: "
              f"{per[-1] / per[0]:.2f}x")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(one(int(sys.argv[2]))))
    else:
        main([int(a) for a in sys.argv[1:]] or [1_000, 10_000, 100_000])
