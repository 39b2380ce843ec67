"""Facebook's "four degrees of separation": distances, reach and countries.

Four parts, each a config run through the sweep machinery:

(a) ``configs/facebook.toml``: the real ego-Facebook graph (SNAP, 4,039 people). Its exact
    distance distribution (one BFS per node) and HyperBall's estimate (m = 64 registers,
    32 runs, jackknife over runs, as Backstrom et al. did with HyperANF) side by side: the
    exact mean must fall inside HyperBall's interval, which checks the method used on
    Facebook itself.
(b) ``configs/facebook_synthetic.toml`` (+ ``_graph``, ``_scaling``): a Facebook-like
    synthetic graph (Chung-Lu power law, mean degree ~190, median ~99, cap 5,000, 20
    "countries" holding 84% of edges) of 10,000,000 people (975M edges; quick: 30,000);
    distance distribution by HyperBall with jackknife error bars; average distance, % within
    5 and 6 hops, spid, effective diameter and giant-component share next to the published
    4.74 / 92% / 99.6% / 0.08 / 99.91%; and the mean distance against n, so the gap between
    a 10^7 model and Facebook's 7.2 * 10^8 users is visible.
(c) ``configs/facebook_reach.toml``: exact BFS from sampled people of the synthetic graph:
    mean distance to people of the same country vs of other countries.
(d) ``configs/facebook_ego_reach.toml`` and (c)'s profiles: per-person ball sizes at 2 and 3
    hops against degree, unique friends-of-friends vs the naive degree^2 and Ugander et al.'s
    ~27,500 at degree 100.

Intervals: HyperBall quantities use the leave-one-run-out jackknife standard error
(95% = +-1.96 se); sampled-BFS quantities the delete-one-group jackknife over sources
(32 groups); ego-Facebook exact values have none.
"""

from __future__ import annotations

import json
import math

import numpy as np
import polars as pl

from simulate.distances import histogram_fraction_within, histogram_mean

from . import declare_study
from .distance_studies import (Z95, dataset_present, jackknife_interval, percent,
                               profile_matrices, scale_interval)
from .report import Report

TITLE = "Four degrees of separation: Facebook's distance distribution, reach and countries"
CITATION = ("L. Backstrom, P. Boldi, M. Rosa, J. Ugander, S. Vigna, \"Four Degrees of Separation\", "
            "WebSci 2012, doi:10.1145/2380718.2380723 (arXiv:1111.4570); J. Ugander, B. Karrer, "
            "L. Backstrom, C. Marlow, \"The Anatomy of the Facebook Social Graph\", arXiv:1111.4503 "
            "(2011); S. Edunov et al., \"Three and a half degrees of separation\", Facebook Research (2016)")

#: Facebook users in May 2011 (Backstrom et al.), for the size extrapolation.
FACEBOOK_2011_USERS = 721e6


