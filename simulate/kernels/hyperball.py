"""HyperBall / HyperANF: the neighbourhood function of a graph with HyperLogLog counters.

Every node ``v`` keeps a HyperLogLog counter (``m = 2**log2m`` one-byte registers) of the
ball ``B(v, t)`` = nodes reachable from ``v`` along out-arcs in at most ``t`` steps. The
ball at radius ``t + 1`` is the union of ``v``'s ball and its out-neighbours' balls at radius
``t``, and the union of HyperLogLog counters is their register-wise maximum, so one iteration
is one pass of byte-wise maxima over the arcs. Summing the counters' estimates gives the
neighbourhood function ``N(t)`` = number of ordered pairs ``(u, v)`` with ``dist(u, v) <= t``
(``u = v`` included, so ``N(0) = n``).

Layout and cost
---------------
Two register arrays ``current`` and ``next`` of ``n * m`` bytes (node ``v`` owns bytes
``v*m .. v*m + m - 1``, 64-byte aligned), two ``n``-byte "changed in the last iteration" flag
arrays, every node's current estimate (float64, so a changed node costs one estimate, not two)
and one float64 partial sum per block of :data:`BLOCK` nodes; until the first step, also 4
bytes per node holding its radius-0 counter (register index and rank). Nothing else grows with
the graph.

Iteration ``t -> t + 1`` is "systolic" (Boldi, Rosa, Vigna 2011, section 4): if out-neighbour
``w`` did not change at iteration ``t``, its counter is already folded into ``v``'s, so only
changed neighbours are merged, and a node none of whose neighbours (nor itself) changed is not
touched at all; given the in-arc CSR, a step after which few counters changed visits only the
changed nodes and their in-neighbours instead of reading every arc's flag. A merge is one vector ``max`` per 64 register bytes (LLVM ``<64 x i8>``
unsigned max, one VPMAXUB on AVX-512), with every cache line of the row of the arc 32 arcs
ahead prefetched, so a full iteration runs at 1.5-2.5x the time of reading the same bytes as a
stream (``benchmarks/bench_hyperball.py``). The radius 0 counters are never written as rows:
every one has the same estimate, and the first iteration builds each radius 1 counter from the
4-byte radius-0 slots of the node and its neighbours; later iterations read ``m`` bytes per arc
into changed nodes. A counter's estimate sums ``2^-M[j]`` exactly in integers, one vector pass
that gives the float loop's value bit for bit (:func:`_counter_estimate`).

Determinism: the hash salt comes from an explicit RNG state, each node's new counter reads only
``current``, and the estimate is summed per fixed block of nodes then over blocks in order, so
results are bit-identical on any number of threads.

References
----------
P. Boldi, M. Rosa, S. Vigna, "HyperANF: approximating the neighbourhood function of very
large graphs on a budget", WWW 2011, doi:10.1145/1963405.1963493.
P. Flajolet, E. Fusy, O. Gandouet, F. Meunier, "HyperLogLog: the analysis of a near-optimal
cardinality estimation algorithm", AofA 2007 (DMTCS proc. AH, pp. 127-146).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange, uint64

from .llvm_intrinsics import prefetch_read as _prefetch_read
from .llvm_intrinsics import umax_bytes16 as _umax_bytes16
from .llvm_intrinsics import umax_bytes32 as _umax_bytes32
from .llvm_intrinsics import umax_bytes64 as _umax_bytes64
from .order import bfs_order, permute_csr
from .random import next_u64

#: Nodes per work block (fixed, so partial sums and hence results do not depend on threads).
BLOCK = 512
#: Blocks handed to a thread at a time (dynamic scheduling).
CHUNK_BLOCKS = 4

LOG2M_MIN = 4
LOG2M_MAX = 12

# 2**-k for every possible register value k (ranks are <= 64 - log2m + 1 <= 61).
_POW2_NEG = np.ldexp(1.0, -np.arange(66)).astype(np.float64)


def hll_alpha(m):
    """Flajolet et al.'s bias constant ``alpha_m`` of the raw HyperLogLog estimate."""
    if m == 16:
        return 0.673
    if m == 32:
        return 0.697
    if m == 64:
        return 0.709
    return 0.7213 / (1.0 + 1.079 / m)


hll_alpha_numba = njit(cache=True)(hll_alpha)


#: Arcs ahead whose source registers are prefetched in the merge loop. A neighbour's
#: registers are a random cache line of an n * m byte array, so each merge waits on a memory
#: load; hinting the line 8 arcs early overlaps those waits (1.27x less CPU per run, one
#: thread, power law 1M nodes / 20M arcs, m = 64; results identical).
PREFETCH_DISTANCE = 32

#: A step visits only the changed nodes and their in-neighbours (given the in-arc CSR) when
#: those nodes' in-arcs are at most this share of all arcs; otherwise it reads every arc's
#: change flag.
SPARSE_ARC_SHARE = 0.25


