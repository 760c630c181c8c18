"""Figures of a comparison: error per forecast step and example series with forecasts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def _figure_class() -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - matplotlib is in the plot extra
        raise ImportError(
            "Plots need matplotlib: pip install 'tsrnn[plot]' (or pip install matplotlib)."
        ) from exc
    return Figure


def plot_comparison(comparison: Any, path: str | Path | None = None, *, n_examples: int = 4) -> Any:
    """Per-horizon sMAPE of every model (left) and ``n_examples`` series (right).

    Models with interval bounds in the forecasts (``compare(..., intervals=0.95)``)
    get their bands drawn around their forecasts.

    Parameters
    ----------
    comparison : Comparison
        A result of :func:`~tsrnn.evaluation.compare`.
    path : str or Path, optional
        Save the figure there.
    n_examples : int, default=4
        Series drawn, evenly spaced over the sorted ids.

    Returns
    -------
    matplotlib.figure.Figure
    """
    id_col, time_col, target_col = comparison.columns
    models = list(comparison.leaderboard["model"])
    figure = _figure_class()(figsize=(13, 5.5), layout="constrained")
    grid = figure.add_gridspec(2, 3, width_ratios=[1.3, 1, 1])
    ax = figure.add_subplot(grid[:, 0])
    for name in models:
        curve = comparison.per_horizon.loc[name]
        ax.plot(curve.index, curve.to_numpy(), marker="o", markersize=3, label=name)
    ax.set(xlabel="forecast step", ylabel="sMAPE", title="Error by forecast step")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    ids = np.sort(comparison.forecasts[id_col].unique())
    picks = ids[np.linspace(0, len(ids) - 1, min(n_examples, len(ids), 4)).round().astype(int)]
    for k, sid in enumerate(picks):
        axs = figure.add_subplot(grid[k // 2, 1 + k % 2])
        rows = comparison.forecasts[comparison.forecasts[id_col] == sid]
        past = comparison.history[comparison.history[id_col] == sid]
        past = past.sort_values(time_col).tail(3 * rows["model"].value_counts().max())
        axs.plot(past[time_col], past[target_col], color="black", lw=1, label="history")
        first = rows[rows["model"] == models[0]]
        axs.plot(first[time_col], first[target_col], color="black", ls="--", lw=1, label="actual")
        bands = sorted(c for c in rows.columns if c.startswith("yhat_lo_"))
        for name in models:
            own = rows[rows["model"] == name]
            (line,) = axs.plot(own[time_col], own["yhat"], lw=1, label=name)
            for lo in bands:  # the models' interval bounds, where compare(intervals=) asked
                hi = lo.replace("_lo_", "_hi_")
                if own[lo].notna().all():
                    axs.fill_between(own[time_col], own[lo], own[hi], color=line.get_color(),
                                     alpha=0.15, lw=0)  # fmt: skip
        axs.set_title(str(sid), fontsize="small")
        axs.tick_params(labelsize="x-small")
        for label in axs.get_xticklabels():
            label.set_rotation(30)
    figure.suptitle("Holdout comparison")
    if path is not None:
        figure.savefig(path, dpi=100)
    return figure
