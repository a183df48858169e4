"""Mayraz & Hinton (2002) on MNIST: 10 class models x 3 layers x 500 units.

The paper's protocol: the first 5,400 training images of each digit; per
class, 4,400 train the class model (a 3-layer DeepBeliefNet of 500-unit
BernoulliPoEs) and 1,000 train the final logistic regression on the 30
goodness scores; tested on the official 10,000. The paper reports 1.7%
error after about two weeks of Matlab. Variants: ``--variant crossfit``
uses all 60,000 training images with 5-fold cross-fitting; ``--normalize``
adds model-based normalization by 1-pixel shifts (sec. 7).
Prints test error and wall time for each ``--n-jobs`` given.
Run: ``python benchmarks/bench_mnist_poe.py --n-iter 30 --n-jobs 1 2``.
"""

import argparse
import time

import numpy as np

from skpoe import BernoulliPoE, ClassConditionalPoEClassifier, DeepBeliefNet
from _mnist import load_mnist  # the shared copy: see benchmarks/_mnist.py


def paper_subset(X, y, per_class=5400):
    rows = np.concatenate([np.flatnonzero(y == c)[:per_class] for c in range(10)])
    return X[rows], y[rows]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-iter", type=int, default=30, help="epochs per layer")
    parser.add_argument("--batch-size", type=int, default=100,
                        help="minibatch size of every layer (the paper's 100)")
    parser.add_argument("--n-jobs", type=int, nargs="+", default=[2])
    parser.add_argument("--variant", choices=["paper", "crossfit"], default="paper")
    parser.add_argument("--layers", type=int, nargs="+", default=[500, 500, 500])
    parser.add_argument("--normalize", action="store_true",
                        help="model-based normalization by 1-pixel shifts (sec. 7)")
    parser.add_argument("--random-state", type=int, nargs="+", default=[0],
                        help="seeds of the classifier (one row each)")
    args = parser.parse_args()

    X_train, y_train = load_mnist("train")
    X_test, y_test = load_mnist("test")
    if args.variant == "paper":
        X_train, y_train = paper_subset(X_train, y_train)
        cv = 1000 / 5400  # 1,000 of each class's 5,400 for the final estimator
    else:
        cv = 5
    BernoulliPoE(10, n_iter=1).fit(X_train[:200])  # Numba compilation, not timed

    print(f"MNIST, variant {args.variant}{' + normalization' * args.normalize}: "
          f"{len(X_train)} training images, cv={cv:.3g}, "
          f"class models {tuple(args.layers)}, {args.n_iter} epochs per layer\n")
    print(f"{'seed':>4s} {'n_jobs':>6s} {'test error':>10s} {'fit time':>9s} "
          f"{'predict time':>13s}")
    for seed, n_jobs in ((s, n) for s in args.random_state for n in args.n_jobs):
        layer = BernoulliPoE(n_iter=args.n_iter, batch_size=args.batch_size)
        dbn = DeepBeliefNet(tuple(args.layers), layer=layer)
        clf = ClassConditionalPoEClassifier(
            dbn, cv=cv, n_jobs=n_jobs, random_state=seed,
            image_shape=(28, 28) if args.normalize else None,
        )
        start = time.perf_counter()
        clf.fit(X_train, y_train)
        t_fit = time.perf_counter() - start
        start = time.perf_counter()
        error = 100 * np.mean(clf.predict(X_test) != y_test)
        t_predict = time.perf_counter() - start
        print(f"{seed:4d} {n_jobs:6d} {error:9.2f}% {t_fit:8.1f}s {t_predict:12.1f}s",
              flush=True)


if __name__ == "__main__":
    main()
