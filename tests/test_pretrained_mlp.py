"""PretrainedMLPClassifier and PretrainedMLPRegressor: the hand-over from the
deep belief net to scikit-learn's MLP, fine-tuning, semi-supervised use."""

import re
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.validation import check_is_fitted

from skpoe import (
    BernoulliPoE,
    DeepBeliefNet,
    DeepBoltzmannMachine,
    PretrainedMLPClassifier,
    PretrainedMLPRegressor,
    TrainingDivergedError,
)
from skpoe._base import auto_batch_size

LAYER = BernoulliPoE(n_iter=5, batch_size=20)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


@pytest.fixture(scope="module")
def split(digits):
    X, y = digits
    return train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)


def _small(cls=PretrainedMLPClassifier, **params):
    return cls((32, 16), layer=LAYER, max_iter=5, random_state=0).set_params(**params)


def _record_fit_start(monkeypatch, mlp_class):
    """Make ``mlp_class.fit`` record copies of the weights it starts from."""
    starts = []
    fit = mlp_class.fit

    def recording_fit(self, X, y, *args, **kwargs):
        starts.append(([W.copy() for W in self.coefs_], [b.copy() for b in self.intercepts_]))
        return fit(self, X, y, *args, **kwargs)

    monkeypatch.setattr(mlp_class, "fit", recording_fit)
    return starts


# ------------------------------------------------------------ the hand-over
@pytest.mark.parametrize("cls, mlp_class", [(PretrainedMLPClassifier, MLPClassifier),
                                            (PretrainedMLPRegressor, MLPRegressor)])
def test_fine_tuning_starts_from_the_dbns_weights(cls, mlp_class, digits, monkeypatch):
    X, y = digits
    starts = _record_fit_start(monkeypatch, mlp_class)
    est = _small(cls).fit(X, y)
    (coefs, intercepts), = starts
    layers = est.dbn_.layers_
    assert len(coefs) == len(layers) + 1
    for W, b, layer in zip(coefs, intercepts, layers):
        np.testing.assert_array_equal(W, layer.components_.T)
        np.testing.assert_array_equal(b, layer.intercept_hidden_)
    # The output layer: fresh, scikit-learn's uniform initialization.
    n_out = len(np.unique(y)) if cls is PretrainedMLPClassifier else 1
    assert coefs[-1].shape == (16, n_out) and intercepts[-1].shape == (n_out,)
    bound = np.sqrt(2 / (16 + n_out))
    assert np.abs(coefs[-1]).max() <= bound and np.abs(coefs[-1]).std() > bound / 4
    # Fine-tuning changed the MLP's weights, not the pretrained net's.
    assert not np.allclose(est.mlp_.coefs_[0], coefs[0])
    np.testing.assert_array_equal(est.dbn_.layers_[0].components_.T, coefs[0])


def test_pretraining_is_a_deep_belief_net_on_x(digits):
    X, y = digits
    est = _small().fit(X, y)
    assert isinstance(est.dbn_, DeepBeliefNet)
    assert est.dbn_.hidden_layer_sizes == (32, 16)
    again = DeepBeliefNet((32, 16), layer=LAYER, random_state=est.dbn_.random_state).fit(X)
    for a, b in zip(again.layers_, est.dbn_.layers_):
        np.testing.assert_array_equal(a.components_, b.components_)


