"""The safe format's versions and the errors for folders that are not (whole) tsrnn models."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch
from conftest import TINY, make_panel

import tsrnn
from tsrnn import GRUForecaster, SeasonalNaiveForecaster, TsrnnError, persistence
from tsrnn.estimators import DeseasonalizedForecaster
from tsrnn.persistence import FORMAT_VERSION, load_forecaster, save_forecaster


@pytest.fixture(scope="module")
def gru_folder(tmp_path_factory):
    est = GRUForecaster(horizon=3, context_length=6, **TINY).fit(make_panel(covariates=False))
    return save_forecaster(est, tmp_path_factory.mktemp("gru") / "model")


@pytest.fixture
def gru(gru_folder, tmp_path):
    """A fresh copy of a saved neural model, free to damage."""
    return shutil.copytree(gru_folder, tmp_path / "model")


@pytest.fixture
def naive(tmp_path):
    est = SeasonalNaiveForecaster(horizon=3).fit(make_panel(covariates=False))
    return save_forecaster(est, tmp_path / "naive")


def edit_config(folder, **changes):
    file = folder / "config.json"
    config = json.loads(file.read_text())
    file.write_text(json.dumps({**config, **changes}))


def test_files_record_their_format_and_the_tsrnn_that_wrote_them(naive):
    config = json.loads((naive / "config.json").read_text())
    assert config["format_version"] == FORMAT_VERSION
    assert config["tsrnn_version"] == tsrnn.__version__


def test_a_newer_format_asks_for_a_newer_tsrnn(naive):
    edit_config(naive, format_version=FORMAT_VERSION + 1, tsrnn_version="9.0.0")
    with pytest.raises(TsrnnError) as info:
        load_forecaster(naive)
    message = str(info.value)
    assert str(naive) in message and "tsrnn 9.0.0" in message
    assert f"model format {FORMAT_VERSION + 1}" in message
    assert f"reads formats {persistence.OLDEST_FORMAT_VERSION} to {FORMAT_VERSION}" in message
    assert "Upgrade tsrnn" in message


def test_a_format_no_longer_read_names_both_versions(naive):
    old = persistence.OLDEST_FORMAT_VERSION - 1
    edit_config(naive, format_version=old, tsrnn_version="0.0.1")
    pattern = rf"tsrnn 0\.0\.1 in model format {old}, which is no longer supported.* to {1}"
    with pytest.raises(TsrnnError, match=pattern):
        load_forecaster(naive)


def test_a_format_1_file_goes_through_the_upgrade_steps(naive, monkeypatch):
    seen = []

    def upgrade_from_1(config, arrays):
        seen.append(sorted(arrays))
        return {**config, "format_version": 2}, arrays

    monkeypatch.setattr(persistence, "FORMAT_VERSION", 2)
    monkeypatch.setattr(persistence, "_UPGRADES", {1: upgrade_from_1})
    est = load_forecaster(naive)
    assert seen == [["context_indptr", "context_values", "sigma"]]  # sigma: the naive spread
    assert est.forecast()["yhat"].notna().all()


@pytest.mark.parametrize(
    ("make", "pattern"),
    [
        (lambda d: d / "nowhere", "nowhere does not exist"),
        (lambda d: (d / "m.joblib").write_bytes(b"x") and d / "m.joblib", "is a file.*joblib"),
        (lambda d: d, "is not a tsrnn model directory: it has no config.json"),
    ],
    ids=["missing", "a file", "empty folder"],
)
def test_a_folder_that_is_no_model_says_so(tmp_path, make, pattern):
    with pytest.raises(TsrnnError, match=pattern):
        load_forecaster(make(tmp_path))


def test_corrupt_json_names_the_file(naive):
    (naive / "config.json").write_text('{"format_version": 1, "class": ')
    with pytest.raises(TsrnnError, match=r"config\.json is not valid JSON .*save the model again"):
        load_forecaster(naive)
    (naive / "config.json").write_text("[1, 2]")
    with pytest.raises(TsrnnError, match="no JSON object"):
        load_forecaster(naive)
    (naive / "config.json").write_text('{"class": "NaiveForecaster"}')
    with pytest.raises(TsrnnError, match="has no integer format_version"):
        load_forecaster(naive)


def test_unknown_class_and_missing_entries_are_named(naive):
    edit_config(naive, **{"class": "os.system"})
    with pytest.raises(TsrnnError, match="names the class 'os.system'.*a newer tsrnn may"):
        load_forecaster(naive)
    config = json.loads((naive / "config.json").read_text())
    del config["ids"]
    (naive / "config.json").write_text(json.dumps({**config, "class": "SeasonalNaiveForecaster"}))
    with pytest.raises(TsrnnError, match=r"config\.json lacks \['ids'\]"):
        load_forecaster(naive)


def test_unknown_parameters_are_named(naive):
    config = json.loads((naive / "config.json").read_text())
    edit_config(naive, params={**config["params"], "colour": "red"})
    with pytest.raises(TsrnnError, match="parameters it does not take.*colour"):
        load_forecaster(naive)


def test_missing_or_damaged_arrays(naive):
    np.savez(naive / "arrays.npz", context_values=np.zeros((1, 1)))
    with pytest.raises(TsrnnError, match=r"arrays\.npz lacks \['context_indptr'\]"):
        load_forecaster(naive)
    (naive / "arrays.npz").write_bytes(b"not a zip file")
    with pytest.raises(TsrnnError, match=r"arrays\.npz cannot be read .*damaged"):
        load_forecaster(naive)
    (naive / "arrays.npz").unlink()
    with pytest.raises(TsrnnError, match=r"arrays\.npz is missing\. Copy the whole directory"):
        load_forecaster(naive)


def test_missing_weights(gru):
    (gru / "weights.pt").unlink()
    with pytest.raises(TsrnnError, match=r"weights\.pt \(the network weights .*\) is missing"):
        load_forecaster(gru)


class Payload:
    """Stands for any object a weights file should not hold."""


def test_damaged_or_foreign_weights(gru, gru_folder):
    (gru / "weights.pt").write_bytes(b"\x00" * 64)
    with pytest.raises(TsrnnError, match=r"weights\.pt is not a file of plain tensors"):
        load_forecaster(gru)
    torch.save({"rnn.weight_ih_l0": Payload()}, gru / "weights.pt")
    with pytest.raises(TsrnnError, match="refuses to load since loading them could run code"):
        load_forecaster(gru)
    (gru / "weights.pt").write_bytes((gru_folder / "weights.pt").read_bytes()[:100])
    with pytest.raises(TsrnnError, match=r"weights\.pt does not hold the weights of this GRU"):
        load_forecaster(gru)
    shutil.copy(gru_folder / "weights.pt", gru / "weights.pt")
    config = json.loads((gru / "config.json").read_text())
    edit_config(gru, params={**config["params"], "hidden_size": 5})
    with pytest.raises(TsrnnError, match="does not hold the weights.*another model"):
        load_forecaster(gru)


def test_meta_estimators_are_refused_with_a_pointer_to_pickle(tmp_path):
    est = DeseasonalizedForecaster(estimator=SeasonalNaiveForecaster(horizon=3))
    est.fit(make_panel(covariates=False))
    with pytest.raises(TsrnnError, match="pickle/joblib"):
        save_forecaster(est, tmp_path / "m")
