"""Save the usual Optuna plots of a study as image files."""

from __future__ import annotations

import warnings
from pathlib import Path

import optuna

__all__ = ["save_study_plots"]

PLOTS = {
    "optimization_history": "plot_optimization_history",
    "param_importances": "plot_param_importances",
    "intermediate_values": "plot_intermediate_values",
}


def save_study_plots(
    study: optuna.Study, folder: str | Path, *, fmt: str = "png"
) -> dict[str, Path]:
    """Save optimisation history, parameter importances and intermediate values.

    Drawn with ``optuna.visualization.matplotlib`` (needs matplotlib). A plot the study
    cannot support yet (importances need two complete trials with varied parameters;
    intermediate values need reports) is skipped with a warning.

    Parameters
    ----------
    study : optuna.Study
        E.g. ``OptunaSearchCV.study_``.
    folder : str or Path
        Created if missing; files are ``<plot>.<fmt>``.
    fmt : str, default="png"
        Any format matplotlib writes.

    Returns
    -------
    dict of str to Path
        The files written, by plot name.

    Examples
    --------
    >>> import tempfile
    >>> import optuna
    >>> study = optuna.create_study(direction="maximize")
    >>> study.optimize(lambda t: -(t.suggest_float("x", -1, 1) ** 2), n_trials=5)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     print(sorted(save_study_plots(study, folder, fmt="svg")))
    ['optimization_history', 'param_importances']
    """
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError as err:  # pragma: no cover - matplotlib is a docs/plot extra
        raise ImportError("save_study_plots needs matplotlib: pip install 'tsrnn[plot]'") from err
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for name, function in PLOTS.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            try:
                ax = getattr(optuna.visualization.matplotlib, function)(study)
            except (ValueError, RuntimeError) as err:
                warnings.warn(f"skipped the {name} plot: {err}", UserWarning, stacklevel=2)
                continue
        if name == "intermediate_values" and not ax.has_data():
            plt.close(ax.figure)
            warnings.warn(
                "skipped the intermediate_values plot: no trial reported values",
                UserWarning,
                stacklevel=2,
            )
            continue
        path = folder / f"{name}.{fmt}"
        ax.figure.savefig(path, bbox_inches="tight")
        plt.close(ax.figure)
        written[name] = path
    return written
