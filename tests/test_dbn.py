"""DeepBeliefNet: greedy stacking, hierarchical goodness, generation."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline

from skpoe import BernoulliPoE, DeepBeliefNet


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
    assert search.best_params_["deepbeliefnet__hidden_layer_sizes"] in sizes
    assert search.best_estimator_[0].hidden_layer_sizes in sizes
    assert search.score(X_test, y_test) > 0.9
