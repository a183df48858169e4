"""
Novelty detection by goodness
=============================

A product of experts trained on one kind of data gives other data low
goodness (log probability up to the constant log Z). Hinton (2002, sec. 9)
proposes novelty detection with one threshold on goodness.
:class:`skpoe.PoENoveltyDetector` trains a :class:`skpoe.BernoulliPoE` on
images of a single digit and flags every other digit as novel; the ROC
curve and its area measure how well goodness separates them.

Uses MNIST when found (see :func:`skpoe.datasets.mnist_path`), else
scikit-learn's 8x8 digits.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import RocCurveDisplay, roc_auc_score

from skpoe import BernoulliPoE, PoENoveltyDetector
from skpoe.datasets import load_mnist, mnist_path

normal_digit = 3
if mnist_path() is not None:
    X_train, y_train = load_mnist("train")
    X_test, y_test = load_mnist("test")
    X_train = X_train[y_train == normal_digit]
    poe = BernoulliPoE(200, n_iter=20, random_state=0)
else:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=0.5, random_state=0, stratify=y
    )
    X_train = X_train[y_train == normal_digit]
    poe = BernoulliPoE(32, n_iter=30, batch_size=20, random_state=0)

# %%
# Train on the normal class only; the threshold lets 5% of it be rejected.
detector = PoENoveltyDetector(poe, contamination=0.05).fit(X_train)
scores = detector.decision_function(X_test)
is_normal = (y_test == normal_digit).astype(int)
print(f"ROC AUC, {normal_digit}s against all other digits: "
      f"{roc_auc_score(is_normal, scores):.4f}")
for digit in range(10):
    if digit != normal_digit:
        mask = (y_test == normal_digit) | (y_test == digit)
        auc = roc_auc_score(is_normal[mask], scores[mask])
        rejected = np.mean(detector.predict(X_test[y_test == digit]) == -1)
        print(f"  vs {digit}: AUC {auc:.4f}, {100 * rejected:5.1f}% flagged novel")

# %%
# Goodness histograms and the ROC curve.
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
ax1.hist(scores[is_normal == 1], bins=40, alpha=0.6, density=True,
         label=f"{normal_digit}s (normal)")
ax1.hist(scores[is_normal == 0], bins=40, alpha=0.6, density=True,
         label="other digits")
ax1.axvline(0, color="k", linestyle="--", label="threshold")
ax1.set_xlabel("goodness - threshold")
ax1.legend()
RocCurveDisplay.from_predictions(is_normal, scores, ax=ax2, name="PoE goodness")
fig.tight_layout()
plt.show()
