"""``tsrnn tune`` on the bundled dataset, a CSV and an M3 category."""

from __future__ import annotations

import optuna
import pytest

from tsrnn.cli import main
from tsrnn.datasets import load_dataset


def test_tune_a_baseline_with_storage_trials_and_plots(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    argv = ["tune", "--model", "theta", "--horizon", "6", "--n-trials", "3", "--storage", url,
            "--study-name", "cli", "--quiet", "--plots", str(tmp_path / "plots")]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "bundled dataset 'monthly_short'" in text and "ThetaForecaster" in text
    assert "Best parameters: {" in text and "defaults" in text and "tuned" in text
    assert "CV smape" in text and "test sMAPE" in text
    assert (tmp_path / "plots" / "optimization_history.png").is_file()
    assert len(optuna.load_study(study_name="cli", storage=url).trials) == 3


def test_tune_a_recurrent_model_on_a_csv(tmp_path, capsys):
    path = tmp_path / "data.csv"
    df = load_dataset("monthly_short")
    df[df["unique_id"].isin(df["unique_id"].unique()[:3])].to_csv(path, index=False)
    assert main(["tune", str(path), "--model", "gru", "--horizon", "6", "--n-trials", "2",
                 "--max-epochs", "1", "--storage", f"sqlite:///{tmp_path / 'g.db'}",
                 "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "tuning GRUForecaster" in text and "tuned" in text
    assert "'cell'" not in text  # --model gru keeps its cell


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--horizon", "0"], "must be an integer >= 1"),
        (["--m3", "yearly", "--horizon", "7"], "at most 6"),
        (["--limit", "3"], "--limit applies to --m3 only"),
    ],
)
def test_tune_rejects_bad_options(args, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["tune", "--model", "ses", *args])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_resuming_with_another_scoring_is_refused(tmp_path, capsys):
    common = ["tune", "--model", "ses", "--n-trials", "2", "--cv", "1", "--quiet",
              "--storage", f"sqlite:///{tmp_path / 's.db'}", "--study-name", "s"]
    assert main(common) == 0
    with pytest.raises(SystemExit) as exit_info:
        main([*common, "--scoring", "mae"])
    assert exit_info.value.code == 2
    assert "cv folds, scoring or fixed" in capsys.readouterr().err


def test_tune_on_an_m3_category(tmp_path, capsys):
    assert main(["tune", "--m3", "yearly", "--limit", "4", "--model", "ses", "--cv", "1",
                 "--n-trials", "2", "--storage", f"sqlite:///{tmp_path / 'm3.db'}",
                 "--quiet"]) == 0
    assert "M3 yearly: 4 series" in capsys.readouterr().out
