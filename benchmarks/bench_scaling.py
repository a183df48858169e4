"""How the cost of CD training grows: seconds per epoch and peak memory against size.

Three sweeps of ``BernoulliPoE`` (CD-1, minibatches of 100, float32), each
changing one size from a base of 60,000 samples x 784 inputs x 500 hidden
units, all measured in this one run:

* hidden units, 64 to 4,096 (on MNIST's 784 pixels);
* training samples, 1,000 to 1,000,000: MNIST itself up to 60,000, then
  synthetic binary images beyond (each pixel on with MNIST's mean
  probability, so the arithmetic is the same). Up to ``--in-memory``
  samples the data are one array given to ``fit``; beyond it they are a
  ``numpy.memmap`` on disk streamed through ``partial_fit`` in chunks, as a
  user with more data than memory would;
* input features, 64 to 4,096 (synthetic).

Peak memory is the peak of Python's allocations during one epoch (NumPy
reports its arrays to ``tracemalloc``), beyond the training data, which are
allocated before. Prints the tables and the exponents of a log-log fit of
time against size, and draws the log-log plot into ``--plot``.

Run: ``python benchmarks/bench_scaling.py`` (about 15 minutes on 2 cores;
the 1,000,000-sample memmap takes 3.1 GB of disk in ``--tmp``). Nothing
else should run on the machine meanwhile.
"""

import argparse
import os
import tempfile
import time
import tracemalloc

import numpy as np

from skpoe import BernoulliPoE
from _mnist import load_mnist  # the shared copy: see benchmarks/_mnist.py

BATCH = 100


