"""BinomialPoE on digits' counts against BernoulliPoE on the same digits scaled.

scikit-learn's 8x8 digits have intensities 0..16: counts, which
``BinomialPoE()`` models as they are (``n_trials_`` = 16), beside
``BernoulliPoE()`` on ``X / 16``; both with their defaults. Stratified 70/30
split (random_state=0), several seeds. For each model:

* features + LR: test accuracy of ``LogisticRegression`` on ``transform``;
* class-conditional: test accuracy of ``ClassConditionalPoEClassifier`` with
  the model as each class's PoE (goodness scores into logistic regression);
* samples: 100 fantasies after ``--n-steps`` Gibbs steps, on the [0, 1]
  scale (counts / 16; BernoulliPoE's probabilities), judged by a logistic
  regression trained on the real training digits (its mean confidence, and
  how many of the 10 classes the samples cover) and by their distance to the
  nearest training digit, relative to that of the real test digits.

Each model is also trained by persistent CD with learning rate 0.01 (the
"PCD" rows), which shapes the model away from the data too: better
fantasies, worse features.

Run: ``python benchmarks/bench_binomial.py`` (3 seeds, about 5 minutes on 2
cores), or ``--seeds 1`` for a quick check. Timings are printed but measured
one model after the other: read them as rough.
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neighbors import NearestNeighbors
from sklearn.pipeline import make_pipeline

from skpoe import BernoulliPoE, BinomialPoE, ClassConditionalPoEClassifier

# What each contender sees and how its samples are put on the [0, 1] scale.
def pcd(cls):
    """The model trained by persistent CD (Tieleman 2008) at a tenth of the rate."""
    return lambda **kwargs: cls(persistent=True, learning_rate=0.01, **kwargs)


MODELS = {
    "BernoulliPoE() on X / 16": (BernoulliPoE, lambda X: X / 16.0, lambda S: S),
    "BinomialPoE() on X": (BinomialPoE, lambda X: X, lambda S: S / 16.0),
    "Bernoulli PCD on X / 16": (pcd(BernoulliPoE), lambda X: X / 16.0, lambda S: S),
    "Binomial PCD on X": (pcd(BinomialPoE), lambda X: X, lambda S: S / 16.0),
}


def sample_quality(samples, judge, neighbours, reference_distance):
    """(mean confidence, classes covered, distance to nearest training digit
    relative to real test digits') of samples on the [0, 1] scale."""
    proba = judge.predict_proba(samples)
    distance = neighbours.kneighbors(samples, 1)[0].mean()
    return proba.max(axis=1).mean(), len(set(proba.argmax(axis=1))), distance / reference_distance


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--n-steps", type=int, default=1000, help="Gibbs steps per sample")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=ConvergenceWarning)

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=0, stratify=y)
    judge = LogisticRegression(max_iter=2000).fit(X_train / 16, y_train)
    neighbours = NearestNeighbors().fit(X_train / 16)
    reference = neighbours.kneighbors(X_test / 16, 1)[0].mean()
    real = sample_quality(X_test / 16, judge, neighbours, reference)
    noise = sample_quality(np.random.default_rng(0).random((100, 64)), judge, neighbours,
                           reference)
    BinomialPoE(4, n_iter=1).fit(X_train[:50])  # Numba compilation, not timed

    print(f"load_digits: {len(X_train)} train / {len(X_test)} test, intensities 0..16\n")
    header = (f"{'model':25s} {'seed':>4s} {'features+LR':>11s} {'class-cond.':>11s} "
              f"{'sample conf.':>12s} {'classes':>7s} {'NN dist.':>8s} {'fit time':>8s}")
    print(header)
    for name, (cls, scale, unscale) in MODELS.items():
        for seed in range(args.seeds):
            start = time.perf_counter()
            pipe = make_pipeline(cls(random_state=seed), LogisticRegression(max_iter=1000))
            pipe.fit(scale(X_train), y_train)
            seconds = time.perf_counter() - start
            features = pipe.score(scale(X_test), y_test)
            classifier = ClassConditionalPoEClassifier(cls(), random_state=seed)
            conditional = classifier.fit(scale(X_train), y_train).score(scale(X_test), y_test)
            samples = unscale(pipe[0].sample(100, n_steps=args.n_steps, random_state=seed))
            confidence, classes, distance = sample_quality(samples, judge, neighbours, reference)
            print(f"{name:25s} {seed:4d} {features:11.4f} {conditional:11.4f} "
                  f"{confidence:12.3f} {classes:7d} {distance:8.2f} {seconds:7.1f}s", flush=True)
    for name, (confidence, classes, distance) in [("real test digits", real),
                                                  ("uniform noise", noise)]:
        print(f"{name:25s} {'':4s} {'':11s} {'':11s} {confidence:12.3f} {classes:7d} "
              f"{distance:8.2f}")


if __name__ == "__main__":
    main()
