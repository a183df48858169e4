"""Seconds per epoch of CD training on MNIST, against scikit-learn and BLAS.

Measures, side by side in one run (rounds interleaved; the best round of
each is reported, the least disturbed by a noisy machine, with the median
beside it):

* ``BLAS``: only the five float32 matrix products of one CD-1 epoch at the
  minibatch shapes (V W^T, H W, V' W^T and the two gradient products), done
  back to back with NumPy: this machine's own matrix-product speed for the job;
* skpoe ``BernoulliPoE`` CD-1 with the papers' momentum and weight decay, and PCD-1;
* scikit-learn's ``BernoulliRBM`` (PCD-1, plain SGD).

Then, in a second table, the same CD-1 against the same five products in
float64 and with minibatches of 10 to 1,000; and in a third, what users run
after training against its own matrix products: ``transform`` and
``score_samples`` on 10,000 x 784, AIS steps, and one up-down epoch of a
``DeepBeliefNetClassifier``.

Effective GFLOP/s counts 10 x n_samples x n_features x n_components per
epoch for everyone. Run: ``python benchmarks/bench_cd.py [--n-samples N] [--tables after]``.
Nothing else should run on the machine meanwhile.
"""

import argparse
import platform
import time

import numpy as np
from sklearn.neural_network import BernoulliRBM
from threadpoolctl import threadpool_info

from skpoe import BernoulliPoE, DeepBeliefNetClassifier
from skpoe._partition import ais_log_partition, base_rate_biases
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
    parser.add_argument("--tables", default="epoch,sizes,after",
                        help="which tables: epoch (the first), sizes, after (training)")
    args = parser.parse_args()
    tables = args.tables.split(",")
    if "epoch" in tables:
        epoch_table(args)
    X_all, y_all = load_mnist("train")
    if "sizes" in tables:
        sizes_table(np.ascontiguousarray(X_all[:20_000]), 500, 3)
    if "after" in tables:
        after_training_table(X_all, y_all, 3)


def epoch_table(args):
    """The first table: one CD-1 epoch against BLAS and scikit-learn."""

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


def _best_of(rounds, function):
    """Best time of ``rounds`` calls of ``function()``, after one warm-up call."""
    function()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def sizes_table(X, n_components, rounds):
    """CD-1 against its five products, float32/float64, minibatches of 10 to 1,000."""
    print(f"\nCD-1 against the five products, {X.shape[0]} x {X.shape[1]}, "
          f"{n_components} hidden; best of {rounds}")
    print(f"{'dtype':>8s} {'batch':>6s} {'BLAS s':>8s} {'CD-1 s':>8s} {'% of BLAS':>10s}")
    for dtype in (np.float32, np.float64):
        data = X.astype(dtype)
        for batch in (10, 100, 1000):
            model = BernoulliPoE(n_components, batch_size=batch, n_iter=1, random_state=0)
            blas = min(blas_epoch(data, n_components, batch) for _ in range(rounds))
            cd = _best_of(rounds, lambda: model.fit(data))
            print(f"{np.dtype(dtype).name:>8s} {batch:6d} {blas:8.3f} {cd:8.3f} "
                  f"{100 * blas / cd:9.1f}%", flush=True)


def after_training_table(X, y, rounds):
    """What users run after training, against its own matrix products."""
    print(f"\nAfter training, against the matrix products they need; best of {rounds}")
    print(f"{'':44s} {'BLAS s':>8s} {'skpoe s':>8s} {'% of BLAS':>10s}")
    rows = []
    X_test = np.ascontiguousarray(X[:10_000])
    model = BernoulliPoE(500, batch_size=100, n_iter=1, random_state=0).fit(X[:20_000])
    WT = np.ascontiguousarray(model.components_.T)
    b = model.intercept_visible_
    blas = _best_of(rounds, lambda: X_test @ WT)
    rows.append(("transform, 10,000 x 784 -> 500", blas,
                 _best_of(rounds, lambda: model.transform(X_test))))
    blas_goodness = _best_of(rounds, lambda: (X_test @ WT, X_test @ b))
    rows.append(("score_samples, 10,000 x 784 -> 500", blas_goodness,
                 _best_of(rounds, lambda: model.score_samples(X_test))))

    W64 = model.components_.astype(np.float64)
    c64, b64 = model.intercept_hidden_.astype(np.float64), b.astype(np.float64)
    base = base_rate_biases(X.mean(axis=0))
    n_betas = 1000
    V = (np.random.default_rng(0).random((100, 784)) < 0.5).astype(np.float64)
    H = np.empty((100, 500))
    W64T = np.ascontiguousarray(W64.T)

    def ais_products():
        for _ in range(n_betas):
            np.dot(V, W64T, out=H)
            np.dot(H, W64)

    rows.append((f"AIS, {n_betas} temperatures x 100 chains (float64)",
                 _best_of(rounds, ais_products),
                 _best_of(rounds, lambda: ais_log_partition(
                     W64, b64, c64, base, n_betas=n_betas, n_chains=100,
                     rng=np.random.default_rng(0)))))

    clf = DeepBeliefNetClassifier(
        (500, 500, 2000), layer=BernoulliPoE(batch_size=100, n_iter=1),
        fine_tune_epochs=1, batch_size=100, random_state=0)
    n = 10_000
    data = np.ascontiguousarray(X[:n])
    clf.fit(data, y[:n])  # weights to time with; fine-tuning epochs timed below
    up_down = _best_of(rounds, lambda: clf._up_down(  # one more epoch per call
        data, np.eye(10, dtype=data.dtype)[y[:n]], (3,)))
    rows.append((f"up-down epoch, {n:,} x (784-500-500-2000+10), 3 Gibbs steps",
                 _best_of(rounds, lambda: up_down_products(clf, data, 3)), up_down))
    for name, blas, ours in rows:
        print(f"{name:44s} {blas:8.3f} {ours:8.3f} {100 * blas / ours:9.1f}%", flush=True)


def up_down_products(clf, X, gibbs_steps, batch=100):
    """The matrix products of one up-down epoch at its minibatch shapes, nothing else."""
    recognition = [np.ascontiguousarray(layer.components_.T) for layer in clf.layers_]
    generative = clf.generative_weights_
    top = np.ascontiguousarray(clf.top_.components_)  # each product's fastest layout
    topT = np.ascontiguousarray(top.T)
    for start in range(0, X.shape[0] - batch + 1, batch):
        states = [X[start:start + batch]]
        for WT in recognition:  # wake up-pass
            states.append(states[-1] @ WT)
        joint = np.hstack([states[-1], np.zeros((batch, top.shape[1] - WT.shape[1]), X.dtype)])
        hidden = joint @ topT  # top-level CD: positive phase
        for _ in range(gibbs_steps):
            joint = hidden @ top
            hidden = joint @ topT
        stacked = np.vstack([joint, joint])
        stacked.T @ np.vstack([hidden, hidden])  # its gradient
        below = joint[:, :WT.shape[1]]
        for W in generative[::-1]:  # sleep down-pass
            below = below @ W
        for above, W in zip(states[1:], generative):  # wake-phase learning
            above.T @ (above @ W)
        for WT in recognition:  # sleep-phase learning
            above = below @ WT
            above.T @ below
            below = above


if __name__ == "__main__":
    main()
