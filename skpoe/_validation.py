"""Checks shared by models and meta-estimators: input, divergence, seeds.

Input: :func:`validate_input` lets scikit-learn check the structure (2-D,
samples and features, sparse formats, feature names) and checks what the
input holds itself, so that its errors name the problem and the fix.
Divergence: :func:`check_not_diverged` and :class:`TrainingDivergedError`.
Seeds: :func:`derive_seed`, the one way a seed is drawn from a
``random_state``, and :func:`make_generator` built on it.
"""

import contextlib
import functools

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_random_state
from sklearn.utils.validation import validate_data

from . import _kernels

# ------------------------------------------------------------------- seeds
# Seeds are drawn in [0, SEED_BOUND): an int32 that every consumer accepts.
SEED_BOUND = int(np.iinfo(np.int32).max)


def derive_seed(random_state, size=None):
    """A seed (or ``size`` seeds) drawn from ``random_state``.

    ``random_state`` is anything ``check_random_state`` accepts (None, an
    int, a ``RandomState``) or a NumPy ``Generator``; a generator or
    ``RandomState`` advances, so successive calls give successive seeds.
    Every sub-model, fold split and random stream in skpoe is seeded this
    way, so that the same ``random_state`` always gives the same model.
    """
    if isinstance(random_state, np.random.Generator):
        seeds = random_state.integers(SEED_BOUND, size=size)
    else:
        seeds = check_random_state(random_state).randint(SEED_BOUND, size=size)
    return int(seeds) if size is None else seeds


def make_generator(random_state, *stream):
    """A fast NumPy ``Generator`` seeded by :func:`derive_seed`.

    The legacy ``RandomState`` only gives the seed; the bulk of the random
    numbers come from PCG64, faster for float32 draws (measured in
    ``benchmarks/RESULTS.md``). ``stream`` (ints) selects an independent
    stream from the same seed.
    """
    return np.random.default_rng([derive_seed(random_state), *stream])


# ------------------------------------------------------------------- input
def validate_input(estimator, X, y="no_validation", *, ensure_finite=True, **kwargs):
    """``validate_data``, then skpoe's own checks of what X holds.

    scikit-learn checks the structure (other keyword arguments go to
    ``sklearn.utils.validation.validate_data``). Here, X must be numeric:
    float32 and float64 are kept, bools and integers become float64, and
    text gets an error naming the first value that is not a number. With
    ``ensure_finite`` (default), NaN and inf get an error too; a caller that
    needs the value range anyway passes False and calls :func:`finite_range`.
    """
    name = type(estimator).__name__
    no_y = y is None or (isinstance(y, str) and y == "no_validation")
    if not no_y:
        _check_finite_targets(name, y)
    out = validate_data(estimator, X, y, dtype=None, ensure_all_finite=False, **kwargs)
    X = _as_float(name, out if no_y else out[0])
    if ensure_finite and not in_unit_interval(X):
        finite_range(name, X)
    return X if no_y else (X, out[1])


def _check_finite_targets(name, y):
    y = np.asarray(y)
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError(
            f"{name} needs a class (or value) for every sample; y contains NaN or "
            "inf. Drop those samples first."
        )


def _as_float(name, X):
    """X as float32 or float64 (kept as they are); other numbers become float64."""
    if X.dtype in (np.float32, np.float64):
        return X
    if X.dtype.kind in "biuf":  # bools, integers, float16
        return X.astype(np.float64)
    try:  # object, str or bytes: numbers stored as such are fine
        return X.astype(np.float64)
    except (TypeError, ValueError):
        pass
    where, value, reason = _first_non_number(X)
    # A TypeError for an object that is neither text nor a number, as float() says.
    error = TypeError if isinstance(reason, TypeError) else ValueError
    raise error(
        f"{name} needs numeric input; found {value!r}{where} ({reason}). Encode text "
        "and categories as numbers first, e.g. with sklearn.preprocessing.OneHotEncoder, "
        "and fill missing values, e.g. with sklearn.impute.SimpleImputer."
    )


def _first_non_number(X):
    """(' at row i, column j', value, the error of float(value)) of the
    first entry of X that is not a number."""
    values = X.tocoo() if sp.issparse(X) else X
    entries = (
        zip(zip(values.row, values.col), values.data) if sp.issparse(X)
        else np.ndenumerate(values)
    )
    for (i, j), value in entries:
        try:
            float(value)
        except (TypeError, ValueError) as exc:
            return f" at row {i}, column {j}", value, exc
    return "", X.dtype, "not convertible to float"  # pragma: no cover


def _stored_values(X):
    """X's stored values as one 1-D array (a view when X is contiguous):
    a CSR matrix's ``data``, a dense array ravelled in memory order."""
    return X.data if sp.issparse(X) else X.ravel(order="K")


