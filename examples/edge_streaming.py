"""Export a streaming LSTM to ONNX and run it where only numpy and onnxruntime are installed.

What this shows, on the bundled ``elecdemand`` series (Victoria, 2014, half-hourly, with
``temperature``):

1. a :class:`~tsrnn.StreamingRNNForecaster` (LSTM) trained statefully on the weeks before
   December, with temperature as a past covariate (as ``examples/streaming_elecdemand.py``);
2. :func:`tsrnn.export.to_onnx` writes it twice, in float32 and in int8 (dynamic
   quantisation), each ONNX file with a state file (``.npz``: the series' hidden state and
   scaling); the bundle for the device is a folder with those files, tsrnn's stand-alone
   runtime module (``tsrnn/export/runtime.py``), the data to stream and this script;
3. "on the device": this same script, run in a fresh process from that folder
   (``--device``), imports only numpy and the copied runtime (no torch, pandas or tsrnn),
   streams the first days of December one half hour at a time through both models with
   ``OnnxStream.push`` and prints the running MAE once a day against naive baselines
   (the last value one step ahead; the same half hour of the day before 6 hours ahead).

Run ``python examples/edge_streaming.py`` (``--out DIR`` keeps the bundle; ``--export-only``
skips step 3, which ``python DIR/edge_streaming.py --device DIR`` then runs anywhere that
has ``pip install numpy onnxruntime``). ``TSRNN_EXAMPLES_FAST=1`` gives a seconds-long run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

FAST = os.environ.get("TSRNN_EXAMPLES_FAST") == "1"
HORIZON = 12  # 6 hours of half-hours
DAY = 48  # half-hours


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=1 if FAST else 7, help="days to stream")
    parser.add_argument("--epochs", type=int, default=1 if FAST else 4)
    parser.add_argument("--out", metavar="DIR", help="write the device bundle here (kept)")
    parser.add_argument("--export-only", action="store_true", help="stop after the export")
    parser.add_argument("--device", metavar="DIR", help="only stream the bundle in DIR")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args()


def export(folder: Path, args: argparse.Namespace) -> None:
    """Fit, export (float32 and int8) and write the bundle: needs tsrnn, torch and pandas."""
    import pandas as pd
    import torch

    from tsrnn import StreamingRNNForecaster
    from tsrnn.datasets import load_dataset
    from tsrnn.export import to_onnx

    torch.set_num_threads(1)
    start = pd.Timestamp("2014-12-01")
    df = load_dataset("elecdemand").drop(columns="workday")  # y, temperature
    train = df[(df.ds < start) & (df.ds >= start - pd.Timedelta(weeks=6 if FAST else 16))]
    stream = df[(df.ds >= start - pd.Timedelta(days=1))
                & (df.ds < start + pd.Timedelta(days=args.days))]  # fmt: skip
    t0 = time.perf_counter()
    est = StreamingRNNForecaster(
        horizon=HORIZON, tbptt_steps=96, hidden_size=32, batch_size=1, learning_rate=3e-3,
        max_epochs=args.epochs, random_state=args.seed,
    ).fit(train)  # fmt: skip
    print(f"Trained on {len(train)} half-hours in {time.perf_counter() - t0:.1f} s")
    folder.mkdir(parents=True, exist_ok=True)
    for name, quantize in (("float32", False), ("int8", True)):
        path = to_onnx(est, folder / f"{name}.onnx", quantize=quantize)
        print(f"Exported {path.name}: {path.stat().st_size / 1024:.1f} KiB "
              f"(+ {path.with_suffix('.npz').name}, the series' state)")  # fmt: skip
    # The day before December is history (the seasonal naive's); the rest is streamed.
    table = np.column_stack([stream.y, stream.temperature, stream.ds >= start])
    np.savetxt(folder / "stream.csv", table, delimiter=",", header="y,temperature,streamed")
    import tsrnn.export.runtime as runtime

    shutil.copy(runtime.__file__, folder / "runtime.py")
    shutil.copy(__file__, folder / "edge_streaming.py")
    print(f"Bundle for the device: {', '.join(sorted(p.name for p in folder.iterdir()))}")


def stream_on_device(folder: Path) -> None:
    """Stream the bundle's data through both models: numpy and the copied runtime only."""
    sys.path.insert(0, str(folder))
    from runtime import OnnxStream  # the copied tsrnn/export/runtime.py

    table = np.loadtxt(folder / "stream.csv", delimiter=",")
    y, temperature, streamed = table[:, 0], table[:, 1], table[:, 2] == 1
    first = int(np.argmax(streamed))
    models = {name: OnnxStream(folder / f"{name}.onnx") for name in ("float32", "int8")}
    forecasts = {name: m.forecast(0) for name, m in models.items()}  # made at export
    errors = {k: [] for k in ("float32_1", "int8_1", "naive_1", "float32_12", "int8_12",
                              "snaive_12")}  # fmt: skip
    pending: dict[int, tuple[float, float, float]] = {}  # 6-hour-ahead forecasts to score
    seconds = 0.0
    print(f"Device: numpy {np.__version__}; streaming {len(y) - first} half-hours")
    for t in range(first, len(y)):
        truth = y[t]
        for name in models:
            errors[f"{name}_1"].append(abs(forecasts[name][0] - truth))
        errors["naive_1"].append(abs(y[t - 1] - truth))
        if t in pending:
            keys = ("float32_12", "int8_12", "snaive_12")
            for key, value in zip(keys, pending.pop(t), strict=True):
                errors[key].append(abs(value - truth))
        ahead = t + HORIZON - 1  # the 12th half hour from now
        pending[ahead] = (forecasts["float32"][-1], forecasts["int8"][-1], y[ahead - DAY])
        start = time.perf_counter()
        forecasts = {name: m.push(0, truth, [temperature[t]]) for name, m in models.items()}
        seconds += time.perf_counter() - start
        if (t - first + 1) % DAY == 0:
            mae = {k: np.mean(v) if v else np.nan for k, v in errors.items()}
            print(f"day {(t - first + 1) // DAY}  running MAE (GW): next half hour float32 "
                  f"{mae['float32_1']:.3f} int8 {mae['int8_1']:.3f} vs naive {mae['naive_1']:.3f}"
                  f"; 6 h ahead float32 {mae['float32_12']:.3f} int8 {mae['int8_12']:.3f} vs "
                  f"seasonal naive {mae['snaive_12']:.3f}")  # fmt: skip
    steps = len(y) - first
    print(f"{1e6 * seconds / steps / len(models):.0f} microseconds per push (one thread)")
    torch_loaded = [m for m in ("torch", "pandas", "tsrnn") if m in sys.modules]
    print(f"Modules loaded on the device besides numpy and onnxruntime: {torch_loaded or 'none'}")


def main() -> None:
    args = parse_args()
    if args.device:
        stream_on_device(Path(args.device).resolve())
        return
    if FAST:
        print("fast mode: 6 training weeks, 1 epoch, 1 streamed day")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.out or Path(tmp) / "bundle").resolve()
        export(folder, args)
        if args.export_only:
            return
        # A fresh process, started from the bundle: nothing of tsrnn or torch is imported.
        script = folder / "edge_streaming.py"
        sys.stdout.flush()
        subprocess.run([sys.executable, str(script), "--device", str(folder)], cwd=folder,
                       check=True)  # fmt: skip


if __name__ == "__main__":
    main()
