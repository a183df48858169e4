"""
Pretraining for backpropagation: few labels, many unlabeled images
==================================================================

A :class:`skpoe.PretrainedMLPClassifier` trains a deep belief net on all
the images, labeled or not, then fine-tunes it as a feedforward net by
scikit-learn's backpropagation on the labeled ones (Hinton 2014, sec. 7).
The pretraining needs no labels, so it helps most "for learning tasks in
which there is a large amount of unlabeled data for pre-training and a
relatively small amount of labelled data for fine-tuning".

Here, on scikit-learn's 8x8 digits, only some of the training images keep
their label (the others get -1, scikit-learn's mark of an unlabeled
sample). Against the size of that labeled set: the test error of the
pretrained net, and of three models trained on the labeled images alone:
the same MLP from scikit-learn's random initialization
(``clone(clf.mlp_)``: the same settings and epochs), scikit-learn's
``MLPClassifier()`` with its defaults, and a logistic regression.
"""

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from skpoe import PretrainedMLPClassifier

# The MLPs' max_iter is their planned training length, not a failure to converge.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X / 16.0, y, test_size=0.3, random_state=0, stratify=y
)
rng = np.random.default_rng(0)
order = rng.permutation(len(X_train))  # labeled sets: nested prefixes of one order

# %%
# Test error against the number of labeled training images
# ---------------------------------------------------------
sizes = [30, 100, 300, len(X_train)]
names = ["pretrained on all images", "same MLP, random initialization",
         "MLPClassifier() (defaults)", "logistic regression"]
errors = {name: [] for name in names}
for n in sizes:
    labeled = order[:n]
    y_partial = np.full_like(y_train, -1)
    y_partial[labeled] = y_train[labeled]
    clf = PretrainedMLPClassifier(random_state=0).fit(X_train, y_partial)  # (128, 128) here
    others = [clone(clf.mlp_), MLPClassifier(random_state=0),
              LogisticRegression(max_iter=1000)]
    for model in others:
        model.fit(X_train[labeled], y_train[labeled])
    for name, model in zip(names, [clf, *others]):
        errors[name].append(100 * (1 - model.score(X_test, y_test)))
    print(f"{n:5d} labels: " + ", ".join(f"{e[-1]:5.2f}%" for e in errors.values()))
plain = others[0]  # with every label

fig, ax = plt.subplots(figsize=(6, 4))
for (name, error), marker in zip(errors.items(), "osdv"):
    ax.plot(sizes, error, marker=marker, label=name)
ax.set_xscale("log")
ax.set_xlabel("labeled training images (the others unlabeled)")
ax.set_ylabel("test error (%)")
ax.legend()
ax.set_title("Digits: pretraining on unlabeled images")
fig.tight_layout()

# %%
# Learning curves with every label
# --------------------------------
# The last fit above had every label: the fine-tuning's loss per epoch,
# from the pretrained weights and from random ones.
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(clf.loss_curve_, label="from the deep belief net")
ax.plot(plain.loss_curve_, label="from random weights")
ax.set_xlabel("epoch of backpropagation")
ax.set_ylabel("training loss")
ax.set_yscale("log")
ax.legend()
fig.tight_layout()
plt.show()
