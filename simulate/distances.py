"""Distance distributions and diameters: exact, sampled and HyperBall.

The distance distribution of a graph counts ordered pairs of distinct nodes ``(u, v)`` by
their hop distance ``d(u, v)`` (following out-arcs for directed graphs). It is the object
behind "six degrees of separation": its mean is the average distance, its 90% quantile
(interpolated) the effective diameter.

Three methods, all over the same *frame* (the set of nodes whose pairs are counted):

``exact``
    One BFS from every frame node, up to 512 at a time with bit-parallel multi-source BFS
    (:mod:`simulate.kernels.msbfs`), on the frame renumbered in breadth-first order (the
    histogram does not depend on the numbering). O(n (n + m) / 64) word operations.
``sample``
    BFS from ``n_sources`` frame nodes drawn uniformly without replacement (or given
    ``sources``); counts the pairs (s, v) for the chosen sources s and all frame nodes v.
    Standard errors by the delete-one-group jackknife over sources.
``hyperball``
    HyperBall (HyperLogLog counters, :mod:`simulate.kernels.hyperball`), ``runs``
    independent runs averaged; standard errors by the leave-one-run-out jackknife.

The frame is the largest connected component (strongly connected for directed graphs) by
default, or the whole graph with ``component="all"`` (then unreachable pairs are counted in
``unreachable_pairs``). Distances inside a (strongly) connected component equal distances
in the whole graph, so the frame is computed on the induced subgraph.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numba
import numpy as np

from .errors import ParameterError
from .progress import progress_bar
from .graph import Graph
from .kinds import declare_kind
from .params import ParamSpec, Rule, is_power_of_two
from .kernels.bfs import bfs_direction_optimizing, bfs_top_down, farthest_node
from .kernels.diameter import directed_bounds, ifub
from .kernels.msbfs import msbfs_histograms, msbfs_total_histogram

METHODS = ("exact", "sample", "hyperball")
COMPONENTS = ("largest", "all")
DIRECTIONS = ("out", "in")

#: Graphs with at least this many nodes run bottom-up BFS levels on all threads.
PARALLEL_BFS_NODES = 1 << 20

#: Memory for MS-BFS bitsets of the concurrently running batches (3 bitsets x n x words x 8 B).
_MSBFS_BUDGET_BYTES = 2 << 30


# ============================================================================ result type
@dataclass
class DistanceDistribution:
    """A distance distribution over the ordered pairs of a frame, with summary statistics.

    Attributes
    ----------
    method : str
        ``"exact"``, ``"sample"`` or ``"hyperball"``.
    counts : ndarray
        ``counts[d]`` = number of ordered pairs ``(u, v)``, ``u != v``, with
        ``d(u, v) = d``, for ``d = 0 .. D`` (``D`` the largest distance seen);
        ``counts[0] = 0`` always (pairs of a node with itself are excluded). int64 for
        ``exact`` and ``sample`` (for ``sample``, pairs ``(s, v)`` with ``s`` a chosen
        source), float64 estimates for ``hyperball``.
    frame : dict
        The sampling frame: ``component`` ("largest" or "all"), ``connectivity``
        ("strong", "weak" or "undirected"), ``nodes`` (frame size), ``sources`` (number of
        BFS sources whose pairs are counted; the frame size unless sampled),
        ``source_selection`` ("all", "uniform without replacement" or "explicit") and
        ``description`` (one sentence).
    frame_pairs : int
        Ordered pairs of distinct nodes in the frame whose distance the counts cover
        (``sources * (frame nodes - 1)``).
    directed, direction : bool, str
        Whether distances follow arcs, and which way (``"out"``: ``d(u, v)`` along out-arcs;
        ``"in"``: along in-arcs, i.e. ``d(v, u)``).
    nodes, edges : int
        Size of the input graph (undirected edges counted once).
    stderr : dict or None
        Jackknife standard errors of ``mean``, ``effective_diameter`` (q = 0.9) and
        ``spid`` for ``sample`` and ``hyperball``; None for ``exact``.
    sources : ndarray or None
        For ``sample``: the sources, as internal node ids of the input graph, in draw order.
    source_counts : ndarray or None
        For ``sample``: ``source_counts[i, d]`` = nodes at distance ``d`` from ``sources[i]``.
    sweep_lower_bound : int
        Diameter lower bound of the frame from BFS sweeps (0 if none was run).
    params : dict
        Method parameters (seed, n_sources, registers, runs, groups).
    fingerprint : str
        Input graph fingerprint (:attr:`simulate.Graph.fingerprint`).
    """

    method: str
    counts: np.ndarray
    frame: dict
    frame_pairs: int
    directed: bool
    direction: str
    nodes: int
    edges: int
    stderr: dict | None = None
    sources: np.ndarray | None = None
    source_counts: np.ndarray | None = None
    sweep_lower_bound: int = 0
    params: dict = field(default_factory=dict)
    fingerprint: str = ""

    # ------------------------------------------------------------------ pair totals
    @property
    def reachable_pairs(self):
        """Pairs in the frame at finite distance (sum of ``counts``)."""
        total = self.counts.sum()
        return float(total) if self.counts.dtype.kind == "f" else int(total)

    @property
    def unreachable_pairs(self):
        """Pairs in the frame with no path (``frame_pairs - reachable_pairs``; for HyperBall
        an estimate, clipped at 0)."""
        rest = self.frame_pairs - self.reachable_pairs
        return max(0.0, float(rest)) if self.counts.dtype.kind == "f" else int(rest)

    @property
    def reachable_fraction(self) -> float:
        """``reachable_pairs / frame_pairs`` (1.0 inside a connected component)."""
        return float(self.reachable_pairs) / self.frame_pairs if self.frame_pairs else float("nan")

    # ------------------------------------------------------------------ distribution
    def pmf(self) -> np.ndarray:
        """Probability of each distance ``d = 0..D`` among reachable pairs (float64)."""
        return _pmf(self.counts)

    def cdf(self) -> np.ndarray:
        """Fraction of reachable pairs at distance ``<= d``, ``d = 0..D`` (float64)."""
        return _cdf(self.counts)

    @property
    def mean(self) -> float:
        """Average distance over reachable pairs (hops)."""
        return histogram_mean(self.counts)

    def quantile(self, q) -> int:
        """Smallest distance ``d`` with ``cdf(d) >= q`` (``0 < q <= 1``), over reachable pairs."""
        q = _check_q(q)
        return _quantile(self.counts, q)

    @property
    def median(self) -> int:
        """``quantile(0.5)``: the smallest d such that at least half the reachable pairs are within d."""
        return self.quantile(0.5)

    def effective_diameter(self, q=0.9) -> float:
        """Linearly interpolated ``q``-quantile of the distance (hops).

        With ``F(d)`` the fraction of reachable pairs at distance ``<= d`` and ``d*`` the
        smallest ``d`` with ``F(d) >= q``: ``d* - 1 + (q - F(d* - 1)) / (F(d*) - F(d* - 1))``.
        This is the definition of WebGraph's ``NeighbourhoodFunction.effectiveDiameter``
        and SNAP's ``CalcEffDiam``, applied to pairs of *distinct* nodes (WebGraph's
        neighbourhood function also counts the n pairs (u, u) at distance 0, which moves
        the value slightly on small graphs).
        """
        q = _check_q(q)
        return _effective_diameter(self.counts, q)

    @property
    def spid(self) -> float:
        """Shortest-paths index of dispersion: variance / mean of the distance.

        Below 1 suggests a "properly social" network, above 1 a web-like one (Boldi &
        Vigna, "Four degrees of separation", WebSci 2012, doi:10.1145/2380718.2380723).
        """
        return histogram_spid(self.counts)

    @property
    def variance(self) -> float:
        """Variance of the distance over reachable pairs (hops^2)."""
        return histogram_variance(self.counts)

    def fraction_within(self, k) -> float:
        """Fraction of reachable pairs at distance ``<= k`` (``cdf(k)``; 1.0 for k >= D)."""
        return histogram_fraction_within(self.counts, k)

    @property
    def max_distance(self) -> int:
        """Largest distance with a nonzero count."""
        nz = np.flatnonzero(self.counts > 0)
        return int(nz[-1]) if nz.size else 0

    @property
    def diameter_lower_bound(self) -> int:
        """Largest distance observed, or the BFS sweep bound if larger.

        For ``exact`` this is the exact diameter of the frame.
        """
        return max(self.max_distance, int(self.sweep_lower_bound))

    # ------------------------------------------------------------------ export
    def summary(self) -> dict:
        """Headline numbers as a JSON-able dict.

        Keys: ``method, nodes, edges, mean, median, effective_diameter, spid,
        diameter_lower_bound, reachable_fraction, histogram`` (list of ``[distance, pairs]``
        for ``d >= 1``), ``stderr`` (approximate methods: ``{mean, effective_diameter,
        spid}``), plus ``directed, direction, frame, reachable_pairs, unreachable_pairs``.
        Statistics that are undefined (no reachable pair; a single jackknife group) are None.
        """
        float_counts = self.counts.dtype.kind == "f"
        hist = [[d, float(c) if float_counts else int(c)] for d, c in enumerate(self.counts) if d >= 1]
        s = {
            "method": self.method,
            "nodes": int(self.nodes),
            "edges": int(self.edges),
            "directed": bool(self.directed),
            "direction": self.direction,
            "mean": _finite_or_none(self.mean),
            "median": self.median if self.reachable_pairs > 0 else None,
            "effective_diameter": self.effective_diameter(0.9) if self.reachable_pairs > 0 else None,
            "spid": _finite_or_none(self.spid),
            "diameter_lower_bound": self.diameter_lower_bound,
            "reachable_pairs": self.reachable_pairs,
            "unreachable_pairs": self.unreachable_pairs,
            "reachable_fraction": _finite_or_none(self.reachable_fraction),
            "frame": dict(self.frame),
            "histogram": hist,
        }
        if self.stderr is not None:
            s["stderr"] = {k: _finite_or_none(v) for k, v in self.stderr.items()}
        return s

    def to_polars(self):
        """One row per distance ``d = 1..D``: ``distance`` (int64), ``pairs`` (int64, or
        float64 for HyperBall), ``pmf``, ``cdf`` (over reachable pairs)."""
        import polars as pl

        d = np.arange(len(self.counts), dtype=np.int64)
        return pl.DataFrame({
            "distance": d[1:],
            "pairs": self.counts[1:],
            "pmf": self.pmf()[1:],
            "cdf": self.cdf()[1:],
        })

    def provenance(self) -> dict:
        """Method, parameters, frame, graph fingerprint and package version (JSON-able)."""
        from . import __version__

        return {
            "method": self.method,
            "params": dict(self.params),
            "frame": dict(self.frame),
            "directed": bool(self.directed),
            "direction": self.direction,
            "nodes": int(self.nodes),
            "edges": int(self.edges),
            "graph_fingerprint": self.fingerprint,
            "smallworld_version": __version__,
            "stderr": None if self.stderr is None else dict(self.stderr),
        }

    def to_parquet(self, path, metadata=None):
        """Write :meth:`to_polars` to a Parquet file, atomically, with provenance metadata.

        The schema metadata key ``smallworld`` holds :meth:`provenance` as JSON; every key
        of ``metadata`` (a dict) is stored as its own key with a JSON value.
        """
        from .provenance import write_parquet

        return write_parquet(self.to_polars(), path, self.provenance(), metadata)


def _finite_or_none(x):
    """JSON has no NaN: undefined statistics (no reachable pair, one jackknife group) become None."""
    return None if x is None or not math.isfinite(x) else float(x)


# ============================================================================ statistics on counts
def _check_q(q):
    q = float(q)
    if not 0.0 < q <= 1.0:
        raise ParameterError(f"q must be in (0, 1], got {q}")
    return q


def _pmf(counts):
    total = float(np.sum(counts))
    c = np.asarray(counts, dtype=np.float64)
    return c / total if total > 0 else np.full(c.shape, np.nan)


def _cdf(counts):
    total = float(np.sum(counts))
    c = np.cumsum(np.asarray(counts, dtype=np.float64))
    return c / total if total > 0 else np.full(c.shape, np.nan)


# The statistics below take a distance histogram ``counts`` (``counts[d]`` = pairs, or weights, at
# distance d; entry 0 included and weighted by d = 0) and are the package's one definition of each:
# DistanceDistribution, the sweep tables and the reproductions (per-source profile rows) all use them.
def histogram_mean(counts) -> float:
    """Mean distance ``sum_d d c_d / sum_d c_d`` of a histogram (hops); NaN if it is empty.

    Parameters
    ----------
    counts : array_like, 1-D
        Pairs (or any non-negative weights) at distance ``d = 0, 1, ...``. O(len(counts)).
    """
    total = float(np.sum(counts))
    if total <= 0:
        return float("nan")
    d = np.arange(len(counts), dtype=np.float64)
    return float(np.dot(d, counts) / total)


def histogram_variance(counts) -> float:
    """Population variance of the distance in a histogram (hops^2; divides by the total); NaN if empty."""
    total = float(np.sum(counts))
    if total <= 0:
        return float("nan")
    d = np.arange(len(counts), dtype=np.float64)
    mu = np.dot(d, counts) / total
    return float(np.dot((d - mu) ** 2, counts) / total)


def histogram_sd(counts) -> float:
    """Standard deviation of the distance in a histogram (hops): ``sqrt(histogram_variance)``."""
    return math.sqrt(histogram_variance(counts))


def histogram_spid(counts) -> float:
    """Shortest-paths index of dispersion ``variance / mean`` of a histogram; NaN if the mean is 0.

    Notes
    -----
    Boldi & Vigna's spid (Backstrom et al., "Four degrees of separation", WebSci 2012,
    doi:10.1145/2380718.2380723): below 1 suggests a social network, above 1 a web-like one.
    """
    mu = histogram_mean(counts)
    return histogram_variance(counts) / mu if mu > 0 else float("nan")


def histogram_fraction_within(counts, k) -> float:
    """Fraction of the histogram's pairs at distance ``<= k`` (the cdf at k); 0 for k < 0, NaN if empty."""
    k = int(k)
    if k < 0:
        return 0.0
    c = _cdf(counts)
    return float(c[min(k, len(c) - 1)]) if len(c) else float("nan")