def test_dbm_pretraining_starts_from_its_doubled_bottom_up_pass(digits, monkeypatch):
    """pretraining="dbm": the net starts as the DBM's mean field starts,
    every layer's input doubled but the top's (hinton2014 sec. 8-9)."""
    X, y = digits
    starts = _record_fit_start(monkeypatch, MLPClassifier)
    est = _small(pretraining="dbm").fit(X, y)
    (coefs, intercepts), = starts
    dbm = est.dbm_
    assert isinstance(dbm, DeepBoltzmannMachine) and not hasattr(est, "dbn_")
    assert dbm.hidden_layer_sizes == (32, 16)
    np.testing.assert_allclose(coefs[0], 2 * dbm.components_[0].T)
    np.testing.assert_allclose(coefs[1], dbm.components_[1].T)
    for b, c in zip(intercepts, dbm.intercepts_hidden_):
        np.testing.assert_array_equal(b, c)
    assert est.reconstruction_error_ is dbm.reconstruction_error_
    assert est.score(X, y) > 0.9


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_fine_tuning_is_scikit_learns_fit_from_the_dbn(solver, early_stopping, digits,
                                                       monkeypatch):
    """Nothing of the step that builds the net remains: the fine-tuned MLP is
    exactly what scikit-learn's own fit gives from the same initial weights
    (its curves, counters, optimizer and random streams included)."""
    if solver == "lbfgs" and early_stopping:
        pytest.skip("L-BFGS has no early stopping")
    X, y = digits
    template = MLPClassifier(solver=solver, momentum=0.9)
    rate = 0.001 if solver == "adam" else 0.1
    est = _small(mlp=template, early_stopping=early_stopping, max_iter=8,
                 learning_rate_init=rate)
    starts = _record_fit_start(monkeypatch, MLPClassifier)
    est.fit(X, y)
    monkeypatch.undo()
    (coefs, intercepts), = starts

    # scikit-learn's fit, with its initialization replaced by those weights.
    reference = clone(est.mlp_)
    initial = list(zip(coefs, intercepts))
    monkeypatch.setattr(reference, "_init_coef", lambda *args: initial.pop(0), raising=False)
    reference.fit(X, y)
    assert not initial
    for a, b in zip(est.mlp_.coefs_ + est.mlp_.intercepts_,
                    reference.coefs_ + reference.intercepts_):
        np.testing.assert_array_equal(a, b)
    fitted = {k for k in vars(reference) if k.endswith("_")}
    assert {k for k in vars(est.mlp_) if k.endswith("_")} == fitted
    for key in fitted - {"coefs_", "intercepts_", "_best_coefs", "_best_intercepts",
                         "_label_binarizer", "_random_state", "_optimizer"}:
        np.testing.assert_equal(getattr(est.mlp_, key), getattr(reference, key), err_msg=key)
    assert est.mlp_.n_iter_ >= 1
    if solver != "lbfgs":
        assert len(est.loss_curve_) == est.n_iter_
        assert est.mlp_.t_ == est.n_iter_ * round(len(X) * (0.9 if early_stopping else 1))
        assert est.validation_scores_ is None if not early_stopping else (
            len(est.validation_scores_) == est.n_iter_)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_clone_of_the_fitted_mlp_is_the_same_net_from_random_weights(digits):
    X, y = digits
    est = _small(mlp=MLPClassifier(solver="sgd", momentum=0.5, tol=1e-3)).fit(X, y)
    params = est.mlp_.get_params()
    assert params["activation"] == "logistic" and params["hidden_layer_sizes"] == (32, 16)
    assert params["momentum"] == 0.5 and params["tol"] == 1e-3
    assert params["learning_rate_init"] == 0.2  # "auto" with SGD
    assert params["batch_size"] == auto_batch_size(len(X)) and params["max_iter"] == 5
    assert params["warm_start"] is False
    plain = clone(est.mlp_).fit(X, y)
    assert not np.allclose(plain.coefs_[0], est.mlp_.coefs_[0])


# --------------------------------------------------------------- learning
def test_fine_tuning_improves_on_the_pretrained_features(split):
    """Backpropagation beats a logistic regression on the frozen DBN's top
    layer (Hinton 2014, sec. 7: the features are adjusted for the task)."""
    X_train, X_test, y_train, y_test = split
    est = PretrainedMLPClassifier((64, 32), layer=BernoulliPoE(n_iter=10, batch_size=20),
                                  random_state=0).fit(X_train, y_train)
    frozen = LogisticRegression(max_iter=2000).fit(est.dbn_.transform(X_train), y_train)
    frozen_error = 1 - frozen.score(est.dbn_.transform(X_test), y_test)
    error = 1 - est.score(X_test, y_test)
    assert error < 0.6 * frozen_error, (error, frozen_error)
    assert error < 0.04


