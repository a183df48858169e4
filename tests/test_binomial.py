"""BinomialPoE: goodness and log Z against exact enumeration of counts and
hidden states, the binomial reconstruction, count validation, learning.

The exact tests enumerate all (n + 1)**D count vectors and 2**H hidden
states of models with 3 visible units (n = 3) and 4 hidden units.
"""

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit, gammaln, logsumexp
from sklearn.datasets import load_digits

from skpoe import BernoulliPoE, BinomialPoE

N_TRIALS = 3
ALL_V = np.array(list(itertools.product(range(N_TRIALS + 1), repeat=3)), float)  # (64, 3)
ALL_H = np.array(list(itertools.product([0.0, 1.0], repeat=4)))  # (16, 4)


def _log_choose(n, v):
    return gammaln(n + 1) - gammaln(v + 1) - gammaln(n - v + 1)


def _tiny_model(seed, n_trials=N_TRIALS, scale=1.0):
    """A fitted 3-visible, 4-hidden model with sizeable random parameters."""
    rng = np.random.RandomState(seed)
    model = BinomialPoE(4, n_trials=n_trials, n_iter=1, random_state=seed)
    model.fit(rng.randint(n_trials + 1, size=(20, 3)).astype(float))
    model.components_ = scale * rng.standard_normal((4, 3))
    model.intercept_hidden_ = scale * rng.standard_normal(4)
    model.intercept_visible_ = scale * rng.standard_normal(3)
    return model


def _joint(model):
    """log p*(v, h) = sum_i log C(n, v_i) + b.v + c.h + h.W.v for every (v, h)."""
    W, c, b = model.components_, model.intercept_hidden_, model.intercept_visible_
    base = _log_choose(model.n_trials_, ALL_V).sum(1)
    return (base + ALL_V @ b)[:, None] + (ALL_H @ c)[None, :] + ALL_V @ W.T @ ALL_H.T


@pytest.fixture(scope="module")
def digits():
    return load_digits(return_X_y=True)  # intensities 0..16


