"""
A deep Boltzmann machine on the digits: fantasies and features
==============================================================

A :class:`skpoe.DeepBoltzmannMachine` is pretrained as a stack of RBMs,
composed into one undirected model in which every hidden layer gets input
from the layers below and above it, and trained jointly: mean-field
inference for the data, persistent Markov chains for the model
(Hinton 2014, sec. 8-9; Salakhutdinov & Hinton 2009).

Two things it gives: fantasies, by alternating Gibbs sampling of all its
layers, and features, the mean-field posterior of its hidden layers, which
a linear classifier can use. Here on scikit-learn's 8x8 digits.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from skpoe import DeepBoltzmannMachine
from skpoe.plotting import plot_images

X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)

# %%
# Features: the mean-field marginals of both hidden layers (300 columns)
# into a logistic regression, against the pixels themselves.
pipe = make_pipeline(DeepBoltzmannMachine((100, 200), n_iter=40, random_state=0),
                     LogisticRegression(max_iter=2000)).fit(X_train, y_train)
pixels = LogisticRegression(max_iter=2000).fit(X_train, y_train)
print(f"test error, DBM features + logistic regression: "
      f"{100 * (1 - pipe.score(X_test, y_test)):.2f}%")
print(f"test error, pixels + logistic regression:       "
      f"{100 * (1 - pixels.score(X_test, y_test)):.2f}%")

# %%
# The variational bound on the test log-likelihood, with log Z by annealed
# importance sampling.
dbm = pipe[0]
bound = dbm.score_samples(X_test).mean() - dbm.log_partition(n_betas=2000)
print(f"{dbm.n_updates_} joint updates; test bound {bound:.1f} nats per image")

# %%
# Fantasies: 1,000 steps of Gibbs sampling, odd layers then even layers,
# from the persistent chains of training (top two rows) and from random
# states (bottom two rows).
fantasies = np.vstack([dbm.sample(20, n_steps=1000, from_chains=True, random_state=0),
                       dbm.sample(20, n_steps=1000, random_state=1)])
fig = plot_images(fantasies, (8, 8), n_cols=10)
fig.suptitle("Fantasies: from the persistent chains (top), from random states")
plt.show()
