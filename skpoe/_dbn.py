"""Deep belief nets: BernoulliPoEs stacked greedily (Hinton, Osindero & Teh 2006).

Each layer is a plain ``BernoulliPoE`` trained on the hidden activation
probabilities of the layer below (Mayraz & Hinton 2002, sec. 3.1); a layer
never knows it is in a stack.
"""

from numbers import Integral

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
    clone,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import make_generator
from ._bernoulli import BernoulliPoE, _sigmoid_


def _check_sizes(hidden_layer_sizes):
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


class DeepBeliefNet(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """A stack of BernoulliPoEs trained greedily, layer by layer.

    Layer 1 is a :class:`BernoulliPoE` trained on X; each next layer is
    trained on the hidden activation probabilities of the layer below
    (Mayraz & Hinton 2002, sec. 3.1; Hinton, Osindero & Teh 2006, sec. 4).
    Each layer's goodness of its own input is a score
    (:meth:`layer_scores`); Mayraz & Hinton feed these hierarchical scores
    to a classifier, and Hinton (2002, sec. 9) adds them up.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(500, 500)
        Number of hidden units of each layer, bottom to top.
    layer : BernoulliPoE, default=None
        Template of every layer: it is cloned per layer with
        ``n_components`` from ``hidden_layer_sizes`` and a ``random_state``
        drawn from this net's. None means ``BernoulliPoE()`` (the papers'
        learning rate, momentum and weight decay).
    random_state : int, RandomState instance or None, default=None
        Seeds the layers; the same value gives the same net.

    Attributes
    ----------
    layers_ : list of BernoulliPoE
        The fitted layers, bottom to top.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when X has string column names.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skpoe import BernoulliPoE, DeepBeliefNet
    >>> X = load_digits().data / 16
    >>> dbn = DeepBeliefNet((32, 16), layer=BernoulliPoE(n_iter=5), random_state=0)
    >>> dbn.fit(X).transform(X).shape
    (1797, 16)
    >>> dbn.layer_scores(X).shape
    (1797, 2)
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Integral],
        "layer": [HasMethods(["fit", "transform", "score_samples"]), None],
        "random_state": ["random_state"],
    }

    def __init__(self, hidden_layer_sizes=(500, 500), *, layer=None, random_state=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.layer = layer
        self.random_state = random_state

    def _validate(self, X, reset):
        return validate_data(
            self, X, accept_sparse="csr", dtype=(np.float64, np.float32), reset=reset
        )

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Train the layers greedily, bottom to top.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data, values in [0, 1].
        y : Ignored

        Returns
        -------
        self : object
        """
        sizes = _check_sizes(self.hidden_layer_sizes)
        X = self._validate(X, reset=True)
        template = BernoulliPoE() if self.layer is None else self.layer
        rng = check_random_state(self.random_state)
        seeds = rng.randint(np.iinfo(np.int32).max, size=len(sizes))
        layers, data = [], X
        for size, seed in zip(sizes, seeds):
            layer = clone(template).set_params(n_components=size, random_state=int(seed))
            data = layer.fit(data).transform(data)
            layers.append(layer)
        self.layers_ = layers
        return self

    def _up(self, X):
        """The input of every layer: X, then each layer's P(h | v)."""
        inputs = [X]
        for layer in self.layers_[:-1]:
            inputs.append(layer.transform(inputs[-1]))
        return inputs

    def transform(self, X):
        """Top-layer probabilities by a deterministic up-pass.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        H : ndarray of shape (n_samples, hidden_layer_sizes[-1])
        """
        check_is_fitted(self)
        inputs = self._up(self._validate(X, reset=False))
        return self.layers_[-1].transform(inputs[-1])

    def layer_scores(self, X):
        """Goodness of each layer's input under that layer's PoE.

        Column k is ``layers_[k].score_samples`` of the deterministic
        up-pass activities feeding layer k: the hierarchical scores of
        Mayraz & Hinton (2002). Column 0 is the first layer's goodness of X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples, n_layers)
        """
        check_is_fitted(self)
        inputs = self._up(self._validate(X, reset=False))
        return np.column_stack(
            [layer.score_samples(x) for layer, x in zip(self.layers_, inputs)]
        )

    def score_samples(self, X):
        """The sum of :meth:`layer_scores` over the layers (Hinton 2002, sec. 9).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        return self.layer_scores(X).sum(axis=1)

    def sample(self, n_samples=1, *, n_steps=1000, random_state=None):
        """Fantasies: Gibbs sampling in the top RBM, then a down-pass.

        The top two layers form an undirected associative memory, sampled
        by ``n_steps`` of alternating Gibbs sampling from a random start;
        the lower layers are a directed net, each layer's binary states
        generating the one below through ``sigmoid(h @ W + b)`` (Hinton,
        Osindero & Teh 2006, sec. 7).

        Parameters
        ----------
        n_samples : int, default=1
        n_steps : int, default=1000
        random_state : int, RandomState instance or None, default=None

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            Visible probabilities at the bottom of the down-pass.
        """
        check_is_fitted(self)
        rng = make_generator(random_state)
        top = self.layers_[-1]
        V = top.sample(n_samples, n_steps=n_steps, random_state=rng.integers(2**31))
        for layer in reversed(self.layers_[:-1]):
            H = (rng.random(V.shape, dtype=np.float32) < V).astype(V.dtype)
            W, _, b = layer._params_as(V.dtype)
            V = _sigmoid_(np.dot(H, W), b)
        return V

    @property
    def _n_features_out(self):
        return self.layers_[-1].n_components

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