def source_jackknife(stat, rows, groups=32):
    """A statistic of pooled per-source histograms and its delete-one-group jackknife standard error.

    Parameters
    ----------
    stat : callable
        Takes the column sums of each matrix of ``rows`` (one argument per matrix) and returns a
        float or a 1-D array of floats (several statistics at once).
    rows : sequence of 2-D arrays
        Matrices with one row per source (sources x distance), e.g. pairs at each distance and
        same-group pairs at each distance; all with the same number of rows S.
    groups : int, default 32
        Sources are split into ``G = min(groups, S)`` groups by position (``i % G``; sources are
        drawn in random order, so the groups are random).

    Returns
    -------
    value : float or ndarray
        ``stat`` of the pooled rows.
    stderr : float or ndarray
        ``sqrt((G - 1) / G * sum_j (theta_j - mean theta)^2)`` over the G leave-one-group-out
        values ``theta_j``; NaN with fewer than 2 groups (or where a replicate is NaN).

    Notes
    -----
    Sampled-source distance distributions (``distance_distribution(method="sample")``) and the
    reproductions' per-source profiles use this one estimator. Cost: G + 1 calls of ``stat``
    plus O(S * width) to form the group sums.
    """
    totals = [np.asarray(m).sum(axis=0) for m in rows]
    value = stat(*totals)
    S = np.asarray(rows[0]).shape[0]
    G = min(int(groups), S)
    if G < 2:
        return value, np.full(np.shape(value), np.nan)[()]
    gid = np.arange(S) % G
    reps = np.array([stat(*[t - np.asarray(m)[gid == j].sum(axis=0) for t, m in zip(totals, rows)])
                     for j in range(G)], dtype=np.float64)
    return value, _jackknife_se(reps)[()]


