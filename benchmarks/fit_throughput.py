"""Training throughput of ``LSTMForecaster.fit`` against the real limit: a plain PyTorch loop.

Plain side (no tsrnn code): ``torch.nn.LSTM`` (or ``GRU``) + ``torch.nn.Linear`` on the
*full-length* windows of the same per-series standardised M3 monthly series (every window of
``context_length`` past and ``horizon`` future steps inside a series), gathered once into
``X[N, C, 1]`` and ``Y[N, H]``; each epoch draws ``torch.randperm(N)`` and slices it into
batches of 256; ``zero_grad / forward / mse_loss / backward / clip_grad_norm_(1.0) / step``
with Adam (lr 1e-3). Its wall time includes gathering the windows and building the model.

tsrnn side: ``LSTMForecaster(horizon=18, context_length=36, hidden_size=64, num_layers=2,
batch_size=256, max_epochs=E, random_state=0).fit(train)``: the whole ``fit`` wall time,
set-up included (frame checks, calendar, panel, scaler, windows, Lightning Trainer), on
every window tsrnn trains (full ones and the shorter contexts of short series, which the
length-bucketed sampler packs among themselves).

Figures: seconds per window trained (wall time / (windows x epochs)) at E=1 and E=10, and
tsrnn / plain; after one untimed E=1 fit per side, runs interleaved (tsrnn E=1, plain E=1,
tsrnn E=10, plain E=10 per repeat), medians over repeats. Second view: the per-epoch time
inside Lightning (an epoch-timer callback passed through ``trainer_kwargs``) per window
against the plain epoch per window.
Target: tsrnn <= 1.15 x plain per window at both E.

Run ``python benchmarks/fit_throughput.py --help``; ``--quick`` is a smoke run.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

# OpenMP's active wait makes several torch threads crawl on a busy machine; set before torch.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import lightning  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from lightning.pytorch.callbacks import Callback  # noqa: E402
from torch import nn  # noqa: E402

from tsrnn import GRUForecaster, LSTMForecaster  # noqa: E402
from tsrnn.datasets import load_m3  # noqa: E402

HORIZON, BATCH_SIZE, LEARNING_RATE, CLIP, TARGET = 18, 256, 1e-3, 1.0, 1.15


# --------------------------------------------------------------------------- plain side
def full_windows(train, context_length: int, horizon: int):
    """Every full-length window of the per-series standardised target: X [N, C, 1], Y [N, H]."""
    train = train.sort_values(["unique_id", "ds"], kind="stable")
    x_all, y_all = [], []
    for _, y in train.groupby("unique_id", sort=True)["y"]:
        v = y.to_numpy(np.float64)
        scale = v.std()
        v = (v - v.mean()) / (scale if scale > 1e-8 * max(abs(v.mean()), 1.0) else 1.0)
        n = len(v) - context_length - horizon + 1
        if n < 1:
            continue
        idx = np.arange(n)[:, None]
        x_all.append(v[idx + np.arange(context_length)])
        y_all.append(v[idx + context_length + np.arange(horizon)])
    x = torch.from_numpy(np.concatenate(x_all).astype(np.float32))[..., None]
    return x, torch.from_numpy(np.concatenate(y_all).astype(np.float32))


class PlainNet(nn.Module):
    """``nn.LSTM``/``nn.GRU`` + ``nn.Linear`` on the last hidden state."""

    def __init__(self, cell: str, hidden: int, layers: int, horizon: int) -> None:
        super().__init__()
        rnn = nn.LSTM if cell == "lstm" else nn.GRU
        self.rnn = rnn(1, hidden, layers, batch_first=True)
        self.head = nn.Linear(hidden, horizon)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


def plain_fit(train, args, epochs: int) -> tuple[float, list[float], int]:
    """Wall seconds (windows + model + epochs), epoch seconds, windows per epoch."""
    start = time.perf_counter()
    x, y = full_windows(train, args.context_length, HORIZON)
    torch.manual_seed(0)
    net = PlainNet(args.cell, args.hidden_size, args.num_layers, HORIZON)
    optimizer = torch.optim.Adam(net.parameters(), lr=LEARNING_RATE)
    epoch_times = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        order = torch.randperm(len(x))
        for i in range(0, len(x), BATCH_SIZE):
            idx = order[i : i + BATCH_SIZE]
            optimizer.zero_grad(set_to_none=True)
            loss = nn.functional.mse_loss(net(x[idx]), y[idx])
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), CLIP)
            optimizer.step()
        epoch_times.append(time.perf_counter() - t0)
    return time.perf_counter() - start, epoch_times, len(x)


# --------------------------------------------------------------------------- tsrnn side
class EpochTimer(Callback):
    """Wall time of every training epoch inside Lightning."""

    def __init__(self) -> None:
        self.epochs: list[float] = []

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        self._start = time.perf_counter()

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        self.epochs.append(time.perf_counter() - self._start)


def tsrnn_fit(train, args, epochs: int) -> tuple[float, list[float], int]:
    """Whole ``fit`` wall seconds, Lightning epoch seconds, windows per epoch."""
    timer = EpochTimer()
    cls = LSTMForecaster if args.cell == "lstm" else GRUForecaster
    est = cls(horizon=HORIZON, context_length=args.context_length, hidden_size=args.hidden_size,
              num_layers=args.num_layers, batch_size=BATCH_SIZE, learning_rate=LEARNING_RATE,
              gradient_clip_val=CLIP, loss="mse", max_epochs=epochs, random_state=0,
              trainer_kwargs={"callbacks": [timer]})  # fmt: skip
    start = time.perf_counter()
    est.fit(train)
    wall = time.perf_counter() - start
    assert len(est.history_["train_loss"]) == epochs == len(timer.epochs)
    return wall, timer.epochs, est.n_windows_


# --------------------------------------------------------------------------- main
def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--limit", type=int, default=100, help="a seeded sample of N series; 0: all")
    p.add_argument("--epochs", type=int, nargs="+", default=[1, 10], help="epoch counts")
    p.add_argument("--repeats", type=int, default=3, help="interleaved repeats (medians)")
    p.add_argument("--context-length", type=int, default=36)
    p.add_argument("--hidden-size", type=int, default=64)
    p.add_argument("--num-layers", type=int, default=2)
    p.add_argument("--cell", choices=["lstm", "gru"], default="lstm")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: tsrnn's)")
    p.add_argument("--quick", action="store_true", help="smoke run: 30 series, E=1 and 2, 1x")
    args = p.parse_args(argv)
    if args.quick:
        args.limit, args.epochs, args.repeats = 30, [1, 2], 1
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"python {platform.python_version()}  torch {torch.__version__}  lightning "
          f"{lightning.__version__}; {os.cpu_count()} cores; torch threads "
          f"{torch.get_num_threads()}; OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}")  # fmt: skip  # noqa: E501
    train, _ = load_m3("monthly")
    if args.limit:  # a seeded sample of series (the first ones are all short)
        ids = train["unique_id"].unique()
        keep = np.random.default_rng(0).choice(ids, size=min(args.limit, len(ids)), replace=False)
        train = train[train["unique_id"].isin(keep)]
    print(f"M3 monthly, {train['unique_id'].nunique()} series; {args.cell} hidden "
          f"{args.hidden_size} x {args.num_layers} layers, context {args.context_length}, "
          f"horizon {HORIZON}, batch {BATCH_SIZE}; load {os.getloadavg()[0]:.2f}")  # fmt: skip
    # Warm-up, not timed: one E=1 fit per side on the same data, so that neither side's
    # first repeat pays for the kernels built at a batch shape's first call (tsrnn's short
    # contexts run one call per length, each a new shape once per process).
    tsrnn_fit(train, args, 1), plain_fit(train, args, 1)
    runs: dict = {(side, e): [] for side in ("tsrnn", "plain") for e in args.epochs}
    for r in range(args.repeats):
        for e in args.epochs:
            for side, fit in (("tsrnn", tsrnn_fit), ("plain", plain_fit)):
                wall, epochs, n = fit(train, args, e)
                runs[side, e].append((wall, epochs, n))
                print(f"repeat {r + 1} E={e:<3} {side:<5} wall {wall:7.2f} s, {n} windows/epoch, "
                      f"epochs {statistics.median(epochs):.2f} s | load "
                      f"{os.getloadavg()[0]:.2f}", flush=True)  # fmt: skip
    med = statistics.median
    print(f"\n{'measurement (medians)':<46}{'us/window':>11}{'tsrnn/plain':>13}")
    verdicts = []
    for e in args.epochs:
        per = {s: med(w / (n * e) for w, _, n in runs[s, e]) for s in ("tsrnn", "plain")}
        ratio = per["tsrnn"] / per["plain"]
        verdicts.append((e, ratio))
        print(f"{f'plain loop, wall incl. set-up, E={e}':<46}{per['plain'] * 1e6:>11.1f}")
        print(f"{f'tsrnn fit, wall incl. set-up, E={e}':<46}{per['tsrnn'] * 1e6:>11.1f}"
              f"{ratio:>13.3f}")  # fmt: skip
    e = max(args.epochs)
    ep = {s: med(t / n for _, ts, n in runs[s, e] for t in ts) for s in ("tsrnn", "plain")}
    print(f"{f'plain epoch (E={e})':<46}{ep['plain'] * 1e6:>11.1f}")
    print(f"{f'tsrnn Lightning epoch, callback (E={e})':<46}{ep['tsrnn'] * 1e6:>11.1f}"
          f"{ep['tsrnn'] / ep['plain']:>13.3f}")  # fmt: skip
    for e, ratio in verdicts:
        print(f"{'PASS' if ratio <= TARGET else 'FAIL'}: E={e} tsrnn/plain per window = "
              f"{ratio:.3f} (target <= {TARGET})")  # fmt: skip
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
