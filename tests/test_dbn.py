"""DeepBeliefNet: greedy stacking, hierarchical goodness, generation."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline

from skpoe import BernoulliPoE, DeepBeliefNet, TrainingDivergedError


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


@pytest.fixture(scope="module")
def dbn(digits):
    X, _ = digits
    layer = BernoulliPoE(n_iter=10, batch_size=20)
    return DeepBeliefNet((48, 24), layer=layer, random_state=0).fit(X)


def test_layers_are_greedy_bernoulli_poes(dbn, digits):
    X, _ = digits
    first, second = dbn.layers_
    assert (first.n_components, second.n_components) == (48, 24)
    assert second.n_features_in_ == 48
    # Layer 2 is exactly a BernoulliPoE trained on layer 1's probabilities.
    again = BernoulliPoE(24, n_iter=10, batch_size=20, random_state=second.random_state)
    again.fit(first.transform(X))
    np.testing.assert_allclose(again.components_, second.components_)


def test_layer_scores(dbn, digits):
    X, _ = digits
    scores = dbn.layer_scores(X)
    assert scores.shape == (len(X), 2)
    np.testing.assert_allclose(scores[:, 0], dbn.layers_[0].score_samples(X))
    H1 = dbn.layers_[0].transform(X)
    np.testing.assert_allclose(scores[:, 1], dbn.layers_[1].score_samples(H1))
    np.testing.assert_allclose(dbn.score_samples(X), scores.sum(1))


def test_transform_is_the_up_pass(dbn, digits):
    X, _ = digits
    expected = dbn.layers_[1].transform(dbn.layers_[0].transform(X))
    np.testing.assert_allclose(dbn.transform(X), expected)
    assert dbn.get_feature_names_out()[0] == "deepbeliefnet0"


def test_goodness_ranks_digits_above_noise(dbn, digits):
    X, _ = digits
    noise = np.random.default_rng(0).permuted(X, axis=1)
    digits_scores, noise_scores = dbn.layer_scores(X), dbn.layer_scores(noise)
    # Layer 1 separates them completely (measured: 5th percentile of digits
    # 27.7, 95th of noise 3.1); layer 2 only sees layer 1's activities and
    # separates them weakly (medians 16.2 vs 14.9).
    assert np.percentile(digits_scores[:, 0], 5) > np.percentile(noise_scores[:, 0], 95)
    assert np.median(digits_scores[:, 1]) > np.median(noise_scores[:, 1]) + 0.5


def test_sample(dbn):
    a = dbn.sample(5, n_steps=50, random_state=0)
    b = dbn.sample(5, n_steps=50, random_state=0)
    assert a.shape == (5, 64) and np.all((a >= 0) & (a <= 1))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, dbn.sample(5, n_steps=50, random_state=1))


def test_same_random_state_same_net(digits):
    X, _ = digits
    nets = [DeepBeliefNet((8, 4), layer=BernoulliPoE(n_iter=2), random_state=3).fit(X)
            for _ in range(2)]
    for a, b in zip(nets[0].layers_, nets[1].layers_):
        np.testing.assert_array_equal(a.components_, b.components_)


@pytest.mark.parametrize("sizes", [(), (10, 0), (5, -1), "abc", (2.5,)])
def test_bad_hidden_layer_sizes(digits, sizes):
    X, _ = digits
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        DeepBeliefNet(sizes).fit(X[:20])


def test_features_and_grid_search_in_pipeline(digits):
    X, y = digits
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
    pipe = make_pipeline(
        DeepBeliefNet(layer=BernoulliPoE(n_iter=20, batch_size=20), random_state=0),
        LogisticRegression(max_iter=2000),
    )
    sizes = [(64,), (128, 64)]
    search = GridSearchCV(pipe, {"deepbeliefnet__hidden_layer_sizes": sizes}, cv=2)
    search.fit(X_train, y_train)
    # The parameter is searched, never rewritten by fit.
    best = search.best_params_["deepbeliefnet__hidden_layer_sizes"]
    assert search.best_estimator_[0].hidden_layer_sizes == best
    assert [layer.n_components for layer in search.best_estimator_[0].layers_] == list(best)
    assert search.score(X_test, y_test) > 0.9


# ------------------------------------------------------- DeepBeliefNetClassifier
import itertools  # noqa: E402

from scipy.special import expit, logsumexp, softmax  # noqa: E402

from skpoe import DeepBeliefNetClassifier  # noqa: E402
from skpoe._math import sigmoid_  # noqa: E402


@pytest.fixture(scope="module")
def dbn_clf(digits):
    X, y = digits
    layer = BernoulliPoE(n_iter=20, batch_size=20)
    return DeepBeliefNetClassifier((64, 64, 128), layer=layer, random_state=0).fit(X, y)


def test_label_posterior_matches_brute_force(digits):
    """p(c | pen) by free energies equals summing the top RBM's joint over
    all 2**n_top hidden states, on a tiny model."""
    X, y = digits
    clf = DeepBeliefNetClassifier((5, 6), layer=BernoulliPoE(n_iter=3), random_state=0)
    clf.fit(X[:300], y[:300])
    pen = clf.transform(X[:20])
    top = clf.top_
    n_pen = pen.shape[1]
    W, U = top.components_[:, :n_pen], top.components_[:, n_pen:]
    c, d = top.intercept_hidden_, top.intercept_visible_[n_pen:]
    assert U.shape == (6, len(clf.classes_))
    H = np.array(list(itertools.product([0, 1], repeat=6)), float)
    proba = clf.predict_proba(X[:20])
    for i in range(20):
        # -E(pen, c, h) = h.(W pen + U_c + c) + d_c + a.pen (the last is the same for all c)
        log_joint = np.array([
            logsumexp(H @ (W @ pen[i] + U[:, label] + c)) + d[label]
            for label in range(len(clf.classes_))
        ])
        np.testing.assert_allclose(proba[i], np.exp(log_joint - logsumexp(log_joint)), rtol=1e-6)


def test_classifier_accuracy(digits, dbn_clf):
    X, y = digits
    assert dbn_clf.score(X, y) > 0.93  # training accuracy, measured 0.97
    np.testing.assert_array_equal(
        dbn_clf.predict(X), dbn_clf.classes_[dbn_clf.decision_function(X).argmax(1)]
    )
    binary = DeepBeliefNetClassifier((8, 8), layer=BernoulliPoE(n_iter=5), random_state=0)
    binary.fit(X[y < 2], y[y < 2])
    scores = binary.decision_function(X[y < 2])
    assert scores.shape == (np.sum(y < 2),)
    np.testing.assert_array_equal(binary.predict(X[y < 2]), (scores > 0).astype(int))


def _generative_fit(clf, X):
    """Mean log p(v | h) under the bottom generative weights, h from recognition."""
    H = clf.layers_[0].transform(X)
    P = np.clip(sigmoid_(H @ clf.generative_weights_[0], clf.generative_biases_[0]), 1e-7, 1 - 1e-7)
    return np.mean(np.sum(X * np.log(P) + (1 - X) * np.log(1 - P), axis=1))


def test_up_down_improves_the_generative_model(digits, dbn_clf):
    """What up-down optimizes: predicting each wake layer from the one above
    (measured -16.24 greedy, -15.88 after 20 epochs)."""
    X, y = digits
    tuned = DeepBeliefNetClassifier(
        (64, 64, 128), layer=BernoulliPoE(n_iter=20, batch_size=20),
        fine_tune_epochs=20, batch_size=20, random_state=0,
    ).fit(X, y)
    assert _generative_fit(tuned, X) > _generative_fit(dbn_clf, X) + 0.2
    # Untied: recognition weights moved away from the generative ones.
    assert not np.allclose(tuned.layers_[0].components_, tuned.generative_weights_[0])
    assert tuned.score(X, y) > 0.9


def test_sample_class(dbn_clf):
    a = dbn_clf.sample_class(3, 4, n_steps=50, random_state=0)
    assert a.shape == (4, 64) and np.all((a >= 0) & (a <= 1))
    np.testing.assert_array_equal(a, dbn_clf.sample_class(3, 4, n_steps=50, random_state=0))
    with pytest.raises(ValueError, match="Unknown label"):
        dbn_clf.sample_class(42)


def test_classifier_needs_two_layers(digits):
    X, y = digits
    with pytest.raises(ValueError, match="at least 2 hidden layers"):
        DeepBeliefNetClassifier((10,)).fit(X[:50], y[:50])


@pytest.mark.parametrize("rate", [1e307, 1e300, 1e10])
def test_huge_fine_tuning_rate_is_reported(digits, rate):
    """A huge fine-tuning rate ends in TrainingDivergedError naming the rate,
    never in silent NaN or a half-fitted model: weights far beyond any
    sensible model's count as diverged even where they stay finite."""
    X, y = digits
    clf = DeepBeliefNetClassifier((8, 8), layer=BernoulliPoE(n_iter=1), fine_tune_epochs=2,
                                  fine_tune_learning_rate=rate, random_state=0)
    with pytest.raises(TrainingDivergedError, match="up-down.*fine_tune_learning_rate"):
        clf.fit(X, y)
    assert not hasattr(clf, "classes_")


