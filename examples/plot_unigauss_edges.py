"""
Unigauss experts on images of edges
===================================

Hinton (2002, sec. 5 and Fig. 4) fits a product of 40 "unigauss" experts,
each a mixture of an axis-aligned Gaussian and a uniform, to 500 synthetic
10x10 images that each contain one sigmoid intensity edge of random
position, orientation and contrast. The means of the experts' Gaussians look
like edge detectors in various orientations, positions and polarities.

This example fits a :class:`skpoe.UnigaussPoE` to the same kind of images
with :func:`skpoe.datasets.make_edge_images`, shows the experts' means, and
reconstructs images as the product of the Gaussians that the experts choose.
"""

# %%
# Data
# ----
import matplotlib.pyplot as plt
import numpy as np

from skpoe import UnigaussPoE
from skpoe.datasets import make_edge_images
from skpoe.plotting import plot_images, plot_learning_curve

X = make_edge_images(500, random_state=0)
fig = plot_images(X[:20], (10, 10), n_cols=10)
fig.suptitle("Training images")

# %%
# Fit
# ---
# The defaults: about 12,000 CD-1 updates, here 240 epochs of 50 minibatches
# of 10 images (a few seconds). The fit is not sensitive to these settings:
# learning rates from 0.005 to 0.2 and a few thousand to 25,000 updates
# give much the same experts and reconstructions.
poe = UnigaussPoE(40, random_state=0)
poe.fit(X)

# %%
# The experts' means
# ------------------
# ``transform`` gives the posterior probability that each expert picks its
# Gaussian rather than its uniform. In 100 dimensions it is almost always
# close to 0 or 1, so we count for each expert the images on which it is
# "on" (posterior above 1/2). The figure shows the means of the experts'
# Gaussians, each stretched to its own gray scale, with the number of
# images it is on in its title, the most used first (the paper ordered its
# experts by hand). Expert 0 is the fixed, vague expert that keeps the
# product proper; it is on for every image and its mean is the average
# image.
#
# The experts in use look like the paper's: a light and a dark region
# separated by an edge, in many orientations, positions and polarities, and
# a few corner-like patterns. The most used ones have the least contrast:
# they stand for the many images whose two sides have similar intensities.
# Unlike the paper, where about half the
# experts pick their Gaussian for a given image, here only a few do: each
# expert specializes in a family of similar edges.
#
# Every expert starts at a randomly chosen training image (as a vague
# Gaussian). Started instead at random points of the box, in 100 dimensions
# an expert is far from every image: its Gaussian starts about 40 nats below
# its uniform, its posterior and so its learning signal are nearly zero, and
# a quarter of the experts never switched on.
R = poe.transform(X)
used = (R > 0.5).sum(axis=0)
order = np.argsort(-used, kind="stable")
print(f"experts on per image: {(R > 0.5).sum(axis=1).mean():.1f} of {poe.n_components} "
      "(expert 0 included)")
print(f"experts never on: {np.count_nonzero(used == 0)} of {poe.n_components - 1}")
fig = plot_images(poe.means_[order], (10, 10), n_cols=8, vmin=None, vmax=None,
                  titles=[f"#{m}: {used[m]}" for m in order])
fig.suptitle("Means of the 40 experts (number of images on which each is on)")

# %%
# Reconstructions
# ---------------
# Given an image, choose for each expert the Gaussian where its posterior is
# above 1/2 and take the mean of the product of the chosen Gaussians: the
# precision-weighted average of their means. Top row: training images;
# bottom row: these reconstructions. With only a few experts on, each
# reconstruction is close to the template of one family of edges: most
# follow the edge's position and orientation, but with less contrast, and
# faint edges are often lost. They are good, not the paper's "excellent".
chosen = (R > 0.5).astype(float)
precisions = 1.0 / poe.variances_
X_recon = (chosen @ (precisions * poe.means_)) / (chosen @ precisions)
rmse = np.sqrt(np.mean((X_recon - X) ** 2))
print(f"reconstruction RMSE: {rmse:.3f} (pixel values in [0, 1]; "
      f"their standard deviation is {X.std():.3f})")
fig = plot_images(np.concatenate([X[:10], X_recon[:10]]), (10, 10), n_cols=10)
fig.suptitle("Training images (top) and products of the chosen Gaussians (bottom)")

# %%
# Learning curve
# --------------
# The mean squared difference, in standardized units, between the data and
# their sampled one-step reconstructions during training.
plot_learning_curve(poe)

plt.show()
