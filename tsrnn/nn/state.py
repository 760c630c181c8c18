"""Recurrent hidden states as values: create, detach, slice, merge and convert lane states.

A state is what ``nn.RNN``/``nn.GRU`` return (a tensor ``[layers, B, hidden]``) or what
``nn.LSTM`` returns (a tuple ``(h, c)`` of two such tensors). Lane ``b`` of a batch is
``state[..., b, :]``. These helpers treat both forms alike.
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = [
    "State",
    "detach_state",
    "merge_state",
    "select_state",
    "state_from_numpy",
    "state_to_numpy",
    "top_hidden",
    "zero_state",
]

State = torch.Tensor | tuple[torch.Tensor, ...]


def _parts(state: State) -> tuple[torch.Tensor, ...]:
    return state if isinstance(state, tuple) else (state,)


def _like(state: State, parts: list[torch.Tensor]) -> State:
    return tuple(parts) if isinstance(state, tuple) else parts[0]


def zero_state(shape: tuple[int, int, int], batch: int, like: torch.Tensor) -> State:
    """Zeros for ``batch`` lanes of a state of ``shape`` ``(parts, layers, hidden)``.

    One part gives a tensor ``[layers, B, hidden]``, more a tuple of them; on ``like``'s
    device and dtype.

    Examples
    --------
    >>> h, c = zero_state((2, 1, 3), 4, torch.zeros(1))
    >>> h.shape, zero_state((1, 2, 3), 4, torch.zeros(1)).shape
    (torch.Size([1, 4, 3]), torch.Size([2, 4, 3]))
    """
    parts, layers, hidden = shape
    zeros = like.new_zeros(layers, batch, hidden)
    return zeros if parts == 1 else (zeros, *(zeros.clone() for _ in range(parts - 1)))


def detach_state(state: State | None) -> State | None:
    """Cut the graph behind a state (the truncation of truncated BPTT).

    Examples
    --------
    >>> h = torch.zeros(1, 2, 3, requires_grad=True) * 2
    >>> detach_state((h, h))[0].grad_fn is None
    True
    """
    if state is None:
        return None
    return _like(state, [p.detach() for p in _parts(state)])


def select_state(state: State, lanes: torch.Tensor | slice) -> State:
    """Keep the lanes ``lanes`` (an index tensor or a slice) of every part.

    Examples
    --------
    >>> h = torch.arange(6.).reshape(1, 3, 2)
    >>> select_state(h, torch.tensor([2, 0]))[0].tolist()
    [[4.0, 5.0], [0.0, 1.0]]
    """
    return _like(state, [p[:, lanes] for p in _parts(state)])


def merge_state(state: State, lanes: torch.Tensor, update: State) -> State:
    """Return ``state`` with lanes ``lanes`` replaced by ``update`` (no in-place change).

    Examples
    --------
    >>> h = torch.zeros(1, 3, 1)
    >>> merge_state(h, torch.tensor([1]), torch.ones(1, 1, 1))[0, :, 0].tolist()
    [0.0, 1.0, 0.0]
    """
    return _like(
        state,
        [p.index_copy(1, lanes, u) for p, u in zip(_parts(state), _parts(update), strict=True)],
    )


def top_hidden(state: State) -> torch.Tensor:
    """Top layer's hidden output ``h`` of every lane, shape ``(B, hidden)``.

    Examples
    --------
    >>> top_hidden((torch.ones(2, 3, 4), torch.zeros(2, 3, 4))).shape
    torch.Size([3, 4])
    """
    return _parts(state)[0][-1]


def state_to_numpy(state: State) -> np.ndarray:
    """Stack a state into a float32 array of shape ``(B, parts, layers, hidden)``.

    Examples
    --------
    >>> state_to_numpy((torch.zeros(2, 3, 4), torch.ones(2, 3, 4))).shape
    (3, 2, 2, 4)
    """
    stacked = torch.stack([p.detach().cpu() for p in _parts(state)])  # [P, layers, B, hidden]
    return stacked.permute(2, 0, 1, 3).contiguous().numpy().astype(np.float32)


def state_from_numpy(array: np.ndarray) -> State:
    """Inverse of :func:`state_to_numpy`: a tuple for two parts (LSTM), else a tensor.

    Examples
    --------
    >>> h, c = state_from_numpy(np.zeros((3, 2, 1, 4), dtype="float32"))
    >>> h.shape
    torch.Size([1, 3, 4])
    """
    parts = torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32)).permute(1, 2, 0, 3)
    parts = [p.contiguous() for p in parts]  # P x [layers, B, hidden]
    return tuple(parts) if len(parts) == 2 else parts[0]
