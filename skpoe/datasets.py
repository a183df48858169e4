"""Loading MNIST from the official IDX files, for benchmarks and slow tests.

skpoe ships no data: it reads the files where you keep them (the project's
benchmarks look in ``../shared/data/mnist`` beside the repository, or in the
folder named by the ``SKPOE_MNIST`` environment variable).
"""

import gzip
import os
from pathlib import Path

import numpy as np

_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def mnist_path(path=None):
    """The MNIST folder: ``path``, else ``$SKPOE_MNIST``, else ``../shared/data/mnist``.

    A set ``SKPOE_MNIST`` is the only place searched (set it to an empty
    folder to make benchmarks and examples fall back or skip).

    Returns None when no folder with the four files exists there.

    Parameters
    ----------
    path : str or Path, default=None
        A folder holding the four IDX files (gzipped or not).

    Returns
    -------
    path : Path or None

    Examples
    --------
    >>> from skpoe.datasets import mnist_path
    >>> mnist_path("/nonexistent") is None
    True
    """
    if path is None:
        path = os.environ.get("SKPOE_MNIST")  # when set, the only place searched
    candidates = [path] if path is not None else [
        Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist",
        Path.cwd().parent / "shared" / "data" / "mnist",
    ]
    for candidate in candidates:
        candidate = Path(candidate)
        if all(_find(candidate, name) for pair in _FILES.values() for name in pair):
            return candidate
    return None


def _find(folder, name):
    for suffix in (".gz", ""):
        f = folder / (name + suffix)
        if f.exists():
            return f
    return None


def _read_idx(file):
    opener = gzip.open if file.suffix == ".gz" else open
    with opener(file, "rb") as fh:
        data = fh.read()
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_mnist(subset="train", *, path=None, dtype=np.float32):
    """MNIST images scaled to [0, 1] and their labels.

    Parameters
    ----------
    subset : {"train", "test"}, default="train"
        The 60,000 training or the 10,000 test images.
    path : str or Path, default=None
        Folder with the IDX files; see :func:`mnist_path`.
    dtype : dtype, default=np.float32
        Dtype of the images, which are divided by 255.

    Returns
    -------
    X : ndarray of shape (n_samples, 784)
    y : ndarray of shape (n_samples,), int64

    Raises
    ------
    FileNotFoundError
        If the files are not found.
    """
    folder = mnist_path(path)
    if folder is None:
        raise FileNotFoundError(
            "MNIST IDX files not found. Pass path= or set SKPOE_MNIST to a folder "
            "with train-images-idx3-ubyte(.gz) and the three other files."
        )
    images, labels = _FILES[subset]
    X = _read_idx(_find(folder, images)).reshape(-1, 28 * 28).astype(dtype) / dtype(255)
    y = _read_idx(_find(folder, labels)).astype(np.int64)
    return X, y


def make_grid_clusters(n_per_cluster=100, *, grid_size=5, missing=(2, 2), spread=0.05,
                       random_state=None):
    """2-D tight clusters on a grid with one grid point left out (Hinton 1999, Fig. 1).

    Parameters
    ----------
    n_per_cluster : int, default=100
        Points per cluster.
    grid_size : int, default=5
        Clusters at the integer points ``(i, j)``, ``0 <= i, j < grid_size``.
    missing : tuple of int, default=(2, 2)
        The grid point with no data.
    spread : float, default=0.05
        Standard deviation of each cluster.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_per_cluster * (grid_size**2 - 1), 2)

    Examples
    --------
    >>> from skpoe.datasets import make_grid_clusters
    >>> make_grid_clusters(10, random_state=0).shape
    (240, 2)
    """
    from sklearn.utils import check_random_state

    rng = check_random_state(random_state)
    centers = np.array([(i, j) for i in range(grid_size) for j in range(grid_size)
                        if (i, j) != tuple(missing)], dtype=float)
    X = np.repeat(centers, n_per_cluster, axis=0)
    return X + spread * rng.standard_normal(X.shape)


def make_edge_images(n_samples=500, *, size=10, random_state=None):
    """Images that each contain one sigmoid intensity edge (Hinton 2002, Fig. 4).

    The edge's position, orientation and the intensities on both sides are
    random; the profile across the edge is a sigmoid.

    Parameters
    ----------
    n_samples : int, default=500
    size : int, default=10
        Images are ``size x size``.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, size * size)

    Examples
    --------
    >>> from skpoe.datasets import make_edge_images
    >>> make_edge_images(3, random_state=0).shape
    (3, 100)
    """
    from sklearn.utils import check_random_state

    rng = check_random_state(random_state)
    coords = np.arange(size) - (size - 1) / 2
    yy, xx = np.meshgrid(coords, coords, indexing="ij")
    angle = rng.uniform(0, 2 * np.pi, n_samples)
    offset = rng.uniform(-size / 3, size / 3, n_samples)
    low, high = rng.uniform(0, 1, (2, n_samples))
    distance = (np.cos(angle)[:, None, None] * xx + np.sin(angle)[:, None, None] * yy
                - offset[:, None, None])
    profile = 1 / (1 + np.exp(-2 * distance))  # sigmoid across the edge
    images = low[:, None, None] + (high - low)[:, None, None] * profile
    return images.reshape(n_samples, -1)
