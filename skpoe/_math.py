"""Array math shared by the models: sigmoid, softmax, Bernoulli sampling, the down-pass,
the top-down product of a Gibbs step.

NumPy functions of arrays (the fused loops they call are in ``_kernels.py``);
random numbers come from the NumPy ``Generator`` the caller passes.
"""

import numpy as np
import scipy.sparse as sp

from . import _kernels


def sigmoid_(A, bias):
    """In place ``A = sigmoid(A + bias)`` (a 2-D float array, ``bias`` of its
    dtype), in one vectorized pass that never overflows; returns A.

    A must be C-contiguous to be fast: on a column slice such as
    ``A[:, :-k]`` Numba's loop does not vectorize (11 times slower,
    benchmarks/RESULTS.md); run it over whole rows instead."""
    _kernels.sigmoid_(A, bias)
    return A


def softmax_(A):
    """In place, row-wise softmax."""
    A -= A.max(axis=1, keepdims=True)
    np.exp(A, out=A)
    A /= A.sum(axis=1, keepdims=True)
    return A


def random_key(rng):
    """A 64-bit key for the kernels' random numbers, drawn from ``rng``
    (a NumPy ``Generator``): one key, one independent stream."""
    return np.uint64(rng.bit_generator.random_raw())


def sample_bernoulli(P, rng, *, out=None):
    """Binary states (0.0 or 1.0, P's dtype) drawn with probabilities P (2-D).

    The uniforms come from the stream of one :func:`random_key` of ``rng``
    (a NumPy ``Generator``), made inside the kernel; ``out`` may be P itself.
    """
    P = np.ascontiguousarray(P)
    if out is P:
        _kernels.bernoulli_sample_(P, random_key(rng))
        return P
    if out is None:
        out = np.empty_like(P)
    _kernels.bernoulli_sample(P, random_key(rng), out)
    return out


def bernoulli_log_prob(x, logits):
    """Row sums of log Bernoulli(x | sigmoid(logits)) for x in [0, 1], stably."""
    return np.sum(x * logits - np.logaddexp(0.0, logits), axis=1)


def to_dense(X):
    """X as a NumPy array, whether it is sparse, an array or array-like."""
    return X.toarray() if sp.issparse(X) else np.asarray(X)


def down_pass(states, weights_and_biases, rng):
    """A directed down-pass from binary ``states`` through sigmoid belief layers.

    ``weights_and_biases`` is ``[(W, b), ...]`` top-down, each ``W`` of
    shape (n_above, n_below), each layer below drawn from
    ``sigmoid(states @ W + b)``. Returns every layer below, top first:
    sampled binary states, and the bottom as probabilities.
    """
    layers = []
    for i, (W, b) in enumerate(weights_and_biases):
        probs = sigmoid_(states @ W, b)
        states = probs if i == len(weights_and_biases) - 1 else sample_bernoulli(probs, rng)
        layers.append(states)
    return layers


def down_product(states, W, out, scratch):
    """``out = states @ W`` for a Fortran-ordered ``W`` (as the PoEs store
    it, ``W.T`` C-contiguous): the top-down product of a Gibbs step.

    With that layout BLAS reads ``W`` transposed, and OpenBLAS multiplies a
    float32 minibatch of up to about a hundred rows that way slowly: there
    the product is ``(W.T @ states.T).T`` instead, into ``scratch`` (a 1-D
    array of at least ``W.shape[1] * len(states)`` elements), transposed
    back into ``out`` by tiles. Alone, for 500 x 784 weights: 100 against
    187 us on 10 rows, 459 against 502 on 100; in CD-1 on MNIST, epochs
    10% faster in minibatches of 10, 4% in 30, the same in 100
    (benchmarks/RESULTS.md). float64, larger minibatches and small weight
    matrices gain nothing or lose, and take the direct product. Returns out.
    """
    n = len(out)
    if out.dtype == np.float32 and n <= 128 and W.size >= 2**16:
        scratch = scratch[: W.shape[1] * n].reshape(W.shape[1], n)
        _kernels.transpose(np.dot(W.T, states.T, out=scratch), out)
    else:
        np.dot(states, W, out=out)
    return out
