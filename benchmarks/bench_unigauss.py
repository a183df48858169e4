"""Seconds per epoch of UnigaussPoE at three sizes: cost grows as n x D x M.

Fits ``UnigaussPoE`` on random Gaussian data for a few epochs at three
sizes, each multiplying ``n_samples x n_features x n_components`` by 4 over
the last, and prints seconds per epoch with the time per unit of
``n_samples * n_features * n_components``: if the cost is linear in that
product, the last column stays about constant.
Run: ``python benchmarks/bench_unigauss.py``; nothing else should run meanwhile.
"""

import time

import numpy as np

from skpoe import UnigaussPoE


def main():
    sizes = [(10000, 100, 50), (20000, 100, 100), (40000, 200, 100)]
    rng = np.random.default_rng(0)
    UnigaussPoE(3, n_iter=1).fit(rng.normal(size=(100, 3)))  # Numba compilation
    print(f"{'n_samples':>9s} {'n_features':>10s} {'n_components':>12s} "
          f"{'s/epoch':>8s} {'ns per n*D*M':>13s}")
    for n, d, m in sizes:
        X = rng.normal(size=(n, d)).astype(np.float32)
        best = np.inf
        for _ in range(3):
            model = UnigaussPoE(m, n_iter=2, random_state=0)
            start = time.perf_counter()
            model.fit(X)
            best = min(best, (time.perf_counter() - start) / 2)
        print(f"{n:9d} {d:10d} {m:12d} {best:8.3f} {1e9 * best / (n * d * m):13.3f}")


if __name__ == "__main__":
    main()
