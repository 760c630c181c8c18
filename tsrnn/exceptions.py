"""Exceptions raised by tsrnn.

Every error is also a builtin type (``ValueError`` or ``TypeError``), so code that
catches the builtin keeps working.
"""

from __future__ import annotations

__all__ = ["DataValidationError", "ParameterError", "TsrnnError"]


class TsrnnError(Exception):
    """Root of every exception tsrnn raises on purpose."""


class DataValidationError(TsrnnError, ValueError):
    """The input data break a rule: the message names the series or row and the fix."""


class ParameterError(TsrnnError, ValueError):
    """An estimator parameter has a value outside its allowed set."""
