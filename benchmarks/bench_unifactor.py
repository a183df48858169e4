"""UnifactorPoE against UnigaussPoE with the same number of experts, on edges.

Hinton's edge images (2002, sec. 5; ``skpoe.datasets.make_edge_images``):
500 training and 500 held-out 10x10 images, 40 experts each, defaults
otherwise, several seeds. Goodness is unnormalized (each model has its own
log Z), so the comparison is per model: the AUC of goodness separating the
held-out edge images from impostors (Gaussian images with the training
images' mean and covariance; held-out images with a random 3x3 patch set to
one gray level), and the RMSE of the deterministic reconstructions
(``reconstruct``: the mean of the product of the experts on, factors at
their posterior means).

Run: ``python benchmarks/bench_unifactor.py`` (3 seeds, about 2 minutes on
2 cores). Fit times are measured one model after the other: rough.
"""

import argparse
import time

import numpy as np
from sklearn.metrics import roc_auc_score

from skpoe import UnifactorPoE, UnigaussPoE
from skpoe.datasets import make_edge_images


def impostors(X, X_test, rng):
    """Images that are not edges, by name."""
    gaussian = rng.multivariate_normal(X.mean(axis=0), np.cov(X.T), size=len(X_test))
    patched = X_test.copy().reshape(-1, 10, 10)
    for image, (i, j), level in zip(patched, rng.integers(0, 8, (len(X_test), 2)),
                                    rng.random(len(X_test))):
        image[i:i + 3, j:j + 3] = level
    return {"gaussian": gaussian, "3x3 patch": patched.reshape(len(X_test), -1)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--experts", type=int, default=40)
    args = parser.parse_args()
    X = make_edge_images(500, random_state=0)
    X_test = make_edge_images(500, random_state=1)
    others = impostors(X, X_test, np.random.default_rng(0))
    UnifactorPoE(3, n_iter=1).fit(X[:20])  # Numba compilation, not timed
    UnigaussPoE(3, n_iter=1).fit(X[:20])
    print(f"edges: 500 train / 500 held-out images, {args.experts} experts\n")
    print(f"{'model':13s} {'seed':>4s} " + " ".join(f"{'AUC ' + k:>15s}" for k in others)
          + f" {'recon. RMSE':>11s} {'on/image':>8s} {'fit time':>8s}")
    for cls in (UnifactorPoE, UnigaussPoE):
        for seed in range(args.seeds):
            start = time.perf_counter()
            model = cls(args.experts, random_state=seed).fit(X)
            seconds = time.perf_counter() - start
            good = model.score_samples(X_test)
            aucs = [roc_auc_score(np.r_[np.ones(len(good)), np.zeros(len(bad))],
                                  np.r_[good, model.score_samples(bad)])
                    for bad in others.values()]
            rmse = np.sqrt(np.mean((model.reconstruct(X_test) - X_test) ** 2))
            on = (model.transform(X_test)[:, :args.experts] > 0.5).sum(axis=1).mean()
            print(f"{cls.__name__:13s} {seed:4d} " + " ".join(f"{a:15.3f}" for a in aucs)
                  + f" {rmse:11.3f} {on:8.1f} {seconds:7.1f}s", flush=True)


if __name__ == "__main__":
    main()
