"""OnnxStream without torch: a blocked-import subprocess, the copied module alone, errors."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from conftest import TINY, make_panel

from tsrnn import StreamingRNNForecaster
from tsrnn.export import OnnxStream, to_onnx

pytest.importorskip("onnxruntime")

ROOT = Path(__file__).resolve().parents[2]
BLOCKED = ("torch", "lightning", "pandas", "statsmodels", "sklearn", "scipy", "optuna", "onnx")
# A meta-path finder that refuses the heavy packages (onnxruntime itself stays allowed).
GUARD = textwrap.dedent(
    f"""
    import sys
    BLOCKED = {BLOCKED!r}

    class Block:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"blocked import of {{name}}")
            return None

    sys.meta_path.insert(0, Block())
    """
)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("edge")
    df = make_panel(lengths=(30, 25, 20))
    est = StreamingRNNForecaster(horizon=3, tbptt_steps=8, future_covariates=["promo"],
                                 **TINY).fit(df)  # fmt: skip
    path = to_onnx(est, folder / "model.onnx")
    reference = OnnxStream(path).push(1, 20.0, [0.5, 1.0], np.ones((3, 1)))
    return path, reference


def _run(code: str, cwd: Path) -> str:
    proc = subprocess.run([sys.executable, "-c", GUARD + textwrap.dedent(code)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_the_package_runtime_imports_no_torch_pandas_or_lightning(exported):
    path, reference = exported
    out = _run(
        f"""
        from tsrnn.export import OnnxStream
        s = OnnxStream({str(path)!r})
        print(list(s.push(1, 20.0, [0.5, 1.0], [[1.0], [1.0], [1.0]])))
        print(sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED))
        """,
        ROOT,
    )
    forecast, imported = out.strip().splitlines()
    np.testing.assert_array_equal(np.array(eval(forecast), dtype=np.float32), reference)  # noqa: S307
    assert imported == "[]"


def test_the_copied_runtime_module_runs_on_its_own(exported, tmp_path):
    path, reference = exported
    for file in (path, path.with_suffix(".npz"), ROOT / "tsrnn" / "export" / "runtime.py"):
        shutil.copy(file, tmp_path)
    out = _run(
        """
        import numpy as np
        from runtime import OnnxStream
        s = OnnxStream("model.onnx")
        print(list(s.push(s.index("s1"), 20.0, [0.5, 1.0], np.ones((3, 1)))))
        """,
        tmp_path,
    )
    np.testing.assert_array_equal(np.array(eval(out), dtype=np.float32), reference)  # noqa: S307


def test_the_guard_really_blocks(tmp_path):
    proc = subprocess.run([sys.executable, "-c", GUARD + "import pandas"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert proc.returncode != 0 and "blocked import of pandas" in proc.stderr


def test_bad_pushes_say_what_is_wrong(exported):
    path, _ = exported
    s = OnnxStream(path)
    future = np.ones((3, 1))
    with pytest.raises(IndexError, match="out of range: the model has 3 series"):
        s.push(3, 1.0, [0.0, 0.0], future)
    with pytest.raises(KeyError, match="Unknown series 'zz'"):
        s.index("zz")
    with pytest.raises(ValueError, match="needs covariates \\['past', 'promo'\\]"):
        s.push(0, 1.0, future=future)
    with pytest.raises(ValueError, match="covariates must have shape \\(1, 2\\)"):
        s.push(0, 1.0, [0.0], future)
    with pytest.raises(ValueError, match="future must have shape \\(1, 3, 1\\)"):
        s.push(0, 1.0, [0.0, 0.0], np.ones(3))
    with pytest.raises(ValueError, match="series 's0' \\(index 0\\) is nan"):
        s.push(0, np.nan, [0.0, 0.0], future)
    with pytest.raises(ValueError, match="more than once"):
        s.push_many([0, 0], [1.0, 2.0], np.zeros((2, 2)), np.ones((2, 3, 1)))
    before = s.forecast()
    assert np.isnan(before).all()  # a model with known-future covariates forecasts on push
    with pytest.raises(ValueError, match="finite"):
        s.push(0, 1.0, [np.inf, 0.0], future)
    np.testing.assert_array_equal(s.forecast(), before)  # refused pushes change nothing


def test_files_not_from_to_onnx_are_refused(tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
    )  # fmt: skip
    onnx.save_model(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
                    tmp_path / "other.onnx")  # fmt: skip
    with pytest.raises(ValueError, match="not written by tsrnn.export.to_onnx"):
        OnnxStream(tmp_path / "other.onnx")
