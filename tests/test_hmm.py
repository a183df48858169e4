"""ProductOfHMMs: kernels against enumeration of all paths, gradients against
finite differences, samplers against exact distributions, log Z against
enumeration of all sequences, hmmlearn's CategoricalHMM as a reference, the
claim of hinton2002 sec. 11.1, and the estimator's API."""

import itertools
import pickle

import numpy as np
import pytest
from scipy.special import logsumexp, softmax
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import roc_auc_score
from sklearn.utils.validation import check_is_fitted

from skpoe import ProductOfHMMs, TrainingDivergedError, _hmm_kernels
from skpoe._hmm import _gather, _softmax_gradient
from skpoe.datasets import make_trigger_sequences


def _random_model(seed=0, n_components=3, n_experts=2, n_features=3):
    """A fitted model whose logits are then set at random (nothing at its init)."""
    rng = np.random.default_rng(seed)
    X = rng.integers(n_features, size=(12, 1))
    X[0] = n_features - 1
    model = ProductOfHMMs(n_components, n_experts=n_experts, n_iter=1, random_state=seed)
    model.fit(X, lengths=[5, 7])
    for name in model._PARAMS:
        setattr(model, name, rng.normal(0, 1, getattr(model, name).shape))
    model._publish()
    return model


def _sequences(seed=0, n_features=3, lengths=(1, 2, 4, 3)):
    rng = np.random.default_rng(seed)
    symbols = rng.integers(n_features, size=sum(lengths)).astype(np.int64)
    starts = np.r_[0, np.cumsum(lengths)].astype(np.int64)
    return symbols, starts


def _paths(start, transition, emission, x):
    """Every path of one HMM through sequence x with its joint probability p(x, path)."""
    K = len(start)
    for path in itertools.product(range(K), repeat=len(x)):
        p = start[path[0]] * emission[path[0], x[0]]
        for t in range(1, len(x)):
            p *= transition[path[t - 1], path[t]] * emission[path[t], x[t]]
        yield path, p


def _enumerate(start, transition, emission, x):
    """loglik, state posteriors, and the expected start, transition and
    emission counts of one HMM on sequence x, by enumeration of all paths."""
    K, V = emission.shape
    total = 0.0
    gamma = np.zeros((len(x), K))
    counts_start, counts_trans, counts_emit = np.zeros(K), np.zeros((K, K)), np.zeros((K, V))
    for path, p in _paths(start, transition, emission, x):
        total += p
        counts_start[path[0]] += p
        for t, k in enumerate(path):
            gamma[t, k] += p
            counts_emit[k, x[t]] += p
            if t:
                counts_trans[path[t - 1], k] += p
    return (np.log(total), gamma / total, counts_start / total, counts_trans / total,
            counts_emit / total)


# ------------------------------------------------------------ the kernels
@pytest.mark.parametrize("seed", [0, 1])
def test_forward_backward_against_enumeration_of_paths(seed):
    model = _random_model(seed)
    start, transition, log_emission = model._distributions()
    emission = np.exp(log_emission)
    symbols, starts = _sequences(seed)
    out = model._forward_backward(symbols, starts, model._distributions())
    expected = {k: np.zeros_like(out[k]) for k in ("start", "transition", "emission")}
    for m in range(model.n_experts):
        for s in range(len(starts) - 1):
            x = symbols[starts[s]:starts[s + 1]]
            loglik, gamma, c_start, c_trans, c_emit = _enumerate(
                start[m], transition[m], emission[m], x)
            assert out["loglik"][s, m] == pytest.approx(loglik, rel=1e-12)
            np.testing.assert_allclose(out["posterior"][m, starts[s]:starts[s + 1]], gamma,
                                       rtol=1e-10, atol=1e-14)
            expected["start"][m] += c_start
            expected["transition"][m] += c_trans
            expected["emission"][m] += c_emit
            # the filtered posterior at the last step is the smoothed one
            np.testing.assert_allclose(out["alpha"][m, starts[s + 1] - 1], gamma[-1],
                                       rtol=1e-10)
    for key, value in expected.items():
        np.testing.assert_allclose(out[key], value, rtol=1e-10, atol=1e-14, err_msg=key)


