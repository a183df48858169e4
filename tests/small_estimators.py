"""One small, quickly trained instance of every public estimator, by name.

Shared by the tests that run over every estimator (robustness, persistence,
output formats, determinism).
"""

from skpoe import (
    BernoulliPoE,
    ClassConditionalPoEClassifier,
    DeepBeliefNet,
    DeepBeliefNetClassifier,
    PoENoveltyDetector,
    UnigaussPoE,
)

SMALL = dict(n_iter=2, batch_size=20, random_state=0)

ESTIMATORS = {
    "BernoulliPoE": BernoulliPoE(n_components=8, **SMALL),
    "UnigaussPoE": UnigaussPoE(n_components=4, **SMALL),
    "DeepBeliefNet": DeepBeliefNet((8, 4), layer=BernoulliPoE(**SMALL), random_state=0),
    "DeepBeliefNetClassifier": DeepBeliefNetClassifier(
        (8, 8), layer=BernoulliPoE(**SMALL), fine_tune_epochs=1, batch_size=20,
        random_state=0,
    ),
    "ClassConditionalPoEClassifier": ClassConditionalPoEClassifier(
        BernoulliPoE(n_components=4, **SMALL), random_state=0
    ),
    "PoENoveltyDetector": PoENoveltyDetector(BernoulliPoE(n_components=4, **SMALL)),
}
# Estimators whose values must lie in [0, 1].
UNIT_INTERVAL = {name for name in ESTIMATORS if name != "UnigaussPoE"}

