"""Windows over panels with missing targets or uneven times (``tsrnn.data.irregular``).

The network reads, per context step: the target carried forward from the last
observation, the covariates, an observed/missing indicator and ``log1p`` of the
time since the last observation. Targets keep their NaN until the batch, where
they become a mask for the loss and zeros, so no NaN reaches a loss or gradient.
With uneven times, each target step also gets its time since the forecast origin
(the window's last row), like a known-future covariate.
"""

from __future__ import annotations

import numpy as np
import torch

from tsrnn.data.batching import Batch, WindowDataset
from tsrnn.data.panel import Panel
from tsrnn.data.scaling import PanelScaler

__all__ = ["TimeAwareWindowDataset", "elapsed_feature", "observed_windows", "scale_time_aware"]


def elapsed_feature(elapsed: np.ndarray | torch.Tensor, horizon: int) -> np.ndarray | torch.Tensor:
    """Network input for the time from the forecast origin to a target step (in units).

    Examples
    --------
    >>> elapsed_feature(np.array([1.0, 6.0]), horizon=3).tolist()
    [0.3333333333333333, 2.0]
    """
    return elapsed / horizon


def scale_time_aware(
    scaler: PanelScaler, panel: Panel, n_covariates: int, positions: np.ndarray | None = None
) -> np.ndarray:
    """Scale the target, covariates and carried-forward target of a time-aware panel.

    Returns
    -------
    ndarray of shape (n_obs, n_columns), float32
        ``panel.values`` with the target (NaN kept), covariates and ``_filled``
        scaled; the time columns unchanged.
    """
    width = 1 + n_covariates
    core = Panel(panel.values[:, :width], panel.indptr, panel.ids, panel.columns[:width])
    out = panel.values.copy()
    out[:, :width] = scaler.transform(core, positions).values
    pos = np.arange(panel.n_series) if positions is None else positions
    seg = np.repeat(pos, panel.lengths)
    filled = (panel.values[:, width] - scaler.target_loc[seg]) / scaler.target_scale[seg]
    out[:, width] = filled
    return out


def observed_windows(
    target: np.ndarray,
    indptr: np.ndarray,
    windows: tuple[np.ndarray, np.ndarray],
    horizon: int,
    target_end: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Keep the windows with at least one observed target (the others carry no loss).

    Targets at or past ``target_end`` of their series (default: its length) do not count.

    Examples
    --------
    >>> target = np.array([1.0, np.nan, np.nan, 4.0])
    >>> s, e = observed_windows(target, np.array([0, 4]), (np.zeros(3, int), np.arange(3)), 1)
    >>> e.tolist()
    [2]
    """
    series, ends = windows
    seen = np.concatenate([[0], np.cumsum(~np.isnan(target))])
    indptr = np.asarray(indptr)
    first = indptr[series] + ends + 1
    stop = indptr[series + 1] if target_end is None else indptr[series] + target_end[series]
    keep = seen[np.minimum(first + horizon, stop)] - seen[first] > 0
    return series[keep], ends[keep]


class TimeAwareWindowDataset(WindowDataset):
    """:class:`~tsrnn.data.batching.WindowDataset` with a target mask and time-gap inputs.

    Parameters
    ----------
    values : ndarray of shape (n_obs, 1 + n_covariates + 3)
        A scaled time-aware panel (see ``scale_time_aware``): target with NaN where
        missing, covariates, then ``_filled``, ``_delta``, ``_gap``.
    indptr, series, ends, context_length, horizon, future_columns, with_targets, normalize
        As in :class:`~tsrnn.data.batching.WindowDataset`; the level of window
        normalisation is the last *observed* target.
    elapsed : bool, default=False
        Append each target step's time since the forecast origin to ``future``.
    target_end : ndarray of shape (n_series,), optional
        As in :class:`~tsrnn.data.batching.WindowDataset`.

    Examples
    --------
    >>> values = np.array([[1, 1, 1, 1], [np.nan, 1, 1, 1], [3, 3, 2, 1]], dtype="float32")
    >>> ds = TimeAwareWindowDataset(values, np.array([0, 3]), np.array([0]), np.array([0]),
    ...                             context_length=1, horizon=2, normalize=True)
    >>> batch = ds[[0]]
    >>> batch.y.tolist(), batch.mask.tolist(), batch.x.shape
    ([[0.0, 2.0]], [[0.0, 1.0]], torch.Size([1, 1, 3]))
    """

    def __init__(
        self,
        values: np.ndarray,
        indptr: np.ndarray,
        series: np.ndarray,
        ends: np.ndarray,
        *,
        context_length: int,
        horizon: int,
        future_columns: tuple[int, ...] = (),
        with_targets: bool = True,
        normalize: bool = False,
        elapsed: bool = False,
        target_end: np.ndarray | None = None,
    ) -> None:
        width = values.shape[1] - 3
        filled, delta, gap = values[:, width], values[:, width + 1], values[:, width + 2]
        observed = ~np.isnan(values[:, 0])
        inputs = np.column_stack([filled, values[:, 1:width], observed, np.log1p(delta)]).astype(
            np.float32
        )  # [N, F]
        super().__init__(
            inputs,
            indptr,
            series,
            ends,
            context_length=context_length,
            horizon=horizon,
            future_columns=future_columns,
            with_targets=with_targets,
            normalize=normalize,
            target_end=target_end,
        )
        self.targets = torch.from_numpy(np.append(values[:, 0], np.nan).astype(np.float32))
        self.clock = torch.from_numpy(np.append(np.cumsum(gap, dtype=np.float64), 0.0))
        self.elapsed = elapsed
        self.horizon = horizon

    def __getitem__(self, indices: list[int] | torch.Tensor) -> Batch:
        batch = super().__getitem__(indices)
        if not self.with_targets:
            return batch
        idx = torch.as_tensor(indices, dtype=torch.long)
        end = self.global_end[idx]  # [B]
        target_rows, _ = self.target_rows(idx)  # [B, H], the NaN padding row past the end
        y = self.targets[target_rows]  # [B, H], NaN where missing
        if batch.level is not None:
            y = y - batch.level[:, None]
        mask = ~torch.isnan(y)
        batch.y = torch.where(mask, y, torch.zeros_like(y))
        batch.mask = mask.to(y.dtype)
        if self.elapsed:
            since = (self.clock[target_rows] - self.clock[end][:, None]).float()  # [B, H]
            feature = elapsed_feature(since, self.horizon)[..., None]  # [B, H, 1]
            known = batch.future
            batch.future = feature if known is None else torch.cat([known, feature], -1)
        return batch
