"""skpoe.plotting draws what it is given, one image per axes."""

import numpy as np
import pytest
import scipy.sparse as sp

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402

from skpoe import BernoulliPoE  # noqa: E402
from skpoe.plotting import (  # noqa: E402
    plot_filters,
    plot_images,
    plot_learning_curve,
    plot_reconstructions,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def fitted():
    X = (np.random.default_rng(0).random((40, 16)) < 0.3).astype(np.float64)
    return BernoulliPoE(n_components=5, n_iter=3, batch_size=10, random_state=0).fit(X), X


def _images(fig):
    """The array drawn in each axes, checking there is exactly one per axes."""
    assert isinstance(fig, Figure)
    arrays = []
    for ax in fig.axes:
        assert len(ax.images) == 1
        arrays.append(np.asarray(ax.images[0].get_array()))
    return arrays


def test_plot_filters_from_estimator(fitted):
    poe, _ = fitted
    fig = plot_filters(poe)
    drawn = _images(fig)
    assert len(drawn) == 5
    for k in range(5):
        np.testing.assert_allclose(drawn[k], poe.components_[k].reshape(4, 4))
    # Per-filter scale symmetric around 0.
    vmin, vmax = fig.axes[0].images[0].get_clim()
    m = np.abs(poe.components_[0]).max()
    assert (vmin, vmax) == pytest.approx((-m, m))


def test_plot_filters_array_options():
    W = np.random.default_rng(1).standard_normal((12, 6))
    fig = plot_filters(W, image_shape=(2, 3), n_filters=7, symmetric=False)
    drawn = _images(fig)
    assert len(drawn) == 7
    np.testing.assert_allclose(drawn[0], W[0].reshape(2, 3))
    np.testing.assert_allclose(drawn[6], W[6].reshape(2, 3))
    vmin, vmax = fig.axes[0].images[0].get_clim()
    assert (vmin, vmax) == pytest.approx((W[0].min(), W[0].max()))
    # Zero filters still get a valid scale.
    fig = plot_filters(np.zeros((2, 4)))
    assert fig.axes[0].images[0].get_clim() == (-1, 1)


def test_plot_filters_on_given_figure():
    fig = plt.figure()
    assert plot_filters(np.ones((3, 4)), fig=fig) is fig
    assert len(fig.axes) == 3


def test_plot_images():
    X = np.random.default_rng(2).random((13, 9))
    fig = plot_images(X, n_cols=5, titles=[str(i) for i in range(13)])
    drawn = _images(fig)
    assert len(drawn) == 13
    np.testing.assert_allclose(drawn[0], X[0].reshape(3, 3))
    np.testing.assert_allclose(drawn[12], X[12].reshape(3, 3))
    assert fig.axes[12].get_title() == "12"
    assert fig.axes[0].images[0].get_clim() == (0.0, 1.0)
    # 3-D input and sparse input.
    assert len(plot_images(X.reshape(13, 3, 3)).axes) == 13
    fig = plot_images(sp.csr_matrix(X[:2]))
    np.testing.assert_allclose(_images(fig)[1], X[1].reshape(3, 3))


def test_plot_reconstructions(fitted):
    poe, X = fitted
    fig = plot_reconstructions(poe, X, n=4)
    drawn = _images(fig)
    assert len(drawn) == 8
    recon = poe.reconstruct(X[:4])
    for k in range(4):
        np.testing.assert_allclose(drawn[k], X[k].reshape(4, 4))
        np.testing.assert_allclose(drawn[4 + k], recon[k].reshape(4, 4), rtol=1e-6)
    # Two rows of n: the originals above their reconstructions.
    rows = [ax.get_subplotspec().rowspan.start for ax in fig.axes]
    assert rows == [0] * 4 + [1] * 4


def test_plot_learning_curve(fitted):
    poe, _ = fitted
    fig = plot_learning_curve(poe)
    assert isinstance(fig, Figure)
    (line,) = fig.axes[0].lines
    np.testing.assert_allclose(line.get_ydata(), poe.reconstruction_error_)
    np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3])
    _, ax = plt.subplots()
    assert plot_learning_curve([0.3, 0.2], ax=ax) is ax.figure
    assert len(ax.lines) == 1


def test_non_square_needs_image_shape():
    with pytest.raises(ValueError, match=r"n_features=10 is not a perfect square.*image_shape"):
        plot_filters(np.zeros((2, 10)))
    with pytest.raises(ValueError, match="not a perfect square"):
        plot_images(np.zeros((2, 10)))
    with pytest.raises(ValueError, match=r"image_shape=\(3, 3\) has 9 pixels.*n_features=10"):
        plot_images(np.zeros((2, 10)), image_shape=(3, 3))


def test_errors():
    with pytest.raises(NotFittedError):
        plot_filters(BernoulliPoE())
    with pytest.raises(NotFittedError):
        plot_learning_curve(BernoulliPoE())
    with pytest.raises(ValueError, match="2 titles for 3 images"):
        plot_images(np.zeros((3, 4)), titles=["a", "b"])


def test_plot_learning_curve_of_a_stack_has_one_line_per_layer():
    from skpoe import DeepBeliefNet

    X = np.random.default_rng(0).random((40, 6))
    dbn = DeepBeliefNet((4, 3), layer=BernoulliPoE(n_iter=3, batch_size=10),
                        random_state=0).fit(X)
    ax = plot_learning_curve(dbn).axes[0]
    assert [line.get_label() for line in ax.lines] == ["layer 1", "layer 2"]
    for line, curve in zip(ax.lines, dbn.reconstruction_error_):
        np.testing.assert_array_equal(line.get_ydata(), curve)
