"""Brute-force oracles for the tests: slow, obviously-correct reference implementations.

Each area appends its own clearly-named functions (plain Python / networkx / numpy).
"""


# ---------------------------------------------------------------- HyperBall oracles (hyperball helper)
def hyperball_exact_distances(n, src, dst, directed):
    """All-pairs hop distances by plain BFS (networkx), as a dict ``{u: {v: d}}``.

    Distances follow arcs ``src[i] -> dst[i]`` (both ways when undirected).
    """
    import networkx as nx

    G = nx.DiGraph() if directed else nx.Graph()
    G.add_nodes_from(range(n))
    G.add_edges_from(zip(list(map(int, src)), list(map(int, dst))))
    return {u: dict(d) for u, d in nx.all_pairs_shortest_path_length(G)}


def hyperball_exact_neighbourhood_function(dist):
    """Exact N(t) = #ordered pairs (u, v) with dist(u, v) <= t (u = v counted), t = 0..diameter."""
    import numpy as np

    all_d = [d for row in dist.values() for d in row.values()]
    hist = np.bincount(np.asarray(all_d, dtype=np.int64), minlength=1)
    return np.cumsum(hist).astype(np.float64)


def hyperball_exact_ball_sizes(dist, n, t):
    """Exact |{v : dist(u, v) <= t}| for every node u (length-n int array)."""
    import numpy as np

    return np.array([sum(1 for d in dist[u].values() if d <= t) for u in range(n)], dtype=np.int64)


def hyperball_registers_of_exact_balls(dist, n, t, log2m, register_and_rank):
    """HyperLogLog registers (n, m) of every exact ball B(u, t), built element by element.

    ``register_and_rank(v)`` gives the register index and rank of node ``v`` (the kernel's hash),
    so this checks the ball-union iteration, not the hash.
    """
    import numpy as np

    m = 1 << log2m
    regs = np.zeros((n, m), dtype=np.uint8)
    rr = [register_and_rank(v) for v in range(n)]
    for u in range(n):
        for v, d in dist[u].items():
            if d <= t:
                j, k = rr[v]
                if k > regs[u, j]:
                    regs[u, j] = k
    return regs


def hyperloglog_estimates(regs):
    """Flajolet et al. (2007) estimate per row of registers: raw alpha_m m^2 / sum 2^-M, with
    linear counting m ln(m / V) when the raw value is <= 2.5 m and V registers are zero."""
    import numpy as np

    regs = np.asarray(regs, dtype=np.float64)
    m = regs.shape[1]
    alpha = {16: 0.673, 32: 0.697, 64: 0.709}.get(m, 0.7213 / (1 + 1.079 / m))
    raw = alpha * m * m / np.sum(2.0 ** -regs, axis=1)
    zeros = np.sum(regs == 0, axis=1)
    small = (raw <= 2.5 * m) & (zeros > 0)
    out = raw.copy()
    out[small] = m * np.log(m / zeros[small])
    return out


def mean_distance_from_neighbourhood_function(nf):
    """Mean hop distance over reachable ordered pairs u != v: sum_t (N(T) - N(t)) / (N(T) - N(0))."""
    import numpy as np

    nf = np.asarray(nf, dtype=np.float64)
    return float(np.sum(nf[-1] - nf[:-1]) / (nf[-1] - nf[0]))


# ---------------------------------------------------------------- chain-experiment oracles (chains helper)
def chains_kleinberg_torus(side, r=2.0, q=1, seed=0, local=True):
    """Minimal Kleinberg lattice for the chain tests: a ``side x side`` torus, local links to
    the 4 lattice neighbours (both ways) and ``q`` long-range out-links per node with
    P(u -> v) proportional to d(u, v)^-r (periodic Manhattan distance), sampled exactly over
    all offsets (translation invariance). Directed ``Graph`` with ``coord_0, coord_1`` and meta
    ``{"model": "kleinberg_lattice", "side", "dim": 2, "periodic": True}``.
    """
    import numpy as np
    import polars as pl

    from simulate import Graph

    n = side * side
    x, y = np.divmod(np.arange(n), side)
    src, dst = [], []
    if local:
        for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            src.append(np.arange(n))
            dst.append(((x + dx) % side) * side + (y + dy) % side)
    if q > 0:
        ox, oy = np.divmod(np.arange(n), side)
        d = np.minimum(ox, side - ox) + np.minimum(oy, side - oy)
        w = np.zeros(n)
        w[d > 0] = d[d > 0].astype(np.float64) ** (-r)
        rng = np.random.default_rng(seed)
        off = rng.choice(n, size=n * q, p=w / w.sum())
        u = np.repeat(np.arange(n), q)
        src.append(u)
        dst.append(((x[u] + ox[off]) % side) * side + (y[u] + oy[off]) % side)
    src = np.concatenate(src)
    dst = np.concatenate(dst)
    attrs = pl.DataFrame({"coord_0": x.astype(np.int64), "coord_1": y.astype(np.int64)})
    return Graph.from_edges(src, dst, directed=True, n=n, node_attrs=attrs,
                            meta={"model": "kleinberg_lattice", "side": side, "dim": 2, "periodic": True,
                                  "r": r, "q": q})


