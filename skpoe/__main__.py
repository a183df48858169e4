"""The skpoe demo: ``python -m skpoe``.

Trains products of experts on scikit-learn's bundled 8x8 digits (no
download) and prints a small results table: features from skpoe's
BernoulliPoE against raw pixels and scikit-learn's BernoulliRBM, all ending
in the same LogisticRegression, and a class-conditional PoE classifier, plus
how goodness tells digits from noise. Every model keeps its defaults, as the
shortest code a user would write.
"""

import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import BernoulliRBM
from sklearn.pipeline import make_pipeline

from skpoe import BernoulliPoE, ClassConditionalPoEClassifier, __version__


def _timed_fit(model, X, y=None):
    start = time.perf_counter()
    model.fit(X, y)
    return time.perf_counter() - start


def main():
    X, y = load_digits(return_X_y=True)
    X = X / 16.0  # pixel intensities as probabilities in [0, 1]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=0, stratify=y
    )
    print(f"skpoe {__version__} demo: load_digits, {len(X_train)} train / "
          f"{len(X_test)} test images of 8x8 pixels\n")

    models = {
        "LogisticRegression() on pixels": LogisticRegression(max_iter=1000),
        "sklearn BernoulliRBM() + LR": make_pipeline(
            BernoulliRBM(random_state=0), LogisticRegression(max_iter=1000)
        ),
        "skpoe BernoulliPoE() + LR": make_pipeline(
            BernoulliPoE(random_state=0), LogisticRegression(max_iter=1000)
        ),
        "skpoe ClassConditionalPoEClassifier()": ClassConditionalPoEClassifier(
            random_state=0, n_jobs=2
        ),
    }
    rows = []
    for name, model in models.items():
        seconds = _timed_fit(model, X_train, y_train)
        error = 1 - model.score(X_test, y_test)
        rows.append((name, 100 * error, seconds))

    print(f"{'model':38s} {'test error':>10s} {'fit time':>9s}")
    print("-" * 59)
    for name, error, seconds in rows:
        print(f"{name:38s} {error:9.2f}% {seconds:8.2f}s")

    # Goodness: log p(v) up to log Z. Held-out digits should score far
    # higher than noise images with the same pixel statistics.
    poe = models["skpoe BernoulliPoE() + LR"][0]
    rng = np.random.default_rng(0)
    noise = rng.permuted(X_test, axis=1)  # each image's pixels shuffled
    scores = np.r_[poe.score_samples(X_test), poe.score_samples(noise)]
    is_digit = np.r_[np.ones(len(X_test)), np.zeros(len(noise))]
    print(
        f"\nGoodness of held-out digits {poe.score_samples(X_test).mean():.1f} vs "
        f"pixel-shuffled digits {poe.score_samples(noise).mean():.1f} "
        f"(ROC AUC {roc_auc_score(is_digit, scores):.3f})"
    )
    print(f"Training (defaults: minibatches of about 1% of the data, about 6,000 "
          f"updates, at most 100 epochs): {poe.n_iter_} epochs of minibatches of {poe.batch_size_}, "
          f"{poe.n_updates_} updates; reconstruction error "
          f"{poe.reconstruction_error_[0]:.4f} -> {poe.reconstruction_error_[-1]:.4f}")


if __name__ == "__main__":
    main()
