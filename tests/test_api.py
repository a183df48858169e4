"""What every estimator offers a scikit-learn user: pandas output, feature
names, progress reports, learning curves and determinism."""

import re

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from small_estimators import ESTIMATORS, SMALL, in_domain, small_digits

from skpoe import BernoulliPoE, ClassConditionalPoEClassifier

pd = pytest.importorskip("pandas")

NAMES = list(ESTIMATORS)
TRANSFORMERS = [name for name, est in ESTIMATORS.items() if hasattr(est, "transform")]


@pytest.fixture(scope="module")
def digits():
    return small_digits()


@pytest.mark.parametrize("name", TRANSFORMERS)
def test_set_output_pandas(name, digits):
    X, y = in_domain(name, digits)
    frame = pd.DataFrame(X, columns=[f"pixel{i}" for i in range(X.shape[1])],
                         index=np.arange(len(X)) + 1000)
    est = clone(ESTIMATORS[name]).set_output(transform="pandas").fit(frame, y)
    out = est.transform(frame)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(est.get_feature_names_out())
    assert (out.index == frame.index).all()
    np.testing.assert_allclose(out.to_numpy(), clone(ESTIMATORS[name]).fit(X, y).transform(X))
    # fit_transform too (a Pipeline calls it)
    out = clone(ESTIMATORS[name]).set_output(transform="pandas").fit_transform(frame, y)
    assert isinstance(out, pd.DataFrame) and len(out.columns) == out.shape[1]
    np.testing.assert_array_equal(est.feature_names_in_, frame.columns)


@pytest.mark.parametrize("name", TRANSFORMERS)
def test_get_feature_names_out(name, digits):
    X, y = in_domain(name, digits)
    est = clone(ESTIMATORS[name]).fit(X, y)
    names = est.get_feature_names_out()
    assert names.dtype == object
    assert len(names) == est.transform(X[:2]).shape[1] == len(set(names))
    prefix = name.lower()
    if name == "ClassConditionalPoEClassifier":
        assert all(re.fullmatch(r"class\d+_layer\d+", n) for n in names)
    elif name == "DeepBoltzmannMachine":
        assert all(re.fullmatch(prefix + r"_layer\d+_\d+", n) for n in names), names
    else:
        assert all(re.fullmatch(prefix + r"\d+", n) for n in names), names


def test_pandas_output_flows_through_a_pipeline(digits):
    X, y = digits
    frame = pd.DataFrame(X)
    pipe = make_pipeline(
        ClassConditionalPoEClassifier(BernoulliPoE(n_components=4, **SMALL), random_state=0),
        LogisticRegression(max_iter=500),
    ).set_output(transform="pandas")
    pipe.fit(frame, y)
    assert (pipe[:-1].transform(frame).columns == pipe[0].get_feature_names_out()).all()
    assert pipe.score(frame, y) > 0.8


# ------------------------------------------------------------ progress
PROGRESS = re.compile(
    r"epoch (\d+), .*reconstruction error ([0-9.]+), ([0-9.]+) s \(([0-9.]+) s elapsed\)"
)


@pytest.mark.parametrize("name", ["BernoulliPoE", "BinomialPoE", "UnigaussPoE", "UnifactorPoE"])
def test_verbose_reports_every_epoch(name, digits, capsys):
    X, y = in_domain(name, digits)
    est = clone(ESTIMATORS[name]).set_params(verbose=1, n_iter=3).fit(X)
    lines = [m for m in map(PROGRESS.search, capsys.readouterr().out.splitlines()) if m]
    assert [int(m.group(1)) for m in lines] == [1, 2, 3]
    elapsed = [float(m.group(4)) for m in lines]
    assert elapsed == sorted(elapsed)
    np.testing.assert_allclose([float(m.group(2)) for m in lines],
                               est.reconstruction_error_, rtol=1e-4)


def test_stack_verbose_names_layers_and_epochs(digits, capsys):
    X, y = digits
    est = clone(ESTIMATORS["DeepBeliefNet"]).set_params(verbose=1).fit(X)
    out = capsys.readouterr().out
    assert "layer 1/2: 64 -> 8 units" in out and "layer 2/2: 8 -> 4 units" in out
    assert len(PROGRESS.findall(out)) == 2 * SMALL["n_iter"]
    assert [len(c) for c in est.reconstruction_error_] == [SMALL["n_iter"]] * 2