def _epoch(model, X, chunk=None):
    """Seconds and peak extra memory (bytes) of one epoch: ``fit`` with
    ``n_iter=1``, or one pass of ``partial_fit`` over chunks of X."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    start = time.perf_counter()
    if chunk is None:
        model.set_params(n_iter=1).fit(X)
    else:
        for i in range(0, len(X), chunk):
            model.partial_fit(X[i:i + chunk])
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak


def _best(model_factory, X, rounds, chunk=None):
    results = [_epoch(model_factory(), X, chunk) for _ in range(rounds)]
    return min(r[0] for r in results), max(r[1] for r in results)


def _synthetic(n, n_features, mean, rng, out=None):
    """Binary images whose pixels are on with probabilities ``mean``, in blocks."""
    X = np.empty((n, n_features), np.float32) if out is None else out
    for i in range(0, n, 50_000):
        block = rng.random((min(50_000, n - i), n_features), dtype=np.float32)
        X[i:i + len(block)] = block < mean
    return X


def _slope(sizes, seconds):
    return float(np.polyfit(np.log(sizes), np.log(seconds), 1)[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="best of this many epochs")
    parser.add_argument("--max-samples", type=int, default=1_000_000)
    parser.add_argument("--in-memory", type=int, default=200_000,
                        help="beyond this many samples, stream a memmap through partial_fit")
    parser.add_argument("--chunk", type=int, default=10_000, help="partial_fit chunk size")
    parser.add_argument("--tmp", default=tempfile.gettempdir(), help="folder for the memmap")
    parser.add_argument("--base-samples", type=int, default=60_000,
                        help="samples of the hidden-unit and input-feature sweeps")
    parser.add_argument("--plot", default="benchmarks/figures/scaling.png")
    args = parser.parse_args()

    mnist, _ = load_mnist("train")  # float32 in [0, 1], C-ordered: fit copies nothing
    mean = mnist.mean(axis=0)
    rng = np.random.default_rng(0)
    BernoulliPoE(8, batch_size=BATCH, n_iter=1).fit(mnist[:500])  # Numba compilation

    def model(n_components=500):
        return lambda: BernoulliPoE(n_components, batch_size=BATCH, random_state=0)

    sweeps = {}
    print(f"BernoulliPoE CD-1, minibatches of {BATCH}, float32; best of {args.rounds} epochs\n")

    base = mnist[:args.base_samples]
    print(f"Hidden units ({len(base):,} MNIST images, 784 pixels)")
    print(f"{'hidden':>8s} {'s/epoch':>9s} {'peak MB':>8s}")
    rows = []
    for h in (64, 128, 256, 512, 1024, 2048, 4096):
        seconds, peak = _best(model(h), base, args.rounds)
        rows.append((h, seconds, peak))
        print(f"{h:8d} {seconds:9.3f} {peak / 1e6:8.1f}", flush=True)
    sweeps["hidden units"] = rows

    print("\nTraining samples (784 pixels, 500 hidden units)")
    print(f"{'samples':>9s} {'s/epoch':>9s} {'peak MB':>8s}  data")
    rows = []
    sizes = [n for n in (1_000, 3_000, 10_000, 30_000, 60_000, 200_000, 1_000_000)
             if n <= args.max_samples]
    for n in sizes:
        if n <= len(mnist):
            X, how, chunk = mnist[:n], "MNIST, in memory, fit", None
        elif n <= args.in_memory:
            X, how, chunk = _synthetic(n, 784, mean, rng), "synthetic, in memory, fit", None
        else:
            path = os.path.join(args.tmp, "skpoe_scaling.memmap")
            X = np.memmap(path, dtype=np.float32, mode="w+", shape=(n, 784))
            _synthetic(n, 784, mean, rng, out=X)
            X.flush()
            X = np.memmap(path, dtype=np.float32, mode="r", shape=(n, 784))
            how, chunk = f"synthetic memmap on disk, partial_fit in chunks of {args.chunk:,}", \
                args.chunk
        seconds, peak = _best(model(), X, args.rounds, chunk)
        rows.append((n, seconds, peak))
        print(f"{n:9d} {seconds:9.3f} {peak / 1e6:8.1f}  {how}", flush=True)
        if isinstance(X, np.memmap):
            del X
            os.remove(path)
    sweeps["training samples"] = rows

    print(f"\nInput features ({len(base):,} synthetic samples, 500 hidden units)")
    print(f"{'features':>9s} {'s/epoch':>9s} {'peak MB':>8s}")
    rows = []
    for f in (64, 256, 1024, 4096):
        X = _synthetic(len(base), f, rng.uniform(0.05, 0.3, f).astype(np.float32), rng)
        seconds, peak = _best(model(), X, args.rounds)
        rows.append((f, seconds, peak))
        print(f"{f:9d} {seconds:9.3f} {peak / 1e6:8.1f}", flush=True)
        del X
    sweeps["input features"] = rows

    print("\nLog-log slopes of seconds per epoch against size (1 = linear):")
    for name, rows in sweeps.items():
        sizes, seconds = zip(*[(r[0], r[1]) for r in rows])
        large = [(s, t) for s, t in zip(sizes, seconds) if s >= sizes[len(sizes) // 2]]
        print(f"  {name:18s} all sizes {_slope(sizes, seconds):5.2f}, "
              f"upper half {_slope(*zip(*large)):5.2f}")

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("\n(matplotlib not installed: no plot)")
        return
    fig, axes = plt.subplots(1, 3, figsize=(13, 4), layout="constrained")
    for ax, (name, rows) in zip(axes, sweeps.items()):
        sizes, seconds = zip(*[(r[0], r[1]) for r in rows])
        ax.loglog(sizes, seconds, "o-", label=f"slope {_slope(sizes, seconds):.2f}")
        ax.loglog(sizes, seconds[-1] * np.asarray(sizes) / sizes[-1], ":", color="0.5",
                  label="linear")
        ax.set_xlabel(name)
        ax.set_ylabel("seconds per epoch")
        ax.legend()
    fig.suptitle(f"BernoulliPoE CD-1 training cost (base: {len(base):,} x 784 -> 500, "
                 f"batch {BATCH}, float32)")
    os.makedirs(os.path.dirname(args.plot) or ".", exist_ok=True)
    fig.savefig(args.plot, dpi=100)
    print(f"\nplot: {args.plot}")


if __name__ == "__main__":
    main()
