"""Test log-likelihood of RBMs on binarized MNIST, by AIS, for CD-1, CD-k and PCD.

Trains ``BernoulliPoE(500)`` with CD-1, CD-k and PCD on MNIST binarized at
0.5, estimates log Z of each by annealed importance sampling (with its
standard error) and prints the mean test log-likelihood in nats, with
training and AIS times. Salakhutdinov & Murray (2008) report about -125
nats for CD-1 and -86 for CD-25 with 500 hidden units after long training
(their models saw far more updates than the defaults here). PCD uses a
learning rate of 0.01: its chains must keep up with the changing weights.
Run: ``python benchmarks/bench_ais.py [--n-iter 10] [--cd-k 25]``.
"""

import argparse
import time

import numpy as np

from skpoe import BernoulliPoE
from _mnist import load_mnist  # the shared copy: see benchmarks/_mnist.py


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-iter", type=int, default=10, help="epochs per model")
    parser.add_argument("--cd-k", type=int, default=25)
    parser.add_argument("--n-train", type=int, default=60000)
    parser.add_argument("--n-betas", type=int, default=14500)
    parser.add_argument("--n-chains", type=int, default=100)
    args = parser.parse_args()

    X_train, _ = load_mnist("train")
    X_test, _ = load_mnist("test")
    X_train = (X_train[: args.n_train] > 0.5).astype(np.float32)
    X_test = (X_test > 0.5).astype(np.float32)

    models = {
        "CD-1": BernoulliPoE(500, n_iter=args.n_iter, random_state=0),
        f"CD-{args.cd_k}": BernoulliPoE(500, n_iter=args.n_iter, cd_steps=args.cd_k,
                                        random_state=0),
        "PCD-1": BernoulliPoE(500, n_iter=args.n_iter, persistent=True, learning_rate=0.01,
                              random_state=0),
    }
    BernoulliPoE(10, n_iter=1).fit(X_train[:200])  # Numba compilation, not timed
    print(f"binarized MNIST, {len(X_train)} train / {len(X_test)} test, 500 hidden units, "
          f"{args.n_iter} epochs; AIS with {args.n_betas} temperatures x "
          f"{args.n_chains} chains\n")
    print(f"{'model':8s} {'train s':>8s} {'log Z':>10s} {'+-':>6s} {'AIS s':>7s} "
          f"{'train LL':>9s} {'test LL (nats)':>15s}")
    for name, model in models.items():
        start = time.perf_counter()
        model.fit(X_train)
        t_train = time.perf_counter() - start
        start = time.perf_counter()
        log_z, std = model.log_partition(
            "ais", n_betas=args.n_betas, n_chains=args.n_chains, return_std=True
        )
        t_ais = time.perf_counter() - start
        train_ll = model.score_samples(X_train[:10000]).mean() - log_z
        test_ll = model.score_samples(X_test).mean() - log_z
        print(f"{name:8s} {t_train:8.1f} {log_z:10.2f} {std:6.2f} {t_ais:7.1f} "
              f"{train_ll:9.2f} {test_ll:9.2f} +- {std:.2f}")


if __name__ == "__main__":
    main()
