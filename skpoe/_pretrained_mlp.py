"""PretrainedMLPClassifier and PretrainedMLPRegressor: a deep belief net fine-tuned by backpropagation.

Hinton (2014, sec. 7): a stack of RBMs trained greedily on the inputs
(``DeepBeliefNet``), read bottom-up, is a feedforward net of logistic units;
with a final layer of outputs added, backpropagation fine-tunes the whole.
The pretraining starts backpropagation "in a good region of the space", and
since it learns from the inputs alone it can use unlabeled data.

The backpropagation is scikit-learn's: this module pretrains, hands the
weights over to an ``MLPClassifier`` or ``MLPRegressor``
(:func:`_mlp_from_dbn`) and lets it fine-tune.
"""

import time
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    ClassNamePrefixFeaturesOutMixin,
    RegressorMixin,
    TransformerMixin,
    _fit_context,
    clone,
    is_classifier,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_consistent_length, check_is_fitted

from ._base import auto_batch_size
from ._bernoulli import BernoulliPoE
from ._dbm import DeepBoltzmannMachine
from ._dbn import DeepBeliefNet
from ._math import sigmoid_
from ._stack import SIZES_OR_AUTO, resolve_hidden_layer_sizes
from ._validation import (
    TrainingDivergedError,
    check_not_diverged,
    check_unit_interval,
    derive_seed,
    no_half_fitted_model,
    validate_input,
)

_STOCHASTIC_SOLVERS = ("sgd", "adam")


def _sorted_indices(X):
    """A CSR matrix with sorted indices (a sorted copy if need be, so that the
    caller's is left as it is), as the PoEs take it; arrays as they are.

    The MLP's sparse products sum in index order: the same matrix with its
    indices in another order would give another model in the last bits.
    """
    return X.sorted_indices() if sp.issparse(X) and not X.has_sorted_indices else X


def _recognition_layers(model):
    """``[(W, b), ...]``: the weights (n_in, n_out) and biases of each layer of
    the feedforward net that a pretrained model's bottom-up pass is.

    A DeepBeliefNet's layers as they are; a DeepBoltzmannMachine's with every
    layer's input doubled but the top's (the pass that starts its mean
    field, standing in for the missing input from above).
    """
    if isinstance(model, DeepBoltzmannMachine):
        top = len(model.components_) - 1
        return [((1.0 if k == top else 2.0) * W.T, b)
                for k, (W, b) in enumerate(zip(model.components_, model.intercepts_hidden_))]
    return [(layer.components_.T, layer.intercept_hidden_) for layer in model.layers_]


