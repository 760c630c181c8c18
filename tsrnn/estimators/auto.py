"""A recurrent forecaster that chooses its own recipe on the validation windows of its data."""

from __future__ import annotations

import numbers
import time
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.utils.validation import check_is_fitted

from tsrnn._validation import Interval, validate_params
from tsrnn.data.calendar import Calendar, season_length_of
from tsrnn.data.frame import check_long_frame, frame_to_panel, require_target, to_long
from tsrnn.data.seasonal import seasonality_test
from tsrnn.estimators._delegate import DelegatingForecaster
from tsrnn.estimators._recipe import (
    RECIPE_KEYS,
    RecipeForecaster,
    candidate_recipes,
    change_name,
    plain,
    score_recipe,
)
from tsrnn.estimators.ensemble import EnsembleForecaster
from tsrnn.exceptions import ParameterError
from tsrnn.model_selection import TemporalSplit

__all__ = ["AutoRNNForecaster", "candidate_recipes"]  # candidate_recipes: see _recipe


def _names(recipes: list[dict]) -> list[str]:
    """``base``, each change of it (``transform=none``), ``baseline=theta``; repeats numbered."""
    names = ["base"] + [change_name(recipes[0], r) for r in recipes[1:]]
    return [n if names.count(n) == 1 else f"{n}#{names[: i + 1].count(n)}"
            for i, n in enumerate(names)]  # fmt: skip


