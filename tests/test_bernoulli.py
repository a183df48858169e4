"""BernoulliPoE: formulas, exact likelihoods on a tiny model, learning, API.

Small models and few epochs throughout; the exact tests enumerate all 2**8
visible (and 2**4 hidden) states of an 8-visible, 4-hidden model.
"""

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit, logsumexp
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline

from skpoe import BernoulliPoE, TrainingDivergedError, _bernoulli, _kernels

ALL_V = np.array(list(itertools.product([0.0, 1.0], repeat=8)))  # (256, 8)
ALL_H = np.array(list(itertools.product([0.0, 1.0], repeat=4)))  # (16, 4)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


@pytest.fixture(scope="module")
def fitted(digits):
    X, _ = digits
    return BernoulliPoE(n_components=16, n_iter=3, random_state=0).fit(X)


def _softplus(x):
    return np.logaddexp(0.0, x)


def _params(model):
    W = model.components_.astype(np.float64)
    c = model.intercept_hidden_.astype(np.float64)
    b = model.intercept_visible_.astype(np.float64)
    return W, c, b


def _tiny_model(seed, scale=1.0):
    """A fitted 8-visible, 4-hidden model with sizeable random parameters."""
    rng = np.random.RandomState(seed)
    model = BernoulliPoE(n_components=4, n_iter=1, random_state=seed)
    model.fit(rng.randint(2, size=(20, 8)).astype(float))
    model.components_ = scale * rng.standard_normal((4, 8))
    model.intercept_hidden_ = scale * rng.standard_normal(4)
    model.intercept_visible_ = scale * rng.standard_normal(8)
    return model


def _exact_log_z(model):
    return logsumexp(model.score_samples(ALL_V))


def _exact_mean_loglik(model, X):
    return np.mean(model.score_samples(X)) - _exact_log_z(model)


# ------------------------------------------------------------ 1. formulas
def test_transform_matches_formula(fitted, digits):
    X = digits[0][:50]
    W, c, _ = _params(fitted)
    expected = expit(X @ W.T + c)
    H = fitted.transform(X)
    assert H.shape == (50, 16)
    np.testing.assert_allclose(H, expected, rtol=1e-10, atol=1e-12)


def test_score_samples_matches_formula(fitted, digits):
    X = digits[0][:50]
    W, c, b = _params(fitted)
    expected = X @ b + _softplus(X @ W.T + c).sum(axis=1)
    np.testing.assert_allclose(fitted.score_samples(X), expected, rtol=1e-10)


def test_reconstruct_matches_formula(fitted, digits):
    X = digits[0][:50]
    W, c, b = _params(fitted)
    expected = expit(expit(X @ W.T + c) @ W + b)
    np.testing.assert_allclose(fitted.reconstruct(X), expected, rtol=1e-10, atol=1e-12)


def test_score_samples_large_parameters_finite():
    """Pre-activations of +-1e4: softplus must neither overflow nor lose them."""
    model = _tiny_model(0)
    model.components_ = np.full((4, 8), 1e3)
    model.components_[1] *= -1
    X = ALL_V[[0, 255, 17]]
    W, c, b = _params(model)
    pre = X @ W.T + c
    expected = X @ b + _softplus(pre).sum(axis=1)
    got = model.score_samples(X)
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert np.isfinite(model.transform(X)).all()


def test_sparse_input_same_as_dense(fitted, digits):
    X = digits[0][:60]
    Xs = sp.csr_matrix(X)
    np.testing.assert_allclose(fitted.transform(Xs), fitted.transform(X), rtol=1e-12)
    np.testing.assert_allclose(
        fitted.score_samples(Xs), fitted.score_samples(X), rtol=1e-12
    )
    np.testing.assert_allclose(
        fitted.reconstruct(Xs), fitted.reconstruct(X), rtol=1e-12
    )
    np.testing.assert_array_equal(
        fitted.gibbs(Xs, random_state=3), fitted.gibbs(X, random_state=3)
    )


