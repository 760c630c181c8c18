"""The layer contracts of ARCHITECTURE.md and the module size limit."""

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
