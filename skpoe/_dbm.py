"""DeepBoltzmannMachine: RBMs composed into one undirected deep model, then trained jointly.

Hinton (2014, sec. 8-9) after Salakhutdinov & Hinton (2009). Pretraining is
``DeepBoltzmannMachine._pretrain``: a stack of ``BernoulliPoE``s, the first
with its input doubled on the way up (``_DoubledUpRBM``), the last with its
input doubled on the way down (``_DoubledDownRBM``), composed into one
symmetric model by ``_compose``. Joint training is
``DeepBoltzmannMachine._cd_step``: data statistics from the mean-field
posterior (``_mean_field``), model statistics from persistent Markov chains
(``_gibbs``). A DBM is an RBM between its even layers (v, h2, ...) and its
odd layers (h1, h3, ...), which is how ``_partition.py`` computes its log Z.
"""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from . import _kernels
from ._base import BasePoE
from ._bernoulli import BernoulliPoE
from ._math import random_key, sample_bernoulli, sigmoid_, to_dense
from ._partition import (
    MAX_EXACT_UNITS,
    ais_log_partition,
    base_rate_biases,
    exact_log_partition,
)
from ._stack import SIZES_OR_AUTO, resolve_hidden_layer_sizes
from ._validation import (
    TrainingDivergedError,
    check_unit_range,
    derive_seed,
    make_generator,
)

# Rows per chunk of transform and score_samples: bounds their scratch memory.
_CHUNK = 1024


# ------------------------------------------------------------ pretraining
class _DoubledUpRBM(BernoulliPoE):
    """The first RBM of a DBM's pretraining: bottom-up weights twice the top-down.

    Its hidden units get ``2 W v + c`` (the visible data doubled on the way
    up), its visible units ``W.T h + b``, in the positive phase, the
    negative phase and ``transform`` alike (Hinton 2014, sec. 8;
    Salakhutdinov & Hinton 2009, sec. 3.1). Not a proper RBM, but CD trains
    it well. Everything else, the gradient ``<v h>_data - <v h>_recon``
    included, is ``BernoulliPoE``'s; its ``score_samples`` (the plain RBM's
    goodness) is not used.
    """

    _hidden_input_scale = 2


class _DoubledDownRBM(BernoulliPoE):
    """The last RBM of a DBM's pretraining: top-down weights twice the bottom-up.

    Its visible units (the layer below) get ``2 W.T h + b``, its hidden
    units ``W v + c``: like an RBM with two tied copies of its hidden layer
    (Hinton 2014, sec. 8). Everything else is ``BernoulliPoE``'s.
    """

    def _visible_probabilities(self, A, b):
        A *= 2
        return sigmoid_(A, b)


def _layer_class(k, n_layers):
    """The RBM that pretrains hidden layer k (from 0) of ``n_layers``.

    One layer is both first and last: its two constraints cancel, and the
    DBM is an RBM.
    """
    if n_layers == 1 or 0 < k < n_layers - 1:
        return BernoulliPoE
    return _DoubledUpRBM if k == 0 else _DoubledDownRBM


def _compose(rbms):
    """The DBM's weights and biases from its pretrained RBMs (Hinton 2014, sec. 8).

    Each hidden layer takes the geometric mean of what the RBM below and
    the RBM above say about it: half of each one's input. The first RBM's
    bottom-up input ``2 W v + c`` and the last one's top-down ``2 W.T h +
    b`` become ``W v`` and ``W.T h``, and a middle RBM's weights are halved;
    a hidden layer's bias is the mean of the two RBMs' biases on it, except
    the top's (only the last RBM has it) and the visible one's (the first).

    Returns ``(weights, biases)``: ``weights[k]`` of shape (n_below, n_above)
    joins layers k and k + 1; ``biases[k]`` is layer k's, the visible first.
    """
    weights = [(0.5 if 0 < k < len(rbms) - 1 else 1.0) * rbm.components_.T
               for k, rbm in enumerate(rbms)]
    biases = [rbms[0].intercept_visible_]
    biases += [0.5 * (below.intercept_hidden_ + above.intercept_visible_)
               for below, above in zip(rbms[:-1], rbms[1:])]
    biases.append(rbms[-1].intercept_hidden_)
    return weights, biases


# --------------------------------------------------------- the two phases
def _input_(k, below, above, weights, out, scratch):
    """Layer k's input from its neighbours (without bias), into ``out``:
    ``below @ weights[k-1] + above @ weights[k].T`` (the second product
    into ``scratch``); ``below`` is None for the visible layer, ``above``
    for the top one. Returns ``out``."""
    if below is None:
        return np.dot(above, weights[k].T, out=out)
    np.dot(below, weights[k - 1], out=out)
    if above is not None:
        out += np.dot(above, weights[k].T, out=scratch)
    return out


