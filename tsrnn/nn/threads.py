"""Torch's thread count while a small network forecasts: one thread unless told otherwise.

Small recurrent networks gain little from a second thread and, on a machine whose cores
are busy with other work, lose many times over (OpenMP's threads wait for each other): see
the CPU-threads section of the recurrent forecasters' guide. Forecasting therefore runs
networks of at most :data:`SMALL_NETWORK` parameters on ``TSRNN_FORECAST_THREADS`` torch
threads (default 1) and restores the caller's setting afterwards; ``TSRNN_FORECAST_THREADS=0``
leaves torch's setting alone.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import torch

from tsrnn.exceptions import ParameterError

__all__ = ["SMALL_NETWORK", "forecast_threads"]

#: Networks up to this many parameters count as small.
SMALL_NETWORK = 1_000_000
_ENV = "TSRNN_FORECAST_THREADS"


def _wanted() -> int:
    raw = os.environ.get(_ENV, "1").strip() or "1"
    try:
        threads = int(raw)
    except ValueError:
        threads = -1
    if threads < 0:
        raise ParameterError(
            f"{_ENV}={raw!r} must be a number of torch threads (1, 2, ...) or 0 to leave "
            "torch's thread count as it is."
        )
    return threads


@contextmanager
def forecast_threads(network: torch.nn.Module) -> Iterator[None]:
    """Run the block on ``TSRNN_FORECAST_THREADS`` threads if ``network`` is small.

    Examples
    --------
    >>> net = torch.nn.Linear(4, 2)
    >>> before = torch.get_num_threads()
    >>> with forecast_threads(net):
    ...     inside = torch.get_num_threads()
    >>> inside, torch.get_num_threads() == before
    (1, True)
    """
    threads, before = _wanted(), torch.get_num_threads()
    small = sum(p.numel() for p in network.parameters()) <= SMALL_NETWORK
    if threads == 0 or threads == before or not small:
        yield
        return
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)
