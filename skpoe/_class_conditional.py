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
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from ._bernoulli import BernoulliPoE
from ._validation import no_half_fitted_model, validate_input


def _layer_scores(model, X):
    """Goodness features of one class model: one column per layer."""
    if hasattr(model, "layer_scores"):
        return model.layer_scores(X)
    return model.score_samples(X)[:, None]


def _shifts(X, image_shape):
    """X and its four translations by one pixel (zeros shifted in)."""
    images = (X.toarray() if hasattr(X, "toarray") else np.asarray(X)).reshape(-1, *image_shape)
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
    * an integer K: **cross-fitting**. For each of K stratified folds, class
      models trained on the other folds score the fold; the final estimator
      trains on these out-of-fold scores of every sample. All K sets of class
      models are kept, and new data get the average of their K scores. (Not
      a refit on all the data, as ``TargetEncoder`` does: goodness is
      unnormalized and its scale moves with the amount of training data, so
      a final estimator fitted on fold models' scores does not transfer to
      refit models; on digits that tripled the error.) K trainings, every
      sample used by both stages, K times the scoring cost.

    ``fit_transform(X, y)`` returns scores that no class model saw during
    its training: it always cross-fits, with K = ``cv`` folds or
    ``round(1 / cv)`` for a fraction, and keeps those K sets of models, so
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
    cv : float in (0, 1) or int >= 2, default=0.2
        Holdout fraction, or number of cross-fitting folds; see above.
    n_jobs : int, default=None
        Number of class models trained at once (joblib; works with any
        joblib backend, including dask's). Each trains with one BLAS
        thread, so the fitted model is the same for any ``n_jobs``.
    random_state : int, RandomState instance or None, default=None
        Seeds the split and the class models.
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
        "cv": [Interval(Real, 0, 1, closed="neither"), Interval(Integral, 2, None, closed="left")],
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

    def _setup(self, y, rng):
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
        # Cross-fitting: K folds, or 1/cv for a holdout fraction (fit_transform);
        # never more folds than the smallest class has samples.
        n_folds = self.cv if isinstance(self.cv, Integral) else round(1 / self.cv)
        n_folds = max(2, min(n_folds, counts.min()))
        seeds = rng.randint(np.iinfo(np.int32).max, size=len(self.classes_))
        return y_index, seeds, n_folds

    def _train(self, X, y_index, seeds, score_rows):
        """Class models trained on ``X[y_index == c]`` minus ``score_rows``.

        ``score_rows`` (bool mask or None): samples held out of the class
        models' training and scored by all of them.
        """
        estimator = BernoulliPoE() if self.estimator is None else self.estimator
        train = np.ones(len(y_index), bool) if score_rows is None else ~score_rows
        X_score = None if score_rows is None else X[score_rows]
        jobs = (
            delayed(_fit_class_model)(
                estimator, X[train & (y_index == c)], seed, X_score, self.image_shape
            )
            for c, seed in enumerate(seeds)
        )
        start = time.perf_counter()
        results = Parallel(n_jobs=self.n_jobs, verbose=self.verbose)(jobs)
        models = [m for m, _ in results]
        if self.verbose:
            print(f"[{type(self).__name__}] trained {len(models)} class models on "
                  f"{int(train.sum())} samples in {time.perf_counter() - start:.2f} s")
        scores = None if score_rows is None else np.hstack([s for _, s in results])
        return models, scores

    def _out_of_fold_scores(self, X, y_index, seeds, n_folds, rng):
        """Scores of every sample by class models that did not train on it.

        Returns the scores and the K lists of fold models.
        """
        folds = StratifiedKFold(n_folds, shuffle=True, random_state=rng.randint(2**31))
        scores, fold_models = None, []
        for _, test in folds.split(np.zeros(len(y_index)), y_index):
            rows = np.zeros(len(y_index), bool)
            rows[test] = True
            models, fold_scores = self._train(X, y_index, seeds, rows)
            fold_models.append(models)
            if scores is None:
                scores = np.empty((len(y_index), fold_scores.shape[1]), fold_scores.dtype)
            scores[test] = fold_scores
        return scores, fold_models

    def _finish(self, scores, y_index, model_sets):
        """Keep the class models (one list per fold) and fit the final estimator."""
        self.estimators_ = model_sets
        self.n_layers_ = scores.shape[1] // len(self.classes_)
        final = self.final_estimator
        if final is None:
            final = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        self.final_estimator_ = clone(final).fit(scores, self.classes_[y_index])
        totals = scores.reshape(len(scores), len(self.classes_), self.n_layers_).sum(-1)
        self.offsets_ = np.array(
            [np.median(totals[y_index == c, c]) for c in range(len(self.classes_))]
        )

    # ------------------------------------------------------------------- API
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Train the class models in parallel, then the final estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : object
        """
        self._fit(X, y, return_scores=False)
        return self

    @no_half_fitted_model
    def _fit(self, X, y, return_scores):
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
        y_index, seeds, n_folds = self._setup(y, rng)
        if isinstance(self.cv, Integral) or return_scores:
            # Cross-fitting. fit_transform always takes this path: the next
            # step must be trained and applied on scores of the same models.
            scores, fold_models = self._out_of_fold_scores(X, y_index, seeds, n_folds, rng)
            self._finish(scores, y_index, fold_models)
        else:
            _, held_out = train_test_split(
                np.arange(len(y_index)), test_size=self.cv, stratify=y_index,
                random_state=rng.randint(2**31),
            )
            rows = np.zeros(len(y_index), bool)
            rows[held_out] = True
            models, held_scores = self._train(X, y_index, seeds, rows)
            self._finish(held_scores, y_index[rows], [models])
        return scores if return_scores else None

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
            Ignored; accepted for scikit-learn's transformer API.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes * n_layers)
        """
        if y is None:
            raise ValueError(f"{type(self).__name__}.fit_transform needs y (the classes).")
        return self._fit(X, y, return_scores=True)

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
