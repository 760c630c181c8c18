"""Attention over encoder outputs: Luong dot and general, Bahdanau additive; padding masked."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["ATTENTIONS", "Attention"]

ATTENTIONS = ("none", "dot", "general", "additive")


class Attention(nn.Module):
    """Score a query against encoder outputs and return their weighted average.

    Scores (``q`` the decoder query, ``k_t`` the encoder output at step ``t``):

    - ``"dot"`` (Luong et al., 2015): ``q . k_t``; needs ``query_size == key_size``;
    - ``"general"`` (Luong): ``q . (W k_t)``;
    - ``"additive"`` (Bahdanau et al., 2015): ``v . tanh(W_q q + W_k k_t)``.

    Weights are the softmax of the scores over the real (unpadded) steps; padded steps
    get weight exactly 0.

    Parameters
    ----------
    kind : {"dot", "general", "additive"}
        Scoring function.
    query_size, key_size : int
        Sizes of the query and of each encoder output.

    Examples
    --------
    >>> att = Attention("general", query_size=4, key_size=6)
    >>> keys = att.prepare(torch.randn(2, 5, 6))
    >>> mask = torch.tensor([[True] * 5, [True, True, False, False, False]])
    >>> context, weights = att(torch.randn(2, 4), torch.randn(2, 5, 6), keys, mask)
    >>> context.shape, weights[1, 2:].tolist()
    (torch.Size([2, 6]), [0.0, 0.0, 0.0])
    """

    def __init__(self, kind: str, query_size: int, key_size: int) -> None:
        super().__init__()
        if kind not in ATTENTIONS[1:]:
            raise ValueError(f"attention must be one of {list(ATTENTIONS[1:])}; got {kind!r}.")
        if kind == "dot" and query_size != key_size:
            raise ValueError(
                f"dot attention needs query_size == key_size; got {query_size} and {key_size}. "
                "Use 'general' or 'additive', or project the keys first."
            )
        self.kind = kind
        if kind == "general":
            self.key_proj = nn.Linear(key_size, query_size, bias=False)
        elif kind == "additive":
            self.key_proj = nn.Linear(key_size, query_size, bias=False)
            self.query_proj = nn.Linear(query_size, query_size)
            self.score = nn.Linear(query_size, 1, bias=False)

    def prepare(self, keys: torch.Tensor) -> torch.Tensor:
        """The query-independent part of the scores, computed once per sequence: (B, T, P)."""
        return keys if self.kind == "dot" else self.key_proj(keys)

    def forward(
        self,
        query: torch.Tensor,
        values: torch.Tensor,
        prepared: torch.Tensor,
        mask: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Attend.

        Parameters
        ----------
        query : Tensor of shape (B, Q)
            Decoder state.
        values : Tensor of shape (B, T, K)
            Encoder outputs.
        prepared : Tensor of shape (B, T, P)
            ``self.prepare(values)``.
        mask : Tensor of shape (B, T), bool
            True at real steps, False at padding.

        Returns
        -------
        context : Tensor of shape (B, K)
        weights : Tensor of shape (B, T)
        """
        if self.kind == "additive":
            hidden = torch.tanh(prepared + self.query_proj(query)[:, None, :])  # [B, T, Q]
            scores = self.score(hidden)[..., 0]  # [B, T]
        else:
            scores = torch.bmm(prepared, query[:, :, None])[..., 0]  # [B, T]
        weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)  # [B, T]
        context = torch.bmm(weights[:, None, :], values)[:, 0]  # [B, K]
        return context, weights
