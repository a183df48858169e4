"""Numba kernels: the fused elementwise work around the BLAS matrix products.

Arrays in, arrays out; nothing here knows about estimators or scikit-learn.
Every kernel is compiled lazily for the float32 and float64 C-contiguous
arrays the estimators pass in (they coerce once at their boundary).

Matrix products are *not* done here: they stay with NumPy's BLAS in the
calling Python code. (Numba's own ``np.dot`` links SciPy's copy of OpenBLAS;
alternating two OpenBLAS thread pools on the same cores makes both spin:
see ``benchmarks/RESULTS.md`` for the measurement.)

Two things make the kernels fast, and both are here so that every model
shares them:

* **Elementwise math that vectorizes.** ``math.exp`` and ``math.log1p`` are
  scalar library calls that stop LLVM from vectorizing a loop, so
  :func:`exp_neg`, :func:`sigmoid` and :func:`softplus` are written out as
  branch-free arithmetic: a range reduction and a polynomial, accurate to a
  few units in the last place of the dtype (the tests check them against
  NumPy in extended precision). Kernels compile with
  ``error_model="numpy"``: Python's model checks every division for zero,
  which also stops vectorization.
* **Random numbers made where they are used.** :func:`uniform` is the
  ``counter``-th draw of a SplitMix64 stream (Steele, Lea & Flood 2014)
  keyed by a 64-bit ``key`` that the caller draws from its NumPy
  ``Generator`` (so ``random_state`` still decides everything). Kernels
  that sample use element ``(i, j)``'s counter ``i * n_cols + j``: no array
  of uniforms is written and read, and the result does not depend on how
  the work is split.
"""

import math

import numpy as np
from numba import njit, types
from numba.extending import intrinsic, overload

# Compiled into the kernel that calls them, so that the loop around vectorizes.
_INLINE = dict(cache=True, error_model="numpy")
# Kernels with a division: Python's error model would check it for zero.
_VECTOR = dict(cache=True, error_model="numpy")


# ------------------------------------------------------- elementwise math
@intrinsic
def _f64_from_bits(typingctx, bits):
    """The float64 whose bit pattern is the int64 ``bits``."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float64))
    return types.float64(types.int64), codegen


@intrinsic
def _f32_from_bits(typingctx, bits):
    """The float32 whose bit pattern is the int32 ``bits``."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float32))
    return types.float32(types.int32), codegen


@njit(**_INLINE)
def _exp_neg64(t):
    """exp(-t) for t >= 0 in float64: exp(-t) = 2**n exp(r), |r| <= ln(2) / 2,
    exp(r) by its Taylor polynomial to r**13 (error below 2**-53); 2**n by
    writing n into the exponent bits. Clamped at t = 708 (exp(-708) > 0)."""
    x = -t if t < 708.0 else -708.0
    n = np.floor(x * 1.4426950408889634 + 0.5)
    r = x - n * 0.6931471803691238 - n * 1.9082149292705877e-10  # ln 2 in two parts
    p = 1.0 / 6227020800.0
    p = p * r + 2.08767569878681e-09
    p = p * r + 2.505210838544172e-08
    p = p * r + 2.755731922398589e-07
    p = p * r + 2.7557319223985893e-06
    p = p * r + 2.48015873015873e-05
    p = p * r + 0.0001984126984126984
    p = p * r + 0.001388888888888889
    p = p * r + 0.008333333333333333
    p = p * r + 0.041666666666666664
    p = p * r + 0.16666666666666666
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    return p * _f64_from_bits((np.int64(n) + 1023) << 52)


@njit(**_INLINE)
def _exp_neg32(t):
    """exp(-t) for t >= 0 in float32, as :func:`_exp_neg64` with a Taylor
    polynomial to r**7. Clamped at t = 87 (exp(-87) is still a normal float32)."""
    x = -t if t < np.float32(87.0) else np.float32(-87.0)
    n = np.floor(x * np.float32(1.44269504) + np.float32(0.5))
    r = x - n * np.float32(0.693359375) - n * np.float32(-2.12194440e-4)
    p = np.float32(1.0 / 5040.0)
    p = p * r + np.float32(0.001388888888888889)
    p = p * r + np.float32(0.008333333333333333)
    p = p * r + np.float32(0.041666666666666664)
    p = p * r + np.float32(0.16666666666666666)
    p = p * r + np.float32(0.5)
    p = p * r + np.float32(1.0)
    p = p * r + np.float32(1.0)
    return p * _f32_from_bits((np.int32(n) + np.int32(127)) << np.int32(23))