def test_defaults_learn_digits(split):
    X_train, X_test, y_train, y_test = split
    est = PretrainedMLPClassifier(random_state=0).fit(X_train, y_train)
    assert est.score(X_test, y_test) > 0.97
    assert est.mlp_.batch_size == auto_batch_size(len(X_train))
    assert [len(c) for c in est.reconstruction_error_] == [layer.n_iter_ for layer in
                                                           est.dbn_.layers_]


def test_regressor_learns(split):
    X_train, X_test, y_train, y_test = split
    est = PretrainedMLPRegressor((64,), layer=BernoulliPoE(n_iter=10, batch_size=20),
                                 random_state=0)
    est.fit(X_train, y_train / 9)
    assert est.score(X_test, y_test / 9) > 0.8
    assert est.predict(X_test).shape == (len(X_test),)
    assert est.loss_curve_[-1] < 0.5 * est.loss_curve_[0]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("template, rate", [(None, 0.2), (MLPClassifier(solver="adam"), 0.001),
                                            (MLPClassifier(solver="lbfgs"), 0.001)])
def test_auto_learning_rate_of_the_classifier(template, rate, digits):
    X, y = digits
    assert _small(mlp=template, max_iter=2).fit(X, y).mlp_.learning_rate_init == rate
    given = _small(mlp=template, max_iter=2, learning_rate_init=0.05).fit(X, y)
    assert given.mlp_.learning_rate_init == 0.05


def _wide_regressor(**params):
    """On the digits, a top layer of 512 units: its squared loss's curvature in
    the output weights (about 8) asks for a rate below 0.2."""
    return PretrainedMLPRegressor((64, 512), layer=BernoulliPoE(n_iter=5), max_iter=10,
                                  random_state=0).set_params(**params)


def test_regressor_auto_rate_is_the_inverse_curvature_of_its_output_layer(digits,
                                                                          monkeypatch):
    """"auto": min(0.2, 1 / lambda), lambda the largest eigenvalue of E[u u^T]
    over the net's top hidden layer u (and a 1) as fine-tuning starts, on
    1,000 rows spread over X."""
    X, y = digits
    starts = _record_fit_start(monkeypatch, MLPRegressor)
    est = _wide_regressor(max_iter=1).fit(X, y / 9)
    (coefs, intercepts), = starts
    U = X[::2]  # 1,797 rows: every second one
    assert len(U) == 899
    for W, b in zip(coefs[:-1], intercepts[:-1]):
        U = 1 / (1 + np.exp(-(U @ W + b)))
    U = np.hstack([U, np.ones((len(U), 1))])
    curvature = np.linalg.eigvalsh(U.T @ U / len(U))[-1]
    assert curvature > 5
    assert est.mlp_.learning_rate_init == pytest.approx(1 / curvature, rel=1e-6)
    assert _small(PretrainedMLPRegressor, max_iter=1).fit(X, y / 9).mlp_.learning_rate_init == 0.2


def test_regressor_that_learned_nothing_warns(split):
    """Too large a step saturates the hidden units in the first epochs, and
    the net predicts the mean: a warning says so. "auto" learns."""
    X_train, X_test, y_train, y_test = split
    with pytest.warns(ConvergenceWarning, match=r"explains almost none .* lower "
                                                r"learning_rate_init \(now 0.5\)"):
        dead = _wide_regressor(learning_rate_init=0.5).fit(X_train, y_train / 9)
    assert dead.score(X_test, y_test / 9) < 0.05
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = _wide_regressor().fit(X_train, y_train / 9)
    assert est.mlp_.learning_rate_init < 0.2
    assert est.score(X_test, y_test / 9) > 0.6


def test_regressor_multi_output(digits):
    X, y = digits
    Y = np.column_stack([y / 9, (y % 2).astype(float)])
    est = _small(PretrainedMLPRegressor).fit(X, Y)
    assert est.predict(X[:4]).shape == (4, 2)


