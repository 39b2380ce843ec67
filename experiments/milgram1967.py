"""Travers & Milgram (1969): 296 starters in three groups, 64 completed chains, 5.2 intermediaries.

Main model (``configs/milgram1967_groups.toml``): an implicit Watts-Dodds-Newman identity population
(:class:`simulate.implicit.HierarchyPopulation`, never stored) of 10^8 people with two social
dimensions, geography (dimension 0) and occupation (dimension 1), at WDN's own Milgram-scale
setting (b = 10, g = 100, z = 300, alpha = 1; WDN chose it, we did not fit it). Each replicate is
one experiment: one target (the Boston stockbroker) and Milgram's starter groups drawn by identity
band (:func:`simulate.implicit.identity_band_starters`): 96 random Nebraskans (geographically far,
any occupation), 100 Nebraskan "stockholders" (far, but in the target's occupational sector: an
ASSUMPTION, see the config) and 100 random residents of the target's geographic region (not the
people nearest the target). Holders forward to the contact of smallest social distance
``min(geography, occupation)`` (greedy_hierarchy, as WDN).

Attrition is a *calibration* with two parameters, both from the paper's counts: a starter never
mails with probability ``s0 = 79/296`` (the published non-response), and every later holder drops
with a constant ``a*`` that solves ``mean(1{reached} (1 - a)^(L - 1)) = 64/217`` on the attrition-free
chains (a chain with attrition is the attrition-free chain cut at its first drop, so this is exact).
The simulated experiments cut each attrition-free chain at a drop point drawn from (s0, a*) with a
seeded stream per replicate. The completion rates are therefore matched by construction; the
chain lengths (all and per group), the group differences and the per-group completion rates are
predictions. The attrition 0.15 cells check the kernel's own drop-outs against the same cut.

Baseline (``configs/milgram1967.toml``, the earlier model, kept for comparison): a stored
geography-only population (rank-based friendships of Liben-Nowell et al. 2005, 16 out-links per
person, people clustered in towns); "boston" = 100 starters among the 2% of people nearest the
target, "nebraska" = 196 among the farthest quarter; one constant attrition ``a`` per holder (the
starter included) calibrated to 64/296 and taken at the nearest swept grid value.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from simulate import estimators

from . import declare_study
from .report import Report, t_interval

TITLE = "Milgram's small-world experiment (Travers & Milgram 1969)"
CITATION = ("J. Travers, S. Milgram, \"An Experimental Study of the Small World Problem\", "
            "Sociometry 32, 425-443 (1969), doi:10.2307/2786545")

#: Published counts (REFERENCES.md, status P).
STARTERS = 296
STARTED = 217
COMPLETED = 64
MEAN_INTERMEDIARIES = 5.2
PUBLISHED_COMPLETION = COMPLETED / STARTERS
#: Share of starters who never mailed (79 of 296): the starters' own attrition, a calibration.
STARTER_ATTRITION = 1.0 - STARTED / STARTERS

#: Milgram's starter groups: config name -> (label, starters, published mean intermediaries of
#: completed chains). The group means are in the paper's text (Travers & Milgram 1969); REFERENCES.md
#: lists the group results as secondary (S).
GROUPS = {
    "nebraska_random": ("Nebraska random", 96, 5.7),
    "nebraska_stockholders": ("Nebraska stockholders", 100, 5.4),
    "boston_random": ("Boston random", 100, 4.4),
}


def expected_completion(steps, reached, attrition, starter=None):
    """Exact completion probability under per-holder attrition, from attrition-free chains.

    ``starter=None``: every holder, the starter included, drops with ``attrition``: a chain of
    ``L`` hops survives with ``(1 - a)^L``. Otherwise the starter drops with ``starter`` and the
    ``L - 1`` intermediaries with ``attrition``: ``(1 - starter) (1 - a)^(L - 1)``. Returns
    ``mean(1{reached} x survival)``.
    """
    steps = np.asarray(steps, dtype=np.float64)
    reached = np.asarray(reached, dtype=bool)
    if starter is None:
        surv = (1.0 - attrition) ** steps
    else:
        surv = (1.0 - starter) * (1.0 - attrition) ** np.maximum(steps - 1.0, 0.0)
    return float(np.mean(np.where(reached, surv, 0.0)))


def calibrate_attrition(steps, reached, completion, starter=None):
    """The constant per-step attrition ``a`` with ``expected_completion(a, starter) = completion``.

    ``expected_completion`` decreases in ``a`` down to 0 (a = 1, or (1 - starter) P(L = 1) with a
    separate starter attrition); bisection to 1e-10. NaN when ``completion`` lies outside that range.
    """
    lo, hi = 0.0, 1.0
    if not expected_completion(steps, reached, 1.0, starter) <= completion <= expected_completion(
            steps, reached, 0.0, starter):
        return float("nan")
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if expected_completion(steps, reached, mid, starter) > completion:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def cut_chains(free: pl.DataFrame, starter, attrition, seed) -> pl.DataFrame:
    """Chains with attrition, from attrition-free ones: each cut at its first drop-out.

    The starter (holder 0) drops with probability ``starter``, holder ``i >= 1`` with
    ``attrition``; a chain whose first drop comes at holder ``D < steps`` becomes ``dropped``
    with ``steps = D`` (the forwards made), the others keep their status. Exact in law: a
    chain's route up to its drop does not depend on the later decisions. One stream per
    replicate (``SeedSequence(seed, spawn_key=(replicate,))``), chains in table order, so a
    replicate's cut does not depend on the others.
    """
    out = []
    for (rep,), part in free.sort(["replicate", "chain"]).group_by(["replicate"], maintain_order=True):
        rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(int(rep),)))
        n = part.height
        at_start = rng.random(n) < starter
        later = rng.geometric(attrition, n) if attrition > 0 else np.full(n, np.iinfo(np.int64).max)
        first = np.where(at_start, 0, later)
        steps = part["steps"].to_numpy()
        cut = first < steps
        out.append(part.with_columns(
            pl.Series("status", np.where(cut, "dropped", part["status"].to_numpy())),
            pl.Series("steps", np.where(cut, first, steps).astype(np.int32))))
    return pl.concat(out) if out else free


def group_table(chains: pl.DataFrame) -> pl.DataFrame:
    """One row per (replicate, source_group) experiment part, plus ``source_group = "all"``:
    starters, completed, started (the starter mailed), completion, completion among started,
    mean intermediaries (steps - 1) of completed chains."""
    done = pl.col("status") == "reached"
    aggs = [pl.len().alias("starters"), done.sum().alias("completed"),
            (~((pl.col("status") == "dropped") & (pl.col("steps") == 0))).sum().alias("started"),
            pl.when(done).then(pl.col("steps") - 1).mean().alias("mean_intermediaries")]
    by_group = chains.group_by(["replicate", "source_group"]).agg(aggs)
    everyone = chains.group_by("replicate").agg(aggs).with_columns(pl.lit("all").alias("source_group"))
    return (pl.concat([by_group, everyone.select(by_group.columns)])
            .with_columns((pl.col("completed") / pl.col("starters")).alias("completion"),
                          (pl.col("completed") / pl.col("started")).alias("completion_started"))
            .sort(["source_group", "replicate"]))


def experiment_table(chains: pl.DataFrame) -> pl.DataFrame:
    """One row per (attrition, replicate) experiment: completion, completion among starters
    who mailed, mean intermediaries of completed chains (all, boston, nebraska)."""
    done = pl.col("status") == "reached"
    inter = pl.when(done).then(pl.col("steps") - 1)
    return (chains.group_by(["attrition", "replicate"])
            .agg(pl.len().alias("starters"),
                 done.sum().alias("completed"),
                 (~((pl.col("status") == "dropped") & (pl.col("steps") == 0))).sum().alias("started"),
                 inter.mean().alias("mean_intermediaries"),
                 inter.filter(pl.col("source_group") == "boston").mean().alias("boston_intermediaries"),
                 inter.filter(pl.col("source_group") == "nebraska").mean().alias("nebraska_intermediaries"))
            .with_columns((pl.col("completed") / pl.col("starters")).alias("completion"),
                          (pl.col("completed") / pl.col("started")).alias("completion_started"))
            .sort(["attrition", "replicate"]))


def _replicate_bootstrap(free, reps, n_boot, seed, completion=PUBLISHED_COMPLETION, starter=None):
    """Percentile interval of a* over experiments resampled with replacement."""
    rng = np.random.default_rng(seed)
    groups = [free.filter(pl.col("replicate") == r) for r in reps]
    per = [(g["steps"].to_numpy(), (g["status"] == "reached").to_numpy()) for g in groups]
    vals = []
    for _ in range(n_boot):
        pick = rng.integers(0, len(per), len(per))
        s = np.concatenate([per[i][0] for i in pick])
        ok = np.concatenate([per[i][1] for i in pick])
        vals.append(calibrate_attrition(s, ok, completion, starter))
    vals = np.asarray(vals)
    vals = vals[np.isfinite(vals)]
    if vals.size < 2:
        return None, None
    lo, hi = np.quantile(vals, [0.025, 0.975])
    return float(lo), float(hi)


def _spread(x):
    # Where 90% of single simulated experiments fall: how much one 296-letter experiment varies.
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    return (float(np.quantile(x, 0.05)), float(np.quantile(x, 0.95))) if x.size else (float("nan"), float("nan"))


def reproduce(ctx) -> Report:
    report = Report(ctx.name, TITLE, CITATION)
    groups = _starter_groups(ctx, report)
    baseline = _geography_baseline(ctx, report)
    report.notes += groups + baseline
    return report


# ------------------------------------------------------------------ Milgram's starter groups
def _starter_groups(ctx, report) -> list:
    cells, manifest = ctx.sweep("milgram1967_groups", subdir="groups")
    # Milgram's 296 letters; the sensitivity_* groups (same targets) vary the assumed bands.
    chains = cells.filter(pl.col("source_group").is_in(list(GROUPS)))
    free = chains.filter(pl.col("attrition") == 0.0)
    steps0 = free["steps"].to_numpy()
    ok0 = (free["status"] == "reached").to_numpy()
    reps = sorted(free["replicate"].unique().to_list())
    n_exp = len(reps)
    s0 = STARTER_ATTRITION
    target_started = COMPLETED / STARTED
    a_star = calibrate_attrition(steps0, ok0, target_started, starter=0.0)
    a_ci = _replicate_bootstrap(free, reps, 200 if ctx.quick else 500, 1968, target_started, starter=0.0)
    cut = cut_chains(free, s0, a_star, 1969)
    exps = group_table(cut)
    truth = group_table(free)

    def rows(table, group, col):
        return table.filter(pl.col("source_group") == group)[col].to_numpy().astype(float)

    report.add("starters who never mailed", f"{STARTERS - STARTED}/{STARTERS} = {s0:.1%}", "P", s0, None,
               note="CALIBRATION: the starter's own drop-out probability is set to the published share")
    report.add("per-step attrition a* of intermediaries", "", "", a_star, a_ci,
               note=f"CALIBRATION: solves mean(1{{reached}} (1-a)^(L-1)) = {COMPLETED}/{STARTED} (completion among "
                    f"starters who mailed) on the attrition-free chains; CI: the {n_exp} experiments resampled")
    for col, label, pub in (("completion", "completion rate, all starters",
                             f"{COMPLETED}/{STARTERS} = {PUBLISHED_COMPLETION:.1%}"),
                            ("completion_started", "completion among starters who mailed",
                             f"{COMPLETED}/{STARTED} = {COMPLETED / STARTED:.1%}")):
        m, lo, hi = t_interval(rows(exps, "all", col))
        s5, s95 = _spread(rows(exps, "all", col))
        report.add(label, pub, "P", m, (lo, hi),
                   note=f"CALIBRATED (matched by construction, up to sampling); mean of {n_exp} simulated "
                        f"experiments x {STARTERS} starters, 90% of experiments in [{s5:.3f}, {s95:.3f}]")
    m, lo, hi = t_interval(rows(exps, "all", "mean_intermediaries"))
    s5, s95 = _spread(rows(exps, "all", "mean_intermediaries"))
    report.add("mean intermediaries, completed chains (all groups)", f"{MEAN_INTERMEDIARIES}", "P", m, (lo, hi),
               note=f"PREDICTION (steps - 1); t interval over {n_exp} experiments; 90% of experiments in "
                    f"[{s5:.2f}, {s95:.2f}]")
    per_exp = {}
    for key, (label, k, pub) in GROUPS.items():
        x = rows(exps, key, "mean_intermediaries")
        per_exp[key] = x
        m, lo, hi = t_interval(x)
        s5, s95 = _spread(x)
        report.add(f"mean intermediaries, completed chains, {label} ({k})", f"{pub}", "S", m, (lo, hi),
                   note=f"PREDICTION; t interval over {n_exp} experiments (about "
                        f"{np.nanmean(rows(exps, key, 'completed')):.0f} completions each), 90% of experiments in "
                        f"[{s5:.2f}, {s95:.2f}]")
    for a, b in (("nebraska_random", "boston_random"), ("nebraska_random", "nebraska_stockholders")):
        d = per_exp[a] - per_exp[b]
        m, lo, hi = t_interval(d)
        report.add(f"difference in mean intermediaries, {GROUPS[a][0]} - {GROUPS[b][0]}",
                   f"{GROUPS[a][2] - GROUPS[b][2]:.1f}", "S", m, (lo, hi),
                   note="PREDICTION; paired by experiment (same target and population), t interval")
    for key, (label, k, _) in GROUPS.items():
        x = rows(exps, key, "completion")
        m, lo, hi = t_interval(x)
        s5, s95 = _spread(x)
        report.add(f"completion rate, {label} starters", "", "", m, (lo, hi),
                   note=f"PREDICTION (the calibration fixes only the pooled rate); 90% of experiments in "
                        f"[{s5:.3f}, {s95:.3f}]; the paper's per-group rates were not available to us here")
    _sensitivity_rows(report, cells, per_exp, s0, a_star, n_exp)
    for key, (label, k, _) in GROUPS.items():
        m, lo, hi = t_interval(rows(truth, key, "mean_intermediaries"))
        report.add(f"attrition-free mean intermediaries, {label}", "", "", m, (lo, hi),
                   note="every chain, nobody drops out: what greedy search needs in this population")
    corr = estimators.corrected_lengths(cut["steps"], cut["status"], n_boot=1000, seed=1969)
    m_all, lo_all, hi_all = t_interval(rows(truth, "all", "mean_intermediaries"))
    report.add("attrition-corrected mean intermediaries (all groups)", "", "", corr["corrected_mean"] - 1,
               tuple(x - 1 for x in corr["corrected_mean_ci"]),
               note=f"Dodds-Muhamad-Watts inverse-survival weights on the simulated experiments pooled (bootstrap "
                    f"CI); attrition-free truth {m_all:.2f} [{lo_all:.2f}, {hi_all:.2f}]; the estimator assumes one "
                    "constant attrition, here the starter drops more often than later holders")
    # The kernel's own drop-outs at a fixed attrition against the cut of the attrition-free chains.
    check_a = sorted(a for a in chains["attrition"].unique().to_list() if a > 0)
    for a in check_a:
        kern = chains.filter(pl.col("attrition") == a)
        m, lo, hi = t_interval(kern.group_by("replicate").agg((pl.col("status") == "reached").mean())["status"]
                               .to_numpy())
        report.add(f"check: completion with the kernel's attrition {a:g} (every holder)", "", "", m, (lo, hi),
                   note=f"expected from the attrition-free chains (exact): "
                        f"{expected_completion(steps0, ok0, a):.4f}; same populations, targets and starters")
    revisit = float(free["revisit"].mean())
    report.add("share of attrition-free chains meeting a revisit", "", "", revisit, None,
               note="a drawn contact already on the chain (annealed exploration: where a fixed graph could differ)")
    nodes = int(manifest["graph_nodes"][0]) if "graph_nodes" in manifest.columns and manifest.height else None
    _figure_groups(ctx, free, cut, a_star, s0)
    return [
        f"Main model: implicit hierarchical_identity population (never stored) of {nodes:,} people, H = 2 "
        "dimensions (geography, occupation), b = 10, g = 100, depth 6, alpha = 1, z = 300 contacts per person "
        "(mean degree; annealed exploration: a holder knows the sender plus Poisson(300) fresh contacts). These "
        "are WDN 2002's Milgram-scale values (REFERENCES.md), taken as they are: we fitted none of them, though "
        "WDN chose them to give Milgram-like searches. Greedy forwarding to the contact of smallest "
        "min(geography, occupation) distance to the target (WDN).",
        "Starters as Milgram chose them, one experiment per replicate (one random target: every person is "
        "alike in this model, so the target stands for the Boston stockbroker): 96 Nebraska random (another "
        "top-level geographic region, any occupation), 100 Nebraska stockholders (another region, occupation "
        "within the target's top-level sector, 10% of people) and 100 Boston random (uniform within the target's "
        "region of 10^6 people, 1% of the population). ASSUMPTION: that stockholders are closer to a "
        "stockbroker in occupation, and by how much (one sector of ten), is our guess, not data. Boston starters "
        "are random residents of the region, not the people nearest the target.",
        f"Calibrations (2): starters never mail with s0 = 79/296 = {s0:.3f}; later holders drop with a* = "
        f"{a_star:.4f}, which makes the completion among starters who mailed equal to 64/217 on the attrition-"
        "free chains. Predictions: every chain length (all and per group), the group differences and the "
        "per-group completion rates. Milgram's group means rest on about 20 completed chains each (64 in all); "
        "the 90% ranges of single simulated experiments show how much one such group mean varies.",
        "The published group means (5.7, 5.4, 4.4) are from the paper's text; REFERENCES.md marks the group "
        "results as secondary (S). The per-group completion rates of the paper were not available to us in this "
        "session and are not compared.",
    ]


#: Sensitivity groups of the config: name -> (assumed band in words, main group it stands in for).
SENSITIVITY = {
    "sensitivity_stockholders_occ4": ("Nebraska stockholders within occupation height <= 4 (1% of people)",
                                      "nebraska_random"),
    "sensitivity_stockholders_occ3": ("Nebraska stockholders within occupation height <= 3 (0.1% of people)",
                                      "nebraska_random"),
    "sensitivity_boston_geo3": ("Boston region of height <= 3 (0.1% of people)", "nebraska_random"),
    "sensitivity_boston_geo5": ("Boston region of height <= 5 (10% of people)", "nebraska_random"),
}


def _sensitivity_rows(report, cells, per_exp, s0, a_star, n_exp):
    """Completed-chain means of the sensitivity groups (other assumed bands, same targets and
    calibration), each paired with the Nebraska random group of the same experiments."""
    sens = cells.filter((pl.col("attrition") == 0.0) & pl.col("source_group").is_in(list(SENSITIVITY)))
    if not sens.height:
        return
    exps = group_table(cut_chains(sens, s0, a_star, 1970))
    for key, (label, versus) in SENSITIVITY.items():
        x = exps.filter(pl.col("source_group") == key)["mean_intermediaries"].to_numpy().astype(float)
        if not x.size:
            continue
        m, lo, hi = t_interval(x)
        dm, dlo, dhi = t_interval(per_exp[versus] - x)
        report.add(f"sensitivity (assumed band): mean intermediaries, completed chains, {label}", "", "", m, (lo, hi),
                   note=f"same targets and calibration, 100 starters per experiment; {GROUPS[versus][0]} minus this "
                        f"group: {dm:.2f} [{dlo:.2f}, {dhi:.2f}] (paired over {n_exp} experiments)")


def _figure_groups(ctx, free, cut, a_star, s0):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4.2))
    done = cut.filter(pl.col("status") == "reached")
    kmax = int(max(free["steps"].max() or 1, 2))
    bins = np.arange(-0.5, kmax + 0.5)
    colours = {"nebraska_random": "tab:blue", "nebraska_stockholders": "tab:green", "boston_random": "tab:orange"}
    for key, (label, _, pub) in GROUPS.items():
        x = done.filter(pl.col("source_group") == key)["steps"].to_numpy() - 1
        if x.size:
            ax.hist(x, bins=bins, density=True, histtype="step", lw=1.6, color=colours[key],
                    label=f"{label}: completed ({x.size}), mean {x.mean():.2f}")
        ax.axvline(pub, color=colours[key], ls=":", lw=1.2)
    ax.set_xlim(-0.5, min(kmax, 25))
    ax.set_xlabel("intermediaries (hops - 1); dotted: Travers & Milgram's group means")
    ax.set_ylabel("fraction of completed chains")
    ax.set_title(f"Completed chains (s0 = {s0:.2f}, a* = {a_star:.3f})")
    ax.legend(fontsize=8)
    steps0 = free["steps"].to_numpy()
    ok0 = (free["status"] == "reached").to_numpy()
    aa = np.linspace(0, 0.5, 60)
    for key, (label, _, _) in GROUPS.items():
        g = free.filter(pl.col("source_group") == key)
        s, ok = g["steps"].to_numpy(), (g["status"] == "reached").to_numpy()
        bx.plot(aa, [expected_completion(s, ok, a, starter=0.0) for a in aa], color=colours[key], label=label)
    _calibration_panel(bx, aa, [expected_completion(steps0, ok0, a, starter=0.0) for a in aa],
                       "all (exact, attrition-free chains)", COMPLETED / STARTED, "Milgram 64/217", a_star,
                       "per-step attrition a of intermediaries", "completion among starters who mailed")
    fig.tight_layout()
    ctx.save_figure(fig, "starter_groups")


def _calibration_panel(bx, aa, curve, curve_label, published, published_label, a_star, xlabel, ylabel):
    # The exact completion curve from the attrition-free chains, the published rate and a*.
    bx.plot(aa, curve, "--", color="black", lw=1, label=curve_label)
    bx.axhline(published, color="tab:red", ls=":", label=published_label)
    bx.axvline(a_star, color="tab:red", lw=0.8)
    bx.set_xlabel(xlabel)
    bx.set_ylabel(ylabel)
    bx.set_title(f"Calibration: a* = {a_star:.3f}")
    bx.legend(fontsize=8)


# ------------------------------------------------------------------ geography-only baseline
BASELINE = "geography-only baseline: "


def _geography_baseline(ctx, report) -> list:
    chains, manifest = ctx.sweep()
    free = chains.filter(pl.col("attrition") == 0.0)
    steps0 = free["steps"].to_numpy()
    ok0 = (free["status"] == "reached").to_numpy()
    reps = sorted(free["replicate"].unique().to_list())
    a_star = calibrate_attrition(steps0, ok0, PUBLISHED_COMPLETION)
    a_ci = _replicate_bootstrap(free, reps, 200 if ctx.quick else 500, 1967)
    grid = sorted(a for a in chains["attrition"].unique().to_list() if a > 0)
    a_set = min(grid, key=lambda a: abs(a - a_star)) if math.isfinite(a_star) else grid[len(grid) // 2]
    exps = experiment_table(chains)
    at = exps.filter(pl.col("attrition") == a_set)
    truth = exps.filter(pl.col("attrition") == 0.0)
    n_exp = at.height

    def spread(col):
        return _spread(at[col].drop_nulls().to_numpy())

    m, lo, hi = t_interval(at["completion"].to_numpy())
    s5, s95 = spread("completion")
    report.add(BASELINE + "completion rate, all starters", f"{COMPLETED}/{STARTERS} = {PUBLISHED_COMPLETION:.1%}",
               "P", m, (lo, hi),
               note=f"CALIBRATED (attrition a = {a_set:g} chosen to match); mean of {n_exp} experiments x "
                    f"{STARTERS} starters, 90% of experiments in [{s5:.3f}, {s95:.3f}]")
    m, lo, hi = t_interval(at["completion_started"].to_numpy())
    report.add(BASELINE + "completion among starters who mailed", f"{COMPLETED}/{STARTED} = {COMPLETED / STARTED:.1%}",
               "P", m, (lo, hi), note=f"not calibrated: a starter drops with the same a = {a_set:g} as everyone")
    m, lo, hi = t_interval(at["mean_intermediaries"].to_numpy())
    s5, s95 = spread("mean_intermediaries")
    report.add(BASELINE + "mean intermediaries, completed chains", f"{MEAN_INTERMEDIARIES}", "P", m, (lo, hi),
               note=f"steps - 1; mean over {n_exp} experiments (t interval); 90% of experiments in "
                    f"[{s5:.2f}, {s95:.2f}]")
    for group, label in (("boston", "near (2% nearest) starters"), ("nebraska", "far (farthest quarter) starters")):
        m, lo, hi = t_interval(at[f"{group}_intermediaries"].drop_nulls().to_numpy())
        report.add(BASELINE + f"mean intermediaries, {label}", "Boston chains shorter", "S", m, (lo, hi),
                   note="completed chains; starters by distance rank, not Milgram's groups")
    # Attrition correction (Dodds et al. 2003 weights), pooled over the experiments at a_set.
    pooled = chains.filter(pl.col("attrition") == a_set)
    corr = estimators.corrected_lengths(pooled["steps"], pooled["status"], n_boot=1000, seed=1969)
    report.add(BASELINE + "attrition-corrected mean intermediaries", "", "", corr["corrected_mean"] - 1,
               tuple(x - 1 for x in corr["corrected_mean_ci"]),
               note=f"Dodds-Muhamad-Watts inverse-survival weights, chains of all {n_exp} experiments pooled; "
                    "bootstrap CI")
    m, lo, hi = t_interval(truth["mean_intermediaries"].to_numpy())
    report.add(BASELINE + "attrition-free mean intermediaries (truth)", "", "", m, (lo, hi),
               note="attrition 0: what the correction should recover (same routing, no drop-outs)")
    report.add(BASELINE + "estimated per-step attrition", "", "", corr["estimated_attrition"], None,
               note=f"pooled estimator from the chains; true (set) value {a_set:g}")
    report.add(BASELINE + "calibrated attrition a*", "", "", a_star, a_ci,
               note=f"CALIBRATION: solves mean(1{{reached}} (1-a)^L) = {PUBLISHED_COMPLETION:.4f} on the attrition-free "
                    "chains; CI: experiments resampled")
    sp = free.filter(pl.col("shortest_path").is_not_null())["shortest_path"].to_numpy() - 1
    report.add(BASELINE + "shortest-path intermediaries, same pairs", "", "",
               float(sp.mean()) if sp.size else float("nan"),
               None, note="hop distance - 1 between starter and target: what an omniscient router would need")

    g = manifest.filter(pl.col("attrition") == a_set)
    nodes = int(g["graph_nodes"][0]) if "graph_nodes" in g.columns and g.height else None
    edges = int(g["graph_edges"][0]) if "graph_edges" in g.columns and g.height else None
    degree = f", mean degree {2 * edges / nodes:.1f} after merging both directions" if nodes and edges else ""
    _figure(ctx, chains, a_set, a_star, corr, exps)
    return [
        f"Baseline (the earlier model, kept for comparison): rank_geographic, {nodes:,} people clustered in towns, "
        f"16 out-links per person (mean_degree = 16 is out-links per person, not the degree){degree}; undirected "
        "friendships, P(u knows v) ~ 1/rank_u(v) for 2/3 of ties and uniform otherwise (Liben-Nowell et al. "
        "2005); greedy geographic forwarding. Its groups are distance ranks (the 2% nearest the target and the "
        "farthest quarter), not Milgram's.",
        f"Baseline completion is calibrated with one constant attrition for every holder, starter included: "
        f"swept over {grid}, a* = {a_star:.3f} matches {COMPLETED}/{STARTERS} on the attrition-free chains, the "
        f"reported experiments use the nearest grid value {a_set:g}. Each baseline experiment has its own "
        "population of 10^4-10^5 people (chain lengths grow with the population size).",
    ]


def _figure(ctx, chains, a_set, a_star, corr, exps):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4.2))
    at = chains.filter((pl.col("attrition") == a_set) & (pl.col("status") == "reached"))
    free = chains.filter((pl.col("attrition") == 0.0) & (pl.col("status") == "reached"))
    kmax = int(max(free["steps"].max() or 1, at["steps"].max() or 1))
    bins = np.arange(-0.5, kmax + 0.5)
    for group, colour in (("boston", "tab:orange"), ("nebraska", "tab:blue")):
        x = at.filter(pl.col("source_group") == group)["steps"].to_numpy() - 1
        ax.hist(x, bins=bins, density=True, alpha=0.45, color=colour,
                label=f"completed, {group} starters ({x.size})")
    pmf = np.asarray(corr["corrected_pmf"])
    L = np.asarray(corr["lengths"])
    ax.step(L - 1, pmf, where="mid", color="black", lw=1.6, label="attrition-corrected (all)")
    truth = np.bincount(free["steps"].to_numpy(), minlength=L.size).astype(float)
    truth /= truth.sum()
    ax.step(np.arange(truth.size) - 1, truth, where="mid", color="tab:green", ls="--", lw=1.4,
            label="attrition-free run (truth)")
    ax.axvline(MEAN_INTERMEDIARIES, color="grey", ls=":", lw=1)
    ax.text(MEAN_INTERMEDIARIES, ax.get_ylim()[1] * 0.95, " Milgram mean 5.2", color="grey", va="top", fontsize=8)
    ax.set_xlim(-0.5, min(kmax, 40))
    ax.set_xlabel("intermediaries (hops - 1)")
    ax.set_ylabel("fraction of completed chains")
    ax.set_title(f"Geography-only baseline: completed chains at attrition {a_set:g} per step")
    ax.legend(fontsize=8)
    grp = exps.filter(pl.col("attrition") > 0)
    bx.plot(grp["attrition"], grp["completion"], "o", alpha=0.35, color="tab:blue", ms=4, label="one experiment")
    mean = grp.group_by("attrition").agg(pl.col("completion").mean()).sort("attrition")
    bx.plot(mean["attrition"], mean["completion"], "-", color="tab:blue", label="mean")
    steps0 = chains.filter(pl.col("attrition") == 0.0)
    s0 = steps0["steps"].to_numpy()
    ok0 = (steps0["status"] == "reached").to_numpy()
    aa = np.linspace(0, max(grp["attrition"].max(), 0.3), 60)
    _calibration_panel(bx, aa, [expected_completion(s0, ok0, a) for a in aa], "exact, from attrition-free chains",
                       PUBLISHED_COMPLETION, "Milgram 64/296", a_star, "per-step attrition a", "completion rate")
    fig.tight_layout()
    ctx.save_figure(fig, "chain_lengths")


declare_study("milgram1967", title=TITLE, citation=CITATION, run=reproduce)
