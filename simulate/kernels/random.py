"""Counter-free, per-task random streams for Numba kernels (xoshiro256** + SplitMix64).

Why not ``np.random`` inside ``prange``? Numba keeps one generator per *thread*, so which
numbers a task gets depends on the thread schedule (PecanPy's per-thread seeding trap).
Here every task (chain, source batch, node block, HyperBall run) owns a 4-word state,
derived on the Python side from one seed with :func:`stream_states`, and kernels pass that
state around explicitly (PyNNDescent's pattern). Results are then identical on any number
of threads or workers.

Usage in a kernel::

    st = states[task]            # a view of shape (4,), uint64, mutated in place
    u = next_double(st)          # uniform in [0, 1)
    k = next_below(st, n)        # uniform integer in [0, n)

Reference: D. Blackman, S. Vigna, "Scrambled linear pseudorandom number generators",
ACM TOMS 47(4), 2021, doi:10.1145/3460772.
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

_MASK = (1 << 64) - 1


def stream_states(seed, n_streams, spawn_key=()):
    """Independent xoshiro256** states, one row per stream, derived from ``seed``.

    Parameters
    ----------
    seed : int or numpy.random.SeedSequence
        Root seed (an int, or a SeedSequence already derived for a sweep cell).
    n_streams : int
        Number of tasks needing a stream.
    spawn_key : tuple of int
        Extra key to separate uses of the same seed (e.g. ``(1,)`` for targets, ``(2,)`` for chains).

    Returns
    -------
    ndarray of uint64, shape (n_streams, 4)
        Row ``i`` depends only on (seed, spawn_key, i), not on ``n_streams``.
    """
    base = stream_key(seed, spawn_key)
    out = np.empty((int(n_streams), 4), dtype=np.uint64)
    _fill_states(base, out)
    return out


def stream_key(seed, spawn_key=()):
    """The uint64[4] key of the stream family ``(seed, spawn_key)``: :func:`stream_states` row ``i``
    is ``keyed_state(stream_key(seed, spawn_key), i, st)``."""
    if isinstance(seed, np.random.SeedSequence):
        ss = np.random.SeedSequence(seed.entropy, spawn_key=tuple(seed.spawn_key) + tuple(spawn_key))
    else:
        ss = np.random.SeedSequence(int(seed) if seed is not None else None, spawn_key=tuple(spawn_key))
    return ss.generate_state(4, dtype=np.uint64)


@njit(cache=True)
def _splitmix64(x):
    z = x + uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> uint64(30))) * uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> uint64(27))) * uint64(0x94D049BB133111EB)
    return z ^ (z >> uint64(31))


@njit(cache=True)
def _fill_states(base, out):
    # Stream i: hash(base, i) through SplitMix64, so streams do not depend on how many exist.
    for i in range(out.shape[0]):
        keyed_state(base, i, out[i])


@njit(cache=True, inline="always")
def keyed_state(base, i, st):
    """Write into ``st`` (uint64[4]) stream ``i`` of the family keyed by ``base`` (uint64[4]).

    Counter-based: stream ``i`` is a hash of (base, i) through SplitMix64, computed in O(1)
    without the other streams, so ``keyed_state(base, i, st)`` equals row ``i`` of
    :func:`stream_states` for the seed and spawn key that gave ``base``
    (``base = SeedSequence(...).generate_state(4, uint64)``). Implicit populations key a
    person's contacts this way (:mod:`simulate.kernels.implicit`).
    """
    x = base[0] ^ _splitmix64(uint64(i) + base[1])
    for j in range(4):
        x = _splitmix64(x ^ base[(j + 2) % 4])
        st[j] = x
    if st[0] == 0 and st[1] == 0 and st[2] == 0 and st[3] == 0:
        st[0] = uint64(1)


@njit(cache=True, inline="always")
def _rotl(x, k):
    return (x << uint64(k)) | (x >> uint64(64 - k))


@njit(cache=True)
def next_u64(s):
    """Next 64-bit output of xoshiro256**; advances the state ``s`` (uint64[4]) in place."""
    result = _rotl(s[1] * uint64(5), 7) * uint64(9)
    t = s[1] << uint64(17)
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], 45)
    return result


@njit(cache=True)
def next_double(s):
    """Uniform double in [0, 1) with 53 random bits."""
    return np.float64(next_u64(s) >> uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def next_below(s, n):
    """Uniform integer in [0, n) (Lemire's nearly divisionless method; unbiased). n >= 1."""
    bound = uint64(n)
    threshold = (uint64(0) - bound) % bound
    while True:
        r = next_u64(s)
        if r >= threshold:
            return np.int64(r % bound)


@njit(cache=True, inline="always")
def next_below32(s, n):
    """Uniform integer in [0, n) for 1 <= n < 2^32, usually without a division.

    Lemire's multiply-shift on the top 32 bits, with his rejection step (the one modulo is
    computed only when the low product word falls below n), so the result is exactly uniform.
    D. Lemire, "Fast random integer generation in an interval", ACM TOMACS 29(1), 2019,
    doi:10.1145/3230636.
    """
    bound = uint64(n)
    m = (next_u64(s) >> uint64(32)) * bound
    low = m & uint64(0xFFFFFFFF)
    if low < bound:
        threshold = (uint64(0x100000000) - bound) % bound
        while low < threshold:
            m = (next_u64(s) >> uint64(32)) * bound
            low = m & uint64(0xFFFFFFFF)
    return np.int64(m >> uint64(32))