# ----------------------------------------------------- variational bound (issue 6)
def _binary_data(digits):
    X, _ = digits
    return (X > 0.5).astype(float)


def test_bound_of_one_layer_is_the_exact_log_likelihood(digits):
    X = _binary_data(digits)
    dbn = DeepBeliefNet((6,), layer=BernoulliPoE(n_iter=5, batch_size=20), random_state=0)
    dbn.fit(X)
    exact = dbn.layers_[0].score_samples(X) - dbn.layers_[0].log_partition()
    np.testing.assert_allclose(dbn.log_likelihood_bound(X, n_samples=1), exact)


def test_bound_is_below_the_exact_log_likelihood(digits):
    """Tiny 2-layer net: log p(v) = log sum_h p(v | h) p(h), p(h) the top RBM's
    exact marginal, by enumerating all 2**5 first-layer states."""
    X = _binary_data(digits)[:, ::4][:, :10]  # 10 binary pixels
    dbn = DeepBeliefNet((5, 3), layer=BernoulliPoE(n_iter=10, batch_size=20), random_state=0)
    dbn.fit(X)
    first, top = dbn.layers_
    H = np.array(list(itertools.product([0, 1], repeat=5)), float)
    log_p_h = top.score_samples(H) - top.log_partition()
    logits = H @ first.components_ + first.intercept_visible_  # (32, 10)
    log_p_v_given_h = X @ logits.T - np.logaddexp(0, logits).sum(1)  # (n, 32)
    exact = logsumexp(log_p_v_given_h + log_p_h, axis=1)
    bound = dbn.log_likelihood_bound(X, n_samples=200)
    gap = exact - bound
    # Measured: exact -2.908, bound -2.917 nats per sample. Dropping the
    # entropy term of Q, or a sign, moves the bound by nats.
    assert 0 < np.mean(gap) < 0.2  # a lower bound on average, and a tight one
    assert np.all(gap > -0.2)  # per sample too, up to sampling noise


