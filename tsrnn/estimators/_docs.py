"""Docstring lines that every neural forecaster documents alike, written once.

A neural forecaster's docstring names each block by its marker line (for example
``    <neural fit parameters>``); ``BaseForecaster.__init_subclass__`` puts the text in.
"""

from __future__ import annotations

__all__ = ["NEURAL_DOCS"]

NEURAL_DOCS = {
    "    <neural fit parameters>\n": """\
    max_epochs : int, default=20
        Passes over the training windows.
    gradient_clip_val : float or None, default=1.0
        Clip the gradient norm to this value; None disables clipping.
    loss : {"mse", "mae", "huber", "quantile"}, default="mse"
        Training loss on scaled targets. ``"quantile"``: a quantile head (one output per
        quantile and step, non-crossing by construction) trained with the pinball loss;
        ``predict`` gives its median and ``predict_interval``/``predict_quantiles`` its
        quantiles (see :doc:`/user_guide/uncertainty`).
    quantiles : list of float or None, default=None
        Levels of the quantile head (``loss="quantile"`` only); None: 0.025, 0.1, 0.5, 0.9
        and 0.975 (the 80% and 95% intervals). The median is always added.
    scaler : {"standard", "robust", "diff", "none"}, default="standard"
        Per-series target scaling, fitted on training rows only (mean/std, median/IQR, or
        mean/mean absolute one-step change). Covariates are standardised per column.
""",
    "    <likelihood parameter>\n": """\
    likelihood : {"normal", "student_t", "negative_binomial"} or None, default=None
        A distribution head instead of a point head: per horizon step the parameters of a
        normal, a Student-t (``df > 2``) or a negative binomial (counts: mean and dispersion),
        trained by negative log-likelihood in the scaled space (``loss`` stays at its
        default). ``predict`` gives the mean, ``sample`` draws, and ``predict_quantiles``,
        ``predict_interval`` and ``forecast(level=...)`` come from analytic quantiles for the
        normal and from 500 seeded samples otherwise. Counts are not scaled per series nor
        normalised per window: each window's target inputs are divided by 1 + their mean and
        the forecast mean multiplied back (DeepAR's scaling); not on the stateful path. See
        :doc:`/user_guide/uncertainty`.
""",
    "    <neural validation parameters>\n": """\
    validation_size : int, default=0
        Hold out each series' last ``validation_size`` steps as validation windows (0: none).
        The best epoch's weights are kept.
    early_stopping_patience : int or None, default=None
        Stop after this many epochs without a better validation loss; needs ``validation_size >=
        horizon``.
    future_covariates : list of str or None, default=None
        Covariate columns of ``X`` whose values are known in advance; they must be given at
        prediction rows. Other covariates are past-only.
""",
    "    <neural static parameters>\n": """\
    static_covariates : list of str or None, default=None
        Columns of ``X`` that hold one value per series (a category, a region, a size), fed
        to the network at every step. Numeric columns are standardised across series;
        object, string and category columns are categorical, each a learned embedding of
        width ``min(8, ceil(sqrt(n_levels)))`` (cast an integer code to ``"category"`` to
        embed it). A level first seen in :meth:`update` gets the zero "unknown" embedding.
        See :doc:`/user_guide/static_covariates`.
""",
    "    <neural column parameters>\n": """\
    id_col : str, default="unique_id"
        Series id column of ``X``.
    time_col : str, default="ds"
        Time column of ``X``.
    target_col : str, default="y"
        Target column, when the target is given inside ``X``.
    random_state : int, RandomState or None, default=None
        Seeds weight initialisation, shuffling and dropout; an int makes a CPU fit bit-for-bit
        reproducible. The global torch RNG is left untouched.
    verbose : bool, default=False
        Show Lightning's progress bar during fit.
    trainer_kwargs : dict or None, default=None
        Extra ``lightning.Trainer`` arguments, e.g. ``{"accelerator": "gpu"}``; they override
        tsrnn's quiet defaults.
""",
    "    <neural attributes>\n": """\
    network_ : torch.nn.Module
        The trained network (on CPU, in eval mode).
    scaler_ : PanelScaler
        Per-series target and per-column covariate scaling.
    calendar_ : Calendar
        Each series' frequency and last observed time.
    covariates_ : list of str
        Covariate columns seen in ``fit``.
    future_covariates_ : list of str
        The known-future ones among them.
    history_ : dict of lists
        ``epoch``, ``train_loss`` and ``val_loss`` per epoch.
    static_ : ndarray of shape (n_series, n_static_covariates)
        With ``static_covariates``: each series' standardised numbers and category codes
        (0: a level not seen in fit), as the network reads them; ``static_encoder_`` holds
        the levels and the scaling.
""",
}
