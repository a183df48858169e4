"""UnifactorPoE: a product of "unifactor" experts for real-valued data.

Each expert is a mixture of a uniform and a factor analyser with one factor
(Hinton 2002, sec. 11): a binary latent variable chooses which, a real one
is the factor's value. Without the factor it is a unigauss expert (footnote
8), so everything but the expert's own inference, reconstruction and
gradients is ``UniformMixturePoE``'s (``_unigauss.py``); the fused
elementwise work is in ``_kernels.py`` (``factor_distances``,
``factor_residual_moments``).
"""

import math

import numpy as np

from . import _kernels
from ._math import sample_bernoulli
from ._unigauss import UniformMixturePoE


class UnifactorPoE(UniformMixturePoE):
    """Product of unifactor experts, trained by CD-1 (Hinton 2002, sec. 11).

    Expert m is ``f_m(x) = pi_m N(x | mu_m, Psi_m + a_m a_m^T) + (1 - pi_m) U(x)``:
    with probability pi_m a factor analyser with one factor, whose loading
    vector a_m gives a direction of variation in data space, diagonal
    variances Psi_m the rest; otherwise the uniform U. Its latent variables
    are the binary choice s_m and the factor's value z_m ~ N(0, 1), with
    ``x | s_m = 1, z_m ~ N(mu_m + a_m z_m, Psi_m)``. Without the factor
    (a_m = 0) it is the unigauss expert of :class:`UnigaussPoE` (footnote
    8), and everything that does not involve the factor is done as there:
    standardized coordinates, the uniform's box, the special expert 0
    (always its Gaussian, kept fixed, with no factor), the natural-gradient
    steps, annealed sampling.

    **Inference.** Given x, the choice's posterior is ``sigmoid(logit(pi_m)
    + log N(x | mu_m, Psi_m + a_m a_m^T) - log U)``, with the factor
    analyser's marginal computed in O(D) by the Woodbury identity and the
    matrix determinant lemma; given that the expert uses its factor
    analyser, the factor's posterior is Gaussian, with variance
    ``1 / (1 + a^T Psi^-1 a)`` and mean that variance times
    ``a^T Psi^-1 (x - mu)``.

    **One CD-1 update** (eq. 3.4), on every sample of a minibatch: the
    gradient of ``log f_m`` at the data; a sampled choice per expert and,
    for each expert, a factor value from its posterior; the reconstruction,
    sampled from the normalized product of the chosen experts' Gaussians
    ``N(mu_m + a_m z_m, Psi_m)``; the gradient of ``log f_m`` at the
    reconstruction, subtracted. The gradients of the factor analyser's
    log-marginal are expectations over the factor's posterior (Fisher's
    identity). The steps for the means and loadings are their gradients
    times the expert's variances (on the data's scale, as UnigaussPoE's
    means), e.g. ``r (x - mu - a zhat)`` for a mean.

    **Initialization**: as UnigaussPoE's experts, each with a small random
    loading (norm about 0.5 in standardized coordinates): a zero loading is
    a stationary point of learning (its gradient vanishes), so it must
    start off zero.

    Parameters
    ----------
    n_components : int, default=15
        Number of experts, including the special expert 0.
    learning_rate : float in (0, 1], default=0.03
        Learning rate of the CD update (per-sample average gradient), as in
        :class:`UnigaussPoE`.
    batch_size : int or "auto", default="auto"
        Number of samples per minibatch. "auto": about 1% of the training
        data, between 10 and 100 samples.
    n_iter : int or "auto", default="auto"
        Number of epochs. "auto": as many as it takes to make about 12,000
        minibatch updates (at least one epoch), as for :class:`UnigaussPoE`.
    momentum : float, default=0.9
        Momentum of the parameter updates after the warm-up.
    momentum_warmup : int, default=50
        Number of initial updates made with momentum 0.
    shuffle : bool, default=True
        Shuffle the samples before each epoch.
    random_state : int, RandomState instance or None, default=None
        Controls initialization, shuffling and sampling.
    verbose : int, default=0
        Print the training plan and per-epoch progress.

    Attributes
    ----------
    means_ : ndarray of shape (n_components, n_features)
        Means mu of the experts' factor analysers.
    loadings_ : ndarray of shape (n_components, n_features)
        Factor loadings a: each expert's direction of variation, in the
        units of the data. ``loadings_[0]`` is 0.
    variances_ : ndarray of shape (n_components, n_features)
        Diagonal variances Psi of the experts' factor analysers.
    mixing_ : ndarray of shape (n_components,)
        Probability that each expert uses its factor analyser a priori,
        pi_m; ``mixing_[0] == 1``.
    uniform_low_, uniform_high_ : ndarray of shape (n_features,)
        The box of the uniform distribution.
    n_iter_ : int
        Number of epochs trained.
    n_updates_ : int
        Number of minibatch updates.
    batch_size_ : int
        The minibatch size used.
    reconstruction_error_ : ndarray of shape (`n_iter_`,)
        Learning curve: mean squared difference, in standardized units,
        between the data and their sampled one-step reconstructions.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    UnigaussPoE : the same experts without a factor.

    References
    ----------
    G. E. Hinton. Training products of experts by minimizing contrastive
    divergence. Neural Computation 14(8), 2002 (sec. 11).

    Examples
    --------
    >>> import numpy as np
    >>> from skpoe import UnifactorPoE
    >>> X = np.random.default_rng(0).normal(size=(200, 3))
    >>> poe = UnifactorPoE(n_components=4, n_iter=5, random_state=0).fit(X)
    >>> poe.loadings_.shape
    (4, 3)
    >>> poe.transform(X).shape  # choice posteriors, then factor posterior means
    (200, 8)
    """

    # n_iter="auto": UnigaussPoE's 12,000 updates, so that the two compare at
    # equal training. 6,000 and 24,000 gave the same held-out likelihood on
    # diagonal clusters and the same novelty AUCs on edges
    # (benchmarks/RESULTS.md).
    _AUTO_UPDATES = 12000
    _PARAMS = ("_mu", "_rho", "_logit", "_loading")
    # Loadings, like means, live on the data's scale (see UnigaussPoE).
    _UNBOUNDED = ("_mu", "_velocity_mu", "_loading", "_velocity_loading")

    def _init_experts(self, Z, rng):
        super()._init_experts(Z, rng)
        M, D = self._mu.shape
        self._loading = (0.5 / math.sqrt(D) * rng.standard_normal((M, D))).astype(Z.dtype)
        self._loading[0] = 0.0  # the special expert: a fixed vague Gaussian

    def _publish(self):
        super()._publish()
        self.loadings_ = self._scale * self._loading

    # ------------------------------------------------------------- kernels
    def _posterior(self, Z, temperature=1.0):
        """Both latents' posteriors and goodness in standardized coordinates.

        "R": the choice's posterior; "zhat", "zvar": the factor's posterior
        mean and variance given the factor analyser.
        """
        dtype = Z.dtype
        precision = np.exp(self._rho)
        kappa = np.sum(precision * self._loading**2, axis=1)
        zvar = 1.0 / (1.0 + kappa)  # the factor's posterior variance
        n, M = Z.shape[0], self.n_components
        zhat, quad = np.empty((n, M), dtype=dtype), np.empty((n, M), dtype=dtype)
        _kernels.factor_distances(
            Z, *(np.ascontiguousarray(a.T, dtype=dtype)
                 for a in (self._mu, precision, self._loading)),
            zvar.astype(dtype), zhat, quad,
        )
        # log N(x | mu, Psi + a a^T): log det = -sum rho + log(1 + kappa).
        log_norm = 0.5 * (self._rho.sum(axis=1) + np.log(zvar)) - 0.5 * Z.shape[1] * math.log(
            2 * math.pi)
        R, goodness = self._choice_posterior(quad, log_norm, temperature)
        return {"R": R, "goodness": goodness, "precision": precision, "zhat": zhat,
                "zvar": zvar}

    def _reconstruct(self, post, rng, temperature=1.0):
        """Sample each expert's choice and factor value, then the normalized
        product of the chosen N(mu + a z, Psi)."""
        R, zhat = post["R"], post["zhat"]
        dtype = R.dtype
        S = sample_bernoulli(R, rng)
        factor = zhat + np.sqrt(post["zvar"] * temperature).astype(dtype) * rng.standard_normal(
            zhat.shape).astype(dtype)
        noise = rng.standard_normal(R.shape[:1] + self._mu.shape[1:]).astype(dtype)
        noise *= math.sqrt(temperature)
        out = np.empty_like(noise)
        _kernels.product_of_gaussians_sample(*self._chosen_product(S, post, factor), noise, out)
        return out

    def _chosen_product(self, S, post, factor):
        """Each chosen expert's Gaussian is N(mu + a z, Psi), z its factor."""
        precision = post["precision"]
        return (S @ precision,
                S @ (precision * self._mu) + (S * factor) @ (precision * self._loading))

    def _gradients(self, Z, post, natural=False):
        """Summed gradients of log f_m over the samples, for (mu, rho, logit, a).

        With e = x - mu, r the choice's posterior and the factor's posterior
        mean zhat and variance v: d log f / d mu = r lambda (e - a zhat),
        d log f / d a = r lambda (e zhat - a (zhat**2 + v)),
        d log f / d rho = r (1 - lambda ((e - a zhat)**2 + a**2 v)) / 2.
        With ``natural=True`` those for mu and a are multiplied by the
        variances 1 / lambda.
        """
        R, precision, zhat, zvar = post["R"], post["precision"], post["zhat"], post["zvar"]
        mu, a = self._mu, self._loading
        r_sum = R.sum(axis=0)
        Rz = R * zhat
        rz, rzz = Rz.sum(axis=0), np.sum(Rz * zhat, axis=0)
        residual = np.empty_like(mu)
        _kernels.factor_residual_moments(R, Z, mu, a, zhat, residual)
        grad_mu = R.T @ Z - r_sum[:, None] * mu - rz[:, None] * a
        grad_a = Rz.T @ Z - rz[:, None] * mu - (rzz + zvar * r_sum)[:, None] * a
        grad_rho = 0.5 * (r_sum[:, None] - precision * (residual + (zvar * r_sum)[:, None] * a**2))
        if not natural:  # the natural step is the gradient times the variance
            grad_mu *= precision
            grad_a *= precision
        return {"_mu": grad_mu, "_rho": grad_rho, "_logit": self._logit_gradient(R),
                "_loading": grad_a}

    def _features(self, post):
        return np.hstack([post["R"], post["zhat"]])

    def transform(self, X):
        """The posterior of both latent variables of every expert.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        latents : ndarray of shape (n_samples, 2 * n_components)
            Columns 0 to n_components - 1: the posterior probability that
            each expert uses its factor analyser (1 for expert 0). Columns
            n_components to 2 * n_components - 1: the posterior mean of each
            expert's factor value given that it does (in units of the
            factor's prior standard deviation; 0 for expert 0).
        """
        return self._features(self._posterior(self._standardize(X)))

    @property
    def _n_features_out(self):
        return 2 * self.n_components
