"""The training length follows the data: batch_size="auto" and n_iter="auto".

These test the mechanism (how many samples per minibatch, how many updates,
what meta-estimators pass on), not the quality it buys: that is measured by
``benchmarks/bench_defaults.py`` and recorded in ``benchmarks/RESULTS.md``.
"""

import math

import numpy as np
import pytest
from sklearn.datasets import load_digits

from skpoe import (
    BernoulliPoE,
    BinomialPoE,
    ClassConditionalPoEClassifier,
    DeepBeliefNet,
    DeepBeliefNetClassifier,
    DeepBoltzmannMachine,
    PretrainedMLPClassifier,
    PretrainedMLPRegressor,
    UnigaussPoE,
)
from skpoe._base import auto_batch_size, auto_n_iter
from skpoe._stack import auto_hidden_layer_sizes


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


@pytest.mark.parametrize("n_samples, expected", [
    (5, 10), (120, 10), (1797, 17), (5_400, 54), (10_000, 100), (1_000_000, 100),
])
def test_auto_batch_size_is_one_percent_between_10_and_100(n_samples, expected):
    assert auto_batch_size(n_samples) == expected


@pytest.mark.parametrize("n_samples, epochs", [
    (120, 500),        # a class of digits: 12 minibatches of 10 an epoch
    (1797, 57),        # digits: 106 minibatches of 17
    (60_000, 10),      # MNIST: the papers' 10 epochs of 600 minibatches of 100
    (1_000_000, 1),    # one pass already makes 10,000 updates
])
def test_auto_n_iter_makes_about_6000_updates(n_samples, epochs):
    batch = auto_batch_size(n_samples)
    assert auto_n_iter(n_samples, batch, 6000) == epochs
    updates = epochs * math.ceil(n_samples / batch)
    assert updates >= 6000
    assert epochs == 1 or updates - math.ceil(n_samples / batch) < 6000  # not an epoch more


def test_defaults_follow_the_data_size(digits):
    X, _ = digits
    for n in (150, len(X)):
        model = BernoulliPoE(8, random_state=0).fit(X[:n])
        batches = math.ceil(n / auto_batch_size(n))
        assert model.batch_size_ == auto_batch_size(n)
        assert model.n_iter_ == min(100, auto_n_iter(n, model.batch_size_, 6000))
        assert model.n_updates_ == model.n_iter_ * batches
        assert len(model.reconstruction_error_) == model.n_iter_


def test_explicit_values_keep_their_meaning(digits):
    X, _ = digits
    model = BernoulliPoE(8, batch_size=100, n_iter=3, random_state=0).fit(X)
    assert (model.batch_size_, model.n_iter_, model.n_updates_) == (100, 3, 3 * 18)
    # A batch larger than the data is the whole data, as before.
    model = BernoulliPoE(8, batch_size=500, n_iter=2, random_state=0).fit(X[:50])
    assert (model.batch_size_, model.n_updates_) == (50, 2)
    # Each can be automatic alone.
    model = BernoulliPoE(8, batch_size=10, random_state=0).fit(X)
    assert model.n_updates_ == auto_n_iter(len(X), 10, 6000) * 180 == 34 * 180
    # (6,000 updates of 100 would be 334 epochs: the limit makes them 100)
    model = BernoulliPoE(8, batch_size=100, random_state=0).fit(X)
    assert model.n_updates_ == 100 * 18
    model = BernoulliPoE(8, n_iter=2, random_state=0).fit(X)
    assert model.batch_size_ == 17 and model.n_iter_ == 2


@pytest.mark.parametrize("n_samples, epochs", [
    (120, 100), (599, 100), (600, 100), (610, 99), (1_000, 60), (60_000, 10),
])
def test_auto_n_iter_is_at_most_100_epochs(n_samples, epochs):
    # The limit bites below 600 samples only (minibatches of 10 there):
    # above, 6,000 updates take fewer than 100 epochs and are made in full.
    model = BernoulliPoE()
    model.batch_size_ = auto_batch_size(n_samples)
    assert model._n_epochs(n_samples) == epochs


