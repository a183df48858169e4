"""The one registry of small, quickly trained public estimators, by name.

Every test that runs over all estimators takes them from here: the
estimator checks (``test_common.py``, which runs a meta-estimator's model
behind a scaler, see there), robustness, persistence, output formats and
determinism; with the data and the comparisons those tests use.
"""

import numpy as np
from sklearn.datasets import load_digits

from skpoe import (
    BernoulliPoE,
    BinomialPoE,
    ClassConditionalPoEClassifier,
    DeepBeliefNet,
    DeepBeliefNetClassifier,
    DeepBoltzmannMachine,
    PoENoveltyDetector,
    PretrainedMLPClassifier,
    PretrainedMLPRegressor,
    ProductOfHMMs,
    UnifactorPoE,
    UnigaussPoE,
)

SMALL = dict(n_iter=2, batch_size=20, random_state=0)

ESTIMATORS = {
    "BernoulliPoE": BernoulliPoE(n_components=8, **SMALL),
    "BinomialPoE": BinomialPoE(n_components=8, n_trials=16, **SMALL),
    "UnigaussPoE": UnigaussPoE(n_components=4, **SMALL),
    "UnifactorPoE": UnifactorPoE(n_components=4, **SMALL),
    "DeepBeliefNet": DeepBeliefNet((8, 4), layer=BernoulliPoE(**SMALL), random_state=0),
    "DeepBeliefNetClassifier": DeepBeliefNetClassifier(
        (8, 8), layer=BernoulliPoE(**SMALL), fine_tune_epochs=1, batch_size=20,
        random_state=0,
    ),
    "DeepBoltzmannMachine": DeepBoltzmannMachine(
        (8, 4), layer=BernoulliPoE(**SMALL), mean_field_steps=5, **SMALL
    ),
    "ClassConditionalPoEClassifier": ClassConditionalPoEClassifier(
        BernoulliPoE(n_components=4, **SMALL), random_state=0
    ),
    "PoENoveltyDetector": PoENoveltyDetector(BernoulliPoE(n_components=4, **SMALL)),
    "PretrainedMLPClassifier": PretrainedMLPClassifier(
        (8,), layer=BernoulliPoE(**SMALL), max_iter=10, random_state=0),
    "PretrainedMLPRegressor": PretrainedMLPRegressor(
        (8,), layer=BernoulliPoE(**SMALL), max_iter=5, random_state=0),
}
# Estimators that take any finite values.
REAL_VALUED = {"UnigaussPoE", "UnifactorPoE"}
# Estimators that take counts, whole numbers in 0..n_trials: the tests give
# them the digits' own intensities 0..16 (see in_domain).
COUNTS = {"BinomialPoE"}
# Models of sequences: X is one column of integer symbols, its rows the time
# steps of sequences whose lengths fit takes as its second argument
# (hmmlearn's layout), so the row-sample tests above do not apply to them.
# test_common.py runs the estimator checks on them; tests/test_hmm.py the rest.
SEQUENCE_ESTIMATORS = {
    "ProductOfHMMs": ProductOfHMMs(2, n_experts=2, **SMALL),
}
# Estimators whose values must lie in [0, 1].
UNIT_INTERVAL = set(ESTIMATORS) - REAL_VALUED - COUNTS


def small_digits():
    """Three classes of scikit-learn's digits in [0, 1]: 537 samples, quick."""
    X, y = load_digits(return_X_y=True)
    keep = y < 3
    return X[keep] / 16.0, y[keep]


def in_domain(name, data):
    """``(X, y)`` of :func:`small_digits` as estimator ``name`` takes them:
    for a count model, X times 16 (the digits' intensities, exactly)."""
    X, y = data
    return (16 * X if name in COUNTS else X), y


OUTPUT_METHODS = ("transform", "score_samples", "predict_proba", "decision_function",
                  "predict", "layer_scores")


def outputs(estimator, X, *, generation=False):
    """Every output of a fitted estimator on X, by method name; with
    ``generation``, seeded samples too."""
    out = {m: np.asarray(getattr(estimator, m)(X))
           for m in OUTPUT_METHODS if hasattr(estimator, m)}
    if generation and hasattr(estimator, "sample"):
        out["sample"] = estimator.sample(3, n_steps=5, random_state=0)
    assert out
    return out


def assert_same_outputs(a, b):
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
