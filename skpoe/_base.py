"""What every product of experts in skpoe shares.

Parameter constraints, input validation, the minibatch loop with shuffling,
the momentum warm-up, the learning curve, ``partial_fit`` plumbing and tags.
Each model (``_bernoulli.py``, ...) supplies its own state initialisation,
its CD step on one minibatch, and its scoring.
"""

import functools
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


def validate_input(estimator, X, y="no_validation", **kwargs):
    """``validate_data`` with errors that say how to fix the input.

    Finite values and float32/float64 (kept) are always asked for; other
    keyword arguments go to ``sklearn.utils.validation.validate_data``.
    """
    kwargs = {"dtype": (np.float64, np.float32), **kwargs}
    try:
        return validate_data(estimator, X, y, **kwargs)
    except ValueError as exc:
        message = str(exc)
        name = type(estimator).__name__
        if "could not convert" in message or "strings" in message:
            raise ValueError(
                f"{name} needs numeric input: {message}. Encode text and "
                "categories as numbers first, e.g. with "
                "sklearn.preprocessing.OneHotEncoder."
            ) from exc
        if "NaN" in message or "infinity" in message:
            raise ValueError(  # keep scikit-learn's first line: it says X or y
                f"{message.splitlines()[0]} {name} needs finite values (NaN or inf "
                "found). Impute or drop them first, e.g. with sklearn.impute.SimpleImputer."
            ) from exc
        raise


def unit_interval_error(name, lo, hi):
    """The ValueError for values outside [0, 1] (None if there are none)."""
    if lo < 0:
        return ValueError(
            f"Negative values in data passed to {name}: it expects values in "
            f"[0, 1] (treated as probabilities); got min={lo:.4g}. Scale the data "
            "first, e.g. with sklearn.preprocessing.MinMaxScaler(clip=True)."
        )
    if hi > 1:
        return ValueError(
            f"{name} expects values in [0, 1] (treated as probabilities); got "
            f"max={hi:.4g}. Scale the data first, e.g. X / X.max() or "
            "sklearn.preprocessing.MinMaxScaler(clip=True)."
        )
    return None


def check_unit_interval(name, X):
    """Raise a clear ValueError unless every value of X (dense or CSR) is in [0, 1]."""
    values = X.data if sp.issparse(X) else np.asarray(X).ravel()
    if values.size:
        lo, hi, _, _ = _kernels.value_range(np.ascontiguousarray(values))
        error = unit_interval_error(name, lo, hi)
        if error is not None:
            raise error


def forget_fitted(estimator):
    """Delete every fitted attribute."""
    for name in list(vars(estimator)):
        if name.endswith("_") and not name.startswith("__"):
            delattr(estimator, name)


def no_half_fitted_model(fit):
    """Decorate a ``fit``: if it fails, the estimator is left unfitted.

    Validation sets ``n_features_in_`` and training sets parameters before
    a later step can fail; without this, ``check_is_fitted`` would take the
    remains for a model. (Parameters refused by ``_fit_context`` before the
    fit starts leave a previous model untouched, as in scikit-learn.)
    """

    @functools.wraps(fit)
    def wrapper(estimator, *args, **kwargs):
        try:
            return fit(estimator, *args, **kwargs)
        except BaseException:
            forget_fitted(estimator)
            raise

    return wrapper


class TrainingDivergedError(FloatingPointError, ValueError):
    """Raised when training diverges, usually because the learning rate is too large.

    Training has diverged when a parameter stops being finite or grows
    beyond ``MAX_PARAMETER`` (1000) in absolute value. For inputs in
    [0, 1] (or standardized ones) such a weight or bias switches a unit on
    or off whatever its input: learning at a sensible rate never gets there,
    because the gradient vanishes as units saturate. The estimator is left
    unfitted (``fit``) or as it was (``partial_fit``).

    It is both a ``FloatingPointError`` and a ``ValueError`` (a bad
    parameter value), so either ``except`` clause catches it.
    """


MAX_PARAMETER = 1e3


def check_parameters(name, arrays, advice, unbounded=()):
    """Raise TrainingDivergedError if an array is non-finite, or beyond
    MAX_PARAMETER unless its key is in ``unbounded``."""
    for key, value in arrays.items():
        largest = float(np.max(np.abs(value))) if value.size else 0.0  # NaN/inf propagate
        if not np.isfinite(largest):
            raise TrainingDivergedError(f"{name} diverged: {key} became NaN or inf. {advice}")
        if key not in unbounded and largest > MAX_PARAMETER:
            raise TrainingDivergedError(
                f"{name} diverged: {key} reached {largest:.3g} in absolute value "
                f"(a sensible model stays below {MAX_PARAMETER:g}). {advice}"
            )


class BasePoE(BaseEstimator):
    """Base class for products of experts trained by contrastive divergence.

    Subclasses implement ``_init_state(X, rng)`` (create the parameters),
    ``_cd_step(batch, rng, momentum)`` (one update on a dense minibatch,
    returning its summed squared reconstruction error), ``_state()`` (the
    arrays that training changes, by attribute name: checked for
    divergence, restored by a failed ``partial_fit``) and
    ``_check_domain(lo, hi, dtype)`` (reject values outside the model's domain).
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
        X = validate_input(
            self, X, accept_sparse=self._accept_sparse, order="C",
            ensure_all_finite=False, reset=reset,
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
            self._check_domain(lo, hi, X.dtype)
        return X

    def _check_domain(self, lo, hi, dtype):  # pragma: no cover - overridden
        """Raise a ValueError if values in [lo, hi] are outside the model's domain."""

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
        self._run_epochs(X, self.n_iter)
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
                forget_fitted(self)
            else:  # roll back to the model as it was before this call
                vars(self).update(snapshot)
                vars(self).update(counters)
            raise
        self._publish()
        return self

    def _reset(self, X):
        self._dtype = X.dtype.name  # a string: skops trusts it, unlike numpy.dtype
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

    def _run_epochs(self, X, n_epochs):
        n_samples = X.shape[0]
        batch_size = min(self.batch_size, n_samples)
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
                    f"{error:.5f}, {time.perf_counter() - start_time:.2f} s "
                    f"({time.perf_counter() - fit_start:.1f} s elapsed)"
                )

    # State arrays on the data's own scale, exempt from the MAX_PARAMETER bound.
    _UNBOUNDED = ()

    def _check_finite(self):
        check_parameters(
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
