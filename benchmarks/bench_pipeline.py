"""RBM features + logistic regression on full MNIST: skpoe against scikit-learn.

``make_pipeline(BernoulliPoE(500), LogisticRegression())`` with skpoe's
paper-style defaults (CD-1, learning rate 0.1, momentum, weight decay)
against ``make_pipeline(BernoulliRBM(500, learning_rate=0.05,
batch_size=100), LogisticRegression())``, 10 epochs each, trained on the
60,000 training images and tested on the official 10,000. Prints test error
and total wall time (RBM + logistic regression) side by side.
Run: ``python benchmarks/bench_pipeline.py``; nothing else should run meanwhile.
"""

import argparse
import time

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import BernoulliRBM
from sklearn.pipeline import make_pipeline

from skpoe import BernoulliPoE
from _mnist import load_mnist  # the shared copy: see benchmarks/_mnist.py


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-iter", type=int, default=10)
    parser.add_argument("--n-train", type=int, default=60000)
    args = parser.parse_args()

    X_train, y_train = load_mnist("train")
    X_test, y_test = load_mnist("test")
    X_train, y_train = X_train[: args.n_train], y_train[: args.n_train]

    def lr():
        return LogisticRegression()  # defaults, as a user would write it

    pipelines = {
        "skpoe BernoulliPoE(500) + LR": make_pipeline(
            BernoulliPoE(500, n_iter=args.n_iter, random_state=0), lr()
        ),
        "sklearn BernoulliRBM(500) + LR": make_pipeline(
            BernoulliRBM(500, learning_rate=0.05, batch_size=100,
                         n_iter=args.n_iter, random_state=0), lr()
        ),
    }
    BernoulliPoE(10, n_iter=1).fit(X_train[:200])  # Numba compilation, not timed

    print(f"MNIST: {len(X_train)} train, {len(X_test)} test, float32, "
          f"{args.n_iter} epochs\n")
    print(f"{'pipeline':32s} {'test error':>10s} {'RBM fit':>8s} {'LR fit':>8s} {'total':>8s}")
    for name, pipe in pipelines.items():
        rbm, clf = pipe[0], pipe[1]
        start = time.perf_counter()
        features = rbm.fit_transform(X_train)
        t_rbm = time.perf_counter() - start
        clf.fit(features, y_train)
        t_total = time.perf_counter() - start
        error = 100 * np.mean(pipe.predict(X_test) != y_test)
        print(f"{name:32s} {error:9.2f}% {t_rbm:7.1f}s {t_total - t_rbm:7.1f}s "
              f"{t_total:7.1f}s")


if __name__ == "__main__":
    main()
