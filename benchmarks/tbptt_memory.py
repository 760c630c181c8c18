"""Peak memory of one stateful (TBPTT) training epoch as the series grows: 1k, 10k, 100k steps.

Each run is a fresh subprocess that fits ``StreamingRNNForecaster(tbptt_steps=k, hidden_size=64,
horizon=12, max_epochs=1, batch_size=1)`` on one synthetic half-hourly series of the given
length with one past covariate. A Lightning callback resets the process's peak-RSS mark
(``/proc/self/clear_refs``, Linux) at ``on_train_epoch_start`` and reads ``VmHWM`` (peak RSS)
and ``VmRSS`` at ``on_train_epoch_end``; so the figures cover the training epoch only, not
the imports or the frame checks before it. Reported: peak RSS during the epoch, its growth
over the RSS at the epoch's start, and the epoch's time per step. For contrast the same is
run with full BPTT (``tbptt_steps`` = the series length, one optimiser step per epoch), whose
memory grows with the length. Target: the TBPTT peak stays within 10% from 1k to 100k steps.

Run ``python benchmarks/tbptt_memory.py`` (about 4 minutes on 2 cores); ``--quick`` skips the
full-BPTT contrast at 100k steps; ``--help`` lists the options.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

CHILD = r"""
import json, sys, time
import numpy as np, pandas as pd, torch
from lightning.pytorch.callbacks import Callback
from tsrnn import StreamingRNNForecaster

torch.set_num_threads(1)
length, k, repeats = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])

def status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    return -1

class Peak(Callback):
    def on_train_epoch_start(self, trainer, pl_module):
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")  # reset VmHWM to the current RSS
            self.reset = True
        except OSError:
            self.reset = False
        self.start_rss, self.t0 = status("VmRSS"), time.perf_counter()

    def on_train_epoch_end(self, trainer, pl_module):
        self.seconds = time.perf_counter() - self.t0
        self.peak, self.end_rss = status("VmHWM"), status("VmRSS")

rng = np.random.default_rng(0)
t = np.arange(length)
temp = 20 + 5 * np.sin(2 * np.pi * t / 48) + rng.normal(0, 1, length)
y = 5 + np.sin(2 * np.pi * t / 48) + 0.3 * np.sin(2 * np.pi * t / 336) + 0.05 * temp
frame = pd.DataFrame({"unique_id": "s", "ds": pd.date_range("2000-01-01", periods=length,
                      freq="30min"), "y": y + rng.normal(0, 0.1, length), "temperature": temp})
results = []
for _ in range(repeats):
    probe = Peak()
    est = StreamingRNNForecaster(horizon=12, tbptt_steps=k, hidden_size=64, max_epochs=1,
                                 batch_size=1, random_state=0,
                                 trainer_kwargs={"callbacks": [probe]}).fit(frame)
    results.append({"peak": probe.peak, "start": probe.start_rss, "seconds": probe.seconds,
                    "reset": probe.reset, "steps": length})
print("RESULT " + json.dumps(results))
"""


def run(length: int, k: int, repeats: int) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(length), str(k), str(repeats)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
    if proc.returncode or not line:
        raise SystemExit(f"child failed for length {length}:\n{proc.stdout}\n{proc.stderr}")
    runs = json.loads(line[0][7:])
    median = lambda key: sorted(r[key] for r in runs)[len(runs) // 2]  # noqa: E731
    return {
        "peak": median("peak"),
        "growth": sorted(r["peak"] - r["start"] for r in runs)[len(runs) // 2],
        "seconds": median("seconds"),
        "reset": all(r["reset"] for r in runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--tbptt-steps", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3, help="fits per subprocess (medians)")
    parser.add_argument("--quick", action="store_true", help="full BPTT only up to 10k steps")
    args = parser.parse_args()
    start = time.perf_counter()
    mib = 2**20
    print(f"one series, LSTM hidden 64, horizon 12, batch 1, one past covariate; "
          f"tbptt_steps={args.tbptt_steps}; medians of {args.repeats} epochs per row")  # fmt: skip
    print(f"{'mode':<12}{'steps':>9}{'peak RSS MiB':>14}{'epoch growth MiB':>18}"
          f"{'us/step':>10}")  # fmt: skip
    rows = {}
    for mode in ("tbptt", "full BPTT"):
        for length in args.lengths:
            if mode == "full BPTT" and args.quick and length > 10_000:
                continue
            k = args.tbptt_steps if mode == "tbptt" else length
            r = run(length, k, args.repeats)
            rows[mode, length] = r
            print(f"{mode:<12}{length:>9}{r['peak'] / mib:>14.1f}{r['growth'] / mib:>18.1f}"
                  f"{1e6 * r['seconds'] / length:>10.1f}", flush=True)  # fmt: skip
            if not r["reset"]:
                print("  (peak mark could not be reset: the peak includes the setup)")
    peaks = [rows["tbptt", n]["peak"] for n in args.lengths]
    spread = max(peaks) / min(peaks) - 1
    longest, shortest = max(args.lengths), min(args.lengths)
    print(f"TBPTT peak RSS, largest / smallest - 1: {100 * spread:.1f}% "
          f"({'PASS' if spread <= 0.10 else 'FAIL'}: target <= 10%)")  # fmt: skip
    growth = [rows["tbptt", n]["growth"] / mib for n in args.lengths]
    print("TBPTT epoch growth over the RSS at epoch start (MiB): "
          + ", ".join(f"{g:.1f}" for g in growth))  # fmt: skip
    if ("full BPTT", longest) in rows:
        full = [rows["full BPTT", n] for n in (shortest, longest)]
        print(f"full BPTT for contrast, {shortest} -> {longest} steps: peak RSS "
              f"{full[0]['peak'] / mib:.1f} -> {full[1]['peak'] / mib:.1f} MiB, epoch growth "
              f"{full[0]['growth'] / mib:.1f} -> {full[1]['growth'] / mib:.1f} MiB; at {longest} "
              f"steps its peak is {full[1]['peak'] / rows['tbptt', longest]['peak']:.2f}x "
              "TBPTT's")  # fmt: skip
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
