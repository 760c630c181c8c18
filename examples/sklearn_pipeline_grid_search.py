"""Tune a GRU forecaster inside a scikit-learn Pipeline with GridSearchCV and temporal folds.

Because a tsrnn forecaster is a scikit-learn regressor over the rows of a long table, the
standard tools compose unchanged:

* a ``ColumnTransformer`` standardises the covariates ``kms`` and ``petrol_price`` and passes
  the id/time columns and ``law`` through, with pandas output so column names survive
  (the forecaster scales covariates itself too; the transformer stands for any sklearn
  preprocessing you want on covariate columns);
* a ``GRUForecaster`` reads the transformed frame (``petrol_price`` and ``law`` known-future);
* ``TransformedTargetRegressor(func=np.log1p, inverse_func=np.expm1)`` fits on log counts
  and returns forecasts on the original scale;
* ``GridSearchCV`` searches ``hidden_size`` x ``context_length`` with
  ``TemporalSplit(n_splits=2, horizon=12)`` (train = history before a cutoff, test = the
  next 12 rows of every series) and the ``tsrnn.metrics.smape_scorer``.

The last 12 months of every ``seatbelts`` series are kept out of the search and scored at
the end, for the refitted best model and a seasonal naive baseline.
Set ``TSRNN_EXAMPLES_FAST=1`` for a seconds-long smoke run.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd
import torch
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from tsrnn import GRUForecaster, SeasonalNaiveForecaster, TemporalSplit, temporal_train_test_split
from tsrnn.datasets import load_seatbelts
from tsrnn.metrics import mae, smape, smape_scorer

FAST = os.environ.get("TSRNN_EXAMPLES_FAST") == "1"
HORIZON = 12


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2 if FAST else 40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads; small recurrent nets train fastest on 1, and "
                             "extra threads can slow them many times on a busy CPU")
    return parser.parse_args()


def make_model(epochs: int, seed: int) -> TransformedTargetRegressor:
    covariates = ColumnTransformer(
        [("scale", StandardScaler(), ["kms", "petrol_price"]),
         ("keep", "passthrough", ["unique_id", "ds", "law"])],
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    gru = GRUForecaster(horizon=HORIZON, max_epochs=epochs, learning_rate=3e-3,
                        future_covariates=["petrol_price", "law"], random_state=seed)
    pipeline = Pipeline([("covariates", covariates), ("gru", gru)])
    return TransformedTargetRegressor(regressor=pipeline, func=np.log1p, inverse_func=np.expm1)


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    df = load_seatbelts()
    X, y = df.drop(columns="y"), df["y"]
    X_train, X_test, y_train, y_test = temporal_train_test_split(X, y, test_size=HORIZON)

    grid = {
        "regressor__gru__hidden_size": [4, 8] if FAST else [16, 32],
        "regressor__gru__context_length": [12, 24] if FAST else [12, 36],
    }
    cv = TemporalSplit(n_splits=2, horizon=HORIZON)
    print(f"seatbelts: {len(X_train)} search rows, {len(X_test)} final holdout rows; {cv!r}")
    for k, (train, test) in enumerate(cv.split(X_train)):
        ds_train, ds_test = X_train["ds"].iloc[train], X_train["ds"].iloc[test]
        print(f"  fold {k}: train up to {ds_train.max():%Y-%m}, "
              f"test {ds_test.min():%Y-%m} .. {ds_test.max():%Y-%m}")

    search = GridSearchCV(make_model(args.epochs, args.seed), grid, cv=cv, scoring=smape_scorer,
                          error_score="raise")
    search.fit(X_train, y_train)

    results = pd.DataFrame(search.cv_results_)
    summary = pd.DataFrame({
        "hidden_size": results["param_regressor__gru__hidden_size"],
        "context_length": results["param_regressor__gru__context_length"],
        "cv_smape": -results["mean_test_score"],  # scorers are negated losses
        "cv_smape_std": results["std_test_score"],
        **{f"fold{k}_smape": -results[f"split{k}_test_score"] for k in range(cv.n_splits)},
        "fit_s": results["mean_fit_time"],
        "rank": results["rank_test_score"],
    }).sort_values("rank")
    print("\nGridSearchCV results (sMAPE, lower is better):")
    print(summary.round(2).to_string(index=False))
    best = {k.rsplit("__", 1)[1]: v for k, v in search.best_params_.items()}
    print(f"\nBest params: {best}  (cv sMAPE {-search.best_score_:.2f})")

    # The search refitted the best pipeline on all search rows: score it on the final holdout.
    y_best = search.predict(X_test)
    y_naive = SeasonalNaiveForecaster(horizon=HORIZON).fit(X_train, y_train).predict(X_test)
    holdout = pd.DataFrame({
        "model": ["best GRU pipeline", "seasonal naive"],
        "smape": [smape(y_test, y_best), smape(y_test, y_naive)],
        "mae": [mae(y_test, y_best), mae(y_test, y_naive)],
    })
    print(f"\nFinal holdout {X_test['ds'].min():%Y-%m} .. {X_test['ds'].max():%Y-%m}:")
    print(holdout.round(2).to_string(index=False))
    print(f"\nDone in {time.perf_counter() - start:.1f} s ({'fast' if FAST else 'normal'} mode).")


if __name__ == "__main__":
    main()
