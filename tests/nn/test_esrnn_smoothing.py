"""ES-RNN's smoothing tables: the recursion, the windows, the penalty."""

import numpy as np
import torch

from tsrnn.estimators import _esrnn as state_ops
from tsrnn.nn.esrnn import SeriesSmoothing, es_windows, level_variability


def _series(n=2, steps=14, m=4, seed=0):
    rng = np.random.default_rng(seed)
    pattern = np.array([0.8, 1.2, 1.1, 0.9])[:m] if m > 1 else np.ones(1)
    t = np.arange(steps)
    return (10 + t) * pattern[t % m] * rng.uniform(0.9, 1.1, (n, steps))


def test_torch_recursion_matches_the_numpy_state_it_leaves():
    y = _series()
    es = SeriesSmoothing(2, 4, alpha=0.3, gamma=0.2, initial_season=np.full((2, 4), 1.0))
    with torch.no_grad():
        es.initial_season.weight.normal_(0, 0.1)
        log_level, log_season = es(torch.as_tensor(y), torch.tensor([0, 1]))
        alpha, gamma, start = (t.double().numpy() for t in es.coefficients(torch.tensor([0, 1])))
    state = state_ops.advance(state_ops.fresh_state(2, 4, 5, start), y, alpha, gamma)
    np.testing.assert_allclose(state["level"], np.exp(log_level[:, -1].numpy()), rtol=1e-6)
    np.testing.assert_allclose(state["season"], np.exp(log_season[:, -4:].numpy()), rtol=1e-6)
    z = np.log(y) - log_season[:, :14].numpy()
    np.testing.assert_allclose(state["window"], z[:, -5:], rtol=1e-6)


def test_no_seasonality_is_simple_exponential_smoothing():
    y = np.array([[1.0, 2.0, 4.0]])
    es = SeriesSmoothing(1, 1, alpha=0.5)
    log_level, log_season = es(torch.as_tensor(y), torch.tensor([0]))
    assert np.allclose(np.exp(log_level.detach().numpy()), [[1.0, 1.5, 2.75]])
    assert log_season.abs().sum() == 0


def test_windows_are_level_normalised_and_mask_targets_past_the_end():
    y = torch.as_tensor(_series(n=1, steps=6, m=1))
    log_y = torch.log(y)
    log_level = torch.zeros_like(log_y) + 0.5
    x, counts, target, mask = es_windows(
        log_y,
        log_level,
        torch.zeros(1, 7, dtype=y.dtype),
        torch.tensor([6]),
        context_length=3,
        horizon=2,
    )
    assert counts.tolist() == [3, 3, 3]  # ends t = 2, 3, 4
    np.testing.assert_allclose(x[0, :, 0], log_y[0, :3] - 0.5)
    np.testing.assert_allclose(target[0], log_y[0, 3:5] - 0.5)
    assert mask.tolist() == [[1, 1], [1, 1], [1, 0]]


def test_short_series_get_shorter_windows_right_padded():
    log_y = torch.zeros(1, 3)
    x, counts, _, mask = es_windows(
        log_y, log_y, torch.zeros(1, 4), torch.tensor([3]), context_length=5, horizon=4
    )
    assert counts.tolist() == [1, 2] and x.shape == (2, 5, 1)
    assert mask.sum(1).tolist() == [2, 1]


def test_level_variability_penalises_curvature_and_gives_gradients():
    straight = torch.tensor([[0.0, 1.0, 2.0, 3.0]], requires_grad=True)
    assert level_variability(straight, torch.tensor([4])).item() == 0
    bent = torch.tensor([[0.0, 1.0, 3.0, 3.0]], requires_grad=True)
    level_variability(bent, torch.tensor([4])).backward()
    assert bent.grad.abs().sum() > 0


def test_smoothing_coefficients_get_gradients():
    es = SeriesSmoothing(2, 4)
    log_level, log_season = es(
        torch.as_tensor(_series(), dtype=torch.float32), torch.tensor([0, 1])
    )
    (log_level.sum() + log_season.sum()).backward()
    for p in es.parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0
