"""scikit-learn's estimator checks over every public estimator.

BernoulliPoE accepts only values in [0, 1] (they are probabilities) and says
so with a ValueError. scikit-learn's checks have a tag for non-negative
input but none for [0, 1]: after shifting its blobs to be non-negative they
still reach values far above 1, so those checks cannot pass on the bare
estimator. They are listed below as expected failures, and
``test_checks_in_unit_interval`` runs the very same checks again on the
estimator behind ``MinMaxScaler(clip=True)``, so what they test (pickling,
idempotent fit, dtype preservation, subset invariance, ...) is still tested.

BinomialPoE accepts only counts (whole numbers), which the checks' data are
not: the checks that feed other values are expected failures on the bare
estimator and run again behind ``KBinsDiscretizer(encode="ordinal")``, whose
bin numbers are counts, in ``test_checks_on_counts``.
"""

import copy

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import KBinsDiscretizer, MinMaxScaler
from sklearn.utils.estimator_checks import parametrize_with_checks
from small_estimators import COUNTS, ESTIMATORS, SEQUENCE_ESTIMATORS, UNIT_INTERVAL

from skpoe import ClassConditionalPoEClassifier


def _checkable(estimator):
    """The registry's estimator as the checks run it: a meta-estimator's
    model scales the data into [0, 1] itself, as a user's would, so that the
    meta-estimator is checked on any data."""
    if "estimator" not in estimator.get_params(deep=False):
        return estimator
    return clone(estimator).set_params(
        estimator=make_pipeline(MinMaxScaler(clip=True), estimator.estimator)
    )


CHECKED = {name: _checkable(estimator) for name, estimator in ESTIMATORS.items()}
# Estimators that refuse the checks' data as they come: values outside [0, 1].
_UNIT_INTERVAL = {
    name for name in UNIT_INTERVAL if CHECKED[name] is ESTIMATORS[name]
}

# Checks whose generated data lie outside [0, 1] after the positive_only shift.
_UNIT_INTERVAL_CHECKS = [
    "check_estimators_overwrite_params",
    "check_dont_overwrite_parameters",
    "check_estimators_fit_returns_self",
    "check_readonly_memmap_input",
    "check_n_features_in_after_fitting",
    "check_estimators_dtypes",
    "check_pipeline_consistency",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_transformer_data_not_an_array",
    "check_transformer_general",
    "check_transformer_preserve_dtypes",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_fit2d_1sample",
    "check_fit2d_1feature",
    "check_dict_unchanged",
    "check_fit_idempotent",
    "check_fit_check_is_fitted",
    "check_n_features_in",
    "check_fit2d_predict1d",
]
_REASON = "feeds values > 1; the model needs [0, 1] (rerun scaled below)"


_OUT_OF_FOLD = "fit_transform returns out-of-fold scores by design (like TargetEncoder)"


# Classifier checks that also feed values > 1.
_UNIT_INTERVAL_CLASSIFIER_CHECKS = [
    "check_classifier_data_not_an_array",
    "check_classifiers_classes",
    "check_classifiers_train",
    "check_classifiers_train(readonly_memmap=True)",
    "check_classifiers_train(readonly_memmap=True,X_dtype=float32)",
    "check_decision_proba_consistency",
]


# Checks whose data are not counts (non-integer, also in sparse form).
_COUNT_CHECKS = _UNIT_INTERVAL_CHECKS + [
    "check_fit_score_takes_y",
    "check_dtype_object",
    "check_estimators_nan_inf",
    "check_estimator_sparse_array",
    "check_estimator_sparse_matrix",
    "check_estimator_sparse_tag",
]
_COUNT_REASON = "feeds values that are not counts (rerun discretized below)"
# Regressor checks that also feed values > 1.
_UNIT_INTERVAL_REGRESSOR_CHECKS = [
    "check_regressor_data_not_an_array",
    "check_regressors_int",
    "check_regressors_no_decision_function",
    "check_regressors_train",
    "check_regressors_train(readonly_memmap=True)",
    "check_regressors_train(readonly_memmap=True,X_dtype=float32)",
]
# n_iter_ checks of estimators with max_iter that feed values > 1 (a Pipeline
# has no max_iter, so tests/test_pretrained_mlp.py checks n_iter_ instead).
_N_ITER_CHECKS = {"check_non_transformer_estimators_n_iter": _REASON,
                  "check_transformer_n_iter": _REASON}
# scikit-learn's own semi-supervised classifiers are exempted by name from
# the binary labels {-1, 1}; tests/test_pretrained_mlp.py checks the rest.
_SEMI_SUPERVISED = {"check_classifiers_classes": "y == -1 marks unlabeled samples"}


def _expected_failed_checks(estimator):
    name = type(estimator).__name__
    if name in COUNTS:
        return {name: _COUNT_REASON for name in _COUNT_CHECKS}
    if isinstance(estimator, ClassConditionalPoEClassifier):
        return {
            "check_transformer_general": _OUT_OF_FOLD,
            "check_transformer_general(readonly_memmap=True)": _OUT_OF_FOLD,
            "check_transformer_data_not_an_array": _OUT_OF_FOLD,
        }
    if name in _UNIT_INTERVAL:
        names = _UNIT_INTERVAL_CHECKS
        if name == "DeepBeliefNetClassifier":
            # (it refuses one sample for having one class, which passes the check)
            names = [n for n in names if n != "check_fit2d_1sample"]
            names = names + _UNIT_INTERVAL_CLASSIFIER_CHECKS
        if name == "PretrainedMLPClassifier":
            names = [n for n in names if n != "check_fit2d_1sample"]
            return {**{n: _REASON for n in names + _UNIT_INTERVAL_CLASSIFIER_CHECKS},
                    **_N_ITER_CHECKS, **_SEMI_SUPERVISED}
        if name == "PretrainedMLPRegressor":
            names = names + _UNIT_INTERVAL_REGRESSOR_CHECKS
            return {**{n: _REASON for n in names}, **_N_ITER_CHECKS}
        return {name: _REASON for name in names}
    return {}


