"""Array math shared by the models: sigmoid, softmax, Bernoulli sampling, the down-pass.

NumPy functions of arrays (the fused loops they call are in ``_kernels.py``);
random numbers come from the NumPy ``Generator`` the caller passes.
"""

import numpy as np
import scipy.sparse as sp

from . import _kernels


def sigmoid_(A, bias):
    """In place ``A = sigmoid(A + bias)`` as ``0.5 * tanh(0.5 * x) + 0.5``.

    NumPy's tanh is vectorized and a scalar Numba loop with exp is not, so
    this is faster than ``_kernels.sigmoid_`` (the tests' reference; timings
    in ``benchmarks/RESULTS.md``). Three passes over A, and it never
    overflows. ``bias`` must have A's dtype.
    """
    _kernels.half_shift_(A, bias)
    np.tanh(A, out=A)
    _kernels.half_affine_(A)
    return A


def softmax_(A):
    """In place, row-wise softmax."""
    A -= A.max(axis=1, keepdims=True)
    np.exp(A, out=A)
    A /= A.sum(axis=1, keepdims=True)
    return A


def sample_bernoulli(P, rng, *, out=None, uniform=None):
    """Binary states (0.0 or 1.0, P's dtype) drawn with probabilities P.

    One float32 uniform per entry from ``rng`` (a NumPy ``Generator``),
    into ``uniform`` when a scratch array of P's shape is given; ``out``
    may be P itself.
    """
    P = np.ascontiguousarray(P)
    if uniform is None:
        uniform = rng.random(P.shape, dtype=np.float32)
    else:
        rng.random(out=uniform, dtype=np.float32)
    if out is None:
        out = np.empty_like(P)
    _kernels.bernoulli_sample(P, uniform, out)
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
