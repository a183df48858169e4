"""DeepBeliefNetClassifier: a deep belief net with labels in its top RBM (Hinton, Osindero & Teh 2006).

Its directed layers are the stack of ``_stack.BaseStack``; the top RBM, the
associative memory, is a ``BernoulliPoE`` whose visible layer ends in a
softmax group of label units (``_LabeledRBM``). Up-down fine-tuning
(sec. 5, appendix B) is written as its three steps: the wake phase, CD in
the top-level associative memory (the top RBM's own CD step) and the sleep
phase.
"""

import time
from numbers import Integral, Real

import numpy as np
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from . import _kernels
from ._base import auto_batch_size
from ._bernoulli import BernoulliPoE
from ._math import down_pass, sample_bernoulli, sigmoid_, softmax_, to_dense
from ._stack import BaseStack, check_hidden_layer_sizes
from ._validation import (
    TrainingDivergedError,
    check_not_diverged,
    check_unit_interval,
    derive_seed,
    make_generator,
    no_half_fitted_model,
    validate_input,
)


class _LabeledRBM(BernoulliPoE):
    """The top RBM of a DBN classifier: the associative memory.

    Its visible layer is the penultimate layer's units followed by one
    softmax group of ``n_labels`` label units (Hinton, Osindero & Teh 2006,
    eq. 10); everything else, the CD step included, is ``BernoulliPoE``'s.
    Built from the classifier's layer template, so its parameters have no
    defaults of their own.
    """

    _parameter_constraints: dict = {
        **BernoulliPoE._parameter_constraints,
        "n_labels": [Interval(Integral, 2, None, closed="left")],
    }

    def __init__(self, n_components, *, n_labels, learning_rate, batch_size, n_iter,
                 cd_steps, persistent, momentum, momentum_warmup, weight_decay, shuffle,
                 random_state, verbose):
        super().__init__(
            n_components, learning_rate=learning_rate, batch_size=batch_size,
            n_iter=n_iter, cd_steps=cd_steps, persistent=persistent, momentum=momentum,
            momentum_warmup=momentum_warmup, weight_decay=weight_decay, shuffle=shuffle,
            random_state=random_state, verbose=verbose,
        )
        self.n_labels = n_labels

    def _visible_probabilities(self, A, b):
        # The sigmoid runs over every column, labels included, and the label
        # group's softmax then starts again from its inputs, kept aside: the
        # kernel on the column slice A[:, :-k] (not contiguous) does not
        # vectorize, 304 against 28 us on 100 x 510 float32, once per Gibbs
        # step of up-down (benchmarks/RESULTS.md).
        k = self.n_labels
        labels = A[:, -k:] + b[-k:]
        sigmoid_(A, b)
        A[:, -k:] = softmax_(labels)
        return A

    def _label_scores(self, pen):
        """Minus the free energy of ``(pen, label)`` for each label, less the
        ``a.pen`` term they share: log p(label | pen) up to a constant."""
        k = self.n_labels
        W, c, b = self.components_, self.intercept_hidden_, self.intercept_visible_
        pre = np.ascontiguousarray(pen @ W[:, :-k].T, dtype=np.float64)
        out = np.empty((len(pen), k))
        column = np.empty(len(pen))
        for label in range(k):  # the label unit on adds its weights to the hidden bias
            bias = (c + W[:, W.shape[1] - k + label]).astype(np.float64)
            _kernels.goodness(pre, bias, np.full(len(pen), float(b[len(b) - k + label])), column)
            out[:, label] = column
        return out

    def _sample_penultimate(self, label, n_samples, n_steps, rng):
        """Binary penultimate states after ``n_steps`` of alternating Gibbs
        sampling with label unit ``label`` clamped on, from a random start."""
        k = self.n_labels
        W, c, b = self.components_, self.intercept_hidden_, self.intercept_visible_
        W_pen, b_pen = W[:, :-k], b[:-k]
        clamped = c + W[:, W.shape[1] - k + label]  # the label's input to the top units
        pen = sample_bernoulli(np.full((n_samples, W_pen.shape[1]), 0.5, W.dtype), rng)
        for _ in range(n_steps):
            top = sample_bernoulli(sigmoid_(pen @ W_pen.T, clamped), rng)
            pen = sample_bernoulli(sigmoid_(top @ W_pen, b_pen), rng)
        return pen


