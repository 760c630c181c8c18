"""Side-by-side evaluation against the statsmodels baselines.

:func:`compare` fits several forecasters on the same histories, scores them on the
same holdout (sMAPE, MASE, OWA, MAE, RMSE, fit and predict time), tests each against
the best baseline with a Diebold-Mariano test and draws the error per forecast step
with a few example series. :func:`~tsrnn.evaluation.m3.run_m3` runs it on the M3
competition data and writes the files of ``tsrnn benchmark m3``.
"""

from tsrnn.evaluation._compare import Comparison, compare, frame_to_markdown
from tsrnn.evaluation._plots import plot_comparison
from tsrnn.evaluation._significance import diebold_mariano, panel_diebold_mariano

__all__ = [
    "Comparison",
    "compare",
    "diebold_mariano",
    "frame_to_markdown",
    "panel_diebold_mariano",
    "plot_comparison",
]
