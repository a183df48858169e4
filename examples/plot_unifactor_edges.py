"""
Unifactor experts on images of edges
====================================

A "unifactor" expert (Hinton 2002, sec. 11) is a mixture of a uniform and a
factor analyser with one factor: when it is on, it says the image is its
mean plus a multiple of its *loading* vector, a direction of variation in
image space, plus independent pixel noise. A unigauss expert
(:class:`skpoe.UnigaussPoE`) is the same without the factor (footnote 8):
it can only say "near my mean".

Images of one sigmoid edge (Hinton 2002, sec. 5) vary in a few directions:
the edge's position and orientation, and the two intensities on its sides.
This example fits 40 unifactor experts (:class:`skpoe.UnifactorPoE`) and 40
unigauss experts to 500 such images, shows what the factors learned, and
compares the two models on held-out images.
"""

# %%
# Data and fit
# ------------
# Both with their defaults: about 12,000 CD-1 updates, here 240 epochs of 50
# minibatches of 10 images.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import roc_auc_score

from skpoe import UnifactorPoE, UnigaussPoE
from skpoe.datasets import make_edge_images
from skpoe.plotting import plot_images, plot_learning_curve

X = make_edge_images(500, random_state=0)
X_test = make_edge_images(500, random_state=1)
unifactor = UnifactorPoE(40, random_state=0).fit(X)
unigauss = UnigaussPoE(40, random_state=0).fit(X)

# %%
# The learned loadings
# --------------------
# ``transform`` gives, for each expert, the posterior probability that it
# uses its factor analyser (the first 40 columns) and, given that it does,
# the posterior mean of its factor value (the last 40). Each row below is
# one of the eight experts on for the most images: its mean minus twice its
# loading (top row), its mean, its mean plus twice its loading (third
# row): the images it expects along its direction of variation, on the
# data's [0, 1] scale. The bottom figure shows the loadings themselves, each
# on its own gray scale. Most loadings change the intensities on one or both
# sides of the edge, the images' largest variation, and some also move the
# edge: one expert with a factor covers a family of edges that unigauss
# experts would need several experts for.
M = unifactor.n_components
latents = unifactor.transform(X)
on = latents[:, :M] > 0.5
used = on.sum(axis=0)
print(f"experts on per image: {on.sum(axis=1).mean():.1f} of {M} (expert 0 included); "
      f"unigauss: {(unigauss.transform(X) > 0.5).sum(axis=1).mean():.1f}")
top = np.argsort(-used[1:], kind="stable")[:8] + 1  # expert 0 has no factor
means, loadings = unifactor.means_[top], unifactor.loadings_[top]
fig = plot_images(np.clip(np.concatenate([means - 2 * loadings, means, means + 2 * loadings]),
                          0, 1), (10, 10), n_cols=8,
                  titles=[f"#{m}" for m in top] + [""] * 16)
fig.suptitle("Mean - 2 x loading, mean, mean + 2 x loading of the 8 most used experts")
fig = plot_images(loadings, (10, 10), n_cols=8, vmin=None, vmax=None,
                  titles=[f"#{m}: {used[m]}" for m in top])
fig.suptitle("Their loadings (number of training images on which each is on)")

# %%
# Reconstructions
# ---------------
# ``reconstruct`` takes the experts whose posterior is above 1/2, sets each
# one's factor to its posterior mean, and returns the mean of the product of
# their Gaussians ``N(mean + a z, Psi)``: the precision-weighted average of
# ``mean + a z``. Rows: held-out images, unifactor reconstructions,
# unigauss reconstructions (the same without factors).
X_unifactor, X_unigauss = unifactor.reconstruct(X_test), unigauss.reconstruct(X_test)
for name, X_recon in [("unifactor", X_unifactor), ("unigauss", X_unigauss)]:
    print(f"{name} reconstruction RMSE on held-out images: "
          f"{np.sqrt(np.mean((X_recon - X_test) ** 2)):.3f}")
fig = plot_images(np.concatenate([X_test[:10], X_unifactor[:10], X_unigauss[:10]]), (10, 10))
fig.suptitle("Held-out images; unifactor and unigauss reconstructions")

# %%
# Goodness on held-out images
# ---------------------------
# Goodness (``score_samples``) is log p(x) up to each model's own log Z, so
# the two models' values cannot be compared directly. What can be compared
# is how well each model's goodness separates held-out edge images from
# images that are not edges: the area under the ROC curve (AUC, 1 is
# perfect, 0.5 is chance) of goodness as a score, for
#
# * Gaussian images with the training images' mean and covariance: the
#   same first and second moments, none of the edges' structure;
# * held-out edge images with a random 3x3 patch set to one gray level.
#
# The unifactor experts capture the structure beyond the covariance much
# better (``benchmarks/bench_unifactor.py`` has several seeds).
rng = np.random.default_rng(0)
impostors = {"same mean and covariance": rng.multivariate_normal(
    X.mean(axis=0), np.cov(X.T), size=500)}
patched = X_test.copy().reshape(-1, 10, 10)
for image, (i, j), level in zip(patched, rng.integers(0, 8, (500, 2)), rng.random(500)):
    image[i:i + 3, j:j + 3] = level
impostors["3x3 patch"] = patched.reshape(-1, 100)
for impostor, X_other in impostors.items():
    labels = np.r_[np.ones(len(X_test)), np.zeros(len(X_other))]
    aucs = [roc_auc_score(labels, np.r_[model.score_samples(X_test), model.score_samples(X_other)])
            for model in (unifactor, unigauss)]
    print(f"AUC, held-out edges against {impostor}: unifactor {aucs[0]:.3f}, "
          f"unigauss {aucs[1]:.3f}")

# %%
# Learning curves
# ---------------
# Mean squared difference, in standardized units, between the data and
# their sampled one-step reconstructions during training.
fig = plot_learning_curve([unifactor.reconstruction_error_, unigauss.reconstruction_error_])
fig.axes[0].legend(["UnifactorPoE", "UnigaussPoE"])

plt.show()
