"""Fitted models survive pickle, joblib and skops.io with identical outputs."""

import io
import pickle

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from small_estimators import ESTIMATORS, assert_same_outputs, in_domain, outputs, small_digits

NAMES = list(ESTIMATORS)
_MLP_OPTIMIZERS = "sklearn.neural_network._stochastic_optimizers."


@pytest.fixture(scope="module")
def digits():
    return small_digits()


@pytest.fixture(scope="module")
def fitted(digits):
    return {name: clone(est).fit(*in_domain(name, digits)) for name, est in ESTIMATORS.items()}


@pytest.mark.parametrize("name", NAMES)
def test_pickle_round_trip_is_identical(name, digits, fitted):
    X = in_domain(name, digits)[0]
    est = fitted[name]
    loaded = pickle.loads(pickle.dumps(est))
    assert_same_outputs(outputs(est, X, generation=True), outputs(loaded, X, generation=True))
    assert loaded.get_params().keys() == est.get_params().keys()


@pytest.mark.parametrize("name", NAMES)
def test_joblib_round_trip_is_identical(name, digits, fitted, tmp_path):
    X = in_domain(name, digits)[0]
    est = fitted[name]
    path = tmp_path / "model.joblib"
    joblib.dump(est, path, compress=3)
    loaded = joblib.load(path)
    assert_same_outputs(outputs(est, X, generation=True), outputs(loaded, X, generation=True))


@pytest.mark.parametrize("name", NAMES)
def test_pickled_model_keeps_training(name, digits, fitted):
    """partial_fit after a round trip goes on exactly as without it."""
    X = in_domain(name, digits)[0]
    est = fitted[name]
    if not hasattr(est, "partial_fit"):
        pytest.skip("no partial_fit")
    a = pickle.loads(pickle.dumps(est)).partial_fit(X)
    b = clone(ESTIMATORS[name]).fit(X).partial_fit(X)  # never pickled
    assert_same_outputs(outputs(a, X, generation=True), outputs(b, X, generation=True))


@pytest.mark.parametrize("name", NAMES)
def test_skops_round_trip_trusts_only_skpoe_types(name, digits, fitted):
    """skops.io stores every model; the only types it does not trust by
    default are skpoe's own estimator classes, which a user trusts by name."""
    sio = pytest.importorskip("skops.io")
    X = in_domain(name, digits)[0]
    est = fitted[name]
    data = sio.dumps(est)
    untrusted = sio.get_untrusted_types(data=data)
    assert untrusted, "skops should ask the user to trust skpoe's classes"
    # scikit-learn's MLP keeps its optimizer (so that partial_fit goes on with
    # its momentum), a type skops does not trust by default either.
    assert all(t.startswith(("skpoe.", _MLP_OPTIMIZERS)) for t in untrusted), untrusted
    with pytest.raises(Exception, match="[Uu]ntrusted"):
        sio.loads(data)  # nothing is trusted silently
    loaded = sio.loads(data, trusted=untrusted)
    assert_same_outputs(outputs(est, X, generation=True), outputs(loaded, X, generation=True))


def test_skops_file_round_trip(digits, fitted, tmp_path):
    sio = pytest.importorskip("skops.io")
    est = fitted["DeepBeliefNet"]
    path = tmp_path / "dbn.skops"
    sio.dump(est, path)
    loaded = sio.load(path, trusted=sio.get_untrusted_types(file=path))
    X = digits[0]
    assert_same_outputs(outputs(est, X, generation=True), outputs(loaded, X, generation=True))


def test_pickle_in_memory_buffer_is_small(fitted):
    """Scratch buffers are not pickled: the pickle holds parameters only."""
    est = fitted["BernoulliPoE"]
    buffer = io.BytesIO()
    pickle.dump(est, buffer)
    parameters = sum(np.asarray(v).nbytes for k, v in vars(est).items()
                     if isinstance(v, np.ndarray))
    assert buffer.getbuffer().nbytes < parameters + 20_000
