"""DeepBoltzmannMachine: correctness against exact enumeration on tiny models,
pretraining, learning, and what a scikit-learn user relies on.

A tiny DBM (a few units per layer) has few enough joint states to sum
over them all: its log Z, its posterior p(h | v) and its model statistics
are then exact, and the mean-field posterior, the bound, the persistent
chains and AIS are compared with them.
"""

import itertools
import warnings
import re
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit, logsumexp
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skpoe import BernoulliPoE, DeepBoltzmannMachine
from skpoe._dbm import _compose, _DoubledDownRBM, _DoubledUpRBM, _gibbs, _layer_class
from skpoe._math import sample_bernoulli


def _tiny_dbm(sizes, seed, scale=1.0):
    """A fitted DBM with layers ``sizes`` (visible first) whose parameters are
    then replaced by random ones, in float64."""
    rng = np.random.default_rng(seed)
    X = (rng.random((20, sizes[0])) < 0.5).astype(float)
    dbm = DeepBoltzmannMachine(sizes[1:], layer=BernoulliPoE(n_iter=1), n_iter=0,
                               mean_field_steps=200, random_state=0).fit(X)
    for k in range(1, len(sizes)):
        setattr(dbm, f"_W{k}", rng.normal(0, scale, (sizes[k - 1], sizes[k])))
    for k in range(len(sizes)):
        setattr(dbm, f"_b{k}", rng.normal(0, 1, sizes[k]))
    return dbm


def _enumerate(dbm):
    """Every joint state, split by layer, and its unnormalized log-probability."""
    sizes = dbm._sizes()
    states = np.array(list(itertools.product([0.0, 1.0], repeat=sum(sizes))))
    layers = np.split(states, np.cumsum(sizes)[:-1], axis=1)
    W, b = dbm._weights(), dbm._biases()
    log_p = sum(layer @ bias for layer, bias in zip(layers, b))
    log_p += sum(np.einsum("ij,jk,ik->i", layers[k], W[k], layers[k + 1])
                 for k in range(len(W)))
    return layers, log_p


def _digits_binary():
    X, y = load_digits(return_X_y=True)
    return (X > 7).astype(float), y


# ------------------------------------------------------------- pretraining
def test_layer_classes_double_the_first_and_last_rbm():
    assert _layer_class(0, 1) is BernoulliPoE  # one layer: an RBM
    assert [_layer_class(k, 2) for k in range(2)] == [_DoubledUpRBM, _DoubledDownRBM]
    assert [_layer_class(k, 4) for k in range(4)] == [
        _DoubledUpRBM, BernoulliPoE, BernoulliPoE, _DoubledDownRBM]


def test_compose_halves_the_middle_rbms_and_averages_biases():
    rng = np.random.default_rng(0)
    sizes = [6, 5, 4, 3]
    rbms = [SimpleNamespace(components_=rng.normal(size=(above, below)),
                            intercept_visible_=rng.normal(size=below),
                            intercept_hidden_=rng.normal(size=above))
            for below, above in zip(sizes[:-1], sizes[1:])]
    weights, biases = _compose(rbms)
    np.testing.assert_array_equal(weights[0], rbms[0].components_.T)
    np.testing.assert_array_equal(weights[1], 0.5 * rbms[1].components_.T)
    np.testing.assert_array_equal(weights[2], rbms[2].components_.T)
    np.testing.assert_array_equal(biases[0], rbms[0].intercept_visible_)
    for k in (1, 2):
        np.testing.assert_allclose(
            biases[k], 0.5 * (rbms[k - 1].intercept_hidden_ + rbms[k].intercept_visible_))
    np.testing.assert_array_equal(biases[3], rbms[2].intercept_hidden_)
    assert [w.shape for w in weights] == [(6, 5), (5, 4), (4, 3)]


