"""BinomialPoE: an RBM whose visible values are counts, i.e. replicated binary units.

Each visible value counts how many of ``n_trials`` binary replicas, all with
the same weights to the hidden units, are on (Hinton 2002, sec. 11; Teh &
Hinton 2001). Given the hidden states a count is Binomial(n_trials,
sigmoid(b_i + (h W)_i)); given the counts the hidden units are as in
BernoulliPoE. The CD step is BernoulliPoE's, with this kind of visible unit
(``_visible_probabilities``, ``_sample_visible``, ``_n_trials``).
"""

from numbers import Integral

import numpy as np
import scipy.sparse as sp
from scipy.special import gammaln
from sklearn.utils._param_validation import Interval, StrOptions

from ._bernoulli import BernoulliPoE
from ._math import sigmoid_

# Counts are stored as floats and sampled as int64 binomials; beyond 2**31
# a "count" is no longer a number of replicas anyone would simulate.
MAX_TRIALS = 2**31 - 1


def log_binomial_coefficients(X, n_trials):
    """Row sums of ``log C(n_trials, x)`` for counts X (dense or CSR), in float64.

    The binomial base measure of the replicated units: how many ways
    ``x`` replicas of ``n_trials`` can be on. Zero counts add nothing.
    """
    def log_choose(v):
        v = np.asarray(v, dtype=np.float64)
        return gammaln(n_trials + 1.0) - gammaln(v + 1.0) - gammaln(n_trials - v + 1.0)

    if sp.issparse(X):
        terms = sp.csr_matrix((log_choose(X.data), X.indices, X.indptr), shape=X.shape)
        return np.asarray(terms.sum(axis=1)).ravel()
    return log_choose(X).sum(axis=1)


