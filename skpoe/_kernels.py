"""Numba kernels: the fused elementwise work around the BLAS matrix products.

Arrays in, arrays out; nothing here knows about estimators or scikit-learn.
Every kernel is compiled lazily for the float32 and float64 C-contiguous
arrays the estimators pass in (they coerce once at their boundary).

Matrix products are *not* done here: they stay with NumPy's BLAS in the
calling Python code. (Numba's own ``np.dot`` links SciPy's copy of OpenBLAS;
alternating two OpenBLAS thread pools on the same cores makes both spin:
see ``benchmarks/RESULTS.md`` for the measurement.)
"""

import math

import numpy as np
from numba import njit


@njit(cache=True)
def logistic(x):
    """``1 / (1 + exp(-x))`` without overflow for any finite ``x``."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@njit(cache=True)
def sigmoid_(A, bias):
    """In place: ``A[i, j] = 1 / (1 + exp(-(A[i, j] + bias[j])))``.

    The estimators use ``0.5 * tanh(0.5 * x) + 0.5`` in the hot loop (see
    ``_math.sigmoid_``: NumPy's tanh is vectorized, ``math.exp`` here is
    not, so this is slower); this kernel is the reference formula the tests
    check that path against.
    """
    n, m = A.shape
    for i in range(n):
        for j in range(m):
            A[i, j] = logistic(A[i, j] + bias[j])


@njit(cache=True)
def half_shift_(A, bias):
    """In place ``A = 0.5 * (A + bias)``: the first pass of the fast sigmoid."""
    n, m = A.shape
    half = A.dtype.type(0.5)
    for i in range(n):
        for j in range(m):
            A[i, j] = half * (A[i, j] + bias[j])


@njit(cache=True)
def half_affine_(A):
    """In place ``A = 0.5 * A + 0.5``: the last pass of the fast sigmoid."""
    n, m = A.shape
    half = A.dtype.type(0.5)
    for i in range(n):
        for j in range(m):
            A[i, j] = half * A[i, j] + half


@njit(cache=True)
def bernoulli_sample(P, U, out):
    """``out[i, j] = 1.0 if U[i, j] < P[i, j] else 0.0``; ``out`` may be ``P``."""
    n, m = P.shape
    for i in range(n):
        for j in range(m):
            out[i, j] = 1.0 if U[i, j] < P[i, j] else 0.0


@njit(cache=True)
def update_weights(W, velocity, grad, momentum, scale, decay):
    """Momentum step with weight decay (Mayraz & Hinton 2002, eq. 7), fused.

    ``velocity = momentum * velocity + scale * grad - decay * W; W += velocity``
    where the caller passes ``scale = learning_rate / batch_size`` and
    ``decay = learning_rate * weight_decay``.
    """
    n, m = W.shape
    for i in range(n):
        for j in range(m):
            v = momentum * velocity[i, j] + scale * grad[i, j] - decay * W[i, j]
            velocity[i, j] = v
            W[i, j] += v


@njit(cache=True)
def update_bias(bias, velocity, pos, neg, momentum, scale):
    """Momentum step on a bias from column sums of the two phases.

    ``velocity = momentum * velocity + scale * (pos.sum(0) - neg.sum(0));
    bias += velocity``. Biases get no weight decay. Returns
    ``((pos - neg) ** 2).sum()`` from the same pass: for the visible bias
    that is the reconstruction error of the minibatch, for free.
    """
    n, m = pos.shape
    # Per-column accumulators keep the inner loop free of a scalar float
    # reduction, which LLVM may not reorder, so it vectorizes.
    diff = np.zeros(m, dtype=np.float64)
    squared = np.zeros(m, dtype=np.float64)
    for i in range(n):
        for j in range(m):
            d = pos[i, j] - neg[i, j]
            diff[j] += d
            squared[j] += d * d
    for j in range(m):
        v = momentum * velocity[j] + scale * diff[j]
        velocity[j] = v
        bias[j] += v
    return squared.sum()


@njit(cache=True)
def squared_error(A, B):
    """Sum over all entries of ``(A - B) ** 2``, accumulated in float64."""
    n, m = A.shape
    s = np.zeros(m, dtype=np.float64)  # per column: see update_bias
    for i in range(n):
        for j in range(m):
            d = A[i, j] - B[i, j]
            s[j] += d * d
    return s.sum()


@njit(cache=True)
def value_range(values):
    """``(min, max, n_nan, n_inf)`` of a 1-D array in one pass."""
    lo, hi = np.inf, -np.inf
    n_nan = 0
    n_inf = 0
    for x in values:
        if np.isnan(x):
            n_nan += 1
        elif np.isinf(x):
            n_inf += 1
        else:
            lo = min(lo, x)
            hi = max(hi, x)
    return lo, hi, n_nan, n_inf


@njit(cache=True)
def softplus(x):
    """``log(1 + exp(x))`` without overflow for any finite ``x``."""
    if x > 0:
        return x + math.log1p(math.exp(-x))
    return math.log1p(math.exp(x))


@njit(cache=True)
def goodness(pre, visible_term, out):
    """Negative free energy of an RBM, row by row.

    ``out[i] = visible_term[i] + sum_j softplus(pre[i, j])`` where
    ``pre = V @ W.T + c`` and ``visible_term = V @ b``.
    """
    n, m = pre.shape
    for i in range(n):
        s = 0.0
        for j in range(m):
            s += softplus(pre[i, j])
        out[i] = visible_term[i] + s


# --------------------------------------------------------------------- AIS
@njit(cache=True)
def ais_hidden_step(pre, beta_prev, beta, U, log_w, H):
    """One annealing step on the hidden side of an RBM, fused.

    With ``pre = V @ W.T + c`` for the current visible states of each chain:
    ``log_w[i] += sum_j softplus(beta * pre[i, j]) - softplus(beta_prev * pre[i, j])``
    (the hidden units' share of ``log p*_beta(v) - log p*_beta_prev(v)``), then
    ``H[i, j] = 1 if U[i, j] < sigmoid(beta * pre[i, j]) else 0``: a sample of
    the hidden units at inverse temperature ``beta``.
    """
    n, m = pre.shape
    for i in range(n):
        s = 0.0
        for j in range(m):
            x = pre[i, j]
            s += softplus(beta * x) - softplus(beta_prev * x)
            H[i, j] = 1.0 if U[i, j] < logistic(beta * x) else 0.0
        log_w[i] += s


@njit(cache=True)
def ais_visible_step(pre, base_bias, beta, U, V):
    """Sample visible units at inverse temperature ``beta``, in place into V.

    ``pre = H @ W + b`` of the target model; the intermediate model's visible
    input is ``(1 - beta) * base_bias + beta * pre``.
    """
    n, m = pre.shape
    for i in range(n):
        for j in range(m):
            z = (1.0 - beta) * base_bias[j] + beta * pre[i, j]
            V[i, j] = 1.0 if U[i, j] < logistic(z) else 0.0


# ----------------------------------------------------------------- unigauss
@njit(cache=True)
def weighted_squared_distances(Z, mean_T, precision_T, out):
    """``out[i, m] = sum_d precision_T[d, m] * (Z[i, d] - mean_T[d, m]) ** 2``.

    Each difference is taken before it is squared: the expanded form
    ``lambda z**2 - 2 lambda z mu + lambda mu**2`` (three matrix products)
    cancels catastrophically in float32 for narrow experts away from the
    origin. The parameters come transposed, (n_features, n_components), so
    the innermost loop runs over experts without a scalar reduction and
    vectorizes.
    """
    n, D = Z.shape
    M = mean_T.shape[1]
    for i in range(n):
        for m in range(M):
            out[i, m] = 0.0
        for d in range(D):
            z = Z[i, d]
            for m in range(M):
                diff = z - mean_T[d, m]
                out[i, m] += precision_T[d, m] * diff * diff


@njit(cache=True)
def weighted_squared_deviations(R, Z, mean, out):
    """``out[m, d] = sum_i R[i, m] * (Z[i, d] - mean[m, d]) ** 2``, differences first.

    The responsibility-weighted second moment of each expert about its own
    mean (see ``weighted_squared_distances`` for why not expanded).
    """
    n, D = Z.shape
    M = mean.shape[0]
    for m in range(M):
        for d in range(D):
            out[m, d] = 0.0
    for i in range(n):
        for m in range(M):
            r = R[i, m]
            for d in range(D):
                diff = Z[i, d] - mean[m, d]
                out[m, d] += r * diff * diff


@njit(cache=True)
def unigauss_posterior(quad, log_norm, logit_mix, log_uniform, R, goodness):
    """Expert posteriors and goodness of a product of unigauss experts.

    ``quad[i, m] = sum_d lambda_md (x_id - mu_md)**2`` (from
    ``weighted_squared_distances``) and
    ``log_norm[m] = 0.5 * sum_d log lambda_md - 0.5 * D * log(2 pi)``, so
    ``log N_m(x_i) = log_norm[m] - 0.5 * quad[i, m]``. With
    ``t = logit_mix[m] + log N - log_uniform``: ``R[i, m] = sigmoid(t)``,
    the posterior probability of the Gaussian, and
    ``goodness[i] = sum_m log((1 - pi_m) U + pi_m N_m)
    = sum_m log_uniform - softplus(logit_mix[m]) + softplus(t)``.
    Expert 0 always picks its Gaussian: ``R[i, 0] = 1``, ``log f_0 = log N_0``.
    """
    n, M = quad.shape
    for i in range(n):
        g = 0.0
        for m in range(M):
            log_n = log_norm[m] - 0.5 * quad[i, m]
            if m == 0:
                R[i, 0] = 1.0
                g += log_n
                continue
            t = logit_mix[m] + log_n - log_uniform
            R[i, m] = logistic(t)
            g += log_uniform - softplus(logit_mix[m]) + softplus(t)
        goodness[i] = g


@njit(cache=True)
def product_of_gaussians_sample(precision_sum, weighted_mean_sum, noise, out):
    """Sample the normalized product of the chosen axis-aligned Gaussians.

    For each sample and dimension, precisions add and means are
    precision-weighted: with ``P = sum_m s_m lambda_m`` and
    ``Q = sum_m s_m lambda_m mu_m`` (both from BLAS), the product is
    ``N(Q / P, 1 / P)``; ``out = Q / P + noise / sqrt(P)`` for standard
    normal ``noise``.
    """
    n, D = precision_sum.shape
    for i in range(n):
        for d in range(D):
            p = precision_sum[i, d]
            out[i, d] = weighted_mean_sum[i, d] / p + noise[i, d] / math.sqrt(p)


@njit(cache=True)
def unigauss_gradients(r_sum, RX, second, mu, precision, grad_mu, grad_rho):
    """Sums over samples of d log f_m / d(mu, log lambda), from the moments.

    With ``RX = R.T @ X`` (BLAS), ``r_sum = R.sum(0)`` and
    ``second[m, d] = sum_i R[i, m] (x_id - mu_md)**2``
    (``weighted_squared_deviations``):
    ``d log f_m(x) / d mu_md = r_m lambda_md (x_d - mu_md)`` and
    ``d log f_m(x) / d log lambda_md = r_m (1 - lambda_md (x_d - mu_md)**2) / 2``.
    """
    M, D = mu.shape
    for m in range(M):
        for d in range(D):
            lam = precision[m, d]
            u = mu[m, d]
            first = RX[m, d] - r_sum[m] * u
            grad_mu[m, d] = lam * first
            grad_rho[m, d] = 0.5 * (r_sum[m] - lam * second[m, d])
