"""Watts & Strogatz (1998), Fig. 2: C(p)/C(0) and L(p)/L(0) of rewired ring lattices.

A ring of n = 1000 nodes, each joined to its k = 10 nearest neighbours, every edge rewired
with probability p (:func:`simulate.generators.watts_strogatz`); 20 realizations per p on a
log grid of p. For every realization both

* C(p), the mean local clustering coefficient (``kind = "graph"``,
  :func:`simulate.sweep.graph_statistics`), and
* L(p), the mean shortest-path length over ordered pairs of distinct nodes of the largest
  component, exact all-pairs BFS (``kind = "distances"``, method ``exact``)

are computed on the *same* graph: ``configs/watts_strogatz.toml`` sweeps
``experiment.kind`` over both, and cells that differ only in the experiment share the
graph seed (see :mod:`simulate.sweep`).

The "small-world window" is the range of p where L has already dropped (L/L(0) < 0.5)
while C has not (C/C(0) > 0.8): it starts at p_L, where the mean curve L(p)/L(0) crosses
0.5, and ends at p_C, where C(p)/C(0) crosses 0.8 (both interpolated linearly in log p);
95% intervals by resampling the realizations (paired: C and L of one graph stay together).
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from . import declare_study
from .report import Report, t_interval

TITLE = "Watts & Strogatz 1998, Fig. 2: clustering and path length of rewired ring lattices"
CITATION = ("D. J. Watts, S. H. Strogatz, \"Collective dynamics of 'small-world' networks\", "
            "Nature 393, 440-442 (1998), doi:10.1038/30918")

#: Thresholds defining the small-world window (L has halved, C kept 80%).
L_LEVEL = 0.5
C_LEVEL = 0.8

#: Bootstrap resamples for the window's intervals.
N_BOOT = 2000


# ---------------------------------------------------------------------------- closed forms
def ring_lattice_clustering(k: int) -> float:
    """Local clustering of every node of the ring lattice (each node joined to its k nearest).

    ``C(0) = 3 (k - 2) / (4 (k - 1))`` (exact for ``2 <= k < 2n/3``); Watts & Strogatz quote its
    large-k limit 3/4. A. Barrat, M. Weigt, Eur. Phys. J. B 13, 547 (2000),
    doi:10.1007/s100510050067.
    """
    return 3.0 * (k - 2) / (4.0 * (k - 1))


def ring_lattice_path_length(n: int, k: int) -> float:
    """Exact mean hop distance over ordered pairs of distinct nodes of the ring lattice.

    Nodes ``j`` positions apart on the ring are ``ceil(min(j, n - j) / (k/2))`` hops apart,
    so ``L(0) = sum_{j=1}^{n-1} ceil(min(j, n-j) / (k/2)) / (n - 1)``; about ``n / (2k)`` for
    ``n >> k`` (the value Watts & Strogatz quote).
    """
    j = np.arange(1, n, dtype=np.int64)
    h = k // 2
    return float(np.mean(-(-np.minimum(j, n - j) // h)))


def rewired_clustering_ratio(p):
    """``C(p)/C(0) ~ (1 - p)^3``: a triangle survives when none of its three edges was rewired
    (Barrat & Weigt 2000, doi:10.1007/s100510050067; exact for the ratio of mean triangle and
    triple counts, an approximation for the mean local clustering)."""
    return (1.0 - np.asarray(p, dtype=float)) ** 3


def random_graph_path_length(n: int, k: float) -> float:
    """Mean distance of a sparse random graph with mean degree k:
    ``(ln n - gamma) / ln k + 1/2`` (A. Fronczak, P. Fronczak, J. A. Holyst, Phys. Rev. E 70,
    056110 (2004), doi:10.1103/PhysRevE.70.056110); Watts & Strogatz use ``ln n / ln k``."""
    return (math.log(n) - np.euler_gamma) / math.log(k) + 0.5


# ---------------------------------------------------------------------------- analysis
def realizations(manifest: pl.DataFrame) -> pl.DataFrame:
    """One row per (p, replicate): ``C`` (mean local clustering), ``L`` (mean distance),
    ``giant`` (nodes in the largest component), ``nodes``; C and L of the same graph."""
    done = manifest.filter(pl.col("status") == "done")
    c = done.filter(pl.col("kind") == "graph").select(
        "p", "replicate", "graph_fingerprint", pl.col("average_clustering").alias("C"),
        pl.col("largest_component_nodes").alias("giant"), pl.col("graph_nodes").alias("nodes"))
    lt = done.filter(pl.col("kind") == "distances").select(
        "p", "replicate", pl.col("graph_fingerprint").alias("fp_L"), pl.col("mean").alias("L"))
    out = c.join(lt, on=["p", "replicate"], how="inner").sort(["p", "replicate"])
    mismatch = out.filter(pl.col("graph_fingerprint") != pl.col("fp_L"))
    if mismatch.height:
        raise RuntimeError(f"C and L cells of {mismatch.height} realization(s) ran on different graphs")
    return out.drop("fp_L")


def crossing(p, y, level) -> float:
    """First p (> 0, sorted) where ``y`` falls below ``level``, interpolated linearly in log p
    between the grid points around the crossing; NaN if it never falls below, or already
    lies below at the first positive p."""
    p = np.asarray(p, dtype=float)
    y = np.asarray(y, dtype=float)
    pos = p > 0
    p, y = p[pos], y[pos]
    below = np.flatnonzero(y < level)
    if below.size == 0 or below[0] == 0:
        return float("nan")
    i = below[0]
    lp0, lp1 = math.log(p[i - 1]), math.log(p[i])
    t = (y[i - 1] - level) / (y[i - 1] - y[i])
    return float(math.exp(lp0 + t * (lp1 - lp0)))


def interpolate_log(p, y, at) -> float:
    """``y`` interpolated linearly in log p at ``at`` (p > 0 points only)."""
    p = np.asarray(p, dtype=float)
    y = np.asarray(y, dtype=float)
    pos = p > 0
    if not np.isfinite(at) or at <= 0:
        return float("nan")
    return float(np.interp(math.log(at), np.log(p[pos]), y[pos]))


def curve(real: pl.DataFrame, c0: float, l0: float) -> pl.DataFrame:
    """Per p: mean and 95% t interval of C/C(0) and L/L(0) over realizations."""
    rows = []
    for p in sorted(set(real["p"].to_list())):
        sub = real.filter(pl.col("p") == p)
        cm, clo, chi = t_interval(sub["C"].to_numpy() / c0)
        lm, llo, lhi = t_interval(sub["L"].to_numpy() / l0)
        rows.append({"p": p, "realizations": sub.height, "C": float(sub["C"].mean()), "L": float(sub["L"].mean()),
                     "C_ratio": cm, "C_ratio_low": clo, "C_ratio_high": chi,
                     "L_ratio": lm, "L_ratio_low": llo, "L_ratio_high": lhi,
                     "giant_min": int(sub["giant"].min())})
    return pl.DataFrame(rows, schema_overrides={k: pl.Float64 for k in
                                                ("C_ratio_low", "C_ratio_high", "L_ratio_low", "L_ratio_high")})


def window(real: pl.DataFrame, c0: float, l0: float, n_boot=N_BOOT, seed=1998) -> dict:
    """p_L (L/L0 crosses 0.5), p_C (C/C0 crosses 0.8), C/C0 at p_L, and percentile bootstrap
    95% intervals (realizations resampled with replacement within each p, C and L paired)."""
    ps = sorted(set(real["p"].to_list()))
    groups = [real.filter(pl.col("p") == p) for p in ps]
    cs = [g["C"].to_numpy() / c0 for g in groups]
    ls = [g["L"].to_numpy() / l0 for g in groups]

    def stats(cm, lm):
        pl_ = crossing(ps, lm, L_LEVEL)
        pc = crossing(ps, cm, C_LEVEL)
        return pl_, pc, interpolate_log(ps, cm, pl_)

    point = stats([c.mean() for c in cs], [x.mean() for x in ls])
    rng = np.random.default_rng(seed)
    boot = np.empty((n_boot, 3))
    for b in range(n_boot):
        cm, lm = [], []
        for c, x in zip(cs, ls):
            idx = rng.integers(0, c.size, c.size)
            cm.append(c[idx].mean())
            lm.append(x[idx].mean())
        boot[b] = stats(cm, lm)
    out = {}
    for j, name in enumerate(("p_L", "p_C", "C_ratio_at_p_L")):
        col = boot[:, j][np.isfinite(boot[:, j])]
        lo, hi = (np.quantile(col, [0.025, 0.975]) if col.size >= 0.9 * n_boot else (None, None))
        out[name] = (point[j], None if lo is None else float(lo), None if hi is None else float(hi))
    return out


# ---------------------------------------------------------------------------- figure
def figure(cur: pl.DataFrame, n: int, k: int, reps: int):
    """Fig. 2 of the paper: C(p)/C(0) (open squares) and L(p)/L(0) (filled circles), log p."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = cur.filter(pl.col("p") > 0)
    p = d["p"].to_numpy()
    fig, ax = plt.subplots(figsize=(5.2, 3.9))
    for col, marker, face, label in (("C_ratio", "s", "none", "C(p) / C(0)"),
                                     ("L_ratio", "o", "black", "L(p) / L(0)")):
        y = d[col].to_numpy()
        lo = d[f"{col}_low"].fill_null(float("nan")).to_numpy()
        hi = d[f"{col}_high"].fill_null(float("nan")).to_numpy()
        err = np.vstack([np.nan_to_num(y - lo), np.nan_to_num(hi - y)])
        ax.errorbar(p, y, yerr=err, fmt=marker, mfc=face, mec="black", ecolor="0.5", color="black",
                    ms=6, capsize=2, lw=0.8, label=label)
    grid = np.logspace(math.log10(p.min()), 0, 200)
    ax.plot(grid, rewired_clustering_ratio(grid), color="0.6", lw=0.8, ls="--",
            label="(1 - p)$^3$ (Barrat & Weigt)")
    ax.set_xscale("log")
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("p")
    ax.set_title(f"Watts-Strogatz, n = {n}, k = {k}, {reps} realizations per p", fontsize=9)
    ax.legend(frameon=False, fontsize=8, loc="lower left")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------- reproduction
