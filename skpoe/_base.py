"""BasePoE: the abstract base every product of experts in skpoe fills in.

Parameter constraints, input validation, the minibatch loop with shuffling,
the momentum warm-up, the learning curve, ``partial_fit`` plumbing and tags.
Each model (``_bernoulli.py``, ...) supplies the abstract methods: its state
initialisation, its CD step on one minibatch, the arrays training changes
and its domain; and its own scoring.
"""

import math
import time
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._math import to_dense
from ._validation import (
    check_not_diverged,
    derive_seed,
    finite_range,
    forget_fitted,
    in_unit_interval,
    no_half_fitted_model,
    rolled_back_on_divergence,
    validate_input,
)


def auto_batch_size(n_samples):
    """``batch_size="auto"``: about 1% of the data, between 10 and 100 samples.

    Minibatches of 100 suit 60,000 images (Mayraz & Hinton 2002); on a
    small dataset they leave too few updates per epoch, so the batch
    shrinks with the data, to about 100 minibatches an epoch, down to 10
    samples (Hinton's practical guide: 10 to 100).
    """
    return int(min(100, max(10, n_samples // 100)))


def auto_n_iter(n_samples, batch_size, n_updates):
    """``n_iter="auto"``: the epochs that make about ``n_updates`` updates
    in minibatches of ``batch_size`` (at least one epoch)."""
    return max(1, math.ceil(n_updates / math.ceil(n_samples / batch_size)))


class BasePoE(BaseEstimator, metaclass=ABCMeta):
    """Base class for products of experts trained by contrastive divergence.

    A model fills in the abstract methods below (as scikit-learn's
    ``BaseMixture`` subclasses do) and its own scoring; ``fit``,
    ``partial_fit``, the minibatch loop and the divergence checks are here.
    """

    # Sparse formats a model takes: dense minibatches are made from them.
    _accept_sparse = "csr"

    # Scalars and curves that partial_fit restores if its pass diverges.
    _COUNTERS = ("n_iter_", "n_updates_", "reconstruction_error_", "_data_mean", "_n_seen",
                 "batch_size_")

    # What n_iter="auto" aims at: learning depends on the number of updates,
    # not of epochs. The papers' recipe, 10 epochs of 60,000 MNIST images in
    # minibatches of 100, makes 6,000; so do 60 epochs of 1,000 samples, or
    # one pass over 600,000. A model may set its own.
    _AUTO_UPDATES = 6000
    # ... but at most this many epochs (None: no limit). Below 600 samples
    # (minibatches of 10) 6,000 updates would be hundreds of epochs over the
    # same images: 100 epochs learned as well or better, several times
    # faster (class models of the digits and of 1,000 MNIST images, RBM
    # features of 300 images, the DBM's joint training; benchmarks/RESULTS.md).
    _AUTO_MAX_EPOCHS = 100

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
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

    # -------------------------------------------------------------- the hooks
    @abstractmethod
    def _init_state(self, X, rng):
        """Create the parameters (and any other training state) from data X.

        ``rng`` is a NumPy ``Generator`` derived from ``random_state``.
        """

    @abstractmethod
    def _cd_step(self, batch, rng, momentum):
        """One CD update on a dense C-contiguous minibatch.

        ``momentum`` is this update's momentum (0 during the warm-up).
        Returns the minibatch's summed squared reconstruction error: the
        learning curve.
        """

    @abstractmethod
    def _state(self):
        """The arrays that training changes, by attribute name.

        They are checked for divergence after every epoch and restored by a
        ``partial_fit`` that diverges.
        """

    @abstractmethod
    def _check_domain(self, lo, hi, dtype):
        """Raise a ValueError if values in [lo, hi] are outside the model's domain."""

    # ------------------------------------------------------------------ input
    def _validate_X(self, X, *, reset):
        """Validate ``X``: finite, 2-D, float32/float64 kept, CSR allowed."""
        X = validate_input(
            self, X, accept_sparse=self._accept_sparse, order="C",
            ensure_finite=False, reset=reset,
        )
        if sp.issparse(X) and not X.has_sorted_indices:
            X = X.sorted_indices()  # a sorted copy: the caller's matrix stays as it is
        if not in_unit_interval(X):  # (every model here takes values in [0, 1])
            lo, hi = finite_range(type(self).__name__, X)
            self._check_domain(lo, hi, X.dtype)
        return X

    # --------------------------------------------------------------- training
    @_fit_context(prefer_skip_nested_validation=True)
    @no_half_fitted_model
    def fit(self, X, y=None):
        """Fit the model to ``X`` by contrastive divergence.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X = self._validate_X(X, reset=True)
        self._reset(X)
        self._observe(X)
        n_epochs = self._n_epochs(X.shape[0])
        if self.verbose:
            self._say_plan(X.shape[0], n_epochs)
        self._run_epochs(X, n_epochs)
        self._publish()
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train on ``X`` for one pass, in minibatches of ``batch_size``.

        The first call initialises the model from ``X``; later calls go on
        from where the last one stopped (momentum included), and each adds
        one entry to the learning curve.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : object
            The updated estimator.
        """
        first = not hasattr(self, "n_iter_")
        try:
            X = self._validate_X(X, reset=first)
        except BaseException:
            if first:
                forget_fitted(self)
            raise
        if first:
            self._reset(X)
        else:
            X = X.astype(self._dtype, copy=False)
        with rolled_back_on_divergence(self, None if first else self._state(), self._COUNTERS):
            if not first:
                self.batch_size_ = self._batch_size(X.shape[0])
            self._observe(X)
            self._run_epochs(X, 1)
        self._publish()
        return self

    def _reset(self, X):
        self._dtype = X.dtype.name  # a string: skops trusts it, unlike numpy.dtype
        self._seed = derive_seed(self.random_state)
        self._n_seen = 0
        self.n_iter_ = 0
        self.n_updates_ = 0
        self.reconstruction_error_ = np.zeros(0)
        self.batch_size_ = self._batch_size(X.shape[0])
        self._init_state(X, np.random.default_rng([self._seed, 0]))

    # -------------------------------------------------------- training length
    def _batch_size(self, n_samples):
        """The minibatch size for data of ``n_samples`` (``batch_size`` resolved)."""
        size = auto_batch_size(n_samples) if self.batch_size == "auto" else self.batch_size
        return min(size, n_samples)

    def _n_epochs(self, n_samples):
        """Epochs of ``fit``: ``n_iter``, or for "auto" enough for about
        ``_AUTO_UPDATES`` minibatch updates (at least one epoch, at most
        ``_AUTO_MAX_EPOCHS``)."""
        if self.n_iter != "auto":
            return self.n_iter
        n_epochs = auto_n_iter(n_samples, self.batch_size_, self._AUTO_UPDATES)
        return min(n_epochs, self._AUTO_MAX_EPOCHS or n_epochs)

    def _say_plan(self, n_samples, n_epochs):
        """The verbose line that says how long ``fit`` will train, and why."""
        batches = math.ceil(n_samples / self.batch_size_)
        why = [f"{name}={getattr(self, name)!r}" for name in ("batch_size", "n_iter")
               if getattr(self, name) == "auto"]
        print(f"[{type(self).__name__}] {n_samples} samples: {n_epochs} epochs of "
              f"{batches} minibatches of {self.batch_size_} ({n_epochs * batches} "
              f"updates{'; ' + ', '.join(why) if why else ''})")

    def _publish(self):
        """Set fitted attributes derived from the training state (if any)."""

    def _observe(self, X):
        """Keep the running mean of the training data (e.g. for AIS's base model)."""
        n_old = getattr(self, "_n_seen", 0)
        mean = np.asarray(X.mean(axis=0), dtype=np.float64).ravel()
        if n_old:
            mean = (n_old * self._data_mean + X.shape[0] * mean) / (n_old + X.shape[0])
        self._data_mean, self._n_seen = mean, n_old + X.shape[0]

    def _run_epochs(self, X, n_epochs):
        n_samples = X.shape[0]
        batch_size = self.batch_size_
        name = type(self).__name__
        fit_start = time.perf_counter()
        for _ in range(n_epochs):
            start_time = time.perf_counter()
            # One random stream per epoch: the same random_state always
            # gives the same model, whether trained by fit or partial_fit.
            rng = np.random.default_rng([self._seed, 1, self.n_iter_])
            order = rng.permutation(n_samples) if self.shuffle else None
            error = 0.0
            # Overflow to inf/NaN is caught by _check_finite with a clear
            # error, not by NumPy warnings from deep inside an update.
            with np.errstate(over="ignore", invalid="ignore"):
                for start in range(0, n_samples, batch_size):
                    stop = min(start + batch_size, n_samples)
                    error += self._update(self._minibatch(X, order, start, stop), rng)
                    if not np.isfinite(error):
                        break
            self._check_finite()
            self.n_iter_ += 1
            error /= X.shape[0] * X.shape[1]
            self.reconstruction_error_ = np.append(self.reconstruction_error_, error)
            if self.verbose:
                print(
                    f"[{name}] epoch {self.n_iter_}, reconstruction error "
                    f"{error:.5f}, {time.perf_counter() - start_time:.2f} s "
                    f"({time.perf_counter() - fit_start:.1f} s elapsed)"
                )

    def _minibatch(self, X, order, start, stop):
        """Rows ``order[start:stop]`` of X (``start:stop`` if order is None),
        dense and C-contiguous; gathered into ``_minibatch_buffer`` when the
        model has one, so that the CD step finds them where it works."""
        if order is None:  # no shuffling: a view of X when X is dense
            return np.ascontiguousarray(to_dense(X[start:stop]))
        rows = order[start:stop]
        if sp.issparse(X):
            return to_dense(X[rows])
        buffer = self._minibatch_buffer(stop - start)
        return np.take(X, rows, axis=0, out=buffer, mode="clip")

    def _minibatch_buffer(self, n):
        """Where to gather a shuffled minibatch of n rows (None: a new array)."""
        return None

    def _update(self, batch, rng):
        """One counted ``_cd_step``, with the momentum warm-up; returns its error.

        Also what a model that holds this one as a part (the DBN classifier's
        top RBM) calls to train it on minibatches of its own.
        """
        momentum = self.momentum if self.n_updates_ >= self.momentum_warmup else 0.0
        error = self._cd_step(batch, rng, momentum)
        self.n_updates_ += 1
        return error

    # State arrays on the data's own scale, exempt from the MAX_PARAMETER bound.
    _UNBOUNDED = ()

    def _check_finite(self):
        check_not_diverged(
            type(self).__name__, self._state(),
            f"After {self.n_updates_} updates; lower learning_rate "
            f"(now {self.learning_rate}) or momentum (now {self.momentum}).",
            unbounded=self._UNBOUNDED,
        )

    def _check_fitted_X(self, X):
        check_is_fitted(self)
        return self._validate_X(X, reset=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
