"""Baselines on a cluster: per-series fits dispatched through joblib to Dask (and Ray).

``n_jobs=None`` (the default) follows the active joblib backend, so inside
``joblib.parallel_config(backend="dask")`` the statsmodels fits run on the workers of a
``dask.distributed`` client. The results are those of ``n_jobs=1``, series by series.
"""

from __future__ import annotations

import joblib
import numpy as np
import pytest

from tsrnn.baselines import ThetaForecaster
from tsrnn.datasets import load_dataset


@pytest.fixture(scope="module")
def df():
    return load_dataset("monthly_short")


def _same(a, b):
    np.testing.assert_array_equal(a.forecasts_, b.forecasts_)
    assert a.models_ == b.models_
    np.testing.assert_array_equal(a.fallback_, b.fallback_)
    np.testing.assert_array_equal(a.convergence_warnings_, b.convergence_warnings_)


@pytest.mark.dask
@pytest.mark.slow  # two worker processes start and import statsmodels
def test_dask_cluster_fits_every_series_as_n_jobs_1_does(df):
    distributed = pytest.importorskip(
        "distributed", reason="dask.distributed not installed: pip install 'tsrnn[distributed]'"
    )
    serial = ThetaForecaster(horizon=6, n_jobs=1).fit(df)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        with distributed.get_task_stream(client) as stream, \
                joblib.parallel_config(backend="dask"):
            spread = ThetaForecaster(horizon=6).fit(df)
        workers = {task["worker"] for task in stream.data}
    _same(serial, spread)
    np.testing.assert_array_equal(serial.forecast()["yhat"], spread.forecast()["yhat"])
    assert len(workers) == 2  # both workers fitted series


@pytest.mark.ray
@pytest.mark.slow
def test_ray_joblib_backend_fits_every_series_as_n_jobs_1_does(df):
    ray = pytest.importorskip("ray", reason="ray not installed: pip install 'ray[default]'")
    from ray.util.joblib import register_ray

    register_ray()
    serial = ThetaForecaster(horizon=6, n_jobs=1).fit(df)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        with joblib.parallel_config(backend="ray"):
            spread = ThetaForecaster(horizon=6).fit(df)
    finally:
        ray.shutdown()
    _same(serial, spread)
