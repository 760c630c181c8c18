import pandas as pd
from conftest import make_panel

from tsrnn.cli import main


def test_forecast_on_the_bundled_dataset(tmp_path, capsys):
    out = tmp_path / "fc.csv"
    assert (
        main(["forecast", "--quiet", "--max-epochs", "1", "--hidden-size", "4", "--out", str(out)])
        == 0
    )
    text = capsys.readouterr().out
    assert "bundled dataset 'monthly_short'" in text
    assert "LSTM" in text and "seasonal naive" in text and "sMAPE" in text
    fc = pd.read_csv(out)
    assert fc.columns.tolist() == ["unique_id", "ds", "yhat"] and len(fc) == 12 * 12


def test_forecast_on_a_csv_with_covariates(tmp_path, capsys):
    path = tmp_path / "data.csv"
    make_panel().to_csv(path, index=False)
    assert (
        main(
            [
                "forecast",
                str(path),
                "--horizon",
                "3",
                "--model",
                "gru",
                "--quiet",
                "--max-epochs",
                "1",
                "--context-length",
                "6",
            ]
        )
        == 0
    )
    assert "GRU" in capsys.readouterr().out
