"""The ``cv_results_`` table of a study."""

from __future__ import annotations

import numpy as np
import optuna
import pandas as pd

__all__ = ["results_frame"]


def results_frame(study: optuna.Study, n_splits: int) -> pd.DataFrame:
    """One row per trial: state, fold scores, mean/std/rank, fit time, parameters.

    Pruned trials keep the folds they finished; failed trials have NaN scores.
    ``rank_test_score`` ranks complete trials only (1 = best).
    """
    rows = []
    for trial in study.get_trials(deepcopy=False):
        split = [trial.user_attrs.get(f"split{k}_test_score", np.nan) for k in range(n_splits)]
        done = trial.state == optuna.trial.TrialState.COMPLETE
        params = trial.user_attrs.get("params", trial.params)
        rows.append(
            {
                "number": trial.number,
                "state": trial.state.name,
                "mean_test_score": trial.value if done else np.nan,
                "std_test_score": float(np.std(split)) if done else np.nan,
                **{f"split{k}_test_score": s for k, s in enumerate(split)},
                "mean_fit_time": trial.user_attrs.get("fit_time", np.nan) / max(n_splits, 1),
                "n_reports": len(trial.intermediate_values),
                **{f"param_{name}": value for name, value in params.items()},
                "params": params,
                "duration": trial.duration.total_seconds() if trial.duration else np.nan,
            }
        )
    frame = pd.DataFrame(rows)
    if len(frame):
        frame["rank_test_score"] = (
            frame["mean_test_score"].rank(ascending=False, method="min").astype("Int64")
        )
    return frame
