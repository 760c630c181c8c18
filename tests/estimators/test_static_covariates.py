"""static_covariates: checks, shapes, unseen levels, persistence, and that they help."""

import pickle

import numpy as np
import pandas as pd
import pytest
from conftest import TINY, make_panel
from sklearn.base import clone

from tsrnn import (
    DataValidationError,
    GRUForecaster,
    ParameterError,
    Seq2SeqForecaster,
    StreamingRNNForecaster,
)
from tsrnn.nn.static import StaticInputNet


def with_statics(df=None):
    df = make_panel() if df is None else df
    number = df["unique_id"].str[1:].astype(int)
    return df.assign(region=np.where(number % 2, "north", "south"), size=number * 10.0)


STATIC = ["region", "size"]
FAMILIES = [
    lambda **kw: GRUForecaster(horizon=3, context_length=6, **TINY, **kw),
    lambda **kw: Seq2SeqForecaster(horizon=3, context_length=6, **TINY, **kw),
    lambda **kw: StreamingRNNForecaster(horizon=3, tbptt_steps=8, **TINY, **kw),
]


@pytest.mark.parametrize("make", FAMILIES)
def test_static_columns_leave_the_covariates_and_feed_every_path(make):
    est = make(static_covariates=STATIC).fit(with_statics())
    assert est.covariates_ == ["past", "promo"]
    assert est.static_.shape == (3, 2)
    np.testing.assert_allclose(est.static_[:, 0].mean(), 0, atol=1e-6)  # size, standardised
    np.testing.assert_allclose(est.static_[:, 0].std(), 1, atol=1e-6)
    assert est.static_[:, 1].tolist() == [2.0, 1.0, 2.0]  # south, north, south: levels + 1
    assert isinstance(est.network_, StaticInputNet)
    assert est.network_.embeddings[0].weight.shape == (3, 2)  # unknown + 2 levels, width 2
    out = est.forecast()
    assert out.shape == (9, 3) and np.isfinite(out["yhat"]).all()


def test_the_static_values_change_the_forecasts():
    est = GRUForecaster(horizon=3, context_length=6, **TINY, static_covariates=STATIC)
    est.fit(with_statics())
    before = est.forecast()["yhat"].to_numpy()
    est.static_ = est.static_[::-1].copy()  # swap the series' features
    assert not np.allclose(est.forecast()["yhat"].to_numpy(), before)


def test_a_static_column_that_varies_within_a_series_names_it():
    df = with_statics()
    df.loc[5, "region"] = "east"
    match = r"'region' varies within series 's0'.*'south'.*'east'"
    with pytest.raises(DataValidationError, match=match):
        GRUForecaster(static_covariates=STATIC, **TINY).fit(df)


@pytest.mark.parametrize(
    ("change", "params", "match"),
    [
        (lambda d: d.assign(size=d["size"].where(d.index != 7)), {}, "'size' is missing .* row 7"),
        (lambda d: d, {"static_covariates": ["colour"]}, r"\['colour'\] that X does not have"),
        (lambda d: d, {"future_covariates": ["size"]}, "both static_covariates and future"),
        (lambda d: d.assign(size=pd.Timestamp("2000")), {}, "'size' has dtype datetime64"),
    ],
)
def test_bad_static_covariates_get_clear_errors(change, params, match):
    est = GRUForecaster(**TINY, **{"static_covariates": STATIC, **params})
    with pytest.raises(DataValidationError, match=match):
        est.fit(change(with_statics()))


def test_static_covariates_refuse_the_time_aware_path_and_bad_names():
    with pytest.raises(ParameterError, match="missing='mask'"):
        GRUForecaster(static_covariates=STATIC, missing="mask", **TINY).fit(with_statics())
    with pytest.raises(ParameterError, match="list of column names"):
        GRUForecaster(static_covariates="region", **TINY).fit(with_statics())


@pytest.mark.parametrize("make", FAMILIES)
def test_a_new_series_with_an_unseen_level_gets_the_unknown_index(make):
    est = make(static_covariates=STATIC).fit(with_statics())
    new = make_panel(lengths=(14,), seed=1).assign(unique_id="fresh", region="west", size=5.0)
    est.update(new)
    assert est.static_.shape == (4, 2) and est.static_[-1, 1] == 0.0
    np.testing.assert_array_equal(est.network_.embeddings[0].weight[0].detach(), 0.0)
    out = est.forecast()
    assert out.shape == (12, 3) and np.isfinite(out["yhat"]).all()
    nxt = est.future_frame(1).assign(y=11.0, past=0.0, promo=1.0)  # known series: no statics
    assert est.update(nxt).forecast().shape == (12, 3)


