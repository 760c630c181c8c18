"""Distribution heads: finite losses and gradients on counts with zeros and outliers, samples."""

import numpy as np
import pytest
import torch

from tsrnn.datasets import load_seatbelts
from tsrnn.nn.deepar import DeepARNet
from tsrnn.nn.distributions import LIKELIHOODS, DistributionHead, distribution, mean_scale
from tsrnn.nn.recurrent import RecurrentNet


def _counts() -> torch.Tensor:
    """Seatbelts counts, a series of mostly zeros and one with huge outliers: (3, T)."""
    df = load_seatbelts()
    drivers = df.loc[df.unique_id == "drivers", "y"].to_numpy()[:96]
    rng = np.random.default_rng(0)
    zeros = np.where(rng.random(96) < 0.85, 0.0, rng.integers(1, 4, 96))
    outliers = rng.poisson(3.0, 96).astype(float)
    outliers[[10, 50]] = [1e5, 3e6]
    return torch.tensor(np.stack([drivers, zeros, outliers]), dtype=torch.float32)


@pytest.mark.parametrize("likelihood", sorted(LIKELIHOODS))
def test_losses_and_gradients_stay_finite_on_zeros_and_outliers(likelihood):
    torch.manual_seed(0)
    z = _counts()  # [3, T]
    net = RecurrentNet(input_size=1, hidden_size=8, horizon=4, likelihood=likelihood)
    windows = z.unfold(1, 28, 4)  # [3, n, 28]: 24 context steps, 4 targets
    x, y = windows[..., :24].reshape(-1, 24, 1), windows[..., 24:].reshape(-1, 4)
    if likelihood != "negative_binomial":  # a scaler would standardise these
        x, y = torch.log1p(x), torch.log1p(y)
    with torch.no_grad():  # extreme weights too
        for p in net.head.parameters():
            p.mul_(30.0)
    params = net(x, torch.full((len(x),), 24))
    loss = net.head.nll(params, y)
    loss.backward()
    assert torch.isfinite(loss)
    assert all(torch.isfinite(p.grad).all() for p in net.parameters() if p.grad is not None)
    assert (params[..., 1] > 0).all()


def test_deepar_window_loss_finite_on_counts():
    torch.manual_seed(0)
    z = _counts()
    net = DeepARNet(hidden_size=8, horizon=4, likelihood="negative_binomial")
    x, y = z[:, :20, None], z[:, 20:24]
    lengths = torch.tensor([20, 7, 20])  # a short, packed window too
    mask = torch.tensor([[1.0, 1, 1, 1], [1, 1, 0, 0], [1, 1, 1, 1]])
    params, target, keep = net.teacher_forced(x, lengths, y, mask)
    assert params.shape == (3, 24, 2) and target.shape == keep.shape == (3, 24)
    assert keep[:, 0].sum() == 0 and keep[1].sum() == 6 + 2  # context steps 1..6, 2 targets
    torch.testing.assert_close(target[1, 7:9], y[1, :2])
    each = net.head.nll(params, target, reduction="none")
    loss = (each * keep).sum() / keep.sum()
    loss.backward()
    assert torch.isfinite(loss)
    assert all(torch.isfinite(p.grad).all() for p in net.parameters())


def test_negative_binomial_is_mean_and_dispersion():
    d = distribution("negative_binomial", torch.tensor([[5.0, 0.2], [50.0, 0.01]]))
    torch.testing.assert_close(d.mean, torch.tensor([5.0, 50.0]))
    torch.testing.assert_close(d.variance, torch.tensor([5.0 + 0.2 * 25, 50.0 + 0.01 * 2500]))
    torch.manual_seed(0)
    draws = d.sample((20000,))
    assert (draws >= 0).all() and (draws == draws.round()).all()
    np.testing.assert_allclose(draws.mean(0).numpy(), [5.0, 50.0], rtol=0.03)


def test_rescale_is_the_distribution_of_the_scaled_target():
    head = DistributionHead(1, horizon=1, likelihood="normal")
    params = torch.tensor([[0.5, 2.0]])
    out = head.rescale(params, torch.tensor([10.0]))
    torch.testing.assert_close(out, torch.tensor([[5.0, 20.0]]))
    nb = DistributionHead(1, horizon=1, likelihood="negative_binomial")
    out = nb.rescale(torch.tensor([[2.0, 0.4]]), torch.tensor([4.0]))
    torch.testing.assert_close(out, torch.tensor([[8.0, 0.2]]))  # mean x nu, alpha / sqrt(nu)


def test_mean_scale_reads_real_steps_only():
    z = torch.tensor([[1.0, 3.0, 100.0], [0.0, 0.0, 0.0]])
    torch.testing.assert_close(mean_scale(z, torch.tensor([2, 3])), torch.tensor([2.0, 1.0]))


def test_normal_quantiles_are_analytic_and_increase():
    head = DistributionHead(1, horizon=1, likelihood="normal")
    q = head.quantiles(torch.tensor([[1.0, 2.0]]), [0.025, 0.5, 0.975])
    torch.testing.assert_close(q, torch.tensor([[1 - 1.959964 * 2, 1.0, 1 + 1.959964 * 2]]))
    assert DistributionHead(1, horizon=1, likelihood="student_t").quantiles(q, [0.5]) is None


def test_deepar_sample_paths_are_vectorised_and_seedable():
    net = DeepARNet(cell="gru", hidden_size=4, horizon=3, likelihood="student_t").eval()
    x = torch.randn(5, 6, 1)
    lengths = torch.tensor([6, 6, 3, 1, 6])
    torch.manual_seed(1)
    a = net.sample(x, lengths, None, n=7)
    torch.manual_seed(1)
    b = net.sample(x, lengths, None, n=7)
    assert a.shape == (5, 3, 7) and torch.equal(a, b) and torch.isfinite(a).all()


def test_bad_likelihood_raises():
    with pytest.raises(ValueError, match="likelihood must be one of"):
        DistributionHead(2, horizon=1, likelihood="poisson")
