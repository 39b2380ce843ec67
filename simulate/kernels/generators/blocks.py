"""Block-slot compaction shared by the parallel generators that emit a random number of edges.

Each block of rows writes into a slot of fixed capacity; :func:`compact_blocks` copies the slots into
exact-size arrays (see the capacity notes in :mod:`simulate.kernels.generators`).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def compact_blocks(src_c, dst_c, cap_ptr, counts):
    """Exact-size arrays from per-block slots ``[cap_ptr[b], cap_ptr[b] + counts[b])``.

    Returns ``(src, dst, offsets)``; blocks whose count exceeds their capacity are left
    unfilled (the caller re-runs them at ``offsets[b]``). O(edges), serial: a streaming copy
    is memory-bound, not worth a parallel region.
    """
    nb = counts.shape[0]
    offs = np.zeros(nb + 1, dtype=np.int64)
    for b in range(nb):
        offs[b + 1] = offs[b] + counts[b]
    src = np.empty(offs[nb], dtype=np.int32)
    dst = np.empty(offs[nb], dtype=np.int32)
    for b in range(nb):
        if counts[b] <= cap_ptr[b + 1] - cap_ptr[b]:
            a = cap_ptr[b]
            o = offs[b]
            for i in range(counts[b]):
                src[o + i] = src_c[a + i]
                dst[o + i] = dst_c[a + i]
    return src, dst, offs
