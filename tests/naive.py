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
