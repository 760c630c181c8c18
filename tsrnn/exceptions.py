"""Exceptions raised by tsrnn.

Every error is also a builtin type (``ValueError``, ``TypeError`` or ``OSError``), so
code that catches the builtin keeps working.
"""

from __future__ import annotations

__all__ = ["DataFileError", "DataValidationError", "DataWarning", "ParameterError", "TsrnnError"]


class TsrnnError(Exception):
    """Root of every exception tsrnn raises on purpose."""


class DataValidationError(TsrnnError, ValueError):
    """The input data break a rule: the message names the series or row and the fix."""


class ParameterError(TsrnnError, ValueError):
    """An estimator parameter has a value outside its allowed set."""


class DataWarning(UserWarning):
    """The input data are usable, but part of them was left out of some work.

    For example: series too short for one training window, which still get
    forecasts from the history they have. Silence it with
    ``warnings.simplefilter("ignore", DataWarning)``.
    """


class DataFileError(DataValidationError, OSError):
    """A data file cannot be read as a table: missing, unreadable, empty or not a text CSV.

    Also an ``OSError``, as ``open`` raises for a missing file.
    """
