"""Torch's thread count for small work: one thread unless told otherwise.

Small recurrent networks gain little from a second thread and, on a machine whose cores
are busy with other work, lose many times over (OpenMP's threads wait for each other): see
the CPU-threads section of the recurrent forecasters' guide. Forecasting therefore runs
networks of at most :data:`SMALL_NETWORK` parameters on ``TSRNN_FORECAST_THREADS`` torch
threads (default 1) and restores the caller's setting afterwards; ``TSRNN_FORECAST_THREADS=0``
leaves torch's setting alone.

Training keeps torch's thread count, except for the steps of batches of short contexts
(:func:`short_batch_threads`): a fused encoder runs such a batch as one small kernel call
per distinct length, where waking a second thread for every call costs more than it saves
(with ``OMP_WAIT_POLICY=PASSIVE`` a batch of 256 short contexts took 600 ms on two threads
and 73 ms on one). Those steps run on ``TSRNN_SHORT_BATCH_THREADS`` threads (default 1;
``0`` leaves torch's setting alone).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import torch

from tsrnn.exceptions import ParameterError

__all__ = ["SMALL_NETWORK", "forecast_threads", "short_batch_threads"]

#: Networks up to this many parameters count as small.
SMALL_NETWORK = 1_000_000
_ENV = "TSRNN_FORECAST_THREADS"
_SHORT_ENV = "TSRNN_SHORT_BATCH_THREADS"


def _wanted(name: str = _ENV) -> int:
    raw = os.environ.get(name, "1").strip() or "1"
    try:
        threads = int(raw)
    except ValueError:
        threads = -1
    if threads < 0:
        raise ParameterError(
            f"{name}={raw!r} must be a number of torch threads (1, 2, ...) or 0 to leave "
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
    before = _switch(_ENV, network)
    try:
        yield
    finally:
        if before is not None:
            torch.set_num_threads(before)


def _switch(name: str, network: torch.nn.Module) -> int | None:
    """Set the thread count of knob ``name`` for a small ``network``; the count it replaced.

    None where nothing changed (the knob at 0 or at torch's count, a large network).
    """
    threads, before = _wanted(name), torch.get_num_threads()
    small = sum(p.numel() for p in network.parameters()) <= SMALL_NETWORK
    if threads == 0 or threads == before or not small:
        return None
    torch.set_num_threads(threads)
    return before


def short_batch_threads(network: torch.nn.Module, batch: object) -> int | None:
    """Switch torch to ``TSRNN_SHORT_BATCH_THREADS`` threads for a batch of short contexts.

    ``batch`` is short when it has ``lengths`` below its ``x``'s steps. Returns the thread
    count to restore afterwards (``torch.set_num_threads``), or None where nothing changed
    (a full-length batch, a large network, the knob at 0 or already at that count).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> before = torch.get_num_threads()
    >>> short = SimpleNamespace(x=torch.zeros(2, 4, 1), lengths=torch.tensor([4, 2]))
    >>> restore = short_batch_threads(torch.nn.Linear(4, 2), short)
    >>> torch.get_num_threads(), restore in (None, before)
    (1, True)
    >>> if restore is not None:
    ...     torch.set_num_threads(restore)
    """
    lengths, x = getattr(batch, "lengths", None), getattr(batch, "x", None)
    if not isinstance(lengths, torch.Tensor) or not isinstance(x, torch.Tensor) or x.ndim < 2:
        return None
    if x.device.type != "cpu" or bool((lengths >= x.shape[1]).all()):
        return None
    return _switch(_SHORT_ENV, network)