def test_fit_sparse_same_as_dense(digits):
    X = digits[0]
    dense = BernoulliPoE(n_components=16, n_iter=3, random_state=0).fit(X)
    sparse = BernoulliPoE(n_components=16, n_iter=3, random_state=0).fit(sp.csr_matrix(X))
    np.testing.assert_allclose(sparse.components_, dense.components_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sparse.intercept_hidden_, dense.intercept_hidden_, atol=1e-12)
    np.testing.assert_allclose(sparse.intercept_visible_, dense.intercept_visible_, atol=1e-12)
    np.testing.assert_allclose(sparse.reconstruction_error_, dense.reconstruction_error_)


# ------------------------------------------------- 2. exact enumeration
@pytest.mark.parametrize("seed", [0, 1])
def test_exact_partition_function_and_marginals(seed):
    model = _tiny_model(seed)
    W, c, b = _params(model)

    goodness = model.score_samples(ALL_V)
    log_z = logsumexp(goodness)
    p_v = np.exp(goodness - log_z)
    assert p_v.sum() == pytest.approx(1.0, rel=1e-12)

    # Brute force over all 2**12 joint states: -E(v, h) = b.v + c.h + h.W.v
    neg_energy = (ALL_V @ b)[:, None] + (ALL_H @ c)[None, :] + ALL_V @ W.T @ ALL_H.T
    log_z_joint = logsumexp(neg_energy)
    assert log_z == pytest.approx(log_z_joint, rel=1e-12, abs=1e-10)
    marginal = np.exp(logsumexp(neg_energy, axis=1) - log_z_joint)
    np.testing.assert_allclose(p_v, marginal, rtol=1e-10, atol=1e-15)

    # Independently: sum over v in closed form for each h,
    # sum_v exp(b.v + h.W.v) = prod_i (1 + exp(b_i + (h W)_i)).
    log_z_h = logsumexp(ALL_H @ c + _softplus(ALL_H @ W + b).sum(axis=1))
    assert log_z == pytest.approx(log_z_h, rel=1e-12, abs=1e-10)

    # score_samples is not normalised: it differs from log p(v) by log Z != 0
    assert abs(log_z) > 1e-3


def test_exact_marginal_sums_to_one_float32():
    model = _tiny_model(2)
    for name in ("components_", "intercept_hidden_", "intercept_visible_"):
        setattr(model, name, getattr(model, name).astype(np.float32))
    goodness = model.score_samples(ALL_V.astype(np.float32))
    assert goodness.dtype == np.float32
    reference = _tiny_model(2).score_samples(ALL_V)
    np.testing.assert_allclose(goodness, reference, rtol=1e-5, atol=1e-5)
    p_v = np.exp(goodness.astype(np.float64) - logsumexp(goodness.astype(np.float64)))
    assert p_v.sum() == pytest.approx(1.0, rel=1e-9)


# ------------------------------------------------------------- 3. learning
def _prototype_data(seed, n_samples=500, noise=0.05):
    rng = np.random.RandomState(seed)
    prototypes = np.array(
        [
            [1, 1, 1, 1, 0, 0, 0, 0],
            [0, 0, 0, 0, 1, 1, 1, 1],
            [1, 0, 1, 0, 1, 0, 1, 0],
            [0, 0, 1, 1, 1, 1, 0, 0],
        ],
        dtype=float,
    )
    X = prototypes[rng.randint(len(prototypes), size=n_samples)]
    flips = rng.uniform(size=X.shape) < noise
    return np.abs(X - flips)


def _factorial_loglik(X, eps=1e-3):
    p = np.clip(X.mean(axis=0), eps, 1 - eps)
    return np.mean(X @ np.log(p) + (1 - X) @ np.log(1 - p))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cd_learns_better_than_factorial_model(seed):
    X = _prototype_data(seed)
    params = dict(n_components=4, batch_size=10, random_state=seed)
    # The model before training: the same random init, (almost) no update.
    init = BernoulliPoE(n_iter=1, learning_rate=1e-12, **params).fit(X)
    model = BernoulliPoE(n_iter=20, learning_rate=0.05, **params).fit(X)

    ll_init = _exact_mean_loglik(init, X)
    ll_model = _exact_mean_loglik(model, X)
    ll_factorial = _factorial_loglik(X)

    # Small random weights, zero biases: close to uniform over 2**8 states.
    assert ll_init == pytest.approx(-8 * np.log(2), abs=0.01)
    # Measured: model ~ -3.0, factorial ~ -5.1, init ~ -5.55 nats per sample.
    assert ll_model > ll_factorial + 1.0
    assert ll_model > ll_init + 1.5


