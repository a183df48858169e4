"""Novelty detection by a threshold on goodness (Hinton 2002, sec. 9)."""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin, _fit_context, clone
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted

from ._bernoulli import BernoulliPoE
from ._validation import no_half_fitted_model, validate_input


class PoENoveltyDetector(OutlierMixin, BaseEstimator):
    """Novelty detection: a PoE trained on normal data, one threshold on goodness.

    A product of experts scores each sample by its goodness, log p(x) up to
    the constant log Z. Trained on normal data only, it gives novel data low
    goodness; one threshold then separates the two (Hinton 2002, sec. 9).
    The threshold is set, as in scikit-learn's outlier detectors, so that a
    fraction ``contamination`` of the training samples falls below it.

    Parameters
    ----------
    estimator : estimator with ``fit`` and ``score_samples``, default=None
        The density model, cloned at fit. None means ``BernoulliPoE()``.
        Any skpoe model works, and so does a Pipeline ending in one, e.g.
        ``make_pipeline(MinMaxScaler(clip=True), BernoulliPoE())`` for data
        not already in [0, 1].
    contamination : float in (0, 0.5], default=0.1
        Expected fraction of training samples below the threshold. The
        paper instead fits the threshold on a few labelled abnormal cases:
        do that with ``score_samples`` and, e.g.,
        ``sklearn.model_selection.TunedThresholdClassifierCV``.

    Attributes
    ----------
    estimator_ : estimator
        The fitted density model.
    offset_ : float
        The threshold on goodness: ``decision_function = score_samples - offset_``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from skpoe import BernoulliPoE, PoENoveltyDetector
    >>> rng = np.random.default_rng(0)
    >>> normal = (rng.random((200, 16)) < [0.9] * 8 + [0.1] * 8).astype(float)
    >>> detector = PoENoveltyDetector(BernoulliPoE(8, random_state=0)).fit(normal)
    >>> detector.predict(np.array([[1.0] * 8 + [0.0] * 8, [0.0] * 8 + [1.0] * 8]))
    array([ 1, -1])
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "score_samples"]), None],
        "contamination": [Interval(Real, 0, 0.5, closed="right")],
    }

    def __init__(self, estimator=None, *, contamination=0.1):
        self.estimator = estimator
        self.contamination = contamination

    @_fit_context(prefer_skip_nested_validation=False)
    @no_half_fitted_model
    def fit(self, X, y=None):
        """Fit the density model on normal data and set the threshold.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Normal (inlier) training data.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : object
        """
        X = validate_input(self, X, accept_sparse="csr")
        estimator = BernoulliPoE() if self.estimator is None else self.estimator
        self.estimator_ = clone(estimator).fit(X)
        scores = self.estimator_.score_samples(X)
        self.offset_ = float(np.percentile(scores, 100.0 * self.contamination))
        return self

    def score_samples(self, X):
        """Goodness of each sample under the fitted model (higher: more normal).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_input(self, X, accept_sparse="csr", reset=False)
        return self.estimator_.score_samples(X)

    def decision_function(self, X):
        """Goodness minus the threshold: negative for novelties.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        """+1 for normal samples, -1 for novelties.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        return np.where(self.decision_function(X) >= 0, 1, -1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(BernoulliPoE() if self.estimator is None else self.estimator)
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.positive_only = inner.input_tags.positive_only
        return tags