# ------------------------------------------------------- semi-supervised
def test_unlabeled_samples_pretrain_only(digits, monkeypatch):
    X, y = digits
    y_few = y.copy()
    y_few[300:] = -1
    seen = []
    fit = MLPClassifier.fit
    monkeypatch.setattr(MLPClassifier, "fit",
                        lambda self, X, y: seen.append((len(X), set(y))) or fit(self, X, y))
    few = _small().fit(X, y_few)
    monkeypatch.undo()
    np.testing.assert_array_equal(few.classes_, np.arange(10))
    assert seen == [(300, set(range(10)))]
    # Pretraining saw every sample: the same net as with all labels.
    full = _small().fit(X, y)
    for a, b in zip(few.dbn_.layers_, full.dbn_.layers_):
        np.testing.assert_array_equal(a.components_, b.components_)
    assert few.predict(X).shape == (len(X),) and -1 not in few.predict(X)


def test_unlabeled_samples_help_when_labels_are_few(split):
    """Pretraining on the unlabeled samples too beats pretraining on the few
    labeled ones alone (sec. 7, footnote 7)."""
    X_train, X_test, y_train, y_test = split
    rng = np.random.default_rng(0)
    labeled = np.concatenate([rng.choice(np.flatnonzero(y_train == c), 5, replace=False)
                              for c in range(10)])
    y_few = np.full_like(y_train, -1)
    y_few[labeled] = y_train[labeled]
    est = PretrainedMLPClassifier((128,), layer=BernoulliPoE(n_iter=20, batch_size=20),
                                  random_state=0)
    semi = clone(est).fit(X_train, y_few)
    alone = clone(est).fit(X_train[labeled], y_train[labeled])
    assert semi.score(X_test, y_test) > alone.score(X_test, y_test) + 0.03


def test_regressor_nan_targets_are_unlabeled(digits):
    X, y = digits
    target = y / 9.0
    target[400:] = np.nan
    est = _small(PretrainedMLPRegressor).fit(X, target)
    full = _small(PretrainedMLPRegressor).fit(X, y / 9.0)
    np.testing.assert_array_equal(est.dbn_.layers_[0].components_,
                                  full.dbn_.layers_[0].components_)
    assert est.mlp_.t_ == est.n_iter_ * 400


@pytest.mark.parametrize("y_kind", ["str", "object", "shifted"])
def test_any_labels_without_minus_one(y_kind, digits):
    X, y = digits
    labels = {"str": y.astype(str), "object": y.astype(str).astype(object),
              "shifted": y + 5}[y_kind]
    est = _small().fit(X, labels)
    np.testing.assert_array_equal(est.classes_, np.unique(labels))
    assert set(est.predict(X)) <= set(labels)


def test_binary_labels_minus_one_and_one_mean_one_class_and_unlabeled(digits):
    X, y = digits
    labels = np.where(y < 5, -1, 1)
    with pytest.raises(ValueError, match=r"at least 2 classes; got 1 class"):
        _small().fit(X, labels)


# ------------------------------------------------------------------ errors
def test_no_labeled_sample_is_refused(digits):
    X, _ = digits
    est = _small()
    with pytest.raises(ValueError, match=r"no labeled sample: every label is -1.*"
                                         r"DeepBeliefNet"):
        est.fit(X, np.full(len(X), -1))
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    with pytest.raises(ValueError, match=r"no labeled sample: every target is NaN"):
        _small(PretrainedMLPRegressor).fit(X, np.full(len(X), np.nan))


def test_one_labeled_class_is_refused(digits):
    X, y = digits
    y_one = np.full_like(y, -1)
    y_one[:10] = 3
    with pytest.raises(ValueError, match=r"at least 2 classes; got 1 class.*10 labeled.*"
                                         r"Check y"):
        _small().fit(X, y_one)


def test_regressor_target_errors(digits):
    X, y = digits
    bad = (y / 9.0).astype(float)
    bad[3] = np.inf
    with pytest.raises(ValueError, match="finite targets; y contains inf"):
        _small(PretrainedMLPRegressor).fit(X, bad)
    Y = np.column_stack([y / 9.0, y / 9.0])
    Y[3, 0] = np.nan
    with pytest.raises(ValueError, match="NaN for some targets only"):
        _small(PretrainedMLPRegressor).fit(X, Y)
    with pytest.raises(ValueError, match="requires y to be passed"):
        _small(PretrainedMLPRegressor).fit(X, None)


