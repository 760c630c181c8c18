"""The contracts of docs/architecture.md: import layers, module size, estimator depth."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("lint-imports") is None, reason="import-linter not installed")
def test_import_contracts_hold():
    result = subprocess.run(["lint-imports"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_modules_stay_small():
    sizes = {
        p.relative_to(ROOT): len(p.read_text().splitlines()) for p in (ROOT / "tsrnn").rglob("*.py")
    }
    too_big = {str(p): n for p, n in sizes.items() if n > 400}
    assert not too_big, f"modules over 400 lines: {too_big}"


def test_the_architecture_page_exists_and_names_every_path():
    text = (ROOT / "docs" / "architecture.md").read_text()
    from tsrnn.estimators import _paths, _stateful_path

    for name in [*_paths.__all__, *_stateful_path.__all__]:
        if name.endswith("Path"):
            assert f"`{name}`" in text, f"docs/architecture.md does not describe {name}"


def test_public_estimators_are_at_most_three_project_classes_below_base_estimator():
    from sklearn.base import BaseEstimator

    import tsrnn.baselines
    import tsrnn.estimators

    def depth(cls: type) -> int:  # project classes on the longest path to BaseEstimator
        if cls is BaseEstimator or not issubclass(cls, BaseEstimator):
            return 0
        own = cls.__module__.startswith("tsrnn.")
        return own + max(depth(base) for base in cls.__bases__)

    for module in (tsrnn.estimators, tsrnn.baselines):
        for name in module.__all__:
            cls = getattr(module, name)
            if isinstance(cls, type) and issubclass(cls, BaseEstimator):
                assert depth(cls) <= 3, f"{name} is {depth(cls)} project classes deep"
