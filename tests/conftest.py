"""Test options: ``--runslow`` runs the tests marked ``slow``; the MNIST folder they use.

The default suite stays a few minutes on 2 cores. Tests marked
``@pytest.mark.slow`` (declared in pyproject.toml) are skipped unless
pytest gets ``--runslow``; those that need MNIST take the ``mnist_folder``
fixture, which skips them when the data are missing.
"""

import os
from pathlib import Path

import pytest

# The project's shared copy, beside the repository; SKPOE_MNIST overrides it.
SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"


def pytest_addoption(parser):
    parser.addoption(
        "--runslow", action="store_true", default=False,
        help="also run the tests marked slow (long; the MNIST ones need the data)",
    )


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def mnist_folder():
    """The folder with MNIST's IDX files: $SKPOE_MNIST, else the project's
    shared copy (``../shared/data/mnist``); the test is skipped without it."""
    from skpoe.datasets import mnist_path

    folder = mnist_path(os.environ.get("SKPOE_MNIST", SHARED_MNIST))
    if folder is None:
        pytest.skip(f"MNIST not found (set SKPOE_MNIST, or put it in {SHARED_MNIST})")
    return folder
