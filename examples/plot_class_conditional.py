"""
Class-conditional PoEs: goodness scores and the logistic layer
==============================================================

A :class:`skpoe.ClassConditionalPoEClassifier` trains one product of experts
per digit class and classifies by the goodness each model gives an image
(its log probability up to the model's own log Z), through a logistic
regression trained on held-out images (Hinton 2002, sec. 9; Mayraz & Hinton
2002).

Two pictures from the papers:

* the goodness of test 7s and 9s under the 7s model and the 9s model
  (Mayraz & Hinton Fig. 6, Hinton 2002 Fig. 9): each class lies on its own
  side of the diagonal, shifted by the difference in the models' log Z;
* the weights the logistic regression learned from each model's score of
  each layer (Hinton 2002 Fig. 10): a strong positive diagonal, each class
  trusting its own model, and negative weights from confusable classes.

Uses MNIST when found (see :func:`skpoe.datasets.mnist_path`), else
scikit-learn's 8x8 digits.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from skpoe import BernoulliPoE, ClassConditionalPoEClassifier, DeepBeliefNet
from skpoe.datasets import load_mnist, mnist_path

if mnist_path() is not None:
    X_train, y_train = load_mnist("train")
    X_test, y_test = load_mnist("test")
    X_train, y_train = X_train[:20000], y_train[:20000]  # a short run
    layer = BernoulliPoE(n_iter=10)
    sizes = (200, 200)
else:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=0.3, random_state=0, stratify=y
    )
    layer = BernoulliPoE(n_iter=50, batch_size=10)
    sizes = (64, 64)

# %%
# Two layers per class model; 5-fold cross-fitting for the logistic layer.
clf = ClassConditionalPoEClassifier(
    DeepBeliefNet(sizes, layer=layer), cv=5, n_jobs=2, random_state=0
).fit(X_train, y_train)
print(f"test error: {100 * (1 - clf.score(X_test, y_test)):.2f}%")

# %%
# 7s against 9s
# -------------
# Total goodness (both layers) under the two models, for test images of
# each class. The dashed line marks equal goodness; the models' log Z
# differ, so the boundary the classifier uses is shifted from it.
scores = clf.transform(X_test).reshape(len(X_test), 10, clf.n_layers_).sum(-1)
fig, ax = plt.subplots(figsize=(5, 5))
for digit, color in ((7, "C0"), (9, "C3")):
    rows = y_test == digit
    ax.scatter(scores[rows, 7], scores[rows, 9], s=6, c=color, alpha=0.6,
               label=f"test {digit}s")
low, high = scores[:, [7, 9]].min(), scores[:, [7, 9]].max()
ax.plot([low, high], [low, high], "k--", lw=1)
ax.set_xlabel("goodness under the 7s model")
ax.set_ylabel("goodness under the 9s model")
ax.legend()

# %%
# The logistic layer's weights
# ----------------------------
# One row per output class, one column per (class model, layer) score, on
# standardized scores. Fig. 10 of Hinton (2002) shows the same pattern.
weights = clf.final_estimator_[-1].coef_
limit = np.abs(weights).max()
fig, ax = plt.subplots(figsize=(9, 4))
image = ax.imshow(weights, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
ax.set_xticks(range(weights.shape[1]), clf.get_feature_names_out(), rotation=90,
              fontsize=7)
ax.set_yticks(range(10), [f"class {c}" for c in clf.classes_])
fig.colorbar(image, ax=ax, label="weight")
fig.tight_layout()
plt.show()
