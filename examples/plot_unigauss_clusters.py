"""
Unigauss experts on a grid of clusters
======================================

A :class:`skpoe.UnigaussPoE` is a product of "unigauss" experts: each expert
is a mixture of one axis-aligned Gaussian and a uniform, so it can either
vote for a region of the space or abstain. Hinton (1999, Fig. 1; 2002,
Fig. 2-3) fits 15 such experts to tight 2-D clusters on a 5x5 grid with the
centre point missing: the data factorize into "x is near an integer" times
"y is near an integer", and the product can represent each cluster as the
intersection of two Gaussians elongated along different axes. Because the
model represents rows and columns rather than clusters, it should also give
high probability to the grid point that is missing in the data.

This example reproduces the fit, draws the experts' Gaussians, and checks
both claims: the goodness (unnormalized log density) of the missing point,
and where prolonged Gibbs samples from the model land.
"""

# %%
# Data and fit
# ------------
# 100 points in each of 24 clusters of standard deviation 0.05, at the
# integer points of a 5x5 grid without ``(2, 2)``. Expert 0 is the special
# expert of the paper: it always picks its Gaussian, which is kept at a vague
# Gaussian over the data (dashed below) so the product is always proper.
# The defaults train for about 12,000 CD-1 updates: here 120 epochs of 100
# minibatches of 24 points (about a second).
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Ellipse

from skpoe import UnigaussPoE
from skpoe.datasets import make_grid_clusters

X = make_grid_clusters(100, random_state=0)
poe = UnigaussPoE(15, random_state=0).fit(X)

grid = np.array([(i, j) for i in range(5) for j in range(5)], dtype=float)
missing = np.array([2.0, 2.0])
is_missing = np.all(grid == missing, axis=1)

sigmas = np.sqrt(poe.variances_)
print("expert  mean (x, y)      sigma (x, y)     mixing")
for m, (mean, sigma, pi) in enumerate(zip(poe.means_, sigmas, poe.mixing_)):
    print(f"{m:6d}  ({mean[0]:5.2f}, {mean[1]:5.2f})  ({sigma[0]:5.2f}, {sigma[1]:5.2f})"
          f"  {pi:6.3f}")

# %%
# Goodness of the missing grid point
# ----------------------------------
# ``score_samples`` returns the goodness ``sum_m log f_m(x)``, the log
# density up to the unknown constant ``log Z``. Comparing it between points
# needs no ``Z``. The missing point, where there was never any data, gets a
# goodness inside the range of the 24 observed cluster centres, close to that
# of its observed neighbours in row ``y = 2`` and column ``x = 2``: the
# product has generalized from rows and columns, as in the paper.
goodness = poe.score_samples(grid)
observed = goodness[~is_missing]
print(f"goodness at the missing point (2, 2): {goodness[is_missing][0]:.2f}")
print(f"goodness at the observed grid points: min {observed.min():.2f}, "
      f"max {observed.max():.2f}")

# %%
# Prolonged Gibbs sampling
# ------------------------
# Chains start at random points in the uniform's box and alternate between
# choosing Gaussian or uniform in every expert and sampling the product of
# the chosen Gaussians, annealed from temperature 10 to 1 in the first half
# of the 100 steps (Hinton 2002, Fig. 3 used 25 annealed steps).
#
# As in Fig. 3 of the paper, the samples land on the grid points, the
# missing one included: the model learned rows and columns, not a list of
# clusters. (CD-1 only matches the model to the data locally, around each
# cluster, so nothing forces the clusters' masses to be exactly equal: the
# goodness of the cluster centres differs by a few nats, and the counts
# below are uneven for that reason.)
samples = poe.sample(300, n_steps=100, random_state=0)
distance = np.linalg.norm(samples[:, None, :] - grid[None, :, :], axis=2)
nearest = distance.argmin(axis=1)
close = distance.min(axis=1) < 0.25
counts = np.bincount(nearest[close], minlength=len(grid))
print(f"samples within 0.25 of a grid point: {close.sum()} of {len(samples)}")
print(f"samples within 0.25 of the missing point (2, 2): {counts[is_missing][0]}")
print(f"grid points with at least one sample: {np.count_nonzero(counts)} of 25")
print("samples per grid point (rows: x = 0..4, columns: y = 0..4):")
print(counts.reshape(5, 5))

# %%
# Pictures
# --------
# Left: the data and the one-standard-deviation ellipse of each expert's
# Gaussian, darker for experts with a higher mixing proportion; expert 0 is
# dashed. Each cluster sits where a Gaussian narrow in x crosses one narrow
# in y. Unlike the paper's fit, where five unneeded experts stay vague, here
# only one does (the wide one near ``(3.6, 3.2)``): the spare experts double
# up on a row or a column instead. Right: the Gibbs samples.
fig, (ax_fit, ax_samples) = plt.subplots(1, 2, figsize=(11, 5.5), layout="constrained")
ax_fit.scatter(X[:, 0], X[:, 1], s=2, color="0.4")
for m, (mean, sigma, pi) in enumerate(zip(poe.means_, sigmas, poe.mixing_)):
    ax_fit.add_patch(Ellipse(
        mean, width=2 * sigma[0], height=2 * sigma[1], fill=False,
        color="k" if m == 0 else f"C{m % 10}", linestyle="--" if m == 0 else "-",
        alpha=max(0.2, pi), linewidth=1.5,
    ))
ax_fit.set_title("Data and the experts' 1-sigma ellipses")

ax_samples.scatter(samples[:, 0], samples[:, 1], s=6, color="C0", alpha=0.5,
                   label=f"{len(samples)} Gibbs samples")
ax_samples.scatter(*missing, s=400, facecolor="none", edgecolor="C3", linewidth=2,
                   label="missing grid point")
ax_samples.set_title("Prolonged Gibbs sampling (100 annealed steps)")
ax_samples.legend(loc="upper right", fontsize="small")

for ax in (ax_fit, ax_samples):
    ax.set_xlim(-1, 5)
    ax.set_ylim(-1, 5)
    ax.set_aspect("equal")
    ax.set_xlabel("x")
    ax.set_ylabel("y")

plt.show()