# ---------------------------------------------------------------- hashing and initialisation
@njit(cache=True, inline="always")
def _fmix64(k):
    # MurmurHash3's 64-bit finaliser: a bijection with full avalanche.
    k ^= k >> uint64(33)
    k *= uint64(0xFF51AFD7ED558CCD)
    k ^= k >> uint64(33)
    k *= uint64(0xC4CEB9FE1A85EC53)
    k ^= k >> uint64(33)
    return k


@njit(cache=True)
def salt_from_state(state):
    """The run's two hash salts: two draws from a copy of a xoshiro256** state (the caller's row
    is left as is), so an oracle can hash nodes exactly as a HyperBall run with that state does."""
    s = state.copy()
    a = next_u64(s)
    b = next_u64(s)
    return a, b


@njit(cache=True, inline="always")
def node_register_and_rank(node, salt_a, salt_b, log2m):
    """Register index (low ``log2m`` bits of the hash) and HyperLogLog rank of ``node``.

    The rank is the number of leading zeros of the remaining ``64 - log2m`` hash bits plus 1
    (``64 - log2m + 1`` when they are all zero).
    """
    h = _fmix64((uint64(node) * uint64(0x9E3779B97F4A7C15)) ^ salt_a) ^ salt_b
    h = _fmix64(h)
    m = uint64(1) << uint64(log2m)
    reg = np.int64(h & (m - uint64(1)))
    q = 64 - log2m
    w = h >> uint64(log2m)
    rank = 1
    top = uint64(1) << uint64(q - 1)
    while rank <= q and (w & top) == uint64(0):
        rank += 1
        top >>= uint64(1)
    return reg, rank


@njit(cache=True, parallel=True)
def _init_slots(n, log2m, salt_a, salt_b, ids, slots):
    # slots[v] = register index * 64 + rank of node v's hash (rank <= 61): its whole radius-0
    # counter in 4 bytes, read by the first iteration instead of m-byte rows.
    # ids[v] is the caller's id of (relabelled) node v, or empty when nodes are not relabelled:
    # hashing the caller's ids keeps every counter identical under any node order.
    relabelled = ids.shape[0] > 0
    for v in prange(n):
        node = np.int64(v)
        if relabelled:
            node = ids[v]
        reg, rank = node_register_and_rank(node, salt_a, salt_b, log2m)
        slots[v] = np.uint32(reg * 64 + rank)


# ---------------------------------------------------------------- estimation
#: Registers up to this rank are summed exactly in integers (see :func:`_counter_estimate`).
_EXACT_RANK = 41


@njit(cache=True, inline="always")
def _counter_estimate(regs, m, alpha_mm, pow2neg):
    # Raw HyperLogLog estimate alpha_m m^2 / sum 2^-M[j], with linear counting m ln(m / V)
    # below 2.5 m when some register is still zero (Flajolet et al. 2007, Fig. 3). 64-bit
    # hashes make the large-range correction unnecessary.
    #
    # The sum is the float64 sum of 2^-M[j] in register order, but computed as an integer:
    # when every M[j] <= 41, each term is k 2^-41 with integer k and every partial sum is an
    # integer multiple of 2^-41 below m <= 2^12, so its numerator needs at most 53 bits and each
    # float addition of the sequential loop is exact. The integer sum of 2^(41 - M[j]) times
    # 2^-41 is then that same float, bit for bit, from one vectorised pass instead of a chain
    # of m dependent float additions (4 cycles each: ~0.1 s per full iteration at m = 128 on
    # 10^6 nodes). A rank above 41 (probability 2^-41 per node hash) takes the float loop.
    zeros = 0
    top = np.uint8(0)
    acc = np.int64(0)
    for j in range(m):
        r = regs[j]
        top = max(top, r)
        zeros += r == 0
        acc += np.int64(1) << np.int64(_EXACT_RANK - min(np.int64(r), _EXACT_RANK))
    if top <= _EXACT_RANK:
        s = np.float64(acc) * pow2neg[_EXACT_RANK]
    else:
        s = 0.0
        for j in range(m):
            s += pow2neg[regs[j]]
    e = alpha_mm / s
    if e <= 2.5 * m and zeros > 0:
        e = m * np.log(m / zeros)
    return e


@njit(cache=True, inline="always")
def _counter_estimate_float(regs, m, alpha_mm, pow2neg):
    # The sequential float loop :func:`_counter_estimate` reproduces (kept as its test oracle).
    s = 0.0
    zeros = 0
    for j in range(m):
        r = regs[j]
        s += pow2neg[r]
        if r == 0:
            zeros += 1
    e = alpha_mm / s
    if e <= 2.5 * m and zeros > 0:
        e = m * np.log(m / zeros)
    return e