def chains_random_graph(n, p, seed, directed=False, attrs=None, meta=None):
    """G(n, p) from networkx as a ``Graph`` (optional node attributes and meta)."""
    import networkx as nx
    import numpy as np

    from simulate import Graph

    g = nx.gnp_random_graph(n, p, seed=seed, directed=directed)
    e = np.array(list(g.edges), dtype=np.int64).reshape(-1, 2)
    return Graph.from_edges(e[:, 0], e[:, 1], directed=directed, n=n, node_attrs=attrs, meta=meta)


def chains_policy_graphs():
    """One small graph per routing-policy case of ``CHAINS_POLICY_CASES`` (name -> Graph)."""
    import numpy as np
    import polars as pl

    from simulate.generators import kleinberg_lattice

    rng = np.random.default_rng(7)
    n = 60
    xy = pl.DataFrame({"x": rng.random(n), "y": rng.random(n)})
    latlon = pl.DataFrame({"lat": rng.uniform(-80, 80, n), "lon": rng.uniform(-180, 180, n)})
    ident = pl.DataFrame({"identity_0": rng.integers(0, 8, n), "identity_1": rng.integers(0, 8, n)})
    fb = pl.DataFrame({"dorm": rng.integers(0, 3, n), "year": rng.integers(0, 3, n), "major": rng.integers(0, 4, n)})
    return {
        # row-major ids: the kernel computes coordinates from ids
        "greedy_lattice": kleinberg_lattice(8, dim=2, r=2.0, q=1, periodic=True, seed=3),
        "greedy_lattice_explicit": chains_kleinberg_torus(8, r=2, q=1, seed=3),  # coordinates read
        "greedy_geo_xy": chains_random_graph(n, 0.08, 1, attrs=xy),
        "greedy_geo_latlon": chains_random_graph(n, 0.08, 2, attrs=latlon),
        "greedy_hierarchy": chains_random_graph(n, 0.08, 3, attrs=ident, meta={"branching": 2, "depth": 3}),
        "greedy_attributes": chains_random_graph(n, 0.08, 4, attrs=fb),
        "max_degree": chains_random_graph(n, 0.06, 5, directed=True),
        "random_walk": chains_random_graph(n, 0.05, 6),
    }


#: Cases of ``chains_policy_graphs()`` -> the routing policy run on them (tests check that every
#: policy of ``simulate.policies.POLICIES`` appears).
CHAINS_POLICY_CASES = {"greedy_lattice": "greedy_lattice", "greedy_lattice_explicit": "greedy_lattice",
                       "greedy_geo_xy": "greedy_geo", "greedy_geo_latlon": "greedy_geo",
                       "greedy_hierarchy": "greedy_hierarchy", "greedy_attributes": "greedy_attributes",
                       "max_degree": "max_degree", "random_walk": "random_walk"}

#: Node attribute columns greedy_attributes routes on in ``chains_policy_graphs()``.
CHAINS_POLICY_ATTRIBUTES = {"greedy_attributes": ["dorm", "year", "major"]}


def _reference_lattice(graph, v, t, attributes):
    meta, attrs = graph.meta, graph.node_attrs
    side, per = meta["side"], meta.get("periodic", False)
    tot = 0
    for j in range(meta["dim"]):
        c = attrs[f"coord_{j}"]
        dx = abs(int(c[v]) - int(c[t]))
        tot += min(dx, side - dx) if per else dx
    return tot


def _reference_geo(graph, v, t, attributes):
    import math

    attrs = graph.node_attrs
    if "lat" in attrs.columns:
        la1, lo1 = math.radians(attrs["lat"][v]), math.radians(attrs["lon"][v])
        la2, lo2 = math.radians(attrs["lat"][t]), math.radians(attrs["lon"][t])
        a = math.sin((la1 - la2) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo1 - lo2) / 2) ** 2
        return 2 * math.asin(math.sqrt(min(1.0, a)))
    return math.hypot(attrs["x"][v] - attrs["x"][t], attrs["y"][v] - attrs["y"][t])


def _reference_hierarchy(graph, v, t, attributes):
    attrs, b = graph.node_attrs, graph.meta["branching"]
    best = None
    for c in (c for c in attrs.columns if c.startswith("identity_")):
        a1, a2, h = int(attrs[c][v]), int(attrs[c][t]), 0
        while a1 != a2:
            a1, a2, h = a1 // b, a2 // b, h + 1
        best = h if best is None else min(best, h)
    return best


def _reference_attributes(graph, v, t, attributes):
    attrs = graph.node_attrs
    return -sum(1 for c in attributes if attrs[c][t] != 0 and attrs[c][v] == attrs[c][t])


def _reference_max_degree(graph, v, t, attributes):
    return -int(graph.indptr[v + 1] - graph.indptr[v])


