"""Streaming and batch-prediction latency, each next to the bare network call it wraps.

1. ``update()`` with one new row of one series + ``forecast()`` on a fitted
   ``StreamingRNNForecaster`` (LSTM, hidden 32, one torch thread), through the DataFrame API;
   bare network: ``net.advance`` one step + ``net.forecast_from_state``.
2. The array-level step ``StreamSession.push(values)`` on the same model (one series).
3. ``forecast()`` and ``predict(X)`` of all 1428 M3 monthly series from a fitted
   ``GRUForecaster(horizon=18, context_length=36, hidden_size=32)``, read from the forecast
   cache, and the first ``forecast()`` of a copy (which builds it); bare network: one
   forward of the same context batch; at 1 and 2 torch threads (``--batch-threads``).

Medians of ``--repeats`` rounds (wall time; for the array step and the bare network also
the CPU time of this thread, which moves less with the machine's load); the load average
is printed next to every figure.
Targets: (1) <= 200 us, (2) <= 30 us, (3) <= 10 ms per call.
Run ``python benchmarks/streaming_latency.py`` (``--quick``: no M3 part).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings

import numpy as np
import pandas as pd
import torch

from tsrnn import GRUForecaster, StreamingRNNForecaster
from tsrnn.nn.state import state_from_numpy


def timed(fn, calls: int, repeats: int, cpu: list | None = None) -> float:
    """Median seconds per call over ``repeats`` rounds of ``calls`` calls.

    The median CPU seconds of this thread per call go to ``cpu`` (appended) when given.
    """
    fn()
    rounds, cpus = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.thread_time()
        for _ in range(calls):
            fn()
        rounds.append((time.perf_counter() - t0) / calls)
        cpus.append((time.thread_time() - c0) / calls)
    if cpu is not None:
        cpu.append(statistics.median(cpus))
    return statistics.median(rounds)


def load() -> str:
    return f"load {os.getloadavg()[0]:.2f}"


def streaming(args) -> None:
    n = 400
    df = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2000-01-01", periods=n, freq="h"),
                       "y": np.sin(np.arange(n) / 5.0)})  # fmt: skip
    est = StreamingRNNForecaster(horizon=6, tbptt_steps=32, hidden_size=32, max_epochs=1,
                                 random_state=0).fit(df)  # fmt: skip
    last = est.calendar_.last_time[0]
    total = args.calls * (args.repeats + 1) + 1
    rows = [pd.DataFrame({"unique_id": ["a"], "ds": [last + pd.Timedelta(hours=k + 1)],
                          "y": [0.5]}) for k in range(total)]  # fmt: skip
    stream = iter(rows)

    def frame_step():
        est.update(next(stream))
        return est.forecast()

    t_frame = timed(frame_step, args.calls, args.repeats)
    print(f"update(1 row) + forecast(), DataFrame API:   {t_frame * 1e6:9.1f} us  ({load()})")
    session = est.session()
    value = np.array([0.5])
    cpu: list[float] = []
    t_push = timed(lambda: session.push(value), args.calls * 10, args.repeats, cpu)
    print(f"StreamSession.push(1 value):                 {t_push * 1e6:9.1f} us  ({load()}; "
          f"CPU {cpu[-1] * 1e6:.1f} us)")  # fmt: skip
    net, state = est.network_, {"s": state_from_numpy(est.state_)}
    x = torch.zeros(1, 1, 1)

    def bare():
        with torch.inference_mode():
            state["s"] = net.advance(x, state["s"])
            return net.forecast_from_state(state["s"])

    t_net = timed(bare, args.calls * 10, args.repeats, cpu)
    print(f"bare network: advance 1 step + head:         {t_net * 1e6:9.1f} us  ({load()}; "
          f"CPU {cpu[-1] * 1e6:.1f} us)")  # fmt: skip
    print(f"  ratios: DataFrame call / network {t_frame / t_net:.1f}, push / network "
          f"{t_push / t_net:.2f}")  # fmt: skip
    for name, got, target in (("update+forecast", t_frame, 200e-6), ("push", t_push, 30e-6)):
        verdict = "PASS" if got <= target else "FAIL"
        print(f"{verdict}: {name} {got * 1e6:.1f} us (target <= {target * 1e6:.0f} us)")


def batch(args) -> None:
    import copy

    from tsrnn.datasets import load_m3

    train, test = load_m3("monthly")
    torch.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = GRUForecaster(horizon=18, context_length=36, hidden_size=32, max_epochs=1,
                            batch_size=256, random_state=0,
                            trainer_kwargs={"limit_train_batches": 5}).fit(train)  # fmt: skip
    X = test[["unique_id", "ds"]]
    positions = np.arange(est.calendar_.n_series)
    context = est.path_.context_batch(est, positions, None)

    def bare():
        with torch.inference_mode():
            return est.network_(context.x, context.lengths)

    def first_call():  # a copy has no forecast cache: forecast() runs the encoder once
        fresh = copy.deepcopy(est)
        t0 = time.perf_counter()
        fresh.forecast()
        return time.perf_counter() - t0

    print(f"\n{len(positions)} M3 monthly series, GRU hidden 32, horizon 18, context 36; "
          f"medians of {args.repeats} interleaved rounds:")  # fmt: skip
    for threads in args.batch_threads:
        torch.set_num_threads(threads)
        est.forecast(), est.predict(X), bare()  # warm
        rounds = {"first": [], "forecast": [], "predict": [], "network": []}
        for _ in range(args.repeats):
            rounds["first"].append(first_call())
            rounds["forecast"].append(timed(est.forecast, 5, 1))
            rounds["predict"].append(timed(lambda: est.predict(X), 5, 1))
            rounds["network"].append(timed(bare, 3, 1))
        t = {k: statistics.median(v) for k, v in rounds.items()}
        print(f"  {threads} torch thread(s) ({load()}):")
        print(f"    first forecast() (cache build): {t['first'] * 1e3:8.2f} ms")
        print(f"    forecast():                     {t['forecast'] * 1e3:8.2f} ms")
        print(f"    predict(X, {len(X)} rows):      {t['predict'] * 1e3:8.2f} ms")
        print(f"    bare network forward:           {t['network'] * 1e3:8.2f} ms")
        print(f"    ratios to the network: first {t['first'] / t['network']:.2f}, forecast "
              f"{t['forecast'] / t['network']:.3f}, predict {t['predict'] / t['network']:.3f}")
        for name in ("forecast", "predict"):
            verdict = "PASS" if t[name] <= 10e-3 else "FAIL"
            print(f"    {verdict}: {name} {t[name] * 1e3:.2f} ms (target <= 10 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="calls per round")
    parser.add_argument("--repeats", type=int, default=5, help="rounds; medians are quoted")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--quick", action="store_true", help="streaming part only, few calls")
    parser.add_argument("--batch-threads", type=lambda v: [int(t) for t in v.split(",")],
                        default=[1, 2], help="torch threads of the batch part: 1,2")  # fmt: skip
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.quick:
        args.calls, args.repeats = 20, 3
    print(f"torch {torch.__version__}, {torch.get_num_threads()} torch thread(s); {load()}")
    streaming(args)
    if not args.quick:
        batch(args)


if __name__ == "__main__":
    main()
