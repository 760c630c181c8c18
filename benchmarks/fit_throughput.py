"""Training throughput of ``LSTMForecaster.fit`` against a plain PyTorch loop on M3 monthly.

Both sides train the same network (``tsrnn.nn.RecurrentNet``, LSTM, ``hidden_size=64``,
``num_layers=2``, ``horizon=18``) on the same windows (``tsrnn.data.windowing.window_ends``
over the same per-series standardised panel, ``context_length=36``), with batch size 256,
Adam(lr=1e-3), MSE and gradient-norm clipping at 1.0, on the same number of torch threads.

- tsrnn side: ``LSTMForecaster(...).fit(train_frame)``, its real data path included
  (frame validation, panel, scaler, ``WindowDataset`` gathering per batch, Lightning loop).
- plain side: the windows are gathered once into padded tensors ``X[N, C, 1]``,
  ``lengths[N]``, ``Y[N, H]`` (setup, timed separately); each epoch draws
  ``torch.randperm(N)`` and slices it into batches of 256 indices (DataLoader-free index
  gathering); then ``zero_grad / forward / mse_loss / backward / clip_grad_norm_ / step``.

tsrnn's per-epoch time is measured two ways:

1. *callback*: a Lightning callback records ``on_train_epoch_start`` ->
   ``on_train_epoch_end`` wall time (and every iteration). It is attached from outside with
   ``trainer_kwargs={"callbacks": [EpochTimer()]}``, which ``make_trainer`` adds to tsrnn's own
   callbacks (since commit 539d2a1; the script checks that ``history_`` is still filled, i.e.
   that tsrnn's ``LossHistory`` was not replaced).
2. *difference* (opt-in, ``--short-epochs E1``): untouched fits (no ``trainer_kwargs``) at
   ``E1`` epochs and timed fits at ``E2`` epochs; ``(T(E2) - T(E1)) / (E2 - E1)`` is the
   per-epoch cost and ``T(E1) - E1 * per_epoch`` the one-off setup.

The one-off setup (frame validation, calendar, panel, scaler, Trainer) is reported separately
as fit wall time minus the epochs' time. The runs of one repeat are interleaved (tsrnn E1,
tsrnn E2, plain E2), so background load on a shared machine hits both sides alike; medians
over repeats are quoted. The ratio checked against the target (<= 1.3) is tsrnn's median
callback epoch time / the plain loop's median epoch time. As a noise-robust cross-check,
``--ab-chunks`` then alternates short runs of ``--ab-batches`` batches per side (tsrnn through
``fit`` with ``limit_train_batches``) and compares median iteration times.

Run ``python benchmarks/fit_throughput.py --help``; ``--quick`` is a smoke run (< 30 s).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

# OpenMP's default active (spinning) wait makes 2 torch threads crawl, 5-20x slower, as soon as
# another process competes for a core; passive waiting costs little on an idle machine. It must
# be set before torch loads OpenMP. Override by exporting OMP_WAIT_POLICY yourself.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import lightning  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from lightning.pytorch.callbacks import Callback  # noqa: E402
from torch import nn  # noqa: E402

from tsrnn import LSTMForecaster  # noqa: E402
from tsrnn.data.windowing import window_ends  # noqa: E402
from tsrnn.datasets import load_m3  # noqa: E402
from tsrnn.nn.recurrent import RecurrentNet  # noqa: E402

HORIZON = 18  # M3 monthly
HIDDEN_SIZE = 64
NUM_LAYERS = 2
BATCH_SIZE = 256
LEARNING_RATE = 1e-3
CLIP = 1.0
TARGET_RATIO = 1.3


# --------------------------------------------------------------------------- data
def scaled_panel(train) -> tuple[np.ndarray, np.ndarray]:
    """Values (n_obs, 1) float32 and indptr of the per-series standardised target.

    Same scaling as tsrnn's ``PanelScaler("standard")`` with ``validation_size=0``: mean and
    population std of each series over all its training rows (unit scale if constant).
    """
    train = train.sort_values(["unique_id", "ds"], kind="stable")
    y = train["y"].to_numpy(np.float64)
    lengths = train.groupby("unique_id", sort=True).size().to_numpy()
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    seg = np.repeat(np.arange(len(lengths)), lengths)
    loc = np.bincount(seg, y) / lengths
    scale = np.sqrt(np.bincount(seg, (y - loc[seg]) ** 2) / lengths)
    fallback = np.maximum(np.abs(loc), 1.0)
    scale = np.where(scale > 1e-8 * fallback, scale, fallback)
    values = ((y - loc[seg]) / scale[seg]).astype(np.float32)[:, None]
    return values, indptr


def gather_windows(values, indptr, context_length, horizon):
    """All training windows as padded tensors (x [N, C, 1], lengths [N], y [N, H])."""
    series, ends = window_ends(np.diff(indptr), context_length, horizon)
    global_end = indptr[series] + ends
    lengths = np.minimum(ends + 1, context_length)
    starts = global_end - lengths + 1
    steps = np.arange(context_length)
    rows = starts[:, None] + steps
    real = steps < lengths[:, None]
    x = np.where(real[..., None], values[np.where(real, rows, 0)], 0.0).astype(np.float32)
    y = values[global_end[:, None] + np.arange(1, horizon + 1), 0]
    return torch.from_numpy(x), torch.from_numpy(lengths.astype(np.int64)), torch.from_numpy(y)


# --------------------------------------------------------------------------- plain loop
def plain_fit(
    x,
    lengths,
    y,
    *,
    epochs,
    hidden_size=HIDDEN_SIZE,
    num_layers=NUM_LAYERS,
    max_batches=None,
    seed=0,
):
    """Idiomatic PyTorch loop; returns (epoch times, iteration times, last epoch mean loss).

    ``max_batches`` cuts every epoch short after that many batches (A/B chunks).
    """
    torch.manual_seed(seed)
    net = RecurrentNet(
        cell="lstm",
        input_size=x.shape[-1],
        hidden_size=hidden_size,
        num_layers=num_layers,
        horizon=y.shape[1],
    )
    optimizer = torch.optim.Adam(net.parameters(), lr=LEARNING_RATE)
    generator = torch.Generator().manual_seed(seed)
    n = len(x)
    stop = n if max_batches is None else min(n, max_batches * BATCH_SIZE)
    net.train()
    epoch_times, iter_times, mean_loss = [], [], float("nan")
    for _ in range(epochs):
        start = last = time.perf_counter()
        order = torch.randperm(n, generator=generator)
        total = torch.zeros(())
        for i in range(0, stop, BATCH_SIZE):
            idx = order[i : i + BATCH_SIZE]
            optimizer.zero_grad(set_to_none=True)
            loss = nn.functional.mse_loss(net(x[idx], lengths[idx]), y[idx])
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), CLIP)
            optimizer.step()
            total += loss.detach() * len(idx)
            now = time.perf_counter()
            iter_times.append(now - last)
            last = now
        mean_loss = float(total) / stop
        epoch_times.append(time.perf_counter() - start)
    return epoch_times, iter_times, mean_loss


# --------------------------------------------------------------------------- tsrnn side
class EpochTimer(Callback):
    """Wall time of every training epoch and iteration, and of the step hooks inside them."""

    def __init__(self) -> None:
        self.epochs: list[float] = []
        self.in_step: list[float] = []
        self.iterations: list[float] = []
        self.threads: set[int] = set()

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        self._epoch_start = self._last = time.perf_counter()
        self._step_total = 0.0
        self.threads.add(torch.get_num_threads())

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        self._step_start = time.perf_counter()

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        now = time.perf_counter()
        self._step_total += now - self._step_start
        self.iterations.append(now - self._last)  # previous batch end -> this batch end
        self._last = now

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        self.epochs.append(time.perf_counter() - self._epoch_start)
        self.in_step.append(self._step_total)


def make_estimator(context_length, epochs, hidden_size, num_layers, trainer_kwargs=None):
    return LSTMForecaster(
        horizon=HORIZON,
        context_length=context_length,
        hidden_size=hidden_size,
        num_layers=num_layers,
        batch_size=BATCH_SIZE,
        learning_rate=LEARNING_RATE,
        gradient_clip_val=CLIP,
        loss="mse",
        max_epochs=epochs,
        random_state=0,
        trainer_kwargs=trainer_kwargs,
    )


def tsrnn_fit(
    train,
    context_length,
    epochs,
    *,
    hidden_size=HIDDEN_SIZE,
    num_layers=NUM_LAYERS,
    timer=False,
    max_batches=None,
):
    """Fit once; returns (wall seconds, estimator, EpochTimer or None, loss history).

    ``max_batches`` sets Lightning's ``limit_train_batches`` (A/B chunks).
    """
    timer_cb = EpochTimer() if timer else None
    trainer_kwargs = {}
    if timer:  # make_trainer adds trainer_kwargs["callbacks"] to tsrnn's own callbacks
        trainer_kwargs["callbacks"] = [timer_cb]
    if max_batches is not None:
        trainer_kwargs["limit_train_batches"] = max_batches
    trainer_kwargs = trainer_kwargs or None
    est = make_estimator(context_length, epochs, hidden_size, num_layers, trainer_kwargs)
    start = time.perf_counter()
    est.fit(train)
    wall = time.perf_counter() - start
    if len(est.history_["train_loss"]) != epochs:
        raise RuntimeError(
            "tsrnn's LossHistory did not run every epoch: make_trainer must add "
            "trainer_kwargs['callbacks'] to tsrnn's own callbacks, not replace them."
        )
    return wall, est, timer_cb, est.history_


# --------------------------------------------------------------------------- main
def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    p.add_argument(
        "--limit", type=int, default=None, help="first N M3 monthly series; None: all 1428"
    )
    p.add_argument(
        "--epochs",
        type=int,
        default=1,
        help="E2: epochs of each timed tsrnn fit and each plain run",
    )
    p.add_argument(
        "--short-epochs",
        type=int,
        default=0,
        help="E1 > 0 adds untouched tsrnn fits of E1 epochs per repeat for the "
        "difference method (T(E2) - T(E1)) / (E2 - E1); 0 skips them",
    )
    p.add_argument("--repeats", type=int, default=3, help="repeats; medians are quoted")
    p.add_argument("--context-length", type=int, default=36, help="past steps per window")
    p.add_argument(
        "--hidden-size",
        type=int,
        default=HIDDEN_SIZE,
        help="diagnostics only: the 1.3 target is for 64",
    )
    p.add_argument(
        "--num-layers",
        type=int,
        default=NUM_LAYERS,
        help="diagnostics only: the 1.3 target is for 2",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=os.cpu_count(),
        help="torch.set_num_threads for both sides; the default is os.cpu_count()",
    )
    p.add_argument(
        "--no-warmup",
        action="store_true",
        help="skip the untimed warm-up of both sides on 20 series",
    )
    p.add_argument(
        "--ab-chunks",
        type=int,
        default=8,
        help="also run this many alternating plain/tsrnn chunks of --ab-batches batches and "
        "compare their median iteration times (robust to slow drifts in background load)",
    )
    p.add_argument("--ab-batches", type=int, default=25, help="batches per A/B chunk")
    p.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: --limit 40 --epochs 2 --short-epochs 1 --repeats 1 --ab-chunks 2 "
        "--ab-batches 3",
    )
    args = p.parse_args(argv)
    if args.quick:
        args.limit, args.epochs, args.short_epochs, args.repeats = 40, 2, 1, 1
        args.ab_chunks, args.ab_batches = 2, 3
    if args.epochs < 1 or args.repeats < 1 or not 0 <= args.short_epochs < args.epochs:
        p.error("need --epochs >= 1, --repeats >= 1 and 0 <= --short-epochs < --epochs")
    return args


def ab_chunks(train, x, lengths, y, args, net):
    """Alternate short plain and tsrnn runs; compare iteration times (first of each dropped)."""
    k = args.ab_batches
    print(
        f"\nA/B: {args.ab_chunks} alternating chunks of {k} batches per side (a fresh model "
        "each chunk; tsrnn through LSTMForecaster.fit with limit_train_batches)"
    )
    plain, tsrnn = [], []
    for c in range(args.ab_chunks):
        p = plain_fit(x, lengths, y, epochs=1, max_batches=k, **net)[1][1:]
        _, _, timer, _ = tsrnn_fit(train, args.context_length, 1, timer=True, max_batches=k, **net)
        t = timer.iterations[1:]
        plain += p
        tsrnn += t
        print(
            f"  chunk {c + 1}: median iteration plain {statistics.median(p) * 1e3:.1f} ms, "
            f"tsrnn {statistics.median(t) * 1e3:.1f} ms | load {os.getloadavg()[0]:.2f}",
            flush=True,
        )
    mp, mt = statistics.median(plain), statistics.median(tsrnn)
    print(
        f"A/B median iteration: plain {mp * 1e3:.2f} ms, tsrnn {mt * 1e3:.2f} ms, ratio "
        f"{mt / mp:.3f} (means: ratio {statistics.mean(tsrnn) / statistics.mean(plain):.3f}, "
        f"tsrnn - plain = {(statistics.mean(tsrnn) - statistics.mean(plain)) * 1e3:.2f} ms/step)"
    )


def _fmt(times):
    return " ".join(f"{t:.2f}" for t in times)


def main(argv=None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    t_start = time.perf_counter()
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    print(
        f"python {platform.python_version()}  torch {torch.__version__}  "
        f"lightning {lightning.__version__}  numpy {np.__version__}"
    )
    print(
        f"machine: {platform.machine()}, {cores} cores ({usable} usable); torch threads: "
        f"{torch.get_num_threads()} (interop {torch.get_num_interop_threads()}); "
        f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}"
    )
    print(f"load average at start: {os.getloadavg()[0]:.2f}")

    train, _ = load_m3("monthly", limit=args.limit)
    n_series = train["unique_id"].nunique()
    values, indptr = scaled_panel(train)
    t0 = time.perf_counter()
    x, lengths, y = gather_windows(values, indptr, args.context_length, HORIZON)
    plain_setup = time.perf_counter() - t0
    n_windows = len(x)
    n_batches = -(-n_windows // BATCH_SIZE)
    print(
        f"data: M3 monthly, {n_series} series, {len(train)} rows; context_length="
        f"{args.context_length}, horizon={HORIZON}: {n_windows} windows/epoch "
        f"({int((lengths < args.context_length).sum())} shorter than the context, packed), "
        f"{n_batches} batches of {BATCH_SIZE}"
    )
    net = {"hidden_size": args.hidden_size, "num_layers": args.num_layers}
    print(
        f"network: RecurrentNet(lstm, hidden_size={args.hidden_size}, "
        f"num_layers={args.num_layers}, "
        f"horizon={HORIZON}); Adam lr={LEARNING_RATE}, MSE, clip_grad_norm {CLIP}"
    )
    e1 = f"tsrnn fit E1={args.short_epochs}, " if args.short_epochs else ""
    print(
        f"plan: {args.repeats} repeat(s) x [{e1}tsrnn fit {args.epochs} epochs (+epoch "
        f"timer), plain loop {args.epochs} epochs]\n"
    )

    if not args.no_warmup:  # first-call costs (allocator, lazy imports, oneDNN) off the clock
        small = train[train["unique_id"].isin(train["unique_id"].unique()[:20])]
        tsrnn_fit(small, args.context_length, 1, **net)
        sv, si = scaled_panel(small)
        plain_fit(*gather_windows(sv, si, args.context_length, HORIZON), epochs=1, **net)

    e1_walls, e2_walls, setups = [], [], []
    ts_epochs, ts_in_step, ts_iters, pl_epochs, pl_iters = [], [], [], [], []
    threads_seen: set[int] = set()
    for r in range(args.repeats):
        line = f"repeat {r + 1}/{args.repeats}: "
        if args.short_epochs:
            w1, est1, _, _ = tsrnn_fit(train, args.context_length, args.short_epochs, **net)
            assert est1.n_windows_ == n_windows, (est1.n_windows_, n_windows)
            e1_walls.append(w1)
            line += f"tsrnn E1 fit {w1:.2f} s; "
        w2, est2, timer, hist = tsrnn_fit(
            train, args.context_length, args.epochs, timer=True, **net
        )
        assert est2.n_windows_ == n_windows, (est2.n_windows_, n_windows)
        assert len(timer.epochs) == args.epochs and len(timer.iterations) == args.epochs * n_batches
        p_epochs, p_iters, p_loss = plain_fit(x, lengths, y, epochs=args.epochs, **net)
        e2_walls.append(w2)
        setups.append(w2 - sum(timer.epochs))
        ts_epochs += timer.epochs
        ts_in_step += timer.in_step
        ts_iters += timer.iterations
        pl_epochs += p_epochs
        pl_iters += p_iters
        threads_seen |= timer.threads
        print(
            f"{line}tsrnn fit {w2:.2f} s, epochs {_fmt(timer.epochs)} s (train_loss "
            f"{hist['train_loss'][-1]:.4f}) | plain epochs {_fmt(p_epochs)} s (loss "
            f"{p_loss:.4f}) | load {os.getloadavg()[0]:.2f}",
            flush=True,
        )

    med = statistics.median
    plain_epoch, ts_epoch = med(pl_epochs), med(ts_epochs)
    wall_per_epoch = med(e2_walls) / args.epochs
    rows = [
        ("plain PyTorch loop: epoch", plain_epoch),
        ("tsrnn: Lightning epoch (callback)", ts_epoch),
    ]
    if args.short_epochs:
        de = args.epochs - args.short_epochs
        diff_epoch = med((b - a) / de for a, b in zip(e1_walls, e2_walls, strict=True))
        rows.append((f"tsrnn: (T(E{args.epochs}) - T(E{args.short_epochs})) / {de}", diff_epoch))
    rows.append((f"tsrnn: fit wall / epoch incl. setup (E={args.epochs})", wall_per_epoch))
    rows.append((f"plain: median iteration x {n_batches} batches", med(pl_iters) * n_batches))
    rows.append((f"tsrnn: median iteration x {n_batches} batches", med(ts_iters) * n_batches))

    print(
        f"\ntorch threads: {torch.get_num_threads()} (inside Lightning: {sorted(threads_seen)}); "
        f"cores: {cores}; medians over {args.repeats} repeat(s), {len(pl_epochs)} epochs and "
        f"{len(pl_iters)} iterations per side"
    )
    print(f"{'measurement':<46}{'windows/epoch':>14}{'epoch s':>10}{'windows/s':>11}{'/ plain':>9}")
    for name, sec in rows:
        print(
            f"{name:<46}{n_windows:>14}{sec:>10.3f}{n_windows / sec:>11.0f}"
            f"{sec / plain_epoch:>9.3f}"
        )
    setup_line = f"tsrnn one-off setup per fit (fit wall - epochs): {med(setups):.2f} s"
    if args.short_epochs:
        pairs = zip(e1_walls, e2_walls, strict=True)
        intercept = med(a - args.short_epochs * (b - a) / de for a, b in pairs)
        setup_line += f"; difference-method intercept: {intercept:.2f} s"
    print(f"{setup_line}; plain one-off window gathering: {plain_setup:.3f} s")
    in_step = med(ts_in_step)
    print(
        f"tsrnn per epoch: {in_step:.3f} s inside batch_start->batch_end hooks, "
        f"{ts_epoch - in_step:.3f} s between them (batch fetch + loop bookkeeping)"
    )
    if args.ab_chunks:
        ab_chunks(train, x, lengths, y, args, net)
    ratio = ts_epoch / plain_epoch
    iter_ratio = med(ts_iters) / med(pl_iters)
    verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
    print(
        f"\nratio tsrnn_epoch / plain_epoch = {ratio:.3f} (median-iteration ratio "
        f"{iter_ratio:.3f}; incl. setup {wall_per_epoch / plain_epoch:.3f})"
    )
    print(
        f"{verdict}: target ratio <= {TARGET_RATIO} (set for hidden {HIDDEN_SIZE}, "
        f"{NUM_LAYERS} layers, batch {BATCH_SIZE}; this run: hidden {args.hidden_size}, "
        f"{args.num_layers} layer(s))"
    )
    print(
        f"load average at end: {os.getloadavg()[0]:.2f}; "
        f"total {time.perf_counter() - t_start:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