#: Plain-Python score (lower is better) of neighbour ``v`` for target ``t``, one per routing
#: policy name of ``simulate.policies.POLICIES`` (tests check the keys match the registry).
CHAINS_REFERENCE_SCORES = {
    "random_walk": lambda graph, v, t, attributes: 0,
    "greedy_lattice": _reference_lattice,
    "greedy_geo": _reference_geo,
    "greedy_hierarchy": _reference_hierarchy,
    "greedy_attributes": _reference_attributes,
    "max_degree": _reference_max_degree,
}


def chains_reference_router(graph, sources, targets, states, policy, epsilon=0.0, backtrack=False,
                            max_steps=100, attrition=0.0, node_attrition=None, levels=None,
                            min_strength=0, attrition_by_strength=None, attributes=None):
    """Brute-force Python router replaying the kernel's documented draw order on the same streams.

    Per holding step: attrition draw (always); deliver if the target is an eligible neighbour;
    epsilon draw (if epsilon > 0) then uniform eligible choice; else policy scores from
    ``CHAINS_REFERENCE_SCORES[policy]`` (lower better), ties by ``next_below(#tied)`` in
    neighbour order; then a transit-loss draw when ``attrition_by_strength`` is given. Returns a
    list of ``(status, path)`` with status in reached/dropped/dead_end/max_steps.
    """
    from simulate.kernels.random import next_below, next_double

    n = graph.n
    adj = [graph.indices[graph.indptr[u]:graph.indptr[u + 1]].tolist() for u in range(n)]
    arc0 = graph.indptr.tolist()
    reference_score = CHAINS_REFERENCE_SCORES[policy]

    def score(v, t):
        return reference_score(graph, v, t, attributes)

    out = []
    for c in range(len(sources)):
        st = states[c]
        s, t = int(sources[c]), int(targets[c])
        path, stack, visited = [s], [s], {s}
        holder, status = s, None
        while len(path) - 1 < max_steps:
            qd = node_attrition[holder] if node_attrition is not None else attrition
            if next_double(st) < qd:
                status = "dropped"
                break
            elig = [(j, v) for j, v in enumerate(adj[holder])
                    if not (min_strength and levels[arc0[holder] + j] < min_strength)]
            hit = [(j, v) for j, v in elig if v == t]
            if hit:
                choice = hit[0]
            else:
                elig = [(j, v) for j, v in elig if v not in visited]
                if not elig:
                    if backtrack and len(stack) > 1:
                        stack.pop()
                        holder = stack[-1]
                        path.append(holder)
                        continue
                    status = "dead_end"
                    break
                if epsilon > 0 and next_double(st) < epsilon:
                    choice = elig[next_below(st, len(elig))]
                else:
                    sc = [score(v, t) for _, v in elig]
                    best = min(sc)
                    tied = [e for e, x in zip(elig, sc) if x == best]
                    choice = tied[next_below(st, len(tied))] if len(tied) > 1 else tied[0]
            if attrition_by_strength is not None:
                p = attrition_by_strength[levels[arc0[holder] + choice[0]] - 1]
                if next_double(st) < p:
                    status = "dropped"
                    break
            holder = choice[1]
            path.append(holder)
            if holder == t:
                status = "reached"
                break
            visited.add(holder)
            stack.append(holder)
        out.append((status or "max_steps", path))
    return out


def chains_reference_common_neighbours(graph):
    """Number of common out-neighbours of the two ends of every arc (sets), in arc order."""
    nb = [set(graph.indices[graph.indptr[u]:graph.indptr[u + 1]].tolist()) for u in range(graph.n)]
    return [len(nb[u] & nb[v]) for u in range(graph.n) for v in graph.indices[graph.indptr[u]:graph.indptr[u + 1]].tolist()]


# ---------------------------------------------------------------------------- foundation (graph, io)
def foundation_edge_set(src, dst, directed):
    """Reference graph construction: the set of edges after dropping self-loops and duplicates.

    Undirected edges are returned as sorted pairs (u, v) with u < v. Pure Python, O(m).
    """
    out = set()
    for u, v in zip(list(src), list(dst)):
        if u == v:
            continue
        out.add((u, v) if directed or u < v else (v, u))
    return out


def foundation_dropped_counts(src, dst, directed):
    """(self_loops, duplicates) a correct builder must report for this edge list."""
    loops = sum(1 for u, v in zip(list(src), list(dst)) if u == v)
    kept = len(foundation_edge_set(src, dst, directed))
    return loops, len(list(src)) - loops - kept


def foundation_write_edge_text(edges, sep="\t", newline="\n", comments=(), header=None):
    """Text of an edge list: optional header, comment lines, then ``u<sep>v`` lines."""
    lines = list(comments)
    if header is not None:
        lines.append(header)
    lines.extend(f"{u}{sep}{v}" for u, v in edges)
    return newline.join(lines) + newline


# ---------------------------------------------------------------- distance oracles (distances helper)
def distances_nx_graph(n, edges, directed):
    """networkx (Di)Graph on nodes 0..n-1 with the given (u, v) edges (self-loops dropped)."""
    import networkx as nx

    G = nx.DiGraph() if directed else nx.Graph()
    G.add_nodes_from(range(n))
    G.add_edges_from((int(u), int(v)) for u, v in edges if u != v)
    return G