def exp_neg(t):
    """``exp(-t)`` for ``t >= 0``, in t's float type (compiled in kernels)."""
    return np.exp(-t)


@overload(exp_neg)
def _exp_neg_by_type(t):
    if t == types.float32:
        return lambda t: _exp_neg32(t)
    return lambda t: _exp_neg64(t)


@njit(**_INLINE)
def _log1p_unit64(y):
    """log(1 + y) for y in [0, 1] in float64: 2 atanh(s) with s = y / (2 + y)
    <= 1/3, by its series to s**31 (error below 2**-53)."""
    s = y / (2.0 + y)
    s2 = s * s
    p = 1.0 / 31.0
    p = p * s2 + 0.034482758620689655
    p = p * s2 + 0.037037037037037035
    p = p * s2 + 0.04
    p = p * s2 + 0.043478260869565216
    p = p * s2 + 0.047619047619047616
    p = p * s2 + 0.05263157894736842
    p = p * s2 + 0.058823529411764705
    p = p * s2 + 0.06666666666666667
    p = p * s2 + 0.07692307692307693
    p = p * s2 + 0.09090909090909091
    p = p * s2 + 0.1111111111111111
    p = p * s2 + 0.14285714285714285
    p = p * s2 + 0.2
    p = p * s2 + 0.3333333333333333
    p = p * s2 + 1.0
    return 2.0 * s * p


@njit(**_INLINE)
def _log1p_unit32(y):
    """log(1 + y) for y in [0, 1] in float32, as :func:`_log1p_unit64` to s**15."""
    s = y / (np.float32(2.0) + y)
    s2 = s * s
    p = np.float32(1.0 / 15.0)
    p = p * s2 + np.float32(0.07692307692307693)
    p = p * s2 + np.float32(0.09090909090909091)
    p = p * s2 + np.float32(0.1111111111111111)
    p = p * s2 + np.float32(0.14285714285714285)
    p = p * s2 + np.float32(0.2)
    p = p * s2 + np.float32(0.3333333333333333)
    p = p * s2 + np.float32(1.0)
    return np.float32(2.0) * s * p


def log1p_unit(y):
    """``log(1 + y)`` for ``y`` in [0, 1], in y's float type (compiled in kernels)."""
    return np.log1p(y)


@overload(log1p_unit)
def _log1p_unit_by_type(y):
    if y == types.float32:
        return lambda y: _log1p_unit32(y)
    return lambda y: _log1p_unit64(y)


@njit(**_INLINE)
def _sigmoid64(x):
    """1 / (1 + exp(-x)) in float64 from e = exp(-|x|): no overflow, a few ulp."""
    e = _exp_neg64(abs(x))
    s = 1.0 / (1.0 + e)
    return s if x >= 0.0 else e * s


@njit(**_INLINE)
def _sigmoid32(x):
    """1 / (1 + exp(-x)) in float32 from e = exp(-|x|), as :func:`_sigmoid64`."""
    e = _exp_neg32(abs(x))
    s = np.float32(1.0) / (np.float32(1.0) + e)
    return s if x >= np.float32(0.0) else e * s


def sigmoid(x):
    """The logistic function ``1 / (1 + exp(-x))`` in x's float type (compiled in kernels).

    From ``exp(-|x|)``: no overflow, and a few ulp *relative* accuracy
    everywhere, the tails included. (``0.5 tanh(x / 2) + 0.5``, used here
    before, is accurate to 2e-7 absolute only: probabilities below 1e-6
    came out wrong by up to 40%, and persistent chains on binarized MNIST
    learned a model worse by 30 nats of test log-likelihood; see
    benchmarks/RESULTS.md.)
    """
    return 1.0 / (1.0 + np.exp(-x))


@overload(sigmoid)
def _sigmoid_by_type(x):
    if x == types.float32:
        return lambda x: _sigmoid32(x)
    return lambda x: _sigmoid64(x)


@njit(**_INLINE)
def softplus(x):
    """``log(1 + exp(x))`` without overflow for any finite ``x``, to a few ulp."""
    return (x if x > 0 else x * 0) + log1p_unit(exp_neg(abs(x)))


