"""Hinton, Osindero & Teh (2006) on MNIST: a 784-500-500-2000-10 deep belief net.

Greedy layer-wise training (the top RBM models the penultimate layer with
the labels), test error by free energies; then up-down fine-tuning and the
test error again, with wall times. Also ``DeepBeliefNet`` features + a
logistic regression. The paper: 2.49% after greedy training, 1.25% after a
week of up-down fine-tuning in Matlab.
Run: ``python benchmarks/bench_dbn.py --n-iter 10 --fine-tune-epochs 5``.
"""

import argparse
import time

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skpoe import BernoulliPoE, DeepBeliefNet, DeepBeliefNetClassifier
from _mnist import load_mnist  # the shared copy: see benchmarks/_mnist.py


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-iter", type=int, default=10, help="greedy epochs per layer")
    parser.add_argument("--fine-tune-epochs", type=int, default=5)
    parser.add_argument("--fine-tune-learning-rate", type=float, default=0.001)
    args = parser.parse_args()

    X_train, y_train = load_mnist("train")
    X_test, y_test = load_mnist("test")
    layer = BernoulliPoE(n_iter=args.n_iter, random_state=0)
    print(f"MNIST 60,000 / 10,000; greedy {args.n_iter} epochs per layer, up-down "
          f"{args.fine_tune_epochs} epochs at rate {args.fine_tune_learning_rate}\n")
    print(f"{'model':44s} {'test error':>10s} {'time':>8s}")

    start = time.perf_counter()
    greedy = DeepBeliefNetClassifier((500, 500, 2000), layer=layer, random_state=0)
    greedy.fit(X_train, y_train)
    t_greedy = time.perf_counter() - start
    error = 100 * np.mean(greedy.predict(X_test) != y_test)
    print(f"{'DBN 500-500-2000, greedy':44s} {error:9.2f}% {t_greedy:7.0f}s", flush=True)

    start = time.perf_counter()
    tuned = DeepBeliefNetClassifier(
        (500, 500, 2000), layer=layer, fine_tune_epochs=args.fine_tune_epochs,
        fine_tune_learning_rate=args.fine_tune_learning_rate, random_state=0,
    ).fit(X_train, y_train)
    t_tuned = time.perf_counter() - start
    error = 100 * np.mean(tuned.predict(X_test) != y_test)
    name = f"  + up-down, {args.fine_tune_epochs} epochs (total time)"
    print(f"{name:44s} {error:9.2f}% {t_tuned:7.0f}s", flush=True)

    start = time.perf_counter()
    pipe = make_pipeline(DeepBeliefNet((500, 500), layer=layer, random_state=0),
                         LogisticRegression()).fit(X_train, y_train)
    t_pipe = time.perf_counter() - start
    error = 100 * np.mean(pipe.predict(X_test) != y_test)
    print(f"{'DeepBeliefNet(500, 500) features + LR':44s} {error:9.2f}% {t_pipe:7.0f}s")


if __name__ == "__main__":
    main()