@njit(cache=True)
def counter_estimates(registers, exact_sum):
    """Estimate of every row of ``registers`` (uint8, shape (k, m)): by the integer-exact sum
    of :func:`_counter_estimate` (``exact_sum`` true) or by the sequential float loop."""
    k, m = registers.shape
    alpha_mm = hll_alpha_numba(m) * m * m
    out = np.empty(k, dtype=np.float64)
    for i in range(k):
        if exact_sum:
            out[i] = _counter_estimate(registers[i], m, alpha_mm, _POW2_NEG)
        else:
            out[i] = _counter_estimate_float(registers[i], m, alpha_mm, _POW2_NEG)
    return out


@njit(cache=True, parallel=True)
def _fold_node_values(node_values, block_est):
    # block_est[b] += the values of block b's nodes (caller's ids) summed in id order, and the
    # values reset to 0: the same float additions, in the same order, as without relabelling
    # (adding the 0.0 of an unchanged node changes no sum).
    n = node_values.shape[0]
    for b in prange(block_est.shape[0]):
        lo = b * BLOCK
        hi = min(n, lo + BLOCK)
        s = 0.0
        for v in range(lo, hi):
            s += node_values[v]
            node_values[v] = 0.0
        block_est[b] += s


@njit(cache=True, parallel=True)
def node_estimates(registers, n, m, alpha_mm, pow2neg, out, ids):
    """Estimated ball size of every node from ``registers`` into ``out`` (length n).

    ``out[ids[v]]`` receives node ``v``'s estimate (``out[v]`` when ``ids`` is empty).
    """
    relabelled = ids.shape[0] > 0
    for v in prange(n):
        e = _counter_estimate(registers[np.int64(v) * m:np.int64(v + 1) * m], m, alpha_mm, pow2neg)
        i = np.int64(v)
        if relabelled:
            i = ids[v]
        out[i] = e


# ---------------------------------------------------------------- one iteration
@njit(cache=True, inline="always")
def _merge_row(dst, dbase, src, sbase, m):
    # dst[dbase:dbase + m] = register-wise max with src[sbase:sbase + m]: one vector max per
    # 64 bytes (m is a power of two >= 16). A byte loop over a runtime m vectorises only from
    # 128 bytes up; below that LLVM emits 8-byte steps behind an aliasing check.
    if m >= 64:
        for c in range(0, m, 64):
            _umax_bytes64(dst, dbase + c, src, sbase + c)
    elif m == 32:
        _umax_bytes32(dst, dbase, src, sbase)
    else:
        _umax_bytes16(dst, dbase, src, sbase)


@njit(cache=True, inline="always")
def _finish_node(v, dst, own, m, alpha_mm, pow2neg, changed_next, est, ids, node_delta):
    # Node v's new counter dst against its old one own: sets changed_next[v] and returns
    # (1 if changed else 0, estimate change to add to the block sum). est[v] holds own's
    # estimate (computed when own was new: one estimate per changed node, not two, with the
    # same value as recomputing it) and is updated to dst's. With relabelled nodes
    # (ids not empty) the change goes to node_delta[ids[v]] instead and 0.0 is returned, for
    # _fold_node_values to sum in the caller's order (adding 0.0 changes no sum).
    diff = np.uint8(0)
    for j in range(m):
        diff |= dst[j] ^ own[j]
    if diff == 0:
        changed_next[v] = 0
        return 0, 0.0
    changed_next[v] = 1
    e = _counter_estimate(dst, m, alpha_mm, pow2neg)
    d = e - est[v]
    est[v] = e
    if ids.shape[0] > 0:
        node_delta[ids[v]] = d
        return 1, 0.0
    return 1, d


@njit(cache=True, parallel=True)
def _radius0_registers(registers, slots, m):
    # registers[v] = node v's radius 0 counter: zeros but register slots[v] // 64, which holds
    # its rank slots[v] % 64.
    n = slots.shape[0]
    for v in prange(n):
        base = np.int64(v) * m
        registers[base:base + m] = 0
        sl = slots[v]
        registers[base + np.int64(sl >> np.uint32(6))] = np.uint8(sl & np.uint32(63))


@njit(cache=True)
def _radius0_estimate(m, alpha_mm, pow2neg):
    # The estimate of every radius 0 counter: one register non-zero, so linear counting
    # m ln(m / (m - 1)) whatever its index and rank (computed by the same code as any counter).
    regs = np.zeros(m, dtype=np.uint8)
    regs[0] = 1
    return _counter_estimate(regs, m, alpha_mm, pow2neg)