def test_forward_does_not_underflow_on_long_sequences_and_rare_symbols():
    """Scaled recursions: 20,000 steps and output logits 600 apart stay finite."""
    model = _random_model(3)
    model._emission_logits[:, :, 0] -= 600.0  # symbol 0 about exp(-600) in every state
    symbols = np.random.default_rng(0).integers(3, size=20000).astype(np.int64)
    out = model._forward_backward(symbols, np.array([0, 20000]), model._distributions())
    assert np.isfinite(out["loglik"]).all()
    assert out["loglik"].max() < -0.99 * 600 * np.count_nonzero(symbols == 0)
    np.testing.assert_allclose(out["posterior"].sum(-1), 1.0, rtol=1e-10)


def _frequencies(draws, n_outcomes):
    return np.bincount(draws, minlength=n_outcomes) / len(draws)


def test_path_sampling_follows_the_posterior_over_paths():
    """Forward-filtering backward-sampling against p(path | x) enumerated."""
    model = _random_model(4, n_components=2, n_experts=2)
    start, transition, log_emission = model._distributions()
    x = np.array([2, 0, 1], dtype=np.int64)
    n = 20000
    symbols = np.tile(x, n)
    starts = np.arange(0, 3 * n + 1, 3, dtype=np.int64)
    alpha = model._forward_backward(symbols, starts, model._distributions(), counts=False)["alpha"]
    paths = np.empty((3 * n, 2), dtype=np.int64)
    rng = np.random.default_rng(0)
    _hmm_kernels.sample_paths(starts, transition, alpha, rng.random((3 * n, 2)), paths)
    for m in range(2):
        exact = dict(_paths(start[m], transition[m], np.exp(log_emission[m]), x))
        total = sum(exact.values())
        codes = (paths[:, m].reshape(n, 3) * [4, 2, 1]).sum(1)  # path as a binary number
        freq = _frequencies(codes, 8)
        probs = np.array([exact[tuple(int(b) for b in f"{c:03b}")] / total for c in range(8)])
        # 5 standard errors of a frequency out of n draws
        np.testing.assert_array_less(np.abs(freq - probs), 5 * np.sqrt(probs * (1 - probs) / n) + 1e-9)


def test_reconstruction_samples_the_normalized_product_of_outputs():
    model = _random_model(5, n_components=3, n_experts=3, n_features=4)
    log_emission = model._distributions()[2]
    chosen = np.array([[0, 2, 1], [1, 1, 0]])
    n = 20000
    paths = np.repeat(chosen, n, axis=0)
    out = np.empty(2 * n, dtype=np.int64)
    _hmm_kernels.sample_product_symbols(paths, log_emission, np.random.default_rng(0).random(2 * n), out)
    for row, states in enumerate(chosen):
        product = softmax(sum(log_emission[m, k] for m, k in enumerate(states)))
        freq = _frequencies(out[row * n:(row + 1) * n], 4)
        np.testing.assert_array_less(np.abs(freq - product), 5 * np.sqrt(product * (1 - product) / n) + 1e-9)


def test_draw_never_picks_a_zero_weight():
    weights = np.array([0.0, 0.3, 0.0, 0.7, 0.0])
    for u in [0.0, 0.29, 0.31, 0.999999999999]:
        assert weights[_hmm_kernels._draw(weights, u)] > 0


