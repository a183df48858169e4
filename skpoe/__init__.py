"""skpoe: products of experts trained by contrastive divergence, for scikit-learn."""

from ._bernoulli import BernoulliPoE
from ._binomial import BinomialPoE
from ._class_conditional import ClassConditionalPoEClassifier
from ._dbn import DeepBeliefNet
from ._dbm import DeepBoltzmannMachine
from ._dbn_classifier import DeepBeliefNetClassifier
from ._hmm import ProductOfHMMs
from ._novelty import PoENoveltyDetector
from ._pretrained_mlp import PretrainedMLPClassifier, PretrainedMLPRegressor
from ._unifactor import UnifactorPoE
from ._unigauss import UnigaussPoE
from ._validation import TrainingDivergedError

__version__ = "0.1.0.dev0"

__all__ = [
    "BernoulliPoE",
    "BinomialPoE",
    "ClassConditionalPoEClassifier",
    "DeepBeliefNet",
    "DeepBeliefNetClassifier",
    "DeepBoltzmannMachine",
    "PoENoveltyDetector",
    "PretrainedMLPClassifier",
    "PretrainedMLPRegressor",
    "ProductOfHMMs",
    "TrainingDivergedError",
    "UnifactorPoE",
    "UnigaussPoE",
    "__version__",
]
