"""Array math shared by the models: sigmoid, softmax, Bernoulli sampling, the down-pass.

NumPy functions of arrays (the fused loops they call are in ``_kernels.py``);
random numbers come from the NumPy ``Generator`` the caller passes.
"""

import numpy as np
import scipy.sparse as sp

from . import _kernels


def sigmoid_(A, bias):
    """In place ``A = sigmoid(A + bias)`` (a 2-D float array, ``bias`` of its
    dtype), in one vectorized pass that never overflows; returns A."""
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