def _check_gibbs_steps(gibbs_steps):
    """A tuple of positive ints, or a clear ValueError."""
    try:
        steps = tuple(gibbs_steps)
    except TypeError:
        steps = ()
    if not steps or not all(isinstance(s, Integral) and s > 0 for s in steps):
        raise ValueError(
            "fine_tune_gibbs_steps must be a non-empty sequence of positive integers "
            "(the Gibbs iterations in the top RBM, rising over fine-tuning), e.g. "
            f"(3, 6, 10); got {gibbs_steps!r}."
        )
    return steps


def _delta_rule(W, b, inputs, targets, predicted, rate, scratch):
    """One delta-rule step of a sigmoid layer ``predicted = sigmoid(inputs @ W + b)``
    towards ``targets`` (Hinton, Osindero & Teh 2006, appendix B):
    ``W += rate / m * inputs.T @ (targets - predicted)``, ``b`` likewise.

    ``W`` is C-contiguous (n_inputs, n_outputs); ``predicted`` is
    overwritten by the error. Returns the summed squared error.
    """
    err = np.subtract(targets, predicted, out=predicted)
    scale = W.dtype.type(rate / len(inputs))
    grad = scratch.get(W.shape)
    if grad is None:
        grad = scratch[W.shape] = np.empty_like(W)
    _kernels.add_scaled_(W, np.dot(inputs.T, err, out=grad), scale)
    b += scale * err.sum(axis=0)
    return float(np.vdot(err, err))


