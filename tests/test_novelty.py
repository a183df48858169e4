"""Novelty detection by goodness (Hinton 2002, sec. 9)."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import MinMaxScaler
from sklearn.pipeline import make_pipeline

from skpoe import BernoulliPoE, PoENoveltyDetector


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


def _detector(**kwargs):
    poe = BernoulliPoE(32, n_iter=30, batch_size=20, random_state=0)
    return PoENoveltyDetector(poe, **kwargs)


def test_detects_other_digits(digits):
    X, y = digits
    normal, novel = X[y == 0], X[y != 0]
    train, held_out = normal[:120], normal[120:]
    detector = _detector().fit(train)
    scores = detector.decision_function(np.vstack([held_out, novel]))
    is_normal = np.r_[np.ones(len(held_out)), np.zeros(len(novel))]
    auc = roc_auc_score(is_normal, scores)
    assert auc > 0.95  # measured 1.00 for zeros (0.92-1.00 over the ten digits)
    # Most novelties are rejected, most held-out zeros accepted.
    assert np.mean(detector.predict(novel) == -1) > 0.8
    assert np.mean(detector.predict(held_out) == 1) > 0.7


@pytest.mark.parametrize("contamination", [0.05, 0.2, 0.5])
def test_contamination_sets_training_rejection_rate(digits, contamination):
    X, _ = digits
    detector = _detector(contamination=contamination).fit(X)
    rejected = np.mean(detector.predict(X) == -1)
    assert rejected == pytest.approx(contamination, abs=0.01)


def test_decision_function_is_goodness_minus_offset(digits):
    X, _ = digits
    detector = _detector().fit(X)
    goodness = detector.estimator_.score_samples(X)
    np.testing.assert_allclose(detector.score_samples(X), goodness)
    np.testing.assert_allclose(detector.decision_function(X), goodness - detector.offset_)
    assert set(np.unique(detector.predict(X))) == {-1, 1}
    assert np.array_equal(detector.fit_predict(X), detector.predict(X))


def test_default_estimator_and_pipeline_model(digits):
    X, _ = digits
    assert isinstance(PoENoveltyDetector().fit(X[:50]).estimator_, BernoulliPoE)
    # Raw 0..16 pixels: the model's own scaler brings them into [0, 1].
    model = make_pipeline(MinMaxScaler(clip=True), BernoulliPoE(8, random_state=0))
    detector = PoENoveltyDetector(model).fit(X * 16)
    assert detector.decision_function(X * 16).shape == (len(X),)


def test_bad_input_names_the_problem(digits):
    X, _ = digits
    with pytest.raises(ValueError, match="NaN"):
        PoENoveltyDetector().fit(np.full((5, 3), np.nan))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        PoENoveltyDetector().fit(X * 16)
