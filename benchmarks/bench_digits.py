"""Classifiers on scikit-learn's 8x8 digits (embedded, no download), side by side.

Fixed stratified split (70/30, random_state=0), pixels scaled to [0, 1].
Prints test error and fit time of logistic regression on pixels,
BernoulliRBM + LR, BernoulliPoE + LR, class-conditional PoEs with a holdout
and with 5-fold cross-fitting, and the DBN classifier.
Run: ``python benchmarks/bench_digits.py``.
"""

import time

from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import BernoulliRBM
from sklearn.pipeline import make_pipeline

from skpoe import BernoulliPoE, ClassConditionalPoEClassifier, DeepBeliefNetClassifier


def main():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=0.3, random_state=0, stratify=y
    )
    BernoulliPoE(4, n_iter=1).fit(X_train[:50])  # Numba compilation, not timed
    models = {
        "LogisticRegression on pixels": LogisticRegression(max_iter=2000),
        "BernoulliRBM(256) + LR": make_pipeline(
            BernoulliRBM(256, learning_rate=0.05, n_iter=30, random_state=0),
            LogisticRegression(max_iter=2000)),
        "BernoulliPoE(256) + LR": make_pipeline(
            BernoulliPoE(256, n_iter=30, batch_size=20, random_state=0),
            LogisticRegression(max_iter=2000)),
        "ClassConditionalPoE(64), holdout 0.2": ClassConditionalPoEClassifier(
            BernoulliPoE(64, n_iter=50, batch_size=10), random_state=0),
        "ClassConditionalPoE(64), cv=5": ClassConditionalPoEClassifier(
            BernoulliPoE(64, n_iter=50, batch_size=10), cv=5, random_state=0),
        "DeepBeliefNetClassifier(128, 128, 256)": DeepBeliefNetClassifier(
            (128, 128, 256), layer=BernoulliPoE(n_iter=30, batch_size=20), random_state=0),
    }
    print(f"load_digits: {len(X_train)} train / {len(X_test)} test\n")
    print(f"{'model':40s} {'test error':>10s} {'fit time':>9s}")
    for name, model in models.items():
        start = time.perf_counter()
        model.fit(X_train, y_train)
        seconds = time.perf_counter() - start
        print(f"{name:40s} {100 * (1 - model.score(X_test, y_test)):9.2f}% {seconds:8.2f}s")


if __name__ == "__main__":
    main()
