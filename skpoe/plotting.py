"""Pictures of products of experts: receptive fields, images, learning curves.

matplotlib is optional: install it with ``pip install skpoe[plotting]``.
Every function returns the matplotlib Figure it drew on.
"""

import math

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._math import to_dense


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "skpoe.plotting needs matplotlib: pip install skpoe[plotting]"
        ) from exc
    return plt


def _dense(X):
    return np.asarray(to_dense(X), dtype=float)


def _image_shape(n_features, image_shape):
    """Check ``image_shape``, or infer a square one from ``n_features``."""
    if image_shape is None:
        side = math.isqrt(n_features)
        if side * side != n_features:
            raise ValueError(
                f"Cannot infer image_shape: n_features={n_features} is not a "
                "perfect square. Pass image_shape=(height, width)."
            )
        return side, side
    image_shape = tuple(int(s) for s in image_shape)
    if math.prod(image_shape) != n_features:
        raise ValueError(
            f"image_shape={image_shape} has {math.prod(image_shape)} pixels "
            f"but the data have n_features={n_features}."
        )
    return image_shape


def _grid(images, n_cols, *, titles=None, cmap="gray", limits=None, fig=None):
    """Draw ``images`` (n, h, w) on a grid of ``n_cols`` columns, axes off.

    ``limits`` is a list of (vmin, vmax) per image; None lets imshow scale.
    Cells beyond the last image are removed, so ``fig.axes`` has one axes
    per image, in order.
    """
    n = len(images)
    if n == 0:
        raise ValueError("No images to plot.")
    n_cols = max(1, min(n_cols, n))
    n_rows = math.ceil(n / n_cols)
    row_height = 1.15 if titles is not None else 0.9  # inches per row
    if fig is None:
        # 0.4 inch above the grid leaves room for a suptitle.
        fig = _pyplot().figure(figsize=(0.9 * n_cols, row_height * n_rows + 0.4))
    axes = fig.subplots(n_rows, n_cols, squeeze=False).ravel()
    for i, ax in enumerate(axes):
        if i >= n:
            fig.delaxes(ax)
            continue
        vmin, vmax = limits[i] if limits is not None else (None, None)
        ax.imshow(images[i], cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
        ax.set_axis_off()
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize="small")
    height = fig.get_figheight() if hasattr(fig, "get_figheight") else None
    top = max(0.5, 1 - 0.4 / height) if height else 0.9
    fig.subplots_adjust(
        left=0.02, right=0.98, bottom=0.02, top=top,
        wspace=0.05, hspace=0.3 if titles is not None else 0.05,
    )
    return fig


def plot_filters(
    components, image_shape=None, *, n_filters=100, n_cols=None, fig=None,
    cmap="gray", symmetric=True,
):
    """Show receptive fields (rows of the weight matrix) as a grid of images.

    Like Fig. 5 of Hinton (2002): each hidden unit's weights to the pixels,
    drawn as an image. With ``symmetric=True`` each filter gets its own
    color scale, symmetric around 0 (``vmin=-m, vmax=m`` with ``m`` the
    largest absolute weight of that filter), so zero is mid-gray, positive
    weights are light and negative weights dark with ``cmap="gray"``. A
    per-filter scale shows the shape of every filter, whatever its norm;
    compare norms with the arrays themselves.

    Parameters
    ----------
    components : estimator or array-like of shape (n_components, n_features)
        A fitted estimator with a ``components_`` attribute (such as
        :class:`skpoe.BernoulliPoE`), or the weights themselves.
    image_shape : tuple of int, default=None
        (height, width) of one image. Inferred for a square number of
        features (784 -> (28, 28)); required otherwise.
    n_filters : int, default=100
        Plot the first ``n_filters`` filters (all if fewer).
    n_cols : int, default=None
        Number of columns of the grid; default ``ceil(sqrt(n_filters))``.
    fig : matplotlib Figure or SubFigure, default=None
        Where to draw; a new figure by default.
    cmap : str or Colormap, default="gray"
        Colormap of the images.
    symmetric : bool, default=True
        If True, a per-filter color scale symmetric around 0 (see above).
        If False, each filter is stretched from its own minimum to maximum.

    Returns
    -------
    fig : matplotlib Figure
        One axes per filter, in order, each holding one image.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skpoe.plotting import plot_filters
    >>> W = np.random.default_rng(0).standard_normal((6, 16))
    >>> fig = plot_filters(W)  # 4x4 images, inferred
    >>> len(fig.axes)
    6
    >>> fig.axes[0].images[0].get_array().shape
    (4, 4)
    """
    if hasattr(components, "fit"):
        check_is_fitted(components, "components_")
        components = components.components_
    W = _dense(components)
    if W.ndim != 2:
        raise ValueError(f"components must be 2-D (n_components, n_features); got {W.ndim}-D.")
    W = W[:n_filters]
    images = W.reshape(-1, *_image_shape(W.shape[1], image_shape))
    limits = None
    if symmetric:
        limits = [(-m, m) if m > 0 else (-1, 1) for m in np.abs(W).max(axis=1)]
    if n_cols is None:
        n_cols = math.ceil(math.sqrt(len(W)))
    return _grid(images, n_cols, cmap=cmap, limits=limits, fig=fig)