@njit(cache=True, inline="always")
def uniform(key, counter):
    """A uniform in [0, 1) with 24 random bits: draw ``counter`` of the
    SplitMix64 stream ``key`` (both uint64; see the module docstring)."""
    z = key + (counter + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return np.float32(z >> np.uint64(40)) * np.float32(2.0**-24)


@njit(**_VECTOR, fastmath={"reassoc"})
def _sum(values):
    """Sum of a 1-D array, reassociated so that it vectorizes (no other
    fast-math). Indexed: a ``for value in values`` loop does not vectorize
    (measured: ten times slower)."""
    total = values.dtype.type(0)
    for j in range(values.shape[0]):
        total += values[j]
    return total


# ------------------------------------------------------------- the kernels
@njit(**_VECTOR)
def sigmoid_(A, bias):
    """In place: ``A[i, j] = sigmoid(A[i, j] + bias[j])``, one pass."""
    n, m = A.shape
    for i in range(n):
        for j in range(m):
            A[i, j] = sigmoid(A[i, j] + bias[j])


@njit(**_VECTOR)
def sigmoid_sample_(A, bias, key, S):
    """In place ``A = sigmoid(A + bias)``, and binary states ``S`` drawn
    from it: ``S[i, j] = 1.0 if uniform(key, i * m + j) < A[i, j] else 0.0``.
    ``S`` must be another array than ``A``: aliased, the loop runs
    unvectorized, 7 times slower (``sigmoid_`` then ``bernoulli_sample_``
    draw the same states in place)."""
    n, m = A.shape
    for i in range(n):
        for j in range(m):
            p = sigmoid(A[i, j] + bias[j])
            A[i, j] = p
            S[i, j] = 1.0 if uniform(key, np.uint64(i * m + j)) < p else 0.0


@njit(**_VECTOR)
def bernoulli_sample(P, key, out):
    """``out[i, j] = 1.0 if uniform(key, i * m + j) < P[i, j] else 0.0``.
    ``out`` may be ``P``, but then the loop runs unvectorized, 2.5 times
    slower: :func:`bernoulli_sample_` draws the same states in place."""
    n, m = P.shape
    for i in range(n):
        for j in range(m):
            out[i, j] = 1.0 if uniform(key, np.uint64(i * m + j)) < P[i, j] else 0.0


@njit(**_VECTOR)
def bernoulli_sample_(P, key):
    """In place, the states :func:`bernoulli_sample` draws: ``P[i, j] = 1.0
    if uniform(key, i * m + j) < P[i, j] else 0.0``. One array, so LLVM
    vectorizes the loop without the overlap check that an ``out`` aliasing P
    fails (26 instead of 77 us on 100 x 784 float32)."""
    n, m = P.shape
    for i in range(n):
        for j in range(m):
            P[i, j] = 1.0 if uniform(key, np.uint64(i * m + j)) < P[i, j] else 0.0


@njit(**_VECTOR)
def transpose(A, out):
    """``out = A.T`` (both C-contiguous) by 8 x 8 tiles, which LLVM turns
    into register shuffles: 23 us for 784 x 100 float32, where NumPy's
    strided copy ``out[...] = A.T`` takes 48."""
    m, n = A.shape
    m8, n8 = m - m % 8, n - n % 8
    for j0 in range(0, m8, 8):
        for i0 in range(0, n8, 8):
            for a in range(8):
                for b in range(8):
                    out[i0 + b, j0 + a] = A[j0 + a, i0 + b]
        for i in range(n8, n):
            for a in range(8):
                out[i, j0 + a] = A[j0 + a, i]
    for j in range(m8, m):
        for i in range(n):
            out[i, j] = A[j, i]


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
def add_scaled_(A, B, scale):
    """In place ``A += scale * B`` (the delta rule's step on a weight matrix)."""
    n, m = A.shape
    for i in range(n):
        for j in range(m):
            A[i, j] += scale * B[i, j]


@njit(cache=True)
def update_bias(bias, velocity, pos, neg, momentum, scale, negate=False):
    """Momentum step on a bias from column sums of the two phases.

    ``velocity = momentum * velocity + scale * (pos.sum(0) - neg.sum(0));
    bias += velocity``. Biases get no weight decay. Returns
    ``((pos - neg) ** 2).sum()`` from the same pass: for the visible bias
    that is the reconstruction error of the minibatch, for free. With
    ``negate``, ``neg`` is negated in place in the same pass (the CD step's
    weight gradient wants the negative phase with a minus sign).
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
            if negate:
                neg[i, j] = -neg[i, j]
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


@njit(**_VECTOR, fastmath={"reassoc"})
def _prod64(values):
    """Product of a 1-D array in float64, reassociated so that it vectorizes."""
    product = 1.0
    for j in range(values.shape[0]):
        product *= np.float64(values[j])
    return product


@njit(**_VECTOR)
def _log_prod(values):
    """``sum(log(values))`` for values in [1/2, 2], as the log of their
    product, multiplied in float64 (a thousand such values cannot overflow
    or underflow it): one log per thousand values instead of one per value.
    A product of k values carries k roundings of float64, far below the
    values' own precision in float32."""
    total = 0.0
    for start in range(0, values.shape[0], 1000):
        total += np.log(_prod64(values[start:start + 1000]))
    return total


@njit(**_VECTOR)
def goodness(pre, hidden_bias, visible_term, out):
    """Negative free energy of an RBM, row by row.

    ``out[i] = visible_term[i] + sum_j softplus(pre[i, j] + hidden_bias[j])``
    for ``j < len(hidden_bias)``, where ``pre = V @ W.T`` and
    ``visible_term = V @ b``. ``pre`` may have more columns than
    ``hidden_bias`` (``BernoulliPoE`` puts ``V @ b`` in the last one, so that
    one matrix product reads V once); they are ignored.

    ``softplus(x) = max(x, 0) + log(1 + exp(-|x|))``: the row's linear parts
    and its ``1 + exp(-|x|)`` (in [1, 2]) go into two buffers in one
    vectorized pass; then the first is summed and the log of the second's
    product taken (:func:`_log_prod`), which spares the elementwise log1p,
    the costliest part.
    """
    n, m = pre.shape[0], hidden_bias.shape[0]
    linear = np.empty(m, dtype=pre.dtype)
    factor = np.empty(m, dtype=pre.dtype)
    one = pre.dtype.type(1)
    for i in range(n):
        for j in range(m):
            x = pre[i, j] + hidden_bias[j]
            linear[j] = x if x > 0 else x * 0
            factor[j] = one + exp_neg(abs(x))
        out[i] = visible_term[i] + _sum(linear) + _log_prod(factor)


# --------------------------------------------------------------------- AIS
@njit(**_VECTOR)
def ais_hidden_step(pre, bias, beta_prev, beta, key, log_w, H):
    """One annealing step on the hidden side of an RBM, fused.

    ``pre = V @ W.T`` for the current visible states of each chain; the
    hidden input ``x = pre[i, j] + bias[j]`` is formed here (no pass of its
    own). ``log_w[i] += sum_j softplus(beta * x) - softplus(beta_prev * x)``
    (the hidden units' share of ``log p*_beta(v) - log p*_beta_prev(v)``), then
    ``H[i, j] = 1 if uniform(key, i * m + j) < sigmoid(beta * x) else 0``:
    a sample of the hidden units at inverse temperature ``beta``.

    With ``a = beta * x`` and ``e = exp(-|a|)``: ``softplus(a) = max(a, 0) +
    log(1 + e)`` and ``sigmoid(a) = 1 / (1 + e)`` (``e / (1 + e)`` for
    ``a < 0``), so one exponential per temperature serves both, and the
    ratios ``(1 + e) / (1 + e_prev)`` (in [1/2, 2]) are summed in log space
    as the log of their product, as in :func:`goodness`.
    """
    n, m = pre.shape
    linear = np.empty(m, dtype=pre.dtype)
    ratio = np.empty(m, dtype=pre.dtype)
    one = pre.dtype.type(1)
    for i in range(n):
        for j in range(m):
            x = pre[i, j] + bias[j]
            a, a_prev = beta * x, beta_prev * x
            e, e_prev = exp_neg(abs(a)), exp_neg(abs(a_prev))
            linear[j] = (a if a > 0 else a * 0) - (a_prev if a_prev > 0 else a_prev * 0)
            ratio[j] = (one + e) / (one + e_prev)
            p = (one if a >= 0 else e) / (one + e)
            H[i, j] = 1.0 if uniform(key, np.uint64(i * m + j)) < p else 0.0
        log_w[i] += _sum(linear) + _log_prod(ratio)


@njit(**_VECTOR)
def ais_visible_step(pre, bias, base_bias, beta, key, V):
    """Sample visible units at inverse temperature ``beta``, in place into V.

    ``pre = H @ W``; the target model's visible input ``pre + bias`` is
    formed here (no pass of its own), and the intermediate model's is
    ``(1 - beta) * base_bias + beta * (pre + bias)``.
    """
    n, m = pre.shape
    for i in range(n):
        for j in range(m):
            z = (1.0 - beta) * base_bias[j] + beta * (pre[i, j] + bias[j])
            V[i, j] = 1.0 if uniform(key, np.uint64(i * m + j)) < sigmoid(z) else 0.0


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
        R[i, 0] = 1.0
        g = log_norm[0] - 0.5 * quad[i, 0]
        for m in range(1, M):
            t = logit_mix[m] + log_norm[m] - 0.5 * quad[i, m] - log_uniform
            R[i, m] = sigmoid(t)
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


# ---------------------------------------------------------------- unifactor
@njit(cache=True)
def factor_distances(Z, mean_T, precision_T, loading_T, shrink, zhat, quad):
    """Factor posteriors and Mahalanobis distances of one-factor analysers.

    Expert m has mean mu, diagonal precisions lambda = 1 / Psi and loading
    a (each given transposed, (n_features, n_components)); ``shrink[m] =
    1 / (1 + sum_d lambda_d a_d**2)`` is the posterior variance of its factor
    z ~ N(0, 1). Writes the factor's posterior mean
    ``zhat[i, m] = shrink[m] * sum_d lambda_d a_d (Z[i, d] - mu_d)`` and
    ``quad[i, m] = sum_d lambda_d (Z[i, d] - mu_d - a_d zhat[i, m])**2 + zhat[i, m]**2``,
    which is ``(x - mu)^T (Psi + a a^T)^-1 (x - mu)`` (Woodbury) as a sum of
    squares: the difference form ``sum lambda (x - mu)**2 - u**2 / (1 + k)``
    cancels catastrophically along a strong factor. O(n D M), like
    ``weighted_squared_distances``.
    """
    n, D = Z.shape
    M = mean_T.shape[1]
    for i in range(n):
        for m in range(M):
            zhat[i, m] = 0.0
            quad[i, m] = 0.0
        for d in range(D):
            z = Z[i, d]
            for m in range(M):
                zhat[i, m] += precision_T[d, m] * loading_T[d, m] * (z - mean_T[d, m])
        for m in range(M):
            zhat[i, m] *= shrink[m]
        for d in range(D):
            z = Z[i, d]
            for m in range(M):
                diff = z - mean_T[d, m] - loading_T[d, m] * zhat[i, m]
                quad[i, m] += precision_T[d, m] * diff * diff
        for m in range(M):
            quad[i, m] += zhat[i, m] * zhat[i, m]


@njit(cache=True)
def factor_residual_moments(R, Z, mean, loading, zhat, out):
    """``out[m, d] = sum_i R[i, m] * (Z[i, d] - mean[m, d] - loading[m, d] * zhat[i, m])**2``.

    The responsibility-weighted second moment of each expert's residual
    given its factor's posterior mean (differences first, as in
    ``weighted_squared_deviations``).
    """
    n, D = Z.shape
    M = mean.shape[0]
    for m in range(M):
        for d in range(D):
            out[m, d] = 0.0
    for i in range(n):
        for m in range(M):
            r = R[i, m]
            z = zhat[i, m]
            for d in range(D):
                diff = Z[i, d] - mean[m, d] - loading[m, d] * z
                out[m, d] += r * diff * diff


# ------------------------------------------------- deep Boltzmann machine
@njit(**_VECTOR)
def mean_field_update_(A, bias, mu):
    """One mean-field update in place: ``mu = sigmoid(A + bias)``.

    ``A`` is the layer's input from its neighbours (left unchanged).
    Returns ``sum |new mu - old mu|`` (float64) from the same pass: how far
    the update moved, for the convergence test.
    """
    n, m = A.shape
    # Per-column accumulators, as in update_bias: a scalar float reduction
    # in the inner loop stops it vectorizing (measured: 11 ns per element
    # in float64 against 1.8; 7.0 against 1.1 in float32).
    moved = np.zeros(m, dtype=np.float64)
    for i in range(n):
        for j in range(m):
            new = sigmoid(A[i, j] + bias[j])
            moved[j] += abs(new - mu[i, j])
            mu[i, j] = new
    return moved.sum()


@njit(cache=True)
def bernoulli_entropy(P, out):
    """``out[i] += sum_j -(p log p + (1 - p) log(1 - p))`` with ``p = P[i, j]``.

    The entropy of factorial Bernoulli distributions, row by row, in
    float64, with ``0 log 0 = 0`` (no NaN for probabilities of exactly 0 or 1).
    """
    n, m = P.shape
    for i in range(n):
        s = 0.0
        for j in range(m):
            p = float(P[i, j])
            if p > 0.0:
                s -= p * math.log(p)
            if p < 1.0:
                s -= (1.0 - p) * math.log1p(-p)
        out[i] += s