@njit(cache=True, parallel=True)
def _radius0_block_sums(n, e0, block_est, est):
    # block_est[b] = e0 added once per node of block b in node order (the same float additions
    # as summing each node's estimate), est[v] = e0.
    for b in prange(block_est.shape[0]):
        lo = b * BLOCK
        hi = min(n, lo + BLOCK)
        s = 0.0
        for v in range(lo, hi):
            est[v] = e0
            s += e0
        block_est[b] = s


@njit(cache=True, parallel=True)
def _first_iteration(indptr, indices, current, nxt, slots, changed_next, m, alpha_mm, pow2neg,
                     est, block_est, block_changed, ids, node_delta):
    """Radius 1 counters into ``nxt`` from the radius 0 counters held in ``slots`` alone.

    A radius 0 counter has one non-zero register (``slots[w] // 64`` holds ``slots[w] % 64``),
    so node v's radius 1 counter is zeros raised at its own and each out-neighbour's slot: 4
    bytes read per arc instead of an m-byte row, and the same registers as :func:`_iterate`.
    ``current`` is not read: the radius 0 counters are never written as rows except, here,
    those of the nodes whose counter does not change (their row in ``current`` is still read
    as radius t - 1 = t by the second iteration; every other row of ``current`` is rewritten
    there before it is read). That saves a pass writing and a pass estimating n m bytes
    before the first step (``est`` holds the common radius 0 estimate on entry).
    Outputs as in :func:`_iterate`.
    """
    n = indptr.shape[0] - 1
    nblocks = block_est.shape[0]
    for b in prange(nblocks):
        lo = b * BLOCK
        hi = min(n, lo + BLOCK)
        delta = 0.0
        nchg = 0
        for v in range(lo, hi):
            base = np.int64(v) * m
            dst = nxt[base:base + m]
            dst[:] = 0
            sl = slots[v]
            dst[np.int64(sl >> np.uint32(6))] = np.uint8(sl & np.uint32(63))
            raised = np.uint8(0)
            for k in range(indptr[v], indptr[v + 1]):
                sl = slots[indices[k]]
                j = np.int64(sl >> np.uint32(6))
                r = np.uint8(sl & np.uint32(63))
                # branch-free: the comparison is a coin toss
                raised |= np.uint8(r > dst[j])
                dst[j] = max(dst[j], r)
            if raised == 0:
                changed_next[v] = 0
                current[base:base + m] = dst
                continue
            changed_next[v] = 1
            e = _counter_estimate(dst, m, alpha_mm, pow2neg)
            d = e - est[v]
            est[v] = e
            nchg += 1
            if ids.shape[0] > 0:
                node_delta[ids[v]] = d
            else:
                delta += d
        block_est[b] += delta
        block_changed[b] = nchg


@njit(cache=True, parallel=True)
def _mark_work(t_indptr, t_indices, changed_nodes, work):
    # work[u] = 1 for every changed node and every in-neighbour of one (an arc u -> w with w
    # changed): the nodes whose counters the next step may change. Threads may set the same
    # byte to 1 at once; the outcome does not depend on it.
    for i in prange(changed_nodes.shape[0]):
        w = changed_nodes[i]
        work[w] = 1
        for k in range(t_indptr[w], t_indptr[w + 1]):
            work[t_indices[k]] = 1


