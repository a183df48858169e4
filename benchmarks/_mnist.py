"""The benchmarks' MNIST: the project's shared copy, unless SKPOE_MNIST names another.

skpoe.datasets.load_mnist looks where a user keeps MNIST and otherwise
downloads it; the benchmarks pass the folder explicitly, so that they read
the copy beside the repository (``../shared/data/mnist``) and never
download.
"""

import os
from pathlib import Path

from skpoe import datasets

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"


def load_mnist(subset):
    """``skpoe.datasets.load_mnist(subset)`` from $SKPOE_MNIST or the shared copy."""
    return datasets.load_mnist(subset, path=os.environ.get("SKPOE_MNIST", SHARED_MNIST))