def distances_frame_nodes(G, component):
    """Frame of a distance distribution: all nodes, or the largest (strongly) connected
    component, ties broken by the lowest node id. Sorted list."""
    import networkx as nx

    if component == "all" or G.number_of_nodes() == 0:
        return sorted(G.nodes)
    comps = nx.strongly_connected_components(G) if G.is_directed() else nx.connected_components(G)
    comps = [sorted(c) for c in comps]
    best = max(len(c) for c in comps)
    return min((c for c in comps if len(c) == best), key=lambda c: c[0])


def distances_pair_histogram(G, sources, targets):
    """counts[d] = #ordered pairs (s, v), s in sources, v in targets, v != s, d(s, v) = d
    (networkx BFS along out-edges); counts[0] = 0. Trailing zeros trimmed (length >= 1)."""
    import networkx as nx
    import numpy as np

    targets = set(targets)
    counts = [0]
    for s in sources:
        for v, d in nx.single_source_shortest_path_length(G, s).items():
            if v != s and v in targets:
                while len(counts) <= d:
                    counts.append(0)
                counts[d] += 1
    return np.asarray(counts, dtype=np.int64)


def distances_expand(counts):
    """The list of pair distances a histogram describes (d repeated counts[d] times)."""
    return [d for d, c in enumerate(counts) for _ in range(int(c))]


def distances_group_jackknife(stat, mats, groups):
    """Delete-one-group jackknife by its textbook definition: for each group j (sources i with
    i % G == j) recompute ``stat`` on the column sums of the remaining rows; returns (value, se)."""
    import math

    S = len(mats[0])
    G = min(groups, S)
    full = stat(*[[sum(col) for col in zip(*m)] for m in mats])
    if G < 2:
        return full, float("nan")
    reps = []
    for j in range(G):
        keep = [i for i in range(S) if i % G != j]
        reps.append(stat(*[[sum(m[i][d] for i in keep) for d in range(len(m[0]))] for m in mats]))
    mean = sum(reps) / G
    return full, math.sqrt((G - 1) / G * sum((r - mean) ** 2 for r in reps))


def distances_quantile(values, q):
    """Smallest d with (#values <= d) / #values >= q, by scanning every candidate d."""
    n = len(values)
    for d in range(max(values) + 1):
        if sum(1 for x in values if x <= d) >= q * n * (1 - 1e-12):
            return d
    return max(values)


def distances_effective_diameter(values, q):
    """Interpolated effective diameter from first principles: with F(d) = fraction of values
    <= d and d* the smallest d with F(d) >= q, return d* - 1 + (q - F(d*-1)) / (F(d*) - F(d*-1))."""
    n = len(values)

    def F(d):
        return sum(1 for x in values if x <= d) / n

    d = distances_quantile(values, q)
    if d == 0:
        return 0.0
    return d - 1 + (q - F(d - 1)) / (F(d) - F(d - 1))


def distances_scipy_histograms(indptr, indices, sources, chunk=512):
    """Per-source distance histograms by scipy's unweighted shortest paths (an oracle
    independent of smallworld's kernels). Returns (total counts over the sources, with
    counts[0] = 0, trimmed; eccentricity of each source)."""
    import numpy as np
    import scipy.sparse as sp
    from scipy.sparse import csgraph

    n = len(indptr) - 1
    A = sp.csr_matrix((np.ones(len(indices)), np.asarray(indices), np.asarray(indptr)), shape=(n, n))
    sources = np.asarray(sources, dtype=np.int64)
    total = np.zeros(n + 1, dtype=np.int64)
    ecc = np.zeros(len(sources), dtype=np.int64)
    for lo in range(0, len(sources), chunk):
        D = csgraph.shortest_path(A, method="D", directed=True, unweighted=True,
                                  indices=sources[lo:lo + chunk])
        D = np.where(np.isfinite(D), D, -1).astype(np.int64)
        ecc[lo:lo + chunk] = D.max(axis=1)
        total += np.bincount(D[D > 0], minlength=n + 1)
    nz = np.flatnonzero(total)
    return total[: (nz[-1] + 1 if nz.size else 1)], ecc