@njit(cache=True, parallel=True)
def _iterate(indptr, indices, current, nxt, changed_prev, changed_next, m, alpha_mm, pow2neg,
             est, block_est, block_changed, ids, node_delta, work):
    """Compute radius t + 1 counters into ``nxt`` from radius t counters in ``current`` (t >= 1).

    Invariant on entry: ``nxt`` holds the radius t - 1 counters of every node (anything when
    t = 0, where every ``changed_prev`` flag is set) and ``changed_prev[v]`` says whether
    ``v``'s counter changed between radius t - 1 and t. On exit ``nxt`` holds radius t + 1
    counters, ``changed_next`` the new flags, ``block_est`` the per-block estimate sums and
    ``block_changed`` the number of changed counters per block. ``est[v]`` is the estimate of
    ``v``'s counter in ``current`` on entry, of its counter in ``nxt`` on exit.

    Why merging only changed neighbours is exact: for an out-neighbour w unchanged at step t,
    counter_t(w) = counter_{t-1}(w) <= counter_t(v) register-wise, as v's ball at radius t
    already contains w's ball at radius t - 1.

    With relabelled nodes (``ids`` not empty) each changed node's estimate change goes to
    ``node_delta[ids[v]]`` instead, for :func:`_fold_node_values` to sum in the caller's order.

    ``work`` (uint8, length n, or empty): when given, only nodes with ``work[v]`` set are
    visited (and their mark cleared); it must cover every node that changed at step t and
    every in-neighbour of one (:func:`_mark_work`), the only nodes whose counter can change.
    Each block still adds its nodes' changes in node order, so results are bit-identical to
    the full scan, without reading every arc's flag when few counters changed.
    """
    n = indptr.shape[0] - 1
    n_arcs = indices.shape[0]
    listed = work.shape[0] > 0
    nblocks = block_est.shape[0]
    for b in prange(nblocks):
        lo = b * BLOCK
        hi = min(n, lo + BLOCK)
        delta = 0.0
        nchg = 0
        for v in range(lo, hi):
            if listed:
                if work[v] == 0:
                    changed_next[v] = 0
                    continue
                work[v] = 0
            a = indptr[v]
            z = indptr[v + 1]
            self_changed = changed_prev[v] != 0
            any_nb = False
            for k in range(a, z):
                if changed_prev[indices[k]] != 0:
                    any_nb = True
                    break
            base = np.int64(v) * m
            # Slices (not base + j indexing) let LLVM drop index wraparound checks and emit
            # packed byte instructions: about 20x faster than flat indexing.
            dst = nxt[base:base + m]
            own = current[base:base + m]
            if not any_nb:
                changed_next[v] = 0
                if self_changed:
                    # nxt[v] holds radius t - 1; bring it to radius t = radius t + 1.
                    dst[:] = own
                continue
            dst[:] = own
            for k in range(a, z):
                # Hint the row of the arc PREFETCH_DISTANCE ahead, across row ends: most rows
                # are shorter than the distance, and hinting only within the row left their
                # reads unhinted (1.7x more CPU per iteration).
                if k + PREFETCH_DISTANCE < n_arcs:
                    wb = np.int64(indices[k + PREFETCH_DISTANCE]) * m
                    for c in range(0, m, 64):   # every cache line of the row
                        _prefetch_read(current, wb + c)
                w = indices[k]
                if changed_prev[w] == 0:
                    continue
                _merge_row(nxt, base, current, np.int64(w) * m, m)
            chg, d = _finish_node(v, dst, own, m, alpha_mm, pow2neg, changed_next, est, ids, node_delta)
            nchg += chg
            delta += d
        block_est[b] += delta
        block_changed[b] = nchg


# ---------------------------------------------------------------- Python-level driver
def _aligned_bytes(size, align=64):
    # Cache-line aligned buffer so a node's m <= 64 registers sit in one line.
    raw = np.empty(size + align, dtype=np.uint8)
    off = (-raw.ctypes.data) % align
    return raw[off:off + size]


def register_buffers(n, log2m):
    """Two cache-line aligned uint8 arrays of ``n * 2**log2m`` bytes: the register arrays of a
    HyperBall run (:class:`HyperBallCounters` ``buffers``), reusable by later runs on the same
    number of nodes (or fewer) and the same or smaller m."""
    size = int(n) << int(log2m)
    return _aligned_bytes(size), _aligned_bytes(size)


