"""Speed of tsrnn's custom LSTM cells against PyTorch's fused recurrent kernels.

Times one training step (forward + backward) of a one-layer encoder over a batch of
right-padded windows for each cell of ``tsrnn.nn.CELLS``, plus the custom
``LSTMCell`` with every option off (the cost of the Python loop alone). Prints median
times over the repeats and the ratio to the fused ``nn.LSTM``, measured in the same run,
interleaved so that background load hits every cell alike::

    python benchmarks/cells_speed.py                  # batch 256, 36 steps, hidden 32
    python benchmarks/cells_speed.py --hidden-size 64 --repeats 21
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import torch

from tsrnn.nn import CELLS, LSTMCell, RecurrentEncoder, run_cell


class PlainLoopLSTM(torch.nn.Module):
    """The custom cell with every option off, run by the same loop as the variants."""

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.cell = LSTMCell(input_size, hidden_size)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor):
        return run_cell(self.cell, x, lengths)


def step_seconds(module: torch.nn.Module, x: torch.Tensor, lengths: torch.Tensor) -> float:
    """Wall time of one forward + backward pass."""
    module.zero_grad(set_to_none=True)
    start = time.perf_counter()
    out, _ = module(x, lengths)
    out.square().mean().backward()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=36, help="context length")
    parser.add_argument("--hidden-size", type=int, default=32)
    parser.add_argument("--input-size", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    modules = {
        cell: RecurrentEncoder(cell=cell, input_size=args.input_size, hidden_size=args.hidden_size)
        for cell in CELLS
    }
    modules["lstm (custom cell, loop)"] = PlainLoopLSTM(args.input_size, args.hidden_size)
    x = torch.randn(args.batch_size, args.steps, args.input_size)
    lengths = torch.randint(args.steps // 2, args.steps + 1, (args.batch_size,))
    lengths[0] = args.steps
    print(
        f"python {platform.python_version()}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} thread(s), load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"batch {args.batch_size}, {args.steps} steps (padded, lengths {args.steps // 2}-"
        f"{args.steps}), hidden {args.hidden_size}, one layer; forward + backward; "
        f"medians of {args.repeats} interleaved repeats\n"
    )
    times: dict[str, list[float]] = {name: [] for name in modules}
    for module in modules.values():  # warm-up
        step_seconds(module, x, lengths)
    for _ in range(args.repeats):
        for name, module in modules.items():
            times[name].append(step_seconds(module, x, lengths))
    base = statistics.median(times["lstm"])
    print(f"{'cell':<26} {'median ms':>10} {'IQR ms':>14} {'vs fused lstm':>14}")
    for name, values in times.items():
        q = statistics.quantiles(values, n=4)
        median = statistics.median(values)
        print(
            f"{name:<26} {1e3 * median:>10.2f} {f'{1e3 * q[0]:.1f}-{1e3 * q[2]:.1f}':>14} "
            f"{median / base:>13.2f}x"
        )
    print(f"\nload average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
