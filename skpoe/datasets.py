"""Data for the examples, benchmarks and tests: MNIST, and synthetic sets of the papers.

skpoe ships no data. :func:`load_mnist` reads MNIST's IDX files where a user
keeps them (a ``path``, the ``SKPOE_MNIST`` environment variable, or
scikit-learn's data home), and otherwise downloads it from OpenML through
scikit-learn, which caches it.
"""

import gzip
import os
from pathlib import Path

import numpy as np

_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_N_TRAIN = 60_000  # OpenML's mnist_784 lists the official training images first


def _candidates(path):
    """Where to look: ``path``, else ``$SKPOE_MNIST`` (when set, the only
    place), else the ``mnist`` folder of scikit-learn's data home."""
    if path is None:
        path = os.environ.get("SKPOE_MNIST")
    if path is not None:
        return [Path(path)]
    from sklearn.datasets import get_data_home

    return [Path(get_data_home()) / "mnist"]


def mnist_path(path=None):
    """The folder with MNIST's four IDX files, or None.

    Searched: ``path`` if given; else the folder named by the environment
    variable ``SKPOE_MNIST`` if it is set (then it is the only place
    searched: set it to an empty folder to make the examples use the small
    digits instead); else the ``mnist`` folder of scikit-learn's data home
    (``sklearn.datasets.get_data_home()``, ``~/scikit_learn_data`` by
    default). The files may be gzipped.

    Parameters
    ----------
    path : str or Path, default=None
        A folder holding the four IDX files (gzipped or not).

    Returns
    -------
    path : Path or None
        None when no folder searched has the four files.

    Examples
    --------
    >>> from skpoe.datasets import mnist_path
    >>> mnist_path("/nonexistent") is None
    True
    """
    for candidate in _candidates(path):
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


def _fetch_mnist(subset):
    """Images (uint8-valued) and labels of ``subset`` from OpenML's mnist_784,
    through scikit-learn's cache; a clear error when it cannot be downloaded."""
    from sklearn.datasets import fetch_openml, get_data_home

    try:
        # liac-arff: the parser that needs no pandas (an optional dependency).
        X, y = fetch_openml("mnist_784", as_frame=False, parser="liac-arff", return_X_y=True)
    except OSError as exc:  # no network: URLError, timeouts, refused connections
        raise FileNotFoundError(
            f"MNIST was not found in {_candidates(None)[0]} and could not be downloaded "
            f"from OpenML ({exc}). Put the four IDX files (train-images-idx3-ubyte, "
            "train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, "
            "gzipped or not) in a folder and pass path=..., or set the SKPOE_MNIST "
            f"environment variable to it, or put them in {Path(get_data_home()) / 'mnist'}."
        ) from exc
    rows = slice(0, _N_TRAIN) if subset == "train" else slice(_N_TRAIN, None)
    return X[rows], np.asarray(y[rows]).astype(np.int64)


def load_mnist(subset="train", *, path=None, dtype=np.float32):
    """MNIST images scaled to [0, 1] and their labels.

    Read from the IDX files that :func:`mnist_path` finds. When it finds
    none and neither ``path`` nor ``SKPOE_MNIST`` names a folder, MNIST is
    downloaded from OpenML with ``sklearn.datasets.fetch_openml("mnist_784")``,
    which caches it in scikit-learn's data home (about 15 MB; parsing the
    cached copy takes a while each time, so keep the IDX files for speed);
    its first 60,000 images are the official training set, the last 10,000
    the test set.

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
        If the files are not in the folder named by ``path`` or
        ``SKPOE_MNIST``, or if they are nowhere and cannot be downloaded
        (no network): the message says where to put them.
    """
    if subset not in _FILES:
        raise ValueError(f"subset must be 'train' or 'test'; got {subset!r}.")
    folder = mnist_path(path)
    if folder is None and (path is not None or "SKPOE_MNIST" in os.environ):
        where = path if path is not None else f"SKPOE_MNIST={os.environ['SKPOE_MNIST']}"
        raise FileNotFoundError(
            f"MNIST IDX files not found in {where}. That folder needs "
            "train-images-idx3-ubyte(.gz) and the three other files."
        )
    if folder is None:
        images, labels = _fetch_mnist(subset)
    else:
        image_file, label_file = _FILES[subset]
        images = _read_idx(_find(folder, image_file)).reshape(-1, 28 * 28)
        labels = _read_idx(_find(folder, label_file)).astype(np.int64)
    return images.astype(dtype) / np.dtype(dtype).type(255), labels


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