@parametrize_with_checks(list(CHECKED.values()), expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@parametrize_with_checks(
    [make_pipeline(MinMaxScaler(clip=True), CHECKED[name]) for name in sorted(_UNIT_INTERVAL)]
)
def test_checks_in_unit_interval(estimator, check):
    name = getattr(check, "func", check).__name__
    rerun = _UNIT_INTERVAL_CHECKS + _UNIT_INTERVAL_CLASSIFIER_CHECKS + _UNIT_INTERVAL_REGRESSOR_CHECKS
    if name not in rerun:
        pytest.skip("runs on the bare estimator in test_sklearn_compatible")
    if name in _SEMI_SUPERVISED and type(estimator[-1]).__name__ == "PretrainedMLPClassifier":
        pytest.skip(_SEMI_SUPERVISED[name])
    if name in _PIPELINE_MUTATES:
        pytest.skip("a Pipeline fits its steps in place; see test_fit_leaves_params")
    check(estimator)


# A Pipeline always fails these two (its `steps` hold the fitted steps), so
# they are checked by hand on the bare estimator with data in its domain.
_PIPELINE_MUTATES = {"check_estimators_overwrite_params", "check_dont_overwrite_parameters"}


# The sparse checks are left out: the discretizer refuses sparse input
# (BinomialPoE's own tests fit sparse counts).
@parametrize_with_checks([
    make_pipeline(KBinsDiscretizer(n_bins=5, encode="ordinal", strategy="uniform"),
                  CHECKED[name])
    for name in sorted(COUNTS)
])
def test_checks_on_counts(estimator, check):
    name = getattr(check, "func", check).__name__
    if name not in _COUNT_CHECKS or "sparse" in name:
        pytest.skip("runs on the bare estimator in test_sklearn_compatible")
    if name in _PIPELINE_MUTATES:
        pytest.skip("a Pipeline fits its steps in place; see test_fit_leaves_params")
    check(estimator)


@pytest.mark.parametrize("name", sorted(_UNIT_INTERVAL | COUNTS))
def test_fit_leaves_params(name):
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(30, 5))
    if name in COUNTS:
        X = np.rint(5 * X)
    estimator = clone(CHECKED[name])
    params = copy.deepcopy(estimator.get_params())
    public = {k: v for k, v in vars(estimator).items() if not k.endswith("_")}
    estimator.fit(X, rng.randint(2, size=30))  # y for the classifiers, ignored otherwise
    after = estimator.get_params()
    assert params.keys() == after.keys()
    for key, value in params.items():
        assert joblib.hash(value) == joblib.hash(after[key]), key
    now_public = {k: v for k, v in vars(estimator).items() if not k.endswith("_")}
    now_public = {k: v for k, v in now_public.items() if not k.startswith("_")}
    public = {k: v for k, v in public.items() if not k.startswith("_")}
    assert joblib.hash(public) == joblib.hash(now_public)


# ------------------------------------------------------------- sequence models
# X is one column of integer symbols, rows are time steps and fit's second
# argument is lengths (hmmlearn's layout). The checks below feed several
# columns, or pass y as fit's second argument, or take rows for independent
# samples; tests/test_hmm.py tests what they would (pickling, idempotent fit,
# parameters and __dict__ left alone, memory layouts, dtypes, NaN, 1-D input).
_COLUMNS = "feeds several columns; X is one column of symbols (hmmlearn's layout)"
_LENGTHS = "passes y as fit's second argument, which is lengths (as in hmmlearn)"
_TIME_STEPS = "rows are time steps of one sequence, not independent samples"
_SEQUENCE_FAILURES = {
    **{name: _COLUMNS for name in [
        "check_estimators_overwrite_params",
        "check_dont_overwrite_parameters",
        "check_estimators_fit_returns_self",
        "check_readonly_memmap_input",
        "check_n_features_in_after_fitting",
        "check_positive_only_tag_during_fit",
        "check_estimators_dtypes",
        "check_dtype_object",
        "check_pipeline_consistency",
        "check_estimators_nan_inf",
        "check_estimators_pickle",
        "check_estimators_pickle(readonly_memmap=True)",
        "check_f_contiguous_array_estimator",
        "check_fit2d_predict1d",
        "check_dict_unchanged",
        "check_fit_idempotent",
        "check_fit_check_is_fitted",
        "check_n_features_in",
    ]},
    "check_fit_score_takes_y": _LENGTHS,
    "check_fit2d_1sample": _LENGTHS,
    "check_fit2d_1feature": _LENGTHS,
    "check_methods_sample_order_invariance": _TIME_STEPS,
    "check_methods_subset_invariance": _TIME_STEPS,
}


@parametrize_with_checks(
    list(SEQUENCE_ESTIMATORS.values()), expected_failed_checks=lambda _: _SEQUENCE_FAILURES
)
def test_sklearn_compatible_sequences(estimator, check):
    check(estimator)
