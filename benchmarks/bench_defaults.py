"""Every estimator with its defaults, as a user who tunes nothing would use it.

Issue 11's measurement: each skpoe estimator constructed with defaults only
(at most the hidden sizes and ``random_state`` given), beside
``LogisticRegression`` on the pixels and scikit-learn's ``BernoulliRBM`` with
its defaults, on scikit-learn's 8x8 digits (stratified 70/30 split,
``X / 16``) and on MNIST training subsets of 1,000, 10,000 and 60,000 images
(the official 10,000 test images); and ``UnigaussPoE()`` on the grid of
clusters of Hinton (1999, Fig. 1). Prints test accuracy and fit time, all
measured in this one run.

Run: ``python benchmarks/bench_defaults.py`` (all of it, about 15 minutes on
2 cores), or ``--data digits`` for the embedded data only (a minute).
MNIST is the project's shared copy (see ``benchmarks/_mnist.py``); MNIST
sizes are skipped when it is missing.
"""

import argparse
import time
import warnings
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import BernoulliRBM
from sklearn.pipeline import make_pipeline

from skpoe import (
    BernoulliPoE,
    ClassConditionalPoEClassifier,
    DeepBeliefNet,
    DeepBeliefNetClassifier,
    DeepBoltzmannMachine,
    PretrainedMLPClassifier,
    UnigaussPoE,
)
from skpoe.datasets import make_grid_clusters
from _mnist import load_mnist  # the shared copy: see benchmarks/_mnist.py


def classifiers(data):
    """What a user writes, by name; the grid search only on digits (5 folds x 3 sizes)."""
    models = {
        "LogisticRegression() on pixels": LogisticRegression(),
        "BernoulliRBM() + LR (scikit-learn)": make_pipeline(
            BernoulliRBM(random_state=0), LogisticRegression()),
        "BernoulliPoE() + LR": make_pipeline(
            BernoulliPoE(random_state=0), LogisticRegression()),
    }
    if data == "digits":
        models["GridSearchCV(BernoulliPoE + LR, 16/64/256)"] = GridSearchCV(
            make_pipeline(BernoulliPoE(random_state=0), LogisticRegression()),
            {"bernoullipoe__n_components": [16, 64, 256]}, n_jobs=1)
    models.update({
        "ClassConditionalPoEClassifier()": ClassConditionalPoEClassifier(random_state=0),
        "DeepBeliefNetClassifier()": DeepBeliefNetClassifier(random_state=0),
    })
    if data == "digits":  # the default is the paper's shape at a quarter width: the paper's
        models["DeepBeliefNetClassifier((500, 500, 2000))"] = DeepBeliefNetClassifier(
            (500, 500, 2000), random_state=0)
    models.update({
        "DeepBeliefNet() + LR": make_pipeline(
            DeepBeliefNet(random_state=0), LogisticRegression()),
        "PretrainedMLPClassifier()": PretrainedMLPClassifier(random_state=0),
    })
    if data == "digits":  # MNIST's inputs get the papers' (500, 1000): minutes at any size
        models["DeepBoltzmannMachine() + LR"] = make_pipeline(
            DeepBoltzmannMachine(random_state=0), LogisticRegression())
    return models


def datasets(names):
    for name in names:
        if name == "digits":
            X, y = load_digits(return_X_y=True)
            X_train, X_test, y_train, y_test = train_test_split(
                X / 16.0, y, test_size=0.3, random_state=0, stratify=y)
            yield name, X_train, X_test, y_train, y_test
            continue
        try:
            X, y = load_mnist("train")
            X_test, y_test = load_mnist("test")
        except FileNotFoundError:
            print(f"MNIST not found: skipping MNIST {name}")
            continue
        n = int(name)
        rows = np.random.default_rng(0).permutation(len(X))[:n]
        yield f"MNIST {n:,}", X[rows], X_test, y[rows], y_test


def grid_figure():
    """UnigaussPoE() on the 5x5 grid with the centre missing: where its samples land."""
    X = make_grid_clusters(100, random_state=0)
    grid = np.array([(i, j) for i in range(5) for j in range(5)], dtype=float)
    rows = []
    for seed in range(5):
        start = time.perf_counter()
        poe = UnigaussPoE(random_state=seed).fit(X)
        seconds = time.perf_counter() - start
        samples = poe.sample(300, n_steps=100, random_state=0)
        distance = np.linalg.norm(samples[:, None] - grid[None], axis=2)
        close = distance.min(axis=1) < 0.25
        counts = np.bincount(distance.argmin(axis=1)[close], minlength=len(grid))
        rows.append((seed, close.mean(), counts[12], np.count_nonzero(counts), seconds,
                     poe.n_iter_, poe.n_updates_))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="digits,1000,10000,60000",
                        help="comma-separated: digits and/or MNIST training-set sizes")
    parser.add_argument("--no-grid", action="store_true", help="skip the UnigaussPoE grid")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=ConvergenceWarning)  # LR's max_iter=100

    BernoulliPoE(4, n_iter=1).fit(np.random.default_rng(0).random((50, 8)))  # compile
    print(f"{'data':>12s}  {'model':44s} {'accuracy':>8s} {'fit time':>9s}  training")
    for data, X_train, X_test, y_train, y_test in datasets(args.data.split(",")):
        for name, model in classifiers("digits" if data == "digits" else "mnist").items():
            start = time.perf_counter()
            model.fit(X_train, y_train)
            seconds = time.perf_counter() - start
            accuracy = model.score(X_test, y_test)
            print(f"{data:>12s}  {name:44s} {accuracy:8.4f} {seconds:8.2f}s  {_training(model)}",
                  flush=True)
    if not args.no_grid:
        print("\nUnigaussPoE() on the grid clusters (2,400 points, 24 of 25 grid points), "
              "300 samples of 100 annealed Gibbs steps each")
        print(f"{'seed':>4s} {'on a grid point':>15s} {'at the missing one':>18s} "
              f"{'points hit':>10s} {'fit time':>9s}  training")
        for seed, on_grid, missing, hit, seconds, epochs, updates in grid_figure():
            print(f"{seed:4d} {on_grid:15.2f} {missing:18d} {hit:10d} {seconds:8.2f}s  "
                  f"{epochs} epochs, {updates} updates", flush=True)


def _training(model):
    """What training did, for the table: epochs x batch of the (first) PoE inside."""
    if isinstance(model, GridSearchCV):
        return f"best {model.best_params_}, cv {model.best_score_:.4f}"
    step = model[0] if hasattr(model, "steps") else model
    step = getattr(step, "dbn_", step)
    for attribute in ("layers_", "estimators_"):
        if hasattr(step, attribute):
            inner = getattr(step, attribute)
            step = inner[0][0] if attribute == "estimators_" else inner[0]
    if hasattr(step, "n_updates_"):
        return f"{step.n_iter_} epochs, {step.n_updates_} updates"
    return ""


if __name__ == "__main__":
    main()
