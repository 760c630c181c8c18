"""Optuna hyperparameter search with pruning, durable storage and several workers.

:class:`OptunaSearchCV` is a scikit-learn search estimator: every trial scores one
parameter set by temporal cross-validation, weak trials are pruned from intermediate
values (per epoch for neural forecasters, through :class:`PruningCallback`; per fold
otherwise), and the study lives in an Optuna storage (SQLite by default), so it
survives interruptions and can be shared by many processes. This is the only tsrnn
package that imports optuna.
"""

from tsrnn.tuning._cli import add_tune_parser
from tsrnn.tuning._plots import save_study_plots
from tsrnn.tuning._pruning import PruningCallback, TrialReporter
from tsrnn.tuning._search import OptunaSearchCV
from tsrnn.tuning._spaces import SEARCH_SPACES, default_search_space
from tsrnn.tuning._storage import default_storage

__all__ = [
    "SEARCH_SPACES",
    "OptunaSearchCV",
    "PruningCallback",
    "TrialReporter",
    "add_tune_parser",
    "default_search_space",
    "default_storage",
    "save_study_plots",
]