# ----------------------------------------------------------------- 4. dtype
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved(digits, dtype):
    X = digits[0][:200].astype(dtype)
    model = BernoulliPoE(n_components=8, n_iter=2, random_state=0).fit(X)
    for name in ("components_", "intercept_hidden_", "intercept_visible_"):
        assert getattr(model, name).dtype == dtype, name
    assert model.transform(X).dtype == dtype
    assert model.score_samples(X).dtype == dtype
    assert model.reconstruct(X).dtype == dtype
    assert model.sample(3, n_steps=2, random_state=0).dtype == dtype
    assert model.gibbs(X[:5], random_state=0).dtype == dtype
    assert model.transform(sp.csr_matrix(X)).dtype == dtype


def test_float32_and_float64_fits_agree(digits):
    X = digits[0]
    # Few large minibatches, so that float32 rounding has not yet flipped
    # any sampled hidden state and the two fits stay comparable.
    m64 = BernoulliPoE(n_components=16, n_iter=3, batch_size=100, random_state=0).fit(X)
    m32 = BernoulliPoE(n_components=16, n_iter=3, batch_size=100,
                       random_state=0).fit(X.astype(np.float32))
    np.testing.assert_allclose(m32.components_, m64.components_, rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(m32.intercept_hidden_, m64.intercept_hidden_, rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(m32.intercept_visible_, m64.intercept_visible_, rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(m32.transform(X[:20].astype(np.float32)), m64.transform(X[:20]), atol=1e-4)


# --------------------------------------------------------- 5. determinism
def test_same_random_state_same_model(digits):
    X = digits[0][:300]
    a = BernoulliPoE(n_components=8, n_iter=2, random_state=7).fit(X)
    b = BernoulliPoE(n_components=8, n_iter=2, random_state=7).fit(X)
    c = BernoulliPoE(n_components=8, n_iter=2, random_state=8).fit(X)
    np.testing.assert_array_equal(a.components_, b.components_)
    np.testing.assert_array_equal(a.intercept_hidden_, b.intercept_hidden_)
    np.testing.assert_array_equal(a.intercept_visible_, b.intercept_visible_)
    assert not np.allclose(a.components_, c.components_)


def test_refit_is_idempotent(digits):
    X = digits[0][:300]
    model = BernoulliPoE(n_components=8, n_iter=2, random_state=7)
    first = model.fit(X).components_.copy()
    np.testing.assert_array_equal(model.fit(X).components_, first)


def test_fit_equals_repeated_partial_fit(digits):
    """Documented: fit and partial_fit give the same model for one random_state."""
    X = digits[0][:400]
    fit = BernoulliPoE(n_components=8, n_iter=3, batch_size=50, random_state=1).fit(X)
    pf = BernoulliPoE(n_components=8, n_iter=3, batch_size=50, random_state=1)
    for _ in range(3):
        pf.partial_fit(X)
    np.testing.assert_allclose(pf.components_, fit.components_, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(pf.reconstruction_error_, fit.reconstruction_error_)
    assert pf.n_updates_ == fit.n_updates_ == 3 * 8


def test_sample_reproducible_shape_and_range(fitted):
    a = fitted.sample(6, n_steps=20, random_state=0)
    b = fitted.sample(6, n_steps=20, random_state=0)
    c = fitted.sample(6, n_steps=20, random_state=1)
    assert a.shape == (6, 64)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert np.isfinite(a).all()
    assert ((a >= 0) & (a <= 1)).all()
    # probabilities, not binary states
    assert not np.isin(a, [0.0, 1.0]).all()


def test_gibbs_reproducible_and_binary(fitted, digits):
    X = digits[0][:40]
    a = fitted.gibbs(X, random_state=0)
    b = fitted.gibbs(X, random_state=0)
    c = fitted.gibbs(X, random_state=1)
    assert a.shape == X.shape
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert np.isin(a, [0.0, 1.0]).all()
    assert 0 < a.sum() < a.size
    # the input is not modified
    np.testing.assert_array_equal(X, digits[0][:40])


def test_gibbs_follows_conditionals():
    """Averaged over many draws, gibbs matches E[P(v | h)] with h ~ P(h | v)."""
    model = _tiny_model(3)
    W, c, b = _params(model)
    v0 = ALL_V[[37]]
    ph = expit(v0 @ W.T + c)[0]  # (4,)
    p_h = np.prod(np.where(ALL_H == 1, ph, 1 - ph), axis=1)  # (16,)
    expected = p_h @ expit(ALL_H @ W + b)  # (8,)
    draws = model.gibbs(np.repeat(v0, 20000, axis=0), random_state=0)
    # standard error <= 0.5 / sqrt(20000) ~ 0.0035
    np.testing.assert_allclose(draws.mean(axis=0), expected, atol=0.02)


# ---------------------------------------------------------- 6. partial_fit
def test_partial_fit_counts(digits):
    X = digits[0][:300]
    model = BernoulliPoE(n_components=8, batch_size=100, random_state=0)
    assert model.partial_fit(X) is model
    assert model.n_iter_ == 1
    assert model.n_updates_ == 3
    assert model.reconstruction_error_.shape == (1,)
    before = model.components_.copy()
    errors = model.reconstruction_error_.copy()
    assert model.partial_fit(X[:150]) is model
    assert model.n_iter_ == 2
    assert model.n_updates_ == 5
    assert model.reconstruction_error_.shape == (2,)
    np.testing.assert_array_equal(model.reconstruction_error_[:1], errors)
    assert not np.array_equal(model.components_, before)


def test_partial_fit_after_fit_continues(digits):
    X = digits[0][:300]
    model = BernoulliPoE(n_components=8, n_iter=3, random_state=0).fit(X)
    assert model.partial_fit(X) is model
    assert model.n_iter_ == 4
    assert len(model.reconstruction_error_) == 4


def test_fit_learning_curve_decreases(digits):
    X = digits[0]
    model = BernoulliPoE(n_components=32, n_iter=10, batch_size=100, random_state=0).fit(X)
    curve = model.reconstruction_error_
    assert curve.shape == (10,)
    assert model.n_iter_ == 10
    assert model.n_updates_ == 10 * int(np.ceil(len(X) / 100))
    assert np.isfinite(curve).all() and (curve > 0).all()
    assert curve[-1] < 0.8 * curve[0]
    # it is the mean squared error per entry: data and reconstructions in [0, 1]
    assert curve.max() < 1


# ----------------------------------------------------- 7. PCD and CD-k
@pytest.mark.parametrize("params", [{"persistent": True}, {"cd_steps": 3}], ids=["pcd", "cd3"])
def test_pcd_and_cdk_train(digits, params):
    X = digits[0]
    model = BernoulliPoE(n_components=32, n_iter=10, batch_size=100, random_state=0,
                         **params).fit(X)
    for name in ("components_", "intercept_hidden_", "intercept_visible_"):
        assert np.isfinite(getattr(model, name)).all(), name
    curve = model.reconstruction_error_
    assert curve.shape == (10,)
    assert curve[-1] < 0.85 * curve[0]
    # it learned something: the weights moved far from their 0.01-scale init
    assert np.abs(model.components_).max() > 0.2
    # and it differs from plain CD-1 with the same seed
    cd1 = BernoulliPoE(n_components=32, n_iter=1, random_state=0).fit(X)
    other = BernoulliPoE(n_components=32, n_iter=1, random_state=0, **params).fit(X)
    assert not np.allclose(cd1.components_, other.components_)


# ---------------------------------------------------------------- 8. errors
_BAD_INPUTS = {
    "nan": (lambda X: np.where(np.arange(X.size).reshape(X.shape) == 3, np.nan, X), r"NaN \(1 values\)"),
    "inf": (lambda X: np.where(np.arange(X.size).reshape(X.shape) == 3, np.inf, X), r"inf \(1 values\)"),
    "negative": (lambda X: X - 0.5, r"Negative values.*\[0, 1\]"),
    "above_one": (lambda X: X + 0.5, r"\[0, 1\].*max="),
    "empty": (lambda X: X[:0], "0 sample"),
    "one_d": (lambda X: X[0], "Expected 2D array"),
}


@pytest.mark.parametrize("case", list(_BAD_INPUTS))
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_fit_rejects_bad_input(method, case):
    X = np.random.RandomState(0).uniform(size=(10, 5))
    make_bad, match = _BAD_INPUTS[case]
    model = BernoulliPoE(n_components=3, n_iter=1, random_state=0)
    with pytest.raises(ValueError, match=match):
        getattr(model, method)(make_bad(X))
    assert not hasattr(model, "components_")


@pytest.mark.parametrize("case", list(_BAD_INPUTS))
@pytest.mark.parametrize(
    "method", ["transform", "score_samples", "reconstruct", "gibbs", "partial_fit"]
)
def test_fitted_methods_reject_bad_input(method, case):
    X = np.random.RandomState(0).uniform(size=(10, 5))
    model = BernoulliPoE(n_components=3, n_iter=1, random_state=0).fit(X)
    make_bad, match = _BAD_INPUTS[case]
    with pytest.raises(ValueError, match=match):
        getattr(model, method)(make_bad(X))


@pytest.mark.parametrize("sparse_case", ["negative", "above_one", "nan"])
def test_sparse_bad_values_rejected(sparse_case):
    X = np.random.RandomState(0).uniform(size=(10, 5))
    X[X < 0.5] = 0
    value, match = {"negative": (-0.25, "Negative"), "above_one": (2.0, "max="), "nan": (np.nan, "NaN")}[
        sparse_case
    ]
    X[2, 3] = value
    with pytest.raises(ValueError, match=match):
        BernoulliPoE(n_components=3, n_iter=1).fit(sp.csr_matrix(X))


@pytest.mark.parametrize("method", ["transform", "score_samples", "reconstruct", "gibbs", "partial_fit"])
def test_wrong_n_features(method):
    X = np.random.RandomState(0).uniform(size=(10, 5))
    model = BernoulliPoE(n_components=3, n_iter=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match="X has 4 features.*expecting 5 features"):
        getattr(model, method)(X[:, :4])


@pytest.mark.parametrize("method", ["transform", "score_samples", "reconstruct", "gibbs"])
def test_unfitted_raises_not_fitted(method):
    with pytest.raises(NotFittedError):
        getattr(BernoulliPoE(), method)(np.zeros((2, 3)))
    with pytest.raises(NotFittedError):
        BernoulliPoE().sample(2)


# Divergence. lr = 1e30 with weight decay multiplies the weights by about
# -1e26 per update, so they overflow within the 18 minibatches of one epoch
# on the 1797 digits.
_HUGE_LR = 1e30


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_divergence_raises_training_diverged_error(digits, dtype):
    """Divergence must surface as TrainingDivergedError (a FloatingPointError),
    also where RuntimeWarnings are errors, as this project's pytest config
    makes them for skpoe -- not as a NumPy RuntimeWarning from mid-update."""
    X = digits[0].astype(dtype)
    model = BernoulliPoE(n_components=16, learning_rate=_HUGE_LR, n_iter=2, random_state=0)
    with pytest.raises(TrainingDivergedError, match="diverged"):
        model.fit(X)
    assert issubclass(TrainingDivergedError, FloatingPointError)
    with pytest.raises(NotFittedError):
        model.transform(X)


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_partial_fit_divergence_raises_and_restores(digits):
    X = digits[0]
    model = BernoulliPoE(n_components=16, n_iter=2, random_state=0).fit(X)
    saved = {k: getattr(model, k).copy() for k in ("components_", "intercept_hidden_", "intercept_visible_")}
    model.set_params(learning_rate=_HUGE_LR)
    with pytest.raises(TrainingDivergedError):
        model.partial_fit(X)
    for k, v in saved.items():
        np.testing.assert_array_equal(getattr(model, k), v, err_msg=k)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_divergence_leaves_unfitted(digits, method):
    """The roll-back logic itself, with NumPy's RuntimeWarnings silenced."""
    X = digits[0]
    model = BernoulliPoE(n_components=16, learning_rate=_HUGE_LR, n_iter=2, random_state=0)
    with pytest.raises(TrainingDivergedError, match="diverged"):
        getattr(model, method)(X)
    with pytest.raises(NotFittedError):
        model.transform(X)
    assert not hasattr(model, "components_")
    assert not hasattr(model, "n_iter_")
    # and the estimator can still be fitted normally afterwards
    model.set_params(learning_rate=0.1, n_iter=1)
    assert np.isfinite(model.fit(X).components_).all()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("persistent", [False, True])
def test_partial_fit_divergence_restores_parameters(digits, persistent):
    """The roll-back logic itself, with NumPy's RuntimeWarnings silenced."""
    X = digits[0]
    model = BernoulliPoE(n_components=16, n_iter=2, persistent=persistent, random_state=0).fit(X)
    names = ("components_", "intercept_hidden_", "intercept_visible_")
    saved = {k: getattr(model, k).copy() for k in names}
    curve = model.reconstruction_error_.copy()
    model.set_params(learning_rate=_HUGE_LR)
    with pytest.raises(TrainingDivergedError):
        model.partial_fit(X)
    for k in names:
        np.testing.assert_array_equal(getattr(model, k), saved[k], err_msg=k)
    assert model.n_iter_ == 2
    np.testing.assert_array_equal(model.reconstruction_error_, curve)
    # still usable: continuing with a sane learning rate gives finite parameters
    model.set_params(learning_rate=0.1)
    model.partial_fit(X)
    assert model.n_iter_ == 3
    assert np.isfinite(model.components_).all()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_partial_fit_divergence_restores_update_count(digits):
    """A rolled-back partial_fit made no updates: n_updates_ must not count them
    (it drives the momentum warm-up of later calls)."""
    X = digits[0]
    model = BernoulliPoE(n_components=16, n_iter=2, random_state=0).fit(X)
    n_updates = model.n_updates_
    model.set_params(learning_rate=_HUGE_LR)
    with pytest.raises(TrainingDivergedError):
        model.partial_fit(X)
    assert model.n_updates_ == n_updates


# -------------------------------------------------------------- 9. pipeline
def test_pipeline_with_logistic_regression(digits):
    X, y = digits
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    pipe = make_pipeline(
        BernoulliPoE(n_components=64, n_iter=20, random_state=0),
        LogisticRegression(C=10, max_iter=1000),
    )
    pipe.fit(X_train, y_train)
    # Measured 0.969 (0.93-0.94 with 10 epochs over seeds 0-4).
    assert pipe.score(X_test, y_test) > 0.92


def test_grid_search_over_n_components(digits):
    X, y = digits
    X, y = X[:600], y[:600]
    pipe = make_pipeline(
        BernoulliPoE(n_iter=10, batch_size=20, random_state=0),
        LogisticRegression(C=10, max_iter=500),
    )
    search = GridSearchCV(pipe, {"bernoullipoe__n_components": [16, 32]}, cv=2)
    search.fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert scores.shape == (2,)
    # Measured about 0.80 for both; chance is 0.1.
    assert (scores > 0.6).all()
    best = search.best_params_["bernoullipoe__n_components"]
    assert search.best_estimator_[0].components_.shape == (best, 64)


def test_get_feature_names_out(fitted):
    names = fitted.get_feature_names_out()
    assert list(names) == [f"bernoullipoe{i}" for i in range(16)]


def test_clone_unfitted(fitted):
    fresh = clone(fitted)
    assert not hasattr(fresh, "components_")
    assert fresh.get_params() == fitted.get_params()


# ------------------------------------------- persistent chains, order, log Z
def _transition(model):
    """Exact 16 x 16 matrix of one Gibbs step h -> v (binary) -> h of the tiny model."""
    W, c, b = _params(model)

    def bernoulli(states, probs):  # p(states | probs), all rows of states by all rows of probs
        return np.prod(np.where(states[None] == 1, probs[:, None], 1 - probs[:, None]), axis=2)

    v_given_h = bernoulli(ALL_V, expit(ALL_H @ W + b))  # (16, 256)
    h_given_v = bernoulli(ALL_H, expit(ALL_V @ W.T + c))  # (256, 16)
    return v_given_h @ h_given_v


def _state_frequencies(H):
    codes = (H.astype(int) * 2 ** np.arange(3, -1, -1)).sum(1)  # ALL_H's order
    return np.bincount(codes, minlength=16) / len(H)


@pytest.mark.parametrize("cd_steps", [1, 3])
def test_persistent_chains_take_cd_steps_gibbs_steps_and_grow_with_batch_size(cd_steps):
    """PCD-k: each update moves every persistent chain k full Gibbs steps
    (binary visible states), and chains added when batch_size is raised
    between partial_fit calls start from h = 0. Checked against the exact
    k-step transition of a tiny model, from 4,000 chains."""
    rng = np.random.RandomState(0)
    X = rng.randint(2, size=(4000, 8)).astype(float)
    model = BernoulliPoE(n_components=4, batch_size=10, persistent=True, cd_steps=cd_steps,
                         learning_rate=1e-300, random_state=0).partial_fit(X[:10])
    assert model._chain.shape == (10, 4)
    tiny = _tiny_model(5, scale=1.5)
    for name in ("components_", "intercept_hidden_", "intercept_visible_"):
        getattr(model, name)[...] = getattr(tiny, name)
    model.set_params(batch_size=4000).partial_fit(X)
    assert model._chain.shape == (4000, 4)
    expected = np.linalg.matrix_power(_transition(model), cd_steps)[0]  # from h = 0
    np.testing.assert_allclose(_state_frequencies(model._chain[10:]), expected, atol=0.03)
    other = np.linalg.matrix_power(_transition(model), 4 - cd_steps)[0]
    assert np.abs(other - expected).max() > 0.1  # k = 1 and k = 3 are told apart


@pytest.mark.parametrize("n, n_measured", [(20, 1), (250, 3)])
def test_pcd_step_against_formula(n, n_measured):
    """One PCD-1 update, momentum and weight decay off, against NumPy and the
    kernels' random streams (one key per sampling pass, drawn in order): the
    negative phase starts at the chains' hidden states, draws binary
    visible states from sigmoid(b + h W), takes P(h | those) as its
    statistics and moves the chains to hidden states drawn from it. The
    learning curve's error is the one-step reconstruction of one row in a
    hundred (at least one), scaled up."""
    rng = np.random.RandomState(3)
    X = rng.randint(2, size=(n, 8)).astype(float)
    model = BernoulliPoE(n_components=4, batch_size=n, n_iter=1, persistent=True,
                         learning_rate=0.3, weight_decay=0.0, random_state=0).fit(X)
    model.components_[...] = 1.5 * rng.standard_normal((4, 8))  # in place: the model's layout
    model.intercept_hidden_[...] = rng.standard_normal(4)
    model.intercept_visible_[...] = rng.standard_normal(8)
    W, c, b = (np.copy(a) for a in _params(model))
    chain = np.copy(model._chain)

    stream = np.random.default_rng(2)
    error = model._cd_step(np.ascontiguousarray(X), stream, 0.0)
    keys = [np.uint64(k) for k in np.random.default_rng(2).bit_generator.random_raw(3)]

    def drawn(P, key):
        out = np.empty_like(P)
        _kernels.bernoulli_sample(np.ascontiguousarray(P), key, out)
        return out

    H0 = expit(X @ W.T + c)
    S = drawn(H0[:n_measured], keys[0])
    V1 = drawn(expit(chain @ W + b), keys[1])
    np.testing.assert_array_equal(model._negative_visible(n), V1)
    H1 = expit(V1 @ W.T + c)
    np.testing.assert_array_equal(model._chain, drawn(H1, keys[2]))
    step = 0.3 / n
    np.testing.assert_allclose(model.components_, W + step * (H0.T @ X - H1.T @ V1),
                               rtol=1e-12)
    np.testing.assert_allclose(model.intercept_visible_, b + step * (X - V1).sum(0),
                               rtol=1e-12)
    np.testing.assert_allclose(model.intercept_hidden_, c + step * (H0 - H1).sum(0),
                               rtol=1e-12)
    assert error == pytest.approx(n / n_measured * np.sum((X[:n_measured] - expit(S @ W + b)) ** 2),
                                  rel=1e-12)


@pytest.mark.parametrize("persistent", [False, True])
def test_cd_step_in_float32_takes_the_transposed_down_product(persistent, monkeypatch):
    """A float32 minibatch of up to 128 rows on weights of 2**16 or more
    computes the top-down product as (W.T @ S.T).T (faster with OpenBLAS):
    one update that way equals the update with NumPy's ``S @ W``."""
    rng = np.random.RandomState(0)
    X = (rng.uniform(size=(64, 300)) < 0.3).astype(np.float32)
    models = [BernoulliPoE(n_components=256, batch_size=64, n_iter=1, persistent=persistent,
                           random_state=0).fit(X) for _ in range(2)]
    calls, kernel = [], _kernels.transpose

    def transpose(A, out):
        calls.append(A.shape)
        return kernel(A, out)

    monkeypatch.setattr(_kernels, "transpose", transpose)
    models[0]._cd_step(X, np.random.default_rng(1), 0.5)
    assert calls == [(300, 1)] * persistent + [(300, 64)]  # (PCD: the learning curve's row)
    monkeypatch.setattr(_bernoulli, "down_product",
                        lambda states, W, out, scratch: np.dot(states, W, out=out))
    models[1]._cd_step(X, np.random.default_rng(1), 0.5)
    for name in ("components_", "intercept_hidden_", "intercept_visible_"):
        np.testing.assert_allclose(getattr(models[0], name), getattr(models[1], name),
                                   rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(models[0]._negative_visible(64), models[1]._negative_visible(64),
                               rtol=1e-5, atol=1e-7)


def test_shuffle_false_keeps_the_order_of_the_rows(digits, monkeypatch):
    X = digits[0][:95]
    batches = []
    cd_step = BernoulliPoE._cd_step

    def spy(self, batch, rng, momentum):
        batches.append(batch.copy())
        return cd_step(self, batch, rng, momentum)

    monkeypatch.setattr(BernoulliPoE, "_cd_step", spy)
    BernoulliPoE(n_components=4, batch_size=20, n_iter=2, shuffle=False).fit(X)
    in_order = [X[start:start + 20] for start in range(0, 95, 20)]
    assert len(batches) == 10
    for got, expected in zip(batches, in_order * 2):
        np.testing.assert_array_equal(got, expected)
    batches.clear()
    BernoulliPoE(n_components=4, batch_size=20, n_iter=1, random_state=0).fit(X)
    assert not np.array_equal(batches[0], in_order[0])  # shuffled by default


def test_log_partition_base_rates_from_given_data():
    """AIS's base-rate model comes from the training data's pixel means, or
    from those of ``X``: another base model, the same log Z within its error."""
    rng = np.random.RandomState(0)
    X = (rng.uniform(size=(300, 8)) < np.linspace(0.1, 0.9, 8)).astype(float)
    model = BernoulliPoE(n_components=24, n_iter=5, batch_size=20, random_state=0).fit(X)
    exact = model.log_partition("exact")  # 2**8 visible states
    kwargs = dict(method="ais", n_betas=3000, n_chains=200, return_std=True)
    default, default_std = model.log_partition(**kwargs)
    same, _ = model.log_partition(X=X, **kwargs)
    assert same == default  # the training data's means are the default
    flat = np.full((2, 8), 0.5)
    flat[0] = 0.1  # pixel means 0.3: far from the training data's
    other, other_std = model.log_partition(X=flat, **kwargs)
    assert other != default
    for estimate, std in [(default, default_std), (other, other_std)]:
        assert abs(estimate - exact) < 4 * std + 0.05
