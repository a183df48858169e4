"""Seconds per epoch of CD training on MNIST, against scikit-learn and BLAS.

Measures, side by side in one run (rounds interleaved; the best round of
each is reported, the least disturbed by a noisy machine, with the median
beside it):

* ``BLAS``: only the five float32 matrix products of one CD-1 epoch at the
  minibatch shapes (V W^T, H W, V' W^T and the two gradient products), done
  back to back with NumPy: this machine's own matrix-product speed for the job;
* skpoe ``BernoulliPoE`` CD-1 with the papers' momentum and weight decay, and PCD-1;
* scikit-learn's ``BernoulliRBM`` (PCD-1, plain SGD).

Effective GFLOP/s counts 10 x n_samples x n_features x n_components per
epoch for everyone. Run: ``python benchmarks/bench_cd.py [--n-samples N]``.
Nothing else should run on the machine meanwhile.
"""

import argparse
import platform
import time

import numpy as np
from sklearn.neural_network import BernoulliRBM
from threadpoolctl import threadpool_info

from skpoe import BernoulliPoE
from _mnist import load_mnist  # the shared copy: see benchmarks/_mnist.py


def blas_epoch(X, n_components, batch_size):
    """The five matrix products of a CD-1 epoch, nothing else.

    Each product gets the memory layout BLAS runs fastest here (measured:
    V @ W.T with W.T C-contiguous, H @ W with W C-contiguous, gradients as
    V.T @ H), so the reference is the best this BLAS does on these shapes.
    """
    rng = np.random.default_rng(0)
    n, f = X.shape
    W = (0.01 * rng.standard_normal((n_components, f))).astype(X.dtype)
    WT = np.ascontiguousarray(W.T)
    H = np.empty((batch_size, n_components), X.dtype)
    V = np.empty((batch_size, f), X.dtype)
    G = np.empty((f, n_components), X.dtype)
    Hs = rng.random((batch_size, n_components), dtype=np.float32).astype(X.dtype)
    start = time.perf_counter()
    for i in range(0, n - batch_size + 1, batch_size):
        v = X[i : i + batch_size]
        np.dot(v, WT, out=H)
        np.dot(Hs, W, out=V)
        np.dot(V, WT, out=H)
        np.dot(v.T, Hs, out=G)
        np.dot(V.T, H, out=G)
    return time.perf_counter() - start


def fit_epochs(model, X, n_epochs):
    model.set_params(n_iter=n_epochs)
    start = time.perf_counter()
    model.fit(X)
    return (time.perf_counter() - start) / n_epochs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=60000)
    parser.add_argument("--n-components", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2, help="epochs per timed fit")
    args = parser.parse_args()

    X, _ = load_mnist("train")
    X = np.ascontiguousarray(X[: args.n_samples])  # float32 in [0, 1]
    n, f = X.shape
    c, b = args.n_components, args.batch_size
    flops = 10.0 * n * f * c

    common = dict(batch_size=b, random_state=0)
    models = {
        "skpoe CD-1 (momentum, decay)": BernoulliPoE(c, **common),
        "skpoe PCD-1 (momentum, decay)": BernoulliPoE(c, persistent=True, **common),
        "sklearn BernoulliRBM (PCD-1)": BernoulliRBM(c, learning_rate=0.05, **common),
    }
    # Warm up: Numba compilation and BLAS thread start-up are not per-epoch costs.
    for model in models.values():
        fit_epochs(model, X[:1000], 1)

    times = {"BLAS: the five products only": []}
    times.update({name: [] for name in models})
    for _ in range(args.rounds):
        times["BLAS: the five products only"].append(blas_epoch(X, c, b))
        for name, model in models.items():
            times[name].append(fit_epochs(model, X, args.epochs))

    square = np.random.default_rng(0).standard_normal((2000, 2000)).astype(np.float32)
    square @ square
    start = time.perf_counter()
    for _ in range(5):
        square @ square
    square_gflops = 5 * 2 * 2000**3 / (time.perf_counter() - start) / 1e9

    best = {name: float(np.min(v)) for name, v in times.items()}
    blas = best["BLAS: the five products only"]
    sk = best["sklearn BernoulliRBM (PCD-1)"]
    libs = ", ".join(
        f"{i['internal_api']} {i.get('version')} ({i['num_threads']} threads)"
        for i in threadpool_info()
    )
    print(f"MNIST {n} x {f}, {c} hidden units, batch {b}, float32; "
          f"best and median of {args.rounds} rounds of {args.epochs} epochs")
    print(f"machine: {platform.processor() or platform.machine()}, BLAS: {libs}")
    print(f"float32 2000x2000 GEMM: {square_gflops:.1f} GFLOP/s\n")
    print(f"{'':32s} {'s/epoch':>8s} {'GFLOP/s':>8s} {'% of BLAS':>10s} "
          f"{'vs sklearn':>10s} {'median s/epoch':>15s}")
    for name, values in times.items():
        t = best[name]
        print(f"{name:32s} {t:8.3f} {flops / t / 1e9:8.1f} {100 * blas / t:9.1f}% "
              f"{sk / t:9.2f}x {np.median(values):15.3f}")


if __name__ == "__main__":
    main()
