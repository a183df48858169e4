"""
Class-conditional fantasies of a deep belief net
================================================

A :class:`skpoe.DeepBeliefNetClassifier` is a generative model of images
and their labels (Hinton, Osindero & Teh 2006). Clamping one label unit in
the top associative memory, running alternating Gibbs sampling there and
then one down-pass through the generative weights produces images the net
"imagines" for that class, as in Fig. 8 of the paper: one row per digit.

Uses MNIST when found (see :func:`skpoe.datasets.mnist_path`), else
scikit-learn's 8x8 digits.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from skpoe import BernoulliPoE, DeepBeliefNetClassifier
from skpoe.datasets import load_mnist, mnist_path
from skpoe.plotting import plot_images

if mnist_path() is not None:
    X, y = load_mnist("train")
    X, y = X[:20000], y[:20000]  # a short run; the paper used all 60,000
    sizes, layer, shape = (500, 500, 2000), BernoulliPoE(n_iter=10, random_state=0), (28, 28)
else:
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    sizes, layer, shape = (128, 128, 256), BernoulliPoE(n_iter=30, batch_size=20), (8, 8)

dbn = DeepBeliefNetClassifier(sizes, layer=layer, fine_tune_epochs=3,
                              fine_tune_learning_rate=0.001, random_state=0).fit(X, y)
print(f"training error: {100 * (1 - dbn.score(X, y)):.2f}%")

# %%
# Ten fantasies per digit, each from its own chain of 1,000 Gibbs steps
# with the label clamped.
n_per_class = 10
fantasies = np.vstack([
    dbn.sample_class(digit, n_per_class, n_steps=1000, random_state=digit)
    for digit in dbn.classes_
])
fig = plot_images(fantasies, shape, n_cols=n_per_class)
fig.suptitle("Fantasies with the label clamped, one row per digit")
plt.show()