# -------------------------------------------------------------- gradients
def test_gradients_against_finite_differences():
    """``_softmax_gradient`` of the expected counts is d log p_m(x) / d logits."""
    model = _random_model(6)
    symbols, starts = _sequences(6)
    out = model._forward_backward(symbols, starts, model._distributions())
    start, transition, log_emission = model._distributions()
    grads = dict(zip(model._PARAMS, [
        _softmax_gradient(out["start"], start),
        _softmax_gradient(out["transition"], transition),
        _softmax_gradient(out["emission"], np.exp(log_emission)),
    ]))

    def total_loglik():
        return model._forward_backward(symbols, starts, model._distributions(),
                                       counts=False)["loglik"].sum()

    eps = 1e-6
    for name, index in [("_start_logits", (0, 1)), ("_start_logits", (1, 2)),
                        ("_transition_logits", (0, 2, 1)), ("_transition_logits", (1, 0, 0)),
                        ("_emission_logits", (1, 1, 2)), ("_emission_logits", (0, 2, 0))]:
        param = getattr(model, name)
        old = param[index]
        param[index] = old + eps
        up = total_loglik()
        param[index] = old - eps
        down = total_loglik()
        param[index] = old
        assert grads[name][index] == pytest.approx((up - down) / (2 * eps), rel=1e-6, abs=1e-8)


# ------------------------------------------------- log Z and the samplers
def _all_sequences(n_features, length):
    return np.array(list(itertools.product(range(n_features), repeat=length)), dtype=np.int64)


def _exact_log_probs(model, length):
    """log p(x) of every sequence of ``length``, by enumerating all of them."""
    everything = _all_sequences(model.n_features_, length)
    goodness = model.score_samples(everything.reshape(-1, 1), [length] * len(everything))
    return everything, goodness - logsumexp(goodness)


@pytest.mark.parametrize("length", [1, 2, 4])
def test_log_partition_against_enumeration_of_sequences(length):
    model = _random_model(7, n_components=2, n_experts=3, n_features=3)
    everything = _all_sequences(3, length)
    goodness = model.score_samples(everything.reshape(-1, 1), [length] * len(everything))
    assert model.log_partition(length) == pytest.approx(logsumexp(goodness), rel=1e-12)
    # and score is the normalized log-likelihood, summed over sequences
    k = min(5, len(everything))
    X = everything[:k].reshape(-1, 1)
    assert model.score(X, [length] * k) == pytest.approx(
        goodness[:k].sum() - k * logsumexp(goodness), rel=1e-12)


def test_log_partition_of_disagreeing_experts_does_not_underflow():
    """Twelve HMMs, each sure of a different symbol (output logits 200
    apart): at every step every joint state's sum over symbols of the
    product of outputs is below float64's range; log Z is still exact."""
    model = _random_model(11, n_components=2, n_experts=12, n_features=3)
    favourite = np.arange(12) % 3
    model._emission_logits[...] = -200.0
    model._emission_logits[np.arange(12), :, favourite] = 0.0
    everything = _all_sequences(3, 2)
    goodness = model.score_samples(everything.reshape(-1, 1), [2] * len(everything))
    assert goodness.max() < -2 * 745  # below exp's range at both steps
    assert model.log_partition(2) == pytest.approx(logsumexp(goodness), rel=1e-10)


def test_log_partition_is_refused_when_the_joint_space_is_too_large():
    model = ProductOfHMMs(4, n_experts=9, n_iter=1, random_state=0).fit([[0], [1], [2]])
    with pytest.raises(ValueError, match=r"4\*\*9 = 262144 joint states.*score_samples"):
        model.score([[0], [1]])
    with pytest.raises(ValueError, match="positive integer"):
        _random_model().log_partition(0)


def test_gibbs_sampling_reaches_the_product_distribution():
    """``sample``: prolonged Gibbs sampling against p(x) of every sequence."""
    model = _random_model(8, n_components=2, n_experts=2, n_features=3)
    everything, log_p = _exact_log_probs(model, 3)
    n = 6000
    X, states = model.sample(3, n_sequences=n, n_steps=20, random_state=0)
    assert X.shape == (3 * n, 1) and states.shape == (3 * n, 2)
    codes = (X.reshape(n, 3) * [9, 3, 1]).sum(1)
    freq = _frequencies(codes, 27)
    probs = np.exp(log_p)  # in the order of itertools.product: the same base-3 code
    assert 0.5 * np.abs(freq - probs).sum() < 0.03  # total variation distance