# ---------------------------------------------------------------------------- generators (brute-force oracles)
def generators_tree_distance(a, b, branching, depth):
    """WDN distance by explicit ancestor lists: 1 + the first height where the ancestors agree."""
    anc_a = [a // branching**h for h in range(depth + 1)]
    anc_b = [b // branching**h for h in range(depth + 1)]
    for h in range(depth + 1):
        if anc_a[h] == anc_b[h]:
            return h + 1
    raise AssertionError("leaves of one tree always meet at the root")


def generators_kleinberg_target_probs(side, dim, r, periodic, u):
    """P(long-range contact of u = v) for every v, by enumerating the lattice (O(n))."""
    import itertools

    import numpy as np

    coords = np.array(list(itertools.product(range(side), repeat=dim)))[:, ::-1]  # node = sum c_i side^i
    cu = coords[u]
    diff = np.abs(coords - cu)
    if periodic:
        diff = np.minimum(diff, side - diff)
    d = diff.sum(axis=1).astype(float)
    w = np.zeros(len(d))
    w[d > 0] = d[d > 0] ** (-r)
    return w / w.sum(), d


def generators_torus_distance_counts(side, dim):
    """Number of torus nodes at each L1 distance from a node (index = distance), by enumeration."""
    import itertools

    import numpy as np

    t = np.arange(side)
    t = np.minimum(t, side - t)
    counts = {}
    for off in itertools.product(t, repeat=dim):
        s = int(sum(off))
        counts[s] = counts.get(s, 0) + 1
    out = np.zeros(max(counts) + 1)
    for s, c in counts.items():
        out[s] = c
    return out


def generators_ranks(xy, src, dst):
    """rank_u(v) = 1 + #{w != u : |w - u| < |v - u|} for every link u -> v (brute force)."""
    import numpy as np

    ranks = np.empty(len(src), dtype=np.int64)
    order = np.argsort(src, kind="stable")
    s_sorted = src[order]
    bounds = np.flatnonzero(np.diff(np.concatenate([[-1], s_sorted, [-1]])))
    for a, b in zip(bounds[:-1], bounds[1:]):
        u = s_sorted[a]
        d = ((xy - xy[u]) ** 2).sum(axis=1)
        dv = d[dst[order[a:b]]]
        ranks[order[a:b]] = (d[None, :] < dv[:, None]).sum(axis=1)  # u itself (d = 0) is the +1
    return ranks


def generators_ring_lattice_edges(n, k):
    """Edge set of the ring lattice: u joined to u+1..u+k/2 (mod n)."""
    return {tuple(sorted((u, (u + j) % n))) for u in range(n) for j in range(1, k // 2 + 1)}


def generators_powerlaw_mle(degrees, kmin):
    """Discrete power-law exponent, Clauset-Shalizi-Newman approximation 1 + n / sum ln(k/(kmin - 1/2))."""
    import numpy as np

    k = np.asarray(degrees, dtype=float)
    k = k[k >= kmin]
    return 1.0 + len(k) / np.log(k / (kmin - 0.5)).sum()


# ------------------------------------------------------------------ reproductions (source groups)
def reproduce_policy_distance(graph, policy, u, t):
    """Brute-force distance of node ``u`` to ``t`` as ``policy`` measures it (one pair, Python).

    greedy_geo on x/y: squared Euclidean; greedy_hierarchy: min over dimensions of the number
    of halvings (by ``meta["branching"]``) until the two leaf indices agree; greedy_lattice:
    Manhattan, periodic-aware; others: hop distance by networkx BFS (inf if unreachable).
    """
    import math

    import networkx as nx

    a = graph.node_attrs
    u, t = int(u), int(t)
    if policy == "greedy_geo":
        return (a["x"][u] - a["x"][t]) ** 2 + (a["y"][u] - a["y"][t]) ** 2
    if policy == "greedy_hierarchy":
        b = graph.meta["branching"]
        best = math.inf
        for c in [c for c in a.columns if c.startswith("identity_")]:
            x, y, h = int(a[c][u]), int(a[c][t]), 0
            while x != y:
                x, y, h = x // b, y // b, h + 1
            best = min(best, h)
        return float(best)
    if policy == "greedy_lattice":
        side, periodic = graph.meta["side"], graph.meta.get("periodic", False)
        d = 0
        for c in [c for c in a.columns if c.startswith("coord_")]:
            x = abs(int(a[c][u]) - int(a[c][t]))
            d += min(x, side - x) if periodic else x
        return float(d)
    G = graph.to_networkx()
    try:
        return float(nx.shortest_path_length(G, u, t))
    except nx.NetworkXNoPath:
        return math.inf


# ---------------------------------------------------------------------------- ties
def ties_overlap_networkx(G):
    """{(u, v): Onnela overlap} for an undirected networkx graph, u < v (0 when k_u = k_v = 1)."""
    out = {}
    for u, v in G.edges():
        a, b = min(u, v), max(u, v)
        c = len(set(G[a]) & set(G[b]))
        den = (G.degree(a) - 1) + (G.degree(b) - 1) - c
        out[(a, b)] = c / den if den > 0 else 0.0
    return out


def ties_percolation_from_scratch(n, src, dst, order, removed_counts):
    """Giant fraction and susceptibility (sum over sizes s < s_max of n_s s^2 / n), recomputing
    connected components with networkx after each number of removed edges."""
    import networkx as nx

    giant, chi = [], []
    for k in removed_counts:
        keep = order[k:]
        G = nx.Graph()
        G.add_nodes_from(range(n))
        G.add_edges_from(zip(src[keep].tolist(), dst[keep].tolist()))
        sizes = [len(c) for c in nx.connected_components(G)]
        smax = max(sizes)
        giant.append(smax / n)
        chi.append(sum(s * s for s in sizes if s < smax) / n)
    return giant, chi


def ties_brute_force_reliable(n, arcs, s, h):
    """Max over simple paths of <= h arcs from s of the product of arc probabilities (DFS over all
    simple paths); ``arcs`` = {u: [(v, p), ...]}."""
    best = [0.0] * n
    best[s] = 1.0

    def walk(u, prob, depth, on_path):
        for v, p in arcs.get(u, []):
            if v in on_path:
                continue
            q = prob * p
            if q > best[v]:
                best[v] = q
            if depth + 1 < h:
                on_path.add(v)
                walk(v, q, depth + 1, on_path)
                on_path.remove(v)

    if h > 0:
        walk(s, 1.0, 0, {s})
    return best


def report_row(report, prefix):
    """The first row of a reproduction report whose quantity starts with ``prefix`` (asserts one exists)."""
    rows = [r for r in report.rows if r.quantity.startswith(prefix)]
    assert rows, prefix
    return rows[0]


# ---------------------------------------------------------------- geographic rank of friends (rank_friendship)
def friend_ranks_naive(coords, arcs, spherical, tie_tolerance=0.0):
    """``{(u, v): rank_u(v)}`` with rank_u(v) = 1 + #{w != u : d(u, w) < d(u, v)}, by comparing every pair.

    ``coords``: list of (lat, lon) degrees (great-circle by the haversine formula) or (x, y)
    (Euclidean); ``arcs``: list of (u, v). With ``tie_tolerance`` > 0 (radians or units), each value is
    the range ``(lowest, highest)`` of ranks consistent with distances known only to that tolerance.
    """
    import math

    def dist(a, b):
        if spherical:
            p1, p2 = math.radians(a[0]), math.radians(b[0])
            dl = math.radians(b[1] - a[1])
            h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
            return 2 * math.asin(math.sqrt(min(1.0, h)))
        return math.hypot(a[0] - b[0], a[1] - b[1])

    n = len(coords)
    if tie_tolerance == 0.0:
        return {(u, v): 1 + sum(1 for w in range(n) if w != u and dist(coords[u], coords[w]) < dist(coords[u], coords[v]))
                for u, v in arcs}
    # People whose distance equals d(u, v) in exact arithmetic may land on either side of it once
    # rounded (mirror-image points on the sphere), so a fast kernel may rank them either way: return
    # the range (closer for sure, closer or tied within the tolerance).
    out = {}
    for u, v in arcs:
        dv = dist(coords[u], coords[v])
        ds = [dist(coords[u], coords[w]) for w in range(n) if w != u]
        out[(u, v)] = (1 + sum(1 for d in ds if d < dv - tie_tolerance), 1 + sum(1 for d in ds if d < dv + tie_tolerance))
    return out


def geogreedy_naive(neighbours, lat, lon, source, target, area_km, max_steps):
    """Liben-Nowell's GeoGreedy, step by step: forward to the friend closest to the target (great circle)
    only if strictly closer than the holder; the target itself when it is a friend.

    Returns ``(reached, steps, area_steps)``: area_steps = first step at which the holder lies within
    ``area_km`` of the target (None if never, before the chain stops).
    """
    import math

    def km(a, b):
        p1, p2 = math.radians(lat[a]), math.radians(lat[b])
        h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon[b] - lon[a]) / 2) ** 2
        return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, h)))

    u, steps = source, 0
    area = 0 if km(u, target) <= area_km else None
    while steps < max_steps:
        if target in neighbours[u]:
            return True, steps + 1, (steps + 1 if area is None else area)
        if not neighbours[u]:
            return False, steps, area
        v = min(neighbours[u], key=lambda w: km(w, target))
        if km(v, target) >= km(u, target):
            return False, steps, area
        u, steps = v, steps + 1
        if area is None and km(u, target) <= area_km:
            area = steps
    return False, steps, area
