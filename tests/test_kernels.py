"""The Numba kernels of ``skpoe._kernels`` against plain NumPy formulas.

Every kernel is run on small random arrays in float32 and float64, and on
extreme inputs (+-1e4) where an exponential could overflow. The references
are computed in float64 with NumPy, so they are independent of the kernels'
own arithmetic.
"""

import numpy as np
import pytest
from numba import njit

from skpoe import _kernels
from skpoe._math import down_product, sigmoid_ as _sigmoid_

DTYPES = [np.float32, np.float64]
# Relative tolerance of a kernel computed in `dtype` against a float64 reference.
RTOL = {np.float32: 1e-5, np.float64: 1e-12}
EXTREMES = np.array([-1e4, -1e3, -800.0, -100.0, -20.0, 0.0, 20.0, 100.0, 800.0, 1e3, 1e4])


def _rng(seed=0):
    return np.random.default_rng(seed)


def _ref_sigmoid(x):
    """Logistic function in float64, stable for any finite x."""
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def _ref_softplus(x):
    """log(1 + exp(x)) in float64, stable for any finite x."""
    x = np.asarray(x, dtype=np.float64)
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


# ------------------------------------------------------ elementwise math
# Grids over the whole range where the functions are not 0 or 1 (or
# x for softplus), plus the extremes; references in extended precision.
def _grid(dtype):
    lo = {np.float32: -90.0, np.float64: -745.0}[dtype]
    return np.concatenate([np.linspace(lo, -lo, 20001), 8 * _rng(0).standard_normal(2000),
                           EXTREMES]).astype(dtype)


# The scalar math of the kernels (inlined there), applied to an array.
@njit(error_model="numpy")
def _exp_neg(x):
    return np.array([_kernels.exp_neg(v) for v in x])


@njit(error_model="numpy")
def _log1p_unit(x):
    return np.array([_kernels.log1p_unit(v) for v in x])


@njit(error_model="numpy")
def _softplus(x):
    return np.array([_kernels.softplus(v) for v in x])


def _ulp_error(got, expected, dtype):
    """Relative error in units of the dtype's epsilon, where the reference is normal."""
    expected = np.asarray(expected, dtype=np.longdouble)
    normal = np.abs(expected) > np.finfo(dtype).tiny
    relative = np.abs(got.astype(np.longdouble) - expected)[normal] / np.abs(expected[normal])
    return float(relative.max() / np.finfo(dtype).eps)


@pytest.mark.parametrize("dtype", DTYPES)
def test_exp_neg_is_accurate_to_a_few_ulp(dtype):
    t = np.abs(_grid(dtype))
    got = _exp_neg(t[::7])
    assert got.dtype == dtype
    clamp = {np.float32: 87.0, np.float64: 708.0}[dtype]
    expected = np.exp(-np.minimum(t[::7].astype(np.longdouble), clamp))
    assert _ulp_error(got, expected, dtype) < 3
    assert (got > 0).all()  # clamped short of underflow


@pytest.mark.parametrize("dtype", DTYPES)
def test_log1p_unit_is_accurate_to_a_few_ulp(dtype):
    y = np.concatenate([np.linspace(0, 1, 5001), np.geomspace(1e-30, 1, 500)]).astype(dtype)
    got = _log1p_unit(y)
    assert got.dtype == dtype
    assert _ulp_error(got, np.log1p(y.astype(np.longdouble)), dtype) < 4


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_matches_numpy(dtype):
    x = _grid(dtype)
    A = x.reshape(1, -1).copy()
    _kernels.sigmoid_(A, np.zeros(A.shape[1], dtype=dtype))
    assert A.dtype == dtype and np.isfinite(A).all() and ((A >= 0) & (A <= 1)).all()
    expected = 1 / (1 + np.exp(-x.astype(np.longdouble)))
    # From exp(-|x|): relative accuracy in the tails too, down to where
    # exp is clamped (float64 exp(-708), float32 exp(-87)). (0.5 tanh(x/2) +
    # 0.5 was accurate to 2e-7 absolute only, up to 40% off below 1e-6, and
    # persistent chains learned worse models with it.)
    limit = 708 if dtype == np.float64 else 87
    inside = x > -limit
    assert _ulp_error(A[0][inside], expected[inside], dtype) < 4
    assert (A[0][~inside] <= np.exp(-float(limit)) * 1.01).all()
    assert A[0, list(x).index(0.0)] == 0.5
    assert A[0, -1] == 1.0  # x = 1e4


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_adds_the_bias_per_column(dtype):
    rng = _rng(1)
    A = (3 * rng.standard_normal((7, 5))).astype(dtype)
    bias = rng.standard_normal(5).astype(dtype)
    out = _sigmoid_(A.copy(), bias)  # _math's wrapper returns its (in place) argument
    expected = _ref_sigmoid(A.astype(np.float64) + bias.astype(np.float64))
    np.testing.assert_allclose(out, expected, rtol=RTOL[dtype], atol=3e-7)
    # a view of some columns (the DBN classifier's top RBM does this)
    view = A.copy()
    _sigmoid_(view[:, :3], bias[:3])
    np.testing.assert_array_equal(view[:, :3], out[:, :3])
    np.testing.assert_array_equal(view[:, 3:], A[:, 3:])


