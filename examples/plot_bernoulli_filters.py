"""
Receptive fields of a BernoulliPoE on handwritten digits
========================================================

A :class:`skpoe.BernoulliPoE` (a restricted Boltzmann machine) is a product
of binary experts: each hidden unit is an expert whose weights to the pixels,
its *receptive field*, say which strokes it votes for. Trained by
contrastive divergence on digits, the experts learn localized strokes and
blobs, as in Fig. 5 of Hinton (2002).

The example trains on MNIST when the IDX files are found (see
:func:`skpoe.datasets.mnist_path`), and otherwise on scikit-learn's small
8x8 ``load_digits`` set, scaled to [0, 1]. Set the environment variable
``SKPOE_MNIST`` to an empty folder to use the digits even when MNIST is there.
"""

# %%
# Data
# ----
# The MNIST run is kept short: 20,000 training images and 20 epochs, 4,000
# minibatch updates (about 20 seconds on two cores). After so few updates
# about half the experts are localized blobs and strokes and the rest are
# still noisy; they sharpen with more updates. For a longer run raise
# ``n_train`` (up to 60,000) and ``n_iter`` (30-50): the cost grows with
# ``n_train * n_iter * n_components``.
import matplotlib.pyplot as plt
import numpy as np

from skpoe import BernoulliPoE
from skpoe.datasets import load_mnist, mnist_path
from skpoe.plotting import (
    plot_filters,
    plot_learning_curve,
    plot_reconstructions,
)

use_mnist = mnist_path() is not None
if use_mnist:
    n_train = 20_000
    X_train, _ = load_mnist("train")
    X_train = X_train[:n_train]
    X_test, _ = load_mnist("test")
    image_shape = (28, 28)
    poe = BernoulliPoE(n_components=500, n_iter=20, random_state=0, verbose=1)
else:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, _ = load_digits(return_X_y=True)
    X_train, X_test = train_test_split(X / 16.0, test_size=0.2, random_state=0)
    image_shape = (8, 8)
    poe = BernoulliPoE(
        n_components=64, n_iter=30, batch_size=20, learning_rate=0.05,
        random_state=0, verbose=1,
    )
print(f"Training on {len(X_train)} images of {image_shape[0]}x{image_shape[1]} pixels")

# %%
# Training
# --------
poe.fit(X_train)

# %%
# Receptive fields
# ----------------
# Each image is one hidden unit's weights, on its own gray scale symmetric
# around zero: light pixels excite the unit, dark ones inhibit it.
n_filters = min(100, poe.n_components)
fig = plot_filters(poe, image_shape, n_filters=n_filters)
fig.suptitle(f"Receptive fields of the first {n_filters} experts")

# %%
# Reconstructions of held-out images
# ----------------------------------
# Top row: test images the model never saw. Bottom row: their mean-field
# reconstructions ``sigmoid(P(h|v) W + b)`` through the hidden units.
fig = plot_reconstructions(poe, X_test, image_shape, n=10)
fig.suptitle("Held-out images (top) and reconstructions (bottom)")

# %%
# Learning curve
# --------------
# The mean squared reconstruction error of the training minibatches, per
# epoch. It is a cheap proxy that falls as the model learns; it is not the
# log-likelihood that CD approximately climbs. During training the
# reconstructions are driven by *sampled* binary hidden states, so the curve
# sits above the error of the deterministic ``reconstruct`` printed below.
plot_learning_curve(poe)
test_error = np.mean((X_test - poe.reconstruct(X_test)) ** 2)
print(f"Held-out reconstruction error: {test_error:.4f}")

plt.show()
