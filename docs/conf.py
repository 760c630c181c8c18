"""Sphinx configuration of the tsrnn documentation.

Build (warnings are errors, every cross-reference must resolve)::

    python -m sphinx -W --keep-going -n -b html docs docs/_build/html

No network is needed: intersphinx is deliberately off, so references to numpy,
pandas, torch, Lightning and scikit-learn objects cannot be linked and are
listed in ``nitpick_ignore`` / ``nitpick_ignore_regex`` below.
"""

from __future__ import annotations

import os
import sys
from datetime import date

# Import the package from this checkout (relative path, works from any cwd).
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))

import tsrnn  # noqa: E402

# -- Project information -------------------------------------------------------------------
project = "tsrnn"
author = "The tsrnn developers"
copyright = f"{date.today().year}, {author}"
version = release = tsrnn.__version__

# -- General configuration -----------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
root_doc = "index"
default_role = "literal"   # `x` in a page renders as code instead of a guessed reference
pygments_style = "sphinx"

# -- autodoc / autosummary -----------------------------------------------------------------
autosummary_generate = True          # stubs go to api/generated/ (gitignored)
autosummary_imported_members = False
# members are listed per template (_templates/autosummary); a bool autodoc_default_options
# "members" would override the explicit member list of the estimator template.
autodoc_member_order = "bysource"
autodoc_typehints = "none"           # numpydoc "Parameters"/"Returns" carry the types
autodoc_inherit_docstrings = True

# -- numpydoc --------------------------------------------------------------------------------
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = True      # link tsrnn types named in "Parameters"/"Returns"
# Only the terms listed in numpydoc_xref_aliases become links; every other word of a type
# description ("ndarray of shape (n_obs, F)", "self", "optional") stays plain text, so new
# docstrings cannot break the nitpicky build with shape names or prose.
numpydoc_xref_ignore = "all"
# numpydoc's built-in aliases point at intersphinx targets (python:int, numpy:array_like, ...)
# that do not exist without intersphinx: map those words to themselves (plain text).
_PLAIN_TERMS = (
    "None", "bool", "boolean", "True", "False", "list", "tuple", "str", "string", "dict",
    "float", "int", "callable", "iterable", "sequence", "contextmanager", "namedtuple",
    "generator", "array", "ndarray", "np.ndarray", "array-like", "array_like", "scalar",
    "RandomState", "np.random.RandomState", "np.inf", "np.nan", "numpy",
)
_TSRNN_TYPES = {
    "Panel": "tsrnn.data.panel.Panel",
    "PanelScaler": "tsrnn.data.scaling.PanelScaler",
    "Batch": "tsrnn.data.batching.Batch",
    "WindowDataset": "tsrnn.data.batching.WindowDataset",
    "RecurrentNet": "tsrnn.nn.RecurrentNet",
    "ForecastingSystem": "tsrnn.training.ForecastingSystem",
}
numpydoc_xref_aliases = {
    **{term: term for term in _PLAIN_TERMS},
    **_TSRNN_TYPES,
    # fully qualified spellings used in the estimators' "Attributes" sections
    **{target: f":class:`~{target}`" for target in _TSRNN_TYPES.values()
       if target.count(".") > 2},
}

# -- nitpicky ----------------------------------------------------------------------------------
nitpicky = True
# Without intersphinx (no network at build time) third-party objects have no link target.
# Only they are ignored; every tsrnn reference must resolve. Prose in numpydoc type
# descriptions ("array-like", "optional", "default=...", shape names) never becomes a
# reference in the first place (numpydoc_xref_ignore = "all" above), so it needs no entry.
nitpick_ignore = [
    # the estimator template (_templates/autosummary/estimator.rst) names the sklearn bases
    ("py:class", "sklearn.base.BaseEstimator"),
    ("py:class", "sklearn.base.RegressorMixin"),
]
nitpick_ignore_regex = [
    # roles in docstrings or pages naming numpy / pandas / torch / Lightning / scikit-learn
    # objects, by full or conventional short module name: :class:`pd.DataFrame`,
    # :class:`np.ndarray`, :class:`torch.Tensor`, :class:`nn.Module`, :class:`L.Trainer`, ...
    ("py:.*", r"(numpy|np|pandas|pd|torch|nn|lightning|L|sklearn)\..+"),
]

# -- doctest ---------------------------------------------------------------------------------
# ``python -m sphinx -b doctest docs docs/_build/doctest`` runs the ``>>>`` examples of the API
# pages (pytest --doctest-modules runs the same examples from the modules). Here they run
# without their module's globals, so give them the names their modules define or import.
doctest_global_setup = """
import numpy as np
import pandas as pd
import torch
from torch import nn

from tsrnn import *
from tsrnn.data.batching import *
from tsrnn.data.panel import *
from tsrnn.data.scaling import *
from tsrnn.data.windowing import *
from tsrnn.datasets import *
from tsrnn.exceptions import *
from tsrnn.metrics import *
from tsrnn.model_selection import *
from tsrnn.nn import *
from tsrnn.training import *
"""

# -- HTML --------------------------------------------------------------------------------------
html_theme = "alabaster"
html_title = f"tsrnn {release}"
html_static_path: list[str] = []
html_theme_options = {
    "description": "Recurrent forecasters with a scikit-learn API",
    "fixed_sidebar": False,
    "show_relbars": True,
}
html_sidebars = {"**": ["about.html", "navigation.html", "relations.html", "searchbox.html"]}
