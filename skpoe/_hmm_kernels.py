"""Numba kernels of the product of HMMs: forward-backward, path sampling, reconstruction.

Arrays in, arrays out, like ``_kernels.py`` (a module of its own so that the
HMM's recursions read in one place). Every kernel works on a batch of
sequences stored one after the other, as hmmlearn stores them:

* ``symbols``: int64 array of shape (n_steps,), the concatenated sequences;
* ``starts``: int64 array of shape (n_sequences + 1,), sequence ``s`` is
  ``symbols[starts[s]:starts[s + 1]]``;

and on all experts at once: with M experts (HMMs) of K states over V
symbols,

* ``start_prob``: (M, K) initial-state probabilities;
* ``transition``: (M, K, K) transition probabilities, rows summing to 1;
* ``log_emission``: (M, K, V) log output probabilities.

The recursions are the scaled ones (Rabiner 1989, sec. V.A): the forward
variables are the filtered posteriors ``P(s_t | x_1..t)``, each step
normalized by ``c_t = p(x_t | x_1..t-1)``, so nothing underflows however
long a sequence is. Emission probabilities are taken relative to their
largest value at each step (``exp(log B[k, x_t] - max_k log B[k, x_t])``),
and the shift added back to the log-likelihood, so an unlikely symbol
cannot underflow either. Everything is float64: the parameters are
float64 whatever the data (integer symbols) are.
"""

import math

import numpy as np
from numba import njit


@njit(cache=True, error_model="numpy")
def forward(symbols, starts, start_prob, transition, log_emission, alpha, emit, norm, loglik):
    """Scaled forward pass of every expert over every sequence.

    Fills, for expert m and time step n (an index into ``symbols``):

    * ``alpha[m, n, k] = P(s_n = k | the sequence up to n)``, the filtered
      posterior (sums to 1 over k);
    * ``emit[m, n, k] = B[k, x_n] / max_j B[j, x_n]``, kept for the
      backward pass;
    * ``norm[m, n]``: the normalizer of step n, so that
      ``log p(x_n | x_<n) = log norm[m, n] + max_j log B[j, x_n]``;
    * ``loglik[s, m] = log p_m(sequence s)``.
    """
    n_sequences = starts.shape[0] - 1
    M, K, _ = log_emission.shape
    for m in range(M):
        for s in range(n_sequences):
            begin, end = starts[s], starts[s + 1]
            total = 0.0
            for n in range(begin, end):
                x = symbols[n]
                shift = -np.inf
                for k in range(K):
                    shift = max(shift, log_emission[m, k, x])
                c = 0.0
                for k in range(K):
                    e = math.exp(log_emission[m, k, x] - shift)
                    emit[m, n, k] = e
                    if n == begin:
                        prior = start_prob[m, k]
                    else:
                        prior = 0.0
                        for i in range(K):
                            prior += alpha[m, n - 1, i] * transition[m, i, k]
                    a = prior * e
                    alpha[m, n, k] = a
                    c += a
                if not c > 0.0:
                    # No state gives x_n any probability (outputs that underflow,
                    # or parameters that are not finite): the sequence is
                    # impossible. Go on from uniform states so the rest stays finite.
                    total = -np.inf
                    for k in range(K):
                        alpha[m, n, k] = 1.0
                    c = float(K)
                for k in range(K):
                    alpha[m, n, k] /= c
                norm[m, n] = c
                total += math.log(c) + shift
            loglik[s, m] = total


