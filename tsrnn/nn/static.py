"""Static covariates at every step: embed a network's trailing category-code inputs.

:class:`StaticInputNet` wraps any forecaster network that reads right-padded steps
``(B, T, F)`` (``RecurrentNet``, ``Seq2SeqNet``): the last ``len(cardinalities)`` input
columns hold integer category codes (constant within a series; 0 is the unknown
level), which it replaces by learned embeddings before calling the network. Every other
attribute (``head``, ``state_shape``, ``forecast_from_state``, ...) is the network's.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

__all__ = ["StaticInputNet"]


class StaticInputNet(nn.Module):
    """A network whose inputs end with category codes, embedded before it reads them.

    Parameters
    ----------
    net : torch.nn.Module
        The network; its ``input_size`` counts the embeddings' widths, not the codes.
    cardinalities : sequence of int
        Embedding rows per code column (its levels plus the unknown level 0).
    dims : sequence of int
        Embedding width per code column. Row 0 (unknown) stays zero (``padding_idx``).

    Examples
    --------
    >>> from tsrnn.nn import RecurrentNet
    >>> net = StaticInputNet(RecurrentNet(cell="gru", input_size=1 + 2, hidden_size=4,
    ...                                   horizon=3), cardinalities=[3], dims=[2])
    >>> x = torch.tensor([[[0.5, 1.0], [0.2, 1.0]], [[0.1, 2.0], [0.0, 0.0]]])  # codes last
    >>> net(x, torch.tensor([2, 1])).shape
    torch.Size([2, 3])
    """

    def __init__(self, net: nn.Module, cardinalities: Any, dims: Any) -> None:
        super().__init__()
        self.net = net
        self.embeddings = nn.ModuleList(
            nn.Embedding(n, d, padding_idx=0) for n, d in zip(cardinalities, dims, strict=True)
        )

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(super().__getattr__("net"), name)

    def expand(self, x: torch.Tensor) -> torch.Tensor:
        """``(..., F)`` with trailing codes -> ``(..., F - n_codes + sum(dims))``."""
        n = len(self.embeddings)
        if not n:
            return x
        codes = x[..., -n:].round().long()
        embedded = [emb(codes[..., k]) for k, emb in enumerate(self.embeddings)]
        return torch.cat([x[..., :-n], *embedded], dim=-1)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
        """The network's forward over the expanded inputs."""
        return self.net(self.expand(x), lengths, *args, **kwargs)

    def forward_steps(self, x: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
        """The network's ``forward_steps`` (stateful training) over the expanded inputs."""
        return self.net.forward_steps(self.expand(x), *args, **kwargs)

    def advance(self, x: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
        """The network's ``advance`` (state only) over the expanded inputs."""
        return self.net.advance(self.expand(x), *args, **kwargs)