# ---------------------------------------------------------------------------- follower graphs
def generators_follower_edge_list(n, gamma_out=2.5, gamma_in=2.2, mean_degree=20.0, mutual_pair_share=0.221,
                                  max_degree=None, seed=0):
    """The earlier ``directed_follower`` build, kept as the reference for the two-pass one: the same
    two Chung-Lu layers (same blocks and streams), drawn into int32 edge lists; one-way arcs
    filtered in draw order with a hash set of pair keys (an arc whose pair is mutual, or whose
    reverse was kept earlier, is dropped), trimmed to the exact count by a uniform random
    subset, then concatenated into an int64 edge list for ``Graph.from_edges``.
    Returns ``(graph, mutual_pairs, one_way_arcs)``."""
    import numpy as np

    from simulate.graph import Graph
    from simulate.generators.follower import STREAM_TAG, _OVERSAMPLE
    from simulate.generators.power_law import chung_lu_arcs, chung_lu_pairs, power_law_weights
    from simulate.generators.registry import numpy_rng

    rng = numpy_rng(seed, STREAM_TAG)
    arc_share = 2.0 * mutual_pair_share / (1.0 + mutual_pair_share)
    w_out = np.empty(n)
    w_in = np.empty(n)
    w_out[rng.permutation(n)] = power_law_weights(n, gamma_out, mean_degree, max_degree)
    w_in[rng.permutation(n)] = power_law_weights(n, gamma_in, mean_degree, max_degree)
    if arc_share > 0 and n > 1:
        wm = arc_share * 0.5 * (w_out + w_in)
        by_w = np.argsort(-wm, kind="stable").astype(np.int64)
        ms, md = chung_lu_pairs(by_w, np.array([0, n], dtype=np.int64), wm[by_w], seed, (STREAM_TAG, 1))
    else:
        ms = md = np.empty(0, dtype=np.int64)
    mutual = int(ms.shape[0])
    if arc_share < 1 and n > 1:
        want = int(round(2 * mutual * (1 - arc_share) / arc_share)) if arc_share > 0 else None
        scale = (1 - arc_share) * (_OVERSAMPLE if want is not None else 1.0)
        os_, od = chung_lu_arcs(scale * w_out, scale * w_in, seed, (STREAM_TAG, 2))
        keep = np.flatnonzero(_follower_one_way_filter(ms, md, os_, od, np.int64(n)))
        if want is not None and keep.shape[0] > want:
            keep = np.sort(rng.choice(keep, size=want, replace=False))
        os_, od = os_[keep], od[keep]
    else:
        os_ = od = np.empty(0, dtype=np.int64)
    src = np.concatenate([ms, md, os_]).astype(np.int64)
    dst = np.concatenate([md, ms, od]).astype(np.int64)
    return Graph.from_edges(src, dst, directed=True, n=n, relabel=False), mutual, int(os_.shape[0])


