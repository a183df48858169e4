"""One PoE (or stack) per class; their goodness scores feed a final classifier.

Hinton (2002, sec. 9-9.1) and Mayraz & Hinton (2002): each class model
scores every image by goodness (log probability up to its own log Z), and a
logistic regression learns from those scores, on data the class models did
not train on, how to turn them into a decision.
"""

import time
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, _fit_context, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, check_cv, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from ._bernoulli import BernoulliPoE
from ._math import to_dense
from ._validation import derive_seed, no_half_fitted_model, validate_input


def _layer_scores(model, X):
    """Goodness features of one class model: one column per layer."""
    if hasattr(model, "layer_scores"):
        return model.layer_scores(X)
    return model.score_samples(X)[:, None]


def _shifts(X, image_shape):
    """X and its four translations by one pixel (zeros shifted in)."""
    images = to_dense(X).reshape(-1, *image_shape)
    shifted = [images]
    for axis in (1, 2):
        for step in (1, -1):
            moved = np.roll(images, step, axis=axis)
            edge = [slice(None)] * 3
            edge[axis] = 0 if step == 1 else -1
            moved[tuple(edge)] = 0
            shifted.append(moved)
    return [image.reshape(len(X), -1) for image in shifted]


def _scores(model, X, image_shape=None):
    """Layer scores; with ``image_shape``, of the best of five normalizations.

    Model-based normalization (Mayraz & Hinton 2002, sec. 7): the model
    scores the image and its four 1-pixel translations and keeps the one it
    likes best (highest total goodness), per image.
    """
    if image_shape is None:
        return _layer_scores(model, X)
    candidates = np.stack([_layer_scores(model, x) for x in _shifts(X, image_shape)])
    best = candidates.sum(axis=2).argmax(axis=0)  # (n_samples,)
    return candidates[best, np.arange(len(best))]


def _fit_class_model(estimator, X, seed, X_score, image_shape):
    """Train one class model with one BLAS thread; score X_score with it.

    One thread whatever n_jobs is: BLAS results depend (in the last bits)
    on the thread count, and this keeps the model identical for any n_jobs.
    """
    with threadpool_limits(limits=1):
        model = clone(estimator)
        if "random_state" in model.get_params():
            model.set_params(random_state=seed)
        model.fit(X)
        scores = _scores(model, X_score, image_shape) if X_score is not None else None
    return model, scores


def _final_estimator_has(attr):
    """For ``available_if``: the final estimator has ``attr`` (the fitted
    one, else the one configured, else the default)."""

    def check(self):
        final = getattr(self, "final_estimator_", None)
        getattr(self._final_estimator() if final is None else final, attr)
        return True

    return check