class DeepBeliefNetClassifier(ClassifierMixin, BaseStack):
    """The deep belief net of Hinton, Osindero & Teh (2006), with labels at the top.

    Greedy training: each layer but the last is a :class:`BernoulliPoE`
    trained on the activities of the layer below (the stack of
    :class:`DeepBeliefNet`); the top RBM (the "associative memory") models
    the penultimate layer jointly with one softmax group of label units.
    Then optional up-down fine-tuning (contrastive wake-sleep, sec. 5 and
    appendix B): recognition and generative weights are untied; in the wake
    phase a stochastic up-pass with the recognition weights adjusts the
    generative weights; the top RBM learns by CD from the up-pass's
    penultimate probabilities, as in greedy training and at prediction
    (its own CD step, with the number of Gibbs iterations rising over
    training: 3, then 6, then 10, as in sec. 6.1); in the sleep phase a
    down-pass with the generative weights from the end of that chain
    adjusts the recognition weights.

    ``predict_proba`` uses a deterministic up-pass with the recognition
    weights, then the exact free energy of each label with the penultimate
    layer fixed (sec. 6.2): ``p(c | pen) ∝ exp(d_c + sum_j softplus(b_j +
    W_j.pen + U_jc))``.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(128, 128, 512)
        Hidden layer sizes, bottom to top; the last is the top RBM's hidden
        layer, which also sees the labels. The default is the paper's shape
        at a quarter of its width: the paper's ``(500, 500, 2000)``, made
        for MNIST, costs ten times as much per update and is worse and
        seed-sensitive on small data (digits: 0.93-0.98 in half a minute,
        against 0.96-0.97 in 3 s), and better on MNIST-sized images (MNIST
        10,000: 0.960 against 0.951). Pass it for such data and to
        reproduce the paper.
    layer : BernoulliPoE, default=None
        Template of the greedy training of every layer (cloned, with
        ``n_components`` and ``random_state`` set per layer), the top RBM
        included. None means ``BernoulliPoE()``. It must be a
        :class:`BernoulliPoE` or a subclass: the classifier reads and
        fine-tunes each layer's weights. The top RBM always uses CD (not
        PCD).
    fine_tune_epochs : int, default=0
        Epochs of up-down fine-tuning after greedy training.
    fine_tune_learning_rate : float, default=0.01
        Learning rate of the up-down updates. The directed weights learn by
        the delta rule with no momentum and no decay, as in the appendix;
        the top RBM keeps the template's momentum and weight decay.
    fine_tune_gibbs_steps : tuple of int, default=(3, 6, 10)
        Gibbs iterations in the top RBM (its ``cd_steps`` during
        fine-tuning), rising: the fine-tuning epochs are split into as many
        equal parts. Positive integers.
    batch_size : int or "auto", default="auto"
        Minibatch size of fine-tuning. "auto": about 1% of the data, between
        10 and 100 samples, as for the layers (:class:`BernoulliPoE`).
    warm_start : bool, default=False
        If True and the classifier is fitted, ``fit`` skips greedy training
        and runs ``fine_tune_epochs`` more epochs of up-down from where the
        last call stopped (the Gibbs schedule applies to this call's
        epochs), so that a long schedule can be run in pieces and watched,
        e.g. the test error after every 10 epochs. The data must have the
        same features and classes.
    random_state : int, RandomState instance or None, default=None
    verbose : int, default=0
        If positive, report each greedy layer and its epochs, and each
        fine-tuning epoch (epoch, wake-phase reconstruction error, time).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    layers_ : list of BernoulliPoE
        The directed layers, bottom to top. Their ``components_`` and
        ``intercept_hidden_`` are the recognition weights and biases (the
        up-pass is each layer's ``transform``), fine-tuned by up-down.
    generative_weights_ : list of ndarray
        Generative weights of each directed layer, bottom to top, of shape
        (n_above, n_below): copies of the layer's ``components_`` after
        greedy training, fine-tuned apart from them by up-down.
    generative_biases_ : list of ndarray
        Their biases, of the layer below: copies of each layer's
        ``intercept_visible_`` after greedy training.
    top_ : BernoulliPoE
        The top RBM, whose visible units are the penultimate layer's
        followed by one softmax group of ``n_classes`` label units
        (``top_.components_`` of shape (n_top, n_penultimate + n_classes)).
    reconstruction_error_ : list of ndarray
        The greedy learning curve of each layer, bottom to top, the top RBM
        (with the labels) last.
    fine_tune_error_ : ndarray of shape (n_fine_tune_epochs,)
        Per up-down epoch (of every ``warm_start`` call), the mean squared error of the generative weights'
        prediction of the data from the first hidden layer's wake states.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skpoe import BernoulliPoE, DeepBeliefNetClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = DeepBeliefNetClassifier((32, 64), layer=BernoulliPoE(n_iter=5),
    ...                               random_state=0).fit(X / 16, y)
    >>> clf.predict_proba(X[:2] / 16).shape
    (2, 10)
    """

    _parameter_constraints: dict = {
        **BaseStack._parameter_constraints,
        "fine_tune_epochs": [Interval(Integral, 0, None, closed="left")],
        "fine_tune_learning_rate": [Interval(Real, 0, None, closed="neither")],
        "fine_tune_gibbs_steps": ["array-like"],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "warm_start": ["boolean"],
    }

    def __init__(self, hidden_layer_sizes=(128, 128, 512), *, layer=None,
                 fine_tune_epochs=0, fine_tune_learning_rate=0.01,
                 fine_tune_gibbs_steps=(3, 6, 10), batch_size="auto", warm_start=False,
                 random_state=None, verbose=0):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.layer = layer
        self.fine_tune_epochs = fine_tune_epochs
        self.fine_tune_learning_rate = fine_tune_learning_rate
        self.fine_tune_gibbs_steps = fine_tune_gibbs_steps
        self.batch_size = batch_size
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    # ---------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=False)
    @no_half_fitted_model
    def fit(self, X, y):
        """Greedy layer-wise training, then ``fine_tune_epochs`` of up-down.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Values in [0, 1].
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : object
        """
        sizes = check_hidden_layer_sizes(self.hidden_layer_sizes)
        if len(sizes) < 2:
            raise ValueError(
                "DeepBeliefNetClassifier needs at least 2 hidden layers (the last is "
                f"the top RBM's, joined with the labels); got hidden_layer_sizes={sizes}."
            )
        gibbs_steps = _check_gibbs_steps(self.fine_tune_gibbs_steps)
        if self.warm_start and hasattr(self, "top_"):
            return self._fine_tune_more(X, y, gibbs_steps)
        X, y = validate_input(self, X, y, accept_sparse="csr", ensure_finite=False)
        check_classification_targets(y)
        self.classes_, y_index = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes; got 1 class "
                f"({self.classes_[0]!r}). Check y."
            )
        check_unit_interval(type(self).__name__, X)
        targets = np.eye(len(self.classes_), dtype=X.dtype)[y_index]
        rng = check_random_state(self.random_state)
        seeds = derive_seed(rng, size=len(sizes))

        # Greedy: the directed layers first, then the top RBM on [pen, labels].
        pen = self._fit_layers(X, sizes[:-1], seeds[:-1])
        self.top_ = self._fit_top(pen, targets, sizes[-1], seeds[-1])
        # Untied copies: up-down changes recognition and generative weights apart.
        self.generative_weights_ = [np.array(lay.components_, order="C") for lay in self.layers_]
        self.generative_biases_ = [lay.intercept_visible_.copy() for lay in self.layers_]

        self.fine_tune_error_ = np.zeros(0)
        self._fine_tune_seed = derive_seed(rng)
        self._up_down(X, targets, gibbs_steps)
        return self

    def _fine_tune_more(self, X, y, gibbs_steps):
        """``warm_start``: more up-down epochs on a fitted classifier."""
        X, y = validate_input(self, X, y, accept_sparse="csr", ensure_finite=False,
                              reset=False)
        check_unit_interval(type(self).__name__, X)
        unknown = np.setdiff1d(np.unique(y), self.classes_)
        if unknown.size:
            raise ValueError(
                f"warm_start=True continues fine-tuning on the classes seen before, "
                f"{list(self.classes_)}; y has others: {list(unknown)}. Set "
                "warm_start=False to train a new classifier."
            )
        targets = (np.asarray(y)[:, None] == self.classes_[None, :]).astype(X.dtype)
        self._up_down(X, targets, gibbs_steps)
        return self

    def _fit_top(self, pen, targets, size, seed):
        """The top RBM, trained greedily on the penultimate activities and the labels."""
        name = type(self).__name__
        template = self._layer_template().get_params(deep=False)
        top = _LabeledRBM(**{
            **{k: v for k, v in template.items() if k in _LabeledRBM._get_param_names()},
            "n_components": size, "n_labels": targets.shape[1],
            "random_state": int(seed), "persistent": False,
        })
        if self.verbose:
            print(f"[{name}] top RBM: {pen.shape[1]} + {targets.shape[1]} labels "
                  f"-> {size} units")
            top.set_params(verbose=max(self.verbose, top.verbose))
        try:
            return top.fit(np.hstack([pen, targets]))
        except TrainingDivergedError as exc:  # say which layer
            raise TrainingDivergedError(f"[{name}] top RBM: {exc}") from exc

    @property
    def reconstruction_error_(self):
        """The greedy learning curve of each layer, bottom to top, then the top RBM's."""
        return [*(layer.reconstruction_error_ for layer in self.layers_),
                self.top_.reconstruction_error_]

    # ------------------------------------------------------------ up-down
    def _up_down(self, X, targets, gibbs_steps):
        """Contrastive wake-sleep (Hinton, Osindero & Teh 2006, sec. 5, appendix B).

        Per minibatch, as in the appendix: the wake phase's stochastic
        up-pass, k Gibbs iterations of CD in the top-level associative
        memory from the wake phase (the penultimate layer's probabilities,
        see ``_top_level_cd``), the sleep phase's down-pass from the
        end of that chain; then the generative weights learn from the wake
        states and the recognition weights from the sleep states.
        """
        r = self.fine_tune_learning_rate
        batch_size = (auto_batch_size(X.shape[0]) if self.batch_size == "auto"
                      else self.batch_size)
        name = type(self).__name__
        greedy = {key: self.top_.get_params()[key] for key in ("learning_rate", "cd_steps")}
        fit_start = time.perf_counter()
        done = len(self.fine_tune_error_)
        scratch = {}  # the weight gradients' buffers, by shape
        # Overflow is caught by _check_fine_tuning with a clear error.
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                for epoch in range(self.fine_tune_epochs):
                    start_time = time.perf_counter()
                    # Gibbs iterations rise over training (sec. 6.1: 3, 6, then 10).
                    k = gibbs_steps[epoch * len(gibbs_steps) // self.fine_tune_epochs]
                    self.top_.set_params(learning_rate=r, cd_steps=k)
                    # One random stream per epoch: fine-tuning in pieces with
                    # warm_start gives the model of one longer call.
                    rng = np.random.default_rng([self._fine_tune_seed, done + epoch])
                    error = 0.0
                    order = rng.permutation(X.shape[0])
                    for start in range(0, X.shape[0], batch_size):
                        rows = order[start:start + batch_size]
                        data = np.ascontiguousarray(to_dense(X[rows]))
                        # Wake phase: binary states of every layer by a stochastic
                        # up-pass with the recognition weights (the layers').
                        wake = self._up_pass(data, rng=rng, depth=-1)
                        pen = self.layers_[-1]._hidden_probabilities(wake[-1])
                        wake.append(sample_bernoulli(pen, rng))
                        # The top-level associative memory: one CD-k update from the
                        # wake penultimate probabilities (not states: see
                        # _top_level_cd); its chain's end starts the down-pass.
                        negative_pen = self._top_level_cd(pen, targets[rows], rng)
                        # Sleep phase: a down-pass with the generative weights.
                        sleep = self._sleep_states(negative_pen, rng)
                        # Then the directed weights learn: generative from the wake
                        # states, recognition from the sleep states.
                        error += self._wake_phase_update(wake, r, scratch)
                        self._sleep_phase_update(sleep, r, scratch)
                    self._check_fine_tuning(done + epoch)
                    error /= X.shape[0] * X.shape[1]
                    self.fine_tune_error_ = np.append(self.fine_tune_error_, error)
                    if self.verbose:
                        print(f"[{name}] up-down epoch {done + epoch + 1}, Gibbs steps {k}, "
                              f"reconstruction error {error:.5f}, "
                              f"{time.perf_counter() - start_time:.2f} s "
                              f"({time.perf_counter() - fit_start:.1f} s elapsed)")
        finally:
            self.top_.set_params(**greedy)

    def _top_level_cd(self, pen, labels, rng):
        """CD in the top-level associative memory, from the wake phase.

        One update of the top RBM by its own CD step (``cd_steps`` Gibbs
        iterations, with its momentum and weight decay), on the wake
        penultimate probabilities (given the binary states below) joined
        with the labels. Returns binary penultimate states sampled from the
        end of the negative phase: where the sleep phase starts.

        Probabilities, where the paper's appendix has binary states: the
        top RBM was trained greedily on probabilities (sec. 6.1) and
        classifies them (a deterministic up-pass, sec. 6.2). Trained on
        binary states it learns another distribution than the one it is
        asked about: on the paper's MNIST protocol the test error rose from
        the greedy 3.06% to 4.1% in 5 epochs and was back under it only
        after 15; on probabilities it falls from the first epoch (2.5% after
        5, 2.2% after 20; benchmarks/RESULTS.md).
        """
        batch = np.hstack([pen, labels])
        self.top_._update(batch, rng)
        negative = self.top_._negative_visible(len(batch))
        return sample_bernoulli(negative[:, :pen.shape[1]], rng)

    def _sleep_states(self, pen, rng):
        """The sleep phase's down-pass with the generative weights, from
        binary penultimate states: every layer, bottom (visible
        probabilities) to top (``pen``)."""
        generative = list(zip(self.generative_weights_, self.generative_biases_))[::-1]
        return [pen, *down_pass(pen, generative, rng)][::-1]

    def _wake_phase_update(self, wake, r, scratch):
        """Wake-phase learning: each generative layer learns, by the delta
        rule, to predict the wake states below it from those above.

        Returns the summed squared error of its prediction of the data.
        """
        errors = [
            _delta_rule(W, b, above, below, sigmoid_(above @ W, b), r, scratch)
            for below, above, W, b in zip(
                wake[:-1], wake[1:], self.generative_weights_, self.generative_biases_)
        ]
        return errors[0]

    def _sleep_phase_update(self, sleep, r, scratch):
        """Sleep-phase learning: each layer's recognition weights learn, by
        the delta rule, to recover the sleep states above from those below."""
        for below, above, layer in zip(sleep[:-1], sleep[1:], self.layers_):
            # components_.T is C-contiguous (n_below, n_above), as the
            # generative weights are (n_above, n_below).
            _delta_rule(layer.components_.T, layer.intercept_hidden_, below, above,
                        layer._hidden_probabilities(below), r, scratch)

    def _check_fine_tuning(self, epoch):
        params = {
            **{f"layers_[{i}].components_": lay.components_
               for i, lay in enumerate(self.layers_)},
            **{f"layers_[{i}].intercept_hidden_": lay.intercept_hidden_
               for i, lay in enumerate(self.layers_)},
            **{f"generative_weights_[{i}]": W for i, W in enumerate(self.generative_weights_)},
            **{f"generative_biases_[{i}]": b for i, b in enumerate(self.generative_biases_)},
            **{f"top_.{key}": value for key, value in self.top_._state().items()},
        }
        check_not_diverged(
            f"{type(self).__name__} (up-down fine-tuning)", params,
            f"In epoch {epoch + 1}; lower fine_tune_learning_rate "
            f"(now {self.fine_tune_learning_rate}).",
        )

    # ------------------------------------------------------------ predict
    def _label_scores(self, X):
        check_is_fitted(self)
        return self.top_._label_scores(self.transform(X))

    def decision_function(self, X):
        """Minus the free energy of each label given the up-pass (sec. 6.2).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Values in [0, 1].

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes), or (n_samples,)
            For two classes, the log-odds of the second, as scikit-learn's
            classifiers do.
        """
        scores = self._label_scores(X)
        return scores[:, 1] - scores[:, 0] if len(self.classes_) == 2 else scores

    def predict_proba(self, X):
        """p(label | penultimate layer), exact, by the free energies.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Values in [0, 1].

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        return softmax_(self._label_scores(X))

    def predict(self, X):
        """The label with the lowest free energy.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Values in [0, 1].

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        scores = self._label_scores(X)
        return self.classes_[np.argmax(scores, axis=1)]

    def sample_class(self, label, n_samples=1, *, n_steps=1000, random_state=None):
        """Class-conditional fantasies: the label clamped in the top RBM (Fig. 8).

        Alternating Gibbs sampling between the top and penultimate layers
        with the label units clamped, from a random start, then a down-pass
        with the generative weights.

        Parameters
        ----------
        label : a value of ``classes_``
        n_samples : int, default=1
        n_steps : int, default=1000
        random_state : int, RandomState instance or None, default=None

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            Visible probabilities at the bottom of the down-pass.
        """
        check_is_fitted(self)
        if label not in self.classes_:
            raise ValueError(f"Unknown label {label!r}; classes_ are {list(self.classes_)}.")
        rng = make_generator(random_state)
        index = int(np.flatnonzero(self.classes_ == label)[0])
        pen = self.top_._sample_penultimate(index, n_samples, max(int(n_steps), 1), rng)
        return self._sleep_states(pen, rng)[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # A generative model of the data and labels together: on two features
        # squashed into [0, 1] (scikit-learn's blobs check) a small, briefly
        # trained net does not reach the checks' 83% training accuracy.
        tags.classifier_tags.poor_score = True
        return tags