def _one_cd_update(rbm_class, X, seed):
    """One CD-1 update (no momentum, no decay) and the same by NumPy."""
    rbm = rbm_class(3, n_iter=1, batch_size=len(X), momentum=0.0, weight_decay=0.0,
                    learning_rate=0.5, random_state=0).fit(X)
    W, c, b = (a.copy() for a in rbm._params_as(np.float64))
    rng = np.random.default_rng(seed)
    rbm._cd_step(X.copy(), np.random.default_rng(seed), 0.0)
    up = 2.0 if rbm_class is _DoubledUpRBM else 1.0
    down = 2.0 if rbm_class is _DoubledDownRBM else 1.0
    h_data = expit(up * X @ W.T + c)
    S = sample_bernoulli(h_data, rng)  # the kernel's stream: one key from rng
    v_model = expit(down * S @ W + b)
    h_model = expit(up * v_model @ W.T + c)
    rate = 0.5 / len(X)
    expected = W + rate * (h_data.T @ X - h_model.T @ v_model)
    np.testing.assert_allclose(rbm.components_, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(rbm.intercept_hidden_, c + rate * (h_data - h_model).sum(0),
                               atol=1e-12)
    np.testing.assert_allclose(rbm.intercept_visible_, b + rate * (X - v_model).sum(0),
                               atol=1e-12)
    return rbm


@pytest.mark.parametrize("rbm_class", [_DoubledUpRBM, _DoubledDownRBM, BernoulliPoE])
def test_pretraining_rbms_double_their_input_in_both_phases(rbm_class):
    """The first RBM's hidden units get 2 W v, the last one's visible units
    2 W.T h, in the positive and the negative phase; the gradient is the
    plain RBM's."""
    X = (np.random.default_rng(1).random((8, 5)) < 0.5).astype(float)
    rbm = _one_cd_update(rbm_class, X, seed=3)
    up = 2.0 if rbm_class is _DoubledUpRBM else 1.0
    W, c, _ = rbm._params_as(np.float64)
    np.testing.assert_allclose(rbm.transform(X), expit(up * X @ W.T + c), rtol=1e-12)


# ---------------------------------------------- mean field and the bound
@pytest.mark.parametrize("sizes", [[5, 4, 3], [4, 3, 3, 2]])
def test_mean_field_is_a_fixed_point_that_minimizes_kl(sizes):
    """Against enumeration: the mean-field marginals solve the fixed-point
    equations, no small change of one marginal lowers KL(q || p(h | v)), and
    the bound is exactly log p(v) - KL(q || p(h | v))."""
    dbm = _tiny_dbm(sizes, seed=len(sizes))
    layers, log_p = _enumerate(dbm)
    log_z = logsumexp(log_p)
    V = np.array([[1, 0, 1, 1, 0], [0, 0, 1, 0, 1], [1, 1, 1, 1, 1]], float)[:, :sizes[0]]
    Q = np.split(dbm.transform(V), np.cumsum(sizes[1:])[:-1], axis=1)
    mu = [V, *Q]
    W, b = dbm._weights(), dbm._biases()
    for k in range(1, len(sizes)):  # the fixed-point equations
        net = mu[k - 1] @ W[k - 1] + b[k]
        if k < len(sizes) - 1:
            net += mu[k + 1] @ W[k].T
        np.testing.assert_allclose(mu[k], expit(net), atol=1e-9)

    bound = dbm.score_samples(V) - dbm.log_partition("exact")
    for i, v in enumerate(V):
        match = np.all(layers[0] == v, axis=1)
        log_joint = log_p[match] - log_z  # log p(v, h) over every h
        log_pv = logsumexp(log_joint)
        H = [layer[match] for layer in layers[1:]]

        def kl(q):
            log_q = sum(h @ np.log(m) + (1 - h) @ np.log1p(-m) for h, m in zip(H, q))
            return np.sum(np.exp(log_q) * (log_q - (log_joint - log_pv)))

        q = [m[i] for m in Q]
        assert bound[i] == pytest.approx(log_pv - kl(q), abs=1e-9)
        assert bound[i] <= log_pv + 1e-12
        for k, m in enumerate(q):
            for j in range(len(m)):
                for step in (-1e-2, 1e-2):  # on the logit scale: q stays in (0, 1)
                    moved = [x.copy() for x in q]
                    moved[k][j] = expit(np.log(m[j]) - np.log1p(-m[j]) + step)
                    assert kl(moved) > kl(q)


def test_mean_field_is_exact_for_one_hidden_layer_and_close_for_weak_weights():
    X = np.array([[1, 0, 1, 1], [0, 1, 0, 0]], float)
    for sizes, scale, atol in [([4, 5], 1.0, 1e-12), ([4, 3, 3], 0.05, 2e-3)]:
        dbm = _tiny_dbm(sizes, seed=7, scale=scale)
        layers, log_p = _enumerate(dbm)
        log_z = logsumexp(log_p)
        for v, q in zip(X, dbm.transform(X)):
            match = np.all(layers[0] == v, axis=1)
            post = np.exp(log_p[match] - logsumexp(log_p[match]))
            exact = np.hstack([post @ layer[match] for layer in layers[1:]])
            np.testing.assert_allclose(q, exact, atol=atol)
        if len(sizes) == 2:  # the bound is tight: the exact log-likelihood
            exact_ll = [logsumexp(log_p[np.all(layers[0] == v, axis=1)]) - log_z for v in X]
            np.testing.assert_allclose(dbm.score_samples(X) - log_z, exact_ll, atol=1e-10)


# --------------------------------------------------- the persistent chains
def test_gibbs_statistics_match_the_exact_model_statistics():
    """The chains' Rao-Blackwellized statistics (odd layers sampled, even
    layers' probabilities) against the exact <h_{k-1} h_k> of the model."""
    dbm = _tiny_dbm([4, 3, 3], seed=0)
    layers, log_p = _enumerate(dbm)
    p = np.exp(log_p - logsumexp(log_p))
    n = 20000
    rng = np.random.default_rng(1)
    sizes = dbm._sizes()
    even = [(rng.random((n, s)) < 0.5).astype(float) if k % 2 == 0 else None
            for k, s in enumerate(sizes)]
    states = [np.empty((n, s)) for s in sizes]
    _gibbs(even, states, dbm._weights(), dbm._biases(),
           [None, *map(np.empty_like, states[1:])], 50, rng)
    for k in range(2):
        exact = (layers[k].T * p) @ layers[k + 1]
        products = states[k][:, :, None] * states[k + 1][:, None, :]
        error = products.std(axis=0) / np.sqrt(n)
        assert np.all(np.abs(products.mean(axis=0) - exact) < 5 * error + 1e-3)
    for k in range(3):  # and every unit's marginal
        error = states[k].std(axis=0) / np.sqrt(n) + 1e-3
        assert np.all(np.abs(states[k].mean(axis=0) - p @ layers[k]) < 5 * error)
    # sample() runs the same chains from random states
    fantasies = dbm.sample(n, n_steps=50, random_state=0)
    assert np.all(np.abs(fantasies.mean(axis=0) - p @ layers[0]) < 0.02)


def test_one_update_follows_the_gradient_of_the_bound():
    """With chains at equilibrium, an update is learning_rate times mean-field
    data statistics minus the exact model statistics (no momentum, no decay)."""
    dbm = _tiny_dbm([4, 3, 3], seed=0)
    layers, log_p = _enumerate(dbm)
    p = np.exp(log_p - logsumexp(log_p))
    n, rate = 8000, 1e-3
    rng = np.random.default_rng(2)
    batch = np.repeat((rng.random((8, 4)) < 0.5).astype(float), n // 8, axis=0)
    # equilibrated chains: sampled from the exact joint distribution
    joint = rng.choice(len(p), size=n, p=p)
    dbm._chain0, dbm._chain2 = layers[0][joint], layers[2][joint]
    dbm.set_params(learning_rate=rate, learning_rate_decay=0, weight_decay=0)
    dbm._buffers = {}
    before = [a.copy() for a in dbm._weights() + dbm._biases()]
    dbm._cd_step(batch, rng, 0.0)
    after = dbm._weights() + dbm._biases()
    mu = dbm._posterior(batch)
    expected = [mu[k].T @ mu[k + 1] / n - (layers[k].T * p) @ layers[k + 1] for k in range(2)]
    expected += [mu[k].mean(0) - p @ layers[k] for k in range(3)]
    for old, new, grad in zip(before, after, expected):
        np.testing.assert_allclose((new - old) / rate, grad, atol=0.04)


# ------------------------------------------------------------------ log Z
@pytest.mark.parametrize("sizes", [[4, 3], [3, 4, 3], [3, 2, 3, 2], [2, 3, 2, 2, 2]])
def test_exact_log_partition_matches_enumeration(sizes):
    dbm = _tiny_dbm(sizes, seed=sum(sizes), scale=1.5)
    _, log_p = _enumerate(dbm)
    assert dbm.log_partition("exact") == pytest.approx(logsumexp(log_p), abs=1e-9)
    assert dbm.log_partition() == dbm.log_partition("exact")  # "auto" is exact here
    assert dbm.log_partition(return_std=True)[1] == 0.0


@pytest.mark.parametrize("sizes", [[6, 5, 4], [4, 3, 3, 3]])
def test_ais_log_partition_agrees_with_enumeration(sizes):
    dbm = _tiny_dbm(sizes, seed=1)
    _, log_p = _enumerate(dbm)
    estimate, std = dbm.log_partition("ais", n_betas=3000, n_chains=200, return_std=True)
    assert 0 < std < 0.1
    assert abs(estimate - logsumexp(log_p)) < 4 * std + 1e-3
    # the base rates from data instead of the running means: the same Z
    X = (np.random.default_rng(0).random((30, sizes[0])) < 0.5).astype(float)
    other, std = dbm.log_partition("ais", n_betas=3000, n_chains=200, X=X, return_std=True)
    assert abs(other - logsumexp(log_p)) < 4 * std + 1e-3


def test_log_partition_refuses_an_unknown_method():
    with pytest.raises(ValueError, match="'auto', 'exact' or 'ais'"):
        _tiny_dbm([3, 2], seed=0).log_partition("magic")


# -------------------------------------------------------------- learning
@pytest.fixture(scope="module")
def digits():
    return _digits_binary()


def test_joint_training_raises_the_bound_over_the_composed_model(digits):
    """The test bound (exact log Z: 16 odd units) after joint training beats
    the composed, pretrained model's, and the persistent chains' fantasies
    have moved to the data's pixel statistics."""
    X, _ = digits
    X_train, X_test = X[:1400], X[1400:]
    params = dict(hidden_layer_sizes=(16, 32), gibbs_steps=5, learning_rate=0.001,
                  random_state=0)
    composed = DeepBoltzmannMachine(n_iter=0, **params).fit(X_train)
    trained = DeepBoltzmannMachine(n_iter=30, **params).fit(X_train)
    for model in (composed, trained):
        assert model.log_partition(return_std=True)[1] == 0.0  # exact
    gain = trained.score(X_test) - composed.score(X_test)
    assert gain > 1.0, gain
    assert trained.score(X_train) > composed.score(X_train) + 1.0


def test_features_classify_digits(digits):
    """Mean-field features beat the pixels (0.866 on binarized digits; 0.884)."""
    X, y = digits
    pixels = LogisticRegression(max_iter=1000).fit(X[:1200], y[:1200]).score(X[1200:], y[1200:])
    pipe = make_pipeline(
        DeepBoltzmannMachine((64, 64), n_iter=100, random_state=0),
        LogisticRegression(max_iter=2000),
    ).fit(X[:1200], y[:1200])
    assert pipe[0].batch_size_ == 100  # "auto": 100 chains, whatever the data size
    assert pipe.score(X[1200:], y[1200:]) > pixels


# ------------------------------------------------------- the estimator
SMALL = dict(layer=BernoulliPoE(n_iter=2, batch_size=20), n_iter=2, batch_size=20,
             random_state=0)


def test_transform_concatenates_layers_named_by_layer(digits):
    X, _ = digits
    dbm = DeepBoltzmannMachine((8, 4), **SMALL).fit(X)
    T = dbm.transform(X[:5])
    assert T.shape == (5, 12) and np.all((T >= 0) & (T <= 1))
    names = dbm.get_feature_names_out()
    assert list(names[:2]) == ["deepboltzmannmachine_layer1_0", "deepboltzmannmachine_layer1_1"]
    assert names[-1] == "deepboltzmannmachine_layer2_3"
    assert all(re.fullmatch(r"deepboltzmannmachine_layer[12]_\d", n) for n in names)
    assert [W.shape for W in dbm.components_] == [(8, 64), (4, 8)]
    assert [b.shape for b in dbm.intercepts_hidden_] == [(8,), (4,)]
    assert dbm.intercept_visible_.shape == (64,)


def test_sparse_float32_and_chunked_input_give_the_same_results(digits):
    X, _ = digits
    dbm = DeepBoltzmannMachine((8, 4), **SMALL).fit(X)
    dense = dbm.transform(X)
    np.testing.assert_allclose(dbm.transform(sp.csr_matrix(X)), dense, atol=1e-12)
    np.testing.assert_allclose(dbm.score_samples(sp.csr_matrix(X)), dbm.score_samples(X),
                               rtol=1e-12)
    assert dbm.transform(X.astype(np.float32)).dtype == np.float32
    # rows are independent: the chunked result is each row's alone
    big = np.repeat(X, 2, axis=0)  # 3594 rows: four chunks
    np.testing.assert_allclose(dbm.transform(big)[::2], dense, atol=1e-12)
    np.testing.assert_allclose(dbm.transform(X[7:8]), dense[7:8], atol=1e-12)


def test_float32_training_keeps_float32(digits):
    X, _ = digits
    dbm = DeepBoltzmannMachine((8, 4), **SMALL).fit(X.astype(np.float32))
    assert all(W.dtype == np.float32 for W in dbm.components_)
    assert dbm.score_samples(X.astype(np.float32)).dtype == np.float32


def test_no_joint_training_is_the_composed_model(digits):
    X, _ = digits
    dbm = DeepBoltzmannMachine((8, 4), **{**SMALL, "n_iter": 0}).fit(X)
    assert dbm.n_iter_ == dbm.n_updates_ == 0 and dbm.reconstruction_error_.shape == (0,)
    more = DeepBoltzmannMachine((8, 4), **SMALL).fit(X)
    # the same pretraining: joint training starts from it
    assert more.n_updates_ > 0
    assert not np.array_equal(more.components_[0], dbm.components_[0])


def test_partial_fit_pretrains_once_then_goes_on(digits):
    X, _ = digits
    dbm = DeepBoltzmannMachine((8, 4), **SMALL)
    dbm.partial_fit(X[:300])
    assert dbm.n_iter_ == 1 and dbm.n_updates_ == 15 and dbm._chain0.shape == (20, 64)
    weights = dbm.components_[0].copy()
    dbm.set_params(batch_size=40).partial_fit(X)  # larger minibatches: new chains at the data
    assert dbm.n_iter_ == 2 and dbm._chain0.shape == (40, 64) and dbm._chain2.shape == (40, 4)
    assert not np.array_equal(weights, dbm.components_[0])
    fitted = DeepBoltzmannMachine((8, 4), **{**SMALL, "n_iter": 2}).fit(X)
    streamed = DeepBoltzmannMachine((8, 4), **SMALL)
    streamed.partial_fit(X).partial_fit(X)
    np.testing.assert_array_equal(fitted.components_[1], streamed.components_[1])


def test_sample_from_fresh_or_persistent_chains(digits):
    X, _ = digits
    dbm = DeepBoltzmannMachine((8, 4), **SMALL).fit(X)
    a = dbm.sample(5, n_steps=3, random_state=0)
    assert a.shape == (5, 64) and np.all((a >= 0) & (a <= 1))
    np.testing.assert_array_equal(a, dbm.sample(5, n_steps=3, random_state=0))
    chains = dbm.sample(45, n_steps=1, from_chains=True, random_state=0)  # more than 20 chains
    assert chains.shape == (45, 64)
    assert not np.array_equal(dbm.sample(5, n_steps=1, random_state=1)[:5], chains[:5])


def test_one_hidden_layer_is_an_rbm(digits):
    """One layer: plain RBM pretraining, exact posterior, the RBM's log Z."""
    X, _ = digits
    dbm = DeepBoltzmannMachine(6, **SMALL).fit(X)
    W, c = dbm.components_[0], dbm.intercepts_hidden_[0]
    np.testing.assert_allclose(dbm.transform(X), expit(X @ W.T + c), atol=1e-12)
    rbm = BernoulliPoE(6).fit(X[:20])
    rbm.components_, rbm.intercept_hidden_, rbm.intercept_visible_ = W, c, dbm.intercept_visible_
    np.testing.assert_allclose(dbm.score_samples(X), rbm.score_samples(X), rtol=1e-10)
    assert dbm.log_partition() == pytest.approx(rbm.log_partition(), abs=1e-9)


def test_verbose_reports_pretraining_plan_and_epochs(digits, capsys):
    X, _ = digits
    DeepBoltzmannMachine((8, 4), **{**SMALL, "verbose": 1}).fit(X)
    out = capsys.readouterr().out
    assert "pretraining layer 1/2: 64 -> 8 units, bottom-up input doubled" in out
    assert "pretraining layer 2/2: 8 -> 4 units, top-down input doubled" in out
    assert "[DeepBoltzmannMachine] 1797 samples: 2 epochs of 90 minibatches of 20" in out
    assert len(re.findall(r"\[DeepBoltzmannMachine\] epoch \d+, reconstruction error", out)) == 2
    assert len(re.findall(r"\[_Doubled(Up|Down)RBM\] epoch", out)) == 4


@pytest.mark.parametrize("sizes", [(), (4, 0), "big", (3.5,)])
def test_bad_layer_sizes_are_refused(sizes, digits):
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        DeepBoltzmannMachine(sizes, **SMALL).fit(digits[0])


def test_the_template_is_validated(digits):
    with pytest.raises(ValueError, match="learning_rate"):
        DeepBoltzmannMachine((4, 4), layer=BernoulliPoE(learning_rate=-1.0)).fit(digits[0])


def test_an_ais_estimate_below_a_chain_state_warns():
    """A persistent chain's state bounds Z from below: an AIS estimate under
    it (here too few temperatures on a sharp model) is reported."""
    dbm = _tiny_dbm([6, 5, 4], seed=0, scale=5.0)
    layers, log_p = _enumerate(dbm)
    best = np.argmax(log_p)
    dbm._chain0, dbm._chain2 = layers[0][[best]], layers[2][[best]]
    with pytest.warns(UserWarning, match="AIS missed part of the distribution"):
        dbm.log_partition("ais", n_betas=3, n_chains=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        estimate = dbm.log_partition("ais", n_betas=5000, n_chains=100)
    assert estimate == pytest.approx(logsumexp(log_p), abs=0.2)