def _mean_field(VW, mu, weights, biases, scratch, n_steps, tol):
    """The mean-field posterior of every hidden layer, in place in ``mu``.

    ``VW = v @ weights[0]`` is the visible layer's (fixed) input to the
    first hidden layer; ``mu[k]`` (k >= 1) receives layer k's marginals
    ``q(h_k = 1)``; ``scratch`` holds two arrays per hidden layer, shaped
    like ``mu``'s. Starts from the bottom-up pass that doubles each layer's
    input from below to stand for the missing input from above (not the
    top's), as the pretraining did (Salakhutdinov & Hinton 2012, sec. 4),
    then makes fixed-point updates ``mu_k = sigmoid(mu_{k-1} W_k + mu_{k+1}
    W_{k+1}.T + b_k)``, odd layers then even ones, until the mean absolute
    change of every layer is at most ``tol`` or after ``n_steps`` updates.
    Returns the number of updates made.
    """
    n_layers = len(weights)
    for k in range(1, n_layers + 1):
        if k == 1:
            mu[1][...] = VW
        else:
            np.dot(mu[k - 1], weights[k - 1], out=mu[k])
        if k < n_layers:
            mu[k] *= 2
        sigmoid_(mu[k], biases[k])
    if n_layers == 1:  # the posterior of an RBM is exact in one pass
        return 0
    order = [*range(1, n_layers + 1, 2), *range(2, n_layers + 1, 2)]
    for step in range(1, n_steps + 1):
        change = 0.0
        for k in order:
            above = mu[k + 1] if k < n_layers else None
            if k == 1:  # the visible layer's share is VW, computed once
                out = np.dot(above, weights[1].T, out=scratch[k][0])
                out += VW
            else:
                out = _input_(k, mu[k - 1], above, weights, *scratch[k])
            moved = _kernels.mean_field_update_(out, biases[k], mu[k]) / max(mu[k].size, 1)
            change = max(change, moved)
        if change <= tol:
            break
    return step


def _gibbs(even, states, weights, biases, scratch, n_steps, rng):
    """``n_steps`` of alternating Gibbs sampling, odd layers then even layers.

    Given the even layers' states, the odd layers are independent, and the
    other way round. ``even[k]`` holds the binary states of even layer k
    (None for odd k), updated in place: the chains. After the last step,
    ``states[k]`` holds the odd layers' sampled states and the even layers'
    probabilities given them: the model statistics, Rao-Blackwellized on
    the even layers. ``scratch[k]`` is a second array shaped like
    ``states[k]`` (k >= 1).
    """
    n_layers = len(weights)
    for _ in range(n_steps):
        for k in range(1, n_layers + 1, 2):
            above = even[k + 1] if k < n_layers else None
            out = _input_(k, even[k - 1], above, weights, states[k], scratch[k])
            # Two passes, not sigmoid_sample_(out, ..., out): a kernel whose
            # output aliases its input runs unvectorized, 7 times slower.
            sample_bernoulli(sigmoid_(out, biases[k]), rng, out=out)
        for k in range(0, n_layers + 1, 2):
            below = states[k - 1] if k > 0 else None
            above = states[k + 1] if k < n_layers else None
            out = _input_(k, below, above, weights, states[k], scratch[k] if k > 0 else None)
            _kernels.sigmoid_sample_(out, biases[k], random_key(rng), even[k])


