"""Chain experiments at the sizes the papers meant, on implicit populations (never stored).

Not (yet) a registered reproduction: ``python -m simulate.experiments.implicit_scale [--quick] [--out DIR]``
prints markdown tables and writes ``DIR/report.md`` plus Parquet tables.

1. Kleinberg (Nature 2000): the greedy-routing U-curve minimum r*(side) for sides 2^8 .. 2^20
   (annealed implicit lattice, open boundary, p = q = 1), each r* from a parabola through the
   expected delivery times (EDT) around the minimum of a grid of r; fitted forms
   r* = 2 - c / ln(side) (asymptote fixed at Kleinberg's 2), r* = a - c / ln(side) (free) and
   r* = 2 - c side^-beta, compared by residual sum of squares.
3. Watts-Dodds-Newman searchability at N = 102,400, 819,200 and 104,857,600 (b = 2, g = 100,
   z = 99, depth 10, 13, 20): q = <(1 - p)^L> over attrition-free greedy chains, p = 0.25,
   searchable when q >= 0.05, over alpha in {0, 0.5, 1, 2} and H in {1, 2, 3, 5, 10}.
2. Dodds, Muhamad, Watts (2003) at WDN's Milgram-scale setting (Watts, Dodds, Newman 2002:
   N = 10^8, b = 10, g = 100, z = 300, H = 2, alpha = 1), attrition 0.65 per step: completed-chain
   mean, attrition-corrected median, and the attrition-free truth on the same pairs.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import polars as pl

from simulate.chains import run_chains
from simulate.implicit import implicit_population


def kleinberg_edt(side, r, routes, seed=1):
    pop = implicit_population("kleinberg_lattice", side=side, r=r, mode="annealed", seed=seed)
    res = run_chains(pop, n_chains=routes, n_targets=max(1, routes // 100), seed=seed)
    s = res.table["steps"].to_numpy().astype(float)
    return s.mean(), s.std(ddof=1) / math.sqrt(s.size)


def r_star(rs, edt):
    """Minimum of a parabola fitted (least squares) to the 5 grid points around the lowest EDT."""
    i = int(np.argmin(edt))
    lo, hi = max(0, i - 2), min(len(rs), i + 3)
    c2, c1, _ = np.polyfit(rs[lo:hi], np.log(edt[lo:hi]), 2)
    return float(-c1 / (2 * c2)) if c2 > 0 else float(rs[i])


def fit_forms(sides, stars):
    from scipy.optimize import curve_fit

    L = np.log(np.asarray(sides, dtype=float))
    y = np.asarray(stars)
    out = {}
    c, _ = curve_fit(lambda L, c: 2 - c / L, L, y, p0=[3.0])
    out["r* = 2 - c/ln(side)"] = (c.tolist(), float(((2 - c[0] / L - y) ** 2).sum()))
    p, _ = curve_fit(lambda L, a, c: a - c / L, L, y, p0=[2.0, 3.0])
    out["r* = a - c/ln(side)"] = (p.tolist(), float(((p[0] - p[1] / L - y) ** 2).sum()))
    try:
        q, _ = curve_fit(lambda L, c, b: 2 - c * np.exp(-b * L), L, y, p0=[1.0, 0.1], maxfev=10000)
        out["r* = 2 - c side^-beta"] = (q.tolist(), float(((2 - q[0] * np.exp(-q[1] * L) - y) ** 2).sum()))
    except RuntimeError:
        pass
    return out


def exponents(table, min_side):
    """Local delivery-time exponent per r: slope of ln EDT against ln side over sides >= min_side,
    beside Kleinberg's lower-bound exponents (side = the lattice's n): (2 - r)/3 for r < 2,
    (r - 2)/(r - 1) for r > 2, polylog at r = 2 (REFERENCES.md, S)."""
    rows = []
    for r in sorted(set(table["r"].to_list())):
        x = table.filter((pl.col("r") == r) & (pl.col("side") >= min_side)).sort("side")
        if x.height < 2:
            continue
        slope = float(np.polyfit(np.log(x["side"].to_numpy()), np.log(x["edt"].to_numpy()), 1)[0])
        bound = (2 - r) / 3 if r < 2 else ((r - 2) / (r - 1) if r > 2 else 0.0)
        rows.append({"r": r, "exponent": slope, "lower_bound_exponent": bound})
    return pl.DataFrame(rows)


def kleinberg_scale(log2_sides, rs, routes):
    rows = []
    for ls in log2_sides:
        for r in rs:
            m, se = kleinberg_edt(2 ** ls, float(r), routes)
            rows.append({"side": 2 ** ls, "r": float(r), "edt": m, "edt_se": se, "routes": routes})
    table = pl.DataFrame(rows)
    stars = []
    for ls in log2_sides:
        t = table.filter(pl.col("side") == 2 ** ls).sort("r")
        stars.append(r_star(t["r"].to_numpy(), t["edt"].to_numpy()))
    return table, stars


def dodds_milgram_scale(chains, seed=1):
    pop = implicit_population("hierarchical_identity", branching=10, depth=6, group_size=100, mean_degree=300,
                              dimensions=2, alpha=1.0, seed=seed)
    lossy = run_chains(pop, "greedy_hierarchy", attrition=0.65, n_chains=chains, n_targets=100, seed=seed)
    free = run_chains(pop, "greedy_hierarchy", attrition=0.0, n_chains=chains, n_targets=100, seed=seed)
    return lossy, free


def searchability(depths, alphas, dims, chains, p=0.25, r=0.05, max_steps=100, seed=1):
    """WDN 2002 searchability on implicit populations (b = 2, g = 100, z = 99 as
    ``configs/searchability.toml``): q = <(1 - p)^L 1{reached}> over attrition-free greedy chains
    (chains still running after ``max_steps`` count as failures: (0.75)^100 < 1e-12); searchable
    when q >= r. Returns one row per (N, alpha, H)."""
    rows = []
    for depth in depths:
        for alpha in alphas:
            for H in dims:
                pop = implicit_population("hierarchical_identity", branching=2, depth=depth, group_size=100,
                                          mean_degree=99.0, dimensions=H, alpha=alpha, seed=seed)
                res = run_chains(pop, "greedy_hierarchy", n_chains=chains, n_targets=max(1, chains // 20),
                                 seed=seed, max_steps=max_steps)
                t = res.table
                w = np.where((t["status"] == "reached").to_numpy(), (1 - p) ** t["steps"].to_numpy(), 0.0)
                rows.append({"N": pop.n, "alpha": alpha, "H": H, "q": float(w.mean()),
                             "q_se": float(w.std(ddof=1) / math.sqrt(w.size)),
                             "searchable": bool(w.mean() >= r), "revisit_share": res.params["revisit_share"]})
    return pl.DataFrame(rows)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default="results/implicit_scale")
    ap.add_argument("--part", choices=["all", "kleinberg_dodds", "searchability"], default="all")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    if args.part in ("all", "searchability"):
        depths = [10] if args.quick else [10, 13, 20]
        tab = searchability(depths, [0.0, 0.5, 1.0, 2.0], [1, 2, 3, 5] if args.quick else [1, 2, 3, 5, 10],
                            300 if args.quick else 1000)
        tab.write_parquet(out / "searchability.parquet")
        text = ["# Searchability on implicit WDN populations (b = 2, g = 100, z = 99, p = 0.25, r = 0.05)", "",
                "| N | alpha | H | q | q SE | searchable | revisit share |", "|---|---|---|---|---|---|---|"]
        for x in tab.iter_rows(named=True):
            text.append(f"| {x['N']:,} | {x['alpha']:g} | {x['H']} | {x['q']:.4f} | {x['q_se']:.4f} | "
                        f"{'yes' if x['searchable'] else 'no'} | {x['revisit_share']:.3f} |")
        (out / "searchability.md").write_text("\n".join(text) + "\n")
        print("\n".join(text))
        if args.part == "searchability":
            return
    log2_sides = [8, 10, 12] if args.quick else [8, 10, 12, 14, 16, 18, 20]
    rs = np.round(np.arange(1.0, 2.31, 0.1), 2)
    routes = 2000 if args.quick else 20000
    table, stars = kleinberg_scale(log2_sides, rs, routes)
    table.write_parquet(out / "kleinberg_edt.parquet")
    lines = ["# Implicit populations at scale", "",
             f"Kleinberg: annealed implicit lattice, open boundary, p = q = 1, {routes:,} routes per (side, r).", "",
             "| side | r* | EDT(r=2) | EDT(r*) grid min |", "|---|---|---|---|"]
    for ls, s in zip(log2_sides, stars):
        t = table.filter(pl.col("side") == 2 ** ls)
        e2 = t.filter(pl.col("r") == 2.0)["edt"][0]
        lines.append(f"| 2^{ls} | {s:.3f} | {e2:.1f} | {t['edt'].min():.1f} |")
    fits = fit_forms([2 ** ls for ls in log2_sides], stars)
    lines += ["", "| fitted form | parameters | residual SS |", "|---|---|---|"]
    for k, (p, ss) in sorted(fits.items(), key=lambda kv: kv[1][1]):
        lines.append(f"| {k} | {', '.join(f'{x:.4g}' for x in p)} | {ss:.3g} |")
    ex = exponents(table, 2 ** log2_sides[max(0, len(log2_sides) - 4)])
    lines += ["", "Local exponent of EDT in side (slope of ln EDT on ln side over the 4 largest sides) and "
                  "Kleinberg's lower-bound exponent (r = 2: polylogarithmic, slope 2/ln(side) for ln^2):", "",
              "| r | exponent | lower bound |", "|---|---|---|"]
    for x in ex.iter_rows(named=True):
        lines.append(f"| {x['r']:g} | {x['exponent']:.3f} | {x['lower_bound_exponent']:.3f} |")
    chains = 10_000 if args.quick else 100_000
    lossy, free = dodds_milgram_scale(chains)
    sl, sf = lossy.summary(), free.summary()
    lines += ["", f"Dodds 2003 at WDN's Milgram-scale setting (N = 10^8, b = 10, g = 100, z = 300, H = 2, "
                  f"alpha = 1), greedy hierarchy, attrition 0.65, {chains:,} chains (annealed):", "",
              "| quantity | ours | published |", "|---|---|---|",
              f"| completion | {sl['completion_rate']:.4f} | |",
              f"| completed-chain mean steps | {sl['mean_steps_reached']:.2f} | ~4 (S) |",
              f"| corrected median [95% CI] | {sl['corrected_median']:g} {sl['corrected_median_ci']} | 5-7 (P) |",
              f"| attrition-free truth: mean, median | {sf['mean_steps_reached']:.2f}, "
              f"{sf['median_steps_reached']:g} | |",
              f"| revisit share (attrition-free) | {free.params['revisit_share']:.3f} | |",
              "", f"Total {time.time() - t0:.0f} s wall."]
    text = "\n".join(lines)
    (out / "report.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
