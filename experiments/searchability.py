"""Watts, Dodds & Newman (2002): which identity networks are searchable?

Model (``configs/searchability.toml``): hierarchical_identity networks (binary hierarchies,
groups of g = 100, z = 99 acquaintances) over a grid of homophily ``alpha`` and number of
social dimensions ``H``; greedy forwarding to the acquaintance closest to the target in
social distance ``y = min_h x_h``. With attrition ``p`` per step a message of ``L`` hops
arrives with probability ``(1 - p)^L``; WDN call a network *searchable* when the success
probability ``q = <(1 - p)^L>`` (over random pairs, failed searches counting 0) is at least
``r``; we use their p = 0.25 and r = 0.05.

``q`` is computed per chain from the attrition-free runs (attrition 0 cells), which is
exact and has less variance than simulating the drops: with the same seed a chain with
attrition is the attrition-free chain cut short at its first drop. The attrition 0.25 cells
simulate the drops directly as a check. Chains longer than ``max_steps`` count as failures
(their weight ``(1 - p)^L`` would be below 1e-10 anyway).
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from . import declare_study
from .report import Report

TITLE = "Searchability of identity networks (Watts, Dodds & Newman 2002)"
CITATION = ("D. J. Watts, P. S. Dodds, M. E. J. Newman, \"Identity and Search in Social Networks\", "
            "Science 296, 1302-1305 (2002), doi:10.1126/science.1070120")

#: WDN's attrition per step and searchability threshold.
P_ATTRITION = 0.25
R_THRESHOLD = 0.05


def success_table(chains: pl.DataFrame, p=P_ATTRITION) -> pl.DataFrame:
    """Per (alpha, dimensions): q = mean((1-p)^L 1{reached}) over the attrition-free chains with
    its standard error, the attrition-free completion and mean length, and the simulated
    completion of the attrition-``p`` chains with its standard error."""
    free = chains.filter(pl.col("attrition") == 0.0).with_columns(
        pl.when(pl.col("status") == "reached").then((1.0 - p) ** pl.col("steps").cast(pl.Float64))
        .otherwise(0.0).alias("w"))
    q = free.group_by(["alpha", "dimensions"]).agg(
        pl.col("w").mean().alias("q"), (pl.col("w").std() / pl.len().sqrt()).alias("q_se"),
        pl.len().alias("chains"),
        (pl.col("status") == "reached").mean().alias("reached_free"),
        pl.col("steps").filter(pl.col("status") == "reached").mean().alias("mean_steps_free"),
        pl.col("steps").filter(pl.col("status") == "reached").median().alias("median_steps_free"))
    sim = chains.filter(pl.col("attrition") == p).group_by(["alpha", "dimensions"]).agg(
        (pl.col("status") == "reached").mean().alias("q_simulated"), pl.len().alias("chains_simulated"))
    out = q.join(sim, on=["alpha", "dimensions"], how="left").with_columns(
        (pl.col("q_simulated") * (1 - pl.col("q_simulated")) / pl.col("chains_simulated")).sqrt()
        .alias("q_simulated_se"))
    return out.sort(["alpha", "dimensions"])


def reproduce(ctx) -> Report:
    chains, manifest = ctx.sweep()
    report = Report(ctx.name, TITLE, CITATION)
    tab = success_table(chains)
    tab = tab.with_columns((pl.col("q") >= R_THRESHOLD).alias("searchable"))
    alphas = sorted(tab["alpha"].unique().to_list())
    Hs = sorted(tab["dimensions"].unique().to_list())
    a1 = min(alphas, key=lambda a: abs(a - 1.0))
    row1 = tab.filter(pl.col("alpha") == a1).sort("dimensions")
    best = row1.row(int(np.argmax(row1["q"].to_numpy())), named=True)
    # Which H are statistically tied with the best (within 2 combined standard errors)?
    tied = [int(r["dimensions"]) for r in row1.iter_rows(named=True)
            if best["q"] - r["q"] <= 2 * math.hypot(best["q_se"], r["q_se"])]
    report.add(f"best number of dimensions H at alpha = {a1:g}", "2-3", "S", float(best["dimensions"]), None,
               note=f"argmax of q over H in {Hs}; H within 2 s.e. of the best: {tied}")
    report.add(f"success probability q at alpha = {a1:g}, best H = {best['dimensions']}", "", "", best["q"],
               (best["q"] - 1.96 * best["q_se"], best["q"] + 1.96 * best["q_se"]),
               note=f"q = <(1-p)^L>, p = {P_ATTRITION}; {best['chains']} chains; normal CI")
    for a_want, H_want in ((0.0, 2), (a1, 1), (a1, max(Hs))):
        a_near = min(alphas, key=lambda a: abs(a - a_want))
        r = tab.filter((pl.col("alpha") == a_near) & (pl.col("dimensions") == H_want))
        if r.height:
            r = r.row(0, named=True)
            report.add(f"q at alpha = {a_near:g}, H = {H_want}", "", "", r["q"],
                       (r["q"] - 1.96 * r["q_se"], r["q"] + 1.96 * r["q_se"]),
                       note="searchable" if r["searchable"] else f"not searchable (q < r = {R_THRESHOLD})")
    n_search = int(tab["searchable"].sum())
    report.add("searchable cells (q >= 0.05)", "alpha > 0, small H", "S", float(n_search), None,
               note=f"of {tab.height} (alpha, H) cells: " + _region_text(tab))
    dev = tab.filter(pl.col("q_simulated").is_not_null()).with_columns(
        ((pl.col("q_simulated") - pl.col("q")) / (pl.col("q_se") ** 2 + pl.col("q_simulated_se") ** 2).sqrt())
        .alias("z"))
    zs = dev["z"].drop_nans().drop_nulls().to_numpy()
    report.add("check: simulated vs exact q, RMS z-score", "", "", float(np.sqrt(np.mean(zs ** 2))) if zs.size else float("nan"),
               None, note=f"{zs.size} cells; drops simulated at p = {P_ATTRITION} vs q from attrition-free chains "
                          "(should be ~1)")

    nodes = int(manifest["graph_nodes"][0]) if "graph_nodes" in manifest.columns else None
    report.notes += [
        f"Networks: hierarchical_identity, N = {nodes:,} (groups of 100, branching 2), z = 99, one network "
        f"per (alpha, H) cell; alpha in {alphas}, H in {Hs}. WDN's figure uses N = 102,400 and their "
        "Milgram setting 10^8; we use a smaller N so that the whole grid runs in minutes on two cores. "
        "Search gets harder as N grows, so our searchable region is wider than theirs at the same r.",
        "Delivery needs the target itself as a neighbour (no 'reached the target's group' shortcut); "
        "a holder never forwards to someone already on the chain, ties are broken at random.",
        f"Searchable: q >= r = {R_THRESHOLD} with attrition p = {P_ATTRITION} per step "
        "(a chain of L hops survives with (1-p)^L); failed searches (max_steps, dead ends) count as q = 0.",
        "The published best H (2-3) is displayed beside ours; it was not used to choose anything.",
    ]
    _figure(ctx, tab, alphas, Hs, a1)
    return report


def _region_text(tab):
    """Searchable alphas per H, as runs of consecutive grid values ("0-0.75, 2.5")."""
    alphas = sorted(tab["alpha"].unique().to_list())
    parts = []
    for H in sorted(tab["dimensions"].unique().to_list()):
        ok = set(tab.filter((pl.col("dimensions") == H) & pl.col("searchable"))["alpha"].to_list())
        runs, cur = [], []
        for a in alphas:
            if a in ok:
                cur.append(a)
            elif cur:
                runs.append(cur)
                cur = []
        if cur:
            runs.append(cur)
        text = ", ".join(f"{r[0]:g}" if len(r) == 1 else f"{r[0]:g} to {r[-1]:g}" for r in runs)
        parts.append(f"H={H}: alpha " + (text or "none"))
    return "; ".join(parts)


def _figure(ctx, tab, alphas, Hs, a1):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    Q = np.full((len(Hs), len(alphas)), np.nan)
    for r in tab.iter_rows(named=True):
        Q[Hs.index(r["dimensions"]), alphas.index(r["alpha"])] = r["q"]
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11.5, 4.3))
    im = ax.imshow(Q, origin="lower", aspect="auto", cmap="viridis", vmin=0, vmax=np.nanmax(Q))
    ax.set_xticks(range(len(alphas)), [f"{a:g}" for a in alphas])
    ax.set_yticks(range(len(Hs)), [str(h) for h in Hs])
    if np.nanmin(Q) < R_THRESHOLD < np.nanmax(Q):
        cs = ax.contour(Q, levels=[R_THRESHOLD], colors="white", linewidths=1.5)
        ax.clabel(cs, fmt={R_THRESHOLD: f"q = r = {R_THRESHOLD}"}, fontsize=8)
    for i in range(len(Hs)):
        for j in range(len(alphas)):
            if np.isfinite(Q[i, j]):
                ax.text(j, i, f"{Q[i, j]:.2f}", ha="center", va="center", fontsize=6,
                        color="white" if Q[i, j] < 0.6 * np.nanmax(Q) else "black")
    ax.set_xlabel("homophily alpha")
    ax.set_ylabel("dimensions H")
    ax.set_title(f"Success probability q (attrition p = {P_ATTRITION})")
    fig.colorbar(im, ax=ax, label="q")
    for a, style in ((0.0, "s--"), (a1, "o-"), (max(alphas), "^:")):
        a_near = min(alphas, key=lambda x: abs(x - a))
        r = tab.filter(pl.col("alpha") == a_near).sort("dimensions")
        bx.errorbar(r["dimensions"], r["q"], yerr=1.96 * r["q_se"], fmt=style, capsize=3, label=f"alpha = {a_near:g}")
    bx.axhline(R_THRESHOLD, color="tab:red", ls=":", label=f"r = {R_THRESHOLD}")
    bx.axvspan(2, 3, color="grey", alpha=0.12, label="published best H (2-3)")
    bx.set_xscale("log")
    bx.set_xticks(Hs, [str(h) for h in Hs])
    bx.set_xlabel("dimensions H")
    bx.set_ylabel("q")
    bx.set_title("q vs H")
    bx.legend(fontsize=8)
    fig.tight_layout()
    ctx.save_figure(fig, "searchability")


declare_study("searchability", title=TITLE, citation=CITATION, run=reproduce)
