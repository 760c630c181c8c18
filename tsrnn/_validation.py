"""Declarative parameter checks with one message template.

A small copy of scikit-learn's private ``_parameter_constraints`` idea: each
estimator declares ``_parameter_constraints`` and calls :func:`validate_params`
at the start of ``fit``.
"""

from __future__ import annotations

import numbers
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tsrnn.exceptions import ParameterError

__all__ = ["Interval", "Options", "external_stacklevel", "validate_params"]


@dataclass(frozen=True)
class Interval:
    """Numbers of one kind between two bounds (``None`` = unbounded)."""

    kind: type
    low: float | None
    high: float | None
    closed: str = "both"

    def accepts(self, value: Any) -> bool:
        """Return whether ``value`` lies in the interval."""
        if isinstance(value, bool) or not isinstance(value, self.kind):
            return False
        left = self.closed in ("both", "left")
        right = self.closed in ("both", "right")
        if self.low is not None and (value < self.low or (not left and value == self.low)):
            return False
        return not (
            self.high is not None and (value > self.high or (not right and value == self.high))
        )

    def __str__(self) -> str:
        kind = "an int" if self.kind is numbers.Integral else "a float"
        lo = "-inf" if self.low is None else self.low
        hi = "inf" if self.high is None else self.high
        lb = "[" if self.closed in ("both", "left") else "("
        rb = "]" if self.closed in ("both", "right") else ")"
        return f"{kind} in {lb}{lo}, {hi}{rb}"


@dataclass(frozen=True)
class Options:
    """One of a fixed set of values."""

    values: frozenset

    def accepts(self, value: Any) -> bool:
        """Return whether ``value`` is one of the options."""
        try:
            return value in self.values
        except TypeError:
            return False

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(v) for v in sorted(self.values, key=str))


def _accepts(constraint: Any, value: Any) -> bool:
    if constraint is None:
        return value is None
    if isinstance(constraint, type):
        return isinstance(value, constraint) and not (
            isinstance(value, bool) and constraint is not bool
        )
    return constraint.accepts(value)


def _describe(constraint: Any) -> str:
    if constraint is None:
        return "None"
    if isinstance(constraint, type):
        return f"an instance of {constraint.__name__}"
    return str(constraint)


def validate_params(params: dict[str, Any], constraints: dict[str, list], caller: str) -> None:
    """Check every parameter against its list of accepted constraints.

    Parameters
    ----------
    params : dict
        Parameter names and values, usually ``estimator.get_params(deep=False)``.
    constraints : dict
        For each name, a list of accepted forms: ``None``, a type, an
        :class:`Interval` or an :class:`Options`.
    caller : str
        Class name used in the message.

    Raises
    ------
    ParameterError
        If a value matches none of its constraints.

    Examples
    --------
    >>> import numbers
    >>> rules = {"horizon": [Interval(numbers.Integral, 1, None)]}
    >>> validate_params({"horizon": 0}, rules, "X")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tsrnn.exceptions.ParameterError: The 'horizon' parameter of X must be an int in [1, inf]....
    """
    for name, accepted in constraints.items():
        value = params[name]
        if any(_accepts(c, value) for c in accepted):
            continue
        forms = [_describe(c) for c in accepted]
        rule = forms[0] if len(forms) == 1 else ", ".join(forms[:-1]) + " or " + forms[-1]
        raise ParameterError(
            f"The {name!r} parameter of {caller} must be {rule}. Got {value!r} instead."
        )


_PACKAGE_DIR = str(Path(__file__).resolve().parent) + "/"


def external_stacklevel() -> int:
    """The ``stacklevel`` of the first caller outside tsrnn, for ``warnings.warn``.

    Called from the function that warns; the warning then points at user code.
    """
    level, frame = 1, sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        level, frame = level + 1, frame.f_back
    return level
