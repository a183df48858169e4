"""What every product of experts in skpoe shares.

Parameter constraints, input validation, the minibatch loop with shuffling,
the momentum warm-up, the learning curve, ``partial_fit`` plumbing and tags.
Each model (``_bernoulli.py``, ...) supplies its own state initialisation,
its CD step on one minibatch, and its scoring.
"""

import time
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _kernels


def make_generator(random_state, *stream):
    """A fast NumPy ``Generator`` derived from ``check_random_state``.

    ``random_state`` is anything scikit-learn accepts (None, int,
    RandomState). The legacy ``RandomState`` only gives a seed; the bulk of
    the random numbers come from PCG64, about 3x faster for float32 draws.
    ``stream`` (ints) selects an independent stream from the same seed.
    """
    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    return np.random.default_rng([seed, *stream])


class TrainingDivergedError(FloatingPointError):
    """Raised when the parameters of a PoE stop being finite during training."""


class BasePoE(BaseEstimator):
    """Base class for products of experts trained by contrastive divergence.

    Subclasses implement ``_init_state(X, rng)`` (create the parameters),
    ``_cd_step(batch, rng, momentum)`` (one update on a dense minibatch,
    returning its summed squared reconstruction error), ``_state()`` (the
    arrays that training changes, by attribute name: checked for
    divergence, restored by a failed ``partial_fit``) and
    ``_check_domain(lo, hi)`` (reject values outside the model's domain).
    """

    # Sparse formats a model takes: dense minibatches are made from them.
    _accept_sparse = "csr"

    # Scalars and curves that partial_fit restores if its pass diverges.
    _COUNTERS = ("n_iter_", "n_updates_", "reconstruction_error_", "_data_mean", "_n_seen")

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "n_iter": [Interval(Integral, 1, None, closed="left")],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "momentum_warmup": [Interval(Integral, 0, None, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    # ------------------------------------------------------------------ input
    def _validate_X(self, X, *, reset):
        """Validate ``X``: finite, 2-D, float32/float64 kept, CSR allowed."""
        name = type(self).__name__
        X = validate_data(
            self,
            X,
            accept_sparse=self._accept_sparse,
            dtype=(np.float64, np.float32),
            order="C",
            ensure_all_finite=False,
            reset=reset,
        )
        values = X.data if sp.issparse(X) else X.ravel()
        lo, hi, n_nan, n_inf = _kernels.value_range(values)
        if n_nan or n_inf:
            raise ValueError(
                f"Input X contains NaN ({n_nan} values) or inf ({n_inf} values); "
                f"{name} needs finite values. Impute or drop them first, e.g. with "
                "sklearn.impute.SimpleImputer."
            )
        if sp.issparse(X):
            X.sort_indices()
            if X.nnz < X.shape[0] * X.shape[1]:  # implicit zeros
                lo, hi = min(lo, 0.0), max(hi, 0.0)
        if values.size:
            self._check_domain(lo, hi)
        return X

    def _check_domain(self, lo, hi):  # pragma: no cover - overridden
        """Raise a ValueError if values in [lo, hi] are outside the model's domain."""

    # --------------------------------------------------------------- training
    @_fit_context(prefer_skip_nested_validation=True)
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
        try:
            self._run_epochs(X, self.n_iter)
        except TrainingDivergedError:
            self._forget()
            raise
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
        X = self._validate_X(X, reset=first)
        if first:
            self._reset(X)
            snapshot = None
        else:
            X = X.astype(self._dtype, copy=False)
            snapshot = {k: np.copy(v) for k, v in self._state().items()}
            counters = {k: getattr(self, k) for k in self._COUNTERS}
        self._observe(X)
        try:
            self._run_epochs(X, 1)
        except TrainingDivergedError:
            if snapshot is None:
                self._forget()
            else:  # roll back to the model as it was before this call
                vars(self).update(snapshot)
                vars(self).update(counters)
            raise
        self._publish()
        return self

    def _reset(self, X):
        self._dtype = X.dtype
        self._seed = int(check_random_state(self.random_state).randint(2**31 - 1))
        self._n_seen = 0
        self.n_iter_ = 0
        self.n_updates_ = 0
        self.reconstruction_error_ = np.zeros(0)
        self._init_state(X, np.random.default_rng([self._seed, 0]))

    def _publish(self):
        """Set fitted attributes derived from the training state (if any)."""

    def _observe(self, X):
        """Keep the running mean of the training data (e.g. for AIS's base model)."""
        n_old = getattr(self, "_n_seen", 0)
        mean = np.asarray(X.mean(axis=0), dtype=np.float64).ravel()
        if n_old:
            mean = (n_old * self._data_mean + X.shape[0] * mean) / (n_old + X.shape[0])
        self._data_mean, self._n_seen = mean, n_old + X.shape[0]

    def _forget(self):
        """Leave no half-fitted model behind."""
        for name in list(vars(self)):
            if name.endswith("_") and not name.startswith("__"):
                delattr(self, name)

    def _run_epochs(self, X, n_epochs):
        n_samples = X.shape[0]
        batch_size = min(self.batch_size, n_samples)
        name = type(self).__name__
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
                    rows = order[start:stop] if order is not None else slice(start, stop)
                    batch = X[rows]
                    if sp.issparse(batch):
                        batch = batch.toarray()
                    momentum = (
                        self.momentum if self.n_updates_ >= self.momentum_warmup else 0.0
                    )
                    error += self._cd_step(np.ascontiguousarray(batch), rng, momentum)
                    self.n_updates_ += 1
                    if not np.isfinite(error):
                        break
            self._check_finite()
            self.n_iter_ += 1
            error /= X.shape[0] * X.shape[1]
            self.reconstruction_error_ = np.append(self.reconstruction_error_, error)
            if self.verbose:
                print(
                    f"[{name}] epoch {self.n_iter_}, reconstruction error "
                    f"{error:.5f}, {time.perf_counter() - start_time:.2f} s"
                )

    def _check_finite(self):
        for key, value in self._state().items():
            if not np.isfinite(value).all():
                raise TrainingDivergedError(
                    f"{type(self).__name__} diverged: {key} became NaN or inf "
                    f"after {self.n_updates_} updates. Lower learning_rate "
                    f"(now {self.learning_rate}) or momentum (now {self.momentum})."
                )

    def _check_fitted_X(self, X):
        check_is_fitted(self)
        return self._validate_X(X, reset=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
