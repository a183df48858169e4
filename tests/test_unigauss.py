"""UnigaussPoE: kernels against formulas and finite differences, the sampler
against the product of Gaussians, and the grid-clusters result of Hinton 1999."""

import numpy as np
import pytest
from scipy.special import expit
from scipy.stats import multivariate_normal

from skpoe import UnigaussPoE
from skpoe.datasets import make_edge_images, make_grid_clusters


def _random_model(seed=0, n_components=5, n_features=3, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(50, n_features)).astype(dtype)
    model = UnigaussPoE(n_components, n_iter=1, random_state=seed).fit(X)
    # Perturb the parameters so that nothing is at its initial value.
    model._mu += rng.normal(0, 0.5, model._mu.shape).astype(dtype)
    model._rho += rng.normal(0, 0.5, model._rho.shape).astype(dtype)
    model._logit += rng.normal(0, 1, model._logit.shape).astype(dtype)
    model._publish()
    return model, X


def _log_f(model, Z):
    """Per-expert log f_m in standardized coordinates, plain NumPy."""
    lam = np.exp(model._rho)
    log_n = 0.5 * np.sum(model._rho, 1) - 0.5 * Z.shape[1] * np.log(2 * np.pi) - 0.5 * (
        ((Z[:, None, :] - model._mu[None]) ** 2) * lam[None]
    ).sum(-1)
    pi = expit(model._logit)
    log_f = np.logaddexp(np.log(pi) + log_n, np.log1p(-pi) + model._log_uniform)
    log_f[:, 0] = log_n[:, 0]
    return log_f, log_n


def test_posterior_and_goodness_against_formula():
    model, X = _random_model()
    Z = (X - model._center) / model._scale
    post = model._posterior(Z)
    R, goodness = post["R"], post["goodness"]
    log_f, log_n = _log_f(model, Z)
    np.testing.assert_allclose(goodness, log_f.sum(1), rtol=1e-10)
    expected_R = np.exp(np.log(expit(model._logit)) + log_n - log_f)
    expected_R[:, 0] = 1
    np.testing.assert_allclose(R, expected_R, rtol=1e-10, atol=1e-12)


def test_score_samples_in_data_units():
    """Goodness of x: the mixtures with the published means, variances, box."""
    model, X = _random_model(1)
    volume = np.prod(model.uniform_high_ - model.uniform_low_)
    expected = np.zeros(len(X))
    for m in range(model.n_components):
        normal = multivariate_normal(model.means_[m], np.diag(model.variances_[m])).pdf(X)
        pi = model.mixing_[m]
        expected += np.log(pi * normal + (1 - pi) / volume)
    np.testing.assert_allclose(model.score_samples(X), expected, rtol=1e-9)
    assert model.mixing_[0] == 1


def test_gradients_against_finite_differences():
    model, X = _random_model(2)
    Z = (X - model._center) / model._scale
    grads = model._gradients(Z, model._posterior(Z))
    eps = 1e-6
    for name, index in [("_mu", (1, 2)), ("_mu", (0, 0)), ("_rho", (3, 1)),
                        ("_rho", (0, 2)), ("_logit", (2,)), ("_logit", (4,))]:
        param = getattr(model, name)
        old = param[index]
        param[index] = old + eps
        up = _log_f(model, Z)[0].sum()
        param[index] = old - eps
        down = _log_f(model, Z)[0].sum()
        param[index] = old
        assert grads[name][index] == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-6)