def _quantile_index(cum, total, q):
    # cum[d] >= q * total, with a relative tolerance so that e.g. q = 0.3 on exact thirds works
    target = q * total * (1.0 - 1e-12)
    return int(np.searchsorted(cum, target, side="left"))


def _quantile(counts, q):
    cum = np.cumsum(np.asarray(counts, dtype=np.float64))
    total = cum[-1] if len(cum) else 0.0
    if total <= 0:
        return -1
    return min(_quantile_index(cum, total, q), len(cum) - 1)


def _effective_diameter(counts, q):
    cum = np.cumsum(np.asarray(counts, dtype=np.float64))
    total = cum[-1] if len(cum) else 0.0
    if total <= 0:
        return float("nan")
    d = min(_quantile_index(cum, total, q), len(cum) - 1)
    if d == 0:
        return 0.0
    lo = cum[d - 1]
    hi = cum[d]
    return float(d - 1 + (q * total - lo) / (hi - lo))


def _statistics(counts):
    return np.array([histogram_mean(counts), _effective_diameter(counts, 0.9), histogram_spid(counts)])


_STDERR_KEYS = ("mean", "effective_diameter", "spid")


def _jackknife_se(replicates):
    """Jackknife standard error(s) from G leave-one-out values (axis 0 = replicates)."""
    g = replicates.shape[0]
    dev = replicates - replicates.mean(axis=0)
    return np.sqrt((g - 1) / g * np.sum(dev ** 2, axis=0))


