"""The greedy stack of BernoulliPoE layers that the deep belief nets share, and its up-pass.

Each layer is a plain ``BernoulliPoE`` trained on the hidden activation
probabilities of the layer below (Mayraz & Hinton 2002, sec. 3.1; Hinton,
Osindero & Teh 2006, sec. 4); a layer never knows it is in a stack.
:class:`DeepBeliefNet` is such a stack; :class:`DeepBeliefNetClassifier`
puts a top RBM with label units on one.
"""

from numbers import Integral

from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    clone,
)
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from ._bernoulli import BernoulliPoE
from ._math import sample_bernoulli
from ._validation import TrainingDivergedError, check_unit_interval, validate_input


def check_hidden_layer_sizes(hidden_layer_sizes):
    """A tuple of positive ints, or a clear ValueError."""
    sizes = (hidden_layer_sizes,) if isinstance(hidden_layer_sizes, Integral) else hidden_layer_sizes
    try:
        sizes = tuple(sizes)
    except TypeError:
        sizes = ()
    if not sizes or not all(isinstance(s, Integral) and s > 0 for s in sizes):
        raise ValueError(
            "hidden_layer_sizes must be a non-empty sequence of positive integers, "
            f"e.g. (500, 500); got {hidden_layer_sizes!r}."
        )
    return sizes


def auto_hidden_layer_sizes(n_features, shape, widest=500):
    """``hidden_layer_sizes="auto"``: the papers' MNIST shapes for inputs of
    ``widest / 2`` features or more, scaled down below.

    The first hidden layer gets ``min(widest, 2 * n_features)`` units (the
    papers' 500 for MNIST's 784 pixels), and layer k ``shape[k]`` times as
    many: ``shape=(1, 1)`` gives the deep belief net's (500, 500),
    ``(1, 2)`` the deep Boltzmann machine's (500, 1000). On the 8x8 digits
    (64 inputs) the papers' nets are 8 to 16 times overcomplete: (128, 128)
    and (128, 256) learn features within 0.1 point of theirs for a linear
    classifier in a sixth and a quarter of the time; on MNIST-sized
    inputs smaller nets cost 1.4 to 2.3 points (benchmarks/RESULTS.md).
    The pretrained MLPs pass ``widest=256``, their default net's width.
    """
    first = min(widest, 2 * n_features)
    return tuple(k * first for k in shape)


# The constraint of a hidden_layer_sizes that may be "auto".
SIZES_OR_AUTO = ["array-like", Integral, StrOptions({"auto"})]


def resolve_hidden_layer_sizes(hidden_layer_sizes, n_features, shape, widest=500):
    """``hidden_layer_sizes`` as a tuple: "auto" (the only string
    ``SIZES_OR_AUTO`` lets through) by :func:`auto_hidden_layer_sizes` for
    ``n_features`` inputs, anything else checked."""
    if isinstance(hidden_layer_sizes, str):
        return auto_hidden_layer_sizes(n_features, shape, widest)
    return check_hidden_layer_sizes(hidden_layer_sizes)


class BaseStack(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Base class of the deep belief nets: BernoulliPoE layers trained greedily.

    Holds what both nets share: the parameters ``hidden_layer_sizes``,
    ``layer``, ``random_state`` and ``verbose``, input validation, greedy
    training of ``layers_`` (:meth:`_fit_layers`), the up-pass through them
    (:meth:`_up_pass`; :meth:`transform` is the deterministic one) and the
    tags. The ``layer`` template must be a :class:`BernoulliPoE` (or a
    subclass): the nets read each layer's weights and biases, to sample an
    up-pass, to generate by a down-pass and, in the classifier, to
    fine-tune them.
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Integral],
        "layer": [BernoulliPoE, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def _validate(self, X, *, reset):
        """X: finite, 2-D, CSR allowed, float32/float64 kept, in [0, 1]."""
        X = validate_input(self, X, accept_sparse="csr", reset=reset, ensure_finite=False)
        check_unit_interval(type(self).__name__, X)
        return X

    def _layer_template(self):
        return BernoulliPoE() if self.layer is None else self.layer

    def _fit_layers(self, X, sizes, seeds):
        """Train a clone of the layer template per size, each on the P(h | v)
        of the one below; set ``layers_`` and return the top layer's P(h | X).

        With ``verbose``, say which layer trains and pass ``verbose`` to the
        layers, so that they report their epochs.
        """
        name = type(self).__name__
        self.layers_, data = [], X
        for k, (size, seed) in enumerate(zip(sizes, seeds)):
            layer = clone(self._layer_template()).set_params(
                n_components=size, random_state=int(seed)
            )
            if self.verbose:
                print(f"[{name}] layer {k + 1}/{len(sizes)}: {data.shape[1]} -> {size} units")
                layer.set_params(verbose=max(self.verbose, layer.verbose))
            try:
                data = layer.fit(data).transform(data)
            except TrainingDivergedError as exc:  # say which layer
                raise TrainingDivergedError(f"[{name}] layer {k + 1}: {exc}") from exc
            self.layers_.append(layer)
        return data

    def _up_pass(self, X, *, rng=None, depth=None):
        """The up-pass through the first ``depth`` layers (all by default).

        Returns the state of every layer it reaches, X first. Each next
        layer's state is its P(h | state below) (deterministic), or, given
        ``rng`` (a NumPy ``Generator``), binary states sampled from that
        probability (stochastic: the wake phase of up-down, the samples of
        the variational bound).
        """
        states = [X]
        for layer in self.layers_[:depth]:
            P = layer._hidden_probabilities(states[-1])
            states.append(P if rng is None else sample_bernoulli(P, rng, out=P))
        return states

    def transform(self, X):
        """The top of the stack's activation probabilities, by a deterministic up-pass.

        For :class:`DeepBeliefNet` the last hidden layer; for
        :class:`DeepBeliefNetClassifier` the penultimate layer, the features
        its top RBM (the associative memory) sees.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Values in [0, 1].

        Returns
        -------
        H : ndarray of shape (n_samples, n_units)
            ``n_units`` is the number of units of ``layers_[-1]``; same
            dtype as X (float32 or float64).
        """
        check_is_fitted(self)
        return self._up_pass(self._validate(X, reset=False))[-1]

    @property
    def _n_features_out(self):
        return self.layers_[-1].n_components

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