def _follower_one_way_filter(msrc, mdst, osrc, odst, n):
    import numpy as np
    from numba import njit

    from simulate.kernels.generators.hashset import hashset_insert, hashset_new, pair_key

    if "run" not in _FOLLOWER_FILTER:
        @njit
        def run(msrc, mdst, osrc, odst, n):
            table = hashset_new(msrc.shape[0] + osrc.shape[0])
            for i in range(msrc.shape[0]):
                hashset_insert(table, pair_key(msrc[i], mdst[i], n))
            keep = np.zeros(osrc.shape[0], dtype=np.bool_)
            for i in range(osrc.shape[0]):
                keep[i] = hashset_insert(table, pair_key(osrc[i], odst[i], n))
            return keep

        _FOLLOWER_FILTER["run"] = run
    return _FOLLOWER_FILTER["run"](msrc, mdst, osrc, odst, n)


_FOLLOWER_FILTER = {}


def transpose_naive(indptr, indices, n):
    """In-neighbour CSR by a Python sort of (dst, src) pairs: rows sorted."""
    import numpy as np

    src = np.repeat(np.arange(n), np.diff(indptr))
    order = np.lexsort((src, indices))
    t_indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(indices, minlength=n), out=t_indptr[1:])
    return t_indptr, src[order].astype(np.int32)


# ---------------------------------------------------------------- Chung-Lu kernel oracle (issue 12)
_CHUNG_LU_TILED = []