# --------------------------------------------------- hmmlearn as reference
def test_one_hmm_matches_hmmlearn():
    """With one expert, goodness is that HMM's log-likelihood, normalized
    (log Z_T = 0), and the posteriors are hmmlearn's."""
    hmm = pytest.importorskip("hmmlearn.hmm")
    model = _random_model(9, n_components=3, n_experts=1, n_features=3)
    reference = hmm.CategoricalHMM(3, n_features=3)
    reference.startprob_ = model.startprob_[0]
    reference.transmat_ = model.transmat_[0]
    reference.emissionprob_ = model.emissionprob_[0]
    symbols, starts = _sequences(9)
    X, lengths = symbols.reshape(-1, 1), np.diff(starts)
    expected = [reference.score(X[a:b]) for a, b in zip(starts[:-1], starts[1:])]
    np.testing.assert_allclose(model.score_samples(X, lengths), expected, rtol=1e-10)
    assert model.score(X, lengths) == pytest.approx(reference.score(X, lengths), rel=1e-10)
    assert model.log_partition(5) == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(model.predict_proba(X, lengths)[:, 0],
                               reference.predict_proba(X, lengths), rtol=1e-8, atol=1e-12)


# --------------------------------------------------------------- learning
def test_learning_raises_the_exact_likelihood_of_held_out_sequences():
    """Data from a product of two HMMs: CD-1 brings the model close to it,
    measured by the exact normalized log-likelihood (``score``)."""
    teacher = _random_model(10, n_components=2, n_experts=2, n_features=4)
    for name in teacher._PARAMS:  # a teacher with clear structure
        setattr(teacher, name, 3 * getattr(teacher, name))
    teacher._publish()
    X, _ = teacher.sample(6, n_sequences=1200, n_steps=30, random_state=0)
    lengths = [6] * 1200
    X_train, X_test = X[:1000 * 6], X[1000 * 6:]
    student = ProductOfHMMs(2, n_experts=2, n_iter=30, random_state=0)
    student.fit(X_train, lengths[:1000])
    initial = clone(student).set_params(n_iter=1, learning_rate=1e-12).fit(X_train, lengths[:1000])
    best, learned, start = (m.score(X_test, lengths[:200]) / 200
                            for m in (teacher, student, initial))
    assert learned > start + 0.8 * (best - start), (start, learned, best)


def test_a_product_of_small_hmms_learns_long_range_rules():
    """hinton2002 sec. 11.1: each small HMM can remember one trigger, so the
    product tells rule-keeping sequences from rule-breaking ones."""
    X, lengths, _ = make_trigger_sequences(500, length=16, n_pairs=2, random_state=0)
    X_test, lengths_test, broken = make_trigger_sequences(
        400, length=16, n_pairs=2, broken=0.5, random_state=1)
    model = ProductOfHMMs(3, n_experts=4, n_iter=60, random_state=0).fit(X, lengths)
    auc = roc_auc_score(~broken, model.score_samples(X_test, lengths_test))
    assert auc > 0.95


# -------------------------------------------------------------------- API
SMALL = dict(n_experts=2, n_iter=2, batch_size=5, random_state=0)


@pytest.fixture(scope="module")
def data():
    X, lengths, _ = make_trigger_sequences(30, length=8, n_pairs=1, n_background=3,
                                           random_state=0)
    return X, lengths


def _assert_unfitted(model):
    with pytest.raises(NotFittedError):
        check_is_fitted(model)