class HyperBallCounters:
    """The HyperBall state of one run: two register arrays, flags and block sums.

    Drive it from Python (one :meth:`step` per radius) to show progress; each step is one
    parallel Numba kernel call.

    Parameters
    ----------
    indptr : ndarray of int64, shape (n + 1,)
    indices : ndarray of int32
        Out-adjacency CSR; balls grow along out-arcs. Pass the transposed CSR for in-balls.
    log2m : int
        4..12; ``m = 2**log2m`` one-byte registers per node, relative standard error of one
        counter about ``1.04 / sqrt(m)``.
    state : ndarray of uint64, shape (4,)
        RNG state (a row of :func:`simulate.kernels.random.stream_states`) salting the node
        hash; it is read, not advanced.
    order : {None, "bfs"} or ndarray of int64, optional
        Node order of the register arrays. ``None`` keeps the caller's; ``"bfs"`` renumbers
        nodes in breadth-first order from the node of largest out-degree
        (:func:`simulate.kernels.order.bfs_order`), so neighbours' registers share cache lines
        and pages; an array is the order itself (``order[i]`` = caller's id of node ``i``).
        Nodes are hashed by the caller's ids and estimates summed in the caller's order, so
        counters, estimates and ball sizes are bit-identical under every order.
    transpose : (ndarray of int64, ndarray of int32), optional
        The in-arc CSR of the same graph (the same two arrays for an undirected graph). With
        it, a step after which few counters changed visits only the changed nodes and their
        in-neighbours instead of reading every arc's change flag (:data:`SPARSE_ARC_SHARE`);
        results are bit-identical with or without it.
    buffers : (ndarray of uint8, ndarray of uint8), optional
        The two register arrays (:func:`register_buffers`), for runs one after another to reuse
        memory already paged in instead of faulting in ``2 n m`` fresh bytes each (0.2-0.5 s of
        system time per run at m = 128 on 10^6 nodes); their contents are never read. Default:
        new arrays.

    Attributes
    ----------
    radius : int
        Radius the counters in :attr:`current` describe.
    estimate : float
        Estimated N(radius).
    n_changed : int
        Counters that changed in the last step (n before any step).

    Notes
    -----
    Memory: ``2 n m + 10 n`` bytes (registers, flags, float64 estimates) plus ``8 n / BLOCK``
    (``4 n`` more until the first step: radius 0 slots); with a transpose, ``9 n`` (marks and
    in-degrees); with an order, also a relabelled copy of the CSR (and of a directed graph's
    transpose) and ``16 n`` bytes (ids and per-node estimate changes).
    """

    def __init__(self, indptr, indices, log2m, state, order=None, transpose=None, buffers=None):
        log2m = int(log2m)
        if not LOG2M_MIN <= log2m <= LOG2M_MAX:
            raise ValueError(f"log2m must be in {LOG2M_MIN}..{LOG2M_MAX}, got {log2m}")
        state = np.ascontiguousarray(state, dtype=np.uint64)
        if state.shape != (4,):
            raise ValueError("state must be a uint64 array of shape (4,)")
        same_csr = transpose is not None and transpose[0] is indptr and transpose[1] is indices
        indptr = np.ascontiguousarray(indptr, dtype=np.int64)
        indices = np.ascontiguousarray(indices, dtype=np.int32)
        self.n = n = indptr.shape[0] - 1
        if transpose is not None:
            t_indptr = np.ascontiguousarray(transpose[0], dtype=np.int64)
            t_indices = np.ascontiguousarray(transpose[1], dtype=np.int32)
            if t_indptr.shape != indptr.shape or t_indices.shape != indices.shape:
                raise ValueError("transpose must be the in-arc CSR of the same graph (same n and arcs)")
        if isinstance(order, str):
            if order != "bfs":
                raise ValueError(f"order must be None, 'bfs' or a permutation, got {order!r}")
            order = bfs_order(indptr, indices, int(np.argmax(np.diff(indptr)))) if n else None
        if order is None:
            self.ids = np.empty(0, dtype=np.int64)
            self._node_delta = np.empty(0, dtype=np.float64)
        else:
            order = np.ascontiguousarray(order, dtype=np.int64)
            if order.shape != (n,) or not np.array_equal(np.bincount(order, minlength=n), np.ones(n)):
                raise ValueError("order must be a permutation of the nodes")
            indptr, indices = permute_csr(indptr, indices, order)
            if transpose is not None and not same_csr:
                t_indptr, t_indices = permute_csr(t_indptr, t_indices, order)
            self.ids = order
            self._node_delta = np.zeros(n, dtype=np.float64)
        self.indptr, self.indices = indptr, indices
        if transpose is None:
            self._transpose = None
            self._work = np.empty(0, dtype=np.uint8)
        else:
            self._transpose = (indptr, indices) if same_csr else (t_indptr, t_indices)
            self._in_degree = np.diff(self._transpose[0])
            self._work = np.zeros(n, dtype=np.uint8)
        self.log2m = log2m
        self.m = m = 1 << log2m
        self.alpha_mm = hll_alpha(m) * m * m
        salt_a, salt_b = (np.uint64(x) for x in salt_from_state(state))
        # Neither register array is written here: the radius 0 counters live in the 4-byte
        # slots until the first step (or until :attr:`current` is read at radius 0).
        if buffers is None:
            buffers = register_buffers(n, log2m)
        a, b = buffers
        if (a.dtype != np.uint8 or b.dtype != np.uint8 or a.ndim != 1 or b.ndim != 1
                or a.shape[0] < n * m or b.shape[0] < n * m or not a.flags.c_contiguous
                or not b.flags.c_contiguous or np.shares_memory(a, b)):
            raise ValueError(f"buffers must be two separate contiguous uint8 arrays of at least n * m = {n * m} "
                             "bytes (register_buffers)")
        # Whatever the buffers hold is never read: every row is written before it is read.
        self._current = a[:n * m]
        self._next = b[:n * m]
        self._slots = np.empty(n, dtype=np.uint32)
        _init_slots(n, log2m, salt_a, salt_b, self.ids, self._slots)
        self._rows_hold_radius0 = False
        self.changed = np.ones(n, dtype=np.uint8)
        self._changed_next = np.zeros(n, dtype=np.uint8)
        nblocks = (n + BLOCK - 1) // BLOCK
        self.block_est = np.zeros(nblocks, dtype=np.float64)
        self._block_changed = np.zeros(nblocks, dtype=np.int64)
        self._est = np.empty(n, dtype=np.float64)
        # Every radius 0 counter has the same estimate; each block sums it in node order (in
        # the caller's order too under relabelling: the same value, so the same sum).
        _radius0_block_sums(n, _radius0_estimate(m, self.alpha_mm, _POW2_NEG), self.block_est, self._est)
        self.radius = 0
        self.estimate = float(np.sum(self.block_est))
        self.n_changed = n

    @property
    def current(self):
        """Registers at :attr:`radius`, flat (node ``v`` of the internal order owns bytes
        ``v*m .. v*m + m - 1``). At radius 0 reading it writes the radius 0 counters first."""
        if self.radius == 0 and not self._rows_hold_radius0:
            _radius0_registers(self._current, self._slots, self.m)
            self._rows_hold_radius0 = True
        return self._current

    @property
    def next(self):
        """The other register array (scratch until the next :meth:`step` writes it)."""
        return self._next

    def step(self):
        """Advance the counters by one radius.

        Returns
        -------
        estimate : float
            Estimated N(radius + 1).
        n_changed : int
            Number of counters that changed (0 means the balls are final).
        """
        # Dynamic scheduling, 4 blocks per grab: later iterations touch few, clustered nodes,
        # and real graphs number nodes by community or degree, so equal static halves idle a
        # thread (3x slower on ego-Facebook). Results do not depend on the schedule.
        with numba.parallel_chunksize(CHUNK_BLOCKS):
            if self.radius == 0:
                _first_iteration(self.indptr, self.indices, self._current, self._next, self._slots,
                                 self._changed_next, self.m, self.alpha_mm, _POW2_NEG, self._est,
                                 self.block_est, self._block_changed, self.ids, self._node_delta)
                self._slots = None
            else:
                _iterate(self.indptr, self.indices, self._current, self._next, self.changed,
                         self._changed_next, self.m, self.alpha_mm, _POW2_NEG, self._est,
                         self.block_est, self._block_changed, self.ids, self._node_delta,
                         self._work_list())
            if self.ids.shape[0]:
                _fold_node_values(self._node_delta, self.block_est)
        self._current, self._next = self._next, self._current
        self.changed, self._changed_next = self._changed_next, self.changed
        self.radius += 1
        self.estimate = float(np.sum(self.block_est))
        self.n_changed = int(np.sum(self._block_changed))
        return self.estimate, self.n_changed

    def _work_list(self):
        # The nodes the next step may change, marked in self._work, when they are few: every
        # changed node and its in-neighbours, if their in-arcs are at most SPARSE_ARC_SHARE of
        # all arcs (else the step scans every arc's flag, and an empty array says so).
        if self._transpose is None or self.n_changed > self.n * SPARSE_ARC_SHARE:
            return self._work[:0]
        changed_nodes = np.flatnonzero(self.changed)
        if changed_nodes.shape[0] + int(self._in_degree[changed_nodes].sum()) > \
                SPARSE_ARC_SHARE * self.indices.shape[0]:
            return self._work[:0]
        _mark_work(self._transpose[0], self._transpose[1], changed_nodes, self._work)
        return self._work

    def ball_sizes(self, out=None):
        """Estimated ball size of every node at the current radius (float32, length n)."""
        if out is None:
            out = np.empty(self.n, dtype=np.float32)
        node_estimates(self.current, self.n, self.m, self.alpha_mm, _POW2_NEG, out, self.ids)
        return out

    def registers(self):
        """The counters at the current radius, row ``v`` = the caller's node ``v`` (a copy).

        Returns
        -------
        ndarray of uint8, shape (n, m)
        """
        regs = self.current.reshape(self.n, self.m)
        if not self.ids.shape[0]:
            return regs.copy()
        out = np.empty_like(regs)
        out[self.ids] = regs
        return out