def _spread_rows(X, n=1000):
    """At most ``n`` rows of X, evenly spaced (no random draw)."""
    return X[:: -(-X.shape[0] // n)]


def _top_hidden_layer(mlp, X):
    """The top hidden layer's activities of an MLP of logistic units, in X's dtype."""
    H = X
    for W, b in zip(mlp.coefs_[:-1], mlp.intercepts_[:-1]):
        A = np.ascontiguousarray(safe_sparse_dot(H, W.astype(X.dtype, copy=False)))
        H = sigmoid_(A, b.astype(A.dtype))
    return H


def _mlp_from_dbn(mlp, dbn, X, y, rng, **partial_fit_params):
    """Make the unfitted ``mlp`` a net whose hidden layers are those of the
    pretrained ``dbn`` (or DBM), ready for ``mlp.fit`` to fine-tune it;
    returns ``mlp``.

    scikit-learn builds a net (its layers, output units, classes and
    learning curves) in the first call of ``fit`` or ``partial_fit``, and a
    later ``fit`` with ``warm_start=True`` trains the ``coefs_`` and
    ``intercepts_`` it finds, with a new optimizer. So: one ``partial_fit``
    on one sample builds the net (with a stochastic solver and without early
    stopping, the settings ``partial_fit`` needs); then every weight and bias
    is set, and the curves and counters that call started are reset to those
    of a new net with the MLP's own settings, so that nothing of it remains.

    Hidden layer k gets the weights ``layers_[k].components_.T`` and the
    hidden biases ``layers_[k].intercept_hidden_`` of the DBN (copies, in
    X's dtype; a DBM's from ``_recognition_layers``). The output layer is drawn as scikit-learn draws a layer
    feeding logistic units: uniform in +-sqrt(2 / (fan_in + fan_out))
    (Glorot & Bengio 2010), from ``rng``.
    """
    own = mlp.get_params()
    solver = own["solver"] if own["solver"] in _STOCHASTIC_SOLVERS else "sgd"
    mlp.set_params(solver=solver, early_stopping=False, batch_size="auto", verbose=False)
    mlp.partial_fit(X[:1], y[:1], **partial_fit_params)
    mlp.set_params(**{key: own[key] for key in ("solver", "early_stopping", "batch_size",
                                                "verbose")}, warm_start=True)

    for k, (W, b) in enumerate(_recognition_layers(dbn)):
        mlp.coefs_[k] = np.array(W, dtype=X.dtype, order="C")
        mlp.intercepts_[k] = np.array(b, dtype=X.dtype)
    fan_in, fan_out = mlp.coefs_[-1].shape
    bound = np.sqrt(2.0 / (fan_in + fan_out))
    mlp.coefs_[-1] = rng.uniform(-bound, bound, (fan_in, fan_out)).astype(X.dtype)
    mlp.intercepts_[-1] = rng.uniform(-bound, bound, fan_out).astype(X.dtype)

    # What scikit-learn's first fit would have started (MLP's _initialize).
    mlp.t_ = 0
    mlp.n_iter_ = 0
    if own["solver"] in _STOCHASTIC_SOLVERS:
        mlp.loss_curve_ = []
        early = own["early_stopping"]
        mlp.validation_scores_ = [] if early else None
        mlp.best_validation_score_ = -np.inf if early else None
        mlp.best_loss_ = None if early else np.inf
    else:  # L-BFGS keeps no curves
        for name in ("loss_curve_", "validation_scores_", "best_validation_score_",
                     "best_loss_"):
            delattr(mlp, name)
    return mlp


class _BasePretrainedMLP(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """What the classifier and the regressor share: pretraining, the hand-over
    to scikit-learn's MLP, fine-tuning, ``transform`` and the tags.

    A subclass gives its default fine-tuning net (``_default_mlp``), how it
    reads X and y and which samples are labeled (``_validate_fit``), and
    what the MLP's first ``partial_fit`` needs (``_partial_fit_params``).
    """

    # MLP settings this estimator sets itself: a template must leave them
    # at their defaults (or set the same value), so that none is lost silently.
    _OWN_MLP_PARAMS = ("hidden_layer_sizes", "learning_rate_init", "alpha", "batch_size",
                       "max_iter", "early_stopping")

    _parameter_constraints: dict = {
        "hidden_layer_sizes": SIZES_OR_AUTO,
        "layer": [BernoulliPoE, None],
        "pretraining": [StrOptions({"dbn", "dbm"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(self, hidden_layer_sizes="auto", *, layer=None, pretraining="dbn",
                 mlp=None, learning_rate_init="auto", alpha=2e-4, batch_size="auto",
                 max_iter=40, early_stopping=False, random_state=None, verbose=0):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.layer = layer
        self.pretraining = pretraining
        self.mlp = mlp
        self.learning_rate_init = learning_rate_init
        self.alpha = alpha
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.early_stopping = early_stopping
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ input
    def _validate(self, X, *, reset):
        """X: finite, 2-D, CSR allowed, float32/float64 kept, in [0, 1]."""
        X = validate_input(self, X, accept_sparse="csr", reset=reset, ensure_finite=False)
        check_unit_interval(type(self).__name__, X)
        return _sorted_indices(X)

    def _fine_tuning_net(self, sizes, n_labeled, seed):
        """A new MLP: the template (or the default) with this estimator's settings."""
        template = self._default_mlp() if self.mlp is None else self.mlp
        defaults = type(template)().get_params()
        for key in self._OWN_MLP_PARAMS:
            value = template.get_params()[key]
            if value != defaults[key] and value != getattr(self, key):
                raise ValueError(
                    f"The mlp template sets {key}={value!r}, which "
                    f"{type(self).__name__} sets itself: pass {key}={value!r} to "
                    f"{type(self).__name__} instead."
                )
        batch_size = auto_batch_size(n_labeled) if self.batch_size == "auto" else self.batch_size
        own_rate = {} if self.learning_rate_init == "auto" else {
            "learning_rate_init": self.learning_rate_init}
        return clone(template).set_params(
            hidden_layer_sizes=sizes, activation="logistic", alpha=self.alpha,
            batch_size=min(batch_size, n_labeled), max_iter=self.max_iter,
            early_stopping=self.early_stopping, random_state=seed,
            verbose=bool(self.verbose) or template.verbose, **own_rate,
        )

    def _auto_learning_rate(self, mlp, X):
        """``learning_rate_init="auto"`` for the net ``mlp`` as pretrained:
        with SGD, the subclass's rate (``_sgd_learning_rate``); with another
        solver, the template's own (scikit-learn's 0.001 for Adam)."""
        if mlp.solver != "sgd":
            return mlp.learning_rate_init
        return self._sgd_learning_rate(mlp, X)

    # --------------------------------------------------------------- training
    @_fit_context(prefer_skip_nested_validation=False)
    @no_half_fitted_model
    def fit(self, X, y):
        """Pretrain a deep belief net on all of X, then fine-tune it on the labeled samples.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data, values in [0, 1]. Every sample, labeled or not,
            pretrains the net.
        y : array-like of shape (n_samples,)
            Targets; the unlabeled samples are marked (see the class's
            description) and only pretrain.

        Returns
        -------
        self : object
        """
        X, y, labeled = self._validate_fit(X, y)
        sizes = resolve_hidden_layer_sizes(self.hidden_layer_sizes, X.shape[1], (1, 1),
                                           widest=256)
        name = type(self).__name__
        seeds = derive_seed(check_random_state(self.random_state), size=3)

        start = time.perf_counter()
        kind = {"dbn": DeepBeliefNet, "dbm": DeepBoltzmannMachine}[self.pretraining]
        if self.verbose:
            print(f"[{name}] pretraining: a {kind.__name__} "
                  f"{' -> '.join(map(str, (X.shape[1], *sizes)))} on {X.shape[0]} samples")
        pretrained = kind(sizes, layer=self.layer, random_state=int(seeds[0]),
                          verbose=self.verbose)
        try:
            pretrained.fit(X)
        except TrainingDivergedError as exc:  # say which phase
            raise TrainingDivergedError(f"[{name}] pretraining: {exc}") from exc
        for attribute in ("dbn_", "dbm_"):  # (a refit may change the kind)
            self.__dict__.pop(attribute, None)
        setattr(self, f"{self.pretraining}_", pretrained)

        X_labeled, y_labeled = (X, y) if labeled.all() else (X[labeled], y[labeled])
        mlp = self._fine_tuning_net(sizes, len(y_labeled), int(seeds[1]))
        if self.verbose:
            print(f"[{name}] fine-tuning by backpropagation on {len(y_labeled)} labeled "
                  f"samples: up to {mlp.max_iter} epochs in minibatches of {mlp.batch_size} "
                  f"({time.perf_counter() - start:.1f} s elapsed)")
        warm_start = mlp.warm_start
        _mlp_from_dbn(mlp, pretrained, X_labeled, y_labeled, np.random.default_rng(seeds[2]),
                      **self._partial_fit_params(y_labeled))
        if self.learning_rate_init == "auto":
            mlp.set_params(learning_rate_init=self._auto_learning_rate(mlp, X_labeled))
        # max_iter is the planned training length (as n_iter is for the PoEs),
        # not the cap of a solver that is expected to converge before it.
        with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
            warnings.simplefilter("ignore", ConvergenceWarning)
            try:
                mlp.fit(X_labeled, y_labeled)
            except ValueError:  # non-finite weights: say it is divergence, and why
                self._check_not_diverged(mlp)
                raise
        self._check_not_diverged(mlp)
        self._check_learned(mlp, X_labeled, y_labeled)
        self.mlp_ = mlp.set_params(warm_start=warm_start)
        if self.verbose:
            print(f"[{name}] fine-tuned for {mlp.n_iter_} epochs "
                  f"({time.perf_counter() - start:.1f} s elapsed)")
        return self

    def _check_not_diverged(self, mlp):
        """TrainingDivergedError if fine-tuning made a weight or the loss
        non-finite, or a hidden weight or bias huge. The output layer works
        on the targets' scale, so only its finiteness is checked."""
        arrays = {f"mlp_.coefs_[{k}]": W for k, W in enumerate(mlp.coefs_)}
        arrays.update({f"mlp_.intercepts_[{k}]": b for k, b in enumerate(mlp.intercepts_)})
        arrays["mlp_.loss_curve_"] = np.asarray(getattr(mlp, "loss_curve_", [mlp.loss_]))
        last = len(mlp.coefs_) - 1
        check_not_diverged(
            f"{type(self).__name__} (fine-tuning)", arrays,
            f"Lower learning_rate_init (now {mlp.learning_rate_init:g}).",
            unbounded=(f"mlp_.coefs_[{last}]", f"mlp_.intercepts_[{last}]", "mlp_.loss_curve_"),
        )

    def _check_learned(self, mlp, X, y):
        """A warning where the fine-tuned net plainly learned nothing (the
        regressor's); nothing by default."""

    # ------------------------------------------------------------- fitted state
    @property
    def reconstruction_error_(self):
        """The pretraining's learning curve: each layer's, bottom to top
        (``dbn_``'s), or the joint training's (``dbm_``'s)."""
        return getattr(self, f"{self.pretraining}_").reconstruction_error_

    @property
    def loss_curve_(self):
        """The fine-tuning's loss after each epoch (``mlp_.loss_curve_``)."""
        return self.mlp_.loss_curve_

    @property
    def validation_scores_(self):
        """With early stopping, the held-out score after each epoch, else None."""
        return self.mlp_.validation_scores_

    @property
    def n_iter_(self):
        """Epochs of fine-tuning (``mlp_.n_iter_``)."""
        return self.mlp_.n_iter_

    @property
    def hidden_layer_sizes_(self):
        """The hidden layers' sizes used, "auto" resolved (the fitted net's)."""
        return tuple(W.shape[1] for W in self.mlp_.coefs_[:-1])

    # ---------------------------------------------------------------- outputs
    def transform(self, X):
        """The last hidden layer of the fine-tuned net: its logistic units' activities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Values in [0, 1].

        Returns
        -------
        H : ndarray of shape (n_samples, hidden_layer_sizes[-1])
            Same dtype as X (float32 or float64).
        """
        check_is_fitted(self)
        return _top_hidden_layer(self.mlp_, self._validate(X, reset=False))

    def predict(self, X):
        """Predictions of the fine-tuned net.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Values in [0, 1].

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        check_is_fitted(self)
        return self.mlp_.predict(self._validate(X, reset=False))

    @property
    def _n_features_out(self):
        return self.mlp_.coefs_[-1].shape[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class PretrainedMLPClassifier(ClassifierMixin, _BasePretrainedMLP):
    """A deep belief net fine-tuned by backpropagation as a classifier (Hinton 2014, sec. 7).

    First a :class:`DeepBeliefNet` is trained greedily on all of X,
    labeled or not (pretraining); then its layers, read bottom-up, become
    the hidden layers of a scikit-learn ``MLPClassifier`` of logistic units
    (layer k's weights ``components_.T`` and hidden biases
    ``intercept_hidden_``), an output layer is added (softmax, or logistic
    for two classes, initialized as scikit-learn does), and the MLP's own
    backpropagation fine-tunes the whole net on the labeled samples.

    Semi-supervised learning, as in ``SelfTrainingClassifier`` and
    ``LabelSpreading``: samples whose label is -1 are unlabeled; they take
    part in the pretraining only.

    Parameters
    ----------
    hidden_layer_sizes : int, tuple of int or "auto", default="auto"
        Units of each hidden layer, bottom to top: the DBN's layers and the
        MLP's hidden layers. "auto": ``(256, 256)`` from 128 inputs up
        (MNIST's 784 among them), two layers of ``2 * n_features`` below
        (``(128, 128)`` for the 8x8 digits: the same accuracy as ``(256,
        256)`` there, 0.980-0.987 over seeds, in half the time). The sizes
        used are ``hidden_layer_sizes_``.
    layer : BernoulliPoE, default=None
        Template of the pretraining's layers, as for :class:`DeepBeliefNet`
        (cloned per layer with ``n_components`` and ``random_state`` set):
        its ``n_iter`` is the pretraining epochs of each layer. None means
        ``BernoulliPoE()``: its "auto" training length, about 6,000
        minibatch updates per layer.
    pretraining : {"dbn", "dbm"}, default="dbn"
        The pretrained model whose bottom-up pass initializes the net: a
        :class:`DeepBeliefNet` (Hinton & Salakhutdinov 2006), or a
        :class:`DeepBoltzmannMachine` (Salakhutdinov & Hinton 2009), whose
        layers below the top start with their weights doubled, as its mean
        field starts. ``layer`` is the template of its RBMs in both cases.
    mlp : MLPClassifier, default=None
        Template of the fine-tuning net, for the settings this estimator
        does not set itself (``solver``, ``momentum``, ``learning_rate``
        schedule, ``n_iter_no_change``, ``tol``, ``validation_fraction``,
        ...). It is cloned, with ``activation="logistic"`` (the DBN's units),
        ``random_state`` drawn from this estimator's and
        ``hidden_layer_sizes``, ``learning_rate_init``, ``alpha``,
        ``batch_size``, ``max_iter`` and ``early_stopping`` from the
        parameters below (the template must leave those at their defaults).
        None means ``MLPClassifier(solver="sgd", momentum=0.9)``.
    learning_rate_init : float or "auto", default="auto"
        The fine-tuning's learning rate. "auto": 0.2 with SGD (the default
        solver), the template's own with another (scikit-learn's 0.001 for
        Adam); the rate used is ``mlp_.learning_rate_init``. With
        ``alpha=2e-4``, SGD at 0.2 takes the steps that minibatches of half
        the size take at 0.1 and half the ``alpha`` (the same loss curve), at
        the cost of the larger minibatches: on MNIST, ``(500, 500, 2000)``,
        1.16-1.20% test error over five seeds against 1.12-1.27% at 0.1 and
        1e-4 (benchmarks/RESULTS.md).
    alpha : float, default=2e-4
        L2 penalty of the fine-tuning (scikit-learn's ``alpha``).
    batch_size : int or "auto", default="auto"
        Minibatch size of the fine-tuning. "auto": about 1% of the labeled
        samples, between 10 and 100 (as the PoEs' "auto"); an int is used as
        given (at most the number of labeled samples).
    max_iter : int, default=40
        Epochs of fine-tuning (fewer if the MLP's stopping rule, ``tol`` for
        ``n_iter_no_change`` epochs, ends it first). Fine-tuning a pretrained
        net needs about as many epochs whatever the data size: on MNIST the
        test error stops falling after 35 to 40, on the 8x8 digits sooner.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the labeled samples (the
        template's, 10% by default), stop when their score stops improving
        and keep the best net (scikit-learn's early stopping).
    random_state : int, RandomState instance or None, default=None
        Seeds the pretraining, the output layer's initialization and the
        fine-tuning; the same value gives the same model.
    verbose : int, default=0
        If positive, report the pretraining's layers and epochs and the
        fine-tuning's epochs (scikit-learn's lines).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels seen in fit (without -1).
    dbn_ : DeepBeliefNet
        The pretrained net, before fine-tuning (``pretraining="dbn"``).
    dbm_ : DeepBoltzmannMachine
        The pretrained model, before fine-tuning (``pretraining="dbm"``).
    mlp_ : MLPClassifier
        The fine-tuned net; ``clone(mlp_)`` is the same MLP from a random
        initialization.
    hidden_layer_sizes_ : tuple of int
        The hidden layers' sizes used ("auto" resolved).
    reconstruction_error_ : list of ndarray
        The pretraining's learning curve of each layer (``dbn_``'s).
    loss_curve_ : list of float
        The fine-tuning's training loss after each epoch (``mlp_``'s; not
        kept by ``solver="lbfgs"``).
    validation_scores_ : list of float or None
        With ``early_stopping``, the held-out accuracy after each epoch.
    n_iter_ : int
        Epochs of fine-tuning.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    PretrainedMLPRegressor : The same for regression.
    DeepBeliefNetClassifier : A DBN fine-tuned generatively (up-down).

    Notes
    -----
    ``partial_fit`` is not offered: pretraining trains whole layers one
    after another on all the data, which a pass over one chunk cannot do.
    To go on fine-tuning with more labeled data, call
    ``mlp_.partial_fit``.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skpoe import BernoulliPoE, PretrainedMLPClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> y_few = y.copy()
    >>> y_few[200:] = -1  # 200 labels; the other samples only pretrain
    >>> clf = PretrainedMLPClassifier((64, 64), layer=BernoulliPoE(n_iter=5),
    ...                               random_state=0).fit(X / 16, y_few)
    >>> clf.predict(X[:3] / 16).shape
    (3,)
    >>> clf.transform(X[:3] / 16).shape
    (3, 64)
    """

    _parameter_constraints: dict = {
        **_BasePretrainedMLP._parameter_constraints,
        "mlp": [MLPClassifier, None],
    }

    def _default_mlp(self):
        return MLPClassifier(solver="sgd", momentum=0.9)

    def _sgd_learning_rate(self, mlp, X):
        """0.2 (see ``learning_rate_init``)."""
        return 0.2

    def _validate_fit(self, X, y):
        """X and y checked, and the mask of labeled samples (label not -1)."""
        name = type(self).__name__
        X, y = validate_input(self, X, y, accept_sparse="csr", ensure_finite=False)
        check_classification_targets(y)
        labeled = ~(y == -1) if y.dtype.kind in "biufO" else np.ones(len(y), dtype=bool)
        if not labeled.any():
            raise ValueError(
                f"{name} got no labeled sample: every label is -1, the mark of an "
                "unlabeled sample. Label some samples; to learn from X alone, use "
                "DeepBeliefNet."
            )
        self.classes_ = np.unique(y[labeled])
        if len(self.classes_) < 2:
            raise ValueError(
                f"{name} needs labeled samples of at least 2 classes; got 1 class "
                f"({self.classes_[0]!r}) among {labeled.sum()} labeled samples. Check y."
            )
        check_unit_interval(name, X)
        return _sorted_indices(X), y, labeled

    def _partial_fit_params(self, y):
        return {"classes": self.classes_}

    def predict_proba(self, X):
        """Class probabilities of the fine-tuned net.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Values in [0, 1].

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        return self.mlp_.predict_proba(self._validate(X, reset=False))

    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Values in [0, 1].

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        return self.mlp_.predict_log_proba(self._validate(X, reset=False))


class PretrainedMLPRegressor(RegressorMixin, _BasePretrainedMLP):
    """A deep belief net fine-tuned by backpropagation as a regressor (Hinton 2014, sec. 7).

    As :class:`PretrainedMLPClassifier`, with scikit-learn's
    ``MLPRegressor`` (identity outputs, squared error) fine-tuning the
    pretrained net. Samples whose targets are NaN are unlabeled: they take
    part in the pretraining only. Scale the targets (e.g. with
    ``sklearn.compose.TransformedTargetRegressor``) as for any MLP.

    Parameters
    ----------
    hidden_layer_sizes : int, tuple of int or "auto", default="auto"
        Units of each hidden layer, bottom to top. "auto": ``(256, 256)``
        from 128 inputs up, two layers of ``2 * n_features`` below (see
        :class:`PretrainedMLPClassifier`).
    layer : BernoulliPoE, default=None
        Template of the pretraining's layers (see
        :class:`PretrainedMLPClassifier`).
    pretraining : {"dbn", "dbm"}, default="dbn"
        The pretrained model whose bottom-up pass initializes the net: a
        :class:`DeepBeliefNet`, or a :class:`DeepBoltzmannMachine` (its
        layers below the top start with their weights doubled).
    mlp : MLPRegressor, default=None
        Template of the fine-tuning net (see
        :class:`PretrainedMLPClassifier`). None means
        ``MLPRegressor(solver="sgd", momentum=0.9)``.
    learning_rate_init : float or "auto", default="auto"
        The fine-tuning's learning rate. "auto", with SGD (the default
        solver): 0.2, or ``1 / lambda`` where that is smaller, ``lambda``
        being the largest eigenvalue of ``E[u u^T]`` over the pretrained
        net's top hidden layer ``u`` (and a 1 for the output's bias), the
        curvature of the squared loss in the output weights. A step much
        beyond it saturates the hidden units in the first epochs and the
        net predicts the mean (on 10,000 MNIST images: R^2 0.00 at 0.1,
        0.77-0.79 at "auto"); a ``ConvergenceWarning`` says so when it happens.
        With another solver, the template's own rate. The rate used is
        ``mlp_.learning_rate_init``.
    alpha : float, default=2e-4
        L2 penalty of the fine-tuning.
    batch_size : int or "auto", default="auto"
        Minibatch size of the fine-tuning; "auto": about 1% of the labeled
        samples, between 10 and 100.
    max_iter : int, default=40
        Epochs of fine-tuning.
    early_stopping : bool, default=False
        scikit-learn's early stopping on held-out labeled samples (R^2).
    random_state : int, RandomState instance or None, default=None
    verbose : int, default=0

    Attributes
    ----------
    dbn_ : DeepBeliefNet
        The pretrained net, before fine-tuning (``pretraining="dbn"``).
    dbm_ : DeepBoltzmannMachine
        The pretrained model, before fine-tuning (``pretraining="dbm"``).
    mlp_ : MLPRegressor
        The fine-tuned net.
    hidden_layer_sizes_ : tuple of int
        The hidden layers' sizes used ("auto" resolved).
    reconstruction_error_ : list of ndarray
        The pretraining's learning curve of each layer.
    loss_curve_ : list of float
        The fine-tuning's training loss after each epoch.
    validation_scores_ : list of float or None
        With ``early_stopping``, the held-out R^2 after each epoch.
    n_iter_ : int
        Epochs of fine-tuning.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    PretrainedMLPClassifier : The same for classification, with the details.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from skpoe import BernoulliPoE, PretrainedMLPRegressor
    >>> X, y = load_digits(return_X_y=True)
    >>> target = (y / 9.0).astype(float)
    >>> target[500:] = np.nan  # unlabeled: they only pretrain
    >>> reg = PretrainedMLPRegressor((32,), layer=BernoulliPoE(n_iter=5),
    ...                              random_state=0).fit(X / 16, target)
    >>> reg.predict(X[:2] / 16).shape
    (2,)
    """

    _parameter_constraints: dict = {
        **_BasePretrainedMLP._parameter_constraints,
        "mlp": [MLPRegressor, None],
    }

    def _default_mlp(self):
        return MLPRegressor(solver="sgd", momentum=0.9)

    def _sgd_learning_rate(self, mlp, X):
        """0.2, or ``1 / lambda`` where that is smaller: ``lambda`` is the
        curvature of the squared loss in each output's weights, the largest
        eigenvalue of ``E[u u^T]`` (``u``: the pretrained net's top hidden
        layer, and a 1 for the output's bias). Beyond a step of about ``3.8 /
        lambda`` SGD with momentum 0.9 overshoots, and the first epochs'
        large errors saturate the hidden units for good: on 10,000 MNIST
        images with 256 top units (``lambda`` 26) the net learned nothing at
        0.1 (R^2 0.00) and reached 0.77-0.79 at ``1 / lambda``
        (benchmarks/RESULTS.md). A softmax's bounded errors spare the
        classifier this. Estimated on at most 1,000 samples spread over X.
        """
        U = _top_hidden_layer(mlp, _spread_rows(X))
        U = np.hstack([U, np.ones((len(U), 1), U.dtype)]).astype(np.float64)
        k = U.shape[1]
        curvature = scipy.linalg.eigvalsh(U.T @ U / len(U), subset_by_index=[k - 1, k - 1])[0]
        return min(0.2, 1.0 / curvature)

    def _check_learned(self, mlp, X, y):
        """ConvergenceWarning if the net predicts its training targets no
        better than their mean does (R^2 <= 0.05 on up to 1,000 of them)."""
        r2 = mlp.score(_spread_rows(X), _spread_rows(y))
        if r2 <= 0.05:
            warnings.warn(
                f"{type(self).__name__}: the fine-tuned net explains almost none of "
                f"its training targets' variance (R^2 {r2:.3f} on training "
                f"samples). Either X says little of y, or fine-tuning was too short "
                f"(max_iter={mlp.max_iter}), or its learning rate too large for the "
                f"targets' scale, which saturates the hidden units in the first "
                f"epochs: lower learning_rate_init (now {mlp.learning_rate_init:g}) "
                f"or scale y.",
                ConvergenceWarning,
            )

    def _validate_fit(self, X, y):
        """X and y checked, and the mask of labeled samples (targets not NaN)."""
        name = type(self).__name__
        if y is None:  # as scikit-learn says it, before X is looked at
            raise ValueError(f"{name} requires y to be passed, but the target y is None.")
        X = self._validate(X, reset=True)
        y = check_array(y, ensure_2d=False, dtype="numeric", ensure_all_finite=False,
                        input_name="y")
        check_consistent_length(X, y)
        missing = np.isnan(y).reshape(len(y), -1)
        if np.isinf(y).any():
            raise ValueError(
                f"{name} needs finite targets; y contains inf. Drop those samples first, "
                "or mark them unlabeled with NaN."
            )
        if (missing.any(axis=1) & ~missing.all(axis=1)).any():
            raise ValueError(
                f"{name}: some samples have NaN for some targets only. A sample is "
                "unlabeled when all its targets are NaN; fill or drop the others."
            )
        labeled = ~missing[:, 0]
        if not labeled.any():
            raise ValueError(
                f"{name} got no labeled sample: every target is NaN, the mark of an "
                "unlabeled sample. Give some targets; to learn from X alone, use "
                "DeepBeliefNet."
            )
        return X, y, labeled

    def _partial_fit_params(self, y):
        return {}
