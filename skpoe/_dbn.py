"""Deep belief nets: BernoulliPoEs stacked greedily (Hinton, Osindero & Teh 2006).

Each layer is a plain ``BernoulliPoE`` trained on the hidden activation
probabilities of the layer below (Mayraz & Hinton 2002, sec. 3.1); a layer
never knows it is in a stack.
"""

import time
from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
    clone,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from . import _kernels
from ._bernoulli import BernoulliPoE
from ._math import sigmoid_ as _sigmoid_
from ._validation import (
    TrainingDivergedError,
    check_not_diverged as check_parameters,
    check_unit_interval,
    make_generator,
    no_half_fitted_model,
    validate_input,
)


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


def _fit_greedy(template, sizes, seeds, X, verbose=0, name="DeepBeliefNet"):
    """Train clones of ``template`` greedily, each on the P(h | v) of the one below.

    Returns the fitted layers and the top layer's activities on X. With
    ``verbose``, says which layer trains and passes ``verbose`` to the
    layers, so that they report their epochs.
    """
    layers, data = [], X
    for k, (size, seed) in enumerate(zip(sizes, seeds)):
        layer = clone(template).set_params(n_components=size, random_state=int(seed))
        if verbose:
            print(f"[{name}] layer {k + 1}/{len(sizes)}: {data.shape[1]} -> {size} units")
            if "verbose" in layer.get_params():
                layer.set_params(verbose=max(verbose, layer.get_params()["verbose"]))
        try:
            data = layer.fit(data).transform(data)
        except TrainingDivergedError as exc:  # say which layer
            raise TrainingDivergedError(f"[{name}] layer {k + 1}: {exc}") from exc
        layers.append(layer)
    return layers, data


def _bernoulli_log_prob(x, logits):
    """Row sums of log Bernoulli(x | sigmoid(logits)) for x in [0, 1], stably."""
    return np.sum(x * logits - np.logaddexp(0.0, logits), axis=1)


def _sample(P, rng):
    return (rng.random(P.shape, dtype=np.float32) < P).astype(P.dtype)


def _down_pass(states, weights_and_biases, rng):
    """A directed down-pass from binary ``states``: ``[(W, b), ...]`` top-down,
    each ``W`` of shape (n_above, n_below). Returns every layer below, top
    first: sampled binary states, the bottom as probabilities."""
    layers = []
    for i, (W, b) in enumerate(weights_and_biases):
        probs = _sigmoid_(states @ W, b)
        states = probs if i == len(weights_and_biases) - 1 else _sample(probs, rng)
        layers.append(states)
    return layers


