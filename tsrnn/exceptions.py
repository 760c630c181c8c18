"""Exceptions raised by tsrnn.

Every error is also a builtin type (``ValueError``, ``TypeError`` or ``OSError``), so
code that catches the builtin keeps working.
"""

from __future__ import annotations

__all__ = ["DataFileError", "DataValidationError", "ParameterError", "TsrnnError"]


class TsrnnError(Exception):
    """Root of every exception tsrnn raises on purpose."""


class DataValidationError(TsrnnError, ValueError):
    """The input data break a rule: the message names the series or row and the fix."""


class ParameterError(TsrnnError, ValueError):
    """An estimator parameter has a value outside its allowed set."""


class DataFileError(DataValidationError, OSError):
    """A data file cannot be read as a table: missing, unreadable, empty or not a text CSV.

    Also an ``OSError``, as ``open`` raises for a missing file.
    """