# Bits of 1.0 in each float type. Read as unsigned integers, the bits of
# +0.0 <= a <= b order as a and b do, and those of every negative value, NaN
# and inf are larger than 1.0's.
_UNIT_BITS = {
    np.dtype(np.float32): (np.uint32, 0x3F800000),
    np.dtype(np.float64): (np.uint64, 0x3FF0000000000000),
}


def in_unit_interval(X):
    """True if X (dense or CSR, float32 or float64) is finite and in [0, 1].

    One SIMD pass: the largest of the values' bits, read as unsigned
    integers, is at most 1.0's (twice as fast as NumPy's min and max, which
    each read X once). The first 4,096 values are looked at first, so that
    data of models that take any real value costs no extra pass. False
    means "look closer" with :func:`finite_range`: out of range, NaN or inf,
    another dtype, no values, or a -0.0.
    """
    values = _stored_values(X)
    if values.dtype not in _UNIT_BITS or values.size == 0:
        return False
    uint, one = _UNIT_BITS[values.dtype]
    bits = values.view(uint)
    if bits[:4096].max() > one:  # data outside [0, 1] mostly shows it at once
        return False
    return bool(bits.max() <= one)


def finite_range(name, X):
    """``(min, max)`` of X's values, dense or sparse (implicit zeros count).

    Raises a ValueError saying how many NaN and inf values there are, and
    how to remove them, if there are any.
    """
    values = _stored_values(X)
    if values.size == 0:
        lo, hi, n_nan, n_inf = np.inf, -np.inf, 0, 0
    else:  # NumPy's SIMD min and max: four times faster than one scalar pass
        lo, hi, n_nan, n_inf = float(values.min()), float(values.max()), 0, 0
    if not (np.isfinite(lo) and np.isfinite(hi)):  # NaN or inf: count them
        lo, hi, n_nan, n_inf = _kernels.value_range(np.ascontiguousarray(values))
    if n_nan or n_inf:
        raise ValueError(
            f"Input X contains NaN ({n_nan} values) or inf ({n_inf} values); "
            f"{name} needs finite values. Impute or drop them first, e.g. with "
            "sklearn.impute.SimpleImputer."
        )
    if sp.issparse(X) and X.nnz < X.shape[0] * X.shape[1]:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    return lo, hi


def check_unit_range(name, lo, hi):
    """Raise a clear ValueError if values between lo and hi leave [0, 1]."""
    if lo < 0:
        raise ValueError(
            f"Negative values in data passed to {name}: it expects values in "
            f"[0, 1] (treated as probabilities); got min={lo:.4g}. Scale the data "
            "first, e.g. with sklearn.preprocessing.MinMaxScaler(clip=True)."
        )
    if hi > 1:
        raise ValueError(
            f"{name} expects values in [0, 1] (treated as probabilities); got "
            f"max={hi:.4g}. Scale the data first, e.g. X / X.max() or "
            "sklearn.preprocessing.MinMaxScaler(clip=True)."
        )


def check_unit_interval(name, X):
    """Raise a clear ValueError unless X (dense or CSR) is finite and in [0, 1]."""
    if not in_unit_interval(X):
        check_unit_range(name, *finite_range(name, X))


# ------------------------------------------------------------ fitted state
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


@contextlib.contextmanager
def rolled_back_on_divergence(estimator, state, counters):
    """A ``partial_fit``'s training: if it diverges, undo it.

    ``state`` maps attribute names to the arrays that training changes, and
    ``counters`` names the other attributes it changes (epochs, curves); both
    are saved on entry and restored if the block raises
    TrainingDivergedError, so the model is left as it was before the call.
    ``state=None`` is a first call: the estimator is then left unfitted.
    """
    saved = None if state is None else (
        {k: np.copy(v) for k, v in state.items()},
        {k: getattr(estimator, k) for k in counters},
    )
    try:
        yield
    except TrainingDivergedError:
        if saved is None:
            forget_fitted(estimator)
        else:
            vars(estimator).update(saved[0])
            vars(estimator).update(saved[1])
        raise


# -------------------------------------------------------------- divergence
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


def check_not_diverged(name, arrays, advice, unbounded=()):
    """Raise TrainingDivergedError if an array of ``arrays`` (by name) has a
    value that is not finite, or beyond MAX_PARAMETER unless its name is in
    ``unbounded``. The message names the model, the array and ``advice``."""
    for key, value in arrays.items():
        largest = float(np.max(np.abs(value))) if value.size else 0.0  # NaN/inf propagate
        if not np.isfinite(largest):
            raise TrainingDivergedError(f"{name} diverged: {key} became NaN or inf. {advice}")
        if key not in unbounded and largest > MAX_PARAMETER:
            raise TrainingDivergedError(
                f"{name} diverged: {key} reached {largest:.3g} in absolute value "
                f"(a sensible model stays below {MAX_PARAMETER:g}). {advice}"
            )
