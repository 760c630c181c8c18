"""Export fitted recurrent forecasters to ONNX and stream them with numpy and onnxruntime.

:func:`to_onnx` writes a model file (``.onnx``) and a state file (``.npz``);
:class:`OnnxStream` runs them. Importing :class:`OnnxStream` needs neither torch, Lightning
nor pandas (``tsrnn.export.runtime`` imports numpy and onnxruntime only), so the
runtime also works on a device where the rest of tsrnn is not installed. See
:doc:`/user_guide/export`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tsrnn._lazy import lazy_attributes

if TYPE_CHECKING:
    from tsrnn.export._onnx import state_path, to_onnx
    from tsrnn.export.runtime import OnnxStream

_LAZY = {
    "OnnxStream": "tsrnn.export.runtime",
    "state_path": "tsrnn.export._onnx",
    "to_onnx": "tsrnn.export._onnx",
}
__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
__all__ = ["OnnxStream", "state_path", "to_onnx"]