def test_fitted_attributes_are_distributions(data):
    X, lengths = data
    model = ProductOfHMMs(3, **SMALL).fit(X, lengths)
    assert model.n_features_ == 5 and model.n_features_in_ == 1
    assert model.startprob_.shape == (2, 3)
    assert model.transmat_.shape == (2, 3, 3)
    assert model.emissionprob_.shape == (2, 3, 5)
    for probabilities in (model.startprob_, model.transmat_, model.emissionprob_):
        np.testing.assert_allclose(probabilities.sum(-1), 1.0)
    assert model.n_iter_ == 2 and model.n_updates_ == 12 and model.batch_size_ == 5
    assert model.reconstruction_error_.shape == (2,)
    assert ((model.reconstruction_error_ >= 0) & (model.reconstruction_error_ <= 1)).all()
    assert model.score_samples(X, lengths).shape == (30,)
    assert model.predict_proba(X, lengths).shape == (240, 2, 3)


def test_same_seed_same_model_and_fit_equals_partial_fits(data):
    X, lengths = data
    a = ProductOfHMMs(3, **SMALL).fit(X, lengths)
    b = ProductOfHMMs(3, **SMALL).fit(X, lengths)
    np.testing.assert_array_equal(a.emissionprob_, b.emissionprob_)
    c = ProductOfHMMs(3, **SMALL).partial_fit(X, lengths).partial_fit(X, lengths)
    np.testing.assert_array_equal(a.emissionprob_, c.emissionprob_)
    np.testing.assert_array_equal(a.reconstruction_error_, c.reconstruction_error_)
    d = ProductOfHMMs(3, **{**SMALL, "random_state": 1}).fit(X, lengths)
    assert not np.allclose(a.emissionprob_, d.emissionprob_)


def test_samples_are_seeded(data):
    X, lengths = data
    model = ProductOfHMMs(3, **SMALL).fit(X, lengths)
    a = model.sample(7, n_sequences=3, random_state=0)
    b = model.sample(7, n_sequences=3, random_state=0)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert a[0].max() < model.n_features_
    with pytest.raises(ValueError, match="at least 1"):
        model.sample(0)


def test_pickle_round_trip_and_training_goes_on(data):
    X, lengths = data
    model = ProductOfHMMs(3, **SMALL).fit(X, lengths)
    loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.score_samples(X, lengths), model.score_samples(X, lengths))
    np.testing.assert_array_equal(loaded.sample(5, random_state=0)[0], model.sample(5, random_state=0)[0])
    np.testing.assert_array_equal(
        loaded.partial_fit(X, lengths).emissionprob_,
        clone(model).fit(X, lengths).partial_fit(X, lengths).emissionprob_,
    )


def test_lengths_none_is_one_sequence(data):
    X, _ = data
    model = ProductOfHMMs(3, **SMALL).fit(X)
    assert model.batch_size_ == 1 and model.n_updates_ == 2
    assert model.score_samples(X).shape == (1,)
    assert model.score_samples(X)[0] == pytest.approx(model.score_samples(X, [len(X)])[0])


