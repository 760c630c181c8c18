"""Target transformers that meet zeros: log and Box-Cox with a learned offset.

``TransformedTargetRegressor(func=np.log, inverse_func=np.exp)`` turns a zero target
into ``-inf`` and a negative one into NaN. :class:`LogTransformer` and
:class:`BoxCoxTransformer` learn in ``fit`` an offset that keeps every training value in
their domain (none when all values are positive, so positive data get ``np.log``
exactly), and give the exact inverse. Use them as
``TransformedTargetRegressor(regressor=forecaster, transformer=LogTransformer())``.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from scipy import special, stats
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from tsrnn._validation import Interval, Options, validate_params
from tsrnn.exceptions import DataValidationError, ParameterError

__all__ = ["BoxCoxTransformer", "LogTransformer"]

_REAL = Interval(numbers.Real, None, None)
_OFFSET = [Options(frozenset({"auto"})), _REAL]


class _TargetTransformer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """One target column in, one out; NaN passes through; shape is kept (1-D stays 1-D)."""

    _parameter_constraints: dict[str, list] = {"offset": _OFFSET}

    def _column(self, X: Any, *, reset: bool, inverse: bool = False) -> tuple[np.ndarray, bool]:
        """``X`` as a float (n, 1) array, and whether it came in 1-D (targets must be finite)."""
        one_d = np.ndim(X) == 1
        if one_d:
            X = np.asarray(X, dtype=np.float64).reshape(-1, 1)
        values = validate_data(
            self,
            X,
            reset=reset,
            dtype=np.float64,
            ensure_all_finite=False,
            ensure_min_samples=1 if reset else 0,
        )
        name = type(self).__name__
        if values.shape[1] != 1:
            raise DataValidationError(
                f"{name} transforms one target column; got an array of shape {values.shape}. "
                "Pass the target alone (1-D, or 2-D with one column)."
            )
        infinite = np.isinf(values)
        if infinite.any() and not inverse:
            raise DataValidationError(
                f"{name} got {int(infinite.sum())} infinite value(s), the first at row "
                f"{int(np.flatnonzero(infinite)[0])}; replace or drop them (NaN is passed "
                "through as a missing value)."
            )
        return values, one_d

    def _check_params(self) -> None:
        name = type(self).__name__
        validate_params(self.get_params(deep=False), self._parameter_constraints, name)
        for param, value in self.get_params(deep=False).items():
            if isinstance(value, numbers.Real) and not np.isfinite(value):
                raise ParameterError(
                    f"The {param!r} parameter of {name} must be finite. Got {value!r} instead."
                )

    def _learn_offset(self, values: np.ndarray) -> np.ndarray:
        """Set ``offset_`` and return the shifted non-NaN values."""
        name = type(self).__name__
        finite = values[~np.isnan(values)]
        if finite.size == 0:
            raise DataValidationError(
                f"{name}.fit got no values to learn from: all {len(values)} are NaN."
            )
        low = float(finite.min())
        if self.offset == "auto":
            self.offset_ = 0.0 if low > 0 else 1.0 - low
        else:
            self.offset_ = float(self.offset)
        shifted = finite + self.offset_
        self._check_domain(shifted, finite, "fit")
        return shifted

    def _check_domain(self, shifted: np.ndarray, raw: np.ndarray, stage: str) -> None:
        """Refuse values that the offset cannot bring above zero."""
        bad = shifted <= 0
        if not bad.any():
            return
        low = float(raw[bad].min())
        if stage == "fit":
            fix = f"pass a larger offset (e.g. offset={1.0 - low:g}) or offset='auto'"
        else:
            fix = (
                "refit on data that include such values (offset='auto' learns the shift from "
                f"the training target) or pass a larger offset, e.g. offset={1.0 - low:g}"
            )
        raise DataValidationError(
            f"{type(self).__name__}.{stage} got {int(bad.sum())} value(s) with y + offset_ <= 0 "
            f"(offset_ = {self.offset_:g}; the smallest value is {low:g}), where the transform "
            f"is undefined: {fix}."
        )

    def _shifted(self, X: Any) -> tuple[np.ndarray, bool]:
        """``X + offset_`` after checking that every non-NaN value is in the domain."""
        check_is_fitted(self)
        values, one_d = self._column(X, reset=False)
        shifted = values + self.offset_
        observed = ~np.isnan(values)
        self._check_domain(shifted[observed], values[observed], "transform")
        return shifted, one_d

    def _restore(self, values: np.ndarray, one_d: bool) -> np.ndarray:
        return values[:, 0] if one_d else values

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


class LogTransformer(_TargetTransformer):
    """Log of the target plus an offset: ``log(y + offset)``, learned to keep zeros finite.

    Parameters
    ----------
    offset : "auto" or float, default="auto"
        Added to the target before the log. ``"auto"`` learns it in ``fit``: 0 when every
        training value is positive (the transform is then ``np.log`` exactly), else
        ``1 - min(y)``, which maps the smallest value to 0 (data whose minimum is 0 get
        ``np.log1p``). A float is used as given.

    Attributes
    ----------
    offset_ : float
        The offset used.
    n_features_in_ : int
        Always 1.

    See Also
    --------
    BoxCoxTransformer : Box-Cox with a learned lambda.

    Notes
    -----
    NaN values pass through unchanged (missing targets, ``missing="mask"``). A value that
    the learned offset cannot take at transform time (``y + offset_ <= 0``) raises a
    :class:`~tsrnn.exceptions.DataValidationError`. ``inverse_transform`` is the exact
    inverse, ``exp(z) - offset_``.

    Examples
    --------
    >>> import numpy as np
    >>> from tsrnn.preprocessing import LogTransformer
    >>> log = LogTransformer().fit(np.array([0.0, 1.0, 3.0]))
    >>> log.offset_
    1.0
    >>> log.transform(np.array([0.0, np.e - 1.0, np.nan]))
    array([ 0.,  1., nan])
    >>> LogTransformer().fit(np.array([2.0, 5.0])).offset_  # positive data: plain np.log
    0.0
    """

    def __init__(self, *, offset: str | float = "auto") -> None:
        self.offset = offset

    def fit(self, X: Any, y: Any = None) -> LogTransformer:
        """Learn ``offset_`` from the target ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, 1)
            Target values; NaN are ignored.
        y : None
            Ignored.

        Returns
        -------
        self
        """
        self._check_params()
        values, _ = self._column(X, reset=True)
        self._learn_offset(values[:, 0])
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Return ``log(X + offset_)``, shaped like ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, 1)

        Returns
        -------
        ndarray
        """
        shifted, one_d = self._shifted(X)
        return self._restore(np.log(shifted), one_d)

    def inverse_transform(self, X: Any) -> np.ndarray:
        """Return ``exp(X) - offset_``, shaped like ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, 1)

        Returns
        -------
        ndarray
        """
        check_is_fitted(self)
        values, one_d = self._column(X, reset=False, inverse=True)
        return self._restore(np.exp(values) - self.offset_, one_d)