# ------------------------------------------- the stack's layers, the top RBM
from sklearn.base import clone  # noqa: E402
from sklearn.preprocessing import MinMaxScaler  # noqa: E402
from sklearn.utils._param_validation import InvalidParameterError  # noqa: E402

from skpoe import UnigaussPoE  # noqa: E402
from skpoe._dbn_classifier import _LabeledRBM  # noqa: E402


class _QuietPoE(BernoulliPoE):
    """A BernoulliPoE subclass, as a user might write one: its own transform."""

    def transform(self, X):
        return super().transform(X) * 1.0


@pytest.mark.parametrize("estimator", [DeepBeliefNet((8, 4)), DeepBeliefNetClassifier((8, 4))],
                         ids=lambda e: type(e).__name__)
def test_layer_may_be_a_bernoulli_poe_subclass(digits, estimator):
    X, y = digits
    est = clone(estimator).set_params(layer=_QuietPoE(n_iter=2, batch_size=20), random_state=0)
    est.fit(X[:300], y[:300])
    assert all(type(layer) is _QuietPoE for layer in est.layers_)
    plain = clone(estimator).set_params(layer=BernoulliPoE(n_iter=2, batch_size=20),
                                        random_state=0).fit(X[:300], y[:300])
    np.testing.assert_array_equal(est.transform(X[:20]), plain.transform(X[:20]))


