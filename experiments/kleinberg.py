"""Kleinberg (2000): greedy routing on a lattice with d^-r long-range links is fast only at r = 2.

Model (``configs/kleinberg.toml``, :func:`simulate.generators.kleinberg_lattice`): a
side x side open lattice, each node linked to its 4 lattice neighbours and holding one
long-range out-link to v with probability proportional to d(u, v)^-r (d the lattice
distance). Greedy routing (:func:`simulate.chains.run_chains`, policy ``greedy_lattice``):
the holder forwards to the contact closest to the target. The lattice distance to the
target falls by at least one each step, so every message arrives within d(s, t) steps.

Kleinberg's theorems are stated for an n x n lattice, i.e. **n = side** here (the graph has
N = side^2 nodes; in terms of N every exponent halves). Expected delivery time T:

* r = 2: T = O(log^2 n);
* 0 <= r < 2: T >= c n^((2-r)/3);
* r > 2: T >= c n^((r-2)/(r-1)).

We measure the mean delivery time T(r, side) over random (source, target) pairs on several
independent lattices per (side, r) and report

* the U-curve T(r) per size and its minimum r* (vertex of a parabola through ln T at the
  grid minimum and its two neighbours; 95% interval by resampling lattices), which should
  move towards 2 as the lattice grows;
* the growth exponent alpha(r) of T ~ side^alpha (least squares on ln T of every lattice
  against ln side; 95% t interval of the slope), beside Kleinberg's exponents;
* at r = 2 the polylog exponent beta of T ~ (ln side)^beta (theory: beta <= 2) and a linear
  fit T = a + b ln^2 side.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from . import declare_study
from .report import Report, t_interval

TITLE = "Kleinberg 2000: greedy routing in a lattice small world is fast only at r = 2"
CITATION = ("J. M. Kleinberg, \"Navigation in a small world\", Nature 406, 845 (2000), "
            "doi:10.1038/35022643; \"The small-world phenomenon: an algorithmic perspective\", "
            "STOC 2000, doi:10.1145/335305.335325")

#: Bootstrap resamples for the intervals of the U-curve minimum.
N_BOOT = 1000


# ---------------------------------------------------------------------------- theory
def theory_exponent(r: float) -> float:
    """Kleinberg's exponent of n (= lattice side) in the delivery time of greedy routing.

    ``(2 - r)/3`` for ``0 <= r < 2`` and ``(r - 2)/(r - 1)`` for ``r > 2`` (lower bounds,
    T >= c n^alpha); 0 at ``r = 2`` where T = O(log^2 n) (an upper bound).
    """
    r = float(r)
    if r < 2.0:
        return (2.0 - r) / 3.0
    if r > 2.0:
        return (r - 2.0) / (r - 1.0)
    return 0.0


def mathieu_exponent(r: float) -> float:
    """Mathieu's tighter exponent of n (= lattice side) in the expected delivery time, dimension 2.

    ``(2 - r)/(3 - r)`` for ``r < 2``, ``r - 2`` for ``2 <= r < 3``, ``1`` for ``r >= 3`` (0 at
    ``r = 2``, where the time is polylogarithmic). F. Mathieu, "Kleinberg's Grid Reloaded", OPODIS 2016,
    doi:10.4230/LIPIcs.OPODIS.2016.21 (arXiv:1612.05760), as the author's kleinberg-grid-simulator
    plots them ("Conjectured bounds", docs/tutorials/complexity.ipynb; status S: not read in the
    paper's text). Equal to the asymptotics of Carmi, Carter, Sun, ben-Avraham, PRL 102, 238702
    (2009), doi:10.1103/PhysRevLett.102.238702: x = (d - r)/(d + 1 - r), r - d, 1 with d = 2.
    Never below :func:`theory_exponent`.
    """
    r = float(r)
    if r < 2.0:
        return (2.0 - r) / (3.0 - r)
    return r - 2.0 if r < 3.0 else 1.0


def mean_lattice_distance(side: int) -> float:
    """Mean L1 distance between two distinct nodes drawn uniformly from a side x side open lattice.

    One coordinate: ``E|X - Y| = (side^2 - 1) / (3 side)`` for X, Y uniform on 0..side-1; two
    coordinates add; conditioning on distinct nodes divides by ``1 - 1/side^2``. Greedy
    routing needs at most d(s, t) steps, so this bounds the mean delivery time for every r
    (and is its limit as r -> infinity, when long-range links are all lattice neighbours).
    """
    s = float(side)
    n = s * s
    return 2.0 * (s * s - 1.0) / (3.0 * s) / (1.0 - 1.0 / n)


# ---------------------------------------------------------------------------- analysis
def per_lattice(manifest: pl.DataFrame) -> pl.DataFrame:
    """One row per (side, r, replicate) lattice: mean delivery time ``T`` (steps of delivered
    chains), ``completion`` (fraction delivered), ``chains``, ``nodes``."""
    done = manifest.filter(pl.col("status") == "done")
    return done.select(
        "side", "r", "replicate", pl.col("mean_steps_reached").alias("T"),
        pl.col("completion_rate").alias("completion"), pl.col("chains").cast(pl.Int64),
        pl.col("graph_nodes").alias("nodes"),
    ).sort(["side", "r", "replicate"])


def fit_loglog(x, y, level=0.95) -> dict:
    """Least-squares slope of ln y on ln x with its two-sided t interval (n - 2 d.o.f.)."""
    from scipy import stats

    lx, ly = np.log(np.asarray(x, float)), np.log(np.asarray(y, float))
    res = stats.linregress(lx, ly)
    df = lx.size - 2
    half = float(stats.t.ppf(0.5 + level / 2, df) * res.stderr) if df > 0 else float("nan")
    return {"slope": float(res.slope), "low": float(res.slope - half), "high": float(res.slope + half),
            "intercept": float(res.intercept), "points": int(lx.size)}


def fit_log_squared(side, T, level=0.95) -> dict:
    """Linear fit ``T = a + b (ln side)^2``: b with its t interval, a, and R^2."""
    from scipy import stats

    x = np.log(np.asarray(side, float)) ** 2
    res = stats.linregress(x, np.asarray(T, float))
    df = x.size - 2
    half = float(stats.t.ppf(0.5 + level / 2, df) * res.stderr) if df > 0 else float("nan")
    return {"b": float(res.slope), "low": float(res.slope - half), "high": float(res.slope + half),
            "a": float(res.intercept), "r2": float(res.rvalue ** 2)}


def curve_minimum(rs, T) -> float:
    """r minimizing the U-curve: the vertex of the parabola through ln T at the grid minimum
    and its two neighbours (clipped to their range); the grid end if the minimum lies there."""
    rs = np.asarray(rs, float)
    y = np.log(np.asarray(T, float))
    i = int(np.argmin(y))
    if i == 0 or i == rs.size - 1:
        return float(rs[i])
    a, b, _ = np.polyfit(rs[i - 1:i + 2], y[i - 1:i + 2], 2)
    if a <= 0:
        return float(rs[i])
    return float(np.clip(-b / (2 * a), rs[i - 1], rs[i + 1]))


def minima(lat: pl.DataFrame, n_boot=N_BOOT, seed=2000) -> pl.DataFrame:
    """Per side: r* of the mean U-curve and a percentile bootstrap 95% interval (lattices
    resampled with replacement within each r); plus the bootstrap draws' shift from the
    smallest side in column ``shift_draws`` (list) for intervals on differences."""
    rng = np.random.default_rng(seed)
    sides = sorted(set(lat["side"].to_list()))
    rs = sorted(set(lat["r"].to_list()))
    out, draws = [], {}
    for s in sides:
        vals = [lat.filter((pl.col("side") == s) & (pl.col("r") == r))["T"].to_numpy() for r in rs]
        point = curve_minimum(rs, [v.mean() for v in vals])
        boot = np.array([curve_minimum(rs, [v[rng.integers(0, v.size, v.size)].mean() for v in vals])
                         for _ in range(n_boot)])
        draws[s] = boot
        lo, hi = np.quantile(boot, [0.025, 0.975])
        out.append({"side": s, "r_min": point, "low": float(lo), "high": float(hi)})
    df = pl.DataFrame(out)
    d = draws[sides[-1]] - draws[sides[0]]
    lo, hi = np.quantile(d, [0.025, 0.975])
    shift = df["r_min"][-1] - df["r_min"][0]
    return df, (float(shift), float(lo), float(hi))


def local_exponent(lat: pl.DataFrame, r: float, n_boot=N_BOOT, seed=2000):
    """Slope of ln T between the two largest sides at ``r`` (from mean T), with a percentile
    bootstrap 95% interval over lattices; ``(slope, low, high, side_a, side_b)``."""
    d = lat.filter(pl.col("r") == r)
    sa, sb = sorted(set(d["side"].to_list()))[-2:]
    ta = d.filter(pl.col("side") == sa)["T"].to_numpy()
    tb = d.filter(pl.col("side") == sb)["T"].to_numpy()
    scale = math.log(sb / sa)
    point = math.log(tb.mean() / ta.mean()) / scale
    rng = np.random.default_rng(seed)
    boot = [math.log(tb[rng.integers(0, tb.size, tb.size)].mean() / ta[rng.integers(0, ta.size, ta.size)].mean())
            / scale for _ in range(n_boot)]
    lo, hi = np.quantile(boot, [0.025, 0.975])
    return point, float(lo), float(hi), sa, sb


def table(lat: pl.DataFrame) -> pl.DataFrame:
    """Per (side, r): mean T over lattices with its 95% t interval, and the lattice-distance bound."""
    rows = []
    for (s, r), sub in lat.group_by(["side", "r"], maintain_order=True):
        m, lo, hi = t_interval(sub["T"].to_numpy())
        rows.append({"side": s, "nodes": s * s, "r": r, "lattices": sub.height, "T": m, "T_low": lo,
                     "T_high": hi, "completion": float(sub["completion"].mean()),
                     "lattice_distance": mean_lattice_distance(s)})
    return pl.DataFrame(rows, schema_overrides={"T_low": pl.Float64, "T_high": pl.Float64}).sort(["side", "r"])


# ---------------------------------------------------------------------------- figures
def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _plain_ticks(axis):
    from matplotlib.ticker import FuncFormatter, LogLocator

    fmt = FuncFormatter(lambda v, _: f"{v:g}")
    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(fmt)
    axis.set_minor_formatter(FuncFormatter(lambda v, _: ""))


def figure_u_curve(tab: pl.DataFrame, mins: pl.DataFrame):
    """Delivery time against r, one curve per lattice size (Kleinberg's Fig. 2 style: log T)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.4, 4.0))
    sides = sorted(set(tab["side"].to_list()))
    colors = plt.cm.viridis(np.linspace(0.0, 0.85, len(sides)))
    for s, col in zip(sides, colors):
        d = tab.filter(pl.col("side") == s).sort("r")
        y = d["T"].to_numpy()
        lo = d["T_low"].fill_null(float("nan")).to_numpy()
        hi = d["T_high"].fill_null(float("nan")).to_numpy()
        ax.errorbar(d["r"].to_numpy(), y, yerr=[np.nan_to_num(y - lo), np.nan_to_num(hi - y)], fmt="o-",
                    color=col, ms=4, lw=1, capsize=2, label=f"{s} x {s}")
        rm = float(mins.filter(pl.col("side") == s)["r_min"][0])
        ax.plot([rm], [np.interp(rm, d["r"].to_numpy(), y)], marker="v", color=col, ms=9, mec="black", mew=0.5)
    ax.axvline(2.0, color="0.5", ls=":", lw=1)
    ax.set_yscale("log")
    _plain_ticks(ax.yaxis)
    ax.set_xlabel("clustering exponent r")
    ax.set_ylabel("mean delivery time T (steps)")
    ax.set_title("Greedy routing, one long-range link per node (v: minimum)", fontsize=9)
    ax.legend(frameon=False, fontsize=8, title="lattice", title_fontsize=8)
    fig.tight_layout()
    return fig


def figure_scaling(tab: pl.DataFrame, fits: dict):
    """log-log delivery time against lattice side per r, with fitted and theoretical slopes."""
    plt = _plt()
    from matplotlib.ticker import FuncFormatter

    rs = sorted(set(tab["r"].to_list()))
    shown = [r for r in rs if abs(r * 2 - round(r * 2)) < 1e-9] or rs  # r = 0, 0.5, 1, ... if present
    fig, ax = plt.subplots(figsize=(5.6, 4.2))
    colors = plt.cm.plasma(np.linspace(0.0, 0.9, len(shown)))
    sides = np.array(sorted(set(tab["side"].to_list())), float)
    for r, col in zip(shown, colors):
        d = tab.filter(pl.col("r") == r).sort("side")
        f = fits[r]
        ax.plot(d["side"].to_numpy(), d["T"].to_numpy(), "o", color=col, ms=5)
        ax.plot(sides, np.exp(f["intercept"]) * sides ** f["slope"], "-", color=col, lw=1,
                label=f"r={r:g}: {f['slope']:.2f} (theory "
                      + (f"{theory_exponent(r):.2f})" if r != 2.0 else "polylog)"))
    ax.plot(sides, [mean_lattice_distance(s) for s in sides], "k--", lw=0.8, label="mean lattice distance")
    ax.set_xscale("log")
    ax.set_yscale("log")
    _plain_ticks(ax.yaxis)
    ax.set_xticks(sides)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
    ax.set_xlabel("lattice side n (N = n$^2$ nodes)")
    ax.set_ylabel("mean delivery time T (steps)")
    ax.set_title("T ~ n$^\\alpha$: fitted slope (Kleinberg's exponent)", fontsize=9)
    ax.legend(frameon=False, fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------- reproduction
def reproduce(ctx) -> Report:
    """Run ``configs/kleinberg.toml`` and compare with Kleinberg's exponents."""
    from simulate.io.atomic import atomic_path

    _, manifest = ctx.sweep()
    lat = per_lattice(manifest)
    tab = table(lat)
    with atomic_path(ctx.out_dir / "delivery_times.parquet") as tmp:
        tab.write_parquet(tmp)
    sides = sorted(set(lat["side"].to_list()))
    rs = sorted(set(lat["r"].to_list()))
    mins, shift = minima(lat)
    fits = {r: fit_loglog(lat.filter(pl.col("r") == r)["side"], lat.filter(pl.col("r") == r)["T"]) for r in rs}
    ctx.save_figure(figure_u_curve(tab, mins), "u_curve")
    ctx.save_figure(figure_scaling(tab, fits), "scaling")

    rep = Report(ctx.name, TITLE, CITATION)
    for row in mins.iter_rows(named=True):
        s = row["side"]
        rep.add(f"r minimizing T, {s} x {s} lattice", "r = 2 (as n -> infinity)", "P", row["r_min"],
                ci=(row["low"], row["high"]), note="parabola vertex on ln T; bootstrap over lattices")
    rep.add(f"shift of the minimum from side {sides[0]} to {sides[-1]}", "towards r = 2", "P", shift[0],
            ci=shift[1:], note="difference of the two r*; positive = towards 2 when both lie below 2")
    for r in rs:
        f = fits[r]
        if r == 2.0:
            pub = "0 (polylog: T = O(log^2 n))"
        else:
            pub = (f"{'(2-r)/3' if r < 2 else '(r-2)/(r-1)'} = {theory_exponent(r):.3f} (lower bound); Mathieu 2016: "
                   f"{'(2-r)/(3-r)' if r < 2 else ('r-2' if r < 3 else '1')} = {mathieu_exponent(r):.3f}")
        rep.add(f"exponent alpha of T ~ n^alpha, r = {r:g}", pub, "S", f["slope"], ci=(f["low"], f["high"]),
                note=f"n = side in {sides[0]}..{sides[-1]}; {f['points']} lattices")
    if 2.0 in rs:
        two = lat.filter(pl.col("r") == 2.0)
        pf = fit_loglog(np.log(two["side"].to_numpy().astype(float)), two["T"])
        rep.add("r = 2: beta in T ~ (ln n)^beta", "<= 2 (T = O(log^2 n))", "S", pf["slope"],
                ci=(pf["low"], pf["high"]), note="slope of ln T against ln ln n")
        lf = fit_log_squared(two["side"], two["T"])
        rep.add("r = 2: b in T = a + b (ln n)^2", "", "", lf["b"], ci=(lf["low"], lf["high"]),
                note=f"a = {lf['a']:.2f}, R^2 = {lf['r2']:.4f}")
        if len(sides) >= 3:
            le = local_exponent(lat, 2.0)
            rep.add(f"r = 2: local exponent of T ~ n^alpha, n = {le[3]}..{le[4]}",
                    f"2 / ln n = {2 / math.log(math.sqrt(le[3] * le[4])):.3f} if T ~ b log^2 n", "", le[0],
                    ci=le[1:3], note="falls towards 0 as n grows for a polylog; bootstrap over lattices")
    big = tab.filter(pl.col("side") == sides[-1])
    for r in (0.0, 2.0):
        row = big.filter(pl.col("r") == r)
        if row.height:
            rep.add(f"T at r = {r:g}, {sides[-1]} x {sides[-1]} ({sides[-1] ** 2:,} nodes)", "", "",
                    row["T"][0], ci=(row["T_low"][0], row["T_high"][0]),
                    note=f"{row['lattices'][0]} lattices; mean lattice distance {row['lattice_distance'][0]:.1f}")

    chains = int(lat["chains"].max())
    rep.notes.append(f"Lattices: sides {', '.join(map(str, sides))} (up to {sides[-1] ** 2:,} nodes), r in "
                     f"{', '.join(f'{r:g}' for r in rs)}, {int(lat.group_by(['side', 'r']).len()['len'].min())} "
                     f"independent lattices per (side, r), {chains} chains each (uniform source and target); "
                     f"the lowest delivery rate of the {lat.height} lattices was {100 * float(lat['completion'].min()):.1f}% "
                     "(greedy always gets one step closer on the open lattice, so it should be 100%).")
    above = [r for r in rs if r != 2.0 and fits[r]["low"] > theory_exponent(r)]
    rep.notes.append("Kleinberg's n is the lattice side (n x n lattice, N = n^2 nodes); exponents are per side. "
                     "His r != 2 exponents are lower bounds for any decentralized algorithm, his r = 2 result an "
                     "upper bound, both asymptotic. Finite lattices show strong corrections: T never exceeds the "
                     "mean lattice distance (about 2n/3, slope 1), and over these sizes log^2 n still grows like a "
                     "power of n. Fitted exponents significantly above the bound here: r = "
                     + (", ".join(f"{r:g}" for r in above) or "none") + ".")
    inside = [r for r in rs if r != 2.0 and fits[r]["low"] <= mathieu_exponent(r) <= fits[r]["high"]]
    rep.notes.append("Mathieu's tighter exponents ((2-r)/(3-r) for r < 2, r-2 for 2 < r < 3, 1 beyond; OPODIS 2016, "
                     "asymptotic, S) inside the fitted 95% interval: r = " + (", ".join(f"{r:g}" for r in inside) or "none")
                     + "; sides to 2^20 on implicit lattices: `smallworld reproduce implicit_scale`.")
    if 2.0 in rs:
        mean_t = {x: float(two.filter(pl.col("side") == x)["T"].mean()) for x in sides}
        rep.notes.append(f"r = 2: T is linear in (ln n)^2 (R^2 = {lf['r2']:.4f}) with intercept a = {lf['a']:.1f}; "
                         + ("a negative intercept makes the log-log slope against ln n exceed 2 on finite "
                            "lattices although the growth is log^2 n. " if lf["a"] < 0 else "")
                         + "Local exponents of T ~ n^alpha between successive sides: "
                         + ", ".join(f"{sa}-{sb}: {math.log(mean_t[sb] / mean_t[sa]) / math.log(sb / sa):.3f}"
                                     for sa, sb in zip(sides, sides[1:])) + ".")
    rep.notes.append("The published claim on the optimum is asymptotic; on finite lattices the minimum of the U-curve "
                     "lies where the r* row says, per side: "
                     + ", ".join(f"{r['side']}: {r['r_min']:.2f}" for r in mins.iter_rows(named=True)) + ".")
    rep.notes.append("Per-(side, r) means with intervals are in delivery_times.parquet; per-lattice summaries in "
                     "data/manifest.parquet, per-chain rows in data/cells/.")
    return rep


declare_study("kleinberg", title=TITLE, citation=CITATION, run=reproduce)