# ---------------------------------------------------------------------------- helpers
def binned_medians(x, y, bins_per_decade=5, min_count=5):
    """Median of ``y`` in logarithmic bins of ``x`` (x > 0): (bin centres, medians, counts)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = x > 0
    x, y = x[ok], y[ok]
    if x.size == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0, dtype=int)
    lo, hi = math.floor(math.log10(x.min()) * bins_per_decade), math.ceil(math.log10(x.max()) * bins_per_decade) + 1
    edges = 10.0 ** (np.arange(lo, hi + 1) / bins_per_decade)
    which = np.digitize(x, edges) - 1
    cx, cy, cn = [], [], []
    for b in range(edges.size - 1):
        sel = which == b
        if sel.sum() >= min_count:
            cx.append(math.sqrt(edges[b] * edges[b + 1]))
            cy.append(float(np.median(y[sel])))
            cn.append(int(sel.sum()))
    return np.asarray(cx), np.asarray(cy), np.asarray(cn, dtype=int)


def _hb_ci(row, key):
    se = row.get(f"stderr_{key}")
    v = row.get(key)
    if se is None or v is None or not np.isfinite(se):
        return None
    return (v - Z95 * se, v + Z95 * se)


def _histogram(row):
    h = json.loads(row["histogram"])
    out = np.zeros(int(max(d for d, _ in h)) + 1 if h else 1)
    for d, c in h:
        out[int(d)] = c
    return out


# ---------------------------------------------------------------------------- the reproduction
def reproduce(ctx) -> Report:
    report = Report("facebook", TITLE, CITATION)
    ego = None
    if dataset_present(ctx, "ego-facebook"):
        ego = _ego_facebook(ctx, report)
    synth = _synthetic(ctx, report)
    _figures(ctx, report, ego, synth)
    report.notes += [
        "Distances are hops over ordered pairs of distinct people at finite distance (pairs at "
        "distance 0 are not counted, unlike WebGraph's neighbourhood function); degrees of "
        "separation = distance - 1. Effective diameter = linearly interpolated 90th percentile; "
        "spid = variance / mean of the distance.",
        "Intervals: HyperBall rows +-1.96 leave-one-run-out jackknife standard errors (the way "
        "WebGraph combines HyperANF runs); sampled-BFS rows a delete-one-group jackknife over the "
        "sampled sources (32 groups); exact rows have none.",
        "The synthetic graph is a Chung-Lu power law with equal random 'countries' (20; 10 in quick "
        "runs, so that a country is not nearly a clique): it matches "
        "Facebook's mean/median degree, degree cap and 84% within-country edges, but not its "
        "clustering (Chung-Lu clustering is ~k^2/n, near 0 at this size, vs Facebook's median local "
        "clustering 0.14), its low-degree users (the Pareto law has a minimum degree of a few dozen) "
        "nor its degree assortativity (0.226). Both missing ingredients lengthen real paths.",
        "Size: 10,000,000 people (quick: 30,000), ~975M edges = 1.95B arcs, 7.8 GB of int32 CSR "
        "indices. The generator never holds an edge list: pass 1 counts degrees, pass 2 regenerates "
        "the identical edges from the same per-block random streams and writes both arcs in place "
        "(simulate.generators.power_law.chung_lu_csr); measured on 2 cores: ~170 s, 9.9 GB peak "
        "RSS. HyperBall uses m = 32 registers (2 x 10M x 32 bytes) and 4 runs; the reach rows use "
        "128 BFS sources (one BFS scans up to 1.95B arcs). The graph is connected (1 component), "
        "so the distance and reach frames are the whole graph.",
        "Why our average distance is below 4.74: distance grows like log n / log(mean degree) (slower "
        "still for heavy tails), and our graph is 72x smaller than Facebook 2011; the 'scaling' "
        "rows fit mean distance = a + b ln n over n = 10^4..2x10^5 and extrapolate to 721M, which is "
        "a model assumption, not a measurement.",
    ]
    return report


def _ego_facebook(ctx, report):
    cells, man = ctx.sweep("facebook", subdir="data/ego")
    rows = {r["method"]: r for r in man.to_dicts()}
    ex, hb = rows["exact"], rows["hyperball"]
    h_ex = _histogram(ex)
    from simulate.config import load_config

    cfg = load_config(ctx.config_path("facebook"), quick=ctx.quick)
    runs, m = cfg.experiment.get("runs"), cfg.experiment.get("registers")
    hbn = f"HyperBall m = {m}, {runs} runs, 95% jackknife CI"
    report.add("ego-Facebook: average distance, exact (hops)", "", "", ex["mean"],
               note=f"all {ex['frame_nodes']:,} x {ex['frame_nodes'] - 1:,} ordered pairs, BFS from every node")
    report.add("ego-Facebook: average distance, HyperBall (hops)", "", "", hb["mean"], ci=_hb_ci(hb, "mean"),
               note=f"{hbn}; exact {ex['mean']:.4f}, error {hb['mean'] - ex['mean']:+.4f} "
                    f"= {(hb['mean'] - ex['mean']) / hb['stderr_mean']:+.2f} se")
    report.add("ego-Facebook: effective diameter, exact / HyperBall", "", "", hb["effective_diameter"],
               ci=_hb_ci(hb, "effective_diameter"), note=f"{hbn}; exact {ex['effective_diameter']:.4f}")
    report.add("ego-Facebook: spid, exact / HyperBall", "", "", hb["spid"], ci=_hb_ci(hb, "spid"),
               note=f"{hbn}; exact {ex['spid']:.4f} (< 1: 'social')")
    report.add("ego-Facebook: % of pairs within 5 hops (exact)", "", "", percent(histogram_fraction_within(h_ex, 5)),
               note="exact; a 4,039-person friend-list sample, diameter "
                    f"{ex['diameter_lower_bound']}")

    cells_r, man_r = ctx.sweep("facebook_ego_reach", subdir="data/ego_reach")
    counts, same, weight, degree = profile_matrices(cells_r)
    fof = counts[:, 2]
    ball2 = 1 + counts[:, 1] + counts[:, 2]
    ball3 = ball2 + (counts[:, 3] if counts.shape[1] > 3 else 0)
    report.add("ego-Facebook: median unique friends-of-friends / degree^2", "", "",
               float(np.median(fof[degree > 1] / degree[degree > 1] ** 2)),
               note=f"exact BFS from {counts.shape[0]:,} people; friends-of-friends = people at distance exactly 2")
    return {"exact_pmf": h_ex / h_ex.sum(), "hb_cells": cells.filter(pl.col("method") == "hyperball"),
            "exact": ex, "hb": hb, "degree": degree, "ball2": ball2, "ball3": ball3, "fof": fof}


def _synthetic(ctx, report):
    from simulate.config import load_config

    cfg = load_config(ctx.config_path("facebook_synthetic"), quick=ctx.quick)
    n = cfg.graph["n"]
    # Graph statistics: giant component, degrees, clustering.
    _, man_g = ctx.sweep("facebook_synthetic_graph", subdir="data/synthetic_graph")
    gs = man_g.to_dicts()[0]
    giant = gs["largest_component_nodes"] / gs["nodes"]
    report.add("giant component (% of people)", "99.91%", "P", percent(giant),
               note=f"synthetic Facebook-like graph, {gs['nodes']:,} people, {gs['edges']:,} edges "
                    f"(Ugander et al. 2011)")
    report.add("mean degree", "~190", "S", gs["degree_mean"], note="realised, synthetic (Ugander et al. 2011)")
    report.add("median degree", "99", "S", gs["degree_median"], note="realised, synthetic (cap 5,000)")
    clus = gs.get("average_clustering")
    report.add("mean local clustering", "median 0.14", "S", float("nan") if clus is None else clus,
               note="not computed: 2 x sum of degree^2 exceeds the 4e9 merge steps graph_statistics "
                    "allows (Chung-Lu clustering is ~ <k^2>^2 / (n <k>^3), near 0)" if clus is None else
               "Chung-Lu has almost none (mean local clustering; Facebook's 0.14 is a median)")

    # Distance distribution by HyperBall.
    cells_h, man_h = ctx.sweep("facebook_synthetic", subdir="data/synthetic")
    hb = man_h.to_dicts()[0]
    runs, m = cfg.experiment["runs"], cfg.experiment["registers"]
    how = f"HyperBall m = {m}, {runs} runs (jackknife), synthetic n = {n:,}"
    report.add("average distance (hops), Facebook 2011", "4.74", "P", hb["mean"], ci=_hb_ci(hb, "mean"), note=how)
    report.add("average distance (hops), Facebook 2016", "4.57", "P", hb["mean"], ci=_hb_ci(hb, "mean"),
               note="same estimate (Edunov et al. 2016 measured 1.59B users)")
    report.add("spid (variance / mean)", "0.08", "S", hb["spid"], ci=_hb_ci(hb, "spid"), note=how)
    report.add("effective diameter (90th percentile, hops)", "", "", hb["effective_diameter"],
               ci=_hb_ci(hb, "effective_diameter"), note=how)

    # Sampled exact BFS: within-k, countries, reach.
    cells_p, man_p = ctx.sweep("facebook_reach", subdir="data/synthetic_reach")
    counts, same, weight, degree = profile_matrices(cells_p)
    S = counts.shape[0]
    other = counts - same
    h_hb = _histogram(hb)
    bfs = f"exact BFS from {S:,} random people of the synthetic graph"
    for k, pub in ((5, "92%"), (6, "99.6%")):
        v, ci = jackknife_interval(lambda h: histogram_fraction_within(h, k), [counts])
        report.add(f"% of pairs within {k} hops", pub, "S", percent(v), ci=scale_interval(ci, percent),
                   note=f"{bfs}; HyperBall: {percent(histogram_fraction_within(h_hb, k)):.2f}%")
    v, ci = jackknife_interval(lambda c, s: s[1] / c[1], [counts, same])
    report.add("% of friendships inside one country", "84%", "S", percent(v), ci=scale_interval(ci, percent),
               note=f"{bfs} (model parameter within = {cfg.graph['within']})")
    v, ci = jackknife_interval(histogram_mean, [same])
    report.add("average distance to people of the same country (hops)", "~4", "S", v, ci=ci,
               note=f"{bfs}; {cfg.graph['communities']} equal countries")
    v2, ci2 = jackknife_interval(histogram_mean, [other])
    report.add("average distance to people of other countries (hops)", "", "", v2, ci=ci2, note=bfs)
    d, ci = jackknife_interval(lambda s, o: histogram_mean(o) - histogram_mean(s), [same, other])
    report.add("other-country minus same-country distance (hops)", "", "", d, ci=ci,
               note="positive: countries are 'closer inside'" + (f"; {bfs}"))

    # Reach: unique friends-of-friends near degree 100.
    fof = counts[:, 2]
    near = (degree >= 80) & (degree <= 125)
    if near.sum() >= 3:
        med = float(np.median(fof[near]))
        boot = _bootstrap_median(fof[near], seed=int(cfg.seed))
        report.add("unique friends-of-friends at degree ~100", "~27,500", "S", med, ci=boot,
                   note=f"median over {int(near.sum())} sampled people with degree 80-125 (bootstrap CI); "
                        f"naive degree^2 = 10,000; mean degree^2 of them "
                        f"{float(np.mean(degree[near] ** 2)):,.0f}")
    ball2 = 1 + counts[:, 1] + counts[:, 2]
    ball3 = ball2 + (counts[:, 3] if counts.shape[1] > 3 else 0)
    report.add("median people within 3 hops (% of the graph)", "", "", percent(float(np.median(ball3)) / n),
               note=f"{bfs}: at this size 3 hops reach most of the graph")

    # Scaling with n and extrapolation to Facebook's size.
    _, man_s = ctx.sweep("facebook_scaling", subdir="data/scaling")
    sc = man_s.select("n", "mean", "stderr_mean").sort("n")
    x = np.log(sc["n"].to_numpy().astype(float))
    y = sc["mean"].to_numpy()
    fit = None
    if x.size >= 3:
        A = np.vstack([np.ones_like(x), x]).T
        coef, res, *_ = np.linalg.lstsq(A, y, rcond=None)
        dof = x.size - 2
        s2 = float(np.sum((y - A @ coef) ** 2) / dof)
        cov = s2 * np.linalg.inv(A.T @ A)
        x0 = np.array([1.0, math.log(FACEBOOK_2011_USERS)])
        pred = float(x0 @ coef)
        from scipy import stats

        half = float(stats.t.ppf(0.975, dof) * math.sqrt(max(x0 @ cov @ x0, 0.0)))
        fit = (coef, pred)
        report.add("average distance extrapolated to 721M people (hops)", "4.74", "P", pred,
                   ci=(pred - half, pred + half),
                   note=f"fit a + b ln n over n = {int(sc['n'].min()):,}..{int(sc['n'].max()):,} "
                        f"(b = {coef[1]:.3f} hops per e-fold; HyperBall, 4 runs each); an extrapolation "
                        "over 3+ decades, not a measurement. Check on the main run: the fit gives "
                        f"{float(coef[0] + coef[1] * math.log(n)):.3f} at n = {n:,}, HyperBall measured "
                        f"{hb['mean']:.3f} +- {Z95 * hb['stderr_mean']:.3f}")
    return {"hb": hb, "hb_cells": cells_h, "counts": counts, "degree": degree, "ball2": ball2,
            "ball3": ball3, "fof": fof, "n": n, "scaling": sc, "fit": fit, "same": same, "other": other}


def _bootstrap_median(x, seed, reps=2000):
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, x.size, size=(reps, x.size))
    meds = np.median(x[idx], axis=1)
    return float(np.quantile(meds, 0.025)), float(np.quantile(meds, 0.975))


# ---------------------------------------------------------------------------- figures
def _figures(ctx, report, ego, synth):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Distance distribution (pmf), in the style of Backstrom et al.'s Fig. (bars per distance),
    # with the published cumulative summary.
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    width = 0.27
    series = []
    if ego is not None:
        p = ego["exact_pmf"]
        series.append(("ego-Facebook, exact", np.arange(p.size), p, "#4c72b0"))
        hb = ego["hb_cells"].sort("distance")
        series.append(("ego-Facebook, HyperBall", hb["distance"].to_numpy(), hb["pmf"].to_numpy(), "#8fb0e0"))
    sh = synth["hb_cells"].sort("distance")
    series.append((f"synthetic n = {synth['n']:,}, HyperBall", sh["distance"].to_numpy(), sh["pmf"].to_numpy(),
                   "#dd8452"))
    for i, (label, d, p, c) in enumerate(series):
        ax.bar(np.asarray(d) + (i - (len(series) - 1) / 2) * width, p, width=width, color=c, label=label)
    ax.axvline(4.74, color="k", ls="--", lw=1)
    ax.text(4.8, ax.get_ylim()[1] * 0.9, "Facebook 2011\nmean 4.74", fontsize=8)
    ax.set_xlabel("distance (hops)")
    ax.set_ylabel("fraction of reachable pairs")
    ax.set_title("Distance distribution")
    ax.legend(fontsize=8)
    for label, d, p, c in series:
        d = np.asarray(d)
        order = np.argsort(d)
        ax2.plot(d[order], np.cumsum(np.asarray(p)[order]), marker="o", ms=3, color=c, label=label)
    ax2.plot([5, 6], [0.92, 0.996], "k*", ms=11, label="Facebook 2011 (published: 92%, 99.6%)")
    ax2.set_xlabel("distance d (hops)")
    ax2.set_ylabel("fraction of pairs within d")
    ax2.set_ylim(0, 1.02)
    ax2.set_title("Cumulative")
    ax2.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    ctx.save_figure(fig, "distance_pmf")

    # Reach against degree, log-log binned medians.
    fig, ax = plt.subplots(figsize=(6.2, 4.6))
    sets = [("synthetic", synth, "o", "#dd8452")]
    if ego is not None:
        sets.insert(0, ("ego-Facebook", ego, "s", "#4c72b0"))
    for name, s, mk, c in sets:
        for key, ls, lab in (("fof", "-", "friends-of-friends (distance 2)"), ("ball3", ":", "within 3 hops")):
            cx, cy, _ = binned_medians(s["degree"], s[key], bins_per_decade=5, min_count=3)
            if cx.size:
                ax.plot(cx, cy, ls=ls, marker=mk, color=c, ms=4, label=f"{name}: {lab}")
    allx = np.concatenate([s["degree"] for _, s, _, _ in sets])
    xs = np.logspace(0, math.log10(max(allx.max(), 200)), 50)
    ax.plot(xs, xs ** 2, color="gray", lw=1, label="naive degree^2")
    ax.plot([100], [27500], "k*", ms=12, label="Ugander et al.: ~27,500 at degree 100")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("degree")
    ax.set_ylabel("people (median in degree bin)")
    ax.set_title("Reach at 2 and 3 hops")
    ax.legend(fontsize=7)
    fig.tight_layout()
    ctx.save_figure(fig, "reach")

    # Mean distance against n.
    sc = synth["scaling"]
    fig, ax = plt.subplots(figsize=(5.6, 4))
    ax.errorbar(sc["n"].to_numpy(), sc["mean"].to_numpy(), yerr=Z95 * sc["stderr_mean"].to_numpy(),
                fmt="o", color="#dd8452", label="synthetic (HyperBall)")
    if synth["fit"] is not None:
        coef, pred = synth["fit"]
        xs = np.logspace(math.log10(sc["n"].min()), math.log10(FACEBOOK_2011_USERS), 50)
        ax.plot(xs, coef[0] + coef[1] * np.log(xs), "--", color="#dd8452", lw=1, label="fit a + b ln n")
    hb = synth["hb"]
    ax.errorbar([synth["n"]], [hb["mean"]], yerr=[Z95 * hb["stderr_mean"]], fmt="s", color="#c44e52",
                label=f"synthetic n = {synth['n']:,} (main run; not in the fit)")
    ax.plot([FACEBOOK_2011_USERS], [4.74], "k*", ms=12, label="Facebook 2011: 4.74")
    ax.set_xscale("log")
    ax.set_xlabel("people n")
    ax.set_ylabel("average distance (hops)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    ctx.save_figure(fig, "distance_vs_size")


declare_study("facebook", title=TITLE, citation=CITATION, run=reproduce)
