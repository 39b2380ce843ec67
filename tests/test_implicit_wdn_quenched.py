"""The quenched, pair-symmetric Watts-Dodds-Newman population (simulate.kernels.implicit_wdn):
symmetry, determinism, its law (independent pairs, probability 1 - exp(-lambda_uv)) against the
exact expectations, the stored generator, and routing against the stored twin."""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest
from scipy import stats

from simulate.chains import run_chains
from simulate.implicit import implicit_population
from simulate.kernels import variates
from simulate.kernels.generators.hierarchical import tree_height
from simulate.kernels.random import stream_states

SMALL = dict(branching=2, depth=5, group_size=40, dimensions=2, alpha=1.0, mean_degree=8.0)  # N = 1,280


def _pop(seed=4, **kw):
    return implicit_population("hierarchical_identity", mode="quenched", seed=seed, **{**SMALL, **kw})


def _edges(pop):
    ptr, out = pop.contacts_many(np.arange(pop.n))
    src = np.repeat(np.arange(pop.n), np.diff(ptr))
    keep = src < out
    return src[keep], out[keep], ptr, out


def _pair_law(pop):
    """Exact per-pair link probabilities 1 - exp(-lambda_uv) (upper triangle) and each pair's
    social distance y and dimension-0 tree distance x_0, by brute force over all pairs."""
    ident = pop.identities(np.arange(pop.n))
    rates = pop.pair_rates()
    iu, iv = np.triu_indices(pop.n, 1)
    lam = np.zeros(iu.size)
    y = np.full(iu.size, 10**9)
    x0 = None
    for h in range(pop.dimensions):
        a, b = ident[iu, h], ident[iv, h]
        height = np.zeros(iu.size, dtype=np.int64)
        while np.any(a != b):
            d = a != b
            height += d
            a = a // pop.branching
            b = b // pop.branching
        lam += rates[height]
        y = np.minimum(y, height)
        if h == 0:
            x0 = height
    return iu, iv, -np.expm1(-lam), y, x0


def _chi2(obs, exp):
    keep = exp >= 5
    o = np.append(obs[keep], obs[~keep].sum())
    e = np.append(exp[keep], exp[~keep].sum())
    if e[-1] < 5:
        o, e = o[:-1], e[:-1]
    return stats.chi2.sf(((o - e) ** 2 / e).sum(), len(o) - 1)


# ------------------------------------------------------------------ samplers
@pytest.mark.parametrize("n,p", [(7, 0.3), (45, 0.5), (1000, 0.013), (10**6, 0.4999), (10**12, 1e-9)])
def test_binomial_sampler_matches_the_pmf(n, p):
    @numba.njit
    def draw(k, st, n, p):
        out = np.empty(k, dtype=np.int64)
        for i in range(k):
            out[i] = variates.binomial(st, n, p)
        return out

    x = draw(40_000, stream_states(2, 1)[0], n, p)
    mean, sd = n * p, math.sqrt(n * p * (1 - p))
    lo, hi = int(max(0, mean - 6 * sd - 1)), int(mean + 6 * sd + 2)
    ks = np.arange(lo, hi + 1)
    probs = stats.binom.pmf(ks, n, p)
    counts = np.array([(x == k).sum() for k in ks], dtype=float)
    assert (x >= lo).all() and (x <= hi).all()
    assert _chi2(counts, probs * x.size) > 1e-4


@pytest.mark.parametrize("a,b", [(0.5, 9.5), (2.0, 3.0), (30.0, 70.0)])
def test_beta_sampler_matches_the_cdf(a, b):
    @numba.njit
    def draw(k, st, a, b):
        out = np.empty(k, dtype=np.float64)
        for i in range(k):
            out[i] = variates.beta(st, a, b)
        return out

    x = draw(40_000, stream_states(5, 1)[0], a, b)
    assert stats.kstest(x, stats.beta(a, b).cdf).pvalue > 1e-4
    assert stats.kstest(x, stats.beta(a * 1.1, b).cdf).pvalue < 1e-4  # the test has power


# ------------------------------------------------------------------ the construction
def test_contacts_are_symmetric_and_the_same_on_every_call_and_thread_count():
    pop = _pop()
    src, dst, ptr, out = _edges(pop)
    rows = [set(out[ptr[i]:ptr[i + 1]].tolist()) for i in range(pop.n)]
    assert all(u in rows[v] for u in range(pop.n) for v in rows[u])
    assert all(u not in rows[u] for u in range(pop.n))
    assert np.array_equal(pop.contacts(77), out[ptr[77]:ptr[78]])
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = pop.contacts_many(np.arange(pop.n))
        r1 = pop.run_chains(n_chains=300, n_targets=3, seed=4, epsilon=0.1)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = pop.contacts_many(np.arange(pop.n))
        r2 = pop.run_chains(n_chains=300, n_targets=3, seed=4, epsilon=0.1)
    finally:
        numba.set_num_threads(old)
    assert np.array_equal(one[1], two[1]) and np.array_equal(one[1], out)
    assert r1.table.equals(r2.table)
    assert not np.array_equal(_pop(seed=5).contacts(77), pop.contacts(77))


