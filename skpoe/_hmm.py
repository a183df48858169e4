"""ProductOfHMMs: several small hidden Markov models whose outputs multiply.

Hinton (2002, sec. 11.1) and Brown & Hinton (2001): the unnormalized
probability of a sequence is the product of its likelihoods under each HMM,
so each HMM can carry a few bits about the past and together they carry as
many as there are HMMs. Training is contrastive divergence (eq. 3.4); the
CD update is ``ProductOfHMMs._cd_step``, the recursions are in
``_hmm_kernels.py``.
"""

import math
import time
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from scipy.special import log_softmax, softmax
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from . import _hmm_kernels, _kernels
from ._base import auto_batch_size, auto_n_iter
from ._validation import (
    _first_non_number,
    check_not_diverged,
    derive_seed,
    forget_fitted,
    make_generator,
    no_half_fitted_model,
    rolled_back_on_divergence,
    validate_input,
)

# log_partition enumerates the joint states of all HMMs up to this many.
MAX_JOINT_STATES = 2**16

# Refuse alphabets whose emission tables would not fit in memory (elements).
_MAX_EMISSION_SIZE = 2**27

# Said with every error about lengths: a scikit-learn habit passes y there.
_LENGTHS_NOT_Y = "(The second argument of fit is lengths, as in hmmlearn; there is no y.)"


def _gather(symbols, starts, index):
    """The sequences ``index`` (in that order) as (symbols, starts)."""
    lengths = starts[index + 1] - starts[index]
    new_starts = np.zeros(len(index) + 1, dtype=np.int64)
    np.cumsum(lengths, out=new_starts[1:])
    offsets = np.repeat(starts[index] - new_starts[:-1], lengths)
    return symbols[np.arange(new_starts[-1]) + offsets], new_starts


def _softmax_gradient(counts, probabilities):
    """Gradient of ``sum counts * log softmax(logits)`` with respect to the logits.

    For a categorical distribution ``p = softmax(a)`` seen ``n_j`` times in
    outcome j: ``d/d a_j = n_j - (sum_i n_i) p_j``; rows of the last axis
    are separate distributions. Linear in the counts, so data-minus-
    reconstruction counts give the CD gradient directly.
    """
    return counts - counts.sum(axis=-1, keepdims=True) * probabilities


