"""A population model of networking strategies, introductions vs cold contact, and the inverted U.

The model (``networking_population``)
-------------------------------------
Base community structure: the Watts-Dodds-Newman hierarchical identity model
(:func:`simulate.generators.hierarchical_identity`, one dimension, branching 2, groups of
``group_size``), so ties are mostly inside a group and the rest span tree distance x with
P(x) ~ exp(-alpha x). **Strength from the model**: a base tie spanning tree distance x has level
``max(1, 6 - x)`` (same group, x = 1: level 5 = strongest; siblings: 4; ... x >= 5: 1), so strong
ties are embedded and weak ones bridge. Each person then gets a strategy (``mix`` = shares of
micro, macro, center):

* **micro**: keeps only ties of level >= ``micro_min_level`` (drops their loose base ties);
* **macro**: adds ``macro_extra`` "never met" ties (level 1) to people drawn uniformly from everyone;
* **center of influence**: adds ``center_extra`` medium ties (level 3) to people of *other* groups,
  and is more willing to introduce: probabilities on their outgoing ties are raised by
  ``center_boost`` (capped at 1).

Introductions (``f``) and cold contact (``cold``)
--------------------------------------------------
A request passes a tie of level s with probability ``f[s - 1]`` (default :data:`DEFAULT_F`); an
introduction chain succeeds only if every hop passes (the product). A cold contact to a stranger
succeeds with probability ``cold`` (default 0.05: the essays' "fewer than 10% reply").

The inverted U (``transmission_by_level``)
------------------------------------------
Rajkumar et al., Science 377, 1304 (2022), doi:10.1126/science.abl4476: information (a job) in a
community reaches a person through one contact with probability willingness(s) x novelty, where
*novelty* is measured from the structure (:func:`simulate.kernels.ties.contact_novelty`: the share of
the communities the contact reaches that the person's strong circle does not) and *willingness* is a
stated input (default :data:`DEFAULT_WILLINGNESS`, rising with strength). A flat-willingness control
(willingness 1 for every level) shows what the structure alone gives.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from .errors import ParameterError
from .graph import Graph
from .kernels import ties as _k
from . import ties as _ties

STRATEGIES = ("micro", "macro", "center")
#: Probability that a tie of level 1..5 passes a request (level 5 = best friend).
DEFAULT_F = (0.05, 0.15, 0.30, 0.50, 0.70)
#: Probability that a cold contact to a stranger answers (the essays: under 10%).
DEFAULT_COLD = 0.05
#: Stated willingness of a contact of level 1..5 to pass on a job (rising with strength).
DEFAULT_WILLINGNESS = (0.2, 0.4, 0.6, 0.8, 1.0)


@dataclass
class Population:
    """A networking population: a weighted graph whose weights are tie levels 1..5.

    Attributes
    ----------
    graph : Graph
        Undirected; ``weights`` = level per arc; node_attrs ``group``, ``company``, ``strategy``.
    strategy : ndarray of int8
        Index into :data:`STRATEGIES` per person.
    group : ndarray of int64
        Leaf group (community) per person.
    company : ndarray of int64
        ``group // company_groups``: a block of sibling groups, the "target group" of the study.
    params : dict
    """

    graph: Graph
    strategy: np.ndarray
    group: np.ndarray
    company: np.ndarray
    params: dict

    @property
    def n_companies(self) -> int:
        return int(self.company.max()) + 1 if self.company.size else 0

    def arc_levels(self) -> np.ndarray:
        return self.graph.weights.astype(np.int8)

    def arc_probs(self, f=DEFAULT_F, center_boost=None) -> np.ndarray:
        """``f[level - 1]`` per arc, raised by ``center_boost`` on arcs out of centers of influence."""
        boost = self.params["center_boost"] if center_boost is None else center_boost
        p = _ties.level_probs(self.arc_levels(), f)
        src = np.repeat(np.arange(self.graph.n), np.diff(self.graph.indptr))
        centre = self.strategy[src] == STRATEGIES.index("center")
        return np.where(centre, np.minimum(1.0, p + boost), p)


def population(graph: Graph) -> Population:
    """The :class:`Population` view of a graph made by the ``networking_population`` generator."""
    if graph.meta.get("model") != "networking_population" or graph.node_attrs is None:
        raise ParameterError("not a networking_population graph (generate one with "
                             "'smallworld generate networking_population')")
    a = graph.node_attrs
    return Population(graph, a["strategy"].to_numpy().astype(np.int8), a["group"].to_numpy().astype(np.int64),
                      a["company"].to_numpy().astype(np.int64), dict(graph.meta))


def networking_population(seed=0, **params) -> Population:
    """Generate the population model (``simulate.generators.networking_population``) as a Population."""
    from .generators import generate

    return population(generate("networking_population", seed=seed, **params))


def _tree_distances(a, b):
    from .generators.networking import tree_distances

    return tree_distances(a, b)


# ---------------------------------------------------------------------------- outcomes
def strategy_outcomes(pop: Population, f=DEFAULT_F, cold=DEFAULT_COLD, hops=3, n_sources=300,
                      trials=200, seed=0) -> pl.DataFrame:
    """Per sampled person: nominal reach at 1-3 hops, warm reach, company reach, center traffic.

    Columns: ``source, strategy, degree, reach1, reach2, reach3, naive2`` (= degree^2, the essays'
    "250 x 250"), ``friends_of_friends`` (degree + sum over friends of their other friends: the
    naive count with each friend's own degree, shared friends counted repeatedly), ``warm_paths`` (sum over people of the most reliable <= ``hops`` introduction
    chain), ``warm_cascade`` (Monte-Carlo independent cascade, ``trials`` runs), ``via_center``
    (share of the cascade's reached people whose chain passed a center of influence),
    ``p_intro`` (best introduction probability into a random other company), ``p_cold`` (= cold),
    ``company_distance`` (tree distance between the person's and the target company's groups).
    """
    from .reach import distance_profiles

    g = pop.graph
    rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(32,)))
    # stratified: the same number of sources per strategy where possible
    srcs = []
    for k in range(3):
        nodes = np.flatnonzero(pop.strategy == k)
        take = min(nodes.size, max(1, n_sources // 3))
        if take:
            srcs.append(rng.choice(nodes, size=take, replace=False))
    sources = np.sort(np.concatenate(srcs)).astype(np.int64)
    prof = distance_profiles(g, sources=sources, component="all", seed=seed)
    reach = [prof.balls(r) - 1 for r in (1, 2, 3)]
    p = pop.arc_probs(f)
    warm, tog = _ties.warm_reach_paths(g, p, sources, hops=hops, group=pop.company, n_groups=pop.n_companies)
    centre = pop.strategy == STRATEGIES.index("center")
    casc, via = _ties.cascade_reach(g, p, sources, hops=hops, trials=trials, seed=seed, through=centre)
    own = pop.company[sources]
    target = rng.integers(0, max(pop.n_companies - 1, 1), size=sources.shape[0])
    target = np.where(target >= own, target + 1, target) if pop.n_companies > 1 else own
    p_intro = tog[np.arange(sources.shape[0]), target]
    cg = pop.params["company_groups"]
    cdist = _tree_distances(own * cg, target * cg)
    deg_all = g.degree()
    deg = deg_all[sources]
    # the essays' count: every friend brings all their friends (k + sum over friends of (k_v - 1)),
    # which double counts shared friends; reach2 counts distinct people
    friend_deg = np.zeros(g.n, dtype=np.int64)
    nz = deg_all > 0
    friend_deg[nz] = np.add.reduceat(deg_all[g.indices] - 1, g.indptr[:-1][nz])
    walks2 = deg + friend_deg[sources]
    return pl.DataFrame({
        "source": sources, "strategy": [STRATEGIES[i] for i in pop.strategy[sources]],
        "degree": deg, "reach1": reach[0], "reach2": reach[1], "reach3": reach[2],
        "naive2": deg.astype(np.int64) ** 2, "friends_of_friends": walks2, "warm_paths": warm, "warm_cascade": casc,
        "via_center": via, "p_intro": p_intro, "p_cold": np.full(sources.shape[0], float(cold)),
        "company_distance": cdist,
    })


def intro_by_distance(pop: Population, f=DEFAULT_F, hops=3, n_sources=200, seed=0) -> pl.DataFrame:
    """Mean best-introduction probability to a person at each graph distance 1..6 (one row each).

    Introduction success decays as the product of f along the chain; a cold contact stays at ``cold``.
    """
    g = pop.graph
    rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(33,)))
    sources = np.sort(rng.choice(g.n, size=min(n_sources, g.n), replace=False)).astype(np.int64)
    p = pop.arc_probs(f)
    best = _ties.reliable_paths(g, p, sources, hops=6)
    from .kernels.bfs import bfs_top_down

    rows = []
    sums = np.zeros(7)
    counts = np.zeros(7)
    for i, s in enumerate(sources):  # one BFS per source (sources are few); the work is in the kernels
        dist = bfs_top_down(g.indptr, g.indices, s)
        for dd in range(1, 7):
            sel = dist == dd
            sums[dd] += best[i][sel].sum()
            counts[dd] += sel.sum()
    for dd in range(1, 7):
        rows.append({"distance": dd, "people": int(counts[dd]),
                     "p_intro": float(sums[dd] / counts[dd]) if counts[dd] else float("nan")})
    return pl.DataFrame(rows)


def marginal_ties(pop: Population, k=10, f=DEFAULT_F, hops=3, n_sources=100, seed=0) -> pl.DataFrame:
    """Marginal value of adding ``k`` weak (level 1, anyone) vs ``k`` strong (level 5, own group)
    ties to sampled micro networkers: warm reach and mean company-reach probability before and after.
    """
    g = pop.graph
    rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(34,)))
    micro = np.flatnonzero(pop.strategy == 0)
    if micro.size == 0:
        return pl.DataFrame()
    sources = np.sort(rng.choice(micro, size=min(n_sources, micro.size), replace=False)).astype(np.int64)
    s0, d0 = g.edges()
    w0 = g.edge_weights()
    a = np.repeat(sources, int(k))
    weak_b = rng.integers(0, g.n, size=a.shape[0])
    # strong: a random member of the person's own group (its size is group_size)
    gs = pop.params["group_size"]
    strong_b = pop.group[a] * gs + rng.integers(0, gs, size=a.shape[0])
    rows = []
    for label, b, lev in (("none", None, None), ("weak", weak_b, 1.0), ("strong", strong_b, 5.0)):
        if b is None:
            h = g
        else:
            h = Graph.from_edges(np.concatenate([s0, a]), np.concatenate([d0, b]), n=g.n,
                                 weights=np.concatenate([w0, np.full(a.shape[0], lev)]), relabel=False)
        hp = Population(h, pop.strategy, pop.group, pop.company, pop.params)
        warm, tog = _ties.warm_reach_paths(h, hp.arc_probs(f), sources, hops=hops, group=pop.company,
                                           n_groups=pop.n_companies)
        own = pop.company[sources]
        mask = np.ones_like(tog, dtype=bool)
        mask[np.arange(sources.shape[0]), own] = False
        rows.append({"added": label, "k": int(k), "degree": float(h.degree()[sources].mean()),
                     "warm_paths": float(warm.mean()),
                     "p_company": float(tog[mask].reshape(sources.shape[0], -1).mean())})
    return pl.DataFrame(rows)


def group_reach(graph: Graph, arc_level, group, f=DEFAULT_F, hops=3, n_sources=200, seed=0) -> pl.DataFrame:
    """Best introduction probability from sampled people into every other group (a Facebook100 dorm,
    a major, a model company), ``hops`` at most, with ``f[level - 1]`` per tie.

    Returns one row per (source, group) with the group's size; group value 0 (missing) is skipped.
    """
    lev = _ties.given_levels(np.asarray(arc_level))
    _, gid = np.unique(np.asarray(group), return_inverse=True)
    gid = gid.ravel().astype(np.int32)
    labels = np.unique(np.asarray(group))
    rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(35,)))
    sources = np.sort(rng.choice(graph.n, size=min(int(n_sources), graph.n), replace=False)).astype(np.int64)
    _, tog = _ties.warm_reach_paths(graph, _ties.level_probs(lev, f), sources, hops=hops, group=gid,
                                    n_groups=int(labels.shape[0]))
    sizes = np.bincount(gid, minlength=labels.shape[0])
    s_idx, g_idx = np.meshgrid(np.arange(sources.shape[0]), np.arange(labels.shape[0]), indexing="ij")
    keep = (gid[sources][s_idx] != g_idx) & (labels[g_idx] != 0)
    return pl.DataFrame({"source": sources[s_idx[keep]], "group": labels[g_idx[keep]],
                         "group_size": sizes[g_idx[keep]], "p_intro": tog[s_idx[keep], g_idx[keep]]})


# ---------------------------------------------------------------------------- chains (Dodds 2003)
def chain_tie_levels(pop: Population, n_chains=2000, n_targets=20, attrition=0.25, seed=0) -> dict:
    """Which tie levels and which people carry completed chains (Dodds, Muhamad & Watts 2003).

    Chains route by ``greedy_hierarchy`` (forward to the contact socially closest to the target in the
    WDN group tree) with constant attrition ``attrition`` per step; every hop of a completed chain is
    classified by the level of the tie it used and the forwarder's degree.

    Returns
    -------
    dict
        ``hop_level_share`` (5 shares, levels 1..5, over hops of completed chains), ``tie_level_share``
        (the population's ties), ``completed``, ``chains``, ``hub_share_hops`` (share of forwarding steps
        made by the top 1% by degree), ``centre_share_hops`` (by centers of influence).
    """
    from .chains import run_chains

    g = pop.graph
    res = run_chains(g, policy="greedy_hierarchy", attrition=attrition, n_chains=n_chains, n_targets=n_targets,
                     seed=seed, record_paths=True, compute_distances=False)
    done = res.table.filter(pl.col("status") == "reached")
    paths = done["path"].to_list()
    a = np.array([p[i] for p in paths for i in range(len(p) - 1)], dtype=np.int64)
    b = np.array([p[i + 1] for p in paths for i in range(len(p) - 1)], dtype=np.int64)
    # the level of each used tie: binary search of b in the sorted row of a
    pos = np.array([g.indptr[u] + np.searchsorted(g.indices[g.indptr[u]:g.indptr[u + 1]], v)
                    for u, v in zip(a, b)], dtype=np.int64)
    lev = g.weights[pos].astype(np.int64) if pos.size else np.empty(0, dtype=np.int64)
    deg = g.degree()
    hub = deg >= np.quantile(deg, 0.99)
    out = {"chains": int(res.table.height), "completed": int(done.height),
           "hop_level_share": (np.bincount(lev, minlength=6)[1:] / max(lev.size, 1)).tolist(),
           "tie_level_share": (np.bincount(g.edge_weights().astype(np.int64), minlength=6)[1:]
                               / max(g.num_edges, 1)).tolist(),
           "hops": int(lev.size),
           "hub_share_hops": float(hub[a].mean()) if a.size else float("nan"),
           "centre_share_hops": float((pop.strategy[a] == STRATEGIES.index("center")).mean()) if a.size else float("nan")}
    return out


# ---------------------------------------------------------------------------- the inverted U
def transmission_by_level(graph: Graph, arc_level, community=None, willingness=DEFAULT_WILLINGNESS,
                          strong_min=4) -> pl.DataFrame:
    """Mean job transmission willingness(s) x novelty per tie level, with a flat-willingness control.

    Parameters
    ----------
    graph : Graph
        Undirected.
    arc_level : ndarray of int8 per arc
        Tie levels 1..5 (5 = strongest), from the model, intensity or mutual connections.
    community : ndarray of int per node, optional
        Communities; default every person is their own community (novelty = share of the contact's
        contacts outside the person's strong circle).
    willingness : 5 floats
        The stated input, per level 1..5.
    strong_min : int
        Levels that make up the person's strong circle.

    Returns
    -------
    polars.DataFrame
        One row per level: ``level, rating, arcs, novelty, transmission`` (stated willingness),
        ``transmission_flat`` (willingness 1).
    """
    w = np.asarray(willingness, dtype=np.float64)
    if w.shape != (5,) or w.min() < 0 or w.max() > 1:
        raise ParameterError(f"willingness must be 5 values in [0, 1] (levels 1..5), got {w.tolist()}")
    lev = _ties.given_levels(np.asarray(arc_level)).astype(np.int8)
    if community is None:
        comm = np.arange(graph.n, dtype=np.int64)
    else:
        _, comm = np.unique(np.asarray(community), return_inverse=True)
        comm = comm.ravel().astype(np.int64)
    nov = _k.contact_novelty(graph.indptr, graph.indices, lev, comm, int(comm.max()) + 1 if comm.size else 1,
                             int(strong_min))
    rows = []
    for s in range(1, 6):
        sel = lev == s
        k = int(sel.sum())
        nv = float(nov[sel].mean()) if k else float("nan")
        rows.append({"level": s, "rating": 6 - s, "arcs": k, "novelty": nv,
                     "transmission": w[s - 1] * nv if k else float("nan"),
                     "transmission_flat": nv})
    return pl.DataFrame(rows)


def peak_level(table: pl.DataFrame, column="transmission") -> int:
    """Level with the highest mean transmission (levels without ties skipped)."""
    t = table.filter(pl.col("arcs") > 0)
    return int(t["level"][int(np.nanargmax(t[column].to_numpy()))])


# ---------------------------------------------------------------------------- experiment kind
def _run_networking(graph, params, seed):
    pop = population(graph)
    out = strategy_outcomes(pop, f=tuple(params["f"]), cold=params["cold"], hops=params["hops"],
                            n_sources=params["sources"], trials=params["trials"], seed=seed)
    summary = {"people": graph.n, "ties": graph.num_edges,
               "reach2_over_friends_of_friends": float((out["reach2"] / out["friends_of_friends"].clip(1)).mean()),
               "via_center": float(out["via_center"].mean()),
               "center_share": float((pop.strategy == STRATEGIES.index("center")).mean())}
    for s in STRATEGIES:
        sub = out.filter(pl.col("strategy") == s)
        for c in ("degree", "reach2", "warm_paths", "warm_cascade", "p_intro"):
            summary[f"{c}_{s}"] = float(sub[c].mean()) if sub.height else None
    return out, summary


def _declare_kind():
    from .kinds import declare_kind
    from .params import ParamSpec, Rule

    declare_kind(
        "networking",
        "Outcomes per person and strategy on a networking_population graph (simulate.networking."
        "strategy_outcomes): nominal reach at 1-3 hops, warm reach (best introduction chains and "
        "independent cascades), company reach by introduction vs cold contact, traffic through centers.",
        [
            ParamSpec("f", "any", list(DEFAULT_F), doc="pass probability of a tie of level 1..5 (5 values)"),
            ParamSpec("cold", float, DEFAULT_COLD, low=0.0, high=1.0, doc="cold-contact success probability"),
            ParamSpec("hops", int, 3, low=1, high=20, doc="longest introduction chain"),
            ParamSpec("sources", int, 300, low=3, high=10_000_000, doc="people sampled, a third per strategy"),
            ParamSpec("trials", int, 100, low=1, high=1_000_000, doc="Monte-Carlo cascades per person"),
        ],
        _run_networking,
        metrics=("warm_paths_micro", "warm_paths_macro", "warm_paths_center", "via_center",
                 "reach2_over_friends_of_friends"),
        rules=[Rule("f", "f must be 5 probabilities in [0, 1] (levels 1..5)",
                    lambda v: isinstance(v["f"], (list, tuple)) and len(v["f"]) == 5
                    and all(isinstance(x, (int, float)) and 0 <= x <= 1 for x in v["f"]))],
        table="one row per sampled person (strategy, degree, reach1-3, warm reach, p_intro, via_center)",
    )


_declare_kind()