@pytest.mark.parametrize("layer", [UnigaussPoE(), make_pipeline(MinMaxScaler(), BernoulliPoE())],
                         ids=["UnigaussPoE", "Pipeline"])
@pytest.mark.parametrize("estimator", [DeepBeliefNet((8, 4)), DeepBeliefNetClassifier((8, 4))],
                         ids=lambda e: type(e).__name__)
def test_layer_must_be_a_bernoulli_poe(digits, estimator, layer):
    """The stack reads each layer's weights: anything else is refused up
    front, naming the parameter and the class it needs."""
    X, y = digits
    est = clone(estimator).set_params(layer=layer)
    with pytest.raises(InvalidParameterError, match=r"'layer' parameter.*BernoulliPoE"):
        est.fit(X[:50], y[:50])


@pytest.mark.parametrize("steps", [(0,), (), (3, -1), (2.5,), "abc", None])
def test_bad_fine_tune_gibbs_steps(digits, steps):
    """Refused before any training (once a (0,) failed deep inside fit)."""
    X, y = digits
    clf = DeepBeliefNetClassifier((8, 8), fine_tune_epochs=1, fine_tune_gibbs_steps=steps)
    sequence = not isinstance(steps, (str, type(None)))
    message = "must be a non-empty sequence of positive integers" if sequence else "array-like"
    with pytest.raises(ValueError, match=f"fine_tune_gibbs_steps.* {message}"):
        clf.fit(X[:50], y[:50])
    assert not hasattr(clf, "layers_")


def test_top_rbm_keeps_its_number_of_labels_when_cloned(dbn_clf):
    top = dbn_clf.top_
    assert isinstance(top, _LabeledRBM) and top.n_labels == 10
    copy = clone(top)
    assert copy.n_labels == 10 and copy.get_params() == top.get_params()
    # The top RBM's parameters are the layer template's, n_labels aside.
    assert set(top.get_params()) == set(BernoulliPoE().get_params()) | {"n_labels"}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_top_rbm_visible_probabilities_are_sigmoids_then_a_label_softmax(dbn_clf, dtype):
    """P(v | h) of the associative memory: a sigmoid per penultimate unit,
    one softmax over the label units (Hinton, Osindero & Teh 2006, eq. 10),
    in place, the bias untouched."""
    rng = np.random.default_rng(0)
    top = dbn_clf.top_
    A = (5 * rng.standard_normal((7, 30))).astype(dtype)
    b = rng.standard_normal(30).astype(dtype)
    logits, b_before = A.astype(np.float64) + b, b.copy()
    out = top._visible_probabilities(A, b)
    assert out is A
    expected = np.hstack([expit(logits[:, :-10]), softmax(logits[:, -10:], axis=1)])
    np.testing.assert_allclose(A, expected, rtol=1e-5 if dtype == np.float32 else 1e-12,
                               atol=1e-7 if dtype == np.float32 else 0)
    np.testing.assert_array_equal(b, b_before)


def test_top_level_cd_is_the_top_rbms_own_cd_step(digits, monkeypatch):
    """Up-down trains the associative memory by BernoulliPoE's CD step, with
    the layer template's momentum, k rising as scheduled, at the fine-tuning
    rate; afterwards the top RBM's parameters are as greedy training left them."""
    X, y = digits
    calls = []
    cd_step = BernoulliPoE._cd_step

    def spy(self, batch, rng, momentum):
        if isinstance(self, _LabeledRBM):
            calls.append((momentum, self.cd_steps, self.learning_rate, batch.shape))
        return cd_step(self, batch, rng, momentum)

    monkeypatch.setattr(BernoulliPoE, "_cd_step", spy)
    layer = BernoulliPoE(n_iter=1, batch_size=50, momentum=0.5, momentum_warmup=0)
    clf = DeepBeliefNetClassifier((8, 6), layer=layer, fine_tune_epochs=4, batch_size=100,
                                  fine_tune_gibbs_steps=(1, 3), fine_tune_learning_rate=0.02,
                                  random_state=0)
    clf.fit(X[:400], y[:400])
    greedy, fine = calls[:8], calls[8:]  # 400 / 50 greedy updates, then 4 x 400 / 100
    assert {c[:3] for c in greedy} == {(0.5, 1, 0.1)}
    assert [c[:3] for c in fine] == [(0.5, 1, 0.02)] * 8 + [(0.5, 3, 0.02)] * 8
    assert {c[3] for c in fine} == {(100, 8 + 10)}  # penultimate units and labels
    assert (clf.top_.learning_rate, clf.top_.cd_steps) == (0.1, 1)
    assert clf.top_.n_updates_ == 8 + 16