@njit(cache=True, error_model="numpy")
def backward_counts(symbols, starts, transition, alpha, emit, norm, posterior,
                    start_counts, transition_counts, emission_counts):
    """Scaled backward pass: state posteriors and expected counts, summed.

    With the arrays of :func:`forward`, fills
    ``posterior[m, n, k] = P(s_n = k | whole sequence)`` and *adds* to

    * ``start_counts[m, k]``: posterior of the first state, summed over sequences;
    * ``transition_counts[m, i, j]``: expected number of i -> j transitions;
    * ``emission_counts[m, k, v]``: expected number of times state k emits v.

    The scaled backward variable is ``beta_t(i) = sum_j A_ij e_{t+1}(j)
    beta_{t+1}(j) / c_{t+1}`` with ``beta_T = 1``; then
    ``gamma_t = alpha_t beta_t`` and
    ``xi_t(i, j) = alpha_t(i) A_ij e_{t+1}(j) beta_{t+1}(j) / c_{t+1}``.
    """
    n_sequences = starts.shape[0] - 1
    M, K, _ = transition.shape
    beta = np.empty(K)
    weight = np.empty(K)
    for m in range(M):
        for s in range(n_sequences):
            begin, end = starts[s], starts[s + 1]
            for k in range(K):
                beta[k] = 1.0
            for n in range(end - 1, begin - 1, -1):
                if n < end - 1:
                    # weight(j) = e_{n+1}(j) beta_{n+1}(j) / c_{n+1}
                    for j in range(K):
                        weight[j] = emit[m, n + 1, j] * beta[j] / norm[m, n + 1]
                    for i in range(K):
                        b = 0.0
                        a = alpha[m, n, i]
                        for j in range(K):
                            w = transition[m, i, j] * weight[j]
                            b += w
                            transition_counts[m, i, j] += a * w
                        beta[i] = b
                x = symbols[n]
                for k in range(K):
                    g = alpha[m, n, k] * beta[k]
                    posterior[m, n, k] = g
                    emission_counts[m, k, x] += g
                    if n == begin:
                        start_counts[m, k] += g


@njit(cache=True, error_model="numpy")
def _draw(weights, u):
    """Index drawn with probabilities proportional to ``weights`` (>= 0), by
    inverse CDF from the uniform ``u`` in [0, 1)."""
    total = 0.0
    for w in weights:
        total += w
    target = u * total
    cumulative = 0.0
    last = 0
    for k in range(weights.shape[0]):
        if weights[k] > 0:
            last = k
            cumulative += weights[k]
            if cumulative > target:
                return k
    return last  # rounding: the last index with positive weight


@njit(cache=True, error_model="numpy")
def sample_paths(starts, transition, alpha, uniform, paths):
    """Forward-filtering backward-sampling: one path per expert and sequence.

    With the filtered posteriors ``alpha`` of :func:`forward`, the last state
    is drawn from ``alpha_T`` and each earlier one from
    ``P(s_t = i | s_{t+1}, x_1..t) ~ alpha_t(i) A_{i, s_{t+1}}``: an exact
    sample of the posterior over paths given the whole sequence. Writes
    ``paths[n, m]`` (state of expert m at step n) from the uniforms
    ``uniform[n, m]`` in [0, 1).
    """
    n_sequences = starts.shape[0] - 1
    M, K, _ = transition.shape
    weights = np.empty(K)
    for m in range(M):
        for s in range(n_sequences):
            begin, end = starts[s], starts[s + 1]
            state = _draw(alpha[m, end - 1], uniform[end - 1, m])
            paths[end - 1, m] = state
            for n in range(end - 2, begin - 1, -1):
                for i in range(K):
                    weights[i] = alpha[m, n, i] * transition[m, i, state]
                state = _draw(weights, uniform[n, m])
                paths[n, m] = state


@njit(cache=True, error_model="numpy")
def sample_product_symbols(paths, log_emission, uniform, out):
    """Each symbol from the normalized product of the chosen states' outputs.

    ``out[n] ~ prod_m B_m[paths[n, m], :]`` renormalized (hinton2002 sec.
    11.1, step 3), from the uniforms ``uniform[n]`` in [0, 1).
    """
    n_steps, M = paths.shape
    V = log_emission.shape[2]
    logits = np.empty(V)
    for n in range(n_steps):
        top = -np.inf
        for v in range(V):
            z = 0.0
            for m in range(M):
                z += log_emission[m, paths[n, m], v]
            logits[v] = z
            top = max(top, z)
        for v in range(V):
            logits[v] = math.exp(logits[v] - top)
        out[n] = _draw(logits, uniform[n])