class BoxCoxTransformer(_TargetTransformer):
    """Box-Cox transform of the target plus an offset, lambda learned by maximum likelihood.

    Parameters
    ----------
    lmbda : float or None, default=None
        The Box-Cox exponent; None learns it in ``fit`` by maximum likelihood on
        ``y + offset_`` (as ``scipy.stats.boxcox`` does). 0 is the log.
    offset : "auto" or float, default="auto"
        Added to the target before the transform: ``"auto"`` is 0 when every training value
        is positive, else ``1 - min(y)``; a float is used as given.

    Attributes
    ----------
    lambda_ : float
        The exponent used.
    offset_ : float
        The offset used.
    n_features_in_ : int
        Always 1.

    See Also
    --------
    LogTransformer : The log with a learned offset (Box-Cox with lambda 0).

    Notes
    -----
    ``inverse_transform`` is safe: a forecast outside the domain of the inverse (for
    ``lambda_ > 0``, below ``-1 / lambda_``) is clipped to the domain's boundary instead of
    becoming NaN, so it maps to ``-offset_`` (the value whose shifted target is 0); for
    ``lambda_ < 0`` values at or above ``-1 / lambda_`` map to ``+inf``. Inside the domain
    it is the exact inverse up to rounding, which grows with ``|lambda_|``: when the
    likelihood picks an extreme exponent (a target that is nearly constant apart from a
    few values), the largest values transform to within rounding of ``-1 / lambda_`` and
    do not come back. ``TransformedTargetRegressor`` (``check_inverse=True``) warns then;
    pass ``lmbda=`` (0 is the log) for such data. NaN values pass through unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> from tsrnn.preprocessing import BoxCoxTransformer
    >>> y = np.array([0.0, 1.0, 4.0, 9.0, 16.0])
    >>> bc = BoxCoxTransformer().fit(y)
    >>> bc.offset_, round(bc.lambda_, 3)
    (1.0, 0.108)
    >>> bool(np.allclose(bc.inverse_transform(bc.transform(y)), y))
    True
    >>> BoxCoxTransformer(lmbda=0.5).fit(y).inverse_transform(np.array([-5.0]))  # clipped
    array([-1.])
    """

    _parameter_constraints: dict[str, list] = {"lmbda": [None, _REAL], "offset": _OFFSET}

    def __init__(self, *, lmbda: float | None = None, offset: str | float = "auto") -> None:
        self.lmbda = lmbda
        self.offset = offset

    def fit(self, X: Any, y: Any = None) -> BoxCoxTransformer:
        """Learn ``offset_`` and (unless ``lmbda`` is given) ``lambda_`` from the target ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, 1)
            Target values; NaN are ignored.
        y : None
            Ignored.

        Returns
        -------
        self
        """
        self._check_params()
        values, _ = self._column(X, reset=True)
        shifted = self._learn_offset(values[:, 0])
        if self.lmbda is not None:
            self.lambda_ = float(self.lmbda)
        elif np.ptp(shifted) == 0:
            raise DataValidationError(
                f"BoxCoxTransformer cannot learn lambda from a constant target (every value is "
                f"{shifted[0] - self.offset_:g}); pass lmbda= (e.g. 0 for the log)."
            )
        else:
            self.lambda_ = float(stats.boxcox(shifted)[1])
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Return the Box-Cox transform of ``X + offset_``, shaped like ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, 1)

        Returns
        -------
        ndarray
        """
        shifted, one_d = self._shifted(X)
        return self._restore(special.boxcox(shifted, self.lambda_), one_d)

    def inverse_transform(self, X: Any) -> np.ndarray:
        """Undo :meth:`transform`, clipping values outside the inverse's domain to its edge.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, 1)

        Returns
        -------
        ndarray
        """
        check_is_fitted(self)
        values, one_d = self._column(X, reset=False, inverse=True)
        lam = self.lambda_
        if lam == 0:
            shifted = np.exp(values)
        else:
            with np.errstate(divide="ignore", over="ignore"):
                shifted = np.exp(np.log1p(np.maximum(lam * values, -1.0)) / lam)
        return self._restore(shifted - self.offset_, one_d)