def _chung_lu_tiled_kernel():
    """The Chung-Lu block kernel as it was before the bucket queue (main at c55891d), compiled
    on first use: all rows of a block advance together through column tiles, every row is
    looked at in every tile (rows x tiles visits). Kept verbatim as the oracle the bucket-queue
    kernel must reproduce bit for bit."""
    if _CHUNG_LU_TILED:
        return _CHUNG_LU_TILED[0]
    import math

    import numpy as np
    from numba import njit

    from simulate.kernels.generators.power_law import _log1m
    from simulate.kernels.random import next_double

    @njit
    def _chung_lu_block(r0, r1, row_w, row_node, row_start, row_end, row_inv_s, row_excl, col_w, col_node,
                        col_group, tile, st, mode, src, dst, c0, limit, deg, cur, out):
        # Miller & Hagberg (2011) for rows [r0, r1): candidates j sorted by weight (descending),
        # so p = min(1, rw * col_w[j] / S) only decreases; skip geometrically with the current p
        # and accept the landing candidate with probability q / p (thinning; no draw when q = p,
        # e.g. saturated pairs). Expected O(1 + edges) per row.
        #
        # Cache tiling: the rows advance together through column tiles of ``tile`` candidates,
        # so the weights they read stay in cache (one row at a time would jump over all n
        # columns, a cache miss per visit once n is ~1M). A skip is drawn as an Exp(1) amount E
        # spent at rate h = -log(1 - p) per candidate (gap = floor(E / h), the inverse-CDF
        # geometric); a skip that runs past the tile end keeps its unspent E for the next tile,
        # which by memorylessness is the same draw.
        #
        # ``row_excl[r] >= 0`` (when ``row_excl`` is not empty) rejects candidates j with
        # ``col_group[j] == row_excl[r]`` after they are drawn: the pair's probability becomes 0
        # without changing any other pair's draw (a cross-group-only layer).
        # What happens to an accepted edge (rnode, v) depends on ``mode``:
        #   0: written to src/dst at c0.. while below limit;
        #   1: counted, deg[rnode] += 1 and deg[v] += 1 (the caller's private counter row);
        #   2: scattered as both arcs, out[cur[rnode]] = v, out[cur[v]] = rnode, cursors advanced;
        #   3: counted at the row's node only, deg[rnode] += 1 (directed arcs rnode -> v);
        #   4: scattered as the one arc rnode -> v, out[cur[rnode]] = v, cursor advanced.
        nr = r1 - r0
        if nr <= 0:
            return 0
        sj = np.empty(nr, dtype=np.int64)
        sp = np.empty(nr, dtype=np.float64)
        se = np.full(nr, -1.0)  # unspent exponential, < 0: none pending
        lo = row_start[r0]
        hi = row_end[r0]
        for i in range(nr):
            r = r0 + i
            sj[i] = row_start[r]
            if sj[i] < row_end[r] and row_w[r] > 0.0:
                sp[i] = min(1.0, row_w[r] * col_w[sj[i]] * row_inv_s[r])
            else:
                sp[i] = 0.0
            lo = min(lo, row_start[r])
            hi = max(hi, row_end[r])
        c = 0
        t0 = lo
        while t0 < hi:
            t1 = min(hi, t0 + tile)
            for i in range(nr):
                p = sp[i]
                j = sj[i]
                if p <= 0.0 or j >= t1:
                    continue
                r = r0 + i
                rw = row_w[r]
                inv_s = row_inv_s[r]
                cend = row_end[r]
                rnode = row_node[r]
                excl = row_excl[r] if row_excl.shape[0] > 0 else -1
                e = se[i]
                while True:
                    if p < 1.0:
                        if e < 0.0:
                            e = -math.log(1.0 - next_double(st))
                        h = -_log1m(p)
                        span = e / h
                        if span >= cend - j:  # no further candidate: the row is finished
                            p = 0.0
                            break
                        if span >= t1 - j:  # lands beyond this tile: keep the unspent part
                            e -= (t1 - j) * h
                            j = t1
                            break
                        j += np.int64(math.floor(span))
                        e = -1.0
                    elif j >= t1:
                        break
                    q = min(1.0, rw * col_w[j] * inv_s)
                    if q >= p or next_double(st) * p < q:
                        v = col_node[j]
                        # directed rows scan every column: no self-loops
                        if v != rnode and (excl < 0 or col_group[j] != excl):
                            if mode == 0:
                                if c0 + c < limit:
                                    src[c0 + c] = rnode
                                    dst[c0 + c] = v
                            elif mode == 1:
                                deg[rnode] += 1
                                deg[v] += 1
                            elif mode == 3:
                                deg[rnode] += 1
                            elif mode == 4:
                                out[cur[rnode]] = v
                                cur[rnode] += 1
                            else:
                                out[cur[rnode]] = v
                                cur[rnode] += 1
                                out[cur[v]] = rnode
                                cur[v] += 1
                            c += 1
                    p = q
                    j += 1
                    if j >= cend or p <= 0.0:
                        p = 0.0
                        break
                    if j >= t1:
                        break
                sp[i] = p
                sj[i] = j
                se[i] = e
            t0 = t1
        return c

    _CHUNG_LU_TILED.append(_chung_lu_block)
    return _chung_lu_block


def chung_lu_edges_tiled(row_w, row_node, row_start, row_end, row_inv_s, col_w, col_node, row_bounds, states,
                         tile=1 << 16, row_excl=None, col_group=None):
    """Edges ``(src, dst)`` of :func:`simulate.kernels.generators.power_law.chung_lu_edges` (same
    arguments, no capacities) computed by the old tiled sweep, block after block, in the order the
    kernel emits them."""
    import numpy as np

    block = _chung_lu_tiled_kernel()
    no_i64 = np.empty(0, dtype=np.int64)
    no_i32 = np.empty(0, dtype=np.int32)
    ex = no_i64 if row_excl is None else np.asarray(row_excl, dtype=np.int64)
    cg = no_i64 if col_group is None else np.asarray(col_group, dtype=np.int64)
    srcs, dsts = [], []
    for b in range(row_bounds.shape[0] - 1):
        r0, r1 = int(row_bounds[b]), int(row_bounds[b + 1])
        cap = 64 + 16 * (r1 - r0)
        while True:  # a full slot: run the block again from its stream with room for all it drew
            s = np.empty(cap, dtype=np.int32)
            d = np.empty(cap, dtype=np.int32)
            st = states[b].copy()
            c = block(np.int64(r0), np.int64(r1), row_w, row_node, row_start, row_end, row_inv_s, ex, col_w,
                      col_node, cg, np.int64(tile), st, 0, s, d, 0, cap, no_i64, no_i64, no_i32)
            if c <= cap:
                break
            cap = c
        srcs.append(s[:c])
        dsts.append(d[:c])
    return (np.concatenate(srcs) if srcs else np.empty(0, np.int32)), (np.concatenate(dsts) if dsts else np.empty(0, np.int32))
