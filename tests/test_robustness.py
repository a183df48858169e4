"""Bad and unusual input, over every public estimator.

Each case ends in a ValueError that names the problem (and, where there is
one, the fix), or in correct results: never a crash, a hang, silent NaNs or
a half-fitted model. Divergence during training is reported as
TrainingDivergedError, which is a ValueError too.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.validation import check_is_fitted

from small_estimators import (
    ESTIMATORS,
    COUNTS,
    REAL_VALUED,
    SMALL,
    UNIT_INTERVAL,
    assert_same_outputs,
    in_domain,
    outputs,
    small_digits,
)

from skpoe import BernoulliPoE, TrainingDivergedError
from skpoe._validation import in_unit_interval

NAMES = list(ESTIMATORS)


@pytest.fixture(scope="module")
def digits():
    return small_digits()


def _assert_unfitted(estimator):
    with pytest.raises(NotFittedError):
        check_is_fitted(estimator)


@pytest.fixture(scope="module")
def fitted(digits):
    return {name: clone(est).fit(*in_domain(name, digits)) for name, est in ESTIMATORS.items()}


# ----------------------------------------------------------------- fit
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_are_refused_with_a_fix(name, bad, digits):
    X, y = in_domain(name, digits)
    X = X.copy()
    X[3, 5] = bad
    est = clone(ESTIMATORS[name])
    with pytest.raises(ValueError, match=r"(?s)(NaN|inf).*SimpleImputer"):
        est.fit(X, y)
    _assert_unfitted(est)


@pytest.mark.parametrize("name", NAMES)
def test_nan_at_predict_time_is_refused(name, digits, fitted):
    X_ok = in_domain(name, digits)[0]
    X = X_ok[:5].copy()
    X[0, 0] = np.nan
    for method in outputs(fitted[name], X_ok[:2]):
        with pytest.raises(ValueError, match="NaN"):
            getattr(fitted[name], method)(X)


@pytest.mark.parametrize("name", NAMES)
def test_1d_input_is_refused(name, digits):
    X, y = in_domain(name, digits)
    with pytest.raises(ValueError, match="(?s)Expected 2D array.*[Rr]eshape"):
        clone(ESTIMATORS[name]).fit(X[:, 0], y)


@pytest.mark.parametrize("name", NAMES)
def test_empty_input_is_refused(name, digits):
    X, y = in_domain(name, digits)
    with pytest.raises(ValueError, match="0 sample"):
        clone(ESTIMATORS[name]).fit(X[:0], y[:0])
    with pytest.raises(ValueError, match="0 feature"):
        clone(ESTIMATORS[name]).fit(X[:, :0], y)


@pytest.mark.parametrize("name", NAMES)
def test_single_sample(name, digits):
    """A single sample trains a model (finite outputs), or the classifiers say
    why they cannot: one sample is one class."""
    X, y = in_domain(name, digits)
    est = clone(ESTIMATORS[name])
    if is_classifier(est):
        with pytest.raises(ValueError, match="at least 2 classes"):
            est.fit(X[:1], y[:1])
        _assert_unfitted(est)
    else:
        est.fit(X[:1], y[:1])
        for key, value in outputs(est, X[:4]).items():
            assert np.isfinite(value.astype(float)).all(), key


@pytest.mark.parametrize("name", NAMES)
def test_single_class(name, digits):
    X, y = in_domain(name, digits)
    est = clone(ESTIMATORS[name])
    one = y == 1
    if is_classifier(est):
        with pytest.raises(ValueError, match=r"at least 2 classes.*Check y"):
            est.fit(X[one], y[one])
        _assert_unfitted(est)
    else:  # unsupervised: y is ignored, one class is just data
        est.fit(X[one], y[one])
        for key, value in outputs(est, X).items():
            assert np.isfinite(value.astype(float)).all(), key


@pytest.mark.parametrize("name", NAMES)
def test_object_dtype_with_numbers_gives_the_same_model(name, digits, fitted):
    X, y = in_domain(name, digits)
    est = clone(ESTIMATORS[name]).fit(X.astype(object), y)
    assert_same_outputs(outputs(est, X), outputs(fitted[name], X))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("kind", ["object", "unicode"])
def test_strings_are_refused_with_a_fix(name, kind, digits):
    X, y = in_domain(name, digits)
    X = X.astype(object)
    X[0, 0] = "seven"
    if kind == "unicode":
        X = X.astype(str)
    est = clone(ESTIMATORS[name])
    with pytest.raises(ValueError, match=r"numeric input.*OneHotEncoder"):
        est.fit(X, y)
    _assert_unfitted(est)


# What a model that refuses a value says: the domain, and (at fit) the fix.
_DOMAIN_ERRORS = {
    "unit interval": (r"\[0, 1\]", r"\[0, 1\].*(MinMaxScaler|X / X.max)"),
    # negative, not a whole number, above n_trials_ (1e300 also above any n_trials)
    "counts": (r"counts|count of", r"(counts.*min=|Round them|n_trials to the largest)"),
}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("value", [-0.5, 1.5, 1e300])
def test_values_outside_the_domain(name, value, digits, fitted):
    """[0, 1] models refuse values outside it, count models values that are
    not counts, at fit and at predict time, and say how to scale."""
    if name in REAL_VALUED:
        pytest.skip("takes any finite value: see test_unigauss_is_equivariant_to_shift_and_scale")
    says, fix = _DOMAIN_ERRORS["counts" if name in COUNTS else "unit interval"]
    X, y = in_domain(name, digits)
    X_bad = X.copy()
    X_bad[2, 7] = value
    est = clone(ESTIMATORS[name])
    with pytest.raises(ValueError, match=fix):
        est.fit(X_bad, y)
    _assert_unfitted(est)
    for method in outputs(fitted[name], X[:2]):
        with pytest.raises(ValueError, match=says):
            getattr(fitted[name], method)(X_bad)


@pytest.mark.parametrize("name", sorted(REAL_VALUED))
def test_unigauss_is_equivariant_to_shift_and_scale(name, digits):
    """UnigaussPoE (and UnifactorPoE) take any finite values: shifted,
    negative or very large data give the same posteriors (they standardize
    internally)."""
    X, _ = digits
    est = ESTIMATORS[name]
    reference = clone(est).fit(X).transform(X)
    for scale, shift in [(1.0, -1000.0), (1e150, 0.0), (1e-150, 0.0)]:
        Xs = X * scale + shift
        np.testing.assert_allclose(clone(est).fit(Xs).transform(Xs), reference, atol=1e-6)


@pytest.mark.parametrize("name", sorted(REAL_VALUED))
def test_unigauss_refuses_values_whose_variance_overflows(name, digits):
    X, _ = digits
    est = clone(ESTIMATORS[name])
    with pytest.raises(ValueError, match="overflow float64.*StandardScaler"):
        est.fit(X * 1e300)
    _assert_unfitted(est)
    with pytest.raises(ValueError, match="overflow float32"):
        est.fit((X * 1e30).astype(np.float32))


# ------------------------------------------------------ memory layouts
@pytest.mark.parametrize("name", NAMES)
def test_read_only_memmap_gives_the_same_model(name, digits, fitted, tmp_path):
    X, y = in_domain(name, digits)
    path = tmp_path / "X.npy"
    np.save(path, X)
    X_map = np.load(path, mmap_mode="r")
    assert not X_map.flags.writeable
    est = clone(ESTIMATORS[name]).fit(X_map, y)
    assert_same_outputs(outputs(est, X_map), outputs(fitted[name], X))


@pytest.mark.parametrize("name", NAMES)
def test_fortran_order_gives_the_same_model(name, digits, fitted):
    X, y = in_domain(name, digits)
    X_f = np.asfortranarray(X)
    est = clone(ESTIMATORS[name]).fit(X_f, y)
    assert_same_outputs(outputs(est, X_f), outputs(fitted[name], X))


# --------------------------------------------------------- divergence
def _with_learning_rate(est, rate):
    params = est.get_params()
    for key in ("learning_rate", "layer__learning_rate", "estimator__learning_rate",
                "fine_tune_learning_rate"):
        if key in params:
            est.set_params(**{key: rate})
    return est


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("rate", [1e4, 1e8, 1e300])
def test_huge_learning_rate_is_reported_not_left_as_nan(name, rate, digits):
    """A huge learning rate either is refused up front (UnigaussPoE's and
    UnifactorPoE's are at most 1) or makes training diverge, which is
    reported as TrainingDivergedError naming learning_rate and leaves no
    model."""
    X, y = in_domain(name, digits)
    est = _with_learning_rate(clone(ESTIMATORS[name]), rate)
    with pytest.raises(ValueError, match="learning_rate") as info:
        est.fit(X, y)
    if name not in REAL_VALUED:
        assert isinstance(info.value, TrainingDivergedError)
        assert "diverged" in str(info.value)
    _assert_unfitted(est)


def test_divergence_in_a_stack_names_the_layer(digits):
    X, y = digits
    est = clone(ESTIMATORS["DeepBeliefNet"]).set_params(layer__learning_rate=1e8)
    with pytest.raises(TrainingDivergedError, match=r"\[DeepBeliefNet\] layer 1: .*diverged"):
        est.fit(X)


def test_divergence_in_up_down_fine_tuning_is_reported(digits):
    X, y = digits
    est = clone(ESTIMATORS["DeepBeliefNetClassifier"]).set_params(
        fine_tune_learning_rate=1e6
    )
    with pytest.raises(TrainingDivergedError, match="up-down.*fine_tune_learning_rate"):
        est.fit(X, y)
    _assert_unfitted(est)


@pytest.mark.parametrize("name", NAMES)
def test_a_failed_refit_leaves_no_half_fitted_model(name, digits, fitted):
    """A refit that fails in training leaves the estimator unfitted, never a
    mix of old and new state. (A parameter refused up front, as scikit-learn
    does, leaves the previous model untouched.)"""
    X, y = in_domain(name, digits)
    est = clone(ESTIMATORS[name]).fit(X, y)
    est = _with_learning_rate(est, 1e8)
    if name in REAL_VALUED:  # their learning_rate is at most 1: refused up front
        with pytest.raises(InvalidParameterError, match="learning_rate"):
            est.fit(X, y)
        assert_same_outputs(outputs(est, X), outputs(fitted[name], X))
    else:
        with pytest.raises(TrainingDivergedError):
            est.fit(X, y)
        _assert_unfitted(est)
    X_bad = X.copy()
    X_bad[0, 0] = np.nan
    est = clone(ESTIMATORS[name]).fit(X, y)
    with pytest.raises(ValueError, match="NaN"):
        est.fit(X_bad, y)
    _assert_unfitted(est)


def test_scaled_pipeline_takes_any_real_values(digits):
    """The documented fix for out-of-domain values works: MinMaxScaler(clip=True)
    in front of a [0, 1] model accepts negative and huge values."""
    X, y = digits
    pipe = make_pipeline(MinMaxScaler(clip=True), BernoulliPoE(n_components=8, **SMALL))
    out = pipe.fit(X * 1e6 - 5e5).transform(X * 1e6 - 5e5)
    assert np.isfinite(out).all()


# ------------------------------------------------- what the input holds
@pytest.mark.parametrize("name", NAMES)
def test_booleans_give_the_same_model_as_floats(name, digits):
    X, y = in_domain(name, digits)
    binary = X > 0.5
    a = clone(ESTIMATORS[name]).fit(binary, y)
    b = clone(ESTIMATORS[name]).fit(binary.astype(np.float64), y)
    assert_same_outputs(outputs(a, binary), outputs(b, binary.astype(np.float64)))


@pytest.mark.parametrize("name", NAMES)
def test_none_is_a_missing_value(name, digits):
    X, y = in_domain(name, digits)
    X = X.astype(object)
    X[4, 9] = None
    with pytest.raises(ValueError, match=r"NaN \(1 values\).*SimpleImputer"):
        clone(ESTIMATORS[name]).fit(X, y)


@pytest.mark.parametrize("name", NAMES)
def test_text_is_named_where_it_is(name, digits):
    X, y = in_domain(name, digits)
    X = X.astype(object)
    X[4, 9] = "n/a"
    with pytest.raises(ValueError, match=r"numeric input; found 'n/a' at row 4, column 9"):
        clone(ESTIMATORS[name]).fit(X, y)


@pytest.mark.parametrize("name", ["DeepBeliefNetClassifier", "ClassConditionalPoEClassifier"])
def test_nan_in_y_is_refused(name, digits):
    X, y = in_domain(name, digits)
    y = y.astype(float)
    y[3] = np.nan
    with pytest.raises(ValueError, match="y contains NaN or inf. Drop those samples"):
        clone(ESTIMATORS[name]).fit(X, y)


@pytest.mark.parametrize("name", [n for n in NAMES if n not in REAL_VALUED])
def test_the_callers_sparse_matrix_is_left_as_it_is(name, digits):
    """A CSR matrix with unsorted indices is sorted in a copy: the caller's
    matrix keeps its order, and the model is the one of the sorted matrix."""
    X, y = in_domain(name, digits)
    ordered = sp.csr_matrix(X)
    rows = [slice(a, b) for a, b in zip(ordered.indptr[:-1], ordered.indptr[1:])]
    unsorted = sp.csr_matrix(
        (np.concatenate([ordered.data[r][::-1] for r in rows]),
         np.concatenate([ordered.indices[r][::-1] for r in rows]), ordered.indptr.copy()),
        shape=X.shape,
    )
    indices, data = unsorted.indices.copy(), unsorted.data.copy()
    assert not unsorted.has_sorted_indices
    est = clone(ESTIMATORS[name]).fit(unsorted, y)
    np.testing.assert_array_equal(unsorted.indices, indices)
    np.testing.assert_array_equal(unsorted.data, data)
    assert not unsorted.has_sorted_indices
    expected = clone(ESTIMATORS[name]).fit(ordered, y)
    assert_same_outputs(outputs(est, ordered), outputs(expected, ordered))


# ------------------------------------------------- the fast range check
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_one_pass_range_check_agrees_with_min_and_max(dtype):
    """``in_unit_interval`` reads the values' bits as unsigned integers: it
    says yes exactly when the values are finite and in [0, 1], on both
    sides of each edge, except for -0.0, which it leaves to the exact
    check (which accepts it)."""
    tiny, big = np.finfo(dtype).smallest_subnormal, np.finfo(dtype).max
    edges = [0.0, -0.0, 1.0, 0.5, tiny, -tiny, np.nextafter(dtype(1), dtype(2)),
             np.nextafter(dtype(1), dtype(0)), 2.0, -1.0, big, -big, np.inf, -np.inf,
             np.nan, np.copysign(np.nan, -1.0)]
    for value in edges:
        X = np.full((3, 5), 0.25, dtype=dtype)
        X[1, 2] = value
        exact = bool(np.isfinite(X).all() and X.min() >= 0 and X.max() <= 1)
        for layout in (X, np.asfortranarray(X), X[:, ::2], sp.csr_matrix(X)):
            # (X[:, ::2] keeps column 2: a strided view, ravelled into a copy;
            # CSR does not store a -0.0, a zero)
            minus_zero = np.signbit(dtype(value)) and not sp.issparse(layout)
            expected = exact and not minus_zero
            assert in_unit_interval(layout) == expected, (value, type(layout))
    assert in_unit_interval(np.zeros((2, 3), dtype))
    for where in (0, 4095, 4096, -1):  # in the first 4,096 values, which are read first, and after
        X = np.full((100, 50), 0.5, dtype=dtype)
        X.flat[where] = 1.5
        assert not in_unit_interval(X)
    assert not in_unit_interval(np.zeros((0, 3), dtype))  # no values: the exact check
    assert not in_unit_interval(np.zeros((2, 3), np.float16))  # other dtypes: the exact check


def test_values_just_outside_the_unit_interval_are_refused_and_minus_zero_is_not(digits):
    X = digits[0].astype(np.float32)
    X_bad = X.copy()
    X_bad[3, 4] = np.nextafter(np.float32(1), np.float32(2))
    with pytest.raises(ValueError, match=r"\[0, 1\].*max=1"):
        BernoulliPoE(n_iter=1, random_state=0).fit(X_bad)
    X_zero = X.copy()
    X_zero[X_zero == 0] = -0.0
    est = BernoulliPoE(n_iter=1, random_state=0).fit(X_zero)
    expected = BernoulliPoE(n_iter=1, random_state=0).fit(X)
    np.testing.assert_array_equal(est.transform(X_zero), expected.transform(X))
