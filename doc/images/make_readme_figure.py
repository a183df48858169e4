"""Draw the README's picture: receptive fields of an RBM trained on MNIST,
and its reconstructions of test digits it never saw.

Run from the repository root (about 30 s on 2 cores; reads MNIST from
$SKPOE_MNIST or the project's shared copy, ../shared/data/mnist):

    python doc/images/make_readme_figure.py
"""

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from skpoe import BernoulliPoE  # noqa: E402
from skpoe.datasets import load_mnist  # noqa: E402
from skpoe.plotting import plot_filters, plot_reconstructions  # noqa: E402

MNIST = os.environ.get("SKPOE_MNIST", Path(__file__).resolve().parents[3] / "shared/data/mnist")
X, _ = load_mnist("train", path=MNIST)
X_test, _ = load_mnist("test", path=MNIST)
rbm = BernoulliPoE(n_components=500, n_iter=10, batch_size=100, random_state=0).fit(X)

fig = plt.figure(figsize=(12, 6.4), layout="constrained")
top, bottom = fig.subfigures(2, 1, height_ratios=[5, 2.4])
plot_filters(rbm, n_filters=100, n_cols=20, fig=top)
top.suptitle("100 of the 500 receptive fields a BernoulliPoE learned from MNIST (10 epochs)")
plot_reconstructions(rbm, X_test[:20], n=20, fig=bottom)
bottom.suptitle("unseen test digits (top) and the model's one-step reconstructions (bottom)")
out = Path(__file__).with_name("readme_filters.png")
fig.savefig(out, dpi=80)
print(f"wrote {out}")
