"""BernoulliPoE: a product of binary experts, i.e. a restricted Boltzmann machine.

Each hidden unit j is an expert ``f_j(v) = 1 + exp(c_j + W_j . v)``; their
product, times ``exp(b . v)``, is the RBM's unnormalized probability
(Hinton 2002, sec. 7). The CD update is ``BernoulliPoE._cd_step``.
"""

from numbers import Integral

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted

from . import _kernels
from ._base import BasePoE
from ._math import down_product, random_key, sample_bernoulli, sigmoid_, to_dense
from ._partition import (
    MAX_EXACT_UNITS,
    ais_log_partition,
    base_rate_biases,
    exact_log_partition,
)
from ._validation import check_unit_range, make_generator


class BernoulliPoE(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BasePoE):
    """Product of binary experts (a restricted Boltzmann machine), trained by CD-k.

    Visible values lie in [0, 1] and are treated as probabilities; hidden
    units are binary. Training follows Hinton (2002, sec. 8) and Mayraz &
    Hinton (2002, eq. 7): binary hidden states drive a mean-field
    reconstruction, probabilities are used for the statistics, and updates
    use momentum (0 for the first ``momentum_warmup`` updates) and weight
    decay on the weights only.

    Parameters
    ----------
    n_components : int, default=500
        Number of binary hidden units (experts).
    learning_rate : float, default=0.1
        Learning rate of the CD update (Mayraz & Hinton use 0.1).
    batch_size : int or "auto", default="auto"
        Number of samples per minibatch. "auto": about 1% of the training
        data, between 10 and 100 samples (100 from 10,000 samples on, the
        papers' value; 10 below 2,000). ``partial_fit`` resolves it for the
        data of each call. The value used is ``batch_size_``.
    n_iter : int or "auto", default="auto"
        Number of epochs (passes over the training data) in ``fit``.
        "auto": as many as it takes to make about 6,000 minibatch updates
        (at least one epoch, at most 100), as the papers' 10 epochs of
        MNIST do: 10 epochs of 60,000 samples, about 60 of 1,000, one of
        600,000 or more; below 600 samples, 100 epochs (more bought nothing
        in the measurements). Learning depends on the number of updates
        more than on the number of epochs, so this learns well at any size;
        see the user guide's practical page. The epochs trained are
        ``n_iter_``.
    cd_steps : int, default=1
        Number k of alternating Gibbs steps in CD-k.
    persistent : bool, default=False
        If True, use persistent contrastive divergence (PCD): the negative
        phase continues a set of ``batch_size`` Markov chains from one update
        to the next instead of restarting at the data (Tieleman 2008; Hinton
        2014, sec. 9). The chains sample binary visible states, and the
        learning curve is estimated on one row in a hundred of each
        minibatch (at least one), which costs a small extra matrix product.
    momentum : float, default=0.9
        Momentum of the parameter updates after the warm-up.
    momentum_warmup : int, default=50
        Number of initial updates made with momentum 0 (Mayraz & Hinton: 50).
    weight_decay : float, default=1e-4
        L2 penalty on the weights (not the biases), scaled by the learning rate.
    shuffle : bool, default=True
        Shuffle the samples before each epoch. Mayraz & Hinton used a fixed
        order (``shuffle=False``).
    random_state : int, RandomState instance or None, default=None
        Controls the initial weights, the shuffling and the Gibbs sampling.
        The same value gives the same model.
    verbose : int, default=0
        If positive, print the training plan (epochs, minibatches, updates)
        and then the epoch, reconstruction error and time per epoch.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        Weights W; row j is hidden unit j's receptive field.
    intercept_hidden_ : ndarray of shape (n_components,)
        Hidden biases c.
    intercept_visible_ : ndarray of shape (n_features,)
        Visible biases b.
    n_iter_ : int
        Number of epochs trained (``partial_fit`` counts one per call).
    n_updates_ : int
        Number of minibatch updates made.
    batch_size_ : int
        The minibatch size used (``batch_size`` resolved for the data of
        the last ``fit`` or ``partial_fit``).
    reconstruction_error_ : ndarray of shape (`n_iter_`,)
        Learning curve: mean squared difference between each training
        minibatch and its mean-field reconstruction after ``cd_steps`` Gibbs
        steps (one step with ``persistent=True``, on one row in a hundred),
        averaged per epoch, as measured during training. The reconstruction
        is driven by sampled binary hidden states (as in training), so it is
        noisier than the deterministic :meth:`reconstruct`.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.neural_network.BernoulliRBM : scikit-learn's RBM, trained by PCD
        with plain SGD.

    References
    ----------
    G. E. Hinton. Training products of experts by minimizing contrastive
    divergence. Neural Computation 14(8), 2002.

    G. Mayraz and G. E. Hinton. Recognizing handwritten digits using
    hierarchical products of experts. IEEE PAMI 24(2), 2002.

    Examples
    --------
    >>> import numpy as np
    >>> from skpoe import BernoulliPoE
    >>> X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1.]])
    >>> poe = BernoulliPoE(n_components=2, n_iter=5, random_state=0).fit(X)
    >>> poe.transform(X).shape
    (4, 2)
    >>> poe.score_samples(X).shape
    (4,)
    """

    _parameter_constraints: dict = {
        **BasePoE._parameter_constraints,
        "cd_steps": [Interval(Integral, 1, None, closed="left")],
        "persistent": ["boolean"],
    }

    def __init__(
        self,
        n_components=500,
        *,
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
        self.n_components = n_components
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.cd_steps = cd_steps
        self.persistent = persistent
        self.momentum = momentum
        self.momentum_warmup = momentum_warmup
        self.weight_decay = weight_decay
        self.shuffle = shuffle
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------- training
    def _check_domain(self, lo, hi, dtype):
        check_unit_range(type(self).__name__, lo, hi)

    def _init_state(self, X, rng):
        dtype = X.dtype
        n_features = X.shape[1]
        # Small zero-mean Gaussian weights, zero biases (Mayraz & Hinton sec. 3).
        # Stored Fortran-ordered so that W.T is C-contiguous: BLAS computes
        # V @ W.T fastest that way (measured in benchmarks/RESULTS.md).
        self.components_ = np.asfortranarray(
            0.01 * rng.standard_normal((self.n_components, n_features)), dtype=dtype
        )
        self.intercept_hidden_ = np.zeros(self.n_components, dtype=dtype)
        self.intercept_visible_ = np.zeros(n_features, dtype=dtype)
        self._velocity_W = np.zeros_like(self.components_.T)  # same layout as W.T
        self._velocity_c = np.zeros_like(self.intercept_hidden_)
        self._velocity_b = np.zeros_like(self.intercept_visible_)
        # Persistent chains: binary hidden states, one chain per batch row.
        self._chain = np.zeros((self.batch_size_, self.n_components), dtype=dtype)
        self._buffers = {}

    def _state(self):
        return {
            "components_": self.components_,
            "intercept_hidden_": self.intercept_hidden_,
            "intercept_visible_": self.intercept_visible_,
            "_velocity_W": self._velocity_W,
            "_velocity_c": self._velocity_c,
            "_velocity_b": self._velocity_b,
            "_chain": self._chain,
        }

    def _workspace(self, n):
        """Scratch arrays for a minibatch of n rows, reused across updates.

        Both phases live in one stacked array per layer, data rows on top
        and negative-phase rows below, so that the weight gradient
        ``H0.T @ V0 - H1.T @ V1`` is a single matrix product ``H.T @ V``
        once the negative-phase hidden rows are negated.
        """
        buffers = getattr(self, "_buffers", None)
        if buffers is None:
            buffers = self._buffers = {}
        if n not in buffers:
            n_hidden, n_visible = self.components_.shape
            dtype = self.components_.dtype
            buffers[n] = {
                "V": np.empty((2 * n, n_visible), dtype=dtype),
                "H": np.empty((2 * n, n_hidden), dtype=dtype),
                "S": np.empty((n, n_hidden), dtype=dtype),
                "recon": np.empty((n, n_visible), dtype=dtype),
                "down": np.empty(n * n_visible, dtype=dtype),  # see down_product
                "grad": np.empty((n_visible, n_hidden), dtype=dtype),  # of W.T
            }
        return buffers[n]

    # ------------------------------------------- the kind of visible unit
    # A subclass gives the visible layer another kind of unit by overriding
    # these three (the DBN classifier's top RBM has a softmax label group;
    # BinomialPoE's units are counts of n_trials binary replicas).
    def _visible_probabilities(self, A, b):
        """E[v | h] in place, from ``A = h @ W``: for binary units, the
        probability P(v = 1 | h), a sigmoid of ``A + b``."""
        return sigmoid_(A, b)

    def _sample_visible(self, P, rng, *, out=None):
        """Visible states drawn given their means P (from _visible_probabilities)."""
        return sample_bernoulli(P, rng, out=out)

    def _n_trials(self):
        """How many binary replicas each visible value counts: 1 here."""
        return 1

    # The hidden units' input ``v @ W.T`` is multiplied by this before the
    # bias (a subclass sets it: the first RBM of a deep Boltzmann machine's
    # pretraining sees its visible input twice), in training and inference.
    _hidden_input_scale = 1

    def _scale_hidden_input(self, A):
        """``A = v @ W.T`` times ``_hidden_input_scale``, in place; returns A."""
        if self._hidden_input_scale != 1:
            A *= self._hidden_input_scale
        return A

    def _sample_hidden(self, P, ws, rng):
        """Binary hidden states drawn from probabilities P (into ws['S'])."""
        return sample_bernoulli(P, rng, out=ws["S"])

    def _minibatch_buffer(self, n):
        # The data rows of the workspace: the loop gathers each minibatch
        # straight into them.
        return self._workspace(n)["V"][:n]

    def _negative_visible(self, n):
        """The negative-phase visible rows of the last ``_cd_step`` on n rows.

        P(v | h) at the end of its Gibbs chain (binary states with
        ``persistent=True``): what a model built on this one learns from
        next (the sleep phase of the DBN classifier's up-down). A view into
        scratch space, valid until the next step on n rows.
        """
        return self._workspace(n)["V"][n:]

    def _cd_step(self, batch, rng, momentum):
        """One CD-k update on a minibatch; returns its summed squared error.

        Hinton (2002) eq. 7.4 in its mean-field form eq. 8.1:
        ``dW ~ <v h>_data - <v h>_reconstruction`` with probabilities for the
        statistics, sampled binary hidden states to drive each reconstruction.
        """
        W, b, c = self.components_, self.intercept_visible_, self.intercept_hidden_
        WT = W.T  # C-contiguous (n_features, n_components); see _init_state
        n = batch.shape[0]
        ws = self._workspace(n)
        V, H = ws["V"], ws["H"]
        v_data, v_model = V[:n], V[n:]
        h_data, h_model = H[:n], H[n:]

        # Positive phase: P(h | v) on the data (and, for CD, binary states
        # drawn from it in the same pass: they drive the reconstruction).
        if batch.ctypes.data != v_data.ctypes.data:  # not gathered there already
            v_data[...] = batch
        self._scale_hidden_input(np.dot(v_data, WT, out=h_data))
        if self.persistent:
            # The learning curve still measures one-step reconstructions of
            # the data, estimated on one row in a hundred (at least one): a
            # sixth matrix product on every row would cost a fifth of the
            # update, and even one on a tenth of them (a small product runs
            # far below BLAS's speed) cost 5% of it.
            sigmoid_(h_data, c)
            m = -(-n // 100)
            S = sample_bernoulli(h_data[:m], rng, out=ws["S"][:m])
            recon = self._visible_probabilities(
                down_product(S, W, ws["recon"][:m], ws["down"]), b)
            error = _kernels.squared_error(v_data[:m], recon) * (n / m)
        else:
            S = ws["S"]
            _kernels.sigmoid_sample_(h_data, c, random_key(rng), S)

        # Negative phase: k alternating Gibbs steps, starting from the data
        # (CD) or from the persistent chains (PCD).
        if self.persistent:
            if self._chain.shape[0] < n:  # batch_size raised between partial_fits
                extra = np.zeros((n - self._chain.shape[0], W.shape[0]), W.dtype)
                self._chain = np.vstack([self._chain, extra])
            S = self._chain[:n]
        for step in range(self.cd_steps):
            if step > 0:
                S = self._sample_hidden(h_model, ws, rng)
            self._visible_probabilities(down_product(S, W, v_model, ws["down"]), b)
            if self.persistent:
                self._sample_visible(v_model, rng, out=v_model)
            sigmoid_(self._scale_hidden_input(np.dot(v_model, WT, out=h_model)), c)
        if self.persistent:
            sample_bernoulli(h_model, rng, out=self._chain[:n])

        # Updates: biases from column sums, weights from one stacked product.
        # Scalars in the parameters' dtype: float64 scalars would make the
        # float32 kernels convert every element (slower; benchmarks/RESULTS.md).
        # Counts of k replicas (BinomialPoE) take the step that binary units
        # would take on v / k: their statistics are k (biases) and k**2
        # (weights, which the hidden units also see k-fold) times larger.
        dt = W.dtype.type
        lr, momentum, k = self.learning_rate, dt(momentum), self._n_trials()
        scale, decay = dt(lr / n), dt(lr * self.weight_decay)
        # (h_model is negated in the same pass, for the stacked gradient below)
        _kernels.update_bias(c, self._velocity_c, h_data, h_model, momentum, scale, True)
        # (its return value, sum((v_data - v_model)**2), is the CD error)
        cd_error = _kernels.update_bias(b, self._velocity_b, v_data, v_model, momentum,
                                        dt(scale / k))
        if not self.persistent:
            error = cd_error
        grad = np.dot(V.T, H, out=ws["grad"])  # = (H0.T @ V0 - H1.T @ V1).T
        _kernels.update_weights(WT, self._velocity_W, grad, momentum, dt(scale / k**2), decay)
        return error

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_buffers", None)  # scratch space, rebuilt on demand
        return state

    # ------------------------------------------------------------ inference
    def _params_as(self, dtype):
        return (
            self.components_.astype(dtype, copy=False),
            self.intercept_hidden_.astype(dtype, copy=False),
            self.intercept_visible_.astype(dtype, copy=False),
        )

    def _hidden_probabilities(self, X):
        """P(h = 1 | v) for validated X (dense or CSR), in X's dtype."""
        W, c, _ = self._params_as(X.dtype)
        A = np.ascontiguousarray(safe_sparse_dot(X, W.T, dense_output=True))
        return sigmoid_(self._scale_hidden_input(A), c)

    def transform(self, X):
        """Hidden activation probabilities P(h = 1 | v).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data, values in [0, 1].

        Returns
        -------
        H : ndarray of shape (n_samples, n_components)
            Probabilities, same dtype as X (float32 or float64).
        """
        return self._hidden_probabilities(self._check_fitted_X(X))

    def score_samples(self, X):
        """Goodness of each sample: log p(v) up to the constant log Z.

        The negative free energy ``b . v + sum_j softplus(c_j + W_j . v)``
        (Hinton 2002, sec. 9), computed without overflow. Deterministic.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data, values in [0, 1].

        Returns
        -------
        goodness : ndarray of shape (n_samples,)
            Same dtype as X.
        """
        return self._free_energy(self._check_fitted_X(X))

    def _free_energy(self, X):
        """Minus the free energy ``b . v + sum_j softplus(c_j + W_j . v)`` of validated X.

        One matrix product reads X once for both terms: ``X @ [W; b].T``
        has ``X @ W.T`` in its first columns and ``X @ b`` in its last.
        """
        W, c, b = self._params_as(X.dtype)
        pre = np.ascontiguousarray(
            safe_sparse_dot(X, np.vstack([W, b]).T, dense_output=True))
        out = np.empty(X.shape[0], dtype=X.dtype)
        _kernels.goodness(pre, c, pre[:, -1], out)
        return out

    def log_partition(
        self, method="auto", *, n_betas=14500, n_chains=100, X=None,
        random_state=0, return_std=False,
    ):
        """The log of the partition function Z, exactly or by AIS.

        ``score_samples(X) - log_partition()`` is the normalized log p(v) for
        binary v (Hinton 2002, sec. 9-10).

        Parameters
        ----------
        method : {"auto", "exact", "ais"}, default="auto"
            "exact" enumerates all states of the smaller layer (at most 20
            units: 2**20 terms); "ais" runs annealed importance sampling from a
            base-rate model (Salakhutdinov & Murray 2008); "auto" picks
            "exact" when it is feasible.
        n_betas : int, default=14500
            Number of inverse temperatures of AIS (denser near 1). Cost is
            ``2 * n_betas * n_chains * n_features * n_components`` multiply-adds.
        n_chains : int, default=100
            Number of independent AIS runs.
        X : array-like of shape (n_samples, n_features), default=None
            Data whose pixel means define the base-rate model; by default the
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
        check_is_fitted(self)
        if method not in ("auto", "exact", "ais"):
            raise ValueError(f"method must be 'auto', 'exact' or 'ais'; got {method!r}.")
        W, c, b = self.components_, self.intercept_hidden_, self.intercept_visible_
        k = self._n_trials()
        # Counts are summed out given h; binary units on either side.
        n_enumerated = min(W.shape) if k == 1 else W.shape[0]
        if method == "exact" or (method == "auto" and n_enumerated <= MAX_EXACT_UNITS):
            result = exact_log_partition(W, b, c, n_trials=k), 0.0
        else:
            mean = self._data_mean if X is None else self._check_fitted_X(X).mean(axis=0)
            result = ais_log_partition(
                W, b, c, base_rate_biases(np.asarray(mean).ravel() / k),
                n_betas=int(n_betas), n_chains=int(n_chains),
                rng=make_generator(random_state), n_trials=k,
            )
        return result if return_std else result[0]

    def score(self, X, y=None):
        """Mean normalized log-likelihood per sample, ``score_samples - log Z``.

        Lets ``GridSearchCV`` compare models of different sizes with no
        pipeline. It costs one :meth:`log_partition` with its defaults:
        exact (instant) when the smaller layer has at most 20 units, else
        AIS with 14,500 temperatures and 100 chains, about as much work as
        ``n_chains * n_betas / 50`` training updates of batch 100 (some 50
        epochs on MNIST). The value is exact for binary data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data, values in [0, 1].
        y : Ignored

        Returns
        -------
        score : float
        """
        return float(np.mean(self.score_samples(X), dtype=np.float64) - self.log_partition())

    def reconstruct(self, X):
        """Deterministic mean-field reconstruction ``sigmoid(P(h|v) @ W + b)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data, values in [0, 1].

        Returns
        -------
        X_recon : ndarray of shape (n_samples, n_features)
            Reconstructed visible probabilities, same dtype as X.
        """
        H = self.transform(X)
        W, _, b = self._params_as(H.dtype)
        return self._visible_probabilities(np.dot(H, W), b)

    def _gibbs_from(self, V, n_steps, rng):
        """``n_steps`` of v -> h -> v; returns (sampled v, E[v | last h])."""
        W, c, b = self._params_as(V.dtype)
        for _ in range(n_steps):
            Ph = sigmoid_(self._scale_hidden_input(np.dot(V, W.T)), c)
            Pv = self._visible_probabilities(np.dot(sample_bernoulli(Ph, rng), W), b)
            V = self._sample_visible(Pv, rng)
        return V, Pv

    def _fantasies(self, n_samples, n_steps, random_state):
        """Chains from uniformly random visible states (each replica on with
        probability 1/2): ``_gibbs_from`` after ``n_steps``."""
        check_is_fitted(self)
        rng = make_generator(random_state)
        n_features = self.components_.shape[1]
        half = np.full((n_samples, n_features), 0.5 * self._n_trials(), self.components_.dtype)
        return self._gibbs_from(self._sample_visible(half, rng), max(int(n_steps), 1), rng)

    def gibbs(self, X, random_state=None):
        """One step of alternating Gibbs sampling, v -> h -> v.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Visible values to start from, in [0, 1].
        random_state : int, RandomState instance or None, default=None
            Seed of the sampling.

        Returns
        -------
        V : ndarray of shape (n_samples, n_features)
            Binary visible states sampled from P(v | h), h ~ P(h | X).
        """
        X = to_dense(self._check_fitted_X(X))
        return self._gibbs_from(X, 1, make_generator(random_state))[0]

    def sample(self, n_samples=1, *, n_steps=1000, random_state=None):
        """Fantasies from the model by prolonged alternating Gibbs sampling.

        Each chain starts from uniformly random binary visible states and
        runs ``n_steps`` full Gibbs steps.

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
            The visible probabilities P(v | h) at the last step (smoother to
            look at than the binary states).
        """
        return self._fantasies(n_samples, n_steps, random_state)[1]

    @property
    def _n_features_out(self):
        return self.components_.shape[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
