"""Length-bucketed batches: full-length windows travel together, only short contexts pack.

A batch whose windows all have the full context runs PyTorch's recurrent kernels
unpacked; a single shorter window in it makes the whole batch go through
``pack_padded_sequence``, which costs about twice as much per step on CPU. Drawing
batches uniformly at random mixes the few short windows (series shorter than a
context) into almost every batch. :class:`LengthBucketSampler` keeps the epoch a
random permutation of every window but lays the full-length windows out first and the
short ones after them, sorted by length, before cutting the sequence into batches and
shuffling the batch order. So at most one batch mixes both kinds, and the short
batches hold windows of similar lengths. The number of batches is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
from torch.utils.data import Sampler

__all__ = ["LengthBucketSampler", "length_groups"]


class LengthBucketSampler(Sampler[list[int]]):
    """Batches of window indices, full-length windows together, in a seeded random order.

    Every window is in exactly one batch per epoch. With ``shuffle``, the epoch's order
    depends only on ``(seed, epoch)``: every process that builds the sampler with the
    same seed draws the same batches, so a distributed wrapper can hand batch ``i`` to
    rank ``i % world_size``. :meth:`set_epoch` (called by Lightning before every epoch)
    chooses the epoch; without it each pass over the sampler moves to the next epoch.

    Parameters
    ----------
    lengths : array-like of int, shape (n_windows,)
        Context length of each window.
    batch_size : int
        Windows per batch (the last batch may be smaller).
    shuffle : bool, default=True
        Draw a new random order every epoch; otherwise the order is fixed: full
        windows in index order, then the short ones by decreasing length.
    seed : int, default=0
        Seed of the epoch permutations.
    full_length : int, optional
        The full context length (default: the longest of ``lengths``).

    Examples
    --------
    >>> sampler = LengthBucketSampler([3, 1, 3, 2, 3, 3], batch_size=2, shuffle=False)
    >>> list(sampler), len(sampler)
    ([[0, 2], [4, 5], [3, 1]], 3)
    >>> shuffled = LengthBucketSampler([3, 1, 3, 2, 3, 3], batch_size=2, seed=7)
    >>> sorted(i for batch in shuffled for i in batch)
    [0, 1, 2, 3, 4, 5]
    """

    def __init__(
        self,
        lengths: np.ndarray | torch.Tensor | list[int],
        batch_size: int,
        *,
        shuffle: bool = True,
        seed: int = 0,
        full_length: int | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be a positive int; got {batch_size!r}.")
        self.lengths = torch.as_tensor(np.asarray(lengths), dtype=torch.long)
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.seed = int(seed)
        longest = int(self.lengths.max()) if len(self.lengths) else 0
        self.full_length = longest if full_length is None else int(full_length)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Use the permutation of ``epoch`` for the next pass."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return -(-len(self.lengths) // self.batch_size)

    def __iter__(self) -> Iterator[list[int]]:
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
        n = len(self.lengths)
        order = torch.randperm(n, generator=generator) if self.shuffle else torch.arange(n)
        batches = list(torch.cat(self._layout(order)).split(self.batch_size))
        if self.shuffle:
            batches = [batches[i] for i in torch.randperm(len(batches), generator=generator)]
        self.epoch += 1  # set_epoch overrides this before the next pass
        for batch in batches:
            yield batch.tolist()

    def _layout(self, order: torch.Tensor) -> list[torch.Tensor]:
        """Full windows in ``order``, then the short ones by decreasing length (stable)."""
        lengths = self.lengths[order]
        full = lengths >= self.full_length
        short = order[~full]
        by_length = torch.sort(-lengths[~full], stable=True).indices
        return [order[full], short[by_length]]


def length_groups(lengths: np.ndarray, full_length: int, batch_size: int) -> list[np.ndarray]:
    """Index groups of a prediction batch: the full-length windows, then the short ones.

    The same layout as :class:`LengthBucketSampler` without shuffling, cut into
    batches of ``batch_size``.

    Examples
    --------
    >>> [g.tolist() for g in length_groups(np.array([4, 2, 4, 3]), 4, 10)]
    [[0, 2], [3, 1]]
    """
    sampler = LengthBucketSampler(lengths, batch_size, shuffle=False, full_length=full_length)
    full = np.asarray(lengths) >= full_length
    groups = []
    for batch in sampler:
        index = np.asarray(batch, dtype=np.int64)
        kinds = full[index]
        if kinds.all() or not kinds.any():
            groups.append(index)
        else:  # the one batch where both kinds meet: run them apart
            groups += [index[kinds], index[~kinds]]
    return groups