def _jackknife(replicates):
    """Jackknife standard errors of the ``_STDERR_KEYS`` statistics (rows = replicates)."""
    if replicates.shape[0] < 2:
        return {k: float("nan") for k in _STDERR_KEYS}
    return {k: float(v) for k, v in zip(_STDERR_KEYS, _jackknife_se(replicates))}


def _trim(counts):
    nz = np.flatnonzero(counts > 0)
    return counts[: (int(nz[-1]) + 1 if nz.size else 1)].copy()


# ============================================================================ frame
@dataclass
class _Frame:
    graph: Graph            # induced subgraph on the frame
    nodes: np.ndarray       # frame node -> internal id in the input graph
    component: str
    connectivity: str


def _frame(graph, component):
    connectivity = ("strong" if graph.directed else "undirected") if component == "largest" else (
        "weak" if graph.directed else "undirected")
    if component == "all" or graph.n == 0:
        return _Frame(graph, np.arange(graph.n, dtype=np.int64), component, connectivity)
    keep = graph.largest_component_mask(strong=graph.directed)
    if keep.all():
        return _Frame(graph, np.arange(graph.n, dtype=np.int64), component, connectivity)
    return _Frame(graph.subgraph(keep), np.flatnonzero(keep).astype(np.int64), component, connectivity)


def _oriented(g, direction):
    """(push CSR, pull CSR) for BFS along ``direction``."""
    if not g.directed:
        return (g.indptr, g.indices), (g.indptr, g.indices)
    t = g.transpose()
    if direction == "out":
        return (g.indptr, g.indices), (t.indptr, t.indices)
    return (t.indptr, t.indices), (g.indptr, g.indices)


def _sweep(g, push, pull):
    """BFS from a maximum-degree node (and a second sweep): (depth cap guess, lower bound).

    For a connected undirected frame every distance is at most ``2 ecc(r)``; for a strongly
    connected one at most ``ecc_out(r) + ecc_in(r)``. Other frames may exceed the guess;
    the MS-BFS driver then widens its histogram.
    """
    if g.n == 0:
        return 1, 0
    deg = np.diff(push[0]) + (np.diff(pull[0]) if g.directed else 0)
    r = int(np.argmax(deg))
    d_out = bfs_direction_optimizing(push[0], push[1], pull[0], pull[1], r, 15.0, 18.0)
    e_out, a = farthest_node(d_out)
    if g.directed:
        d_in = bfs_direction_optimizing(pull[0], pull[1], push[0], push[1], r, 15.0, 18.0)
        e_in, _ = farthest_node(d_in)
        d_a = bfs_direction_optimizing(pull[0], pull[1], push[0], push[1], a, 15.0, 18.0)
        e_a, _ = farthest_node(d_a)
        return int(e_out + e_in) + 2, int(max(e_out, e_in, e_a))
    d_a = bfs_direction_optimizing(push[0], push[1], pull[0], pull[1], a, 15.0, 18.0)
    e_a, _ = farthest_node(d_a)
    return 2 * int(e_out) + 2, int(e_a)


