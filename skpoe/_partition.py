"""The partition function Z of a binary RBM: exact enumeration and AIS.

Functions of the parameters only (``W`` of shape (n_hidden, n_visible),
visible biases ``b``, hidden biases ``c``), so that any model made of RBMs
can use them. The unnormalized log-probability of a visible vector is its
goodness ``b.v + sum_j softplus(c_j + W_j.v)``; Z sums its exponential over
all 2**n_visible binary vectors. With ``n_trials`` = n > 1 the visible values
are counts 0..n (BinomialPoE), whose goodness has the binomial base measure
``sum_i log C(n, v_i)`` too: Z then sums over all count vectors.
"""

import numpy as np
from scipy.special import expit, logsumexp

from . import _kernels
from ._math import random_key, sample_bernoulli

MAX_EXACT_UNITS = 20


def _binary_states(n_units, start, stop):
    """Rows ``start..stop-1`` of the list of all binary vectors of length n."""
    codes = np.arange(start, stop, dtype=np.int64)[:, None]
    return ((codes >> np.arange(n_units, dtype=np.int64)) & 1).astype(np.float64)


def exact_log_partition(W, b, c, *, n_trials=1, chunk_size=4096):
    """log Z by enumerating the smaller layer (2**min(n_hidden, n_visible) terms).

    Summing the other layer out analytically, with hidden states h:
    ``log Z = logsumexp_h [c.h + n_trials * sum_i softplus(b_i + (h @ W)_i)]``
    (each of the n_trials replicas of a visible unit sums out alone),
    or, for binary visible units, with visible states:
    ``logsumexp_v [b.v + sum_j softplus(c_j + (W v)_j)]``. Counts
    (``n_trials > 1``) always enumerate the hidden states.
    """
    W, b, c = (np.asarray(a, dtype=np.float64) for a in (W, b, c))
    n_hidden, n_visible = W.shape
    enumerate_hidden = n_hidden <= n_visible or n_trials > 1
    n_units = n_hidden if enumerate_hidden else n_visible
    if n_units > MAX_EXACT_UNITS:
        layer = "hidden layer" if n_trials > 1 else "smaller layer"
        raise ValueError(
            f"Exact log Z enumerates 2**{n_units} states; that is only feasible "
            f"for at most {MAX_EXACT_UNITS} units in the {layer}. Use method='ais'."
        )
    if enumerate_hidden:
        weights, outer_bias, inner_bias, inner_count = W, c, b, n_trials
    else:
        weights, outer_bias, inner_bias, inner_count = W.T, b, c, 1
    parts = []
    for start in range(0, 2**n_units, chunk_size):
        S = _binary_states(n_units, start, min(start + chunk_size, 2**n_units))
        out = np.empty(len(S))  # (the kernel adds inner_bias in its pass)
        _kernels.goodness(np.ascontiguousarray(S @ weights), inner_bias, np.zeros(len(S)), out)
        parts.append(logsumexp(S @ outer_bias + inner_count * out))
    return float(logsumexp(parts))


def base_rate_biases(mean):
    """Visible biases of the base-rate model: logits of the data's pixel means.

    As in Salakhutdinov & Murray (2008) the means are pulled slightly towards
    1/2 (here a 1% blend) so that no pixel of the base model is certain.
    """
    p = 0.99 * np.asarray(mean, dtype=np.float64) + 0.01 * 0.5
    return np.log(p) - np.log1p(-p)


def ais_betas(n_betas):
    """Inverse temperatures 0 -> 1, denser near 1 (Salakhutdinov & Murray 2008:
    500 in [0, 0.5), 4000 in [0.5, 0.9), 10000 in [0.9, 1])."""
    n1 = max(int(round(n_betas * 500 / 14500)), 1)
    n2 = max(int(round(n_betas * 4000 / 14500)), 1)
    n3 = max(n_betas - n1 - n2, 2)
    return np.concatenate([
        np.linspace(0.0, 0.5, n1, endpoint=False),
        np.linspace(0.5, 0.9, n2, endpoint=False),
        np.linspace(0.9, 1.0, n3),
    ])


def ais_log_partition(W, b, c, base_bias, *, n_betas=14500, n_chains=100, rng, n_trials=1):
    """Annealed importance sampling estimate of log Z (Neal 2001).

    Anneals from the base-rate model (no weights, visible biases
    ``base_bias``, the target's hidden units at zero input), whose log Z is
    known exactly, to the target RBM through the intermediate models
    ``p*_beta(v) = exp((1 - beta) base_bias.v + beta b.v) prod_j (1 + exp(beta (c_j + W_j.v)))``
    (Salakhutdinov & Murray 2008). Each of ``n_chains`` runs gives an
    importance weight ``w``; ``Z = Z_base * mean(w)``. Counts
    (``n_trials > 1``) carry the binomial base measure in every model, so
    it cancels from the weights; they are sampled as binomials.

    Returns
    -------
    log_z : float
        The estimate ``log Z_base + log mean(w)``.
    log_z_std : float
        Its standard error by the delta method, ``std(w) / (mean(w) sqrt(n_chains))``.
        AIS is unbiased in Z, so in log Z it tends to underestimate slightly.
    """
    W, b, c, base_bias = (np.asarray(a, dtype=np.float64) for a in (W, b, c, base_bias))
    n_hidden, n_visible = W.shape
    betas = ais_betas(n_betas)
    log_z_base = float(n_trials * np.sum(np.logaddexp(0.0, base_bias)) + n_hidden * np.log(2.0))

    p0 = 1.0 / (1.0 + np.exp(-base_bias))
    if n_trials == 1:
        V = sample_bernoulli(np.tile(p0, (n_chains, 1)), rng)
    else:
        V = rng.binomial(n_trials, np.tile(p0, (n_chains, 1))).astype(np.float64)
    H = np.empty((n_chains, n_hidden))
    WT = np.ascontiguousarray(W.T)
    bias_gap = b - base_bias
    hidden_pre = np.empty((n_chains, n_hidden))
    visible_pre = np.empty((n_chains, n_visible))
    log_w = np.zeros(n_chains)
    for k in range(1, len(betas)):
        beta_prev, beta = betas[k - 1], betas[k]
        # Visible-bias part of log p*_beta(v) - log p*_beta_prev(v), then the
        # hidden part and a hidden sample at beta (fused in the kernel).
        log_w += (beta - beta_prev) * (V @ bias_gap)
        np.dot(V, WT, out=hidden_pre)
        _kernels.ais_hidden_step(hidden_pre, c, beta_prev, beta, random_key(rng), log_w, H)
        if k < len(betas) - 1:
            np.dot(H, W, out=visible_pre)
            if n_trials == 1:
                _kernels.ais_visible_step(visible_pre, b, base_bias, beta, random_key(rng), V)
            else:
                p = expit((1.0 - beta) * base_bias + beta * (visible_pre + b))
                V[...] = rng.binomial(n_trials, p)
    shift = log_w.max()
    w = np.exp(log_w - shift)
    mean = w.mean()
    log_z = log_z_base + shift + np.log(mean)
    log_z_std = float(w.std(ddof=1) / (mean * np.sqrt(n_chains))) if n_chains > 1 else np.inf
    return float(log_z), log_z_std
