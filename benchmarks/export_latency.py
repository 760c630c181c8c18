"""Latency, size and int8 accuracy of an exported streaming model (ONNX) against torch.

A ``StreamingRNNForecaster`` (``hidden_size=32``, one layer, ``horizon=12``) is exported
with ``tsrnn.export.to_onnx`` in float32 and int8 (dynamic quantisation). Timed, as
medians of ``--repeats`` interleaved rounds of ``--steps`` steps, per observation:

- ``OnnxStream.push`` for one series (the whole runtime call: scaling in Python floats,
  the bound ``run_with_iobinding`` and the forecast; onnxruntime with one thread), that
  bound run alone, and a plain ``session.run`` with a dict of arrays;
- ``OnnxStream.push_many`` over ``--series`` series at once (time / series);
- the estimator's own path, ``est.update(row)`` + ``est.forecast()`` (pandas checks and
  all), for one series and for ``--series`` rows at once; and the bare torch network step
  (``advance`` + ``forecast_from_state``, one torch thread) for one series.

Also the file sizes and, on ``elecdemand`` (six training weeks, two streamed days; LSTM
and GRU), the int8 model's change in forecasts and in MAE against the float32 model.
Every figure is wall time; the CPU time of this thread is printed next to it (it counts
only the time the process ran, so it moves less with the machine's load).
Target: at most 20 microseconds per observation for one series (float32, one thread).
Run ``python benchmarks/export_latency.py``; ``--help`` lists the options.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from tsrnn import StreamingRNNForecaster
from tsrnn.datasets import load_dataset
from tsrnn.export import OnnxStream, state_path, to_onnx
from tsrnn.nn.state import state_from_numpy

TARGET_US = 20.0


def synthetic(n_series: int, length: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    return pd.concat([
        pd.DataFrame({
            "unique_id": f"s{i:04d}",
            "ds": pd.date_range("2020-01-01", periods=length, freq="h"),
            "y": 10 + np.sin(2 * np.pi * t / 24 + i) + rng.normal(0, 0.1, length),
        })
        for i in range(n_series)
    ], ignore_index=True)  # fmt: skip


def median_us(fn, steps: int, per: int = 1) -> tuple[float, float]:
    """One round: wall and CPU microseconds per call of ``fn`` (per ``per`` observations)."""
    start, cpu = time.perf_counter(), time.thread_time()
    for i in range(steps):
        fn(i)
    scale = 1e6 / steps / per
    return scale * (time.perf_counter() - start), scale * (time.thread_time() - cpu)


def timings(est, folder: Path, args) -> dict[str, float]:
    n = args.series
    streams = {q: OnnxStream(to_onnx(est, folder / f"{q}.onnx", quantize=q == "int8"))
               for q in ("float32", "int8")}  # fmt: skip
    values = np.random.default_rng(1).normal(10, 1, size=(args.steps, n)).astype(np.float32)
    one = streams["float32"]
    feeds = {"x": values[:1, :1, None], "level": values[:1, :1]}  # the step graph's inputs
    feeds |= {k: np.zeros((1, 1, 32), np.float32) for k in ("h", "c")}
    one.push(0, values[0, 0])  # binds the lane
    lane = one._lane
    every = np.arange(n)
    net = est.network_
    state = state_from_numpy(est.state_[:1])
    x = torch.zeros(1, 1, 1)
    future = est.future_frame(1)
    rows = [future.iloc[[i]].assign(y=10.0) for i in range(n)]
    cases = {
        "onnx float32 push, 1 series": lambda s: lambda i: s.push(0, values[i, 0]),
        "onnx int8 push, 1 series": None,
        "onnx float32 bound run only, 1 series":
            lambda s: lambda i: lane.run(lane.bindings[i % 2], lane.options),
        "onnx float32 session.run(dict), 1 series":
            lambda s: lambda i: s.session.run(None, feeds),
        f"onnx float32 push_many, {n} series": lambda s: lambda i: s.push_many(every, values[i]),
        f"onnx int8 push_many, {n} series": None,
    }
    results: dict[str, list[tuple[float, float]]] = {k: [] for k in cases}
    results["torch network step, 1 series"] = []
    results["estimator update()+forecast(), 1 series"] = []
    results[f"estimator update()+forecast(), {n} series"] = []
    new_rows = pd.concat(rows)

    def torch_step(i):
        with torch.inference_mode():
            s = net.advance(x, state)
            net.forecast_from_state(s)

    clock = np.zeros(n, dtype=np.int64)  # steps each series has moved on

    def est_one(i):
        est.update(rows[0].assign(ds=rows[0].ds + pd.Timedelta(hours=int(clock[0]))))
        clock[0] += 1
        est.forecast()

    def est_all(i):
        est.update(new_rows.assign(ds=new_rows.ds + pd.to_timedelta(clock, unit="h")))
        clock[:] += 1
        est.forecast()

    for _ in range(args.repeats):  # interleaved rounds
        for name in cases:
            stream = streams["int8" if "int8" in name else "float32"]
            fn = cases[name] or cases[name.replace("int8", "float32")]
            results[name].append(median_us(fn(stream), args.steps, n if "many" in name else 1))
        results["torch network step, 1 series"].append(median_us(torch_step, args.steps))
        est_steps = max(args.steps // 20, 5)
        results["estimator update()+forecast(), 1 series"].append(median_us(est_one, est_steps))
    for _ in range(args.repeats):  # last: moves every series' calendar on
        results[f"estimator update()+forecast(), {n} series"].append(
            median_us(est_all, 3, n)
        )
    sizes = {q: (folder / f"{q}.onnx").stat().st_size for q in ("float32", "int8")}
    sizes["state file (.npz)"] = state_path(folder / "float32.onnx").stat().st_size
    medians = {k: tuple(statistics.median(r[j] for r in v) for j in (0, 1))
               for k, v in results.items()}  # fmt: skip
    return medians, sizes


def int8_accuracy(folder: Path, seed: int, cell: str) -> dict[str, float]:
    """float32 vs int8 forecasts over two streamed days of elecdemand."""
    df = load_dataset("elecdemand")[["unique_id", "ds", "y"]]
    start = pd.Timestamp("2014-12-01")
    train = df[(df.ds < start) & (df.ds >= start - pd.Timedelta(weeks=6))]
    stream = df[(df.ds >= start) & (df.ds < start + pd.Timedelta(days=2))]["y"].to_numpy()
    est = StreamingRNNForecaster(
        cell=cell, horizon=12, tbptt_steps=96, hidden_size=32, batch_size=1,
        learning_rate=3e-3, max_epochs=2, random_state=seed,
    ).fit(train)  # fmt: skip
    full = OnnxStream(to_onnx(est, folder / "acc_f.onnx"))
    small = OnnxStream(to_onnx(est, folder / "acc_q.onnx", quantize=True))
    f_fc, q_fc, errors_f, errors_q = full.forecast(0), small.forecast(0), [], []
    rel = []
    for i, v in enumerate(stream):
        if i >= 1:
            errors_f.append(abs(f_fc[0] - v))
            errors_q.append(abs(q_fc[0] - v))
        f_fc, q_fc = full.push(0, v), small.push(0, v)
        rel.append(np.max(np.abs(q_fc - f_fc) / np.abs(f_fc)))
    return {
        "median relative change of a forecast": float(np.median(rel)),
        "max relative change of a forecast": float(np.max(rel)),
        "one-step MAE float32 (GW)": float(np.mean(errors_f)),
        "one-step MAE int8 (GW)": float(np.mean(errors_q)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=256)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"load average before: {os.getloadavg()}")
    est = StreamingRNNForecaster(
        horizon=12, tbptt_steps=24, hidden_size=32, max_epochs=1, random_state=args.seed
    ).fit(synthetic(args.series, 96))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        medians, sizes = timings(est, folder, args)
        accuracy = {cell: int8_accuracy(folder, args.seed, cell) for cell in ("lstm", "gru")}
    print(f"LSTM hidden 32, horizon 12; medians of {args.repeats} interleaved rounds "
          f"(microseconds per observation: wall, CPU of this thread)")  # fmt: skip
    for name, (wall, cpu) in medians.items():
        print(f"  {name:<48s} {wall:10.1f} {cpu:10.1f}")
    push = medians["onnx float32 push, 1 series"][0]
    print(f"  estimator update() / onnx push, 1 series: "
          f"{medians['estimator update()+forecast(), 1 series'][0] / push:.0f}x")  # fmt: skip
    print("file sizes (bytes):", ", ".join(f"{k} {v}" for k, v in sizes.items()))
    print(f"int8 / float32 size: {sizes['int8'] / sizes['float32']:.2f}")
    for cell, figures in accuracy.items():
        print(f"int8 vs float32 on elecdemand, {cell.upper()} (2 streamed days):")
        for name, value in figures.items():
            print(f"  {name:<40s} {value:.4g}")
    verdict = "met" if push <= TARGET_US else "NOT met"
    print(f"target <= {TARGET_US:.0f} us per observation, one series: {verdict} ({push:.1f} us)")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