def test_reconstruction_samples_the_product_of_chosen_gaussians():
    model, _ = _random_model(3, n_components=4, n_features=2)
    precision = np.exp(model._rho)
    weighted = precision * model._mu
    chosen = np.array([1.0, 0.0, 1.0, 1.0])  # deterministic choice per expert
    R = np.tile(chosen, (40000, 1))
    draws = model._reconstruct({"R": R, "precision": precision}, np.random.default_rng(0))
    P = chosen @ precision
    mean = (chosen @ weighted) / P
    np.testing.assert_allclose(draws.mean(0), mean, atol=4 * np.sqrt(1 / P / 40000).max())
    cov = np.cov(draws.T)
    np.testing.assert_allclose(np.diag(cov), 1 / P, rtol=0.05)
    assert abs(cov[0, 1]) < 0.05 * np.sqrt(cov[0, 0] * cov[1, 1])  # axis-aligned


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved(dtype):
    X = np.random.default_rng(0).normal(size=(60, 3)).astype(dtype)
    model = UnigaussPoE(4, n_iter=3, random_state=0).fit(X)
    assert model.transform(X).dtype == dtype
    assert model.score_samples(X).dtype == dtype
    assert model.means_.dtype == dtype


def test_constant_and_tiny_range_features_are_finite():
    rng = np.random.default_rng(0)
    X = np.c_[rng.normal(size=200), np.full(200, 3.0), 1e-9 * rng.normal(size=200)]
    model = UnigaussPoE(5, n_iter=20, random_state=0).fit(X)
    for value in (model.score_samples(X), model.transform(X), model.sample(10, random_state=0),
                  model.means_, model.variances_, model.reconstruction_error_):
        assert np.all(np.isfinite(value))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_inf_rejected(bad):
    X = np.random.default_rng(0).normal(size=(20, 2))
    X[3, 1] = bad
    with pytest.raises(ValueError, match="NaN|inf"):
        UnigaussPoE(3).fit(X)
    model = UnigaussPoE(3, n_iter=1).fit(np.random.default_rng(0).normal(size=(20, 2)))
    with pytest.raises(ValueError, match="NaN|inf"):
        model.score_samples(X)


def test_large_offsets_and_scales():
    """Standardization makes the fit independent of the data's units."""
    X = make_grid_clusters(20, random_state=0)
    a = UnigaussPoE(6, n_iter=10, random_state=0).fit(X)
    b = UnigaussPoE(6, n_iter=10, random_state=0).fit(1e6 + 1e4 * X)
    np.testing.assert_allclose(b.transform(1e6 + 1e4 * X), a.transform(X), atol=1e-6)


@pytest.fixture(scope="module")
def clusters_model():
    X = make_grid_clusters(100, random_state=0)
    model = UnigaussPoE(15, n_iter=200, learning_rate=0.02, random_state=0).fit(X)
    return model, X


def test_learning_curve_and_goodness_improve(clusters_model):
    model, X = clusters_model
    curve = model.reconstruction_error_
    assert curve[-1] < 0.1 * curve[0]  # measured 0.82 -> 0.02
    # Goodness ranks the data above points spread over the box.
    noise = np.random.default_rng(0).uniform(model.uniform_low_, model.uniform_high_, (500, 2))
    assert np.median(model.score_samples(X)) > np.percentile(model.score_samples(noise), 90)


def test_missing_grid_point_is_modelled(clusters_model):
    """Hinton 1999/2002: the product also puts data at the missing grid point.

    The never-seen point (2, 2) scores like the observed grid points and
    above every point midway between clusters (measured: grid points within
    4 nats of each other, midpoints at least 4 nats lower).
    """
    model, _ = clusters_model
    grid = np.array([(i, j) for i in range(5) for j in range(5)], float)
    goodness = model.score_samples(grid)
    observed = np.delete(goodness, 12)
    between = model.score_samples(grid[:-1] + 0.5)
    assert observed.min() - 1 < goodness[12]
    assert goodness[12] > between.max() + 2


def test_samples_on_grid_including_missing_point(clusters_model):
    model, _ = clusters_model
    samples = model.sample(2000, n_steps=100, random_state=0)
    nearest = np.clip(np.round(samples), 0, 4)
    on_grid = np.linalg.norm(samples - nearest, axis=1) < 0.25
    assert np.mean(on_grid) > 0.9  # measured 0.97
    counts = np.zeros((5, 5), int)
    np.add.at(counts, tuple(nearest[on_grid].astype(int).T), 1)
    assert np.all(counts > 0)  # every grid point is generated ...
    assert counts[2, 2] > 0.02 * len(samples)  # ... the missing one too (measured 12%)


