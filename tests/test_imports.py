"""``import tsrnn`` and ``tsrnn --help`` stay light; the lazy names behave like eager ones."""

from __future__ import annotations

import ast
import importlib
import json
import pickle
import pydoc
import subprocess
import sys
from pathlib import Path

import pytest

import tsrnn
import tsrnn.tuning

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "lightning", "statsmodels", "optuna")
# Runs in a fresh interpreter from the repository root, so this checkout's tsrnn is imported.
PROBE = """
import json, runpy, sys
argv = {argv!r}
if argv:
    sys.argv = ["tsrnn", *argv]
    try:
        runpy.run_module("tsrnn.cli", run_name="__main__")
    except SystemExit as exit:
        assert exit.code == 0, exit.code
else:
    import tsrnn
print(json.dumps(sorted(sys.modules)))
"""


def _modules_after(argv: list[str]) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=argv)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return {name.split(".")[0] for name in json.loads(done.stdout.splitlines()[-1])}


@pytest.mark.parametrize(
    "argv", [[], ["--help"], ["forecast", "--help"], ["tune", "--help"]], ids=" ".join
)
def test_import_and_help_load_no_heavy_package(argv):
    loaded = _modules_after(argv)
    assert "tsrnn" in loaded
    assert loaded.isdisjoint({*HEAVY, "sklearn"}), sorted(loaded & {*HEAVY, "sklearn"})


def test_benchmark_help_loads_no_torch_lightning_statsmodels_or_optuna():
    loaded = _modules_after(["benchmark", "--help"])
    assert "sklearn" in loaded  # the M3 model table is read: the check is not vacuous
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def _lazy_contract(package) -> tuple[set[str], set[str], set[str]]:
    """(names in __all__, eager + lazy names, names imported under TYPE_CHECKING)."""
    tree = ast.parse(Path(package.__file__).read_text())
    checked = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    )
    typed = {alias.name for node in checked.body for alias in node.names}
    eager = {
        alias.asname or alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom)
        and node.module != "tsrnn._lazy"
        and node.module not in ("__future__", "typing")
        for alias in node.names
    }
    eager |= {"__version__"} & set(vars(package))
    return set(package.__all__), eager | set(package._LAZY), typed


@pytest.mark.parametrize("package", [tsrnn, tsrnn.tuning], ids=lambda p: p.__name__)
def test_all_lazy_names_and_type_checking_imports_agree(package):
    public, defined, typed = _lazy_contract(package)
    assert public == defined
    assert typed == set(package._LAZY)
    assert len(package.__all__) == len(public)  # no name listed twice


@pytest.mark.parametrize("package", [tsrnn, tsrnn.tuning], ids=lambda p: p.__name__)
def test_every_public_name_resolves_to_its_module_object(package):
    for name in package.__all__:
        value = getattr(package, name)
        if name in package._LAZY:
            assert value is getattr(importlib.import_module(package._LAZY[name]), name)
    assert set(package.__all__) <= set(dir(package))


def test_star_import_and_subpackages_after_a_bare_import():
    namespace: dict = {}
    exec("from tsrnn import *", namespace)
    assert set(tsrnn.__all__) <= set(namespace)
    assert tsrnn.metrics.smape([1.0], [1.0]) == 0.0
    assert "model_selection" in dir(tsrnn)
    with pytest.raises(AttributeError, match="has no attribute 'LSTMForcaster'"):
        tsrnn.LSTMForcaster  # noqa: B018


def test_lazy_classes_pickle_and_appear_in_help():
    est = pickle.loads(pickle.dumps(tsrnn.LSTMForecaster(horizon=3)))
    assert type(est) is tsrnn.LSTMForecaster and est.horizon == 3
    text = pydoc.render_doc(tsrnn, renderer=pydoc.plaintext)
    assert "class LSTMForecaster" in text and "temporal_train_test_split" in text
