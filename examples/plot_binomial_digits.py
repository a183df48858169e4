"""
Replicated visible units on the digits' intensities
===================================================

scikit-learn's 8x8 digits have pixel intensities 0..16: counts. Hinton
(2002, sec. 11) models such values by *replicating* each visible unit: a
pixel of intensity v is v active units out of ``n_trials`` = 16 binary
replicas that all have the same weights to the hidden units. Given the
hidden states a pixel's count is binomial; given the counts, the hidden
units see them as they are. :class:`skpoe.BinomialPoE` is that RBM, so it
takes the digits with no scaling, where :class:`skpoe.BernoulliPoE` needs
``X / 16`` and treats each intensity as a probability.

This example fits both with their defaults and compares their features,
their reconstructions and their fantasies.
"""

# %%
# Fit
# ---
# ``n_trials="auto"`` takes the largest count in the training data: 16.
# Both models train for their default of about 6,000 CD-1 updates (here 57
# epochs of 106 minibatches of 17 images; a few seconds each).
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from skpoe import BernoulliPoE, BinomialPoE
from skpoe.plotting import plot_filters, plot_images

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, random_state=0, stratify=y)

binomial = make_pipeline(BinomialPoE(random_state=0), LogisticRegression(max_iter=1000))
binomial.fit(X_train, y_train)
bernoulli = make_pipeline(BernoulliPoE(random_state=0), LogisticRegression(max_iter=1000))
bernoulli.fit(X_train / 16, y_train)
poe = binomial[0]
print(f"n_trials_ = {poe.n_trials_}")

# %%
# Features for a classifier
# -------------------------
# ``transform`` gives P(h = 1 | v) for the 500 hidden units; a logistic
# regression on them classifies the held-out digits as well as on
# BernoulliPoE's features (``benchmarks/bench_binomial.py`` has three seeds
# and the class-conditional classifier too).
print(f"BinomialPoE() on the counts + LR: {binomial.score(X_test, y_test):.4f}")
print(f"BernoulliPoE() on X / 16 + LR:    {bernoulli.score(X_test / 16, y_test):.4f}")

# %%
# Receptive fields and reconstructions
# ------------------------------------
# The weights are per replica: a hidden unit's input is ``W . v`` over the
# counts, so they are about 1/16 of a BernoulliPoE's. ``reconstruct`` gives
# the expected counts ``16 * sigmoid(P(h | v) @ W + b)``; the bottom row
# shows them for the test digits above, on the same 0..16 scale.
fig = plot_filters(poe, (8, 8), n_filters=40, n_cols=10)
fig.suptitle("Receptive fields of 40 of the 500 hidden units")
fig = plot_images(np.r_[X_test[:10], poe.reconstruct(X_test[:10])], (8, 8), vmax=16)
fig.suptitle("Test digits (top) and their expected reconstructions (bottom)")

# %%
# Fantasies
# ---------
# ``sample`` runs alternating Gibbs sampling from random counts and returns
# the counts of the last step. The two models' fantasies after 1,000 steps,
# on the same scale (BernoulliPoE's are its visible probabilities):
# BernoulliPoE's look like digits (100 chains cover 7 to 10 classes in
# ``benchmarks/bench_binomial.py``); BinomialPoE's are fainter, blurred
# strokes from fewer classes. A hidden unit of the binomial model sees 16
# replicas of each pixel, so its conditionals are sharper, its chains mix
# more slowly, and CD-1, whose reconstructions stay close to the data, does
# not find the spurious modes the chains fall into. Persistent CD (its
# negative phase runs on chains that continue from update to update) shapes
# the model away from the data too: its fantasies are realistic digits, but
# the chains all fall into one or a few digit classes (here all alike), and its
# features are worse (97% with LR).
pcd = BinomialPoE(persistent=True, learning_rate=0.01, random_state=0).fit(X_train)
fantasies = [poe.sample(10, random_state=0) / 16,
             bernoulli[0].sample(10, random_state=0),
             pcd.sample(10, random_state=0) / 16]
fig = plot_images(np.concatenate(fantasies), (8, 8))
fig.suptitle("Fantasies: BinomialPoE (CD-1), BernoulliPoE (CD-1), BinomialPoE (PCD)")

plt.show()