def test_large_population_contacts_are_symmetric():
    # N = 10^8 (b = 10, depth 6, g = 100): blocks of 10^7 slots; partners found from either side.
    pop = implicit_population("hierarchical_identity", branching=10, depth=6, group_size=100, mean_degree=300,
                              alpha=1.0, mode="quenched", seed=1)
    people = np.random.default_rng(0).integers(0, pop.n, 5)
    for u in people:
        c = pop.contacts(u)
        assert 200 < c.size < 400
        for v in c[:: max(1, c.size // 15)]:
            assert u in pop.contacts(v)


def test_link_law_matches_the_exact_pair_probabilities():
    """Independent pairs with probability 1 - exp(-lambda_uv): the number of links, and their
    counts by social distance y and by dimension-0 tree distance, against the exact expectations
    (normal and chi-square thresholds), pooled over 3 populations."""
    obs_total, exp_total, var_total = 0, 0.0, 0.0
    obs_y = exp_y = obs_x = exp_x = 0
    for seed in (1, 2, 3):
        pop = _pop(seed=seed)
        src, dst, _, _ = _edges(pop)
        iu, iv, p, y, x0 = _pair_law(pop)
        linked = np.zeros(iu.size, dtype=bool)
        # position of (src, dst) in the upper-triangle enumeration
        n = pop.n
        pos = src * n - src * (src + 1) // 2 + (dst - src - 1)
        linked[pos] = True
        obs_total += linked.sum()
        exp_total += p.sum()
        var_total += (p * (1 - p)).sum()
        obs_y = obs_y + np.bincount(y[linked], minlength=SMALL["depth"] + 1)
        exp_y = exp_y + np.bincount(y, weights=p, minlength=SMALL["depth"] + 1)
        obs_x = obs_x + np.bincount(x0[linked], minlength=SMALL["depth"] + 1)
        exp_x = exp_x + np.bincount(x0, weights=p, minlength=SMALL["depth"] + 1)
    assert abs(obs_total - exp_total) < 4 * math.sqrt(var_total), (obs_total, exp_total)
    assert _chi2(obs_y.astype(float), exp_y) > 1e-4
    assert _chi2(obs_x.astype(float), exp_x) > 1e-4
    # ... and the test has power: alpha = 0.5 links are not alpha = 1 links.
    other = _pop(seed=1, alpha=0.5)
    src, dst, _, _ = _edges(other)
    iu, iv, p, y, _ = _pair_law(_pop(seed=1))
    ident = other.identities(np.arange(other.n))
    ys = np.array([min(tree_height(ident[u, h], ident[v, h], 2) for h in range(2)) for u, v in zip(src, dst)])
    assert _chi2(np.bincount(ys, minlength=6).astype(float), np.bincount(y, weights=p, minlength=6)) < 1e-4


def _stored_vs_quenched(alpha):
    from simulate.generators import hierarchical_identity
    from simulate.kernels.generators.hierarchical import social_distance

    kw = dict(branching=2, depth=7, group_size=100, dimensions=2, alpha=alpha, mean_degree=10.0)  # N = 12,800
    g = hierarchical_identity(seed=3, **kw)
    ident = np.column_stack([g.node_attrs[f"identity_{h}"].to_numpy() for h in range(2)])
    deg = np.diff(g.indptr)
    src = np.repeat(np.arange(g.n), deg)
    pick = np.random.default_rng(0).choice(src.size, 40_000, replace=False)
    y = np.array([social_distance(ident[u], ident[v], 2) for u, v in zip(src[pick], g.indices[pick])])
    pop = implicit_population("hierarchical_identity", mode="quenched", seed=4, **kw)
    people = np.random.default_rng(1).choice(pop.n, 4000, replace=False)
    ptr, out = pop.contacts_many(people)
    deg_q = np.diff(ptr)
    pid = pop.identities(people)
    cid = pop.identities(out)
    owner = np.repeat(np.arange(people.size), deg_q)
    y_q = np.array([social_distance(pid[o], c, 2) for o, c in zip(owner, cid)])
    return deg, deg_q, y, y_q


def _tv(a, b, kmax):
    pa = np.bincount(np.minimum(a, kmax), minlength=kmax + 1) / a.size
    pb = np.bincount(np.minimum(b, kmax), minlength=kmax + 1) / b.size
    return 0.5 * np.abs(pa - pb).sum()


def test_quenched_law_matches_the_stored_generator():
    """N = 12,800, z = 10 << g = 100: degree and link social-distance distributions agree with
    the stored hierarchical_identity (total variation: sampling noise of 4,000 degrees is about
    0.03, of ~40,000 link distances about 0.01); the stored groups of dimension 1 are multinomial,
    ours equal, and its mean degree is exactly z where ours is sum_v (1 - exp(-lambda_uv))."""
    deg, deg_q, y, y_q = _stored_vs_quenched(1.0)
    assert abs(deg.mean() - deg_q.mean()) < 0.03 * deg.mean()
    assert _tv(deg, deg_q, 40) < 0.05
    assert _tv(y, y_q, 9) < 0.03
    _, _, _, y0 = _stored_vs_quenched(0.0)
    assert _tv(y, y0, 9) > 0.2


# ------------------------------------------------------------------ routing against the stored twin
def _ci_agree(a, b, col):
    sa, sb = a.table[col].to_numpy().astype(float), b.table[col].to_numpy().astype(float)
    se = math.sqrt(sa.var() / sa.size + sb.var() / sb.size)
    return abs(sa.mean() - sb.mean()) < 4 * se + 1e-12, (sa.mean(), sb.mean(), se)


@pytest.mark.parametrize("options", [
    dict(policy="greedy_hierarchy"),
    dict(policy="greedy_hierarchy", epsilon=0.2),
    dict(policy="greedy_hierarchy", backtrack=True),
    dict(policy="random_walk", max_steps=60),
])
def test_quenched_routing_matches_the_stored_twin(options):
    """Same pairs (same seed), different graphs of (nearly) the same law: completion and steps
    within 4 standard errors."""
    from simulate.generators import hierarchical_identity

    kw = dict(branching=2, depth=7, group_size=100, dimensions=2, alpha=1.0, mean_degree=10.0)
    opts = dict(options)
    policy = opts.pop("policy")
    a = run_chains(hierarchical_identity(seed=3, **kw), policy, n_chains=3000, n_targets=30, seed=1,
                   compute_distances=False, max_steps=opts.pop("max_steps", 1000), **opts)
    b = run_chains(implicit_population("hierarchical_identity", mode="quenched", seed=4, **kw), policy,
                   n_chains=3000, n_targets=30, seed=1, max_steps=a.params["max_steps"], **opts)
    reached_a = (a.table["status"] == "reached").to_numpy().astype(float)
    reached_b = (b.table["status"] == "reached").to_numpy().astype(float)
    se = math.sqrt(reached_a.var() / reached_a.size + reached_b.var() / reached_b.size)
    assert abs(reached_a.mean() - reached_b.mean()) < 4 * se + 0.01, (reached_a.mean(), reached_b.mean())
    ok, info = _ci_agree(a, b, "steps")
    assert ok, info
    if opts.get("backtrack"):
        assert b.table["backtracks"].sum() > 0


@pytest.mark.parametrize("mode", ["quenched", "annealed"])
@pytest.mark.parametrize("option", ["node_attrition", "epsilon"])
def test_wdn_options_in_both_modes_match_the_stored_twin(mode, option):
    """Per-person attrition (BetaAttrition, keyed per person) and epsilon-greedy on the WDN
    population in both modes against the stored twin (N = 12,800, z = 10). Quenched: within 4
    standard errors; annealed exploration is not a fixed graph (revisits), so within the
    tolerance of the plain annealed comparison (completion 0.05, mean length 10%)."""
    from simulate.chains import Attrition, BetaAttrition
    from simulate.generators import hierarchical_identity

    kw = dict(branching=2, depth=7, group_size=100, dimensions=2, alpha=1.0, mean_degree=10.0)
    opts = ({"attrition": Attrition(per_node=BetaAttrition(0.15, 5.0, seed=2))} if option == "node_attrition"
            else {"epsilon": 0.25})
    a = run_chains(hierarchical_identity(seed=3, **kw), "greedy_hierarchy", n_chains=3000, n_targets=30, seed=1,
                   compute_distances=False, **opts)
    b = run_chains(implicit_population("hierarchical_identity", mode=mode, seed=4, **kw), "greedy_hierarchy",
                   n_chains=3000, n_targets=30, seed=1, **opts)
    ra = (a.table["status"] == "reached").to_numpy().astype(float)
    rb = (b.table["status"] == "reached").to_numpy().astype(float)
    se = math.sqrt(ra.var() / ra.size + rb.var() / rb.size)
    done_a = a.table.filter(a.table["status"] == "reached")["steps"].to_numpy().astype(float)
    done_b = b.table.filter(b.table["status"] == "reached")["steps"].to_numpy().astype(float)
    se_s = math.sqrt(done_a.var() / done_a.size + done_b.var() / done_b.size)
    if mode == "quenched":
        assert abs(ra.mean() - rb.mean()) < 4 * se, (ra.mean(), rb.mean(), se)
        assert abs(done_a.mean() - done_b.mean()) < 4 * se_s, (done_a.mean(), done_b.mean(), se_s)
    else:
        assert abs(ra.mean() - rb.mean()) < 0.05, (ra.mean(), rb.mean())
        assert abs(done_a.mean() - done_b.mean()) < 0.1 * done_a.mean(), (done_a.mean(), done_b.mean())
    if option == "node_attrition":
        assert (b.table["status"] == "dropped").any() and b.summary(n_boot=20)["correction"].startswith("survival")
    else:
        plain = run_chains(implicit_population("hierarchical_identity", mode=mode, seed=4, **kw), "greedy_hierarchy",
                           n_chains=3000, n_targets=30, seed=1)
        assert b.table["steps"].mean() > plain.table["steps"].mean()  # random forwards lengthen chains
