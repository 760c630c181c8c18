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


def test_compare_calibrates_cqr_for_the_asked_level_and_reports_its_errors():
    from tsrnn import ConformalForecaster
    from tsrnn.exceptions import DataValidationError

    df = load_dataset("monthly_short")
    cqr = ConformalForecaster(NaiveForecaster(horizon=6), n_windows=3, method="cqr")
    assert cqr.coverages == (0.8, 0.95)  # 0.9 is not among them: compare adds it
    result = compare({"cqr": cqr}, df, verbose=False, intervals=0.9, season_length=12)
    assert np.isfinite(result.leaderboard.set_index("model").loc["cqr", "coverage"])
    assert cqr.coverages == (0.8, 0.95)  # the user's estimator is left as it was
    few = df[df.unique_id.isin(sorted(df.unique_id.unique())[:3])]
    one = cqr.set_params(n_windows=1)  # 3 scores per step, not the 9 a 90% interval needs
    with pytest.raises(DataValidationError, match="needs at least 9 calibration scores"):
        compare({"cqr": one}, few, verbose=False, intervals=0.9, season_length=12)
