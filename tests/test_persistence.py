"""Fitted models survive pickle, joblib and skops.io with identical outputs."""

import io
import pickle

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from small_estimators import ESTIMATORS

NAMES = list(ESTIMATORS)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    keep = y < 3
    return X[keep] / 16.0, y[keep]


def _outputs(estimator, X):
    out = {}
    for method in ("transform", "score_samples", "predict_proba", "decision_function",
                   "predict", "layer_scores"):
        if hasattr(estimator, method):
            out[method] = np.asarray(getattr(estimator, method)(X))
    for method in ("sample",):  # seeded generation must match too
        if hasattr(estimator, method):
            out[method] = estimator.sample(3, n_steps=5, random_state=0)
    assert out
    return out


def _assert_identical(before, after):
    assert before.keys() == after.keys()
    for key in before:
        np.testing.assert_array_equal(after[key], before[key], err_msg=key)


@pytest.fixture(scope="module")
def fitted(digits):
    X, y = digits
    return {name: clone(est).fit(X, y) for name, est in ESTIMATORS.items()}


@pytest.mark.parametrize("name", NAMES)
def test_pickle_round_trip_is_identical(name, digits, fitted):
    X = digits[0]
    est = fitted[name]
    loaded = pickle.loads(pickle.dumps(est))
    _assert_identical(_outputs(est, X), _outputs(loaded, X))
    assert loaded.get_params().keys() == est.get_params().keys()


@pytest.mark.parametrize("name", NAMES)
def test_joblib_round_trip_is_identical(name, digits, fitted, tmp_path):
    X = digits[0]
    est = fitted[name]
    path = tmp_path / "model.joblib"
    joblib.dump(est, path, compress=3)
    _assert_identical(_outputs(est, X), _outputs(joblib.load(path), X))


@pytest.mark.parametrize("name", NAMES)
def test_pickled_model_keeps_training(name, digits, fitted):
    """partial_fit after a round trip goes on exactly as without it."""
    X = digits[0]
    est = fitted[name]
    if not hasattr(est, "partial_fit"):
        pytest.skip("no partial_fit")
    a = pickle.loads(pickle.dumps(est)).partial_fit(X)
    b = clone(ESTIMATORS[name]).fit(X).partial_fit(X)  # never pickled
    _assert_identical(_outputs(a, X), _outputs(b, X))


@pytest.mark.parametrize("name", NAMES)
def test_skops_round_trip_trusts_only_skpoe_types(name, digits, fitted):
    """skops.io stores every model; the only types it does not trust by
    default are skpoe's own estimator classes, which a user trusts by name."""
    sio = pytest.importorskip("skops.io")
    X = digits[0]
    est = fitted[name]
    data = sio.dumps(est)
    untrusted = sio.get_untrusted_types(data=data)
    assert untrusted, "skops should ask the user to trust skpoe's classes"
    assert all(t.startswith("skpoe.") for t in untrusted), untrusted
    with pytest.raises(Exception, match="[Uu]ntrusted"):
        sio.loads(data)  # nothing is trusted silently
    loaded = sio.loads(data, trusted=untrusted)
    _assert_identical(_outputs(est, X), _outputs(loaded, X))


def test_skops_file_round_trip(digits, fitted, tmp_path):
    sio = pytest.importorskip("skops.io")
    est = fitted["DeepBeliefNet"]
    path = tmp_path / "dbn.skops"
    sio.dump(est, path)
    loaded = sio.load(path, trusted=sio.get_untrusted_types(file=path))
    _assert_identical(_outputs(est, digits[0]), _outputs(loaded, digits[0]))


def test_pickle_in_memory_buffer_is_small(fitted):
    """Scratch buffers are not pickled: the pickle holds parameters only."""
    est = fitted["BernoulliPoE"]
    buffer = io.BytesIO()
    pickle.dump(est, buffer)
    parameters = sum(np.asarray(v).nbytes for k, v in vars(est).items()
                     if isinstance(v, np.ndarray))
    assert buffer.getbuffer().nbytes < parameters + 20_000