def make_trigger_sequences(n_sequences=1000, *, length=20, n_pairs=3, n_background=8,
                           broken=0.0, reversed_pairs=(), random_state=None):
    """Random text with long-range rules: a response only after its trigger.

    Sequences like those of hinton2002 (sec. 11.1, Fig. 13), where the word
    "up" may follow "shut" directly or much later. Symbols
    ``0 .. n_background - 1`` are background, drawn uniformly at every
    position; pair ``p`` has the trigger ``n_background + 2 p`` and the
    response ``n_background + 2 p + 1``. In each sequence every pair is
    absent, has its trigger alone, or has its trigger and later its response
    (each with probability 1/3), at random positions; one random pair always
    has both, so that every sequence can be broken. A *broken* sequence has
    that pair in the wrong order: its response comes before its trigger, with
    the same symbols, so only the order over a long range tells it apart.

    Parameters
    ----------
    n_sequences : int, default=1000
    length : int, default=20
        Symbols per sequence; at least ``2 * n_pairs``.
    n_pairs : int, default=3
        Number of trigger/response pairs: the bits of memory a model needs.
    n_background : int, default=8
        Number of background symbols.
    broken : float in [0, 1], default=0.0
        Fraction of sequences that break the rule (chosen at random).
    reversed_pairs : tuple of int, default=()
        Pairs whose rule is reversed: the response comes first, and only a
        broken sequence has it after the trigger. A family of sequences is
        a set of such rules.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_sequences * length, 1)
        The sequences one after the other, as integer symbols (hmmlearn's
        layout).
    lengths : ndarray of shape (n_sequences,)
        The length of each sequence (all ``length``).
    is_broken : ndarray of shape (n_sequences,) of bool
        Whether each sequence breaks its rule.

    Examples
    --------
    >>> from skpoe.datasets import make_trigger_sequences
    >>> X, lengths, is_broken = make_trigger_sequences(5, length=10, random_state=0)
    >>> X.shape, lengths.tolist(), is_broken.any()
    ((50, 1), [10, 10, 10, 10, 10], np.False_)
    """
    from sklearn.utils import check_random_state

    rng = check_random_state(random_state)
    if length < 2 * n_pairs:
        raise ValueError(f"length={length} cannot hold the {n_pairs} pairs; use at least "
                         f"{2 * n_pairs}.")
    is_broken = np.zeros(n_sequences, dtype=bool)
    is_broken[rng.permutation(n_sequences)[:round(broken * n_sequences)]] = True
    X = rng.randint(n_background, size=(n_sequences, length))
    for s in range(n_sequences):
        kinds = rng.randint(3, size=n_pairs)  # 0: absent, 1: trigger alone, 2: both
        forced = rng.randint(n_pairs)
        kinds[forced] = 2
        positions = iter(rng.permutation(length))
        for p in range(n_pairs):
            trigger = n_background + 2 * p
            if kinds[p] == 1:
                X[s, next(positions)] = trigger
            elif kinds[p] == 2:
                first, second = sorted((next(positions), next(positions)))
                wrong = (p in reversed_pairs) != (is_broken[s] and p == forced)
                X[s, first], X[s, second] = (trigger + 1, trigger) if wrong else (
                    trigger, trigger + 1)
    return X.reshape(-1, 1), np.full(n_sequences, length), is_broken