@pytest.mark.parametrize("key, value", [("alpha", 0.01), ("max_iter", 7),
                                        ("hidden_layer_sizes", (5,)), ("batch_size", 50)])
def test_template_may_not_set_what_the_estimator_sets(key, value, digits):
    X, y = digits
    est = _small(mlp=MLPClassifier(**{key: value}))
    with pytest.raises(ValueError, match=f"template sets {key}=.*pass {key}="):
        est.fit(X, y)


def test_template_of_the_wrong_kind_is_refused(digits):
    X, y = digits
    with pytest.raises(InvalidParameterError, match="mlp"):
        _small(mlp=MLPRegressor()).fit(X, y)
    with pytest.raises(InvalidParameterError, match="mlp"):
        _small(PretrainedMLPRegressor, mlp=MLPClassifier()).fit(X, y / 9)


@pytest.mark.parametrize("cls", [PretrainedMLPClassifier, PretrainedMLPRegressor])
def test_fine_tuning_divergence_is_reported(cls, digits):
    X, y = digits
    est = _small(cls, learning_rate_init=1e8)
    with pytest.raises(TrainingDivergedError, match=r"\(fine-tuning\) diverged.*"
                                                    r"learning_rate_init \(now 1e\+08\)"):
        est.fit(X, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(est)


def test_pretraining_divergence_names_the_phase_and_layer(digits):
    X, y = digits
    est = _small(layer=BernoulliPoE(n_iter=2, learning_rate=1e8))
    with pytest.raises(TrainingDivergedError, match=r"\[PretrainedMLPClassifier\] pretraining: "
                                                    r"\[DeepBeliefNet\] layer 1: .*learning_rate"):
        est.fit(X, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(est)


# ----------------------------------------------------- outputs and search
def test_transform_is_the_fine_tuned_last_hidden_layer(digits):
    X, y = digits
    est = _small().fit(X, y)
    H = X
    for W, b in zip(est.mlp_.coefs_[:-1], est.mlp_.intercepts_[:-1]):
        H = 1 / (1 + np.exp(-(H @ W + b)))
    np.testing.assert_allclose(est.transform(X), H, rtol=1e-10, atol=1e-12)
    assert est.transform(X.astype(np.float32)).dtype == np.float32
    np.testing.assert_array_equal(est.predict_proba(X), est.mlp_.predict_proba(X))
    np.testing.assert_allclose(est.predict_log_proba(X), np.log(est.predict_proba(X)))
    assert list(est.get_feature_names_out()[:2]) == ["pretrainedmlpclassifier0",
                                                     "pretrainedmlpclassifier1"]


def test_float32_trains_in_float32(digits):
    X, y = digits
    est = _small().fit(X.astype(np.float32), y)
    assert all(W.dtype == np.float32 for W in est.mlp_.coefs_ + est.mlp_.intercepts_)


def test_grid_search_over_sizes_pretraining_and_fine_tuning(digits):
    X, y = digits
    grid = GridSearchCV(
        _small(max_iter=3),
        {"hidden_layer_sizes": [(16,), (32, 16)], "layer__n_iter": [1, 3],
         "learning_rate_init": [0.1]},
        cv=2,
    ).fit(X[:600], y[:600])
    assert len(grid.cv_results_["params"]) == 4
    best = grid.best_estimator_
    assert best.dbn_.layers_[0].n_iter_ == grid.best_params_["layer__n_iter"]
    assert best.mlp_.hidden_layer_sizes == grid.best_params_["hidden_layer_sizes"]


def test_verbose_reports_both_phases(digits, capsys):
    X, y = digits
    _small(verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert "pretraining: a DeepBeliefNet 64 -> 32 -> 16 on 1797 samples" in out
    assert re.search(r"fine-tuning by backpropagation on 1797 labeled samples: up to 5 "
                     r"epochs in minibatches of 17", out)
    assert len(re.findall(r"Iteration \d+, loss = ", out)) == 5
    assert re.search(r"fine-tuned for 5 epochs \([0-9.]+ s elapsed\)", out)