def test_auto_training_length_does_not_depend_on_the_data_size(monkeypatch):
    """n_iter="auto" makes about _AUTO_UPDATES updates whatever the number of
    sequences (a tenth of them here, to keep the test quick)."""
    monkeypatch.setattr(ProductOfHMMs, "_AUTO_UPDATES", ProductOfHMMs._AUTO_UPDATES // 10)
    X, lengths, _ = make_trigger_sequences(2000, length=5, n_pairs=1, random_state=0)
    model = ProductOfHMMs(2, n_experts=2, random_state=0)
    for n_sequences, batch_size in [(500, 10), (2000, 20)]:
        model.fit(X[:5 * n_sequences], lengths[:n_sequences])
        assert model.batch_size_ == batch_size
        assert model.n_updates_ == pytest.approx(ProductOfHMMs._AUTO_UPDATES, rel=0.05)


def test_verbose_prints_the_plan_and_one_line_per_epoch(data, capsys):
    X, lengths = data
    ProductOfHMMs(3, **{**SMALL, "verbose": 1}).fit(X, lengths)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("[ProductOfHMMs] 30 sequences of 240 symbols: 2 epochs of 6")
    assert len(lines) == 3 and "epoch 2, reconstruction error" in lines[2]


@pytest.mark.parametrize("X, lengths, match", [
    ([[0.5], [1]], None, r"integer symbols.*got 0\.5 at row 0.*OrdinalEncoder"),
    ([[0], [-1]], None, r"Negative values.*min=-1.*OrdinalEncoder"),
    ([["a"], ["b"]], None, r"integer symbols.*found 'a' at row 0.*OrdinalEncoder"),
    ([[0, 1], [1, 0]], None, r"shape \(n_samples, 1\).*got 2 columns.*reshape"),
    ([[0], [1], [2]], [2, 2], r"lengths sum to 4, but X has 3 rows"),
    ([[0], [1], [2]], [3, 0], r"at least one symbol; lengths has 0"),
    ([[0], [1], [2]], [[3]], r"lengths must be a 1-D sequence of positive integers"),
    ([[0], [1], [2]], [1.5, 1.5], r"lengths must be a 1-D sequence of positive integers"),
    ([[0], [np.nan]], None, r"NaN.*SimpleImputer"),
    ([[0], [10**9]], None, r"output tables would have .*OrdinalEncoder"),
])
def test_bad_input_is_refused_with_a_fix(X, lengths, match):
    model = ProductOfHMMs(2, **SMALL)
    with pytest.raises(ValueError, match=match):
        model.fit(X, lengths)
    _assert_unfitted(model)


def test_1d_and_sparse_input_are_refused():
    import scipy.sparse as sp

    with pytest.raises(ValueError, match="(?s)Expected 2D array.*[Rr]eshape"):
        ProductOfHMMs(2, **SMALL).fit(np.array([0, 1, 2]))
    with pytest.raises(TypeError, match="dense data is required"):
        ProductOfHMMs(2, **SMALL).fit(sp.csr_matrix([[0], [1.0]]))


def test_integer_valued_floats_and_booleans_are_symbols(data):
    X, lengths = data
    a = ProductOfHMMs(3, **SMALL).fit(X, lengths)
    b = ProductOfHMMs(3, **SMALL).fit(X.astype(float), lengths.astype(float))
    np.testing.assert_array_equal(a.emissionprob_, b.emissionprob_)
    c = ProductOfHMMs(3, **SMALL).fit(X > 2, lengths)
    assert c.n_features_ == 2


def test_n_features_sets_the_alphabet(data):
    X, lengths = data
    model = ProductOfHMMs(3, n_features=9, **SMALL).fit(X, lengths)
    assert model.emissionprob_.shape == (2, 3, 9)
    assert np.isfinite(model.score_samples([[8], [7]]))
    with pytest.raises(ValueError, match="symbol 4, but n_features=3"):
        ProductOfHMMs(3, n_features=3, **SMALL).fit(X, lengths)
    fitted = ProductOfHMMs(3, **SMALL).fit(X, lengths)
    with pytest.raises(ValueError, match="fitted on symbols 0 to 4; X has symbol 6.*n_features"):
        fitted.score_samples([[6]])


def test_methods_need_a_fitted_model():
    model = ProductOfHMMs()
    for call in (lambda: model.score_samples([[0]]), lambda: model.sample(),
                 lambda: model.log_partition(3), lambda: model.predict_proba([[0]])):
        with pytest.raises(NotFittedError):
            call()


@pytest.mark.parametrize("rate", [1e4, 1e300])
def test_huge_learning_rate_is_reported_and_leaves_no_model(data, rate):
    X, lengths = data
    model = ProductOfHMMs(3, **{**SMALL, "learning_rate": rate})
    with pytest.raises(TrainingDivergedError, match="diverged.*learning_rate"):
        model.fit(X, lengths)
    _assert_unfitted(model)
    fitted = ProductOfHMMs(3, **SMALL).fit(X, lengths)
    before = fitted.emissionprob_.copy()
    with pytest.raises(TrainingDivergedError):
        fitted.set_params(learning_rate=rate).partial_fit(X, lengths)
    np.testing.assert_array_equal(fitted.emissionprob_, before)  # rolled back
    assert fitted.n_iter_ == 2


def test_gather_takes_whole_sequences_in_order():
    symbols = np.arange(10, dtype=np.int64)
    starts = np.array([0, 3, 4, 10], dtype=np.int64)
    out, new_starts = _gather(symbols, starts, np.array([2, 0]))
    np.testing.assert_array_equal(out, [4, 5, 6, 7, 8, 9, 0, 1, 2])
    np.testing.assert_array_equal(new_starts, [0, 6, 9])


def test_core_does_not_import_hmmlearn():
    """hmmlearn is an optional extra: no skpoe module imports it."""
    import ast
    from pathlib import Path

    import skpoe

    for path in Path(skpoe.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [alias.name for alias in node.names] + [getattr(node, "module", "")]
                assert not any((n or "").startswith("hmmlearn") for n in names), path.name


# What scikit-learn's checks would test with rows as samples (see test_common.py).
def test_fit_leaves_parameters_and_methods_leave_the_model_alone(data):
    import joblib

    X, lengths = data
    model = ProductOfHMMs(3, **SMALL)
    params = joblib.hash(model.get_params())
    model.fit(X, lengths)
    assert joblib.hash(model.get_params()) == params
    state = joblib.hash(vars(model))
    model.score_samples(X, lengths)
    model.predict_proba(X, lengths)
    model.score(X, lengths)
    model.log_partition(4)
    model.sample(5, random_state=0)
    assert joblib.hash(vars(model)) == state


def test_fit_is_idempotent(data):
    X, lengths = data
    model = ProductOfHMMs(3, **SMALL)
    first = model.fit(X, lengths).score_samples(X, lengths)
    np.testing.assert_array_equal(model.fit(X, lengths).score_samples(X, lengths), first)


@pytest.mark.parametrize("layout", ["memmap", "strided", "int8", "uint8", "int32", "float32",
                                    "object", "list"])
def test_memory_layouts_and_dtypes_give_the_same_model(data, layout, tmp_path):
    X, lengths = data
    if layout == "memmap":
        np.save(tmp_path / "X.npy", X)
        X_other = np.load(tmp_path / "X.npy", mmap_mode="r")
        assert not X_other.flags.writeable
    elif layout == "strided":
        X_other = np.repeat(X, 2, axis=1)[:, ::2]
        assert not X_other.flags.c_contiguous
    elif layout == "list":
        X_other = X.tolist()
    else:
        X_other = X.astype(layout)
    expected = ProductOfHMMs(3, **SMALL).fit(X, lengths)
    model = ProductOfHMMs(3, **SMALL).fit(X_other, lengths)
    np.testing.assert_array_equal(model.emissionprob_, expected.emissionprob_)
    np.testing.assert_array_equal(model.score_samples(X_other, lengths),
                                  expected.score_samples(X, lengths))


def test_bad_input_after_fit_is_refused(data):
    X, lengths = data
    model = ProductOfHMMs(3, **SMALL).fit(X, lengths)
    X_nan = X.astype(float)
    X_nan[3] = np.nan
    for method in (model.score_samples, model.predict_proba, model.score):
        with pytest.raises(ValueError, match="NaN"):
            method(X_nan, lengths)
        with pytest.raises(ValueError, match="(?s)Expected 2D array.*[Rr]eshape"):
            method(X[:, 0], lengths)
        with pytest.raises(ValueError, match="lengths sum to 240, but X has 239 rows"):
            method(X[1:], lengths)
