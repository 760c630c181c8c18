"""The names ``tsrnn tune`` accepts, and the default storage: no heavy imports.

The command line builds its parser from these, so ``tsrnn --help`` loads neither optuna
nor torch. The objects behind the names are looked up only when a command runs.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["BASELINES", "NETWORKS", "PRUNERS", "SCORING_NAMES", "default_storage"]

#: ``--model`` name -> recurrent forecaster class in :mod:`tsrnn.estimators`.
NETWORKS: dict[str, str] = {
    "lstm": "LSTMForecaster",
    "gru": "GRUForecaster",
    "rnn": "RNNForecaster",
}
#: ``--model`` name -> baseline class in :mod:`tsrnn.baselines`.
BASELINES: dict[str, str] = {
    "ses": "SESForecaster",
    "holt": "HoltForecaster",
    "theta": "ThetaForecaster",
    "ets": "ETSForecaster",
    "arima": "ARIMAForecaster",
}
#: ``--pruner`` name -> pruner class in ``optuna.pruners``.
PRUNERS: dict[str, str] = {
    "median": "MedianPruner",
    "halving": "SuccessiveHalvingPruner",
    "hyperband": "HyperbandPruner",
    "none": "NopPruner",
}
#: ``scoring`` names that mean tsrnn's scorers, ``tsrnn.metrics.<name>_scorer``.
SCORING_NAMES: tuple[str, ...] = ("smape", "mae", "rmse", "mape")


def default_storage() -> str:
    """The SQLite URL :class:`OptunaSearchCV` uses when ``storage`` is None.

    The file is ``$TSRNN_HOME/optuna.db`` when the ``TSRNN_HOME`` environment variable is
    set, else ``tsrnn/optuna.db`` in the user's data folder: ``$XDG_DATA_HOME`` or
    ``~/.local/share`` on Linux and macOS, ``%LOCALAPPDATA%`` on Windows. It is never
    the current directory. The folder is created on first use.

    Returns
    -------
    str
        A ``sqlite:///`` URL.

    Examples
    --------
    >>> url = default_storage()
    >>> url.startswith("sqlite:///"), url.endswith("/optuna.db")
    (True, True)
    """
    home = os.environ.get("TSRNN_HOME")
    if home:
        folder = Path(home)
    elif os.name == "nt":
        folder = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / "tsrnn"
    else:
        base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
        folder = Path(base) / "tsrnn"
    return f"sqlite:///{(folder / 'optuna.db').as_posix()}"