class DeepBoltzmannMachine(TransformerMixin, BasePoE):
    """Deep Boltzmann machine: pretrained RBMs composed and trained jointly.

    An undirected model with binary hidden layers ``h1 ... hL`` above the
    visible units ``v``, each layer connected to the one below and the one
    above, with energy ``E(v, h) = -b0.v - sum_k b_k.h_k - v W1 h1 -
    sum_k h_{k-1} W_k h_k`` (Hinton 2014, sec. 8-9; Salakhutdinov & Hinton
    2009). Unlike a :class:`DeepBeliefNet`, every layer gets input from
    above and below, in generation and in inference alike.

    Training has two stages:

    1. Pretraining: a stack of RBMs (:class:`BernoulliPoE` s) trained
       greedily, each on the activation probabilities of the one below, as
       for a deep belief net, except that the first RBM is trained with its
       bottom-up weights twice its top-down weights (its hidden units
       receive ``2 W v``; its visible units ``W.T h``) and the last with its
       top-down weights twice its bottom-up ones. The RBMs are then
       composed into one symmetric model: the first and last RBMs' weights
       as they are (the doubled input of each is replaced by input from the
       neighbouring layer), the middle ones' halved, and each hidden
       layer's bias the mean of the two RBMs' biases on it.
    2. Joint training of all weights, on a variational lower bound of the
       log-likelihood: the data-dependent statistics come from the
       mean-field (fully factorized) approximation of the posterior, the
       model's statistics from persistent Markov chains, one per minibatch
       row, advanced by ``gibbs_steps`` of alternating Gibbs sampling (odd
       layers, then even layers) after each weight update. Updates use
       momentum, weight decay and a learning rate that decays as
       ``learning_rate / (1 + learning_rate_decay * t)`` at update t.

    Values lie in [0, 1] and are treated as probabilities; the likelihoods
    are exact for binary data.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int or "auto", default="auto"
        Number of units of each hidden layer, bottom to top. One layer
        makes an RBM trained by mean-field and persistent chains. "auto":
        the papers' ``(500, 1000)`` from 250 inputs up (MNIST's 784 among
        them), ``(2 * n_features, 4 * n_features)`` below (``(128, 256)``
        for the 8x8 digits, where the papers' machine took four times as
        long for features no better).
    layer : BernoulliPoE, default=None
        Template of the pretraining RBMs: its parameters (learning rate,
        epochs, ...) are copied into each, with ``n_components`` and
        ``random_state`` set per layer. None means ``BernoulliPoE()`` (the
        papers' learning rate, momentum and weight decay; ``n_iter="auto"``).
        The first and last RBMs are private subclasses of
        :class:`BernoulliPoE` that differ only by the doubled input; the
        template's class is not used.
    learning_rate : float, default=0.001
        Initial learning rate of joint training. Salakhutdinov & Hinton
        (2009) start at 0.005; here, with momentum 0.9 on MNIST, 0.005 made
        the persistent chains drift into one mode within a few hundred
        updates and the mean-field posterior collapse to the same values
        for every image (its features fell to chance); 0.001 (or 0.005
        with momentum 0.5) kept them informative over 1,500 updates.
    learning_rate_decay : float, default=1e-4
        The rate at update t is ``learning_rate / (1 + learning_rate_decay *
        t)``: halved after ``1 / learning_rate_decay`` updates. 0 keeps it
        constant.
    batch_size : int or "auto", default="auto"
        Samples per minibatch of joint training, and number of persistent
        chains. "auto": 100 (the papers' value; fewer samples than that,
        all of them), whatever the data size, unlike the RBMs' "auto": a
        dozen chains mix too poorly (on digits, 12 chains made the
        features worse than the pretrained model's; 100 kept them). The
        value used is ``batch_size_``.
    n_iter : int or "auto", default="auto"
        Epochs of joint training in ``fit``. "auto": as many as make about
        6,000 minibatch updates (10 epochs of 60,000 samples), after the
        pretraining's own, but at most 100 epochs: on fewer than 6,000
        samples the later epochs cost minutes and bought nothing (features
        + logistic regression on 1,000 MNIST images: 0.881 composed, 0.902
        after 100 epochs in 17 s, 0.899 after 600 in 106 s; on digits 0.974
        composed, 0.963 after 100 epochs, 0.952 after 500). 0: pretraining
        only, the composed model.
    gibbs_steps : int, default=1
        Alternating Gibbs steps of the persistent chains per update.
    mean_field_steps : int, default=3
        Most mean-field updates per minibatch (and in :meth:`transform` and
        :meth:`score_samples`) after the bottom-up initialization. Three
        train the same model as ten in 60% of the time (MNIST, ``(500,
        1000)``, 18,000 joint updates from the same pretrained model: test
        bound -132.9 against -133.0 nats; the digits: the same features).
        More give :meth:`score_samples` a slightly tighter bound on the same
        model (0.4 nats on that MNIST model with ten).
    mean_field_tol : float, default=1e-4
        Joint training stops a minibatch's mean-field updates when no
        layer's marginals move by more than this on average. Inference
        always makes ``mean_field_steps`` updates, so that each sample's
        result is independent of the others.
    momentum : float, default=0.9
        Momentum of joint training, after the warm-up.
    momentum_warmup : int, default=50
        Initial joint-training updates made with momentum 0.
    weight_decay : float, default=1e-4
        L2 penalty on the weights (not the biases), scaled by the learning rate.
    shuffle : bool, default=True
        Shuffle the samples before each epoch of joint training.
    random_state : int, RandomState instance or None, default=None
        Seeds the pretraining, the chains, the shuffling and the sampling;
        the same value gives the same model.
    verbose : int, default=0
        If positive, report each pretraining layer (and have it print its
        epochs), the joint-training plan, and each joint-training epoch
        (reconstruction error, time).

    Attributes
    ----------
    components_ : list of ndarray
        Weights, bottom to top: ``components_[k]`` of shape
        (hidden_layer_sizes[k], n_units below); row j is unit j's weights
        to the layer below, as in :class:`BernoulliPoE`.
    intercept_visible_ : ndarray of shape (n_features,)
        Visible biases.
    intercepts_hidden_ : list of ndarray
        Hidden biases, bottom to top.
    hidden_layer_sizes_ : tuple of int
        Units of each hidden layer, bottom to top: ``hidden_layer_sizes``
        with "auto" resolved.
    n_iter_ : int
        Epochs of joint training (``partial_fit`` counts one per call).
    n_updates_ : int
        Joint-training updates made.
    batch_size_ : int
        The minibatch size of joint training.
    reconstruction_error_ : ndarray of shape (`n_iter_`,)
        Learning curve: per epoch, the mean squared difference between the
        training minibatches and their mean-field reconstructions
        ``sigmoid(q(h1) W1.T + b0)``, measured during training.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    DeepBeliefNet : the other composite of stacked RBMs: directed below its
        top RBM.

    References
    ----------
    R. Salakhutdinov and G. E. Hinton. Deep Boltzmann machines. AISTATS 2009.

    R. Salakhutdinov and G. E. Hinton. An efficient learning procedure for
    deep Boltzmann machines. Neural Computation 24(8), 2012.

    G. E. Hinton. Where do features come from? Cognitive Science 38(6), 2014.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skpoe import BernoulliPoE, DeepBoltzmannMachine
    >>> X = load_digits().data / 16
    >>> dbm = DeepBoltzmannMachine((32, 16), layer=BernoulliPoE(n_iter=5), n_iter=2,
    ...                            random_state=0).fit(X)
    >>> dbm.transform(X).shape
    (1797, 48)
    >>> dbm.score_samples(X).shape
    (1797,)
    >>> dbm.sample(4, n_steps=10, random_state=0).shape
    (4, 64)
    """

    _parameter_constraints: dict = {
        **{k: v for k, v in BasePoE._parameter_constraints.items() if k != "n_components"},
        "hidden_layer_sizes": SIZES_OR_AUTO,
        "layer": [BernoulliPoE, None],
        "n_iter": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
        "learning_rate_decay": [Interval(Real, 0, None, closed="left")],
        "gibbs_steps": [Interval(Integral, 1, None, closed="left")],
        "mean_field_steps": [Interval(Integral, 1, None, closed="left")],
        "mean_field_tol": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        hidden_layer_sizes="auto",
        *,
        layer=None,
        learning_rate=0.001,
        learning_rate_decay=1e-4,
        batch_size="auto",
        n_iter="auto",
        gibbs_steps=1,
        mean_field_steps=3,
        mean_field_tol=1e-4,
        momentum=0.9,
        momentum_warmup=50,
        weight_decay=1e-4,
        shuffle=True,
        random_state=None,
        verbose=0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.layer = layer
        self.learning_rate = learning_rate
        self.learning_rate_decay = learning_rate_decay
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.gibbs_steps = gibbs_steps
        self.mean_field_steps = mean_field_steps
        self.mean_field_tol = mean_field_tol
        self.momentum = momentum
        self.momentum_warmup = momentum_warmup
        self.weight_decay = weight_decay
        self.shuffle = shuffle
        self.random_state = random_state
        self.verbose = verbose

    # ----------------------------------------------------------- the model
    def _check_domain(self, lo, hi, dtype):
        check_unit_range(type(self).__name__, lo, hi)

    def _arrays(self, name, layers):
        return [getattr(self, f"_{name}{k}") for k in layers]

    def _weights(self):
        """``[W1, ..., WL]``, ``W_k`` of shape (n_{k-1}, n_k), C-contiguous."""
        return self._arrays("W", range(1, self._n_layers + 1))

    def _biases(self):
        """``[b0, b1, ..., bL]``, the visible layer's first."""
        return self._arrays("b", range(self._n_layers + 1))

    def _params_as(self, dtype):
        return ([W.astype(dtype, copy=False) for W in self._weights()],
                [b.astype(dtype, copy=False) for b in self._biases()])

    def _sizes(self):
        """Units per layer, the visible layer's first."""
        return [self._W1.shape[0], *(W.shape[1] for W in self._weights())]

    def _state(self):
        layers, hidden = range(self._n_layers + 1), range(1, self._n_layers + 1)
        names = [*(f"_W{k}" for k in hidden), *(f"_velocity_W{k}" for k in hidden),
                 *(f"_b{k}" for k in layers), *(f"_velocity_b{k}" for k in layers),
                 *(f"_chain{k}" for k in layers[::2]), *(f"_mean{k}" for k in layers[2::2])]
        return {name: getattr(self, name) for name in names}

    @property
    def components_(self):
        """Weights, bottom to top: ``components_[k]`` of shape (n_k, n_{k-1})."""
        check_is_fitted(self)
        return [W.T for W in self._weights()]

    @property
    def intercept_visible_(self):
        """Visible biases."""
        check_is_fitted(self)
        return self._b0

    @property
    def intercepts_hidden_(self):
        """Hidden biases, bottom to top."""
        check_is_fitted(self)
        return self._biases()[1:]

    @property
    def hidden_layer_sizes_(self):
        """Units of each hidden layer, bottom to top (``hidden_layer_sizes``
        with "auto" resolved)."""
        check_is_fitted(self)
        return tuple(self._sizes()[1:])

    def _batch_size(self, n_samples):
        # The persistent chains are as many as the minibatch's rows, and
        # fewer than about 100 mix too poorly (see the batch_size parameter).
        size = 100 if self.batch_size == "auto" else self.batch_size
        return min(size, n_samples)

    # ---------------------------------------------------------- pretraining
    def _pretrain(self, X, sizes, rng):
        """The RBMs of the pretraining, each trained on the activation
        probabilities of the one below (Hinton 2014, sec. 8)."""
        name = type(self).__name__
        template = BernoulliPoE() if self.layer is None else self.layer
        params = template.get_params(deep=False)
        rbms, data = [], X
        for k, (size, seed) in enumerate(zip(sizes, derive_seed(rng, size=len(sizes)))):
            kind = _layer_class(k, len(sizes))
            rbm = kind(**{p: v for p, v in params.items() if p in kind._get_param_names()})
            rbm.set_params(n_components=size, random_state=int(seed))
            rbm._validate_params()  # BasePoE.fit skips the nested validation
            if self.verbose:
                how = {_DoubledUpRBM: ", bottom-up input doubled",
                       _DoubledDownRBM: ", top-down input doubled"}.get(kind, "")
                print(f"[{name}] pretraining layer {k + 1}/{len(sizes)}: "
                      f"{data.shape[1]} -> {size} units{how}")
                rbm.set_params(verbose=max(self.verbose, rbm.verbose))
            try:
                rbm.fit(data)
            except TrainingDivergedError as exc:  # say which layer
                raise TrainingDivergedError(f"[{name}] pretraining layer {k + 1}: {exc}") from exc
            if k < len(sizes) - 1:
                data = rbm.transform(data)
            rbms.append(rbm)
        return rbms

    def _init_state(self, X, rng):
        sizes = resolve_hidden_layer_sizes(self.hidden_layer_sizes, X.shape[1], (1, 2))
        weights, biases = _compose(self._pretrain(X, sizes, rng))
        dtype = X.dtype
        self._n_layers = len(sizes)
        for k, W in enumerate(weights, 1):
            setattr(self, f"_W{k}", np.ascontiguousarray(W, dtype=dtype))
            setattr(self, f"_velocity_W{k}", np.zeros(W.shape, dtype=dtype))
        for k, b in enumerate(biases):
            setattr(self, f"_b{k}", np.array(b, dtype=dtype))
            setattr(self, f"_velocity_b{k}", np.zeros(b.shape, dtype=dtype))
        self._buffers = {}
        # The posterior means of a sample of the data start the running
        # means of the even hidden layers (AIS's base rates); the chains
        # start at training samples.
        n = X.shape[0]
        rows = rng.integers(n, size=max(self.batch_size_, min(n, 1000)))
        V = np.ascontiguousarray(to_dense(X[rows]), dtype=dtype)
        mu = self._posterior(V)
        for k in range(2, self._n_layers + 1, 2):
            setattr(self, f"_mean{k}", mu[k].mean(axis=0))
        for k, chain in enumerate(self._chain_states(V[:self.batch_size_], rng)):
            if chain is not None:
                setattr(self, f"_chain{k}", chain)

    def _chain_states(self, V, rng):
        """New chains at the samples V: their even layers' binary states
        (v itself, the hidden ones from the posterior), None for odd layers."""
        mu = self._posterior(V)
        return [sample_bernoulli(mu[k], rng) if k % 2 == 0 else None
                for k in range(self._n_layers + 1)]

    def _chains(self, batch, rng):
        """The even layers' chains for a minibatch of n rows: the first n chains."""
        n, m = batch.shape[0], self._chain0.shape[0]
        if m < n:  # batch_size raised between partial_fit calls: new chains at the data
            for k, new in enumerate(self._chain_states(batch[m:], rng)):
                if new is not None:
                    setattr(self, f"_chain{k}", np.vstack([getattr(self, f"_chain{k}"), new]))
        return [getattr(self, f"_chain{k}")[:n] if k % 2 == 0 else None
                for k in range(self._n_layers + 1)]

    # ------------------------------------------------------- joint training
    def _workspace(self, n):
        """Scratch arrays for a minibatch of n rows, reused across updates.

        ``S[k]`` stacks layer k's data statistics (mean-field marginals; the
        minibatch for k = 0) on top of its model statistics (from the
        chains), so that each weight gradient is one matrix product, as in
        ``BernoulliPoE``.
        """
        buffers = getattr(self, "_buffers", None)
        if buffers is None:
            buffers = self._buffers = {}
        if n not in buffers:
            dtype = self._W1.dtype
            sizes = self._sizes()
            buffers[n] = {
                "S": [np.empty((2 * n, s), dtype) for s in sizes],
                "scratch": [None, *((np.empty((n, s), dtype), np.empty((n, s), dtype))
                                    for s in sizes[1:])],
                "grad": [np.empty_like(W) for W in self._weights()],
                "VW": np.empty((n, sizes[1]), dtype),
                "recon": np.empty((n, sizes[0]), dtype),
            }
        return buffers[n]

    def _cd_step(self, batch, rng, momentum):
        """One joint update on a minibatch (Hinton 2014, sec. 9); returns the
        summed squared error of its mean-field reconstruction.

        ``dW_k ~ <h_{k-1} h_k>_data - <h_{k-1} h_k>_model``: the data term
        under the mean-field posterior of the minibatch, the model term
        from the persistent chains after ``gibbs_steps`` more steps.
        """
        weights, biases = self._weights(), self._biases()
        n_layers, n = len(weights), batch.shape[0]
        ws = self._workspace(n)
        S = ws["S"]
        data, model = [s[:n] for s in S], [s[n:] for s in S]

        # Data-dependent statistics: the mean-field posterior.
        data[0][...] = batch
        VW = np.dot(batch, weights[0], out=ws["VW"])
        _mean_field(VW, data, weights, biases, ws["scratch"], self.mean_field_steps,
                    self.mean_field_tol)
        recon = sigmoid_(np.dot(data[1], weights[0].T, out=ws["recon"]), biases[0])
        error = _kernels.squared_error(batch, recon)
        for k in range(2, n_layers + 1, 2):  # running means: AIS's base rates
            mean = getattr(self, f"_mean{k}")
            mean += 0.01 * (data[k].mean(axis=0) - mean)

        # Model statistics: the chains go on from where the last update left them.
        even = self._chains(batch, rng)
        _gibbs(even, model, weights, biases, [None, *(s[1] for s in ws["scratch"][1:])],
               self.gibbs_steps, rng)

        # Updates: biases from column sums, each weight from one stacked
        # product (the odd layers' model rows negated: every weight joins an
        # odd and an even layer). Scalars in the parameters' dtype.
        dt = weights[0].dtype.type
        rate = self.learning_rate / (1.0 + self.learning_rate_decay * self.n_updates_)
        momentum, scale, decay = dt(momentum), dt(rate / n), dt(rate * self.weight_decay)
        for b, velocity, pos, neg in zip(biases, self._arrays("velocity_b", range(n_layers + 1)),
                                         data, model):
            _kernels.update_bias(b, velocity, pos, neg, momentum, scale)
        for k in range(1, n_layers + 1, 2):
            np.negative(model[k], out=model[k])
        for k, (W, velocity) in enumerate(
                zip(weights, self._arrays("velocity_W", range(1, n_layers + 1))), 1):
            grad = np.dot(S[k - 1].T, S[k], out=ws["grad"][k - 1])
            _kernels.update_weights(W, velocity, grad, momentum, scale, decay)
        return error

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_buffers", None)  # scratch space, rebuilt on demand
        return state

    # ------------------------------------------------------------ inference
    def _posteriors(self, X):
        """The mean-field posterior of validated X, chunk by chunk, in X's dtype.

        Yields ``(start, VW, mu)``: the chunk's first row, ``v @ W1`` and
        the marginals ``mu[k]`` of each hidden layer (``mu[0]`` is None).
        Always ``mean_field_steps`` updates (unless nothing moves at all), so
        that each row's result is independent of the other rows.
        """
        weights, biases = self._params_as(X.dtype)
        for start in range(0, X.shape[0], _CHUNK):
            VW = np.ascontiguousarray(
                safe_sparse_dot(X[start:start + _CHUNK], weights[0], dense_output=True))
            mu = [None, *(np.empty((VW.shape[0], W.shape[1]), X.dtype) for W in weights)]
            scratch = [None, *((np.empty_like(m), np.empty_like(m)) for m in mu[1:])]
            _mean_field(VW, mu, weights, biases, scratch, self.mean_field_steps, 0.0)
            yield start, VW, mu

    def _posterior(self, V):
        """``[V, q(h1), ..., q(hL)]`` for dense validated V."""
        chunks = [mu[1:] for _, _, mu in self._posteriors(V)]
        return [V, *(np.concatenate(layer) for layer in zip(*chunks))]

    def transform(self, X):
        """The mean-field posterior of every hidden layer, concatenated.

        ``q(h_k = 1 | v)`` for each hidden unit, bottom layer first (see
        :meth:`get_feature_names_out`): every layer, because the lower
        layers keep detail the top one has abstracted away, and
        Salakhutdinov & Hinton feed them all to their classifier;
        ``transform(X)[:, -hidden_layer_sizes[-1]:]`` is the top layer's.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data, values in [0, 1].

        Returns
        -------
        H : ndarray of shape (n_samples, sum(hidden_layer_sizes))
            Probabilities, same dtype as X (float32 or float64).
        """
        X = self._check_fitted_X(X)
        out = np.empty((X.shape[0], self._n_features_out), dtype=X.dtype)
        for start, VW, mu in self._posteriors(X):
            out[start:start + VW.shape[0]] = np.hstack(mu[1:])
        return out

    def score_samples(self, X):
        """The variational lower bound on log p(v), up to the constant log Z.

        Under the mean-field posterior q with marginals ``mu_k`` (``mu_0 =
        v``): ``log p(v) + log Z >= sum_k b_k.mu_k + sum_k mu_{k-1} W_k
        mu_k + sum_k H(mu_k)``, minus the energy expected under q plus q's
        entropy (Salakhutdinov & Hinton 2009, eq. 7). Deterministic.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data, values in [0, 1].

        Returns
        -------
        bound : ndarray of shape (n_samples,)
            Same dtype as X.
        """
        X = self._check_fitted_X(X)
        weights, biases = self._params_as(X.dtype)
        out = np.asarray(safe_sparse_dot(X, biases[0].astype(np.float64))).ravel()
        for start, VW, mu in self._posteriors(X):
            bound = np.zeros(VW.shape[0])
            for k in range(1, len(weights) + 1):
                below = VW if k == 1 else np.dot(mu[k - 1], weights[k - 1])
                bound += np.einsum("ij,ij->i", below + biases[k], mu[k], dtype=np.float64)
                _kernels.bernoulli_entropy(mu[k], bound)
            out[start:start + VW.shape[0]] += bound
        return out.astype(X.dtype, copy=False)

    def _as_rbm(self):
        """The DBM as an RBM, in float64: ``(W, b, c)`` with the even layers
        (v, h2, ...) as its visible units and the odd ones (h1, h3, ...) as
        its hidden units, ``W`` of shape (n_odd, n_even).

        Every weight joins an odd and an even layer, so the two sets are
        the two sides of a bipartite graph, and either can be summed out
        analytically.
        """
        weights, biases = self._params_as(np.float64)
        sizes = self._sizes()
        offsets = {k: sum(sizes[j] for j in range(k % 2, k, 2)) for k in range(len(sizes))}
        M = np.zeros((sum(sizes[1::2]), sum(sizes[0::2])))
        for k, W in enumerate(weights, 1):  # W joins layer k - 1 and layer k
            even, odd, block = (k - 1, k, W.T) if k % 2 else (k, k - 1, W)
            M[offsets[odd]:offsets[odd] + sizes[odd],
              offsets[even]:offsets[even] + sizes[even]] = block
        return M, np.concatenate(biases[0::2]), np.concatenate(biases[1::2])

    def log_partition(
        self, method="auto", *, n_betas=14500, n_chains=100, X=None,
        random_state=0, return_std=False,
    ):
        """The log of the partition function Z, exactly or by AIS.

        ``score_samples(X) - log_partition()`` is the variational lower
        bound on the normalized log p(v). The DBM is an RBM between its even
        layers (v, h2, ...) and its odd layers (h1, ...), every weight
        joining one of each; its log Z is that RBM's, computed by
        ``_partition.py``: exact enumeration of the smaller side, or
        annealed importance sampling on the even layers with the odd ones
        summed out analytically, from a base-rate model of the data's pixel
        means and the even hidden layers' mean-field marginals
        (Salakhutdinov & Murray 2008). The states of the persistent chains
        check the estimate: each one's unnormalized probability is a lower
        bound on Z, and an estimate below it (AIS missed part of the
        distribution) is reported by a warning.

        Parameters
        ----------
        method : {"auto", "exact", "ais"}, default="auto"
            "exact" enumerates every state of the smaller side (at most 20
            units); "ais" runs annealed importance sampling; "auto" picks
            "exact" when it is feasible.
        n_betas : int, default=14500
            Number of inverse temperatures of AIS. Cost is about ``2 *
            n_betas * n_chains * n_odd * n_even`` multiply-adds (n_odd units
            in the odd layers, n_even in the even ones, the visible included).
        n_chains : int, default=100
            Number of independent AIS runs.
        X : array-like of shape (n_samples, n_features), default=None
            Data whose pixel means and mean-field marginals define the
            base-rate model; by default the training data's pixel means and
            running means of the marginals kept during training.
        random_state : int, RandomState instance or None, default=0
            Seed of AIS; fixed by default so that repeated calls agree.
        return_std : bool, default=False
            Also return the standard error of the estimate (0.0 for "exact").

        Returns
        -------
        log_z : float
        log_z_std : float
            Only with ``return_std=True``.
        """
        check_is_fitted(self)
        if method not in ("auto", "exact", "ais"):
            raise ValueError(f"method must be 'auto', 'exact' or 'ais'; got {method!r}.")
        W, b, c = self._as_rbm()
        if method == "exact" or (method == "auto" and min(W.shape) <= MAX_EXACT_UNITS):
            result = exact_log_partition(W, b, c), 0.0
        else:
            if X is None:
                means = [self._data_mean, *self._arrays("mean", range(2, self._n_layers + 1, 2))]
            else:
                X = self._check_fitted_X(X)
                sums = [0.0] * (self._n_layers + 1)
                for _, _, mu in self._posteriors(X):
                    sums = [s + m.sum(axis=0, dtype=np.float64) if m is not None else s
                            for s, m in zip(sums, mu)]
                means = [np.asarray(X.mean(axis=0)).ravel(), *sums[2::2]]
                means[1:] = [m / X.shape[0] for m in means[1:]]
            result = ais_log_partition(
                W, b, c, base_rate_biases(np.concatenate(means)),
                n_betas=int(n_betas), n_chains=int(n_chains),
                rng=make_generator(random_state),
            )
            self._check_ais(result[0], W, b, c)
        return result if return_std else result[0]

    def _check_ais(self, log_z, W, b, c):
        """Warn if a persistent chain's state is more probable than ``Z`` allows."""
        even = np.hstack(self._arrays("chain", range(0, self._n_layers + 1, 2)))
        even = even.astype(np.float64)
        floor = np.empty(len(even))
        _kernels.goodness(np.ascontiguousarray(even @ W.T), c, even @ b, floor)
        if floor.max() > log_z:
            warnings.warn(
                f"AIS estimated log Z = {log_z:.2f}, below the log-probability of a "
                f"state of the persistent chains ({floor.max():.2f}), a lower bound "
                "on log Z: AIS missed part of the distribution. Raise n_betas.",
                stacklevel=3,
            )

    def score(self, X, y=None):
        """Mean variational lower bound on the log-likelihood, ``score_samples - log Z``.

        It costs one :meth:`log_partition` with its defaults: exact when
        the odd layers or the even layers have at most 20 units in all,
        else AIS with 14,500 temperatures and 100 chains (minutes for a
        500-1000 DBM on MNIST; call :meth:`log_partition` once and subtract
        it yourself to score many sets).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data, values in [0, 1].
        y : Ignored

        Returns
        -------
        score : float
        """
        return float(np.mean(self.score_samples(X), dtype=np.float64) - self.log_partition())

    def sample(self, n_samples=1, *, n_steps=1000, from_chains=False, random_state=None):
        """Fantasies: alternating Gibbs sampling of all layers.

        Each step samples the odd layers given the even ones, then the even
        layers (the visible one included) given the odd ones.

        Parameters
        ----------
        n_samples : int, default=1
            Number of chains.
        n_steps : int, default=1000
            Gibbs steps per chain.
        from_chains : bool, default=False
            Start from the persistent chains of training (repeated if
            ``n_samples`` exceeds their number, ``batch_size_``), which are
            already close to the model's distribution; else from uniformly
            random states.
        random_state : int, RandomState instance or None, default=None
            Seed of the sampling; the same value gives the same fantasies.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            The visible probabilities P(v | h1) at the last step (smoother
            to look at than binary states).
        """
        check_is_fitted(self)
        rng = make_generator(random_state)
        weights, biases = self._weights(), self._biases()
        dtype, sizes = weights[0].dtype, self._sizes()
        even = [None] * len(sizes)
        for k in range(0, len(sizes), 2):
            if from_chains:
                even[k] = np.resize(getattr(self, f"_chain{k}"), (n_samples, sizes[k]))
            else:
                even[k] = sample_bernoulli(np.full((n_samples, sizes[k]), 0.5, dtype), rng)
        states = [np.empty((n_samples, s), dtype) for s in sizes]
        _gibbs(even, states, weights, biases, [None, *map(np.empty_like, states[1:])],
               max(int(n_steps), 1), rng)
        return states[0]

    # -------------------------------------------------------------- output
    @property
    def _n_features_out(self):
        return sum(self._sizes()[1:])

    def get_feature_names_out(self, input_features=None):
        """Names of the hidden units, ``deepboltzmannmachine_layer{k}_{j}``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Only checked against the feature names seen in fit.

        Returns
        -------
        feature_names_out : ndarray of str objects
            Unit j of hidden layer k (from 1), bottom layer first, in the
            order of :meth:`transform`'s columns.
        """
        check_is_fitted(self)
        _check_feature_names_in(self, input_features, generate_names=False)
        prefix = type(self).__name__.lower()
        return np.asarray([f"{prefix}_layer{k}_{j}"
                           for k, size in enumerate(self._sizes()[1:], 1)
                           for j in range(size)], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
