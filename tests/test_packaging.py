"""The wheel's contents as configured: every package, and the bundled CSVs as package data."""

from __future__ import annotations

from pathlib import Path

import pytest

from tsrnn import datasets

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

REPO = Path(__file__).resolve().parents[1]
CONFIG = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_package_is_listed_for_the_wheel():
    on_disk = {
        ".".join(init.parent.relative_to(REPO).parts) for init in REPO.glob("tsrnn/**/__init__.py")
    }
    assert on_disk <= set(CONFIG["packages"]), sorted(on_disk - set(CONFIG["packages"]))


def test_the_bundled_csvs_ship_as_package_data():
    source = REPO / CONFIG["package-dir"]["tsrnn._data"]
    assert source == REPO / "datasets"
    shipped = {
        p.name for pattern in CONFIG["package-data"]["tsrnn._data"] for p in source.glob(pattern)
    }
    assert set(datasets._FILES.values()) <= shipped


def test_an_installed_copy_is_found_before_the_checkout(tmp_path, monkeypatch):
    (tmp_path / "_data").mkdir()
    (tmp_path / "_data" / "seatbelts.csv").write_text("unique_id,ds,y\n")
    monkeypatch.setattr(datasets.importlib.resources, "files", lambda package: tmp_path)
    assert datasets._find_csv("seatbelts.csv") == tmp_path / "_data" / "seatbelts.csv"
    assert datasets._find_csv("elecdemand.csv") == REPO / "datasets" / "elecdemand.csv"
    with pytest.raises(FileNotFoundError, match="Reinstall tsrnn"):
        datasets._find_csv("nope.csv")