def _config(ctx):
    from simulate.config import load_config

    return load_config(ctx.config_path(), quick=ctx.quick)


def reproduce(ctx) -> Report:
    """Run ``configs/watts_strogatz.toml`` and compare with Fig. 2 and the closed forms."""
    from simulate.io.atomic import atomic_path

    cfg = _config(ctx)
    n, k = int(cfg.graph["n"]), int(cfg.graph["k"])
    _, manifest = ctx.sweep()
    real = realizations(manifest)
    lattice = real.filter(pl.col("p") == 0.0)
    if lattice.height == 0:
        raise RuntimeError("configs/watts_strogatz.toml must include p = 0 (the normalization)")
    c0, l0 = float(lattice["C"].mean()), float(lattice["L"].mean())
    cur = curve(real, c0, l0)
    with atomic_path(ctx.out_dir / "curve.parquet") as tmp:
        cur.write_parquet(tmp)
    reps = int(real.group_by("p").len()["len"].min())
    ctx.save_figure(figure(cur, n, k, reps), "fig2")

    rep = Report(ctx.name, TITLE, CITATION)
    c0_theory, l0_exact = ring_lattice_clustering(k), ring_lattice_path_length(n, k)
    rep.add("C(0), mean local clustering of the ring lattice", f"~3/4 (k >> 1); 3(k-2)/(4(k-1)) = {c0_theory:.4f}",
            "P", c0, note=f"n = {n}, k = {k}; exact (deterministic graph)")
    rep.add("L(0), mean distance of the ring lattice (hops)", f"~n/2k = {n / (2 * k):g}", "P", l0,
            note=f"exact all pairs; closed form sum_j ceil(min(j,n-j)/(k/2))/(n-1) = {l0_exact:.4f}")
    last = real.filter(pl.col("p") == max(real["p"]))
    cm, clo, chi = t_interval(last["C"].to_numpy() * n / k)
    rep.add(f"C(p={max(real['p']):g}) / (k/n) (random-graph limit)", "C ~ k/n, i.e. ~1", "P", cm, ci=(clo, chi),
            note=f"{last.height} realizations, t interval; C = {float(last['C'].mean()):.5f}")
    lm, llo, lhi = t_interval(last["L"].to_numpy())
    rep.add(f"L(p={max(real['p']):g}) (random-graph limit, hops)", f"~ln n/ln k = {math.log(n) / math.log(k):.2f}", "P",
            lm, ci=(llo, lhi), note=f"{last.height} realizations; Fronczak et al. 2004 random graph: "
                                    f"{random_graph_path_length(n, k):.2f}")
    w = window(real, c0, l0)
    pL, pC, cat = w["p_L"], w["p_C"], w["C_ratio_at_p_L"]
    milli = tuple(None if x is None else 1e3 * x for x in pL)
    rep.add("p where L(p)/L(0) falls below 0.5 (units of 1e-3)", "L drops long before C (Fig. 2)", "P",
            milli[0], ci=milli[1:], note="mean curve crossing, linear in log p; bootstrap over realizations")
    rep.add("C(p)/C(0) at that p (small-world window: > 0.8)", "C still near C(0) (Fig. 2)", "P", cat[0],
            ci=cat[1:], note=f"Barrat & Weigt (1-p)^3 = {float(rewired_clustering_ratio(pL[0])):.3f}")
    centi = tuple(None if x is None else 1e2 * x for x in pC)
    rep.add("p where C(p)/C(0) falls below 0.8, end of the window (units of 1e-2)",
            f"theory: 1 - 0.8^(1/3) = {100 * (1 - C_LEVEL ** (1 / 3)):.2f}e-2", "", centi[0], ci=centi[1:],
            note="theory from C(p)/C(0) ~ (1-p)^3 (Barrat & Weigt 2000, doi:10.1007/s100510050067)")
    if np.isfinite(pL[0]) and np.isfinite(pC[0]):
        rep.add("width of the small-world window p_C / p_L (decades)", "", "",
                math.log10(pC[0] / pL[0]), note="log10 of the ratio of the two crossings")

    rep.notes.append(f"{real.height} realizations on {real['p'].n_unique()} values of p (p = 0 is the "
                     f"deterministic ring lattice, the normalization); C and L of each realization come from "
                     f"the same graph (same fingerprint, checked).")
    rep.notes.append("C = mean over nodes of the local clustering coefficient (0 for degree < 2), as in the paper; "
                     "L = mean hop distance over ordered pairs of distinct nodes of the largest component, exact "
                     f"(the smallest largest component seen had {int(cur['giant_min'].min())} of {n} nodes).")
    rows = ", ".join(f"p={r['p']:g}: C/C0={r['C_ratio']:.3f}, L/L0={r['L_ratio']:.3f}"
                     for r in cur.filter(pl.col("p") > 0).iter_rows(named=True))
    rep.notes.append(f"Curve (means; intervals in curve.parquet): {rows}.")
    rep.notes.append("The paper prints no numbers for the crossings, only the curves of Fig. 2 (read from the "
                     "figure: L falls steeply while C is still close to C(0)). Values marked 'theory' are closed "
                     "forms, not published measurements.")
    return rep


declare_study("watts_strogatz", title=TITLE, citation=CITATION, run=reproduce)