class ClassConditionalPoEClassifier(ClassifierMixin, TransformerMixin, BaseEstimator):
    """A generative classifier: one PoE per class, goodness scores into a classifier.

    ``fit`` trains a clone of ``estimator`` on each class's samples, in
    parallel, and ``final_estimator`` on their goodness scores (one column
    per class and layer). Goodness on a model's own training data is
    optimistic, so the final estimator only sees scores of samples the
    class models did not train on (Mayraz & Hinton 2002 hold out 1,000 of
    5,400 images per class for it). ``cv`` picks how:

    * a fraction (default 0.2): **holdout**, the papers' protocol. That
      fraction of each class is held out; the class models train on the
      rest and are kept; the final estimator trains on the held-out scores.
    * an integer K, a cross-validation splitter or an iterable of
      (train, test) index arrays, as for scikit-learn's ``check_cv``:
      **cross-fitting**. For each fold, class models trained on its
      training part score its test part; the final estimator trains on
      these out-of-fold scores. An integer K means K stratified folds,
      shuffled with a seed drawn from ``random_state``. All K sets of class
      models are kept, and new data get the average of their K scores. (Not
      a refit on all the data, as ``TargetEncoder`` does: goodness is
      unnormalized and its scale moves with the amount of training data, so
      a final estimator fitted on fold models' scores does not transfer to
      refit models; on digits that tripled the error.) K trainings, every
      sample used by both stages, K times the scoring cost.

    Every class needs at least as many samples as there are folds: with
    fewer, ``fit`` says so rather than use fewer folds.

    ``fit_transform(X, y)`` returns scores that no class model saw during
    its training: it always cross-fits, with the folds of ``cv`` (whose test
    parts must then hold each sample exactly once) or ``round(1 / cv)``
    stratified folds for a fraction, and keeps those K sets of models, so
    that a next step is trained and applied on scores of the same models
    (with a holdout's models instead, goodness scales differ between the
    two and a pipeline's error on digits rose from 1% to 5%).
    ``fit(X, y).transform(X)`` instead
    scores X with the final class models, which trained on most of X: those
    scores are optimistic for their own classes, so a next pipeline step
    trained on them would learn to trust them too much. A Pipeline calls
    ``fit_transform``, so ``Pipeline([("poe", ClassConditionalPoEClassifier()),
    ("lr", LogisticRegression())])`` trains on honest scores.

    Parameters
    ----------
    estimator : estimator, default=None
        The class model, cloned per class: any skpoe PoE or a
        :class:`DeepBeliefNet` (one score per layer). None means
        ``BernoulliPoE()``. Its ``random_state`` is set per class from this
        classifier's.
    final_estimator : classifier, default=None
        Learns from the goodness features. None means
        ``LogisticRegression(max_iter=1000)`` on standardized features.
    cv : float in (0, 1), int >= 2, cross-validation splitter or iterable, default=0.2
        Holdout fraction (the papers' protocol), or the cross-fitting folds:
        a number of stratified folds, a splitter (its ``split`` gets X and
        the class indices), an iterable of (train, test) index arrays, or
        None for ``check_cv``'s default of 5 unshuffled stratified folds.
        See above.
    n_jobs : int, default=None
        Number of class models trained at once (joblib; works with any
        joblib backend, including dask's), over all folds and classes. Each
        trains with one BLAS thread, so the fitted model is the same for
        any ``n_jobs``.
    random_state : int, RandomState instance or None, default=None
        Seeds the holdout split or the folds of an integer ``cv``, and the
        class models.
    image_shape : tuple of int (height, width), default=None
        Model-based normalization (Mayraz & Hinton 2002, sec. 7): each class
        model scores every image and its four 1-pixel translations and keeps
        the best, so a slightly misplaced digit is judged by how well it fits
        once placed right. Costs five times the scoring; training is
        unchanged.
    verbose : int, default=0
        If positive, report each round of class-model training (passed to
        joblib's ``Parallel`` too). The class models' learning curves are
        their own ``reconstruction_error_`` (in ``estimators_``); set the
        estimator's ``verbose`` for their per-epoch progress.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    estimators_ : list of lists of fitted estimators
        One list of class models (one per class, in ``classes_`` order) for a
        holdout, K lists for K-fold cross-fitting.
    final_estimator_ : fitted classifier
    offsets_ : ndarray of shape (n_classes,)
        Median total goodness of each class model on its own held-out
        class samples, used by :meth:`score_samples`.
    n_layers_ : int
        Number of scores per class model.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skpoe import BernoulliPoE, ClassConditionalPoEClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = ClassConditionalPoEClassifier(
    ...     BernoulliPoE(16, n_iter=5, batch_size=20), random_state=0
    ... ).fit(X / 16, y)
    >>> clf.transform(X[:2] / 16).shape
    (2, 10)
    >>> clf.get_feature_names_out()[:2]
    array(['class0_layer1', 'class1_layer1'], dtype=object)
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "score_samples"]), None],
        "final_estimator": [HasMethods(["fit", "predict"]), None],
        "cv": [
            Interval(Real, 0, 1, closed="neither"),
            Interval(Integral, 2, None, closed="left"),
            "cv_object",
        ],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "image_shape": ["array-like", None],
        "verbose": ["verbose"],
    }

    def __init__(self, estimator=None, *, final_estimator=None, cv=0.2, n_jobs=None,
                 random_state=None, image_shape=None, verbose=0):
        self.estimator = estimator
        self.final_estimator = final_estimator
        self.cv = cv
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.image_shape = image_shape
        self.verbose = verbose

    # --------------------------------------------------------------- helpers
    def _validate(self, X):
        return validate_input(self, X, accept_sparse="csr", reset=False)

    def _final_estimator(self):
        if self.final_estimator is not None:
            return self.final_estimator
        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))

    def _refuse(self, method, fit_params):
        """Unknown fit parameters are an error, never silently dropped."""
        if fit_params:
            raise TypeError(
                f"{type(self).__name__}.{method} got unexpected fit parameters "
                f"{sorted(fit_params)}: it passes none to its class models or final "
                "estimator. Set their options on the estimators themselves."
            )

    def _classes(self, y):
        self.classes_, y_index = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes; got 1 "
                f"class ({self.classes_[0]!r}). Check y."
            )
        counts = np.bincount(y_index)
        if counts.min() < 2:
            raise ValueError(
                f"Class {self.classes_[np.argmin(counts)]} has 1 sample; each class "
                "needs at least 2, one to train its model and one held out for the "
                "final estimator. Add samples or drop the class."
            )
        return y_index

    def _folds(self, X, y_index, rng, cross_fit):
        """The (train, test) index pairs: one holdout split, or the cross-fitting folds.

        A fraction ``cv`` gives the holdout split, or with ``cross_fit``
        (fit_transform) ``round(1 / cv)`` folds; an integer ``cv`` gives
        that many shuffled stratified folds; anything else is a splitter or
        an iterable of splits, through ``check_cv``.
        """
        seed = derive_seed(rng)
        if isinstance(self.cv, Real) and not isinstance(self.cv, Integral) and not cross_fit:
            folds = [train_test_split(
                np.arange(len(y_index)), test_size=self.cv, stratify=y_index,
                random_state=seed,
            )]
        elif isinstance(self.cv, Real):  # an int, or a fraction's folds for fit_transform
            n_folds = self.cv if isinstance(self.cv, Integral) else round(1 / self.cv)
            self._check_class_sizes(y_index, n_folds)
            folds = StratifiedKFold(n_folds, shuffle=True, random_state=seed).split(X, y_index)
        else:
            folds = check_cv(self.cv, y_index, classifier=True).split(X, y_index)
        # Rows in the data's order: a class model trains on its rows as they come.
        folds = [(np.sort(train), np.sort(test)) for train, test in folds]
        for k, (train, _) in enumerate(folds):
            missing = np.setdiff1d(np.arange(len(self.classes_)), y_index[train])
            if missing.size:
                raise ValueError(
                    f"Fold {k} of cv leaves class {self.classes_[missing[0]]} "
                    "no training samples, so it has no class model. Use a splitter that "
                    "keeps every class in every training part, e.g. StratifiedKFold."
                )
        return folds

    def _check_class_sizes(self, y_index, n_folds):
        counts = np.bincount(y_index)
        if counts.min() < n_folds:
            raise ValueError(
                f"Class {self.classes_[np.argmin(counts)]} has {counts.min()} samples, "
                f"fewer than the {n_folds} cross-fitting folds (cv={self.cv!r}; "
                "fit_transform uses round(1 / cv) folds for a fraction): every fold "
                "must score some samples of every class. Lower cv, or add samples."
            )

    def _fit_class_models(self, X, y_index, seeds, folds):
        """Train the class models of every fold, in one ``Parallel`` call.

        For fold (train, test), class c's model trains on the rows of
        ``train`` of class c and scores the rows of ``test``. Returns one
        list of class models per fold, and each fold's scores of its test
        rows (one column per class and layer).
        """
        estimator = BernoulliPoE() if self.estimator is None else self.estimator
        jobs = (
            delayed(_fit_class_model)(
                estimator, X[train[y_index[train] == c]], seed, X[test], self.image_shape
            )
            for train, test in folds
            for c, seed in enumerate(seeds)
        )
        start = time.perf_counter()
        results = Parallel(n_jobs=self.n_jobs, verbose=self.verbose)(jobs)
        n_classes = len(seeds)
        per_fold = [results[k * n_classes:(k + 1) * n_classes] for k in range(len(folds))]
        if self.verbose:
            name = type(self).__name__
            elapsed = time.perf_counter() - start
            if len(folds) == 1:
                print(f"[{name}] trained {n_classes} class models on {len(folds[0][0])} "
                      f"samples in {elapsed:.2f} s")
            else:
                print(f"[{name}] trained {len(results)} class models ({len(folds)} folds x "
                      f"{n_classes} classes) in {elapsed:.2f} s")
        models = [[model for model, _ in fold] for fold in per_fold]
        scores = [np.hstack([score for _, score in fold]) for fold in per_fold]
        return models, scores

    def _finish(self, scores, y_index, model_sets):
        """Keep the class models (one list per fold) and fit the final estimator."""
        self.estimators_ = model_sets
        self.n_layers_ = scores.shape[1] // len(self.classes_)
        self.final_estimator_ = clone(self._final_estimator()).fit(
            scores, self.classes_[y_index]
        )
        totals = scores.reshape(len(scores), len(self.classes_), self.n_layers_).sum(-1)
        self.offsets_ = np.array(
            [np.median(totals[y_index == c, c]) for c in range(len(self.classes_))]
        )

    # ------------------------------------------------------------------- API
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Train the class models in parallel, then the final estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        **fit_params : dict
            Refused: there is nothing to pass them to. A non-empty dict
            raises a TypeError rather than being ignored.

        Returns
        -------
        self : object
        """
        self._refuse("fit", fit_params)
        self._fit(X, y, cross_fit=False)
        return self

    @no_half_fitted_model
    def _fit(self, X, y, cross_fit):
        X, y = validate_input(self, X, y, accept_sparse="csr")
        check_classification_targets(y)
        if self.image_shape is not None and (
            len(self.image_shape) != 2 or np.prod(self.image_shape) != X.shape[1]
        ):
            raise ValueError(
                f"image_shape={tuple(self.image_shape)} must be (height, width) with "
                f"height * width = n_features = {X.shape[1]}."
            )
        rng = check_random_state(self.random_state)
        y_index = self._classes(y)
        seeds = derive_seed(rng, size=len(self.classes_))
        folds = self._folds(X, y_index, rng, cross_fit)
        models, fold_scores = self._fit_class_models(X, y_index, seeds, folds)
        # The out-of-fold scores, rows in the data's order.
        tests = np.concatenate([test for _, test in folds])
        order = np.argsort(tests, kind="stable")
        rows, scores = tests[order], np.vstack(fold_scores)[order]
        self._finish(scores, y_index[rows], models)
        if not cross_fit:
            return None
        if not np.array_equal(rows, np.arange(len(y_index))):
            raise ValueError(
                "fit_transform needs folds whose test parts hold every sample exactly "
                "once (a partition, as KFold or StratifiedKFold give); those of cv do "
                "not. Use such a cv, or fit(X, y).transform(X)."
            )
        return scores

    @_fit_context(prefer_skip_nested_validation=False)
    def fit_transform(self, X, y=None, **fit_params):
        """Fit, and return out-of-fold goodness features that do not leak.

        Every row is scored by class models that did not train on it; see
        the class docstring for how this differs from ``fit(X, y).transform(X)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        **fit_params : dict
            Refused: there is nothing to pass them to. A non-empty dict
            raises a TypeError rather than being ignored.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes * n_layers)
        """
        self._refuse("fit_transform", fit_params)
        if y is None:
            raise ValueError(f"{type(self).__name__}.fit_transform needs y (the classes).")
        return self._fit(X, y, cross_fit=True)

    def transform(self, X):
        """Goodness features: one column per class and layer.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes * n_layers)
            Columns ordered class by class, layers within a class, named by
            :meth:`get_feature_names_out`.
        """
        check_is_fitted(self)
        X = self._validate(X)
        return np.mean(
            [np.hstack([_scores(model, X, self.image_shape) for model in models])
             for models in self.estimators_],
            axis=0,
        )

    def get_feature_names_out(self, input_features=None):
        """``class{label}_layer{k}`` for each class label and layer k = 1, 2, ...

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored: the output features are goodness scores, named by class
            and layer whatever the input features are called.

        Returns
        -------
        names : ndarray of str objects
        """
        check_is_fitted(self)
        return np.array(
            [f"class{c}_layer{k + 1}" for c in self.classes_ for k in range(self.n_layers_)],
            dtype=object,
        )

    @available_if(_final_estimator_has("decision_function"))
    def decision_function(self, X):
        """The final estimator's decision function on the goodness features.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
        """
        check_is_fitted(self)
        return self.final_estimator_.decision_function(self.transform(X))

    @available_if(_final_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """The final estimator's class probabilities on the goodness features.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        return self.final_estimator_.predict_proba(self.transform(X))

    def predict(self, X):
        """The final estimator's predictions on the goodness features.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        return self.final_estimator_.predict(self.transform(X))

    def score_samples(self, X):
        """How well each sample fits its best class model.

        ``max_c (G_c(x) - offsets_[c])``, where ``G_c`` is class model c's
        total goodness (summed over layers) and ``offsets_[c]`` its median on
        held-out samples of class c: each class model's scale is calibrated on
        data it did not see, so a typical member of any class scores about 0
        and samples that fit no class score far below. Use it for novelty
        detection across all classes.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        scores = self.transform(X)
        totals = scores.reshape(len(scores), len(self.classes_), self.n_layers_).sum(-1)
        return np.max(totals - self.offsets_, axis=1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner_tags = get_tags(BernoulliPoE() if self.estimator is None else self.estimator)
        tags.input_tags.sparse = inner_tags.input_tags.sparse
        tags.input_tags.positive_only = inner_tags.input_tags.positive_only
        return tags
