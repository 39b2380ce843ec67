"""The Chung-Lu block kernel (bucket queue over column tiles) against the old tiled sweep.

The kernel visits a row only in the tile holding its next candidate; the sweep it replaced
visited every row of a block in every tile. Same random stream, same order of draws, so the
same edges bit for bit: the old sweep is kept verbatim in ``tests/naive.py`` as the oracle.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulate.kernels.generators.power_law import _crossing_landing, chung_lu_edges
from simulate.kernels.random import stream_states
from tests.naive import chung_lu_edges_tiled


def _weights(n, seed, shape=1.3):
    return np.sort(np.random.default_rng(seed).pareto(shape, n) + 1.0)[::-1].copy()


def _both(args, bounds, states, tile, excl=None, group=None):
    n_rows = args[0].shape[0]
    cap = np.arange(bounds.shape[0], dtype=np.int64) * n_rows * 64
    new = chung_lu_edges(*args, bounds, cap, states, tile, excl, group)
    old = chung_lu_edges_tiled(*args, bounds, states, tile, excl, group)
    return new, old


@pytest.mark.parametrize("tile", [1, 3, 37, 1 << 16])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_undirected_rows_give_the_old_sweeps_edges_bit_for_bit(tile, seed):
    n = 1500
    w = _weights(n, seed) * 4.0
    nodes = np.arange(n, dtype=np.int64)
    args = (w, nodes, nodes + 1, np.full(n, n, dtype=np.int64), np.full(n, 1.0 / w.sum()), w, nodes)
    bounds = np.array([0, 7, 300, 301, 900, n], dtype=np.int64)
    (s, d), (s0, d0) = _both(args, bounds, stream_states(seed, 5, (3,)), tile)
    assert s.shape[0] > 2000
    assert np.array_equal(s, s0) and np.array_equal(d, d0)


@pytest.mark.parametrize("tile", [2, 50, 1 << 16])
def test_directed_rows_with_exclusions_give_the_old_sweeps_edges(tile):
    # Directed layout (every row scans all columns, self skipped) and a group exclusion:
    # rejected candidates still consume their draws, in the same order.
    n = 1200
    rng = np.random.default_rng(5)
    w_in = _weights(n, 6)
    w_out = rng.permutation(_weights(n, 7)) * 3.0
    col = np.argsort(-w_in, kind="stable").astype(np.int64)
    group = rng.integers(0, 4, n).astype(np.int64)
    args = (w_out, np.arange(n, dtype=np.int64), np.zeros(n, dtype=np.int64), np.full(n, n, dtype=np.int64),
            np.full(n, 1.0 / w_in.sum()), w_in[col].copy(), col)
    bounds = np.array([0, 400, 401, 1000, n], dtype=np.int64)
    for excl, cg in [(None, None), (group, group[col])]:
        (s, d), (s0, d0) = _both(args, bounds, stream_states(11, 4, (1,)), tile, excl, cg)
        assert s.shape[0] > 1000
        assert np.array_equal(s, s0) and np.array_equal(d, d0)


def test_grouped_layout_with_uneven_row_ranges_gives_the_old_sweeps_edges():
    # power_law's grouped layout: a global layer plus per-group rows whose candidate ranges
    # end at their group's end, so a block's rows stop at many different tiles.
    from simulate.generators.power_law import block_bounds, chung_lu_layout, power_law_weights

    n = 2000
    rng = np.random.default_rng(2)
    w = np.empty(n)
    node_of_rank = rng.permutation(n).astype(np.int64)
    w[node_of_rank] = power_law_weights(n, 2.3, 12.0, 300.0)
    group = rng.integers(0, 9, n).astype(np.int64)
    lay = chung_lu_layout(node_of_rank, w, group, 0.7)
    bounds, _ = block_bounds(lay["row_w"], lay["row_start"], lay["row_end"], lay["row_inv_s"], lay["col_w"])
    bounds = np.unique(np.concatenate([bounds, [n // 2, n, n + 333]])).astype(np.int64)
    args = (lay["row_w"], lay["row_node"], lay["row_start"], lay["row_end"], lay["row_inv_s"], lay["col_w"],
            lay["col_node"])
    states = stream_states(4, bounds.shape[0] - 1, (2,))
    for tile in (4, 97):
        (s, d), (s0, d0) = _both(args, bounds, states, tile, lay["row_excl"], lay["col_group"])
        assert s.shape[0] > 5000
        assert np.array_equal(s, s0) and np.array_equal(d, d0)


def _carry_chain(e, h, j, t1, cend, tile, hi):
    # The old sweep's arithmetic for a skip crossing tile ends, in plain Python floats
    # (IEEE double, the same operations in the same order).
    while True:
        e -= (t1 - j) * h
        j = t1
        t1 = min(hi, t1 + tile)
        span = e / h
        if span >= cend - j:
            return -1
        if span < t1 - j:
            return j + math.floor(span)


@settings(max_examples=400, deadline=None)
@given(h=st.floats(1e-9, 2.0), gap=st.integers(0, 10**7), eps=st.sampled_from([0.0, 1e-15, -1e-15, 1e-12, -1e-12,
                                                                                  1e-9, -1e-9, 0.3]),
       tile=st.integers(1, 1 << 16), j_off=st.integers(0, 1 << 16), extra=st.integers(1, 10**6))
def test_crossing_landing_equals_the_carry_chain(h, gap, eps, tile, j_off, extra):
    # Skips whose span lies within rounding of an integer (eps ~ 0) take the replay path,
    # the others the direct floor: both must land where the tile-by-tile carry chain did.
    lo = 0
    j = j_off % tile  # position inside the first tile
    t1 = lo + tile
    span = (t1 - j) + gap + eps
    if span < t1 - j:
        span = float(t1 - j)
    e = span * h
    span = e / h
    if span < t1 - j:
        return
    cend = j + int(math.floor(span)) + extra
    hi = cend + (tile if extra % 2 else 0)
    if span >= cend - j:
        return
    got = _crossing_landing(e, h, span, np.int64(j), np.int64(t1), np.int64(cend), np.int64(tile), np.int64(hi))
    assert got == _carry_chain(e, h, j, t1, cend, tile, hi)
