"""UnigaussPoE: a product of "unigauss" experts for real-valued data.

Each expert is a mixture of an axis-aligned Gaussian and a uniform over a box
around the data (Hinton 1999; Hinton 2002, sec. 4-6). The CD update is
``UniformMixturePoE._cd_step``, with the unigauss expert's posterior,
reconstruction and gradients in ``UnigaussPoE``; the fused elementwise work
is in ``_kernels.py``. ``UniformMixturePoE`` is what every expert that mixes
a uniform with a Gaussian model shares (the unifactor experts of
``_unifactor.py`` too: a unigauss expert is a unifactor expert with no
factor, Hinton 2002, footnote 8).
"""

import math
from abc import abstractmethod
from numbers import Real

import numpy as np
from scipy.special import expit
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from . import _kernels
from ._base import BasePoE
from ._math import sample_bernoulli
from ._validation import make_generator


def _center_and_scale(X):
    """Column means and standard deviations (1 for constant columns).

    In float64 and relative to each column's largest magnitude, so that data
    near 1e308 do not overflow and data near 1e-308 are not taken for
    constants.
    """
    size = np.max(np.abs(X), axis=0).astype(np.float64)
    size = np.where(size > 0, size, 1.0)
    X = X / size
    mean, std = X.mean(axis=0), X.std(axis=0)
    std = np.where(std > 1e-12, std, 1.0 / size)  # constant: scale 1
    return mean * size, std * size