# ============================================================================ MS-BFS driver
def _breadth_first_relabelled(push, pull, directed):
    """(push CSR, pull CSR) renumbered in breadth-first order from a maximum-degree node, rows sorted.

    For an all-pairs run, where every node is a source and the histograms are summed (so
    they do not depend on the numbering). Consecutive sources are then close to one another,
    so the 64 W searches of a batch reach a node at nearly the same level: bottom-up levels
    stop early on more nodes and the batch needs fewer levels; sorted rows list a node's
    neighbours nearest the root (mostly hubs, reached early) first, so bottom-up scans stop
    after fewer arcs; and the bitset rows that arcs touch lie close together. On
    ``power_law(n=100_000, gamma=2.5, mean_degree=20, seed=1)`` (largest component) the exact
    distribution took 9.1 s of CPU instead of 12.2 s (same process, 2 threads, load 13;
    ``benchmarks/bench_distances.py --exact``). Cost: one BFS, one relabelling copy and a
    row sort, O(n + m log d_max), against n / 64 W batches of O(L (n + m) W) each. Not used for
    sampled sources: at 10^6 nodes the relabelling costs more than one call saves.
    """
    from .kernels.csr import sort_rows
    from .kernels.order import bfs_order, permute_csr

    n = push[0].shape[0] - 1
    if n == 0:
        return push, pull
    deg = np.diff(push[0]) + (np.diff(pull[0]) if directed else 0)
    order = bfs_order(push[0], push[1], int(np.argmax(deg)))
    push_ip, push_ix = permute_csr(push[0], push[1], order)
    sort_rows(push_ip, push_ix)
    if not directed:
        return (push_ip, push_ix), (push_ip, push_ix)
    pull_ip, pull_ix = permute_csr(pull[0], pull[1], order)
    sort_rows(pull_ip, pull_ix)
    return (push_ip, push_ix), (pull_ip, pull_ix)