class AutoRNNForecaster(DelegatingForecaster):
    """A recurrent forecaster whose recipe is chosen on validation windows of the training data.

    ``fit`` decides, from the training panel alone, which target transform the data allow
    (log, log1p, Box-Cox or none), whether to adjust for seasonality (the 90% test of
    :class:`~tsrnn.DeseasonalizedForecaster`), the per-series scaler, the input window and
    the cell. It scores a small fixed candidate set (``candidate_recipes``: a base
    recipe and one change of it at a time, at most 7) with
    :func:`~tsrnn.model_selection.backtest` on the last ``n_windows`` windows of
    ``horizon`` steps of every series (rolling origin;
    fewer windows when the series are too short, none when no series has
    ``horizon + 2`` rows), ranks them by their validation error relative to the best
    candidate's (the mean of the sMAPE and MASE ratios; MASE alone with negative values),
    refits the ``n_best`` best on all rows and combines them
    with their median (:class:`~tsrnn.EnsembleForecaster`). Nothing is tuned to a data
    set: the candidates and the network settings are the same for every panel.

    ``baselines`` adds forecasters of your own (e.g. ``ThetaForecaster``) to the candidates:
    they are scored on the same windows by the same rule and, when among the ``n_best``,
    refitted and combined with the networks (a hybrid; ``choices_["selected"]`` says
    whether a baseline is in it).

    Cost: at most ``7 * n_windows + n_best`` network fits of ``max_epochs`` epochs; with
    ``time_budget`` no new candidate starts once validation has taken that many seconds
    (the base recipe always runs; the final refit is not counted).

    Parameters
    ----------
    horizon : int, default=12
        Steps to forecast.
    season_length : int or None, default=None
        Season length of every series; None: each series' conventional one (12 monthly,
        4 quarterly, 1 yearly or integer steps).
    time_budget : float or None, default=None
        Seconds of validation after which no further candidate starts.
    n_windows : int, default=2
        Validation windows per series (rolling origin, ``horizon`` steps apart).
    n_best : int, default=3
        Candidates refitted and combined.
    baselines : list of forecasters or None, default=None
        Extra candidates (any forecaster with this ``horizon`` and the same column
        names), named ``baseline=<kind>`` in ``validation_``.
    max_epochs : int, default=20
        Training epochs of every network.
    random_state : int or None, default=0
        Seed of every network.
    n_jobs : int or None, default=None
        Candidates scored (and members refitted) in parallel processes.
    verbose : bool, default=False
        Print each candidate's validation score as it finishes.
    id_col, time_col, target_col : str
        Column names, by default ``"unique_id"``, ``"ds"``, ``"y"``.

    Attributes
    ----------
    choices_ : dict
        What the data decided: ``min_value``, ``season_length``, ``n_seasonal`` (series
        passing the test), ``n_series``, ``n_windows`` (validation windows used),
        ``selected`` (names of
        the refitted candidates) and ``validation_seconds``.
    validation_ : DataFrame
        One row per candidate: its choices, validation ``smape``, ``mase``, ``mae``,
        ``score`` (lower is better; NaN when skipped), ``seconds``, ``selected``.
    estimator_ : EnsembleForecaster
        The median of the refitted best candidates.

    Examples
    --------
    >>> from tsrnn.datasets import load_dataset
    >>> df = load_dataset("monthly_short").query("unique_id in ['N1402', 'N1679']")
    >>> auto = AutoRNNForecaster(horizon=6, max_epochs=1, n_windows=1, n_best=2).fit(df)
    >>> auto.validation_["candidate"].tolist()[:3]
    ['base', 'transform=none', 'transform=boxcox']
    >>> int(auto.validation_["selected"].sum()), len(auto.estimator_.members_)
    (2, 2)
    >>> auto.forecast().shape
    (12, 3)
    """

    _parameter_constraints: dict[str, list] = {
        "horizon": [Interval(numbers.Integral, 1, None)],
        "season_length": [None, Interval(numbers.Integral, 1, None)],
        "time_budget": [None, Interval(numbers.Real, 0, None)],
        "n_windows": [Interval(numbers.Integral, 1, None)],
        "n_best": [Interval(numbers.Integral, 1, None)],
        "baselines": [None, list, tuple],
        "max_epochs": [Interval(numbers.Integral, 1, None)],
        "random_state": [None, Interval(numbers.Integral, 0, None)],
        "n_jobs": [None, Interval(numbers.Integral, 1, None), Interval(numbers.Integral, None, -1)],
        "verbose": [bool],
        "id_col": [str],
        "time_col": [str],
        "target_col": [str],
    }

    def __init__(
        self,
        horizon: int = 12,
        *,
        season_length: int | None = None,
        time_budget: float | None = None,
        n_windows: int = 2,
        n_best: int = 3,
        baselines: Any = None,
        max_epochs: int = 20,
        random_state: int | None = 0,
        n_jobs: int | None = None,
        verbose: bool = False,
        id_col: str = "unique_id",
        time_col: str = "ds",
        target_col: str = "y",
    ) -> None:
        self.horizon = horizon
        self.season_length = season_length
        self.time_budget = time_budget
        self.n_windows = n_windows
        self.n_best = n_best
        self.baselines = baselines
        self.max_epochs = max_epochs
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.id_col = id_col
        self.time_col = time_col
        self.target_col = target_col

    # ------------------------------------------------------------------ the data's facts
    def _facts(self, frame: pd.DataFrame) -> tuple[dict, dict]:
        """Per-series season lengths (by id) and what the data allow."""
        order = check_long_frame(
            frame,
            id_col=self.id_col,
            time_col=self.time_col,
            target_col=self.target_col,
            covariates=[],
            stage="fit",
        )
        panel, times = frame_to_panel(
            frame, order, id_col=self.id_col, time_col=self.time_col, columns=[self.target_col]
        )
        calendar = Calendar.from_times(panel.ids, times, panel.indptr)
        seasons = [self.season_length or season_length_of(f) for f in calendar.freq]
        n_seasonal = 0
        for p, m in enumerate(seasons):
            values = panel.series(p)[:, 0].astype(float)
            n_seasonal += bool(m > 1 and values.min() > 0 and seasonality_test(values, m))
        target = frame[self.target_col].to_numpy(float)
        longest = int(panel.lengths.max())
        facts = {
            "n_series": int(panel.n_series),
            "min_value": float(target.min()),
            "varied": bool(np.ptp(target) > 0),
            "season_length": int(max(seasons)),
            "n_seasonal": int(n_seasonal),
            # windows of `horizon` steps such that the oldest keeps 2 training rows
            "n_windows": int(max(0, min(self.n_windows, (longest - 2) // self.horizon))),
        }
        return dict(zip(panel.ids, seasons, strict=True)), facts

    def _recipe_model(self, recipe: dict | None) -> RecipeForecaster:
        return RecipeForecaster(
            self.horizon,
            recipe=recipe,
            season_length=self.season_length,
            max_epochs=self.max_epochs,
            random_state=self.random_state,
            id_col=self.id_col,
            time_col=self.time_col,
            target_col=self.target_col,
        )

    # ------------------------------------------------------------------ validation
    def _validate(self, frame: pd.DataFrame, recipes: list[dict], seasons: dict, k: int) -> list:
        cv = TemporalSplit(
            n_splits=k, horizon=self.horizon, id_col=self.id_col, time_col=self.time_col
        )
        names = _names(recipes)
        batch = 1 if self.n_jobs in (None, 1) else len(recipes)
        rows: list[dict] = []
        start = time.perf_counter()
        for i in range(0, len(recipes), batch):
            if (
                i
                and self.time_budget is not None
                and time.perf_counter() - start > self.time_budget
            ):
                rows += [
                    {"candidate": n, **{k_: r.get(k_) for k_ in RECIPE_KEYS}}
                    for n, r in zip(names[i:], recipes[i:], strict=True)
                ]
                break
            todo = list(zip(names[i : i + batch], recipes[i : i + batch], strict=True))
            jobs = [(n, r, self._recipe_model(r), frame, cv, seasons) for n, r in todo]
            if batch == 1:
                done = [score_recipe(*job) for job in jobs]
            else:
                done = Parallel(n_jobs=self.n_jobs)(delayed(score_recipe)(*job) for job in jobs)
            if self.verbose:
                for row in done:
                    print(
                        f"  {row['candidate']:<24} sMAPE {row['smape']:.3f}  "
                        f"MASE {row['mase']:.3f}",
                        flush=True,
                    )
            rows += done
        self.choices_["validation_seconds"] = time.perf_counter() - start
        return rows

    def _scores(self, table: pd.DataFrame) -> np.ndarray:
        """Validation error relative to the best candidate: mean of the metric ratios (>= 1).

        sMAPE and MASE (MASE alone when the data have negative values, where sMAPE means
        little; MAE when neither is defined, as on flat series).
        """
        metrics = ["smape", "mase"] if self.choices_["min_value"] >= 0 else ["mase"]
        ratios = []
        for m in metrics:
            values = table[m].to_numpy(float)
            best = np.nanmin(values) if np.isfinite(values).any() else np.nan
            if np.isfinite(best) and best > 0:
                ratios.append(values / best)
        if not ratios:
            values = table["mae"].to_numpy(float)
            ratios.append(
                values / max(np.nanmin(values), 1e-12) if np.isfinite(values).any() else values
            )
        score = np.mean(ratios, axis=0)
        return np.where(np.isnan(score), np.inf, score)

    def _checked_baselines(self) -> list:
        baselines = list(self.baselines or [])
        for b in baselines:
            if not callable(getattr(b, "fit", None)) or getattr(b, "horizon", None) != self.horizon:
                raise ParameterError(
                    f"baselines must be forecasters with horizon={self.horizon}; got {b!r}."
                )
        return baselines

    # ------------------------------------------------------------------ contract
    def fit(self, X: Any, y: Any = None) -> AutoRNNForecaster:
        """Score the candidates on validation windows, refit the best and combine them.

        Parameters
        ----------
        X : DataFrame or Series
            Histories, in any form the tsrnn forecasters accept (long frame with the
            target column, or with ``y``).
        y : array-like, optional
            Target aligned with ``X``.

        Returns
        -------
        self
        """
        validate_params(
            self.get_params(deep=False), self._parameter_constraints, type(self).__name__
        )
        frame = to_long(
            X, y, id_col=self.id_col, time_col=self.time_col, target_col=self.target_col
        )
        require_target(frame, self.target_col)
        seasons, facts = self._facts(frame)
        self.choices_ = dict(facts)
        recipes = candidate_recipes(
            self.horizon,
            facts["season_length"],
            min_value=facts["min_value"],
            seasonal=facts["n_seasonal"] > 0,
            varied=facts["varied"],
        ) + [{"model": b} for b in self._checked_baselines()]
        if facts["n_windows"] == 0:  # too short to validate: the base recipe alone
            rows = [{"candidate": "base", **recipes[0]}]
            self.choices_["validation_seconds"] = 0.0
        else:
            rows = self._validate(frame, recipes, seasons, facts["n_windows"])
        table = pd.DataFrame(rows).drop(columns=["warnings"], errors="ignore")
        for col in ("smape", "mase", "mae", "seconds"):
            table[col] = table.get(col, np.nan)
        scored = table["seconds"].notna().to_numpy()
        table["score"] = np.where(scored, self._scores(table), np.nan)
        score = table["score"].to_numpy(float)
        ranked = [i for i in np.argsort(score, kind="stable") if np.isfinite(score[i])]
        chosen = sorted(ranked[: self.n_best]) or [0]  # nothing scored finite: the base recipe
        table["selected"] = table.index.isin(chosen)
        self.validation_ = table
        self.choices_["selected"] = table.loc[chosen, "candidate"].tolist()
        self.choices_["warnings"] = sorted({w for r in rows for w in r.get("warnings", [])})
        members = [
            recipes[i] if "model" in recipes[i] else {k: plain(recipes[i][k]) for k in RECIPE_KEYS}
            for i in chosen
        ]
        self.estimator_ = EnsembleForecaster(
            self._recipe_model(None), vary={"recipe": members}, n_jobs=self.n_jobs
        ).fit(frame)
        return self

    def summary(self) -> str:
        """The choices and every candidate's validation scores, as printable text.

        Returns
        -------
        str
        """
        check_is_fitted(self)
        c = self.choices_
        lines = [
            f"AutoRNNForecaster: {c['n_series']} series, smallest value {c['min_value']:g}, "
            f"season length {c['season_length']} ({c['n_seasonal']} series pass the 90% "
            f"seasonality test), {c['n_windows']} validation window(s) of {self.horizon} steps.",
        ]
        if c["n_windows"]:
            lines.append(
                "score: validation sMAPE and MASE relative to the best candidate's "
                "(1 = best); * = refitted and combined by their median."
            )
        else:
            lines.append("Series too short for a validation window: the base recipe is used.")
        shown = self.validation_.drop(columns=["seconds"]).copy()
        shown["selected"] = shown["selected"].map({True: "*", False: ""})
        lines.append(shown.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        lines.append(f"Forecast: median of {', '.join(c['selected'])} refitted on all rows.")
        return "\n".join(lines)