def test_dbn_classifier_verbose_and_curves(digits, capsys):
    X, y = digits
    est = clone(ESTIMATORS["DeepBeliefNetClassifier"]).set_params(
        verbose=1, fine_tune_epochs=2).fit(X, y)
    out = capsys.readouterr().out
    assert "top RBM: 8 + 3 labels -> 8 units" in out
    assert re.search(r"up-down epoch 2, Gibbs steps \d+, reconstruction error [0-9.]+, "
                     r"[0-9.]+ s \([0-9.]+ s elapsed\)", out)
    assert len(est.reconstruction_error_) == 2  # one greedy layer, the top RBM
    assert est.fine_tune_error_.shape == (2,)
    assert np.all(est.fine_tune_error_ > 0) and np.isfinite(est.fine_tune_error_).all()


def test_class_conditional_verbose(digits, capsys):
    X, y = digits
    est = clone(ESTIMATORS["ClassConditionalPoEClassifier"]).set_params(verbose=1).fit(X, y)
    assert re.search(r"trained 3 class models on \d+ samples in [0-9.]+ s",
                     capsys.readouterr().out)
    for model in est.estimators_[0]:
        assert model.reconstruction_error_.shape == (SMALL["n_iter"],)


def test_silent_by_default(digits, capsys):
    for name, est in ESTIMATORS.items():
        clone(est).fit(*in_domain(name, digits))
    assert capsys.readouterr().out == ""


def test_learning_curve_decreases_with_training(digits):
    """The curve is what training improves: more epochs, lower error."""
    X, _ = digits
    est = BernoulliPoE(n_components=16, n_iter=10, batch_size=20, random_state=0).fit(X)
    curve = est.reconstruction_error_
    assert curve.shape == (10,) and curve[-1] < 0.8 * curve[0]


# --------------------------------------------------------- determinism
@pytest.mark.parametrize("name", NAMES)
def test_same_random_state_same_model(name, digits):
    X, y = in_domain(name, digits)
    a = clone(ESTIMATORS[name]).fit(X, y)
    b = clone(ESTIMATORS[name]).fit(X, y)
    for method in ("transform", "score_samples", "predict_proba", "decision_function"):
        if hasattr(a, method):
            np.testing.assert_array_equal(getattr(a, method)(X), getattr(b, method)(X))


@pytest.mark.parametrize("name", NAMES)
def test_different_random_state_different_model(name, digits):
    X, y = in_domain(name, digits)
    est = ESTIMATORS[name]
    keys = [k for k in est.get_params() if k.endswith("random_state")]
    a = clone(est).fit(X, y)
    b = clone(est).set_params(**{k: 12345 for k in keys}).fit(X, y)
    method = "transform" if hasattr(a, "transform") else "score_samples"
    assert not np.array_equal(getattr(a, method)(X), getattr(b, method)(X))


@pytest.mark.parametrize("cv", [0.2, 3])
def test_same_model_for_any_n_jobs(cv, digits):
    X, y = digits
    est = clone(ESTIMATORS["ClassConditionalPoEClassifier"]).set_params(cv=cv)
    outputs = []
    for n_jobs in (None, 1, 2, -1):
        model = clone(est).set_params(n_jobs=n_jobs).fit(X, y)
        outputs.append((model.transform(X), model.predict_proba(X)))
    for transformed, proba in outputs[1:]:
        np.testing.assert_array_equal(transformed, outputs[0][0])
        np.testing.assert_array_equal(proba, outputs[0][1])


# ------------------------------------------------------ a new model's hooks
def test_a_new_model_must_write_every_hook():
    """BasePoE's hooks are abstract: a model that forgets one cannot be made,
    and the error names what is missing."""
    from skpoe._base import BasePoE

    class Unfinished(BasePoE):
        def _init_state(self, X, rng):
            pass

        def _state(self):
            return {}

    with pytest.raises(TypeError, match="_cd_step.*_check_domain|_check_domain.*_cd_step"):
        Unfinished()
    assert BasePoE.__abstractmethods__ == {"_init_state", "_cd_step", "_state", "_check_domain"}