# --------------------------------------------------- random numbers, sampling
def _splitmix_uniforms(key, n):
    """The kernels' uniforms, written again in NumPy's uint64 arithmetic."""
    with np.errstate(over="ignore"):
        z = np.uint64(key) + (np.arange(n, dtype=np.uint64) + np.uint64(1)) * np.uint64(
            0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(40)).astype(np.float32) * np.float32(2.0**-24)


@pytest.mark.parametrize("dtype", DTYPES)
def test_bernoulli_sample_matches_numpy(dtype):
    rng = _rng(4)
    P = rng.random((20, 7)).astype(dtype)
    key = np.uint64(0xDEADBEEF12345)
    expected = (_splitmix_uniforms(key, P.size).reshape(P.shape) < P).astype(dtype)
    out = np.full_like(P, -1.0)
    _kernels.bernoulli_sample(P, key, out)
    np.testing.assert_array_equal(out, expected)
    assert 0 < expected.sum() < expected.size  # both outcomes occur
    aliased = P.copy()
    _kernels.bernoulli_sample(aliased, key, aliased)  # ``out`` may be ``P``
    np.testing.assert_array_equal(aliased, expected)
    in_place = P.copy()
    _kernels.bernoulli_sample_(in_place, key)  # the in-place kernel: the same states
    np.testing.assert_array_equal(in_place, expected)
    # boundary probabilities: P = 0 never fires, P = 1 always fires
    P01 = np.tile(np.array([0.0, 1.0], dtype=dtype), (500, 1))
    _kernels.bernoulli_sample_(P01, key)
    np.testing.assert_array_equal(P01[:, 0], 0.0)
    np.testing.assert_array_equal(P01[:, 1], 1.0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sample_bernoulli_in_place_or_not_draws_the_same_states(dtype):
    """``sample_bernoulli(P, rng, out=P)`` takes the in-place kernel, into
    another array or a new one the other: the same key from rng, the same
    states, P left alone unless it is ``out``."""
    from skpoe._math import sample_bernoulli

    P = _rng(6).random((30, 9)).astype(dtype)
    key = np.uint64(np.random.default_rng(5).bit_generator.random_raw())
    expected = (_splitmix_uniforms(key, P.size).reshape(P.shape) < P).astype(dtype)
    new = sample_bernoulli(P, np.random.default_rng(5))
    out = np.empty_like(P)
    assert sample_bernoulli(P, np.random.default_rng(5), out=out) is out
    np.testing.assert_array_equal(new, expected)
    np.testing.assert_array_equal(out, expected)
    assert not np.isin(P, (0.0, 1.0)).all()  # untouched
    assert sample_bernoulli(P, np.random.default_rng(5), out=P) is P
    np.testing.assert_array_equal(P, expected)


def test_uniforms_are_uniform_and_independent():
    from scipy import stats

    u = _splitmix_uniforms(np.uint64(12345), 200_000).astype(np.float64)
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    counts = np.histogram(u, bins=100, range=(0, 1))[0]
    assert stats.chisquare(counts).pvalue > 1e-3
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.01  # successive counters
    v = _splitmix_uniforms(np.uint64(12346), 200_000).astype(np.float64)
    assert abs(np.corrcoef(u, v)[0, 1]) < 0.01  # neighbouring keys


@pytest.mark.parametrize("dtype", DTYPES)
def test_sampling_frequencies_follow_the_probabilities(dtype):
    p = np.array([0.001, 0.1, 0.3, 0.5, 0.9], dtype=dtype)
    P = np.tile(p, (40_000, 1))
    _kernels.bernoulli_sample_(P, np.uint64(7))
    frequencies = P.mean(axis=0)
    np.testing.assert_allclose(frequencies, p, atol=4 * np.sqrt(0.25 / 40_000))


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_sample_is_sigmoid_then_sample(dtype):
    rng = _rng(3)
    A = (3 * rng.standard_normal((8, 6))).astype(dtype)
    bias = rng.standard_normal(6).astype(dtype)
    key = np.uint64(99)
    P, S = A.copy(), np.empty_like(A)
    _kernels.sigmoid_sample_(P, bias, key, S)
    expected = A.copy()
    _kernels.sigmoid_(expected, bias)
    np.testing.assert_array_equal(P, expected)
    sampled = np.empty_like(A)
    _kernels.bernoulli_sample(expected, key, sampled)
    np.testing.assert_array_equal(S, sampled)


@pytest.mark.parametrize("dtype", DTYPES)
def test_ais_hidden_step_matches_numpy(dtype):
    rng = _rng(11)
    product = (4 * rng.standard_normal((6, 77))).astype(dtype)
    product[0, :3] = [800.0, -800.0, 0.0]  # extremes stay finite
    bias = rng.standard_normal(77).astype(dtype)
    bias[:3] = 0.0
    pre = product.astype(np.float64) + bias  # the kernel adds the bias itself
    beta_prev, beta = dtype(0.3), dtype(0.31)
    key = np.uint64(2024)
    log_w = rng.standard_normal(6)
    H = np.full_like(product, -1.0)
    expected_w = log_w + (_ref_softplus(beta * pre) - _ref_softplus(beta_prev * pre)).sum(axis=1)
    P = 1 / (1 + np.exp(-beta * pre))
    uniforms = _splitmix_uniforms(key, pre.size).reshape(pre.shape)
    _kernels.ais_hidden_step(product, bias, beta_prev, beta, key, log_w, H)
    np.testing.assert_allclose(log_w, expected_w, rtol=RTOL[dtype], atol=1e-5)
    # the same uniforms against sigmoid(beta * pre); ties within rounding excepted
    clear = np.abs(uniforms - P) > 1e-5
    np.testing.assert_array_equal(H[clear], (uniforms < P)[clear].astype(dtype))
    assert clear.mean() > 0.99 and 0 < H.sum() < H.size


@pytest.mark.parametrize("dtype", DTYPES)
def test_ais_visible_step_matches_numpy(dtype):
    """Visible states drawn at inverse temperature beta: from
    ``sigmoid((1 - beta) * base_bias + beta * (product + bias))``."""
    rng = _rng(12)
    product = (3 * rng.standard_normal((7, 40))).astype(dtype)
    bias, base_bias = (rng.standard_normal(40).astype(dtype) for _ in range(2))
    beta, key = dtype(0.6), np.uint64(77)
    z = (1 - 0.6) * base_bias.astype(np.float64) + 0.6 * (product.astype(np.float64) + bias)
    P = 1 / (1 + np.exp(-z))
    uniforms = _splitmix_uniforms(key, P.size).reshape(P.shape)
    V = np.full_like(product, -1.0)
    _kernels.ais_visible_step(product, bias, base_bias, beta, key, V)
    clear = np.abs(uniforms - P) > 1e-5
    np.testing.assert_array_equal(V[clear], (uniforms < P)[clear].astype(dtype))
    assert clear.mean() > 0.99 and 0 < V.sum() < V.size


# ---------------------------------------------------------- update_weights
@pytest.mark.parametrize("dtype", DTYPES)
def test_update_weights_matches_numpy(dtype):
    rng = _rng(6)
    W = rng.standard_normal((5, 8)).astype(dtype)
    velocity = rng.standard_normal((5, 8)).astype(dtype)
    grad = rng.standard_normal((5, 8)).astype(dtype)
    momentum, scale, decay = 0.9, 0.01, 1e-3

    W64, vel64, g64 = (a.astype(np.float64) for a in (W, velocity, grad))
    exp_vel = momentum * vel64 + scale * g64 - decay * W64
    exp_W = W64 + exp_vel

    _kernels.update_weights(W, velocity, grad, momentum, scale, decay)
    assert W.dtype == dtype and velocity.dtype == dtype
    np.testing.assert_allclose(velocity, exp_vel, rtol=RTOL[dtype], atol=1e-7)
    np.testing.assert_allclose(W, exp_W, rtol=RTOL[dtype], atol=1e-7)


@pytest.mark.parametrize("dtype", DTYPES)
def test_update_weights_decay_only(dtype):
    """With no gradient and no momentum, the step is exactly -decay * W."""
    W = np.array([[1.0, -2.0], [0.5, 0.0]], dtype=dtype)
    velocity = np.full_like(W, 7.0)  # ignored with momentum 0
    grad = np.zeros_like(W)
    _kernels.update_weights(W, velocity, grad, 0.0, 1.0, 0.25)
    np.testing.assert_allclose(W, [[0.75, -1.5], [0.375, 0.0]], rtol=RTOL[dtype])
    np.testing.assert_allclose(velocity, [[-0.25, 0.5], [-0.125, 0.0]], rtol=RTOL[dtype])


# ------------------------------------------------------------- update_bias
@pytest.mark.parametrize("dtype", DTYPES)
def test_update_bias_matches_numpy(dtype):
    rng = _rng(7)
    bias = rng.standard_normal(6).astype(dtype)
    velocity = rng.standard_normal(6).astype(dtype)
    pos = rng.random((11, 6)).astype(dtype)
    neg = rng.random((11, 6)).astype(dtype)
    neg_before = neg.copy()
    momentum, scale = 0.5, 0.1 / 11

    diff = pos.astype(np.float64).sum(0) - neg.astype(np.float64).sum(0)
    exp_vel = momentum * velocity.astype(np.float64) + scale * diff
    exp_bias = bias.astype(np.float64) + exp_vel

    exp_squared = np.sum((pos.astype(np.float64) - neg.astype(np.float64)) ** 2)

    squared = _kernels.update_bias(bias, velocity, pos, neg, momentum, scale)
    assert squared == pytest.approx(exp_squared, rel=RTOL[dtype])
    assert bias.dtype == dtype
    np.testing.assert_allclose(velocity, exp_vel, rtol=RTOL[dtype], atol=1e-7)
    np.testing.assert_allclose(bias, exp_bias, rtol=RTOL[dtype], atol=1e-7)
    np.testing.assert_array_equal(neg, neg_before)  # untouched without ``negate``
    negated = neg.copy()
    again = _kernels.update_bias(bias, velocity, pos, negated, momentum, scale, True)
    assert again == squared
    np.testing.assert_array_equal(negated, -neg)


# ----------------------------------------------------------- squared_error
@pytest.mark.parametrize("dtype", DTYPES)
def test_squared_error_matches_numpy(dtype):
    rng = _rng(8)
    A = rng.random((13, 7)).astype(dtype)
    B = rng.random((13, 7)).astype(dtype)
    expected = np.sum((A.astype(np.float64) - B.astype(np.float64)) ** 2)
    got = _kernels.squared_error(A, B)
    assert np.isclose(got, expected, rtol=RTOL[dtype], atol=0)
    assert _kernels.squared_error(A, A) == 0.0


def test_squared_error_accumulates_in_float64():
    """In float32, 2**24 + 1 rounds back to 2**24: the sum must not be float32."""
    A = np.ones((10, 100), dtype=np.float32)
    A[0, 0] = 4096.0  # (4096 - 0) ** 2 == 2**24, then 999 terms of 1
    B = np.zeros_like(A)
    assert _kernels.squared_error(A, B) == 2.0**24 + 999


# ---------------------------------------------------------------- softplus
@pytest.mark.parametrize("dtype", DTYPES)
def test_softplus_matches_numpy(dtype):
    rng = _rng(9)
    xs = np.concatenate([5 * rng.standard_normal(30), EXTREMES]).astype(dtype)
    with np.errstate(over="raise", invalid="raise"):
        expected = _ref_softplus(xs.astype(np.float64))
    got = _softplus(xs).astype(np.float64)
    assert np.isfinite(got).all()
    # exp(-|x|) is clamped short of underflow (exp(-87) in float32), so the
    # far left tail is a tiny positive number rather than 0.
    np.testing.assert_allclose(got, expected, rtol=RTOL[dtype], atol=1e-37)
    grid = _grid(dtype)
    values = _softplus(grid[::5])
    reference = np.logaddexp(0, grid[::5].astype(np.longdouble))
    inside = grid[::5] > {np.float32: -80, np.float64: -700}[dtype]
    assert _ulp_error(values[inside], reference[inside], dtype) < 4
    assert _kernels.softplus(dtype(1e4)) == pytest.approx(1e4, rel=1e-12)
    assert 0.0 <= _kernels.softplus(dtype(-1e4)) < 1e-37
    assert _kernels.softplus(dtype(0.0)) == pytest.approx(np.log(2.0), rel=RTOL[dtype])


# ---------------------------------------------------------------- goodness
@pytest.mark.parametrize("dtype", DTYPES)
def test_goodness_matches_numpy(dtype):
    rng = _rng(10)
    for m in (4, 77, 1000, 2500):  # one product of up to 1,000 factors, exactly one, three
        pre = (3 * rng.standard_normal((9, m + 1))).astype(dtype)
        visible = rng.standard_normal(9).astype(dtype)
        bias = rng.standard_normal(m).astype(dtype)
        # the last column of pre is beyond the bias's length: ignored
        expected = visible.astype(np.float64) + _ref_softplus(pre[:, :m] + bias).sum(axis=1)
        out = np.empty(9, dtype=dtype)
        _kernels.goodness(pre, bias, visible, out)
        np.testing.assert_allclose(out, expected, rtol=RTOL[dtype], atol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_goodness_extreme_inputs(dtype):
    pre = np.array(
        [
            [1e4, -1e4, 0.0],
            [-1e4, -1e4, -1e4],
            [1e4, 1e4, 1e4],
            [800.0, -800.0, 100.0],
        ],
        dtype=dtype,
    )
    visible = np.array([1.0, -2.0, 0.5, 0.0], dtype=dtype)
    expected = visible.astype(np.float64) + _ref_softplus(pre).sum(axis=1)
    out = np.empty(4, dtype=dtype)
    _kernels.goodness(pre, np.zeros(3, dtype=dtype), visible, out)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, expected, rtol=RTOL[dtype], atol=1e-6)
    # spelled out: 1 + 1e4 + 0 + log 2, -2 + 0, 0.5 + 3e4
    np.testing.assert_allclose(
        out[:3], [1.0 + 1e4 + np.log(2.0), -2.0, 0.5 + 3e4], rtol=RTOL[dtype]
    )


# ------------------------------------------------------------- value_range
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size", [1, 15, 16, 1000, 1003])
def test_value_range_matches_numpy(dtype, size):
    values = _rng(11).normal(size=size).astype(dtype)
    lo, hi, n_nan, n_inf = _kernels.value_range(values)
    assert (lo, hi, n_nan, n_inf) == (values.min(), values.max(), 0, 0)
    for where in ([0], [size - 1], [size // 2]):  # in the vector lanes and the tail
        bad = values.copy()
        bad[where] = np.nan
        finite = bad[np.isfinite(bad)]
        expected = ((finite.min(), finite.max()) if finite.size else (np.inf, -np.inf))
        assert _kernels.value_range(bad) == (*expected, 1, 0)
    if size > 7:
        values[[3, 7]] = np.nan
        values[[5]] = -np.inf
        lo, hi, n_nan, n_inf = _kernels.value_range(values)
        finite = values[np.isfinite(values)]
        assert (lo, hi, n_nan, n_inf) == (finite.min(), finite.max(), 2, 1)
        values[[3, 7]] = np.inf  # inf alone, no NaN
        assert _kernels.value_range(values)[2:] == (0, 3)


def test_value_range_of_nothing():
    assert _kernels.value_range(np.zeros(0)) == (np.inf, -np.inf, 0, 0)


# ------------------------------------------------------- unigauss distances
@pytest.mark.parametrize("dtype", DTYPES)
def test_weighted_squared_distances_matches_numpy(dtype):
    rng = _rng(12)
    Z = rng.normal(size=(7, 5)).astype(dtype)
    mean = rng.normal(size=(4, 5)).astype(dtype)
    precision = np.exp(rng.normal(size=(4, 5))).astype(dtype)
    Z64, mean64, precision64 = (a.astype(np.float64) for a in (Z, mean, precision))
    expected = ((Z64[:, None, :] - mean64[None]) ** 2 * precision64[None]).sum(-1)
    out = np.full((7, 4), np.nan, dtype=dtype)
    _kernels.weighted_squared_distances(
        Z, np.ascontiguousarray(mean.T), np.ascontiguousarray(precision.T), out
    )
    np.testing.assert_allclose(out, expected, rtol=RTOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_weighted_squared_deviations_matches_numpy(dtype):
    rng = _rng(13)
    R = rng.random((7, 4)).astype(dtype)
    Z = rng.normal(size=(7, 5)).astype(dtype)
    mean = rng.normal(size=(4, 5)).astype(dtype)
    R64, Z64, mean64 = (a.astype(np.float64) for a in (R, Z, mean))
    expected = np.einsum("im,imd->md", R64, (Z64[:, None, :] - mean64[None]) ** 2)
    out = np.full((4, 5), np.nan, dtype=dtype)
    _kernels.weighted_squared_deviations(R, Z, mean, out)
    np.testing.assert_allclose(out, expected, rtol=RTOL[dtype])


def test_weighted_squared_distances_do_not_cancel_in_float32():
    """Far from the origin and narrow, the difference is taken first: exact
    here, where the expanded form loses everything to rounding."""
    Z = np.array([[1000.0 + 1 / 1024]], dtype=np.float32)
    mean = np.array([[1000.0]], dtype=np.float32)
    precision = np.array([[2.0**20]], dtype=np.float32)
    out = np.empty((1, 1), dtype=np.float32)
    _kernels.weighted_squared_distances(Z, mean.T.copy(), precision.T.copy(), out)
    assert out[0, 0] == 1.0  # 2**20 * (2**-10)**2
    expanded = precision * Z * Z - 2 * precision * Z * mean + precision * mean * mean
    assert expanded[0, 0] != 1.0


@pytest.mark.parametrize("dtype", DTYPES)
def test_add_scaled_matches_numpy(dtype):
    rng = _rng(12)
    A, B = rng.standard_normal((2, 5, 7)).astype(dtype)
    expected = A.astype(np.float64) + 0.25 * B.astype(np.float64)
    _kernels.add_scaled_(A, B, dtype(0.25))
    np.testing.assert_allclose(A, expected, rtol=RTOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(1, 1), (8, 8), (13, 21), (21, 13), (784, 100), (3, 40)])
def test_transpose_matches_numpy(dtype, shape):
    A = _rng(13).standard_normal(shape).astype(dtype)
    out = np.full(shape[::-1], np.nan, dtype=dtype)
    _kernels.transpose(A, out)
    np.testing.assert_array_equal(out, A.T)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n_rows", [1, 10, 100, 129, 300])
@pytest.mark.parametrize("shape", [(500, 200), (20, 30)])
def test_down_product_matches_numpy(dtype, n_rows, shape):
    # Both of its ways (transposed for small float32 minibatches on large
    # weights, direct otherwise) give states @ W, whatever the scratch holds.
    rng = _rng(14)
    W = np.asfortranarray(rng.standard_normal(shape)).astype(dtype)
    states = (rng.random((n_rows, shape[0])) < 0.5).astype(dtype)
    out = np.full((n_rows, shape[1]), np.nan, dtype=dtype)
    scratch = np.full(n_rows * shape[1] + 3, np.nan, dtype=dtype)
    assert down_product(states, W, out, scratch) is out
    expected = states.astype(np.float64) @ W.astype(np.float64)
    np.testing.assert_allclose(out, expected, rtol=RTOL[dtype], atol=RTOL[dtype] * 10)


# ------------------------------------------------- deep Boltzmann machine
@pytest.mark.parametrize("dtype", DTYPES)
def test_mean_field_update_is_sigmoid_and_measures_change(dtype):
    rng = _rng(11)
    A = (3 * rng.standard_normal((7, 9))).astype(dtype)
    bias = rng.standard_normal(9).astype(dtype)
    mu = rng.uniform(size=(7, 9)).astype(dtype)
    old, A0 = mu.copy(), A.copy()
    change = _kernels.mean_field_update_(A, bias, mu)
    expected = 1 / (1 + np.exp(-(A0.astype(np.float64) + bias)))
    np.testing.assert_allclose(mu, expected, **({"atol": 3e-7} if dtype == np.float32 else {"rtol": 1e-12}))
    np.testing.assert_array_equal(A, A0)
    np.testing.assert_allclose(change, np.abs(mu.astype(np.float64) - old).sum(), rtol=1e-5)


@pytest.mark.parametrize("dtype", DTYPES)
def test_bernoulli_entropy_matches_numpy(dtype):
    rng = _rng(12)
    P = rng.uniform(size=(5, 6)).astype(dtype)
    P[0, :2] = [0.0, 1.0]  # 0 log 0 = 0, no NaN
    out = np.ones(5)
    _kernels.bernoulli_entropy(P, out)
    p = P.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = -(np.where(p > 0, p * np.log(p), 0) + np.where(p < 1, (1 - p) * np.log1p(-p), 0))
    np.testing.assert_allclose(out, 1 + terms.sum(axis=1), rtol=1e-6)