class UniformMixturePoE(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BasePoE):
    """Base of the products of experts that each mix a uniform with a Gaussian model.

    What UnigaussPoE and UnifactorPoE share (see UnigaussPoE's docstring for
    the choices): the standardized coordinates, the uniform's box, the
    special expert 0, the CD-1 step with its natural-gradient steps for
    parameters on the data's scale, goodness, and annealed Gibbs sampling.
    A model supplies ``_init_experts``, ``_posterior`` (the binary choice's
    posterior and goodness, and whatever else it infers), ``_reconstruct``,
    ``_gradients`` and ``_features`` (what ``transform`` returns).
    """

    _accept_sparse = False
    # n_iter="auto" makes its updates however many epochs they take: the
    # 100-epoch limit was measured on Bernoulli models, and the grid figure
    # (2,400 points) is measured with 120 epochs.
    _AUTO_MAX_EPOCHS = None
    _parameter_constraints: dict = {
        **{k: v for k, v in BasePoE._parameter_constraints.items() if k != "weight_decay"},
        # The mean's step is learning_rate * r * (x - mu): above 1 it overshoots the data.
        "learning_rate": [Interval(Real, 0, 1, closed="right")],
    }
    _RHO_MIN, _RHO_MAX = -10.0, math.log(1e6)

    def __init__(
        self,
        n_components=15,
        *,
        learning_rate=0.03,
        batch_size="auto",
        n_iter="auto",
        momentum=0.9,
        momentum_warmup=50,
        shuffle=True,
        random_state=None,
        verbose=0,
    ):
        self.n_components = n_components
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.momentum = momentum
        self.momentum_warmup = momentum_warmup
        self.shuffle = shuffle
        self.random_state = random_state
        self.verbose = verbose

    # -------------------------------------------------------------- state
    def _init_state(self, X, rng):
        dtype = X.dtype
        center, scale = _center_and_scale(X)
        self._center, self._scale = center.astype(dtype), scale.astype(dtype)
        Z = (X - self._center) / self._scale
        lo, hi = Z.min(axis=0), Z.max(axis=0)
        width = np.maximum(1.2 * (hi - lo), 1.0)
        middle = (lo + hi) / 2
        self._box = np.stack([middle - width / 2, middle + width / 2]).astype(dtype)
        self._log_uniform = float(-np.sum(np.log(width)))
        self._init_experts(Z, rng)
        for name in self._PARAMS:
            setattr(self, "_velocity" + name, np.zeros_like(getattr(self, name)))

    def _init_experts(self, Z, rng):
        """The Gaussians' parameters, from standardized data Z."""
        M = self.n_components
        # Randomly placed at data points: in many dimensions a random point of
        # the box is tens of nats less likely than the uniform at every sample,
        # so an expert started there has zero posterior and never learns.
        self._mu = Z[rng.integers(len(Z), size=M)].astype(Z.dtype)
        self._mu[0] = 0.0  # the special expert sits on the data's mean
        self._rho = np.zeros_like(self._mu)  # unit variance: vague
        self._logit = np.zeros(M, dtype=Z.dtype)

    _PARAMS = ("_mu", "_rho", "_logit")
    # Means live where the data do: a feature that is rarely non-zero has
    # standardized values in the hundreds or more, and experts start there.
    _UNBOUNDED = ("_mu", "_velocity_mu")

    def _state(self):
        return {k: getattr(self, k) for p in self._PARAMS for k in (p, "_velocity" + p)}

    def _publish(self):
        self.means_ = self._center + self._scale * self._mu
        self.variances_ = self._scale**2 * np.exp(-self._rho)
        self.mixing_ = expit(self._logit)
        self.mixing_[0] = 1.0
        self.uniform_low_ = self._center + self._scale * self._box[0]
        self.uniform_high_ = self._center + self._scale * self._box[1]

    def _check_domain(self, lo, hi, dtype):
        # Any finite value whose square (a variance) the dtype can hold.
        limit = 1e-3 * math.sqrt(np.finfo(dtype).max)
        if max(-lo, hi) > limit:
            raise ValueError(
                f"{type(self).__name__} got values up to {max(-lo, hi):.3g} in absolute "
                f"value; their variances would overflow {np.dtype(dtype).name} (limit "
                f"{limit:.3g}). Rescale the data first, e.g. with "
                "sklearn.preprocessing.StandardScaler."
            )

    # -------------------------------------------------------------- hooks
    @abstractmethod
    def _posterior(self, Z, temperature=1.0):
        """What the experts infer from standardized Z, as a dict: "R", the
        posterior probability of each expert's Gaussian model (column 0 is
        1), "goodness" (in standardized coordinates), and what the other
        hooks need. ``temperature`` tempers every log-density term."""

    @abstractmethod
    def _reconstruct(self, post, rng, temperature=1.0):
        """Sample the experts' latent variables from ``post`` and then the
        normalized product of the chosen experts' Gaussians (its variance
        times ``temperature``)."""

    @abstractmethod
    def _gradients(self, Z, post, natural=False):
        """Sums over the samples Z of d log f_m / d parameter, by name (the
        names in _PARAMS); with ``natural=True``, the parameters on the
        data's scale get the variance-preconditioned step."""

    @abstractmethod
    def _features(self, post):
        """What ``transform`` returns, from ``post``."""

    @abstractmethod
    def _chosen_product(self, S, post, factor):
        """(P, Q): the sums of the precisions and of the precision-weighted
        means of the Gaussians of the experts chosen in S (1 = chosen), the
        unifactor experts' factors at the values ``factor``; the product is
        N(Q / P, 1 / P) per feature."""

    def _choice_posterior(self, quad, log_norm, temperature):
        """(R, goodness) from the experts' Gaussian models' log-densities
        ``log_norm - quad / 2``; see ``_kernels.unigauss_posterior``.
        Tempering divides every log-density term of the log-odds by T."""
        R = np.empty_like(quad)
        goodness = np.empty(quad.shape[0], dtype=quad.dtype)
        t = 1.0 / temperature
        _kernels.unigauss_posterior(
            quad * t, (log_norm * t).astype(quad.dtype), (self._logit * t).astype(quad.dtype),
            self._log_uniform * t, R, goodness,
        )
        return R, goodness

    def _logit_gradient(self, R):
        """Summed d log f_m / d logit_m = r_m - pi_m; 0 for expert 0."""
        pi = 1.0 / (1.0 + np.exp(-self._logit))
        grad_logit = R.sum(axis=0) - R.shape[0] * pi
        grad_logit[0] = 0.0  # expert 0 has no mixing: it always picks its Gaussian
        return grad_logit

    # ------------------------------------------------------------ training
    def _cd_step(self, batch, rng, momentum):
        """One CD-1 update on a minibatch (hinton2002 sec. 4, steps 1-3; eq. 3.4)."""
        Z = (batch - self._center) / self._scale
        post = self._posterior(Z)
        positive = self._gradients(Z, post, natural=True)
        Z_recon = self._reconstruct(post, rng)
        negative = self._gradients(Z_recon, self._posterior(Z_recon), natural=True)
        step = self.learning_rate / Z.shape[0]
        for name in self._PARAMS:
            velocity = getattr(self, "_velocity" + name)
            velocity *= momentum
            velocity += step * (positive[name] - negative[name])
            # Expert 0 stays as initialized, a vague Gaussian keeping the
            # product proper (left free, it tightens into a blob at the data's
            # centre and takes over a row of clusters).
            velocity[0] = 0.0
            getattr(self, name)[...] += velocity
        np.clip(self._rho, self._RHO_MIN, self._RHO_MAX, out=self._rho)
        return float(np.sum((Z - Z_recon) ** 2, dtype=np.float64))

    # ----------------------------------------------------------- inference
    def _standardize(self, X):
        X = self._check_fitted_X(X)
        return (X - self._center.astype(X.dtype)) / self._scale.astype(X.dtype)

    def score_samples(self, X):
        """Goodness ``sum_m log f_m(x)``: log p(x) up to the constant log Z.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        goodness : ndarray of shape (n_samples,)
        """
        Z = self._standardize(X)
        goodness = self._posterior(Z)["goodness"]
        # Densities in x are densities in z divided by prod_d scale_d, per expert.
        goodness -= self.n_components * np.sum(np.log(self._scale))
        return goodness

    def reconstruct(self, X):
        """Deterministic reconstruction: the mean of the product of the chosen Gaussians.

        The experts whose posterior probability of their Gaussian model is
        above 1/2 are chosen (expert 0 always), each factor (UnifactorPoE)
        at its posterior mean; the product of their Gaussians has the
        precision-weighted average of their means as its mean.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        X_recon : ndarray of shape (n_samples, n_features)
        """
        Z = self._standardize(X)
        post = self._posterior(Z)
        P, Q = self._chosen_product((post["R"] > 0.5).astype(Z.dtype), post, post.get("zhat"))
        return self._center + self._scale * (Q / P)

    def sample(self, n_samples=1, *, n_steps=100, anneal_from=10.0, random_state=None):
        """Samples by prolonged Gibbs sampling, with annealing (Hinton 2002, Fig. 3).

        Chains start at uniformly random points in the uniform's box. Each
        step samples every expert's latent variables from their posterior
        (its choice of Gaussian model or uniform, and what the model infers)
        and then the normalized product of the chosen Gaussians. During the
        first half of the steps the temperature falls geometrically from
        ``anneal_from`` to 1: posteriors use log-densities divided by T and
        the product Gaussian's variance is multiplied by T, so early chains
        roam widely.

        Parameters
        ----------
        n_samples : int, default=1
        n_steps : int, default=100
        anneal_from : float, default=10.0
            Starting temperature; 1 means no annealing.
        random_state : int, RandomState instance or None, default=None

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        rng = make_generator(random_state)
        n_steps = max(int(n_steps), 1)
        n_anneal = n_steps // 2 if anneal_from > 1 else 0
        temperatures = np.r_[np.geomspace(anneal_from, 1.0, n_anneal), np.ones(n_steps - n_anneal)]
        low, high = self._box
        Z = rng.uniform(low, high, size=(n_samples, len(low))).astype(self._mu.dtype)
        for T in temperatures:
            Z = self._reconstruct(self._posterior(Z, T), rng, T)
        return self._center + self._scale * Z

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class UnigaussPoE(UniformMixturePoE):
    """Product of unigauss experts, trained by CD-1 (Hinton 2002, sec. 4).

    Expert m is ``f_m(x) = pi_m N(x | mu_m, diag(sigma_m**2)) + (1 - pi_m) U(x)``.
    Expert 0 is special: it always picks its Gaussian (``pi_0 = 1``), so the
    product of the chosen Gaussians is always a proper distribution.

    Expert 0 is also kept fixed at its initial vague Gaussian (on the data's
    mean, the data's variance): it only keeps the product proper.

    One CD-1 update, on every sample of a minibatch: (1) the posterior
    probability that each expert picks its Gaussian, and the gradient of
    ``log f_m`` at the data; (2) a stochastic choice per expert, and a sample
    from the normalized product of the chosen Gaussians (precisions add,
    means are precision-weighted): the reconstruction; (3) the gradient of
    ``log f_m`` at the reconstruction, subtracted (eq. 3.4).

    **Parameterization.** Learning happens in standardized coordinates
    ``z = (x - mean) / std`` (per feature, from the first data seen; a
    constant feature gets std 1), so one learning rate suits any units.
    The parameters there are the means, the log precisions
    ``log(1 / sigma**2)`` (clipped to [-10, 13.8], i.e. variances between
    1e-6 and 2e4 in standardized units, so a constant feature stays finite)
    and the mixing logits ``log(pi / (1 - pi))``: all unconstrained. The
    step for a mean is its gradient times the expert's variance, i.e.
    ``r (x - mu)`` rather than ``r (x - mu) / sigma**2`` (a natural-gradient
    step: the Fisher information of a Gaussian's mean is its precision).
    Without it, narrow experts take huge steps and get stranded outside the
    data, where their posterior is zero and they never return.

    **The uniform.** U is uniform over a box set from the first data seen:
    the data's range per feature plus a 10% margin on each side, at least
    one standard deviation wide (so a constant feature gives a finite box).
    Its density is taken as constant everywhere, including outside the box,
    so points outside it still get finite goodness.

    **Initialization** (sec. 6): vague, randomly placed, circular Gaussians
    with about the data's variance (means at randomly chosen data points,
    unit variance in standardized coordinates), mixing proportions 1/2.
    (Means drawn uniformly in the box fail in many dimensions: such a point
    is far from every sample, the Gaussian never wins over the uniform and
    the expert never learns.)

    Parameters
    ----------
    n_components : int, default=15
        Number of experts, including the special expert 0.
    learning_rate : float in (0, 1], default=0.03
        Learning rate of the CD update (per-sample average gradient). The
        mean's step moves it a fraction ``learning_rate`` of the way to the
        data it explains, so rates above 1 overshoot and are refused.
    batch_size : int or "auto", default="auto"
        Number of samples per minibatch. "auto": about 1% of the training
        data, between 10 and 100 samples, as in :class:`BernoulliPoE`.
    n_iter : int or "auto", default="auto"
        Number of epochs. "auto": as many as it takes to make about 12,000
        minibatch updates (at least one epoch): 120 epochs of the 2,400
        points of Hinton's grid of clusters.
    momentum : float, default=0.9
        Momentum of the parameter updates after the warm-up.
    momentum_warmup : int, default=50
        Number of initial updates made with momentum 0.
    shuffle : bool, default=True
        Shuffle the samples before each epoch.
    random_state : int, RandomState instance or None, default=None
        Controls initialization, shuffling and sampling.
    verbose : int, default=0
        Print per-epoch progress.

    Attributes
    ----------
    means_ : ndarray of shape (n_components, n_features)
        Means of the experts' Gaussians.
    variances_ : ndarray of shape (n_components, n_features)
        Variances of the experts' Gaussians (axis-aligned).
    mixing_ : ndarray of shape (n_components,)
        Probability that each expert picks its Gaussian a priori, pi_m;
        ``mixing_[0] == 1``.
    uniform_low_, uniform_high_ : ndarray of shape (n_features,)
        The box of the uniform distribution.
    n_iter_ : int
        Number of epochs trained.
    n_updates_ : int
        Number of minibatch updates.
    batch_size_ : int
        The minibatch size used (``batch_size`` resolved for the data of
        the last ``fit`` or ``partial_fit``).
    reconstruction_error_ : ndarray of shape (`n_iter_`,)
        Learning curve: mean squared difference, in standardized units,
        between the data and their sampled one-step reconstructions.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    References
    ----------
    G. E. Hinton. Products of experts. ICANN 1999.

    G. E. Hinton. Training products of experts by minimizing contrastive
    divergence. Neural Computation 14(8), 2002.

    Examples
    --------
    >>> import numpy as np
    >>> from skpoe import UnigaussPoE
    >>> X = np.random.default_rng(0).normal(size=(200, 2))
    >>> poe = UnigaussPoE(n_components=4, n_iter=5, random_state=0).fit(X)
    >>> poe.transform(X).shape
    (200, 4)
    >>> poe.means_.shape
    (4, 2)
    """

    # n_iter="auto": twice BernoulliPoE's updates. On the grid of clusters
    # (Hinton 1999, Fig. 1) 6,000 updates leave some seeds with a row of
    # clusters unlearned; 12,000 at learning rate 0.03 put most samples on
    # grid points for every seed tried (benchmarks/bench_defaults.py).
    _AUTO_UPDATES = 12000

    # ------------------------------------------------------------- kernels
    def _posterior(self, Z, temperature=1.0):
        """R and goodness in standardized coordinates; see unigauss_posterior."""
        precision = np.exp(self._rho)
        quad = np.empty((Z.shape[0], self.n_components), dtype=Z.dtype)
        _kernels.weighted_squared_distances(
            Z, np.ascontiguousarray(self._mu.T, dtype=Z.dtype),
            np.ascontiguousarray(precision.T, dtype=Z.dtype), quad,
        )
        log_norm = 0.5 * self._rho.sum(axis=1) - 0.5 * Z.shape[1] * math.log(2 * math.pi)
        R, goodness = self._choice_posterior(quad, log_norm, temperature)
        return {"R": R, "goodness": goodness, "precision": precision}

    def _reconstruct(self, post, rng, temperature=1.0):
        """Choose Gaussian or uniform per expert, sample the product of the Gaussians."""
        R = post["R"]
        S = sample_bernoulli(R, rng)
        noise = rng.standard_normal(R.shape[:1] + self._mu.shape[1:]).astype(R.dtype)
        noise *= math.sqrt(temperature)
        out = np.empty_like(noise)
        _kernels.product_of_gaussians_sample(*self._chosen_product(S, post, None), noise, out)
        return out

    def _chosen_product(self, S, post, factor):
        precision = post["precision"]
        return S @ precision, S @ (precision * self._mu)

    def _gradients(self, Z, post, natural=False):
        """Summed gradients of log f_m over the samples, for (mu, rho, logit).

        With ``natural=True`` the mean's gradient is multiplied by the
        variance (the CD update's step; see the class docstring).
        """
        R, precision = post["R"], post["precision"]
        grad_mu, grad_rho = np.empty_like(self._mu), np.empty_like(self._rho)
        r_sum = R.sum(axis=0)
        second = np.empty_like(self._mu)
        _kernels.weighted_squared_deviations(R, Z, self._mu, second)
        _kernels.unigauss_gradients(
            r_sum, R.T @ Z, second, self._mu, precision, grad_mu, grad_rho
        )
        if natural:
            grad_mu /= precision  # Fisher-preconditioned: r (x - mu)
        return {"_mu": grad_mu, "_rho": grad_rho, "_logit": self._logit_gradient(R)}

    def _features(self, post):
        return post["R"]

    def transform(self, X):
        """Posterior probability that each expert picks its Gaussian.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        R : ndarray of shape (n_samples, n_components)
            Column 0 (the special expert) is always 1.
        """
        return self._features(self._posterior(self._standardize(X)))

    @property
    def _n_features_out(self):
        return self.n_components