def _words_for(n_sources, n, threads):
    """64-bit words per node: enough batches for every thread, at most 8, within the memory budget."""
    w = max(1, min(8, -(-n_sources // (64 * threads))))
    while w > 1 and 24 * n * w * threads > _MSBFS_BUDGET_BYTES:
        w -= 1
    return w


def _source_histograms(push, pull, sources, cap, keep_rows, progress, desc):
    """Run MS-BFS over ``sources`` in chunks; return (per-source hist or None, summed hist).

    The histogram width starts at ``cap`` and widens if a batch reaches deeper.
    """
    n = push[0].shape[0] - 1
    S = sources.shape[0]
    threads = max(1, numba.get_num_threads())
    words = _words_for(S, n, threads)
    per_batch = 64 * words
    chunk = per_batch * threads * 4
    rows = np.zeros((S, cap), dtype=np.int64) if keep_rows else None
    total = np.zeros(cap, dtype=np.int64)
    bar = progress_bar(progress, S, desc, "src")
    try:
        for lo in range(0, S, chunk):
            src = sources[lo:lo + chunk]
            kernel = msbfs_histograms if keep_rows else msbfs_total_histogram
            hist, _, depth = kernel(push[0], push[1], pull[0], pull[1], src, words, cap, 1.0, threads)
            if depth.size and int(depth.max()) >= cap:
                # A search went deeper than the cap: widen and redo this chunk (rare: only
                # frames that are not one component can exceed the sweep's bound).
                new_cap = int(depth.max()) + 2
                hist, _, depth = kernel(push[0], push[1], pull[0], pull[1], src, words, new_cap, 1.0, threads)
                total = np.pad(total, (0, new_cap - cap))
                if rows is not None:
                    rows = np.pad(rows, ((0, 0), (0, new_cap - cap)))
                cap = new_cap
            if rows is not None:
                rows[lo:lo + src.shape[0]] = hist
                total += hist.sum(axis=0)
            else:
                total += hist
            bar.update(src.shape[0])
    finally:
        bar.close()
    return rows, total


# ============================================================================ public API
def distance_distribution(graph: Graph, method="exact", sources=None, n_sources=1024, registers=64,
                          runs=8, seed=0, component="largest", direction="out", progress=False,
                          groups=32) -> DistanceDistribution:
    """Distribution of hop distances between ordered pairs of distinct nodes.

    Parameters
    ----------
    graph : Graph
    method : {"exact", "sample", "hyperball"}
        ``exact``: BFS from every frame node. ``sample``: BFS from ``n_sources`` frame
        nodes drawn uniformly without replacement (seeded), or from ``sources``.
        ``hyperball``: HyperBall with ``registers`` HyperLogLog registers per node,
        ``runs`` independent runs averaged.
    sources : array-like of int, optional
        Explicit BFS sources (internal node ids of ``graph``, distinct, inside the frame);
        implies ``method="sample"`` semantics and overrides ``n_sources``.
    n_sources : int, default 1024
        Sources to draw for ``sample`` (all frame nodes if the frame is smaller).
    registers : int, default 64
        HyperLogLog registers per counter for ``hyperball``: a power of two, 16..4096
        (relative standard error of one counter about ``1.04 / sqrt(registers)``).
    runs : int, default 8
        Independent HyperBall runs (different hash salts), averaged.
    seed : int, default 0
        Seeds source sampling and HyperBall hashing. Same seed, same result on any
        number of threads.
    component : {"largest", "all"}, default "largest"
        Sampling frame: ``largest`` counts pairs inside the largest connected component
        (strongly connected for directed graphs; distances there equal distances in the
        whole graph; among equally large ones, the one holding the lowest internal node
        id); ``all`` counts pairs of the whole graph, reporting pairs with no
        path in ``unreachable_pairs``.
    direction : {"out", "in"}, default "out"
        For directed graphs, BFS along out-arcs (``d(s, v)``) or in-arcs (``d(v, s)``).
        Only ``sample`` results differ between the two. Ignored for undirected graphs.
    progress : bool
        Show a tqdm bar on stderr over source batches (HyperBall: over runs).
    groups : int, default 32
        Jackknife groups of sources for ``sample`` standard errors (delete-one-group).

    Returns
    -------
    DistanceDistribution
        ``counts[d]`` for ``d = 0..D`` with ``counts[0] = 0``; see the class for the
        statistics (mean, median, quantiles, effective diameter, spid), the frame and
        standard errors.

    Raises
    ------
    ParameterError
        Unknown method/component/direction, ``n_sources`` < 1, ``registers`` not a power
        of two in 16..4096, ``runs`` < 1, sources outside the frame or repeated.

    Notes
    -----
    Time: ``exact`` O(n (n + m) W / (64 W)) word operations in batches of 64 W sources
    (W <= 8) over ``numba`` threads; ``sample`` the same with S sources; ``hyperball``
    O(runs * iterations * m * registers) byte operations, memory ``2 n registers`` bytes.

    Multi-source BFS: M. Then et al., "The More the Merrier: Efficient Multi-Source Graph
    Traversal", PVLDB 8(4), 2014, doi:10.14778/2735496.2735507. HyperBall: P. Boldi,
    S. Vigna, "In-core computation of geometric centralities with HyperBall: a hundred
    billion nodes and beyond", ICDMW 2013, doi:10.1109/ICDMW.2013.10; combining runs and
    the effective diameter follow WebGraph's ``NeighbourhoodFunction``. Jackknife:
    B. Efron, C. Stein, "The jackknife estimate of variance", Ann. Statist. 9(3), 1981,
    doi:10.1214/aos/1176345462.
    """
    if not isinstance(graph, Graph):
        raise ParameterError(f"graph must be a simulate.Graph, got {type(graph).__name__}")
    if method not in METHODS:
        raise ParameterError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    if component not in COMPONENTS:
        raise ParameterError(f"component must be one of {', '.join(COMPONENTS)}; got {component!r}")
    if direction not in DIRECTIONS:
        raise ParameterError(f"direction must be 'out' or 'in'; got {direction!r}")
    if sources is not None and method != "sample":
        raise ParameterError(f"sources= applies to method='sample' only (got method={method!r})")
    groups = int(groups)
    if groups < 2:
        raise ParameterError(f"groups must be >= 2, got {groups}")

    fr = _frame(graph, component)
    g = fr.graph
    nf = g.n
    push, pull = _oriented(g, direction)
    cap, sweep_lb = _sweep(g, push, pull)
    base = dict(directed=graph.directed, direction=direction if graph.directed else "out",
                nodes=graph.n, edges=graph.num_edges, sweep_lower_bound=sweep_lb,
                fingerprint=graph.fingerprint)
    where = (f"the largest {'strongly ' if graph.directed else ''}connected component "
             f"({nf:,} of {graph.n:,} nodes)" if component == "largest" and nf < graph.n
             else f"the whole graph ({graph.n:,} nodes)" if component == "all"
             else f"the whole graph ({nf:,} nodes, {'strongly ' if graph.directed else ''}connected)")
    frame = {"component": component, "connectivity": fr.connectivity, "nodes": int(nf)}

    if method == "exact":
        # Every node is a source, so an O(n + m) relabelling pays for itself many times over.
        push_l, pull_l = _breadth_first_relabelled(push, pull, g.directed)
        src = np.arange(nf, dtype=np.int64)
        _, total = _source_histograms(push_l, pull_l, src, cap, False, progress, "exact")
        frame.update(sources=int(nf), source_selection="all",
                     description=f"all ordered pairs of distinct nodes in {where}")
        return DistanceDistribution(method="exact", counts=_trim(total), frame=frame,
                                    frame_pairs=int(nf) * max(nf - 1, 0),
                                    params={"seed": seed}, **base)

    if method == "sample":
        if sources is not None:
            src = _explicit_sources(graph, fr, sources)
            selection = "explicit"
        else:
            n_sources = int(n_sources)
            if n_sources < 1:
                raise ParameterError(f"n_sources must be >= 1, got {n_sources}")
            rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(0x5A4D,)))
            k = min(n_sources, nf)
            src = rng.choice(nf, size=k, replace=False).astype(np.int64) if k < nf else rng.permutation(nf)
            selection = "uniform without replacement"
        S = int(src.shape[0])
        rows, total = _source_histograms(push, pull, src, cap, True, progress, "sample")
        counts = _trim(total)
        rows = rows[:, : counts.shape[0]]
        G = min(groups, S)
        _, se = source_jackknife(_statistics, [rows], G)
        frame.update(sources=S, source_selection=selection,
                     description=f"ordered pairs (s, v): s one of {S:,} sources "
                                 + ("given explicitly" if sources is not None else "drawn uniformly without replacement")
                                 + f" from {where}, v any other node of it")
        return DistanceDistribution(method="sample", counts=counts, frame=frame,
                                    frame_pairs=S * max(nf - 1, 0), stderr=dict(zip(_STDERR_KEYS, map(float, se))),
                                    sources=fr.nodes[src], source_counts=rows,
                                    params={"seed": seed, "n_sources": S, "groups": G}, **base)

    # ---- hyperball
    registers = int(registers)
    log2m = registers.bit_length() - 1
    if registers < 16 or registers > 4096 or (1 << log2m) != registers:
        raise ParameterError(f"registers must be a power of two in 16..4096, got {registers}")
    runs = int(runs)
    if runs < 1:
        raise ParameterError(f"runs must be >= 1, got {runs}")
    from .memory import require_memory

    # Two register arrays (current and next ball) of one byte per register, plus per-node
    # float64 estimates and change flags.
    require_memory(graph.n * (2 * registers + 24), f"HyperBall with {registers} registers on {graph.n:,} nodes")
    from .kernels.hyperball import hyperball_run, register_buffers
    from .kernels.random import stream_states

    states = stream_states(int(seed), runs, spawn_key=(0x4842,))
    # One pair of register arrays for all runs: later runs write into memory already paged in.
    buffers = register_buffers(nf, log2m)
    curves = []
    bar = progress_bar(progress, runs, "hyperball", "run")
    try:
        for r in range(runs):
            curves.append(np.asarray(hyperball_run(push[0], push[1], log2m, states[r], nf + 1,
                                                   transpose=pull, buffers=buffers),
                                     dtype=np.float64))
            bar.update(1)
    finally:
        bar.close()
    T = max(len(c) for c in curves)
    # Pad each run with its final value (it has converged), then average N(t) over runs.
    nfs = np.array([np.pad(c, (0, T - len(c)), mode="edge") for c in curves])
    mean_nf = nfs.mean(axis=0)
    counts = _trim(_nf_to_counts(mean_nf))
    if runs >= 2:
        loo = (mean_nf * runs - nfs) / (runs - 1)
        reps = np.array([_statistics(_nf_to_counts(x)) for x in loo])
        stderr = _jackknife(reps)
    else:
        stderr = {k: float("nan") for k in _STDERR_KEYS}
    # The reachable share is an estimate too (HyperLogLog error on N(infinity)); inside a connected
    # frame its deviation from 1 is pure sketch error, so it must carry its error bar.
    frame_pairs = int(nf) * max(nf - 1, 0)
    if runs >= 2 and frame_pairs:
        shares = (loo[:, -1] - loo[:, 0]) / frame_pairs
        stderr["reachable_fraction"] = float(np.sqrt((runs - 1) / runs * np.sum((shares - shares.mean()) ** 2)))
    else:
        stderr["reachable_fraction"] = float("nan")
    frame.update(sources=int(nf), source_selection="all",
                 description=f"all ordered pairs of distinct nodes in {where} (HyperBall estimate)")
    return DistanceDistribution(method="hyperball", counts=counts, frame=frame,
                                frame_pairs=int(nf) * max(nf - 1, 0), stderr=stderr,
                                params={"seed": seed, "registers": registers, "runs": runs,
                                        "neighbourhood_function": mean_nf.tolist()}, **base)


def _nf_to_counts(nf):
    """Pairs at each distance from a neighbourhood function: N(d) - N(d-1), d >= 1; 0 at d = 0."""
    counts = np.zeros(len(nf), dtype=np.float64)
    counts[1:] = np.diff(nf)
    return np.maximum(counts, 0.0)


def _explicit_sources(graph, fr, sources):
    src = np.atleast_1d(np.asarray(sources))
    if src.ndim != 1 or src.size == 0:
        raise ParameterError("sources must be a non-empty 1-D list of internal node ids")
    if src.dtype.kind not in "iu":
        raise ParameterError(f"sources must be integer internal node ids, got dtype {src.dtype}")
    src = src.astype(np.int64)
    if src.min() < 0 or src.max() >= graph.n:
        raise ParameterError(f"sources must be internal node ids in 0..{graph.n - 1}")
    if np.unique(src).size != src.size:
        raise ParameterError("sources must be distinct")
    pos = np.searchsorted(fr.nodes, src)
    pos = np.minimum(pos, max(fr.nodes.size - 1, 0))
    inside = fr.nodes[pos] == src
    if not inside.all():
        raise ParameterError(f"source {int(src[~inside][0])} is outside the frame (the largest "
                             f"component); pass component='all' to count pairs of the whole graph")
    return pos.astype(np.int64)


# ============================================================================ BFS and diameter
def bfs_distances(graph: Graph, source, direction="out", algorithm="direction-optimizing"):
    """Hop distances from one node: ``int32[n]``, ``-1`` where unreachable.

    Parameters
    ----------
    graph : Graph
    source : int
        Internal node id.
    direction : {"out", "in"}
        Directed graphs: along out-arcs (``d(source, v)``) or in-arcs (``d(v, source)``).
    algorithm : {"direction-optimizing", "top-down"}
        Direction-optimizing BFS (Beamer et al., SC 2012, doi:10.1109/SC.2012.50) or plain
        queue BFS. Same result; O(n + m). On graphs with at least
        :data:`PARALLEL_BFS_NODES` nodes, bottom-up levels use all numba threads.
    """
    if direction not in DIRECTIONS:
        raise ParameterError(f"direction must be 'out' or 'in'; got {direction!r}")
    source = int(source)
    if not 0 <= source < graph.n:
        raise ParameterError(f"source must be an internal node id in 0..{graph.n - 1}, got {source}")
    push, pull = _oriented(graph, direction)
    if algorithm == "top-down":
        return bfs_top_down(push[0], push[1], source)
    if algorithm == "direction-optimizing":
        return bfs_direction_optimizing(push[0], push[1], pull[0], pull[1], source, 15.0, 18.0,
                                        graph.n >= PARALLEL_BFS_NODES)
    raise ParameterError(f"algorithm must be 'direction-optimizing' or 'top-down'; got {algorithm!r}")


@dataclass(frozen=True)
class DiameterResult:
    """Diameter of the largest (strongly) connected component.

    Attributes
    ----------
    lower, upper : int
        Bounds (equal when ``exact``).
    exact : bool
        True for undirected graphs (iFUB).
    n_bfs : int
        Breadth-first searches run.
    method : str
        ``"ifub"`` (undirected) or ``"sweep-bounds"`` (directed).
    component_nodes, nodes : int
        Size of the component and of the graph.
    directed : bool
    """

    lower: int
    upper: int
    exact: bool
    n_bfs: int
    method: str
    component_nodes: int
    nodes: int
    directed: bool

    @property
    def diameter(self):
        """The exact diameter, or None when only bounds are known."""
        return self.lower if self.exact else None

    def to_dict(self) -> dict:
        return {"diameter": self.diameter, "lower": self.lower, "upper": self.upper,
                "exact": self.exact, "n_bfs": self.n_bfs, "method": self.method,
                "component_nodes": self.component_nodes, "nodes": self.nodes,
                "directed": self.directed}


def diameter(graph: Graph) -> DiameterResult:
    """Diameter of the largest connected component (strongly connected if directed).

    Undirected: exact, by iFUB from the centre of a 4-sweep (Crescenzi, Grossi, Habib,
    Lanzi, Marino, TCS 514, 2013, doi:10.1016/j.tcs.2012.09.018), fringe eccentricities by
    bit-parallel multi-source BFS; usually a few dozen to a few thousand BFS.
    Directed: lower and upper bounds from six BFS (forward/backward sweeps, see
    :func:`simulate.kernels.diameter.directed_bounds`).
    """
    fr = _frame(graph, "largest")
    g = fr.graph
    if g.n <= 1:
        return DiameterResult(0, 0, True, 0, "trivial", g.n, graph.n, graph.directed)
    if graph.directed:
        t = g.transpose()
        r = int(np.argmax(g.out_degree() + g.in_degree()))
        lo, hi, nb = directed_bounds(g.indptr, g.indices, t.indptr, t.indices, r)
        return DiameterResult(lo, hi, lo == hi, nb, "sweep-bounds", g.n, graph.n, True)
    r = int(np.argmax(g.out_degree()))
    d, nb, _ = ifub(g.indptr, g.indices, r, words=4, threads=max(1, numba.get_num_threads()))
    return DiameterResult(int(d), int(d), True, int(nb), "ifub", g.n, graph.n, False)


# ---------------------------------------------------------------------------- experiment kind
def _run_distances(graph, params, seed):
    kw = {k: v for k, v in params.items() if k != "sources"}
    src = params["sources"]
    if isinstance(src, list):
        kw["sources"] = src
    elif src is not None:
        kw["n_sources"] = int(src)
    dd = distance_distribution(graph, seed=seed, **kw)
    return dd.to_polars(), dd.summary()


declare_kind(
    "distances",
    "Distribution of hop distances between ordered pairs of distinct nodes "
    "(simulate.distances.distance_distribution).",
    [
        ParamSpec("method", str, "exact", choices=METHODS,
                  doc="exact all-pairs BFS, BFS from sampled sources, or HyperBall sketches"),
        ParamSpec("sources", "int_or_int_list", 1024, low=0,
                  doc="number of sampled BFS sources (method sample), or a list of node ids"),
        ParamSpec("registers", int, 64, low=16, high=4096,
                  doc="HyperLogLog registers per node (method hyperball), a power of two"),
        ParamSpec("runs", int, 8, low=1, high=1024, doc="independent HyperBall runs averaged"),
        ParamSpec("component", str, "largest", choices=COMPONENTS,
                  doc="restrict to the largest (strongly) connected component"),
        ParamSpec("direction", str, "out", choices=DIRECTIONS,
                  doc="follow arcs forward or backward (directed graphs)"),
        ParamSpec("groups", int, 32, low=2, high=100_000,
                  doc="jackknife groups of sources for sample standard errors"),
    ],
    _run_distances,
    metrics=("mean", "median", "effective_diameter", "diameter_lower_bound", "reachable_fraction"),
    rules=[
        Rule("registers", "registers must be a power of two", lambda v: is_power_of_two(v["registers"])),
        Rule(("sources", "method"), "sources must be >= 1 when method = 'sample'",
             lambda v: v["method"] != "sample" or isinstance(v["sources"], list) or v["sources"] >= 1),
        Rule(("sources", "method"), "a list of source node ids needs method = 'sample'",
             lambda v: not isinstance(v["sources"], list) or v["method"] == "sample"),
        Rule("sources", "listed source node ids must be distinct",
             lambda v: not isinstance(v["sources"], list) or len(set(v["sources"])) == len(v["sources"])),
    ],
    table="one row per distance (distance, pairs, pmf, cdf)",
)
