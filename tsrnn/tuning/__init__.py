"""Optuna hyperparameter search with pruning, durable storage and several workers.

:class:`OptunaSearchCV` is a scikit-learn search estimator: every trial scores one
parameter set by temporal cross-validation, weak trials are pruned from intermediate
values (per epoch for neural forecasters, through :class:`PruningCallback`; per fold
otherwise), and the study lives in an Optuna storage (SQLite by default), so it
survives interruptions and can be shared by many processes. This is the only tsrnn
package that imports optuna, and it does so on first use of a name that needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tsrnn._lazy import lazy_attributes
from tsrnn.tuning._cli import add_tune_parser
from tsrnn.tuning._options import default_storage

if TYPE_CHECKING:  # the names of _LAZY, for type checkers and IDEs
    from tsrnn.tuning._plots import save_study_plots
    from tsrnn.tuning._pruning import PruningCallback, TrialReporter
    from tsrnn.tuning._search import OptunaSearchCV
    from tsrnn.tuning._spaces import SEARCH_SPACES, default_search_space
    from tsrnn.tuning._storage import database_storage

# Public name -> its module (optuna, Lightning), imported on first access.
_LAZY: dict[str, str] = {
    "OptunaSearchCV": "tsrnn.tuning._search",
    "PruningCallback": "tsrnn.tuning._pruning",
    "SEARCH_SPACES": "tsrnn.tuning._spaces",
    "TrialReporter": "tsrnn.tuning._pruning",
    "database_storage": "tsrnn.tuning._storage",
    "default_search_space": "tsrnn.tuning._spaces",
    "save_study_plots": "tsrnn.tuning._plots",
}

__all__ = [  # the eager names, then those of _LAZY (tests/test_imports.py checks they agree)
    "add_tune_parser",
    "default_storage",
    "OptunaSearchCV",
    "PruningCallback",
    "SEARCH_SPACES",
    "TrialReporter",
    "database_storage",
    "default_search_space",
    "save_study_plots",
]

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