def test_the_epoch_limit_is_the_bernoulli_family_s():
    assert BinomialPoE()._AUTO_MAX_EPOCHS == DeepBoltzmannMachine()._AUTO_MAX_EPOCHS == 100
    assert UnigaussPoE()._AUTO_MAX_EPOCHS is None  # its own 12,000 updates in full


def test_unigauss_auto_makes_about_12000_updates():
    X = np.random.default_rng(0).normal(size=(300, 2))
    model = UnigaussPoE(3, random_state=0).fit(X)
    assert model.batch_size_ == 10
    assert model.n_updates_ == 12000 and model.n_iter_ == 400


def test_class_models_see_only_their_class(digits):
    X, y = digits
    clf = ClassConditionalPoEClassifier(BernoulliPoE(4), random_state=0).fit(X, y)
    models = clf.estimators_[0]
    for label, model in zip(clf.classes_, models):
        n = model._n_seen  # the samples of its class it trained on
        assert n < 0.1 * len(X) < 2 * n  # about a tenth of digits, not all of it
        assert model.batch_size_ == auto_batch_size(n) == 10
        assert model.n_iter_ == 100 < auto_n_iter(n, 10, 6000)  # the limit, not 300 epochs
        assert model.n_updates_ == 100 * math.ceil(n / 10)


def test_every_layer_of_a_stack_trains_like_the_first(digits):
    X, y = digits
    dbn = DeepBeliefNet((8, 4, 4), random_state=0).fit(X[:300])
    plans = {(layer.batch_size_, layer.n_iter_, layer.n_updates_) for layer in dbn.layers_}
    assert plans == {(10, 100, 3000)}
    clf = DeepBeliefNetClassifier((8, 8), random_state=0).fit(X[:300], y[:300])
    plans = {(layer.batch_size_, layer.n_iter_) for layer in [*clf.layers_, clf.top_]}
    assert plans == {(10, 100)}


def test_dbm_joint_training_is_at_most_100_epochs_of_about_6000_updates(digits):
    X, _ = digits
    layer = BernoulliPoE(n_iter=1)
    dbm = DeepBoltzmannMachine((8, 4), layer=layer, random_state=0).fit(X[:200])
    assert (dbm.batch_size_, dbm.n_iter_, dbm.n_updates_) == (100, 100, 200)  # not 3,000 epochs
    # the plan at larger sizes (minibatches of 100): 6,000 updates are 100
    # epochs of 6,000 samples, 10 of 60,000 and one pass over 600,000
    assert [dbm._n_epochs(n) for n in (1_000, 6_000, 60_000, 600_000)] == [100, 100, 10, 1]
    explicit = DeepBoltzmannMachine((8, 4), layer=layer, n_iter=120, random_state=0).fit(X[:200])
    assert explicit.n_iter_ == 120


@pytest.mark.parametrize("n_features, dbn, dbm", [
    (1, (2, 2), (2, 4)), (64, (128, 128), (128, 256)), (249, (498, 498), (498, 996)),
    (250, (500, 500), (500, 1000)), (784, (500, 500), (500, 1000)),
])
def test_auto_sizes_follow_the_inputs(n_features, dbn, dbm):
    assert auto_hidden_layer_sizes(n_features, (1, 1)) == dbn
    assert auto_hidden_layer_sizes(n_features, (1, 2)) == dbm


@pytest.mark.parametrize("n_features, sizes", [
    (1, (2, 2)), (64, (128, 128)), (127, (254, 254)), (128, (256, 256)), (784, (256, 256)),
])
def test_auto_sizes_of_the_pretrained_mlps_stop_at_their_width(n_features, sizes):
    assert auto_hidden_layer_sizes(n_features, (1, 1), widest=256) == sizes


