"""Latency of a streaming step: update + one-step forecast, stateful vs re-encoding a window.

A stateful model (``StreamingRNNForecaster``) keeps each series' hidden state, so a new observation
costs one recurrent step plus the head. A windowed model must re-read its last
``context_length`` (here 512) steps for every forecast. Both use an LSTM with
``hidden_size=64``, one layer, ``horizon=1``, on ``--series`` synthetic series, batched
over series on the CPU with one torch thread. Two levels are timed, each as the median of
``--repeats`` rounds of ``--steps`` streaming steps, per series-step (time / series):

- network: ``net.advance(x_new, state)`` + ``net.forecast_from_state(state)`` against
  ``net(window, lengths)`` on a 512-step window (the same ``RecurrentNet`` weights);
- estimator: ``est.update(rows)`` + ``est.forecast()`` for one new row per series against
  the same on ``LSTMForecaster(context_length=512)`` (pandas checks and all).

Target: the stateful estimator step under 200 microseconds per series-step.
Run ``python benchmarks/streaming_latency.py``; ``--help`` lists the options.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time

import numpy as np
import pandas as pd
import torch

from tsrnn import LSTMForecaster, StreamingRNNForecaster

TARGET_US = 200.0


def panel(n_series: int, length: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    frames = [
        pd.DataFrame({
            "unique_id": f"s{i:04d}",
            "ds": pd.date_range("2000-01-01", periods=length, freq="30min"),
            "y": 5 + np.sin(2 * np.pi * (t + 7 * i) / 48) + rng.normal(0, 0.1, length),
        })
        for i in range(n_series)
    ]  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def per_series_us(fn, rounds: int, steps: int, n_series: int) -> float:
    fn(0)  # warm-up
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for s in range(steps):
            fn(s)
        times.append((time.perf_counter() - t0) / steps)
    return 1e6 * statistics.median(times) / n_series


def network_level(
    est: StreamingRNNForecaster, n_series: int, context: int, args
) -> tuple[float, float]:
    from tsrnn.nn.state import state_from_numpy

    net = est.network_
    x_new = torch.randn(n_series, 1, 1)
    window = torch.randn(n_series, context, 1)
    lengths = torch.full((n_series,), context)
    holder = {"state": state_from_numpy(est.state_)}

    def stateful(_):
        with torch.inference_mode():
            holder["state"] = net.advance(x_new, holder["state"])
            return net.forecast_from_state(holder["state"])

    def windowed(_):
        with torch.inference_mode():
            return net(window, lengths)

    return (
        per_series_us(stateful, args.repeats, args.steps, n_series),
        per_series_us(windowed, args.repeats, max(args.steps // 10, 3), n_series),
    )


def estimator_level(stateful, windowed, future: pd.DataFrame, n_series: int, args):
    def step_of(est):
        def step(s):
            rows = future.iloc[(s % args.steps) * n_series : (s % args.steps + 1) * n_series]
            est.update(rows)
            return est.forecast()

        return step

    # each call consumes the next new row per series; rounds restart from a saved copy
    results = []
    for est, steps in ((stateful, args.steps), (windowed, max(args.steps // 10, 3))):
        times = []
        for _ in range(args.repeats):
            twin = copy.deepcopy(est)
            fn = step_of(twin)
            t0 = time.perf_counter()
            for s in range(steps):
                fn(s)
            times.append((time.perf_counter() - t0) / steps)
        results.append(1e6 * statistics.median(times) / n_series)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=256)
    parser.add_argument("--context-length", type=int, default=512)
    parser.add_argument("--steps", type=int, default=30, help="streaming steps per round")
    parser.add_argument("--repeats", type=int, default=5, help="rounds; medians are quoted")
    args = parser.parse_args()
    torch.set_num_threads(1)
    n, context = args.series, args.context_length
    history_len = context + 64
    data = panel(n, history_len + args.steps)
    data = data.sort_values(["ds", "unique_id"], kind="stable")  # time-major stream
    history = data.groupby("unique_id").head(history_len).sort_values(["unique_id", "ds"])
    future = data.groupby("unique_id").tail(args.steps)  # the new rows, in time order
    common = dict(horizon=1, hidden_size=64, max_epochs=1, random_state=0, batch_size=256)
    t0 = time.perf_counter()
    stateful = StreamingRNNForecaster(tbptt_steps=64, **common).fit(history)
    windowed = LSTMForecaster(context_length=context, **common)
    windowed.set_params(max_epochs=1, trainer_kwargs={"limit_train_batches": 2}).fit(history)
    print(f"{n} series, LSTM hidden 64, 1 layer, horizon 1, 1 torch thread; window "
          f"{context} steps; medians of {args.repeats} rounds (setup {time.perf_counter() - t0:.0f} s)")  # fmt: skip  # noqa: E501
    net_state, net_window = network_level(stateful, n, context, args)
    est_state, est_window = estimator_level(stateful, windowed, future, n, args)
    print(f"{'level':<44}{'stateful us':>12}{'window us':>11}{'window/stateful':>17}")
    print(f"{'network: advance + head  vs  encode window':<44}{net_state:>12.2f}"
          f"{net_window:>11.2f}{net_window / net_state:>17.1f}")  # fmt: skip
    print(f"{'estimator: update() + forecast()':<44}{est_state:>12.2f}"
          f"{est_window:>11.2f}{est_window / est_state:>17.1f}")  # fmt: skip
    verdict = "PASS" if est_state < TARGET_US else "FAIL"
    print(f"{verdict}: stateful update + forecast = {est_state:.1f} us per series-step "
          f"(target < {TARGET_US:.0f})")  # fmt: skip


if __name__ == "__main__":
    main()
