"""Pretrained MLPs on MNIST (Hinton 2014, sec. 7): pretraining against random initialization.

Two parts, each measured side by side in one run, with the official 10,000
test images:

* ``full``: ``PretrainedMLPClassifier((500, 500, 2000))`` with its defaults
  on the 60,000 training images, against the same MLP from scikit-learn's
  random initialization (``clone(clf.mlp_)``: the same settings and epochs)
  and, for reference, ``LogisticRegression()``. Hinton & Salakhutdinov
  (2006) report 1.2% for the pretrained net. The pretrained fit's time is
  split into pretraining and fine-tuning (the fine-tuning's is the
  random-initialization fit's, which does the same epochs).
* ``few``: 100 labels per class, the other 59,000 images unlabeled
  (``y == -1``): ``PretrainedMLPClassifier((500, 500, 2000))`` pretrained on
  all 60,000 and fine-tuned on the 1,000, against models that see only the
  1,000 labeled images: the same pretrained estimator, the same MLP from
  random initialization, ``MLPClassifier()`` with scikit-learn's defaults
  and ``LogisticRegression()``.

Run: ``python benchmarks/bench_pretrained_mlp.py`` (both parts), or
``--part full`` / ``--part few``. ``--n-train 10000`` and ``--max-iter 5``
make a quick check of the script.
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from skpoe import BernoulliPoE, PretrainedMLPClassifier
from _mnist import load_mnist  # the shared copy: see benchmarks/_mnist.py


def timed_fit(model, X, y):
    start = time.perf_counter()
    model.fit(X, y)
    return model, time.perf_counter() - start


def report(name, model, seconds, X_test, y_test, note=""):
    error = 100 * (1 - model.score(X_test, y_test))
    print(f"{name:58s} {error:9.2f}% {seconds:8.1f}s  {note}", flush=True)
    return error


def full(pretrained, X, y, X_test, y_test):
    print(f"\nAll {len(X):,} training images labeled")
    print(f"{'model':58s} {'test error':>10s} {'fit time':>9s}")
    clf, t_clf = timed_fit(clone(pretrained), X, y)
    plain, t_plain = timed_fit(clone(clf.mlp_), X, y)
    report(f"PretrainedMLPClassifier({clf.hidden_layer_sizes})", clf, t_clf, X_test, y_test,
           f"pretraining ~{t_clf - t_plain:.0f} s + fine-tuning {clf.n_iter_} epochs "
           f"(batch {clf.mlp_.batch_size})")
    report("  the same MLP, random initialization", plain, t_plain, X_test, y_test,
           f"{plain.n_iter_} epochs")
    lr, t_lr = timed_fit(LogisticRegression(), X, y)
    report("LogisticRegression() on pixels", lr, t_lr, X_test, y_test)


def few(pretrained, X, y, X_test, y_test, per_class, seed):
    rng = np.random.default_rng(seed)
    labeled = np.concatenate([rng.choice(np.flatnonzero(y == c), per_class, replace=False)
                              for c in np.unique(y)])
    y_partial = np.full_like(y, -1)
    y_partial[labeled] = y[labeled]
    X_lab, y_lab = X[labeled], y[labeled]
    print(f"\n{per_class} labels per class ({len(labeled):,} labeled, "
          f"{len(X) - len(labeled):,} unlabeled)")
    print(f"{'model':58s} {'test error':>10s} {'fit time':>9s}")
    clf, seconds = timed_fit(clone(pretrained), X, y_partial)
    report(f"PretrainedMLPClassifier({clf.hidden_layer_sizes}), all images", clf, seconds,
           X_test, y_test, f"fine-tuning {clf.n_iter_} epochs (batch {clf.mlp_.batch_size})")
    for name, model in [
        ("  the same, labeled images only (pretraining too)", clone(pretrained)),
        ("  the same MLP, random init., labeled images", clone(clf.mlp_)),
        ("MLPClassifier() (defaults), labeled images", MLPClassifier(random_state=0)),
        ("LogisticRegression(), labeled images", LogisticRegression()),
    ]:
        model, seconds = timed_fit(model, X_lab, y_lab)
        report(name, model, seconds, X_test, y_test)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["full", "few", "all"], default="all")
    parser.add_argument("--sizes", default="500,500,2000", help="hidden layer sizes")
    parser.add_argument("--labels-per-class", type=int, default=100)
    parser.add_argument("--n-train", type=int, default=60000,
                        help="training images (the first ones), for a quick check")
    parser.add_argument("--max-iter", type=int, default=None,
                        help="fine-tuning epochs (default: the estimator's)")
    parser.add_argument("--pretrain-epochs", type=int, default=None,
                        help="pretraining epochs per layer (default: the estimator's 'auto')")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    # The MLPs' max_iter is their planned training length; LR's lbfgs too.
    warnings.filterwarnings("ignore", category=ConvergenceWarning)

    X, y = load_mnist("train")
    X, y = X[:args.n_train], y[:args.n_train]
    X_test, y_test = load_mnist("test")
    sizes = tuple(int(s) for s in args.sizes.split(","))
    pretrained = PretrainedMLPClassifier(sizes, random_state=args.seed)
    if args.max_iter is not None:
        pretrained.set_params(max_iter=args.max_iter)
    if args.pretrain_epochs is not None:
        pretrained.set_params(layer=BernoulliPoE(n_iter=args.pretrain_epochs))
    BernoulliPoE(4, n_iter=1).fit(X[:50])  # compile the kernels outside the timings
    print(f"MNIST: {len(X):,} training images, {len(X_test):,} test images (float32); "
          f"{pretrained!r}")
    if args.part in ("full", "all"):
        full(pretrained, X, y, X_test, y_test)
    if args.part in ("few", "all"):
        few(pretrained, X, y, X_test, y_test, args.labels_per_class, args.seed)


if __name__ == "__main__":
    main()