def test_auto_sizes_are_resolved_in_fit_and_explicit_ones_kept(digits):
    X, _ = digits
    X = X[:100, :10]  # 10 inputs
    layer = BernoulliPoE(n_iter=1)
    dbm = DeepBoltzmannMachine(layer=layer, n_iter=1, random_state=0).fit(X)
    assert dbm.hidden_layer_sizes == "auto"
    assert dbm.hidden_layer_sizes_ == (20, 40)
    assert [W.shape for W in dbm.components_] == [(20, 10), (40, 20)]
    assert dbm.transform(X[:3]).shape == (3, 60)
    dbn = DeepBeliefNet(layer=layer, random_state=0).fit(X)
    assert dbn.hidden_layer_sizes == "auto"
    assert dbn.hidden_layer_sizes_ == (20, 20)
    assert [lay.components_.shape for lay in dbn.layers_] == [(20, 10), (20, 20)]
    explicit = DeepBoltzmannMachine((7, 3), layer=layer, n_iter=1, random_state=0).fit(X)
    assert explicit.hidden_layer_sizes_ == (7, 3)
    assert DeepBeliefNet((7, 3), layer=layer).fit(X).hidden_layer_sizes_ == (7, 3)


@pytest.mark.parametrize("cls", [PretrainedMLPClassifier, PretrainedMLPRegressor])
def test_pretrained_mlps_resolve_auto_sizes_in_fit_and_keep_explicit_ones(cls, digits):
    X, y = digits
    X, y = X[:100, :10], y[:100]  # 10 inputs
    layer = BernoulliPoE(n_iter=1)
    model = cls(layer=layer, max_iter=1, random_state=0).fit(X, y)
    assert model.hidden_layer_sizes == "auto"
    assert model.hidden_layer_sizes_ == (20, 20)
    assert [lay.components_.shape for lay in model.dbn_.layers_] == [(20, 10), (20, 20)]
    assert [W.shape[1] for W in model.mlp_.coefs_[:-1]] == [20, 20]
    assert model.transform(X[:3]).shape == (3, 20)
    dbm = cls(layer=layer, pretraining="dbm", max_iter=1, random_state=0).fit(X, y)
    assert [W.shape for W in dbm.dbm_.components_] == [(20, 10), (20, 20)]  # not the DBM's shape
    explicit = cls((7, 3), layer=layer, max_iter=1, random_state=0).fit(X, y)
    assert explicit.hidden_layer_sizes_ == (7, 3)


def test_partial_fit_resolves_the_batch_for_each_call(digits):
    X, _ = digits
    model = BernoulliPoE(8, random_state=0)
    for start in range(0, 500, 100):  # a stream of chunks of 100 samples
        model.partial_fit(X[start:start + 100])
    assert model.batch_size_ == 10
    assert model.n_updates_ == 5 * 10 and model.n_iter_ == 5
    model.partial_fit(X)  # a larger chunk: larger minibatches
    assert model.batch_size_ == 17
    assert model.n_updates_ == 50 + 106


def test_partial_fit_on_the_same_data_is_fit(digits):
    X, _ = digits
    fitted = BernoulliPoE(8, n_iter=3, random_state=0).fit(X)
    streamed = BernoulliPoE(8, random_state=0)
    for _ in range(3):
        streamed.partial_fit(X)
    np.testing.assert_array_equal(fitted.components_, streamed.components_)
    assert streamed.batch_size_ == fitted.batch_size_ == 17


def test_persistent_chains_follow_the_resolved_batch(digits):
    X, _ = digits
    model = BernoulliPoE(8, persistent=True, n_iter=1, random_state=0).fit(X[:300])
    assert model._chain.shape == (10, 8)


def test_verbose_says_the_plan(digits, capsys):
    X, _ = digits
    BernoulliPoE(8, n_iter=2, verbose=1, random_state=0).fit(X[:300])
    first = capsys.readouterr().out.splitlines()[0]
    assert first == ("[BernoulliPoE] 300 samples: 2 epochs of 30 minibatches of 10 "
                     "(60 updates; batch_size='auto')")


@pytest.mark.parametrize("params", [{"batch_size": "big"}, {"n_iter": "auto-ish"},
                                    {"batch_size": 0}, {"n_iter": 0}])
def test_bad_training_length_is_refused(digits, params):
    with pytest.raises(ValueError, match="auto"):
        BernoulliPoE(8, **params).fit(digits[0])