class ProductOfHMMs(BaseEstimator):
    """Product of hidden Markov models over discrete symbols, trained by CD-1.

    Each of ``n_experts`` HMMs has ``n_components`` hidden states, initial
    probabilities, a transition matrix and an output distribution over the
    symbols per state. The model's unnormalized probability of a sequence
    is the product of the HMMs' likelihoods of it (Hinton 2002, sec. 11.1;
    Brown & Hinton 2001):

    ``p(x_1..x_T) = prod_m p_m(x_1..x_T) / Z_T``.

    Each HMM picks its own hidden state at each step and all their output
    distributions multiply, so what the past tells about the future grows
    linearly with the number of HMMs instead of logarithmically with the
    number of states of one HMM.

    One CD-1 update, on every sequence of a minibatch (sec. 11.1): (1)
    forward-backward in each HMM separately gives its posterior over paths
    and the gradient of ``log p_m`` (from the expected counts); (2) one path
    per HMM is drawn from that posterior (forward filtering, backward
    sampling); (3) each symbol of the reconstruction is drawn from the
    normalized product of the chosen states' output distributions; then the
    gradient at the reconstruction is subtracted (eq. 3.4).

    Data follow hmmlearn's conventions (as its ``CategoricalHMM``): ``X`` of
    shape (n_samples, 1) holds integer symbols ``0 .. n_features - 1``, all
    sequences one after the other, and ``lengths`` gives each sequence's
    length (None: ``X`` is one sequence). The second argument of
    :meth:`fit` is ``lengths``, not ``y``.

    **Parameterization.** Initial, transition and output probabilities are
    softmaxes of unconstrained logits, so every update leaves valid
    distributions. The gradient of ``log p_m`` with respect to a logit is
    "expected count minus total count times probability" (see the user
    guide). The step is averaged per symbol of the minibatch, so one
    learning rate suits short and long sequences; weight decay pulls the
    logits towards uniform distributions.

    **Initialization.** The output logits of every state start at
    ``log(frequency) / n_experts`` of the symbols in the data, plus noise:
    the product of the HMMs' outputs is then about the data's symbol
    frequencies, and the unit Gaussian noise breaks the symmetry between
    states and HMMs. Initial and transition logits start as unit noise, with
    2 added to every self-transition: a state that persists is how an HMM
    remembers.

    Parameters
    ----------
    n_components : int, default=4
        Number of hidden states of each HMM.
    n_experts : int, default=8
        Number of HMMs in the product.
    n_features : int or None, default=None
        Number of possible symbols (hmmlearn's name). None: the largest
        symbol of the training data plus one.
    learning_rate : float, default=0.5
        Learning rate of the CD update: the summed gradient of a minibatch
        is divided by its number of symbols, so one rate suits short and
        long sequences.
    batch_size : int or "auto", default="auto"
        Number of sequences per minibatch. "auto": about 1% of the training
        sequences, between 10 and 100, as for the other models.
    n_iter : int or "auto", default="auto"
        Number of epochs. "auto": as many as it takes to make about 12,000
        minibatch updates (at least one epoch), so that training length does
        not depend on the number of sequences. Rules that span long
        sequences need more (see the user guide).
    momentum : float, default=0.9
        Momentum of the parameter updates after the warm-up.
    momentum_warmup : int, default=50
        Number of initial updates made with momentum 0.
    weight_decay : float, default=0.0
        L2 penalty on all logits (towards uniform distributions), scaled by
        the learning rate.
    shuffle : bool, default=True
        Shuffle the sequences before each epoch.
    random_state : int, RandomState instance or None, default=None
        Controls the initialization, the shuffling and the sampling. The same
        value gives the same model.
    verbose : int, default=0
        If positive, print the training plan and then one line per epoch.

    Attributes
    ----------
    startprob_ : ndarray of shape (n_experts, n_components)
        Initial-state probabilities of each HMM.
    transmat_ : ndarray of shape (n_experts, n_components, n_components)
        Transition probabilities; ``transmat_[m, i, j]`` is HMM m's
        probability of going from state i to state j.
    emissionprob_ : ndarray of shape (n_experts, n_components, `n_features_`)
        Output probabilities of each state of each HMM.
    n_features_ : int
        Number of possible symbols (``n_features`` resolved).
    n_iter_ : int
        Number of epochs trained (``partial_fit`` counts one per call).
    n_updates_ : int
        Number of minibatch updates made.
    batch_size_ : int
        The minibatch size used, in sequences.
    reconstruction_error_ : ndarray of shape (`n_iter_`,)
        Learning curve: the fraction of symbols that the one-step
        reconstructions changed, per epoch, as measured during training.
    n_features_in_ : int
        Number of columns of X seen during fit (always 1).
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Name of X's column, when X has a string column name.

    See Also
    --------
    hmmlearn.hmm.CategoricalHMM : one HMM over discrete symbols, trained by EM.

    References
    ----------
    A. D. Brown and G. E. Hinton. Products of hidden Markov models.
    AISTATS 2001.

    G. E. Hinton. Training products of experts by minimizing contrastive
    divergence. Neural Computation 14(8), 2002.

    Examples
    --------
    >>> import numpy as np
    >>> from skpoe import ProductOfHMMs
    >>> X = np.array([[0], [1], [2], [0], [1], [2], [1], [2], [0], [1]])
    >>> model = ProductOfHMMs(2, n_experts=3, n_iter=5, random_state=0)
    >>> model.fit(X, lengths=[6, 4]).score_samples(X, lengths=[6, 4]).shape
    (2,)
    >>> model.emissionprob_.shape
    (3, 2, 3)
    >>> X_new, states = model.sample(10, random_state=0)
    >>> X_new.shape, states.shape
    ((10, 1), (10, 3))
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "n_experts": [Interval(Integral, 1, None, closed="left")],
        "n_features": [Interval(Integral, 1, None, closed="left"), None],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "n_iter": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "momentum_warmup": [Interval(Integral, 0, None, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    # n_iter="auto" aims at this many updates (BasePoE's 6,000 learn the
    # trigger rules of benchmarks/bench_hmm.py for most seeds; 12,000 for all
    # seeds tried).
    _AUTO_UPDATES = 12000

    # The logits, by attribute name; each has a velocity "_velocity" + name.
    _PARAMS = ("_start_logits", "_transition_logits", "_emission_logits")

    def __init__(
        self,
        n_components=4,
        *,
        n_experts=8,
        n_features=None,
        learning_rate=0.5,
        batch_size="auto",
        n_iter="auto",
        momentum=0.9,
        momentum_warmup=50,
        weight_decay=0.0,
        shuffle=True,
        random_state=None,
        verbose=0,
    ):
        self.n_components = n_components
        self.n_experts = n_experts
        self.n_features = n_features
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.momentum = momentum
        self.momentum_warmup = momentum_warmup
        self.weight_decay = weight_decay
        self.shuffle = shuffle
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ input
    def _validate_sequences(self, X, lengths, *, reset):
        """``(symbols, starts)``: X as int64 symbols, ``starts`` the offsets
        of the sequences (see ``_hmm_kernels``)."""
        name = type(self).__name__
        if not sp.issparse(X):
            values = np.asarray(X)
            if values.dtype.kind in "OSU":  # text is not a symbol: say how to encode it
                try:
                    values.astype(np.float64)
                except (TypeError, ValueError):
                    where, value, _ = _first_non_number(np.atleast_2d(values))
                    raise ValueError(
                        f"{name} needs integer symbols 0, 1, ..., n_features - 1; found "
                        f"{str(value)!r}{where}. Encode the symbols as integers first, e.g. "
                        "with sklearn.preprocessing.OrdinalEncoder."
                    ) from None
        X = validate_input(self, X, reset=reset)
        if X.shape[1] != 1:
            raise ValueError(
                f"{name} expects X of shape (n_samples, 1): one integer symbol per "
                f"time step, the sequences one after the other (hmmlearn's layout); "
                f"got {X.shape[1]} columns. Reshape a sequence with X.reshape(-1, 1)."
            )
        column = X[:, 0]
        lo, hi = column.min(), column.max()
        if lo < 0:
            raise ValueError(
                f"Negative values in data passed to {name}: symbols are integers 0, 1, "
                f"..., n_features - 1; got min={lo:.4g}. Encode the symbols first, e.g. "
                "with sklearn.preprocessing.OrdinalEncoder."
            )
        fractional = column != np.floor(column)
        if fractional.any():
            raise ValueError(
                f"{name} needs integer symbols 0, 1, ..., n_features - 1; got "
                f"{column[np.argmax(fractional)]:.4g} at row {np.argmax(fractional)}. "
                "Encode the symbols first, e.g. with sklearn.preprocessing.OrdinalEncoder."
            )
        if reset:
            self._resolve_n_features(int(hi))
        elif hi >= self.n_features_:
            raise ValueError(
                f"{name} was fitted on symbols 0 to {self.n_features_ - 1}; X has symbol "
                f"{int(hi)}. Set n_features to the size of the alphabet when fitting."
            )
        return column.astype(np.int64), self._starts(lengths, len(column))

    def _resolve_n_features(self, largest):
        name = type(self).__name__
        if self.n_features is None:
            n_features = largest + 1
        elif largest >= self.n_features:
            raise ValueError(
                f"{name} got symbol {largest}, but n_features={self.n_features} allows "
                f"only 0 to {self.n_features - 1}. Raise n_features or leave it None."
            )
        else:
            n_features = self.n_features
        if n_features * self.n_components * self.n_experts > _MAX_EMISSION_SIZE:
            raise ValueError(
                f"{name} got symbols up to {n_features - 1}: its output tables would have "
                f"{n_features * self.n_components * self.n_experts:.3g} entries. Encode "
                "the symbols as 0, 1, ..., n_distinct - 1 first, e.g. with "
                "sklearn.preprocessing.OrdinalEncoder."
            )
        self.n_features_ = int(n_features)

    def _starts(self, lengths, n_samples):
        """Offsets of the sequences from hmmlearn's ``lengths``."""
        name = type(self).__name__
        if lengths is None:
            return np.array([0, n_samples], dtype=np.int64)
        array = np.asarray(lengths)
        if array.ndim != 1 or array.size == 0 or array.dtype.kind not in "iuf" or (
            array.dtype.kind == "f" and not np.all(np.isfinite(array) & (array == np.floor(array)))
        ):
            raise ValueError(
                f"{name}: lengths must be a 1-D sequence of positive integers, one per "
                f"sequence; got {lengths!r}. {_LENGTHS_NOT_Y}"
            )
        if array.min() < 1:
            raise ValueError(
                f"{name}: every sequence needs at least one symbol; lengths has "
                f"{array.min()}. Drop the empty sequences. {_LENGTHS_NOT_Y}"
            )
        starts = np.zeros(len(array) + 1, dtype=np.int64)
        np.cumsum(array.astype(np.int64), out=starts[1:])
        if starts[-1] != n_samples:
            raise ValueError(
                f"{name}: lengths sum to {starts[-1]}, but X has {n_samples} rows (time "
                f"steps); they must match. {_LENGTHS_NOT_Y}"
            )
        return starts

    # --------------------------------------------------------------- training
    @_fit_context(prefer_skip_nested_validation=True)
    @no_half_fitted_model
    def fit(self, X, lengths=None):
        """Fit the product of HMMs to the sequences in ``X`` by CD-1.

        Parameters
        ----------
        X : array-like of shape (n_samples, 1)
            Integer symbols ``0 .. n_features - 1``, the sequences
            concatenated.
        lengths : array-like of int of shape (n_sequences,), default=None
            Length of each sequence; they sum to ``n_samples``. None: ``X``
            is a single sequence.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        symbols, starts = self._validate_sequences(X, lengths, reset=True)
        self._reset(symbols, starts)
        n_sequences = len(starts) - 1
        if self.n_iter == "auto":
            n_epochs = auto_n_iter(n_sequences, self.batch_size_, self._AUTO_UPDATES)
        else:
            n_epochs = self.n_iter
        if self.verbose:
            batches = math.ceil(n_sequences / self.batch_size_)
            why = [f"{p}={getattr(self, p)!r}" for p in ("batch_size", "n_iter")
                   if getattr(self, p) == "auto"]
            print(f"[{type(self).__name__}] {n_sequences} sequences of {len(symbols)} "
                  f"symbols: {n_epochs} epochs of {batches} minibatches of "
                  f"{self.batch_size_} ({n_epochs * batches} updates"
                  f"{'; ' + ', '.join(why) if why else ''})")
        self._run_epochs(symbols, starts, n_epochs)
        self._publish()
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, lengths=None):
        """Train on the sequences in ``X`` for one pass, in minibatches.

        The first call initializes the model from ``X``; later calls go on
        from where the last one stopped (momentum included), and each adds
        one entry to the learning curve. If training diverges, the model is
        left as it was before the call.

        Parameters
        ----------
        X : array-like of shape (n_samples, 1)
            Integer symbols, the sequences concatenated.
        lengths : array-like of int of shape (n_sequences,), default=None
            Length of each sequence. None: ``X`` is a single sequence.

        Returns
        -------
        self : object
            The updated estimator.
        """
        first = not hasattr(self, "n_iter_")
        try:
            symbols, starts = self._validate_sequences(X, lengths, reset=first)
        except BaseException:
            if first:
                forget_fitted(self)
            raise
        if first:
            self._reset(symbols, starts)
        counters = ("n_iter_", "n_updates_", "reconstruction_error_", "batch_size_")
        with rolled_back_on_divergence(self, None if first else self._state(), counters):
            self.batch_size_ = self._batch_size(len(starts) - 1)
            self._run_epochs(symbols, starts, 1)
        self._publish()
        return self

    def _batch_size(self, n_sequences):
        size = auto_batch_size(n_sequences) if self.batch_size == "auto" else self.batch_size
        return min(size, n_sequences)

    def _reset(self, symbols, starts):
        """Initialize the logits (see the class docstring) and the counters."""
        self._seed = derive_seed(self.random_state)
        self.n_iter_ = 0
        self.n_updates_ = 0
        self.reconstruction_error_ = np.zeros(0)
        self.batch_size_ = self._batch_size(len(starts) - 1)
        rng = np.random.default_rng([self._seed, 0])
        M, K, V = self.n_experts, self.n_components, self.n_features_
        counts = np.bincount(symbols, minlength=V) + 1.0  # add-one: unseen symbols stay possible
        log_frequency = np.log(counts / counts.sum())
        self._start_logits = rng.standard_normal((M, K))
        # States start sticky (self-transitions about e**2 times likelier
        # than any other): a state that persists is how an HMM remembers.
        self._transition_logits = rng.standard_normal((M, K, K)) + 2.0 * np.eye(K)
        self._emission_logits = log_frequency / M + rng.standard_normal((M, K, V))
        for name in self._PARAMS:
            logits = getattr(self, name)
            logits -= logits.mean(axis=-1, keepdims=True)  # softmax ignores the mean
            setattr(self, "_velocity" + name, np.zeros_like(logits))

    def _state(self):
        return {k: getattr(self, k) for p in self._PARAMS for k in (p, "_velocity" + p)}

    def _publish(self):
        start, transition, log_emission = self._distributions()
        self.startprob_ = start
        self.transmat_ = transition
        self.emissionprob_ = np.exp(log_emission)

    def _distributions(self):
        """(initial probabilities, transition probabilities, log output
        probabilities) from the logits, as the kernels take them."""
        return (
            softmax(self._start_logits, axis=-1),
            softmax(self._transition_logits, axis=-1),
            np.ascontiguousarray(log_softmax(self._emission_logits, axis=-1)),
        )

    def _run_epochs(self, symbols, starts, n_epochs):
        n_sequences = len(starts) - 1
        name = type(self).__name__
        fit_start = time.perf_counter()
        for _ in range(n_epochs):
            start_time = time.perf_counter()
            # One random stream per epoch: the same random_state gives the
            # same model, whether trained by fit or by partial_fit.
            rng = np.random.default_rng([self._seed, 1, self.n_iter_])
            order = rng.permutation(n_sequences) if self.shuffle else np.arange(n_sequences)
            changed = 0
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                for begin in range(0, n_sequences, self.batch_size_):
                    batch = _gather(symbols, starts, order[begin:begin + self.batch_size_])
                    momentum = self.momentum if self.n_updates_ >= self.momentum_warmup else 0.0
                    changed += self._cd_step(*batch, rng, momentum)
                    self.n_updates_ += 1
            self._check_finite()
            self.n_iter_ += 1
            error = changed / len(symbols)
            self.reconstruction_error_ = np.append(self.reconstruction_error_, error)
            if self.verbose:
                print(
                    f"[{name}] epoch {self.n_iter_}, reconstruction error {error:.5f}, "
                    f"{time.perf_counter() - start_time:.2f} s "
                    f"({time.perf_counter() - fit_start:.1f} s elapsed)"
                )

    def _check_finite(self):
        check_not_diverged(
            type(self).__name__, self._state(),
            f"After {self.n_updates_} updates; lower learning_rate "
            f"(now {self.learning_rate}) or momentum (now {self.momentum}).",
        )

    def _forward_backward(self, symbols, starts, distributions, *, counts=True):
        """Forward (and with ``counts``, backward) pass of every HMM.

        Returns a dict: ``loglik`` (n_sequences, n_experts), ``alpha`` (the
        filtered posteriors, for path sampling), and with ``counts`` the
        state ``posterior`` and the expected ``start``, ``transition`` and
        ``emission`` counts summed over the sequences.
        """
        start, transition, log_emission = distributions
        M, K, V = log_emission.shape
        n = len(symbols)
        out = {
            "alpha": np.empty((M, n, K)),
            "emit": np.empty((M, n, K)),
            "norm": np.empty((M, n)),
            "loglik": np.empty((len(starts) - 1, M)),
        }
        _hmm_kernels.forward(symbols, starts, start, transition, log_emission,
                             out["alpha"], out["emit"], out["norm"], out["loglik"])
        if counts:
            out["posterior"] = np.empty((M, n, K))
            out["start"] = np.zeros((M, K))
            out["transition"] = np.zeros((M, K, K))
            out["emission"] = np.zeros((M, K, V))
            _hmm_kernels.backward_counts(
                symbols, starts, transition, out["alpha"], out["emit"], out["norm"],
                out["posterior"], out["start"], out["transition"], out["emission"],
            )
        return out

    def _reconstruct(self, alpha, starts, distributions, rng):
        """Steps 2-3 of sec. 11.1: a path per HMM from its posterior, then
        each symbol from the normalized product of the chosen states' outputs.
        Returns (symbols, paths)."""
        _, transition, log_emission = distributions
        n, M = alpha.shape[1], alpha.shape[0]
        paths = np.empty((n, M), dtype=np.int64)
        _hmm_kernels.sample_paths(starts, transition, alpha, rng.random((n, M)), paths)
        symbols = np.empty(n, dtype=np.int64)
        _hmm_kernels.sample_product_symbols(paths, log_emission, rng.random(n), symbols)
        return symbols, paths

    def _cd_step(self, symbols, starts, rng, momentum):
        """One CD-1 update on a minibatch of sequences (sec. 11.1 and eq. 3.4).

        Returns how many symbols the reconstruction changed.
        """
        distributions = self._distributions()
        positive = self._forward_backward(symbols, starts, distributions)
        recon, _ = self._reconstruct(positive["alpha"], starts, distributions, rng)
        negative = self._forward_backward(recon, starts, distributions)
        step = self.learning_rate / len(symbols)
        decay = self.learning_rate * self.weight_decay
        for name, key, probabilities in zip(
            self._PARAMS, ("start", "transition", "emission"),
            (distributions[0], distributions[1], np.exp(distributions[2])),
        ):
            grad = _softmax_gradient(positive[key] - negative[key], probabilities)
            logits = getattr(self, name)
            last = logits.shape[-1]  # 2-D views for the shared momentum kernel
            _kernels.update_weights(
                logits.reshape(-1, last), getattr(self, "_velocity" + name).reshape(-1, last),
                np.ascontiguousarray(grad).reshape(-1, last), momentum, step, decay,
            )
        return int(np.count_nonzero(recon != symbols))

    # -------------------------------------------------------------- inference
    def _check_fitted_sequences(self, X, lengths):
        check_is_fitted(self)
        return self._validate_sequences(X, lengths, reset=False)

    def score_samples(self, X, lengths=None):
        """Goodness of each sequence: ``sum_m log p_m(sequence)``.

        The log-probability under the product up to ``log Z_T``, which
        depends only on the sequence's length T: compare goodness between
        sequences of the same length, or subtract :meth:`log_partition`.
        (hmmlearn's ``score_samples`` returns the log-likelihood of all of X
        and the state posteriors; here the natural output of a product of
        experts is the goodness of each sequence, and the posteriors come
        from :meth:`predict_proba`.)

        Parameters
        ----------
        X : array-like of shape (n_samples, 1)
            Integer symbols, the sequences concatenated.
        lengths : array-like of int of shape (n_sequences,), default=None
            Length of each sequence. None: ``X`` is a single sequence.

        Returns
        -------
        goodness : ndarray of shape (n_sequences,)
        """
        return self._goodness(X, lengths)[0]

    def _goodness(self, X, lengths):
        """(goodness of each sequence, their lengths)."""
        symbols, starts = self._check_fitted_sequences(X, lengths)
        out = self._forward_backward(symbols, starts, self._distributions(), counts=False)
        return out["loglik"].sum(axis=1), np.diff(starts)

    def predict_proba(self, X, lengths=None):
        """Posterior probability of each HMM's state at each time step.

        Given a sequence the HMMs' paths are independent (a product of
        experts), so these are each HMM's own forward-backward posteriors.

        Parameters
        ----------
        X : array-like of shape (n_samples, 1)
            Integer symbols, the sequences concatenated.
        lengths : array-like of int of shape (n_sequences,), default=None
            Length of each sequence. None: ``X`` is a single sequence.

        Returns
        -------
        posteriors : ndarray of shape (n_samples, n_experts, n_components)
            ``posteriors[t, m, k] = P(HMM m is in state k at step t | its sequence)``.
        """
        symbols, starts = self._check_fitted_sequences(X, lengths)
        out = self._forward_backward(symbols, starts, self._distributions())
        return out["posterior"].transpose(1, 0, 2).copy()

    def log_partition(self, length):
        """``log Z_T``, the log normalizer of sequences of ``length`` symbols, exactly.

        ``Z_T = sum over all sequences x of length T of prod_m p_m(x)``, by
        a forward pass over the joint states of all HMMs (the cross-product
        state space, ``n_components ** n_experts`` states, at most 65,536),
        whose "output" at each step is ``sum_v prod_m B_m[s_m, v]``.

        Parameters
        ----------
        length : int
            The number of symbols T.

        Returns
        -------
        log_z : float
        """
        check_is_fitted(self)
        if not isinstance(length, Integral) or length < 1:
            raise ValueError(f"length must be a positive integer; got {length!r}.")
        return float(self._log_partitions(int(length))[-1])

    def _log_partitions(self, max_length):
        """``log Z_T`` for T = 1 .. max_length, exactly (see log_partition)."""
        M, K = self.n_experts, self.n_components
        if K**M > MAX_JOINT_STATES:
            raise ValueError(
                f"{type(self).__name__} has {K}**{M} = {K**M} joint states, more than "
                f"the {MAX_JOINT_STATES} that exact log Z enumerates. Use score_samples "
                "(goodness, log p up to log Z) to compare sequences of the same length."
            )
        start, transition, log_emission = self._distributions()
        # log phi(s) = log sum_v prod_m B_m[s_m, v] for every joint state s,
        # one symbol at a time (memory K**M, whatever the alphabet).
        log_phi = np.full((K,) * M, -np.inf)
        for v in range(log_emission.shape[2]):
            term = log_emission[0, :, v]
            for m in range(1, M):
                term = np.add.outer(term, log_emission[m, :, v])
            np.logaddexp(log_phi, term, out=log_phi)
        shift = log_phi.max()  # phi relative to its largest value: no underflow
        phi = np.exp(log_phi - shift)
        alpha = start[0]  # the joint initial distribution: an outer product
        for m in range(1, M):
            alpha = np.multiply.outer(alpha, start[m])
        log_z = np.empty(max_length)
        total = 0.0
        for t in range(max_length):
            if t > 0:  # one transition of every HMM: a product along each axis
                for m in range(M):
                    alpha = np.moveaxis(np.tensordot(alpha, transition[m], axes=([m], [0])), -1, m)
            alpha = alpha * phi
            c = alpha.sum()
            alpha /= c
            total += math.log(c) + shift
            log_z[t] = total
        return log_z

    def score(self, X, lengths=None):
        """Log-likelihood of ``X`` under the normalized product, summed over sequences.

        hmmlearn's ``score``: ``sum_s (goodness_s - log Z_{T_s})``, exact
        (see :meth:`log_partition`, which limits it to products with at most
        65,536 joint states).

        Parameters
        ----------
        X : array-like of shape (n_samples, 1)
            Integer symbols, the sequences concatenated.
        lengths : array-like of int of shape (n_sequences,), default=None
            Length of each sequence. None: ``X`` is a single sequence.

        Returns
        -------
        log_prob : float
        """
        goodness, sizes = self._goodness(X, lengths)
        log_z = self._log_partitions(int(sizes.max()))
        return float(np.sum(goodness) - np.sum(log_z[sizes - 1]))

    def sample(self, n_samples=1, *, n_sequences=1, n_steps=100, random_state=None):
        """Sequences from the model by prolonged Gibbs sampling.

        Each chain starts from uniformly random symbols and alternates: a
        path for each HMM from its posterior given the sequence, then every
        symbol from the normalized product of the chosen states' outputs
        (the reconstruction step of training, repeated ``n_steps`` times).

        Parameters
        ----------
        n_samples : int, default=1
            Length of each sequence (hmmlearn's ``sample(n_samples)`` draws
            one sequence of that many symbols).
        n_sequences : int, default=1
            Number of independent sequences (chains).
        n_steps : int, default=100
            Number of Gibbs steps per chain.
        random_state : int, RandomState instance or None, default=None
            Seed of the sampling; the same value gives the same sequences.

        Returns
        -------
        X : ndarray of shape (n_sequences * n_samples, 1)
            The sequences one after the other (lengths all ``n_samples``).
        states : ndarray of shape (n_sequences * n_samples, n_experts)
            Each HMM's state at each step, from the last Gibbs step.
        """
        check_is_fitted(self)
        rng = make_generator(random_state)
        n_samples, n_sequences = int(n_samples), int(n_sequences)
        if n_samples < 1 or n_sequences < 1:
            raise ValueError(
                f"n_samples and n_sequences must be at least 1; got {n_samples} and "
                f"{n_sequences}."
            )
        starts = np.arange(0, (n_sequences + 1) * n_samples, n_samples, dtype=np.int64)
        distributions = self._distributions()
        symbols = rng.integers(self.n_features_, size=n_sequences * n_samples)
        for _ in range(max(int(n_steps), 1)):
            alpha = self._forward_backward(symbols, starts, distributions, counts=False)["alpha"]
            symbols, paths = self._reconstruct(alpha, starts, distributions, rng)
        return symbols.reshape(-1, 1), paths

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.categorical = True
        tags.input_tags.positive_only = True
        return tags
