"""compare(intervals=): coverage and MSIS per model, bounds in the forecasts and the figure."""

import numpy as np
import pytest

from tsrnn import LSTMForecaster, NaiveForecaster
from tsrnn.datasets import load_dataset
from tsrnn.evaluation import compare
from tsrnn.metrics import coverage, msis


def test_compare_scores_intervals(tmp_path):
    df = load_dataset("monthly_short")
    df = df[df.unique_id.isin(sorted(df.unique_id.unique())[:3])]
    models = {
        "naive": NaiveForecaster(horizon=6),
        "lstm": LSTMForecaster(horizon=6, context_length=6, hidden_size=4, max_epochs=1),
    }
    png = tmp_path / "c.png"
    result = compare(models, df, plot=png, verbose=False, intervals=0.9, season_length=12)
    board = result.leaderboard.set_index("model")
    assert np.isnan(board.loc["lstm", "coverage"])  # a point model: no interval
    fc = result.forecasts[result.forecasts.model == "naive"]
    assert board.loc["naive", "coverage"] == pytest.approx(
        coverage(fc.y, fc.yhat_lo_90, fc.yhat_hi_90)
    )
    history = result.history
    expected = np.mean(
        [
            msis(g.y, g.yhat_lo_90, g.yhat_hi_90, history.y[history.unique_id == uid],
                 coverage=0.9, season_length=12)
            for uid, g in fc.groupby("unique_id")
        ]
    )  # fmt: skip
    assert board.loc["naive", "msis"] == pytest.approx(expected)
    assert png.stat().st_size > 0