def plot_images(
    X, image_shape=None, *, n_cols=10, titles=None, fig=None, cmap="gray",
    vmin=0.0, vmax=1.0,
):
    """Show the rows of ``X`` (data, samples, fantasies) as a grid of images.

    Parameters
    ----------
    X : array-like of shape (n_images, n_features) or (n_images, height, width)
        The images, flattened or not. Sparse matrices are densified.
    image_shape : tuple of int, default=None
        (height, width) of flattened images; inferred when square.
    n_cols : int, default=10
        Number of columns of the grid.
    titles : sequence of str, default=None
        One title per image, e.g. the labels.
    fig : matplotlib Figure or SubFigure, default=None
        Where to draw; a new figure by default.
    cmap : str or Colormap, default="gray"
        Colormap of the images.
    vmin, vmax : float or None, default=0.0, 1.0
        Color scale shared by all images: [0, 1] suits probabilities such as
        the output of ``BernoulliPoE.sample``. None scales each image to its
        own range.

    Returns
    -------
    fig : matplotlib Figure
        One axes per image, in order, each holding one image.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skpoe.plotting import plot_images
    >>> X = np.random.default_rng(0).random((5, 6))
    >>> fig = plot_images(X, image_shape=(2, 3), n_cols=3, titles="abcde")
    >>> len(fig.axes)
    5
    """
    X = _dense(X)
    if X.ndim == 1:
        X = X[None]
    if X.ndim == 2:
        X = X.reshape(-1, *_image_shape(X.shape[1], image_shape))
    elif X.ndim != 3:
        raise ValueError(f"X must be 2-D or 3-D; got {X.ndim}-D.")
    if titles is not None and len(titles) != len(X):
        raise ValueError(f"Got {len(titles)} titles for {len(X)} images.")
    return _grid(X, n_cols, titles=titles, cmap=cmap, limits=[(vmin, vmax)] * len(X), fig=fig)


def plot_reconstructions(estimator, X, image_shape=None, *, n=10, fig=None, cmap="gray"):
    """Show images (top row) above their reconstructions (bottom row).

    Parameters
    ----------
    estimator : fitted estimator with a ``reconstruct`` method
        Such as :class:`skpoe.BernoulliPoE`.
    X : array-like of shape (n_samples, n_features)
        Images, values in [0, 1]; the first ``n`` are shown.
    image_shape : tuple of int, default=None
        (height, width) of one image; inferred when square.
    n : int, default=10
        Number of images.
    fig : matplotlib Figure or SubFigure, default=None
        Where to draw; a new figure by default.
    cmap : str or Colormap, default="gray"
        Colormap of the images, on a fixed [0, 1] scale.

    Returns
    -------
    fig : matplotlib Figure
        ``2 * n`` axes: the ``n`` originals, then their ``n`` reconstructions.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skpoe import BernoulliPoE
    >>> from skpoe.plotting import plot_reconstructions
    >>> X = (np.random.default_rng(0).random((20, 9)) < 0.5).astype(float)
    >>> poe = BernoulliPoE(n_components=4, n_iter=2, random_state=0).fit(X)
    >>> fig = plot_reconstructions(poe, X, n=3)
    >>> len(fig.axes)
    6
    """
    X = X[:n]
    originals = _dense(X)
    recon = _dense(estimator.reconstruct(X))
    n = len(originals)
    return plot_images(
        np.concatenate([originals, recon]), image_shape, n_cols=n, fig=fig, cmap=cmap
    )


def plot_learning_curve(estimator_or_curve, *, ax=None):
    """Plot the reconstruction error per epoch (``reconstruction_error_``).

    Parameters
    ----------
    estimator_or_curve : estimator, array-like of shape (n_epochs,) or list of them
        A fitted estimator with ``reconstruction_error_`` (a stack's is one
        curve per layer), a curve, or a list of curves.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure by default.

    Returns
    -------
    fig : matplotlib Figure
        The figure of the axes, with one line per curve (labelled
        "layer 1", "layer 2", ... when there are several): epoch 1, 2, ...
        on x.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skpoe.plotting import plot_learning_curve
    >>> fig = plot_learning_curve([0.09, 0.05, 0.04])
    >>> fig.axes[0].lines[0].get_ydata().tolist()
    [0.09, 0.05, 0.04]
    """
    if hasattr(estimator_or_curve, "fit"):
        check_is_fitted(estimator_or_curve, "reconstruction_error_")
        estimator_or_curve = estimator_or_curve.reconstruction_error_
    if len(estimator_or_curve) and np.ndim(estimator_or_curve[0]) == 1:
        curves = [np.asarray(c, dtype=float) for c in estimator_or_curve]
    else:
        curves = [np.asarray(estimator_or_curve, dtype=float).ravel()]
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    if ax is None:
        ax = plt.figure(figsize=(5, 3.5), layout="constrained").subplots()
    for k, curve in enumerate(curves):
        label = f"layer {k + 1}" if len(curves) > 1 else None
        ax.plot(np.arange(1, len(curve) + 1), curve, marker="o", label=label)
    if len(curves) > 1:
        ax.legend()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("reconstruction error (MSE)")
    ax.set_title("Learning curve")
    ax.grid(True, alpha=0.3)
    return ax.figure