def hyperball_steps(indptr, indices, log2m, state, max_iter=None, order=None, transpose=None,
                    buffers=None):
    """Iterate HyperBall, yielding ``(radius, estimate, n_changed)`` after every step.

    The first item is radius 0. Stops after the first step in which no counter changed (that
    step is yielded too, with ``n_changed == 0``) or after ``max_iter`` steps. Wrap it in
    ``tqdm`` for a per-iteration progress bar. ``order``, ``transpose`` and ``buffers`` as in
    :class:`HyperBallCounters` (the same results with any of them).
    """
    counters = HyperBallCounters(indptr, indices, log2m, state, order, transpose, buffers)
    yield 0, counters.estimate, counters.n_changed
    limit = np.inf if max_iter is None else int(max_iter)
    while counters.radius < limit:
        est, nchg = counters.step()
        yield counters.radius, est, nchg
        if nchg == 0:
            return


def hyperball_run(indptr, indices, log2m, state, max_iter=None, order=None, transpose=None,
                  buffers=None):
    """Estimated neighbourhood function of a graph by HyperBall.

    Parameters
    ----------
    indptr : ndarray of int64, shape (n + 1,)
    indices : ndarray of int32
        Out-adjacency CSR (rows need not be sorted). ``dist(u, v)`` follows out-arcs.
    log2m : int
        4..12: ``m = 2**log2m`` registers of one byte per node and per array (two arrays).
    state : ndarray of uint64, shape (4,)
        ``stream_states(seed, runs)[r]``: salts the node hash so runs are independent.
    max_iter : int, optional
        Upper bound on the number of iterations (radius). Default: until convergence.
    order : {None, "bfs"} or ndarray of int64, optional
        Node order of the registers (:class:`HyperBallCounters`): a locality order makes
        iterations faster and leaves ``nf`` bit-identical.
    transpose : (ndarray of int64, ndarray of int32), optional
        In-arc CSR of the same graph (``(indptr, indices)`` again when undirected): the last
        steps, where few counters change, then visit only the nodes they can change.
        ``nf`` is bit-identical with or without it.
    buffers : (ndarray of uint8, ndarray of uint8), optional
        Register arrays to reuse (:func:`register_buffers`): runs one after another then pay
        the page faults of ``2 n m`` bytes once. Same ``nf``.

    Returns
    -------
    nf : ndarray of float64, shape (T + 1,)
        ``nf[t]`` estimates N(t), the number of ordered pairs ``(u, v)`` with
        ``dist(u, v) <= t`` (``u = v`` included, so ``nf[0]`` is about n). ``T`` is the last
        radius at which some counter changed (at most the diameter; equal to it unless the
        last new nodes happen to raise no register), or ``max_iter``. Non-decreasing.

    Notes
    -----
    Each counter's relative standard error is about ``1.04 / sqrt(m)``; errors of different
    nodes are correlated (same hash), so ``nf`` is not ``sqrt(n)`` times more precise:
    average independent runs (different ``state``) instead.

    The estimator is Flajolet et al.'s (raw estimate with ``alpha_m``, linear counting below
    ``2.5 m``), which keeps a small bias where the two meet: measured on ego-Facebook over 300
    runs, the mean distance comes out 0.25 % low at m = 256..1024 and 1 % low at m = 16, well
    below the spread of one run (1.6 % at m = 256). ``nf[0]`` is ``n m ln(m / (m - 1))``.

    Time: first iteration ``O(arcs + n m)`` (one 4-byte radius-0 counter per arc), later ones
    ``O(m)`` per arc from a changed node (a vector max per 64 bytes); parallel over blocks of
    nodes. Memory ``2 n m + 10 n`` bytes (``+ 4 n`` until the first step).

    P. Boldi, M. Rosa, S. Vigna, WWW 2011, doi:10.1145/1963405.1963493; HyperLogLog:
    P. Flajolet, E. Fusy, O. Gandouet, F. Meunier, AofA 2007.
    """
    nf = []
    for _, est, nchg in hyperball_steps(indptr, indices, log2m, state, max_iter, order, transpose,
                                        buffers):
        if nchg == 0 and nf:
            break
        nf.append(est)
    return np.asarray(nf, dtype=np.float64)