def _softmax_(A):
    """In place, row-wise softmax."""
    A -= A.max(axis=1, keepdims=True)
    np.exp(A, out=A)
    A /= A.sum(axis=1, keepdims=True)
    return A


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
    verbose : int, default=0
        If positive, say which layer trains, and have each layer print its
        epochs (epoch, reconstruction error, time).

    Attributes
    ----------
    layers_ : list of BernoulliPoE
        The fitted layers, bottom to top.
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
        "hidden_layer_sizes": ["array-like", Integral],
        "layer": [HasMethods(["fit", "transform", "score_samples"]), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(self, hidden_layer_sizes=(500, 500), *, layer=None, random_state=None,
                 verbose=0):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.layer = layer
        self.random_state = random_state
        self.verbose = verbose

    def _validate(self, X, reset):
        X = validate_input(self, X, accept_sparse="csr", reset=reset)
        if self.layer is None or isinstance(self.layer, BernoulliPoE):
            check_unit_interval(type(self).__name__, X)
        return X

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
        sizes = _check_sizes(self.hidden_layer_sizes)
        X = self._validate(X, reset=True)
        template = BernoulliPoE() if self.layer is None else self.layer
        rng = check_random_state(self.random_state)
        seeds = rng.randint(np.iinfo(np.int32).max, size=len(sizes))
        self.layers_ = _fit_greedy(template, sizes, seeds, X, self.verbose)[0]
        return self

    @property
    def reconstruction_error_(self):
        """The learning curve of each layer, bottom to top (read from ``layers_``)."""
        return [np.asarray(getattr(layer, "reconstruction_error_", []))
                for layer in self.layers_]

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
        V = self._validate(X, reset=False)
        V = V.toarray() if hasattr(V, "toarray") else np.asarray(V)
        V = V.astype(np.float64)
        top = self.layers_[-1]
        if log_partition is None:
            log_partition = top.log_partition(**log_partition_params)
        rng = make_generator(random_state)
        total = np.zeros(len(V))
        for _ in range(max(int(n_samples), 1)):
            below, bound = V, np.zeros(len(V))
            for layer in self.layers_[:-1]:
                W, c, b = layer._params_as(np.float64)
                q = _sigmoid_(below @ W.T, c)
                h = _sample(q, rng)
                # log Q(h | below) and log p(below | h), both factorial Bernoulli
                bound -= _bernoulli_log_prob(h, below @ W.T + c)
                bound += _bernoulli_log_prob(below, h @ W + b)
                below = h
            bound += top.score_samples(below) - log_partition
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
        V = top.sample(n_samples, n_steps=n_steps, random_state=rng.integers(2**31))
        if len(self.layers_) == 1:
            return V
        generative = [(layer.components_, layer.intercept_visible_)
                      for layer in reversed(self.layers_[:-1])]
        return _down_pass(_sample(V, rng), generative, rng)[-1]

    @property
    def _n_features_out(self):
        return self.layers_[-1].n_components

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class _LabeledRBM(BernoulliPoE):
    """The top RBM of a DBN classifier: its visible layer is the penultimate
    layer's units followed by one softmax group of ``n_labels`` label units
    (Hinton, Osindero & Teh 2006, eq. 10). Trained by plain CD-k."""

    n_labels = 0  # set on the instance, not a parameter: never cloned

    def _visible_probabilities(self, A, b):
        k = self.n_labels
        _sigmoid_(A[:, :-k], b[:-k])
        A[:, -k:] += b[-k:]
        _softmax_(A[:, -k:])
        return A


class DeepBeliefNetClassifier(
    ClassifierMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    """The deep belief net of Hinton, Osindero & Teh (2006), with labels at the top.

    Greedy training: each layer but the last is a :class:`BernoulliPoE`
    trained on the activities of the layer below; the top RBM (the
    "associative memory") models the penultimate layer jointly with one
    softmax group of label units. Then optional up-down fine-tuning
    (contrastive wake-sleep, appendix B): recognition and generative weights
    are untied; the up-pass adjusts the generative weights, the top RBM
    learns by CD from the up-pass state with the number of Gibbs iterations
    rising over training (3, then 6, then 10, as in sec. 6.1), and the
    down-pass from the end of that chain adjusts the recognition weights.

    ``predict_proba`` uses a deterministic up-pass with the recognition
    weights, then the exact free energy of each label with the penultimate
    layer fixed (sec. 6.2): ``p(c | pen) ∝ exp(d_c + sum_j softplus(b_j +
    W_j.pen + U_jc))``.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(500, 500, 2000)
        Hidden layer sizes, bottom to top; the last is the top RBM's hidden
        layer, which also sees the labels.
    layer : BernoulliPoE, default=None
        Template of the greedy training of every layer (cloned, with
        ``n_components`` and ``random_state`` set per layer). None means
        ``BernoulliPoE()``. The top RBM always uses CD (not PCD).
    fine_tune_epochs : int, default=0
        Epochs of up-down fine-tuning after greedy training.
    fine_tune_learning_rate : float, default=0.01
        Learning rate of the up-down updates (no momentum, no decay, as in
        the appendix).
    fine_tune_gibbs_steps : tuple of int, default=(3, 6, 10)
        Gibbs iterations in the top RBM, rising: the fine-tuning epochs are
        split into as many equal parts.
    batch_size : int, default=100
        Minibatch size of fine-tuning.
    random_state : int, RandomState instance or None, default=None
    verbose : int, default=0
        If positive, report each greedy layer and its epochs, and each
        fine-tuning epoch (epoch, wake-phase reconstruction error, time).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    reconstruction_error_ : list of ndarray
        The greedy learning curve of each layer, bottom to top, the top RBM
        (with the labels) last.
    fine_tune_error_ : ndarray of shape (fine_tune_epochs,)
        Per up-down epoch, the mean squared error of the generative weights'
        prediction of the data from the first hidden layer's wake states.
    recognition_weights_, generative_weights_ : list of ndarray
        Directed layers bottom to top, each of shape (n_above, n_below).
    recognition_biases_, generative_biases_ : list of ndarray
        Biases of the layer above (recognition) or below (generative).
    top_weights_ : ndarray of shape (n_top, n_penultimate)
    label_weights_ : ndarray of shape (n_top, n_classes)
    top_bias_, penultimate_bias_, label_bias_ : ndarray
        Biases of the top RBM.
    n_features_in_ : int

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skpoe import BernoulliPoE, DeepBeliefNetClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = DeepBeliefNetClassifier((32, 64), layer=BernoulliPoE(n_iter=5),
    ...                               random_state=0).fit(X / 16, y)
    >>> clf.predict_proba(X[:2] / 16).shape
    (2, 10)
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Integral],
        "layer": [HasMethods(["fit", "transform"]), None],
        "fine_tune_epochs": [Interval(Integral, 0, None, closed="left")],
        "fine_tune_learning_rate": [Interval(Real, 0, None, closed="neither")],
        "fine_tune_gibbs_steps": ["array-like"],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(self, hidden_layer_sizes=(500, 500, 2000), *, layer=None,
                 fine_tune_epochs=0, fine_tune_learning_rate=0.01,
                 fine_tune_gibbs_steps=(3, 6, 10), batch_size=100, random_state=None,
                 verbose=0):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.layer = layer
        self.fine_tune_epochs = fine_tune_epochs
        self.fine_tune_learning_rate = fine_tune_learning_rate
        self.fine_tune_gibbs_steps = fine_tune_gibbs_steps
        self.batch_size = batch_size
        self.random_state = random_state
        self.verbose = verbose

    # ---------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=False)
    @no_half_fitted_model
    def fit(self, X, y):
        """Greedy layer-wise training, then ``fine_tune_epochs`` of up-down.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Values in [0, 1].
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : object
        """
        sizes = _check_sizes(self.hidden_layer_sizes)
        if len(sizes) < 2:
            raise ValueError(
                "DeepBeliefNetClassifier needs at least 2 hidden layers (the last is "
                f"the top RBM's, joined with the labels); got hidden_layer_sizes={sizes}."
            )
        X, y = validate_input(self, X, y, accept_sparse="csr")
        check_classification_targets(y)
        self.classes_, y_index = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes; got 1 class "
                f"({self.classes_[0]!r}). Check y."
            )
        check_unit_interval(type(self).__name__, X)
        targets = np.eye(len(self.classes_), dtype=X.dtype)[y_index]
        rng = check_random_state(self.random_state)
        seeds = rng.randint(np.iinfo(np.int32).max, size=len(sizes))
        template = BernoulliPoE() if self.layer is None else self.layer

        # Greedy: directed layers first, then the top RBM on [pen, labels].
        name = type(self).__name__
        layers, data = _fit_greedy(template, sizes[:-1], seeds[:-1], X, self.verbose, name)
        # Untied copies: up-down changes recognition and generative weights apart.
        self.recognition_weights_ = [np.array(lay.components_, order="C") for lay in layers]
        self.recognition_biases_ = [lay.intercept_hidden_.copy() for lay in layers]
        self.generative_weights_ = [np.array(lay.components_, order="C") for lay in layers]
        self.generative_biases_ = [lay.intercept_visible_.copy() for lay in layers]
        top = _LabeledRBM(**{**clone(template).get_params(), "n_components": sizes[-1],
                             "random_state": int(seeds[-1]), "persistent": False})
        top.n_labels = len(self.classes_)
        if self.verbose:
            print(f"[{name}] top RBM: {data.shape[1]} + {len(self.classes_)} labels "
                  f"-> {sizes[-1]} units")
            top.set_params(verbose=max(self.verbose, top.verbose))
        top.fit(np.hstack([data, targets]))
        self.reconstruction_error_ = [
            *(np.asarray(lay.reconstruction_error_) for lay in layers),
            np.asarray(top.reconstruction_error_),
        ]
        n_pen = data.shape[1]
        self.top_weights_ = np.array(top.components_[:, :n_pen], order="C")
        self.label_weights_ = np.array(top.components_[:, n_pen:], order="C")
        self.top_bias_ = top.intercept_hidden_.copy()
        self.penultimate_bias_ = top.intercept_visible_[:n_pen].copy()
        self.label_bias_ = top.intercept_visible_[n_pen:].copy()

        self.fine_tune_error_ = np.zeros(0)
        if self.fine_tune_epochs:
            with np.errstate(over="ignore", invalid="ignore"):
                self._up_down(X, targets, make_generator(int(rng.randint(2**31))))
        return self

    def _up_down(self, X, targets, rng):
        """Contrastive wake-sleep (Hinton, Osindero & Teh 2006, appendix B)."""
        steps = tuple(int(s) for s in self.fine_tune_gibbs_steps) or (1,)
        r = self.fine_tune_learning_rate
        R, Rb = self.recognition_weights_, self.recognition_biases_
        G, Gb = self.generative_weights_, self.generative_biases_
        n = X.shape[0]
        name = type(self).__name__
        fit_start = time.perf_counter()
        for epoch in range(self.fine_tune_epochs):
            start_time = time.perf_counter()
            error = 0.0
            k = steps[min(epoch * len(steps) // self.fine_tune_epochs, len(steps) - 1)]
            order = rng.permutation(n)
            for start in range(0, n, self.batch_size):
                rows = order[start:start + self.batch_size]
                data = X[rows]
                data = data.toarray() if hasattr(data, "toarray") else data
                lab = targets[rows]
                m = len(rows)
                # Up-pass: wake states with the recognition weights.
                wake = [data]
                for W, b in zip(R, Rb):
                    wake.append(_sample(_sigmoid_(wake[-1] @ W.T, b), rng))
                pen = wake[-1]
                top = _sample(_sigmoid_(pen @ self.top_weights_.T + lab @ self.label_weights_.T,
                                        self.top_bias_), rng)
                pos_pen, pos_lab = top.T @ pen, top.T @ lab
                # k Gibbs iterations in the top associative memory.
                neg_top = top
                for _ in range(k):
                    neg_pen = _sample(_sigmoid_(neg_top @ self.top_weights_,
                                                self.penultimate_bias_), rng)
                    neg_lab = _softmax_(neg_top @ self.label_weights_ + self.label_bias_)
                    neg_top = _sample(_sigmoid_(neg_pen @ self.top_weights_.T
                                                + neg_lab @ self.label_weights_.T,
                                                self.top_bias_), rng)
                # Down-pass: sleep states with the generative weights,
                # listed bottom (visible probabilities) to pen.
                sleep = [neg_pen, *_down_pass(neg_pen, list(zip(G, Gb))[::-1], rng)][::-1]
                # Generative weights: predict each wake layer from the one above.
                for i, (W, b) in enumerate(zip(G, Gb)):
                    err = wake[i] - _sigmoid_(wake[i + 1] @ W, b)
                    if i == 0:
                        error += float(np.sum(err * err, dtype=np.float64))
                    W += (r / m) * (wake[i + 1].T @ err)
                    b += (r / m) * err.sum(0)
                # Top RBM: CD from the up-pass state.
                self.top_weights_ += (r / m) * (pos_pen - neg_top.T @ neg_pen)
                self.label_weights_ += (r / m) * (pos_lab - neg_top.T @ neg_lab)
                self.top_bias_ += (r / m) * (top - neg_top).sum(0)
                self.penultimate_bias_ += (r / m) * (pen - neg_pen).sum(0)
                self.label_bias_ += (r / m) * (lab - neg_lab).sum(0)
                # Recognition weights: predict each sleep layer from the one below.
                for i, (W, b) in enumerate(zip(R, Rb)):
                    err = sleep[i + 1] - _sigmoid_(sleep[i] @ W.T, b)
                    W += (r / m) * (err.T @ sleep[i])
                    b += (r / m) * err.sum(0)
            params = {
                **{f"recognition_weights_[{i}]": W for i, W in enumerate(R)},
                **{f"generative_weights_[{i}]": W for i, W in enumerate(G)},
                **{f"recognition_biases_[{i}]": b for i, b in enumerate(Rb)},
                **{f"generative_biases_[{i}]": b for i, b in enumerate(Gb)},
                "top_weights_": self.top_weights_, "label_weights_": self.label_weights_,
                "top_bias_": self.top_bias_, "penultimate_bias_": self.penultimate_bias_,
                "label_bias_": self.label_bias_,
            }
            check_parameters(
                f"{name} (up-down fine-tuning)", params,
                f"In epoch {epoch + 1}; lower fine_tune_learning_rate (now {r}).",
            )
            error /= X.shape[0] * X.shape[1]
            self.fine_tune_error_ = np.append(self.fine_tune_error_, error)
            if self.verbose:
                print(f"[{name}] up-down epoch {epoch + 1}, Gibbs steps {k}, "
                      f"reconstruction error {error:.5f}, "
                      f"{time.perf_counter() - start_time:.2f} s "
                      f"({time.perf_counter() - fit_start:.1f} s elapsed)")

    # ------------------------------------------------------------ predict
    def _penultimate(self, X):
        check_is_fitted(self)
        H = validate_input(self, X, accept_sparse="csr", reset=False)
        check_unit_interval(type(self).__name__, H)
        H = H.toarray() if hasattr(H, "toarray") else H
        for W, b in zip(self.recognition_weights_, self.recognition_biases_):
            H = _sigmoid_(H @ W.T.astype(H.dtype), b.astype(H.dtype))
        return H

    def transform(self, X):
        """Penultimate-layer probabilities by a deterministic up-pass.

        The features the top RBM (the associative memory) sees, computed
        with the (fine-tuned) recognition weights.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        H : ndarray of shape (n_samples, hidden_layer_sizes[-2])
        """
        return self._penultimate(X)

    @property
    def _n_features_out(self):
        return self.top_weights_.shape[1]

    def _label_log_odds(self, pen):
        """Unnormalized log p(c | pen): minus the free energy of each label."""
        base = pen @ self.top_weights_.T + self.top_bias_
        out = np.empty((len(pen), len(self.classes_)))
        column = np.empty(len(pen))
        for c in range(len(self.classes_)):
            pre = np.ascontiguousarray(base + self.label_weights_[:, c], dtype=np.float64)
            _kernels.goodness(pre, np.full(len(pen), float(self.label_bias_[c])), column)
            out[:, c] = column
        return out

    def decision_function(self, X):
        """Minus the free energy of each label given the up-pass (sec. 6.2).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Values in [0, 1].

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes), or (n_samples,)
            For two classes, the log-odds of the second, as scikit-learn's
            classifiers do.
        """
        scores = self._label_log_odds(self._penultimate(X))
        return scores[:, 1] - scores[:, 0] if len(self.classes_) == 2 else scores

    def predict_proba(self, X):
        """p(label | penultimate layer), exact, by the free energies.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Values in [0, 1].

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        return _softmax_(self._label_log_odds(self._penultimate(X)))

    def predict(self, X):
        """The label with the lowest free energy.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Values in [0, 1].

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        scores = self._label_log_odds(self._penultimate(X))
        return self.classes_[np.argmax(scores, axis=1)]

    def sample_class(self, label, n_samples=1, *, n_steps=1000, random_state=None):
        """Class-conditional fantasies: the label clamped in the top RBM (Fig. 8).

        Alternating Gibbs sampling between the top and penultimate layers
        with the label units clamped, from a random start, then a down-pass
        with the generative weights.

        Parameters
        ----------
        label : a value of ``classes_``
        n_samples : int, default=1
        n_steps : int, default=1000
        random_state : int, RandomState instance or None, default=None

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            Visible probabilities at the bottom of the down-pass.
        """
        check_is_fitted(self)
        if label not in self.classes_:
            raise ValueError(f"Unknown label {label!r}; classes_ are {list(self.classes_)}.")
        rng = make_generator(random_state)
        lab = (self.classes_ == label).astype(self.top_weights_.dtype)[None, :]
        clamped = lab @ self.label_weights_.T + self.top_bias_
        pen = _sample(np.full((n_samples, self.top_weights_.shape[1]), 0.5), rng)
        for _ in range(max(int(n_steps), 1)):
            top = _sample(_sigmoid_(pen @ self.top_weights_.T, clamped[0]), rng)
            pen = _sample(_sigmoid_(top @ self.top_weights_, self.penultimate_bias_), rng)
        generative = list(zip(self.generative_weights_, self.generative_biases_))[::-1]
        return _down_pass(pen, generative, rng)[-1]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = True
        # A generative model of the data and labels together: on two features
        # squashed into [0, 1] (scikit-learn's blobs check) a small, briefly
        # trained net does not reach the checks' 83% training accuracy.
        tags.classifier_tags.poor_score = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
