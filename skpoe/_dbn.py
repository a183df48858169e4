"""DeepBeliefNet: BernoulliPoEs stacked greedily, with hierarchical goodness and generation.

The stack itself (greedy training, the up-pass) is ``_stack.BaseStack``,
shared with ``DeepBeliefNetClassifier``.
"""

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils.validation import check_is_fitted

from ._math import bernoulli_log_prob, down_pass, sample_bernoulli, to_dense
from ._stack import SIZES_OR_AUTO, BaseStack, resolve_hidden_layer_sizes
from ._validation import derive_seed, make_generator, no_half_fitted_model


class DeepBeliefNet(BaseStack):
    """A stack of BernoulliPoEs trained greedily, layer by layer.

    Layer 1 is a :class:`BernoulliPoE` trained on X; each next layer is
    trained on the hidden activation probabilities of the layer below
    (Mayraz & Hinton 2002, sec. 3.1; Hinton, Osindero & Teh 2006, sec. 4).
    Each layer's goodness of its own input is a score
    (:meth:`layer_scores`); Mayraz & Hinton feed these hierarchical scores
    to a classifier, and Hinton (2002, sec. 9) adds them up.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int or "auto", default="auto"
        Number of hidden units of each layer, bottom to top. "auto": the
        papers' ``(500, 500)`` from 250 inputs up (MNIST's 784 among them),
        two layers of ``2 * n_features`` units below (``(128, 128)`` for
        the 8x8 digits: features within 0.1 point of the papers' net's
        for a linear classifier, in a sixth of the time).
    layer : BernoulliPoE, default=None
        Template of every layer: it is cloned per layer with
        ``n_components`` from ``hidden_layer_sizes`` and a ``random_state``
        drawn from this net's. None means ``BernoulliPoE()`` (the papers'
        learning rate, momentum and weight decay). It must be a
        :class:`BernoulliPoE` or a subclass: the net reads each layer's
        weights for its up-pass, its bound and its down-pass.
    random_state : int, RandomState instance or None, default=None
        Seeds the layers; the same value gives the same net.
    verbose : int, default=0
        If positive, say which layer trains, and have each layer print its
        epochs (epoch, reconstruction error, time).

    Attributes
    ----------
    layers_ : list of BernoulliPoE
        The fitted layers, bottom to top.
    hidden_layer_sizes_ : tuple of int
        Units of each layer, bottom to top: ``hidden_layer_sizes`` with
        "auto" resolved.
    reconstruction_error_ : list of ndarray
        The learning curve of each layer, bottom to top (each layer's own
        ``reconstruction_error_``); :func:`skpoe.plotting.plot_learning_curve`
        draws them.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
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
        **BaseStack._parameter_constraints,
        "hidden_layer_sizes": SIZES_OR_AUTO,
    }

    def __init__(self, hidden_layer_sizes="auto", *, layer=None, random_state=None,
                 verbose=0):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.layer = layer
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=False)
    @no_half_fitted_model
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
        X = self._validate(X, reset=True)
        sizes = resolve_hidden_layer_sizes(self.hidden_layer_sizes, X.shape[1], (1, 1))
        self._fit_layers(X, sizes, derive_seed(self.random_state, size=len(sizes)))
        return self

    @property
    def hidden_layer_sizes_(self):
        """Units of each layer, bottom to top (``hidden_layer_sizes`` with "auto" resolved)."""
        check_is_fitted(self)
        return tuple(layer.n_components for layer in self.layers_)

    @property
    def reconstruction_error_(self):
        """The learning curve of each layer, bottom to top (read from ``layers_``)."""
        return [layer.reconstruction_error_ for layer in self.layers_]

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
        inputs = self._up_pass(self._validate(X, reset=False), depth=-1)
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

    def log_likelihood_bound(self, X, *, n_samples=10, log_partition=None,
                             random_state=0, **log_partition_params):
        """Variational lower bound on log p(v) per sample (Hinton et al. 2006, eq. 8).

        With the factorial recognition distribution Q of the up-pass
        (``Q(h_k | h_{k-1})`` by each layer's ``transform``) and the net as a
        generative model (the top RBM's marginal over its input, and each
        lower layer's ``p(h_{k-1} | h_k) = sigmoid(h_k W_k + b_k)``):

        ``log p(v) >= E_Q[log p(h_{L-1}) + sum_k log p(h_{k-1} | h_k)
        - sum_k log Q(h_k | h_{k-1})]``,

        estimated by averaging over ``n_samples`` up-pass samples. The top
        RBM's ``log p(h) = goodness(h) - log Z`` needs its log Z, exact or by
        AIS (:meth:`BernoulliPoE.log_partition`); the estimate's error adds
        the AIS error to the sampling error. For one layer the bound is
        ``score_samples - log Z``, exact.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Binary data for a true (discrete) log-likelihood.
        n_samples : int, default=10
            Up-pass samples per data vector.
        log_partition : float, default=None
            The top RBM's log Z if already known; else computed with
            ``layers_[-1].log_partition(**log_partition_params)``.
        random_state : int, RandomState instance or None, default=0
            Seed of the up-pass samples.
        **log_partition_params : dict
            Passed to :meth:`BernoulliPoE.log_partition` when
            ``log_partition`` is None (e.g. ``method="ais"``).

        Returns
        -------
        bound : ndarray of shape (n_samples_X,)
        """
        check_is_fitted(self)
        V = to_dense(self._validate(X, reset=False)).astype(np.float64)
        top = self.layers_[-1]
        if log_partition is None:
            log_partition = top.log_partition(**log_partition_params)
        rng = make_generator(random_state)
        total = np.zeros(len(V))
        for _ in range(max(int(n_samples), 1)):
            states = self._up_pass(V, rng=rng, depth=-1)  # a sample of Q
            bound = top.score_samples(states[-1]) - log_partition
            for layer, below, h in zip(self.layers_, states[:-1], states[1:]):
                W, c, b = layer._params_as(np.float64)
                # log Q(h | below) and log p(below | h), both factorial Bernoulli
                bound -= bernoulli_log_prob(h, below @ W.T + c)
                bound += bernoulli_log_prob(below, h @ W + b)
            total += bound
        return total / max(int(n_samples), 1)

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
        V = top.sample(n_samples, n_steps=n_steps, random_state=derive_seed(rng))
        if len(self.layers_) == 1:
            return V
        generative = [(layer.components_, layer.intercept_visible_)
                      for layer in reversed(self.layers_[:-1])]
        return down_pass(sample_bernoulli(V, rng), generative, rng)[-1]