def test_edges_give_finite_model():
    X = make_edge_images(100, random_state=0)
    model = UnigaussPoE(10, n_iter=5, random_state=0).fit(X)
    assert np.all(np.isfinite(model.means_))


def test_rare_features_far_from_the_mean_are_not_divergence(monkeypatch):
    """A feature that is non-zero in one sample of 10^6 sits ~1000 standard
    deviations out, and experts start at data points, so their means may
    too: that is not divergence. Only the logits and log-precisions are
    bounded. Here, with the bound lowered to 10, means at ~14 sigma."""
    import skpoe._validation

    monkeypatch.setattr(skpoe._validation, "MAX_PARAMETER", 10.0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 3))
    X[:, 2] = 0.0
    X[:10, 2] = 1.0  # 1 sample in 200: ~14 standard deviations out
    model = UnigaussPoE(n_components=400, n_iter=2, batch_size=100, random_state=0).fit(X)
    assert np.abs(model._mu).max() > 10  # the test is not vacuous
    assert np.isfinite(model.score_samples(X)).all()


def test_narrow_experts_far_from_zero_are_accurate_in_float32():
    """Squared distances as sums of squared differences, not in expanded form.

    float32 data offset by 1e4 are standardized first (so the offset itself
    costs nothing); what remains is narrow experts away from the origin:
    with precision ~4e5 (standardized units) and z ~ 2, the expanded form
    ``lambda z**2 - 2 lambda z mu + lambda mu**2`` loses about a nat per
    expert to float32 rounding. Compared with the same model's parameters
    in a float64 direct formula.
    """
    rng = np.random.default_rng(0)
    X = (1e4 + rng.normal(size=(200, 3))).astype(np.float32)
    model = UnigaussPoE(6, n_iter=1, random_state=0).fit(X)
    Z = (X - model._center) / model._scale
    model._rho[1:] = 13.0
    model._mu[1:] = Z[:5] + 1e-3  # each narrow expert on a data point
    model._publish()
    Z64 = (X.astype(np.float64) - model._center.astype(np.float64)) / model._scale
    log_f, log_n = _log_f(model, Z64)
    expected = log_f.sum(1) - model.n_components * np.sum(np.log(model._scale.astype(np.float64)))
    got = model.score_samples(X)
    assert got.dtype == np.float32
    assert np.abs(log_f[:5, 1:]).max() > 10  # the experts are narrow there
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-2)
    expected_R = np.exp(np.log(expit(model._logit.astype(np.float64))) + log_n - log_f)
    expected_R[:, 0] = 1
    np.testing.assert_allclose(model.transform(X), expected_R, atol=1e-4)


def test_fit_equals_repeated_partial_fit():
    """One random stream per epoch: fit and partial_fit give the same model."""
    X = make_grid_clusters(20, random_state=0)
    fit = UnigaussPoE(6, n_iter=3, batch_size=50, random_state=1).fit(X)
    pf = UnigaussPoE(6, n_iter=3, batch_size=50, random_state=1)
    for _ in range(3):
        pf.partial_fit(X)
    for name in ("means_", "variances_", "mixing_", "uniform_low_", "uniform_high_"):
        np.testing.assert_allclose(getattr(pf, name), getattr(fit, name), rtol=1e-12, err_msg=name)
    np.testing.assert_allclose(pf.reconstruction_error_, fit.reconstruction_error_, rtol=1e-12)
    assert pf.n_updates_ == fit.n_updates_ == 3 * 10
    assert not np.allclose(fit.means_, UnigaussPoE(6, n_iter=1, batch_size=50,
                                                    random_state=1).fit(X).means_)