# ------------------------------------------------- exact enumeration
@pytest.mark.parametrize("seed", [0, 1])
def test_goodness_is_log_sum_over_hidden_states(seed):
    model = _tiny_model(seed)
    joint = _joint(model)
    np.testing.assert_allclose(model.score_samples(ALL_V), logsumexp(joint, axis=1),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
def test_log_partition_exact_against_enumeration(seed):
    model = _tiny_model(seed)
    log_z = logsumexp(_joint(model))
    assert model.log_partition() == pytest.approx(log_z, rel=1e-12)
    assert model.log_partition("exact") == pytest.approx(log_z, rel=1e-12)
    p_v = np.exp(model.score_samples(ALL_V) - model.log_partition())
    assert p_v.sum() == pytest.approx(1.0, rel=1e-12)  # a distribution over counts
    assert model.score(ALL_V) == pytest.approx(np.mean(model.score_samples(ALL_V)) - log_z)
    # The base measure matters: without it the sum is not 1.
    assert abs(log_z - logsumexp(_joint(model) - _log_choose(N_TRIALS, ALL_V).sum(1)[:, None])) > 1


def test_log_partition_ais_against_exact():
    model = _tiny_model(2, scale=1.5)
    exact = model.log_partition("exact")
    estimate, std = model.log_partition("ais", n_betas=2000, n_chains=200, return_std=True)
    assert 0 < std < 0.05
    assert estimate == pytest.approx(exact, abs=max(4 * std, 0.02))


def test_ais_on_a_larger_model():
    """20 visible units of 5 replicas, 10 hidden units: AIS from the base
    rates of given counts against the exact sum over the 1,024 hidden states."""
    rng = np.random.default_rng(0)
    model = BinomialPoE(10, n_trials=5, n_iter=1, random_state=0)
    model.fit(rng.integers(0, 6, size=(30, 20)).astype(float))
    model.components_ = 0.6 * rng.standard_normal((10, 20))
    model.intercept_visible_ = rng.standard_normal(20)
    model.intercept_hidden_ = rng.standard_normal(10)
    exact = model.log_partition("exact")
    estimate, std = model.log_partition("ais", n_betas=3000, n_chains=100, return_std=True)
    assert 0 < std < 0.1
    assert estimate == pytest.approx(exact, abs=max(4 * std, 0.05))


def test_exact_log_partition_refuses_large_hidden_layer():
    model = BinomialPoE(21, n_iter=1, random_state=0).fit(np.eye(5) * 2)
    with pytest.raises(ValueError, match="at most 20 units in the hidden layer.*ais"):
        model.log_partition("exact")


# -------------------------------------------------------- formulas
def test_transform_and_reconstruct_formulas(digits):
    X = digits[0][:50]
    model = BinomialPoE(16, n_iter=2, random_state=0).fit(digits[0])
    W, c, b = model.components_, model.intercept_hidden_, model.intercept_visible_
    H = expit(X @ W.T + c)
    np.testing.assert_allclose(model.transform(X), H, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(model.reconstruct(X), 16 * expit(H @ W + b), rtol=1e-10)


def test_gibbs_step_mean_and_variance():
    """One v -> h -> v step from a fixed v0: the counts' mean and variance are
    those of the mixture over h of Binomial(n, sigmoid(b + h W))."""
    model = _tiny_model(3, n_trials=5)
    W, c, b = model.components_, model.intercept_hidden_, model.intercept_visible_
    v0 = np.array([[1.0, 4.0, 2.0]])
    p_h = np.prod(np.where(ALL_H == 1, expit(v0 @ W.T + c), 1 - expit(v0 @ W.T + c)), axis=1)
    p = expit(ALL_H @ W + b)  # (16, 3) per hidden state
    mean = p_h @ (5 * p)
    second = p_h @ (5 * p * (1 - p) + (5 * p) ** 2)
    draws = model.gibbs(np.repeat(v0, 40000, axis=0), random_state=0)
    assert set(np.unique(draws)) <= set(range(6))
    assert np.all(np.abs(draws.mean(0) - mean) < 4 * np.sqrt((second - mean**2) / 40000))
    np.testing.assert_allclose(draws.var(0), second - mean**2, rtol=0.03)


def test_sample_visible_is_binomial():
    model = _tiny_model(4, n_trials=16)
    P = np.full((50000, 2), [1.6, 12.0])  # means n p with p = 0.1, 0.75
    draws = model._sample_visible(P, np.random.default_rng(0))
    np.testing.assert_allclose(draws.mean(0), [1.6, 12.0], rtol=0.01)
    np.testing.assert_allclose(draws.var(0), [16 * 0.1 * 0.9, 16 * 0.75 * 0.25], rtol=0.03)


def test_one_replica_is_bernoulli_poe():
    """n_trials=1 is BernoulliPoE on binary data, step for step."""
    X = (load_digits().data > 8).astype(float)
    a = BinomialPoE(16, n_trials=1, n_iter=3, random_state=0).fit(X)
    b = BernoulliPoE(16, n_iter=3, random_state=0).fit(X)
    np.testing.assert_array_equal(a.components_, b.components_)
    np.testing.assert_array_equal(a.score_samples(X), b.score_samples(X))
    assert a.log_partition("ais", n_betas=200) == b.log_partition("ais", n_betas=200)


def test_cd_step_against_formula():
    """One CD-1 update, momentum and weight decay off, against NumPy: the
    mean-field reconstruction n * sigmoid(b + s W) from sampled hidden states
    s, and BernoulliPoE's step on v / n: visible statistics divided by n for
    the visible biases and by n**2 for the weights."""
    model = _tiny_model(5, n_trials=8)
    model.set_params(learning_rate=0.3, weight_decay=0.0)
    W, c, b = (np.copy(a) for a in (model.components_, model.intercept_hidden_,
                                      model.intercept_visible_))
    V0 = np.random.default_rng(1).integers(0, 9, size=(7, 3)).astype(float)
    error = model._cd_step(np.ascontiguousarray(V0), np.random.default_rng(2), 0.0)
    S = model._workspace(7)["S"]  # the hidden states it drew from P(h | V0)
    assert set(np.unique(S)) == {0.0, 1.0}
    H0 = expit(V0 @ W.T + c)
    V1 = 8 * expit(S @ W + b)
    np.testing.assert_allclose(model._negative_visible(7), V1, rtol=1e-12)
    H1 = expit(V1 @ W.T + c)
    step = 0.3 / 7
    np.testing.assert_allclose(model.components_, W + step / 64 * (H0.T @ V0 - H1.T @ V1),
                               rtol=1e-12)
    np.testing.assert_allclose(model.intercept_visible_, b + step / 8 * (V0 - V1).sum(0),
                               rtol=1e-12)
    np.testing.assert_allclose(model.intercept_hidden_, c + step * (H0 - H1).sum(0),
                               rtol=1e-12)
    assert error == pytest.approx(np.sum((V0 - V1) ** 2))


# ------------------------------------------------------ validation
def test_auto_training_length_is_bernoulli_poe_s(digits):
    model = BinomialPoE(8, random_state=0).fit(digits[0][:1000])
    assert (model.batch_size_, model.n_iter_, model.n_updates_) == (10, 60, 6000)
    model = BinomialPoE(8, random_state=0).fit(digits[0][:300])  # at most 100 epochs
    assert (model.batch_size_, model.n_iter_, model.n_updates_) == (10, 100, 3000)


def test_auto_takes_the_largest_count():
    X = np.array([[0, 3], [7, 1]])
    assert BinomialPoE(2, n_iter=1).fit(X).n_trials_ == 7
    assert BinomialPoE(2, n_iter=1).fit(np.zeros((3, 2))).n_trials_ == 1
    assert BinomialPoE(2, n_trials=10, n_iter=1).fit(X).n_trials_ == 10


@pytest.mark.parametrize("value, at_fit, afterwards", [
    (0.5, r"counts, whole numbers.*got 0.5.*np.rint", r"whole numbers.*got 0.5"),
    (-1.0, r"Negative values in data passed to BinomialPoE.*counts", r"Negative values"),
    (9.0, r"count of 9, above n_trials = 8. Set n_trials", r"count of 9, above n_trials_"),
])
def test_values_that_are_not_counts_are_refused(value, at_fit, afterwards):
    X = np.array([[0, 3, 8], [7, 1, 2.0]])
    X_bad = X.copy()
    X_bad[1, 1] = value
    model = BinomialPoE(2, n_trials=8, n_iter=1)
    with pytest.raises(ValueError, match=at_fit):
        model.fit(X_bad)
    assert not hasattr(model, "n_trials_")
    with pytest.raises(ValueError, match=afterwards):
        model.fit(X).transform(X_bad)


def test_counts_above_the_fitted_n_trials_are_refused():
    X = np.array([[0, 3], [7, 1]])
    model = BinomialPoE(2, n_iter=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match=r"count of 8, above n_trials_ .* = 7"):
        model.score_samples(X + 1)
    with pytest.raises(ValueError, match="count of 8"):
        model.partial_fit(X + 1)
    model.partial_fit(X)  # counts within n_trials_ go on training
    assert model.n_iter_ == 2


def test_sparse_counts_same_as_dense(digits):
    X = digits[0][:200]
    dense = BinomialPoE(8, n_iter=2, random_state=0).fit(X)
    sparse = BinomialPoE(8, n_iter=2, random_state=0).fit(sp.csr_matrix(X))
    np.testing.assert_allclose(sparse.components_, dense.components_, rtol=1e-10, atol=1e-12)
    Xs = sp.csr_matrix(X)
    np.testing.assert_allclose(dense.score_samples(Xs), dense.score_samples(X), rtol=1e-12)
    with pytest.raises(ValueError, match="whole numbers"):
        dense.transform(Xs * 0.5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved(digits, dtype):
    X = digits[0][:100].astype(dtype)
    model = BinomialPoE(8, n_iter=2, random_state=0).fit(X)
    for out in (model.transform(X), model.score_samples(X), model.reconstruct(X),
                model.gibbs(X[:3], random_state=0), model.sample(2, n_steps=3, random_state=0)):
        assert out.dtype == dtype


@pytest.mark.parametrize("persistent", [False, True])
def test_samples_are_counts(digits, persistent):
    model = BinomialPoE(16, n_iter=3, persistent=persistent, random_state=0).fit(digits[0])
    samples = model.sample(5, n_steps=20, random_state=0)
    assert samples.shape == (5, 64)
    np.testing.assert_array_equal(samples, np.rint(samples))
    assert samples.min() >= 0 and samples.max() <= 16
    np.testing.assert_array_equal(samples, model.sample(5, n_steps=20, random_state=0))


# --------------------------------------------------------- learning
PROTOTYPES = np.array([[0.9, 0.9, 0.1, 0.1, 0.5], [0.1, 0.2, 0.9, 0.8, 0.5],
                       [0.9, 0.1, 0.9, 0.1, 0.1]])


def _prototype_counts(seed, n_samples=400, n_trials=6):
    rng = np.random.default_rng(seed)
    p = PROTOTYPES[rng.integers(3, size=n_samples)]
    return rng.binomial(n_trials, p).astype(float)


def _independent_binomials_loglik(X, n_trials):
    p = np.clip(X.mean(0) / n_trials, 1e-3, 1 - 1e-3)
    return np.mean(_log_choose(n_trials, X).sum(1) + X @ np.log(p)
                   + (n_trials - X) @ np.log1p(-p))


def _true_loglik(X, n_trials):
    """Under the mixture of binomials that generated X."""
    log_p = np.stack([(_log_choose(n_trials, X) + X @ np.diag(np.log(p))
                       + (n_trials - X) @ np.diag(np.log1p(-p))).sum(1) for p in PROTOTYPES], 1)
    return np.mean(logsumexp(log_p, axis=1) - np.log(len(PROTOTYPES)))


@pytest.mark.parametrize("seed", [0, 1])
def test_cd_learns_the_prototypes(seed):
    """Exact normalized log-likelihood: far better than independent binomials
    (the best model without hidden units) and than the start, and close to
    the mixture that generated the data (measured over seeds 0-5: 4.3-5.9
    nats better than independent binomials, 0.7-2.3 short of the truth)."""
    X = _prototype_counts(seed)
    params = dict(batch_size=10, random_state=seed)
    start = BinomialPoE(4, n_iter=1, learning_rate=1e-12, **params).fit(X)
    model = BinomialPoE(4, n_iter=30, **params).fit(X)
    assert model.score(X) > _independent_binomials_loglik(X, 6) + 3.5
    assert model.score(X) > start.score(X) + 5
    assert model.score(X) > _true_loglik(X, 6) - 3
    curve = model.reconstruction_error_
    assert curve[-1] < 0.5 * curve[0]