def test_update_checks_the_static_columns():
    est = GRUForecaster(horizon=3, context_length=6, **TINY, static_covariates=STATIC)
    est.fit(with_statics())
    new = make_panel(lengths=(14,), seed=1).assign(unique_id="fresh")
    with pytest.raises(DataValidationError, match="adds series 'fresh'.*region"):
        est.update(new)
    with pytest.raises(DataValidationError, match="all or none"):
        est.update(new.assign(region="west"))
    nxt = est.future_frame(1).assign(y=11.0, past=0.0, promo=1.0)
    with pytest.raises(DataValidationError, match="series 's0' static covariates that differ"):
        est.update(with_statics(nxt).assign(region="north"))
    est.update(with_statics(nxt))  # the fitted values: accepted
    assert est.calendar_.n_series == 3


@pytest.mark.parametrize("make", FAMILIES[::2])
def test_static_state_survives_the_safe_format_and_pickle(make, tmp_path):
    from tsrnn.persistence import load_forecaster, save_forecaster

    est = make(static_covariates=STATIC).fit(with_statics())
    new = make_panel(lengths=(14,), seed=1).assign(unique_id="fresh", region="west", size=5.0)
    expected = est.forecast()
    for twin in (load_forecaster(save_forecaster(est, tmp_path / "m")),
                 pickle.loads(pickle.dumps(est))):  # fmt: skip
        pd.testing.assert_frame_equal(twin.forecast(), expected)
        assert twin.static_encoder_ == est.static_encoder_
        assert twin.get_params() == est.get_params()
        # the twin forecasts the new series alone (its cache holds the others), the clone
        # all four in one batch: equal up to the batch size's float32 rounding
        np.testing.assert_allclose(
            twin.update(new).forecast()["yhat"], clone_update(est, new)["yhat"], rtol=1e-7
        )


def clone_update(est, new):
    return pickle.loads(pickle.dumps(est)).update(new).forecast()


def test_clone_and_get_params_keep_the_parameter():
    est = GRUForecaster(static_covariates=["region"], horizon=2)
    assert est.get_params()["static_covariates"] == ["region"]
    twin = clone(est).set_params(static_covariates=None)
    assert twin.static_covariates is None and est.static_covariates == ["region"]


def test_a_refit_without_static_covariates_drops_the_static_state():
    est = GRUForecaster(horizon=3, context_length=6, **TINY, static_covariates=STATIC)
    est.fit(with_statics()).set_params(static_covariates=None).fit(make_panel())
    assert not hasattr(est, "static_") and not isinstance(est.network_, StaticInputNet)


def test_export_refuses_static_covariates(tmp_path):
    from tsrnn.export import to_onnx

    est = GRUForecaster(horizon=3, context_length=6, **TINY, static_covariates=STATIC)
    with pytest.raises(ParameterError, match="static_covariates"):
        to_onnx(est.fit(with_statics()), tmp_path / "m.onnx")


def trending_panel():
    """Series that rise or fall by group: from one normalised step, only the group tells."""
    rng = np.random.default_rng(0)
    frames = []
    for i in range(8):
        slope = 1.0 if i % 2 else -1.0
        y = 50 + slope * np.arange(40) + rng.normal(0, 0.3, 40)
        frames.append(pd.DataFrame({"unique_id": f"s{i}", "ds": np.arange(40), "y": y,
                                    "direction": "up" if i % 2 else "down"}))  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def test_the_static_category_beats_the_same_model_without_it_on_a_holdout():
    df = trending_panel()
    back = df.groupby("unique_id").cumcount(ascending=False)
    train, test = df[back >= 3], df[back < 3]
    errors = {}
    for static in (None, ["direction"]):
        est = GRUForecaster(horizon=3, context_length=1, hidden_size=8, max_epochs=3,
                            batch_size=16, learning_rate=1e-2, random_state=0,
                            static_covariates=static)  # fmt: skip
        fitted = est.fit(train if static else train.drop(columns="direction"))
        errors[bool(static)] = np.abs(fitted.predict(test) - test["y"].to_numpy()).mean()
    assert errors[True] < 0.5 * errors[False], errors


def test_the_streaming_fast_path_reads_the_static_columns_as_the_general_one():
    est = StreamingRNNForecaster(horizon=3, tbptt_steps=8, **TINY, static_covariates=STATIC)
    est.fit(with_statics())
    twin = pickle.loads(pickle.dumps(est))
    nxt = est.future_frame(1).assign(y=11.0, past=0.0, promo=1.0)
    fast = est.update(nxt).forecast()["yhat"]  # the session's step
    general = twin.update(with_statics(nxt)).forecast()["yhat"]  # static columns: general path
    np.testing.assert_allclose(fast, general, rtol=1e-5)