def test_top_level_cd_learns_from_penultimate_probabilities(digits, monkeypatch):
    """Up-down's top RBM learns from the wake phase's penultimate
    probabilities given the binary states below (what it was trained on
    greedily and classifies), while the generative weights learn from
    binary wake states, as in the paper's appendix."""
    X, y = digits
    seen = {"top": 0, "wake": 0}
    up_pass = DeepBeliefNetClassifier._up_pass
    top_level_cd = DeepBeliefNetClassifier._top_level_cd
    wake_update = DeepBeliefNetClassifier._wake_phase_update

    def spy_up(self, X, *, rng=None, depth=None):
        states = up_pass(self, X, rng=rng, depth=depth)
        if rng is not None:
            self._spied_below = states[-1].copy()
        return states

    def spy_top(self, pen, labels, rng):
        below = self._spied_below
        assert np.all((below == 0) | (below == 1))  # binary states below
        np.testing.assert_array_equal(pen, self.layers_[-1]._hidden_probabilities(below))
        assert np.any((pen > 0.05) & (pen < 0.95))  # probabilities, not states
        seen["top"] += 1
        return top_level_cd(self, pen, labels, rng)

    def spy_wake(self, wake, r, scratch):
        assert all(np.all((w == 0) | (w == 1)) for w in wake[1:])
        seen["wake"] += 1
        return wake_update(self, wake, r, scratch)

    monkeypatch.setattr(DeepBeliefNetClassifier, "_up_pass", spy_up)
    monkeypatch.setattr(DeepBeliefNetClassifier, "_top_level_cd", spy_top)
    monkeypatch.setattr(DeepBeliefNetClassifier, "_wake_phase_update", spy_wake)
    DeepBeliefNetClassifier((16, 8, 12), layer=BernoulliPoE(n_iter=2), fine_tune_epochs=2,
                            batch_size=100, random_state=0).fit(X[:300], y[:300])
    assert seen == {"top": 6, "wake": 6}


def test_warm_start_fine_tunes_in_pieces_as_one_call(digits):
    X, y = digits
    params = dict(layer=BernoulliPoE(n_iter=3), fine_tune_gibbs_steps=(2,), random_state=0)
    whole = DeepBeliefNetClassifier((16, 32), fine_tune_epochs=3, **params).fit(X, y)
    pieces = DeepBeliefNetClassifier((16, 32), fine_tune_epochs=1, warm_start=True, **params)
    for _ in range(3):
        pieces.fit(X, y)
    assert len(pieces.fine_tune_error_) == 3
    np.testing.assert_array_equal(pieces.fine_tune_error_, whole.fine_tune_error_)
    np.testing.assert_array_equal(pieces.predict_proba(X), whole.predict_proba(X))
    # greedy training ran once: the layers' learning curves are the first fit's
    assert [len(c) for c in pieces.reconstruction_error_] == [3, 3]  # layer 1, top RBM
    # without warm_start, fit starts again
    pieces.set_params(warm_start=False).fit(X, y)
    assert len(pieces.fine_tune_error_) == 1


def test_warm_start_refuses_new_classes(digits):
    X, y = digits
    clf = DeepBeliefNetClassifier((8, 8), layer=BernoulliPoE(n_iter=1), warm_start=True,
                                  random_state=0).fit(X[y < 5], y[y < 5])
    with pytest.raises(ValueError, match="classes seen before"):
        clf.fit(X, y)
