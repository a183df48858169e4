"""log Z: exact enumeration against brute force, AIS against exact, score()."""

import itertools

import numpy as np
import pytest
from scipy.special import logsumexp
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV

from skpoe import BernoulliPoE
from skpoe._partition import ais_betas, ais_log_partition, exact_log_partition


def _random_rbm(seed, n_hidden, n_visible, scale=1.0):
    rng = np.random.default_rng(seed)
    W = rng.normal(0, scale, (n_hidden, n_visible))
    return W, rng.normal(0, 1, n_visible), rng.normal(0, 1, n_hidden)


def _brute_force_log_z(W, b, c):
    """Sum of exp(-E(v, h)) over every joint state."""
    n_hidden, n_visible = W.shape
    V = np.array(list(itertools.product([0, 1], repeat=n_visible)), float)
    H = np.array(list(itertools.product([0, 1], repeat=n_hidden)), float)
    return logsumexp((V @ b)[:, None] + (H @ c)[None, :] + V @ W.T @ H.T)


@pytest.mark.parametrize("shape", [(4, 8), (9, 5), (6, 6)])
def test_exact_log_z_matches_brute_force(shape):
    W, b, c = _random_rbm(sum(shape), *shape, scale=2.0)
    assert exact_log_partition(W, b, c) == pytest.approx(_brute_force_log_z(W, b, c), abs=1e-9)


def test_exact_log_z_chunks_agree():
    W, b, c = _random_rbm(0, 11, 13)
    assert exact_log_partition(W, b, c, chunk_size=7) == pytest.approx(
        exact_log_partition(W, b, c), abs=1e-9
    )


def test_exact_refuses_large_models():
    W, b, c = _random_rbm(0, 21, 30)
    with pytest.raises(ValueError, match="method='ais'"):
        exact_log_partition(W, b, c)


@pytest.mark.parametrize("seed", range(5))
def test_ais_agrees_with_exact_within_error_bars(seed):
    rng = np.random.default_rng(seed)
    n_hidden, n_visible = rng.integers(4, 12, size=2)
    W, b, c = _random_rbm(seed, n_hidden, n_visible)
    base = rng.normal(0, 0.5, n_visible)
    exact = exact_log_partition(W, b, c)
    estimate, std = ais_log_partition(
        W, b, c, base, n_betas=3000, n_chains=200, rng=np.random.default_rng(seed)
    )
    assert 0 < std < 0.1
    # Four standard errors: a ~1e-4 chance per model of a false failure.
    assert abs(estimate - exact) < 4 * std + 1e-3


def test_ais_with_a_bad_schedule_is_wrong_and_says_so():
    """Too few temperatures on a sharp model: the error bars must widen."""
    W, b, c = _random_rbm(0, 10, 12, scale=3.0)
    exact = exact_log_partition(W, b, c)
    _, std_short = ais_log_partition(W, b, c, np.zeros(12), n_betas=10, n_chains=100,
                                     rng=np.random.default_rng(0))
    est_long, std_long = ais_log_partition(W, b, c, np.zeros(12), n_betas=5000,
                                           n_chains=100, rng=np.random.default_rng(0))
    assert std_short > 3 * std_long
    assert abs(est_long - exact) < 4 * std_long + 1e-3


def test_ais_betas_schedule():
    betas = ais_betas(14500)
    assert betas[0] == 0 and betas[-1] == 1 and len(betas) == 14500
    assert np.all(np.diff(betas) > 0)
    # Denser near 1, where the distributions change fastest.
    assert np.sum(betas >= 0.9) > np.sum(betas < 0.5)


@pytest.fixture(scope="module")
def digits():
    X = load_digits().data / 16.0
    return (X > 0.5).astype(float)  # binary, so score() is a true log-likelihood


def test_log_partition_auto_is_exact_for_small_hidden_layer(digits):
    model = BernoulliPoE(6, n_iter=5, batch_size=20, random_state=0).fit(digits)
    W, b, c = model.components_, model.intercept_visible_, model.intercept_hidden_
    assert model.log_partition() == pytest.approx(exact_log_partition(W, b, c))
    log_z, std = model.log_partition(return_std=True)
    assert std == 0.0


def test_log_partition_ais_agrees_with_exact_on_trained_model(digits):
    model = BernoulliPoE(12, n_iter=10, batch_size=20, random_state=0).fit(digits)
    exact = model.log_partition(method="exact")
    estimate, std = model.log_partition(method="ais", n_betas=3000, n_chains=100,
                                        return_std=True)
    assert abs(estimate - exact) < 4 * std + 1e-2
    # Fixed seed by default: repeated calls agree.
    assert model.log_partition(method="ais", n_betas=300) == model.log_partition(
        method="ais", n_betas=300
    )


def test_score_is_mean_goodness_minus_log_z(digits):
    model = BernoulliPoE(8, n_iter=5, batch_size=20, random_state=0).fit(digits)
    expected = model.score_samples(digits).mean() - model.log_partition()
    assert model.score(digits) == pytest.approx(expected)
    # A true log-likelihood of binary data: below 0, above the uniform model.
    assert -64 * np.log(2) < model.score(digits) < 0


def test_score_prefers_trained_over_untrained(digits):
    trained = BernoulliPoE(16, n_iter=20, batch_size=20, random_state=0).fit(digits)
    untrained = BernoulliPoE(16, n_iter=1, learning_rate=1e-9, random_state=0).fit(digits)
    assert trained.score(digits) > untrained.score(digits) + 5


def test_grid_search_uses_score(digits):
    search = GridSearchCV(
        BernoulliPoE(n_iter=10, batch_size=20, random_state=0),
        {"n_components": [2, 16]},
        cv=2,
    ).fit(digits)
    assert search.best_params_ == {"n_components": 16}
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_log_partition_bad_method(digits):
    model = BernoulliPoE(4, n_iter=1, random_state=0).fit(digits)
    with pytest.raises(ValueError, match="method must be"):
        model.log_partition(method="magic")
