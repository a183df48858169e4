"""skpoe.datasets: where MNIST is looked for, the OpenML fallback (without
network: fetch_openml is replaced), and the real files in a slow test."""

import gzip
from urllib.error import URLError

import numpy as np
import pytest
import sklearn.datasets

from skpoe.datasets import load_mnist, mnist_path

_NAMES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def _write_idx(file, array):
    magic = bytes([0, 0, 8, array.ndim])  # 8: unsigned bytes
    header = magic + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    with gzip.open(file, "wb") as fh:
        fh.write(header + array.astype(np.uint8).tobytes())


def _fake_mnist(folder, n_train=5, n_test=3):
    """Four small IDX files: image i is filled with i, its label is i % 10."""
    folder.mkdir(parents=True, exist_ok=True)
    for subset, n in (("train", n_train), ("test", n_test)):
        images, labels = _NAMES[subset]
        values = np.arange(n) + (100 if subset == "test" else 0)
        _write_idx(folder / (images + ".gz"), np.repeat(values, 28 * 28).reshape(n, 28, 28))
        _write_idx(folder / (labels + ".gz"), values % 10)
    return folder


@pytest.fixture
def no_mnist_anywhere(tmp_path, monkeypatch):
    """No SKPOE_MNIST, and an empty scikit-learn data home."""
    monkeypatch.delenv("SKPOE_MNIST", raising=False)
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(tmp_path / "data_home"))
    return tmp_path / "data_home"


def test_an_explicit_path(tmp_path, no_mnist_anywhere):
    folder = _fake_mnist(tmp_path / "mine")
    assert mnist_path(folder) == folder
    X, y = load_mnist("test", path=folder)
    assert X.shape == (3, 784) and X.dtype == np.float32
    np.testing.assert_allclose(X[:, 0], np.array([100, 101, 102]) / 255, rtol=1e-6)
    np.testing.assert_array_equal(y, [0, 1, 2])
    assert y.dtype == np.int64


def test_the_environment_variable_is_the_only_place_searched(tmp_path, no_mnist_anywhere,
                                                            monkeypatch):
    folder = _fake_mnist(tmp_path / "env")
    _fake_mnist(no_mnist_anywhere / "mnist", n_train=7)
    monkeypatch.setenv("SKPOE_MNIST", str(folder))
    assert mnist_path() == folder
    assert load_mnist()[0].shape == (5, 784)
    monkeypatch.setenv("SKPOE_MNIST", str(tmp_path / "empty"))
    assert mnist_path() is None  # the data home's copy is not searched
    with pytest.raises(FileNotFoundError, match="SKPOE_MNIST=.*empty"):
        load_mnist()


def test_scikit_learns_data_home(no_mnist_anywhere):
    folder = _fake_mnist(no_mnist_anywhere / "mnist", n_train=7)
    assert mnist_path() == folder
    assert load_mnist("train")[0].shape == (7, 784)


def test_a_missing_explicit_path_never_downloads(tmp_path, no_mnist_anywhere, monkeypatch):
    def fetch(*args, **kwargs):
        raise AssertionError("must not download when told where the files are")

    monkeypatch.setattr(sklearn.datasets, "fetch_openml", fetch)
    with pytest.raises(FileNotFoundError, match="not found in"):
        load_mnist(path=tmp_path / "nothing here")


def test_otherwise_openml_in_the_official_order(no_mnist_anywhere, monkeypatch):
    calls = []

    def fetch(name, **kwargs):
        calls.append((name, kwargs))
        X = np.repeat(np.arange(70_000) % 256, 2).reshape(-1, 2).astype(float)
        return X, np.array([str(i % 10) for i in range(70_000)], dtype=object)

    monkeypatch.setattr(sklearn.datasets, "fetch_openml", fetch)
    X_train, y_train = load_mnist("train")
    X_test, y_test = load_mnist("test", dtype=np.float64)
    assert calls[0][0] == "mnist_784" and calls[0][1]["as_frame"] is False
    assert "data_home" not in calls[0][1]  # scikit-learn's own cache
    assert X_train.shape == (60_000, 2) and X_test.shape == (10_000, 2)
    assert X_train.dtype == np.float32 and X_test.dtype == np.float64
    np.testing.assert_allclose(X_test[:3, 0], np.array([60_000, 60_001, 60_002]) % 256 / 255)
    np.testing.assert_array_equal(y_test[:3], [0, 1, 2])
    assert y_train.dtype == np.int64


def test_offline_says_where_to_put_the_files(no_mnist_anywhere, monkeypatch):
    def fetch(*args, **kwargs):
        raise URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(sklearn.datasets, "fetch_openml", fetch)
    with pytest.raises(FileNotFoundError, match=r"(?s)could not be downloaded.*name resolution"
                       r".*pass path=.*SKPOE_MNIST.*data_home"):
        load_mnist()


def test_unknown_subset():
    with pytest.raises(ValueError, match="subset must be 'train' or 'test'"):
        load_mnist("validation")


@pytest.mark.slow
def test_the_real_mnist(mnist_folder):
    X_train, y_train = load_mnist("train", path=mnist_folder)
    X_test, y_test = load_mnist("test", path=mnist_folder)
    assert X_train.shape == (60_000, 784) and X_test.shape == (10_000, 784)
    assert X_train.min() == 0 and X_train.max() == 1
    np.testing.assert_array_equal(np.unique(y_train), np.arange(10))
    # The official files' first labels.
    np.testing.assert_array_equal(y_train[:5], [5, 0, 4, 1, 9])
    np.testing.assert_array_equal(y_test[:5], [7, 2, 1, 0, 4])