def hyperball_balls(indptr, indices, log2m, state, max_iter, record_ts, order=None, transpose=None):
    """HyperBall neighbourhood function plus every node's ball size at chosen radii.

    Parameters
    ----------
    indptr, indices, log2m, state, max_iter, order, transpose
        As in :func:`hyperball_run`.
    record_ts : sequence of int
        Radii (>= 0) at which to record every node's estimated ball size. Radii beyond
        convergence get the final balls.

    Returns
    -------
    nf : ndarray of float64, shape (T + 1,)
        As in :func:`hyperball_run`.
    ball_sizes : ndarray of float32, shape (len(record_ts), n)
        ``ball_sizes[i, v]`` estimates ``|{u : dist(v, u) <= record_ts[i]}|`` (v included).

    Notes
    -----
    Extra memory ``4 n len(record_ts)`` bytes; each recorded radius costs one pass over the
    registers. Iteration continues until convergence (or ``max_iter``) even after the last
    recorded radius, so ``nf`` is complete.
    """
    record_ts = np.asarray(record_ts, dtype=np.int64).ravel()
    if record_ts.size and record_ts.min() < 0:
        raise ValueError("record_ts must be >= 0")
    counters = HyperBallCounters(indptr, indices, log2m, state, order, transpose)
    balls = np.empty((record_ts.shape[0], counters.n), dtype=np.float32)
    done = np.zeros(record_ts.shape[0], dtype=bool)

    def record():
        for i in np.flatnonzero((record_ts == counters.radius) & ~done):
            counters.ball_sizes(balls[i])
            done[i] = True

    nf = [counters.estimate]
    record()
    limit = np.inf if max_iter is None else int(max_iter)
    while counters.radius < limit:
        est, nchg = counters.step()
        if nchg == 0:
            break
        nf.append(est)
        record()
    # Radii past convergence (or past max_iter): the balls no longer grow (or are as far as computed).
    for i in np.flatnonzero(~done):
        counters.ball_sizes(balls[i])
    return np.asarray(nf, dtype=np.float64), balls