class BinomialPoE(BernoulliPoE):
    """Product of binary experts over counts (an RBM with binomial visible units).

    Each visible value is a count in 0..``n_trials``: the number of active
    units in a set of ``n_trials`` binary replicas of one visible unit that
    all have the same weights to the hidden units (Hinton 2002, sec. 11;
    Teh & Hinton 2001). Pixel intensities 0..16 such as scikit-learn's
    digits are such data, with no scaling. Given the hidden states h, a
    count is ``Binomial(n_trials, sigmoid(b_i + (h W)_i))``; given the
    counts v, hidden unit j is on with probability
    ``sigmoid(c_j + W_j . v)``: the hidden units see the counts.

    Training is :class:`BernoulliPoE`'s CD-k (mean-field reconstruction:
    the expected counts ``n_trials * sigmoid(...)``, driven by binary hidden
    states; persistent chains draw binomial counts), with each step the one
    a BernoulliPoE would take on ``v / n_trials``: the visible statistics
    are divided by ``n_trials`` for the visible biases and by
    ``n_trials**2`` for the weights (which the hidden units see
    ``n_trials``-fold), so the same learning rate suits any ``n_trials``.

    Parameters
    ----------
    n_components : int, default=500
        Number of binary hidden units (experts).
    n_trials : int or "auto", default="auto"
        Number of replicas per visible unit: the largest count. "auto": the
        largest value of the first training data (at least 1). Counts above
        it are refused, at fit and afterwards. The value used is
        ``n_trials_``.
    learning_rate : float, default=0.1
        Learning rate of the CD update, on the scale of ``v / n_trials``
        (as :class:`BernoulliPoE`'s on data in [0, 1]).
    batch_size : int or "auto", default="auto"
        Number of samples per minibatch. "auto": about 1% of the training
        data, between 10 and 100 samples. The value used is ``batch_size_``.
    n_iter : int or "auto", default="auto"
        Number of epochs in ``fit``. "auto": as many as it takes to make
        about 6,000 minibatch updates (at least one epoch, at most 100), as for
        :class:`BernoulliPoE`. The epochs trained are ``n_iter_``.
    cd_steps : int, default=1
        Number k of alternating Gibbs steps in CD-k.
    persistent : bool, default=False
        If True, use persistent contrastive divergence: the negative phase
        continues ``batch_size`` Markov chains of binomial counts from one
        update to the next.
    momentum : float, default=0.9
        Momentum of the parameter updates after the warm-up.
    momentum_warmup : int, default=50
        Number of initial updates made with momentum 0.
    weight_decay : float, default=1e-4
        L2 penalty on the weights (not the biases), scaled by the learning rate.
    shuffle : bool, default=True
        Shuffle the samples before each epoch.
    random_state : int, RandomState instance or None, default=None
        Controls the initial weights, the shuffling and the Gibbs sampling.
        The same value gives the same model.
    verbose : int, default=0
        If positive, print the training plan and then one line per epoch.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        Weights W, per replica; row j is hidden unit j's receptive field.
    intercept_hidden_ : ndarray of shape (n_components,)
        Hidden biases c.
    intercept_visible_ : ndarray of shape (n_features,)
        Visible biases b (the log-odds of a replica being on, with h = 0).
    n_trials_ : int
        The number of replicas per visible unit (``n_trials`` resolved).
    n_iter_ : int
        Number of epochs trained (``partial_fit`` counts one per call).
    n_updates_ : int
        Number of minibatch updates made.
    batch_size_ : int
        The minibatch size used.
    reconstruction_error_ : ndarray of shape (`n_iter_`,)
        Learning curve: mean squared difference, in counts, between each
        training minibatch and its mean-field reconstruction, averaged per
        epoch, as measured during training.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    BernoulliPoE : the same model with one replica, for values in [0, 1].

    References
    ----------
    G. E. Hinton. Training products of experts by minimizing contrastive
    divergence. Neural Computation 14(8), 2002 (sec. 11).

    Y. W. Teh and G. E. Hinton. Rate-coded restricted Boltzmann machines for
    face recognition. NIPS 13, 2001.

    Examples
    --------
    >>> import numpy as np
    >>> from skpoe import BinomialPoE
    >>> X = np.array([[0, 3, 5], [1, 4, 5], [5, 0, 1], [4, 1, 0]])
    >>> poe = BinomialPoE(n_components=2, n_iter=5, random_state=0).fit(X)
    >>> poe.n_trials_
    5
    >>> poe.transform(X).shape
    (4, 2)
    >>> poe.sample(2, n_steps=10, random_state=0).shape  # counts in 0..5
    (2, 3)
    """

    _parameter_constraints: dict = {
        **BernoulliPoE._parameter_constraints,
        "n_trials": [Interval(Integral, 1, MAX_TRIALS, closed="both"), StrOptions({"auto"})],
    }

    def __init__(
        self,
        n_components=500,
        *,
        n_trials="auto",
        learning_rate=0.1,
        batch_size="auto",
        n_iter="auto",
        cd_steps=1,
        persistent=False,
        momentum=0.9,
        momentum_warmup=50,
        weight_decay=1e-4,
        shuffle=True,
        random_state=None,
        verbose=0,
    ):
        super().__init__(
            n_components, learning_rate=learning_rate, batch_size=batch_size,
            n_iter=n_iter, cd_steps=cd_steps, persistent=persistent, momentum=momentum,
            momentum_warmup=momentum_warmup, weight_decay=weight_decay, shuffle=shuffle,
            random_state=random_state, verbose=verbose,
        )
        self.n_trials = n_trials

    # -------------------------------------------------------------- domain
    def _check_domain(self, lo, hi, dtype):
        if lo < 0:
            raise ValueError(
                f"Negative values in data passed to {type(self).__name__}: it expects "
                f"counts, whole numbers in 0..n_trials; got min={lo:.4g}."
            )

    def _validate_X(self, X, *, reset):
        X = super()._validate_X(X, reset=reset)
        values = X.data if sp.issparse(X) else X
        fraction = values[values != np.floor(values)] if values.size else values
        name = type(self).__name__
        if fraction.size:
            raise ValueError(
                f"{name} expects counts, whole numbers in 0..n_trials; got "
                f"{fraction.flat[0]:.6g}. Round them first (e.g. np.rint(X)), or "
                "scale values in [0, 1] for BernoulliPoE."
            )
        if reset:
            limit = MAX_TRIALS if self.n_trials == "auto" else self.n_trials
            source = "n_trials" if self.n_trials != "auto" else "the largest count"
        else:
            limit, source = self.n_trials_, "n_trials_ (fixed at the first fit)"
        hi = float(values.max()) if values.size else 0.0
        if hi > limit:
            raise ValueError(
                f"{name} got a count of {hi:.6g}, above {source} = {limit}. Set "
                "n_trials to the largest possible count (or 'auto', the training "
                "data's largest) and refit."
            )
        return X

    # ------------------------------------------------------ visible units
    def _init_state(self, X, rng):
        if self.n_trials == "auto":
            top = X.max() if X.shape[0] else 0
            self.n_trials_ = max(1, int(top))
        else:
            self.n_trials_ = int(self.n_trials)
        super()._init_state(X, rng)
        # Start as BernoulliPoE starts on v / n_trials: the hidden units see
        # n_trials-fold inputs.
        self.components_ /= self.n_trials_

    def _n_trials(self):
        return self.n_trials_

    def _visible_probabilities(self, A, b):
        """E[v | h] = n_trials * sigmoid(A + b), in place."""
        sigmoid_(A, b)
        A *= A.dtype.type(self.n_trials_)
        return A

    def _sample_visible(self, P, rng, *, out=None):
        """Binomial counts with means P."""
        k = self.n_trials_
        counts = rng.binomial(k, np.clip(np.asarray(P, dtype=np.float64) / k, 0.0, 1.0))
        if out is None:
            return counts.astype(P.dtype)
        out[...] = counts
        return out

    # ----------------------------------------------------------- inference
    def transform(self, X):
        """Hidden activation probabilities P(h = 1 | v), given the counts.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Counts, whole numbers in 0..``n_trials_``.

        Returns
        -------
        H : ndarray of shape (n_samples, n_components)
            ``sigmoid(X @ components_.T + intercept_hidden_)``, X's dtype.
        """
        return super().transform(X)

    def score_samples(self, X):
        """Goodness of each count vector: log p(v) up to the constant log Z.

        The exact negative free energy with the binomial base measure,
        ``sum_i log C(n, v_i) + b . v + sum_j softplus(c_j + W_j . v)``
        with ``n = n_trials_``: the log of the sum over hidden states of
        the unnormalized joint probability, whose replicas give each count
        ``C(n, v_i)`` ways to happen. Deterministic.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Counts, whole numbers in 0..``n_trials_``.

        Returns
        -------
        goodness : ndarray of shape (n_samples,)
            Same dtype as X.
        """
        X = self._check_fitted_X(X)
        goodness = self._free_energy(X)
        goodness += log_binomial_coefficients(X, self.n_trials_).astype(X.dtype)
        return goodness

    def log_partition(
        self, method="auto", *, n_betas=14500, n_chains=100, X=None,
        random_state=0, return_std=False,
    ):
        """The log of the partition function Z over all count vectors.

        ``score_samples(X) - log_partition()`` is the normalized log p(v).
        Z sums ``exp(goodness)`` over the ``(n_trials_ + 1)**n_features``
        count vectors; given the hidden states the counts sum out, so the
        exact value enumerates the hidden states only:
        ``log Z = logsumexp_h [c.h + n * sum_i softplus(b_i + (h W)_i)]``.

        Parameters
        ----------
        method : {"auto", "exact", "ais"}, default="auto"
            "exact" enumerates the 2**n_components hidden states (at most
            20 hidden units); "ais" runs annealed importance sampling from a
            base-rate model of binomial counts; "auto" picks "exact" when
            it is feasible.
        n_betas : int, default=14500
            Number of inverse temperatures of AIS (denser near 1).
        n_chains : int, default=100
            Number of independent AIS runs.
        X : array-like of shape (n_samples, n_features), default=None
            Counts whose means define the base-rate model; by default the
            means of the training data, kept at fit.
        random_state : int, RandomState instance or None, default=0
            Seed of AIS; fixed by default so that repeated calls agree.
        return_std : bool, default=False
            Also return the standard error of the estimate (0.0 for "exact").

        Returns
        -------
        log_z : float
        log_z_std : float
            Only with ``return_std=True``.
        """
        return super().log_partition(
            method, n_betas=n_betas, n_chains=n_chains, X=X, random_state=random_state,
            return_std=return_std,
        )

    def score(self, X, y=None):
        """Mean normalized log-likelihood per sample, ``score_samples - log Z``.

        As :meth:`BernoulliPoE.score`: exact when the hidden layer has at
        most 20 units, else by AIS with :meth:`log_partition`'s defaults.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Counts, whole numbers in 0..``n_trials_``.
        y : Ignored

        Returns
        -------
        score : float
        """
        return super().score(X, y)

    def reconstruct(self, X):
        """Deterministic mean-field reconstruction: the expected counts.

        ``n_trials_ * sigmoid(P(h|v) @ W + b)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Counts, whole numbers in 0..``n_trials_``.

        Returns
        -------
        X_recon : ndarray of shape (n_samples, n_features)
            Expected counts (real numbers in [0, ``n_trials_``]), X's dtype.
        """
        return super().reconstruct(X)

    def gibbs(self, X, random_state=None):
        """One step of alternating Gibbs sampling, v -> h -> v.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Counts to start from.
        random_state : int, RandomState instance or None, default=None
            Seed of the sampling.

        Returns
        -------
        V : ndarray of shape (n_samples, n_features)
            Counts drawn from ``Binomial(n_trials_, sigmoid(b + h W))``,
            h ~ P(h | X).
        """
        return super().gibbs(X, random_state)

    def sample(self, n_samples=1, *, n_steps=1000, random_state=None):
        """Fantasies from the model by prolonged alternating Gibbs sampling.

        Each chain starts from counts ``Binomial(n_trials_, 1/2)`` and runs
        ``n_steps`` full Gibbs steps.

        Parameters
        ----------
        n_samples : int, default=1
            Number of independent chains.
        n_steps : int, default=1000
            Number of v -> h -> v steps per chain.
        random_state : int, RandomState instance or None, default=None
            Seed of the sampling; the same value gives the same fantasies.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            The counts at the last step.
        """
        return self._fantasies(n_samples, n_steps, random_state)[0]
