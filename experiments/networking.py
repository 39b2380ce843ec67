"""Quality vs quantity of ties: the networking study (issue 13).

Claims from the networking essays and the papers (``../shared/REFERENCES.md``, "Ties") are put
against measurements on

* SNAP CollegeMsg (``college-msg``: interaction intensity = messages per pair, both directions);
* the population model ``networking_population`` (WDN communities, tie level = max(1, 6 - tree
  distance), micro / macro / center-of-influence networkers; :mod:`simulate.generators.networking`);
* ego-Facebook and Facebook100 colleges for the inverted U by mutual connections ("model on a
  real topology": those graphs have no jobs).

Sweeps (the registries at work: a generator, two experiment kinds, one config each):
``configs/networking.toml`` (kind ``networking``: outcomes per person and strategy, sweeping the share
of macro networkers) and ``configs/networking_percolation.toml`` (kind ``percolation``: weak-first vs
strong-first on the model). The real-graph parts (CollegeMsg percolation and overlap, the inverted U,
introductions by distance, marginal ties) run here with the settings in :data:`DEFAULTS`.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from simulate import networking as nw
from simulate import ties as tz

from . import declare_study
from .report import Report, t_interval

TITLE = "Quality vs quantity of ties: strong and weak ties, introductions, micro and macro networkers"
CITATION = ("M. S. Granovetter, AJS 78, 1360 (1973), doi:10.1086/225469; J.-P. Onnela et al., PNAS 104, "
            "7332 (2007), doi:10.1073/pnas.0610245104; K. Rajkumar et al., Science 377, 1304 (2022), "
            "doi:10.1126/science.abl4476; P. S. Dodds, R. Muhamad, D. J. Watts, Science 301, 827 (2003), "
            "doi:10.1126/science.1081058; P. Panzarasa, T. Opsahl, K. M. Carley, JASIST 60, 911 (2009), "
            "doi:10.1002/asi.21015; the networking essays (seeds)")

#: Settings of the parts that are not sweep cells (real-graph analyses, figures); the model and the
#: per-person outcomes come from ``configs/networking.toml`` and ``configs/networking_percolation.toml``.
DEFAULTS = {
    "seed": 13, "willingness": list(nw.DEFAULT_WILLINGNESS), "percolation_seeds": 10, "points": 100,
    "marginal_k": 10, "marginal_sources": 200, "distance_sources": 200, "chains": 5000,
    "real_inverted_u": ["college-msg", "ego-facebook", "fb100-reed98", "fb100-amherst41"],
}
QUICK = {"percolation_seeds": 3, "points": 50, "marginal_sources": 60, "distance_sources": 60, "chains": 1500,
         "real_inverted_u": ["college-msg", "ego-facebook", "fb100-reed98"]}


def study_params(ctx) -> dict:
    """DEFAULTS (QUICK over them for --quick), plus ``model`` (the [graph] of configs/networking.toml
    without ``generator``, at share_macro as written there) and its [experiment] keys."""
    from simulate.config import load_config

    params = dict(DEFAULTS)
    if ctx.quick:
        params.update(QUICK)
    config = load_config(ctx.config_path(), quick=ctx.quick)
    params["model"] = {k: v for k, v in config.graph.items() if k not in ("generator", "component")}
    params.update({k: v for k, v in config.experiment.items() if k != "kind"})
    return params


@dataclass
class ClaimsReport(Report):
    """A Report with the claim | measured | assumptions table of the networking study."""

    claims: list = field(default_factory=list)

    def claim(self, claim, measured, assumptions, verdict):
        self.claims.append((claim, measured, assumptions, verdict))

    def markdown(self) -> str:
        text = super().markdown()
        lines = ["## Claims", "", "| claim (essays / papers) | what we measured | under which assumptions | holds? |",
                 "|---|---|---|---|"]
        for c in self.claims:
            lines.append("| " + " | ".join(str(x).replace("|", "/") for x in c) + " |")
        lines.append("")
        head, sep, rest = text.partition("| quantity |")
        return head + "\n".join(lines) + "\n" + sep + rest


def _save(ctx, df: pl.DataFrame, stem, provenance):
    path = ctx.out_dir / "data" / f"{stem}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    tz.write_table(df, path, dict(provenance, study="networking", quick=ctx.quick))
    return path


def _spearman(x, y):
    from scipy import stats

    return float(stats.spearmanr(x, y).statistic)


def reproduce(ctx) -> ClaimsReport:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    P = study_params(ctx)
    seed = int(P["seed"])
    f = tuple(float(x) for x in P["f"])
    cold = float(P["cold"])
    will = tuple(float(x) for x in P["willingness"])
    hops = int(P["hops"])
    rep = ClaimsReport(ctx.name, TITLE, CITATION)
    rep.notes.append(f"Conventions: level 5 = strongest; a personal rating s (1 = best friend .. 5 = never met) is "
                     f"level 6 - s. Intensity levels: fixed cut points 1, 2, 3-4, 5-9, >= 10 messages; overlap "
                     f"levels: tie-preserving quintiles (equal values share a level). f(level 1..5) = {list(f)}, "
                     f"cold contact c = {cold}, willingness(level 1..5) = {list(will)}, introduction chains of at "
                     f"most {hops} hops (stated inputs, not measured).")

    # ------------------------------------------------------------------ CollegeMsg: overlap vs strength, percolation
    cm = ctx.dataset("college-msg")
    perc_rows = []
    cm_ties = None
    if cm is not None:
        cm_ties = tz.tie_strengths(cm, by="intensity")
        _save(ctx, cm_ties.table(), "college_msg_ties", cm_ties.provenance())
        s = cm_ties.summary()
        ov_by_level = [r["mean_overlap"] for r in s["by_level"]]
        rho = _spearman(cm_ties.weight, cm_ties.overlap)
        rep.add("CollegeMsg: mean overlap, levels 1 -> 5 (intensity)", "grows with strength", "P (qual.)",
                ov_by_level[4], None, "levels 1..5: " + ", ".join(f"{x:.4f}" for x in ov_by_level)
                + f"; Spearman(messages, overlap) = {rho:.3f}")
        rep.add("CollegeMsg: share of one-message pairs (level 1)", "37.8% (data README)", "P", s["by_level"][0]["share"],
                None, "fixed cut points")
        for by in ("intensity", "overlap"):
            for order in ("weak-first", "strong-first"):
                pr = tz.percolation(cm, by=by, order=order, points=int(P["points"]),
                                    seeds=int(P["percolation_seeds"]), seed=seed, ties=cm_ties)
                _save(ctx, pr.table(), f"college_msg_percolation_{by}_{order}", pr.provenance())
                perc_rows.append(("college-msg", by, order, pr))
        # figure: overlap vs strength (Onnela Fig. 3 analogue)
        w = cm_ties.weight
        bins = np.unique(np.clip(np.floor(np.log2(w)).astype(int), 0, None))
        xs, ys = [], []
        for b in bins:
            sel = np.clip(np.floor(np.log2(w)), 0, None) == b
            xs.append(float(np.exp(np.log(w[sel]).mean())))
            ys.append(float(cm_ties.overlap[sel].mean()))
        fig, ax = plt.subplots(figsize=(5, 3.6))
        ax.plot(xs, ys, "o-")
        ax.set_xscale("log")
        ax.set_xlabel("messages per pair (log2 bins, geometric mean)")
        ax.set_ylabel("mean neighbourhood overlap")
        ax.set_title("CollegeMsg: overlap vs tie strength")
        ctx.save_figure(fig, "overlap_vs_strength")

    # ------------------------------------------------------------------ the model (two sweeps)
    cells, manifest = ctx.sweep("networking", subdir="sweep")
    pcells, pman = ctx.sweep("networking_percolation", subdir="percolation")
    pop = nw.networking_population(seed=seed, **P["model"])
    g = pop.graph
    rep.notes.append(f"Model: networking_population {P['model']} -> {g.n:,} people, {g.num_edges:,} ties (seed {seed}; "
                     f"the sweep cells regenerate it with their own graph seeds and sweep share_macro); base "
                     f"community model hierarchical_identity (WDN, one dimension, branching 2), tie level = "
                     f"max(1, 6 - tree distance); companies = {P['model']['company_groups']} sibling groups.")
    lev_share = np.bincount(g.edge_weights().astype(int), minlength=6)[1:] / g.num_edges
    rep.add("model: tie levels 1..5 (share)", "", "", float(lev_share[4]), None,
            ", ".join(f"{x:.3f}" for x in lev_share))
    model_curves = []
    for order in ("weak-first", "strong-first"):
        cid = pman.filter(pl.col("order") == order)["cell_id"].to_list()
        cur = pcells.filter(pl.col("cell_id").is_in(cid)).sort("removed")
        row = pman.filter(pl.col("order") == order).row(0, named=True)
        model_curves.append((order, cur, row))

    # figure: percolation curves
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for name, by, order, pr in perc_rows:
        gm = pr.giant.mean(axis=0)
        lo, hi = pr.band(pr.giant)
        line, = axes[0].plot(pr.removed, gm, label=f"{by}, {order}")
        axes[0].fill_between(pr.removed, lo, hi, color=line.get_color(), alpha=0.2)
    for order, cur, _ in model_curves:
        line, = axes[1].plot(cur["removed"], cur["giant"], label=f"level, {order}")
        axes[1].fill_between(cur["removed"], cur["giant_lo"], cur["giant_hi"], color=line.get_color(), alpha=0.2)
    axes[0].set_title("CollegeMsg")
    axes[1].set_title("population model (level)")
    for ax in axes:
        ax.set_xlabel("fraction of ties removed")
        ax.set_ylabel("giant component / all people")
        ax.legend(fontsize=7)
    ctx.save_figure(fig, "percolation")
    perc_summary = {}
    for name, by, order, pr in perc_rows:
        js = pr.to_json()
        perc_summary[(name, by, order)] = {"collapse_at": js["collapse_at"],
                                           "area": float(np.mean([r["giant"] for r in js["curve"]]))}
        rep.add(f"{name}: collapse_at, {by} {order}", "weak-first earlier (Onnela)", "P (qual.)",
                js["collapse_at"], tuple(js["collapse_band"]),
                f"susceptibility peak, {js['seeds']} seeds; giant at 50% removed "
                f"{np.interp(0.5, pr.removed, pr.giant.mean(axis=0)):.3f}")
    for order, cur, row in model_curves:
        perc_summary[("model", "level", order)] = {"collapse_at": row["collapse_at"], "area": row["giant_area"]}
        rep.add(f"model: collapse_at, level {order}", "weak-first earlier (Onnela)", "P (qual.)",
                row["collapse_at"], (row["collapse_lo"], row["collapse_hi"]),
                f"configs/networking_percolation.toml cell {row['cell_id']}; giant at 50% removed "
                f"{np.interp(0.5, cur['removed'].to_numpy(), cur['giant'].to_numpy()):.3f}")

    # ------------------------------------------------------------------ strategies
    share = float(P["model"]["share_macro"])
    cid = manifest.filter((pl.col("share_macro") - share).abs() < 1e-9)["cell_id"].to_list()
    out = cells.filter(pl.col("cell_id").is_in(cid))
    sweep_rows = []
    for row in manifest.sort("share_macro").iter_rows(named=True):
        sweep_rows.append(row)
        rep.add(f"model, share_macro = {row['share_macro']}: warm reach micro / macro / center", "", "",
                row["warm_paths_micro"], None,
                f"{row['warm_paths_micro']:.0f} / {row['warm_paths_macro']:.0f} / {row['warm_paths_center']:.0f}; "
                f"{100 * row['via_center']:.1f}% of cascade reach via centers")
    by_s = {}
    for strat in nw.STRATEGIES:
        sub = out.filter(pl.col("strategy") == strat)
        if sub.height:
            by_s[strat] = {c: t_interval(sub[c].to_numpy()) for c in
                           ("degree", "reach1", "reach2", "reach3", "naive2", "warm_paths", "warm_cascade",
                            "via_center", "p_intro")}
            for c in ("degree", "reach2", "warm_paths", "warm_cascade", "p_intro"):
                m, lo, hi = by_s[strat][c]
                rep.add(f"model, {strat}: {c}", "", "", m, (lo, hi), f"{sub.height} people, {hops} hops")
    ratio2 = out["reach2"].to_numpy() / np.maximum(out["naive2"].to_numpy(), 1)
    r2 = t_interval(ratio2)
    rep.add("model: reach at 2 hops / degree^2 (the '250 x 250 = 62,500')", "1 (naive)", "S", r2[0], r2[1:],
            "distinct people within 2 hops over degree^2 (friends' own degrees differ from yours)")
    ratio_f = out["reach2"].to_numpy() / np.maximum(out["friends_of_friends"].to_numpy(), 1)
    rf = t_interval(ratio_f)
    rep.add("model: reach at 2 hops / (friends' friends counted with repeats)", "1 (naive)", "S", rf[0], rf[1:],
            "distinct people within 2 hops over degree + sum of friends' other friends; < 1 = shared friends")
    dist = nw.intro_by_distance(pop, f=f, n_sources=int(P["distance_sources"]), seed=seed)
    _save(ctx, dist, "model_intro_by_distance", {"kind": "intro_by_distance", "params": P})
    marg = nw.marginal_ties(pop, k=int(P["marginal_k"]), f=f, hops=hops, n_sources=int(P["marginal_sources"]),
                            seed=seed)
    _save(ctx, marg, "model_marginal_ties", {"kind": "marginal_ties", "params": P})
    centre_share = float((pop.strategy == 2).mean())
    via = t_interval(out["via_center"].to_numpy())

    # figures: reach by strategy; intro vs cold by distance
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    strats = [s for s in nw.STRATEGIES if s in by_s]
    xs = np.arange(len(strats))
    for j, (c, lab) in enumerate([("reach1", "1 hop"), ("reach2", "2 hops"), ("reach3", "3 hops"),
                                  ("warm_paths", f"warm (best chains <= {hops})")]):
        axes[0].bar(xs + 0.2 * j - 0.3, [by_s[s][c][0] for s in strats], width=0.2, label=lab)
    axes[0].set_xticks(xs, strats)
    axes[0].set_ylabel("people")
    axes[0].set_title("nominal vs warm reach by strategy")
    axes[0].legend(fontsize=7)
    d_ok = dist.filter(pl.col("people") > 0)
    axes[1].plot(d_ok["distance"], d_ok["p_intro"], "o-", label="best introduction chain")
    axes[1].axhline(cold, color="k", ls="--", label=f"cold contact c = {cold}")
    axes[1].set_xlabel("graph distance to the person")
    axes[1].set_ylabel("success probability")
    axes[1].set_yscale("log")
    axes[1].legend(fontsize=7)
    axes[1].set_title("introduction vs cold contact")
    ctx.save_figure(fig, "reach_and_introductions")

    # ------------------------------------------------------------------ the inverted U
    u_tables = []
    tr = nw.transmission_by_level(g, pop.arc_levels(), community=pop.group, willingness=will)
    u_tables.append(("model (level = tree distance; communities = groups)", tr))
    if cm_ties is not None:
        u_tables.append(("CollegeMsg by intensity (model on a real topology)",
                         nw.transmission_by_level(cm_ties.graph, cm_ties.arc_levels(), willingness=will)))
        ov = tz.tie_strengths(cm, by="overlap")
        u_tables.append(("CollegeMsg by mutual connections (model on a real topology)",
                         nw.transmission_by_level(ov.graph, ov.arc_levels(), willingness=will)))
    dorm_rows = []
    for name in P["real_inverted_u"]:
        if name == "college-msg":
            continue
        rg = ctx.dataset(name)
        if rg is None:
            continue
        tt = tz.tie_strengths(rg, by="overlap")
        comm = None
        label = "communities = people"
        if rg.node_attrs is not None and "dorm" in rg.node_attrs.columns:
            comm = rg.node_attrs["dorm"].to_numpy()
            label = "communities = dorms (0 = missing, one community)"
        u_tables.append((f"{name} by mutual connections ({label}; model on a real topology)",
                         nw.transmission_by_level(tt.graph, tt.arc_levels(), community=comm, willingness=will)))
        if comm is not None and not dorm_rows:
            gr = nw.group_reach(tt.graph, tt.arc_levels(), comm, f=f, hops=hops, n_sources=int(P["distance_sources"]),
                                seed=seed)
            _save(ctx, gr, f"{name}_dorm_reach", {"kind": "group_reach", "graph": name, "f": f, "hops": hops})
            m = t_interval(gr.group_by("source").agg(pl.col("p_intro").mean())["p_intro"].to_numpy())
            dorm_rows.append((name, m))
            rep.add(f"{name}: best introduction into another dorm (mean over dorms)", f"cold contact c = {cold}", "",
                    m[0], m[1:], f"levels = overlap quintiles, f by level, <= {hops} hops; "
                    f"{gr['source'].n_unique()} students (model on a real topology)")
    allu = []
    for label, t in u_tables:
        allu.append(t.with_columns(pl.lit(label).alias("setting")))
    _save(ctx, pl.concat(allu), "inverted_u", {"kind": "inverted_u", "willingness": will})
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for label, t in u_tables:
        axes[0].plot(t["level"], t["transmission"], "o-", label=label[:48])
        axes[1].plot(t["level"], t["transmission_flat"], "o-", label=label[:48])
    axes[0].set_title("transmission = willingness x novelty")
    axes[1].set_title("flat willingness (structure only)")
    for ax in axes:
        ax.set_xlabel("tie level (1 = weakest, 5 = strongest)")
        ax.set_ylabel("mean transmission per tie")
        ax.legend(fontsize=6)
    ctx.save_figure(fig, "inverted_u")
    peaks = []
    for label, t in u_tables:
        pk = nw.peak_level(t)
        pkf = nw.peak_level(t, "transmission_flat")
        interior = 1 < pk < 5
        peaks.append((label, pk, pkf, interior))
        rep.add(f"inverted U, {label}: peak level", "moderately weak (Rajkumar)", "P", pk, None,
                f"flat-willingness peak: level {pkf}; novelty by level "
                + ", ".join("-" if (x is None or (isinstance(x, float) and math.isnan(x))) else f"{x:.3f}"
                            for x in t["novelty"].to_list()))

    # ------------------------------------------------------------------ claims table
    rep.claim("Rate each connection 1 (best friend) to 5 (never met)",
              "One convention: level = 6 - rating, 5 = strongest (as routing's min_strength); every table shows both",
              "a convention, not a measurement", "n/a (convention)")
    rep.claim("Fewer than 10% of strangers answer a generic request",
              f"not measured: c = {cold} is an input", "no data on replies in any graph here", "not tested (input)")
    if dist.height:
        d1 = dist.filter(pl.col("people") > 0)
        rep.claim("Ask a mutual contact for an introduction instead of cold-calling",
                  "best introduction chain into a person at distance 2: "
                  f"{d1.filter(pl.col('distance') == 2)['p_intro'].mean():.3f}, at the farthest distance "
                  f"{int(d1['distance'].max())}: {d1['p_intro'].to_list()[-1]:.3f}, vs cold c = {cold}; "
                  f"into a company: {t_interval(out['p_intro'].to_numpy())[0]:.3f}"
                  + "".join(f"; {nm}: into another dorm {m[0]:.3f}" for nm, m in dorm_rows),
                  f"f(level) = {list(f)}, best of all chains <= 6 hops (the requester picks the best chain)",
                  "holds" if d1["p_intro"].min() > cold else "fails at long distances")
    if "micro" in by_s and "macro" in by_s:
        mi, ma = by_s["micro"], by_s["macro"]
        rep.claim("Micro networkers (only people they know) vs macro networkers (accept everyone)",
                  f"degree {mi['degree'][0]:.0f} vs {ma['degree'][0]:.0f}; 2-hop reach {mi['reach2'][0]:.0f} vs "
                  f"{ma['reach2'][0]:.0f}; warm reach {mi['warm_paths'][0]:.0f} vs {ma['warm_paths'][0]:.0f}; "
                  f"company reach {mi['p_intro'][0]:.3f} vs {ma['p_intro'][0]:.3f}",
                  "model: macro ties are level 1 (f = %.2f); warm reach = sum of best chain probabilities" % f[0],
                  "macro > micro nominally; warm gap " + ("small" if abs(ma['warm_paths'][0] - mi['warm_paths'][0])
                                                           < 0.1 * mi['warm_paths'][0] else "large"))
    if marg.height:
        mrow = {r["added"]: r for r in marg.iter_rows(named=True)}
        rep.claim("The best go wide, then deep (value of k more weak vs strong ties)",
                  f"{P['marginal_k']} ties added to micro networkers: warm reach {mrow['none']['warm_paths']:.0f} -> "
                  f"{mrow['weak']['warm_paths']:.0f} (weak) vs {mrow['strong']['warm_paths']:.0f} (strong); "
                  f"company reach {mrow['none']['p_company']:.3f} -> {mrow['weak']['p_company']:.3f} vs "
                  f"{mrow['strong']['p_company']:.3f}",
                  "weak = level 1 to anyone, strong = level 5 in the own group",
                  "strong ties add more warm reach" if mrow['strong']['warm_paths'] > mrow['weak']['warm_paths']
                  else "weak ties add more warm reach")
    if "center" in by_s:
        rep.claim("Centers of influence connect people (cf. Milgram's funnelling: 48% of chains through 3 people)",
                  f"{100 * via[0]:.1f}% of cascade-reached people were reached through a center; centers are "
                  f"{100 * centre_share:.1f}% of people",
                  f"centers add {P['model']['center_extra']} level-3 cross-group ties and +{P['model']['center_boost']} "
                  "willingness; independent cascades",
                  "holds (over-represented)" if via[0] > centre_share else "fails")
    micro_out = out.filter(pl.col("strategy") == "micro")
    rm = t_interval((micro_out["reach2"] / micro_out["friends_of_friends"].clip(1)).to_numpy())
    rep.claim("250 friends of 250 friends = 62,500 people two degrees away",
              f"distinct 2-hop reach / degree^2 = {r2[0]:.3f} [{r2[1]:.3f}, {r2[2]:.3f}]; / (friends' friends "
              f"counted with repeats) = {rf[0]:.3f} [{rf[1]:.3f}, {rf[2]:.3f}], micro networkers {rm[0]:.3f}",
              "model population; shared friends (clustering) make the distinct count smaller than the sum, "
              "friends with more friends than you (friendship paradox) make it larger than degree^2",
              "fails: it double counts shared friends" if rf[0] < 0.9 else "roughly holds")
    for name in ("college-msg", "model"):
        wk = perc_summary.get((name, "intensity" if name == "college-msg" else "level", "weak-first"))
        st = perc_summary.get((name, "intensity" if name == "college-msg" else "level", "strong-first"))
        if wk and st:
            gw, gs = wk["area"], st["area"]  # mean giant over the curve: the area under it
            rep.claim(f"Weak ties bridge circles; removing weak ties first breaks the network apart (Granovetter; "
                      f"Onnela) - {name}",
                      f"collapse_at weak-first {wk['collapse_at']:.3f} vs strong-first {st['collapse_at']:.3f}; "
                      f"mean giant over the curve (area) {gw:.3f} vs {gs:.3f}",
                      "intensity (messages) for CollegeMsg, model levels for the model; ties within a level in seeded "
                      "random order",
                      ("holds" if wk["collapse_at"] < st["collapse_at"] and gw < gs else
                       "partly: the giant shrinks faster weak-first, but the susceptibility peaks no earlier"
                       if gw < gs else "fails"))
    if cm_ties is not None:
        ovl = [r["mean_overlap"] for r in cm_ties.summary()["by_level"]]
        mono = all(ovl[i] <= ovl[i + 1] for i in range(4))
        rep.claim("Neighbourhood overlap grows with tie strength (Onnela)",
                  "CollegeMsg mean overlap by intensity level: " + ", ".join(f"{x:.4f}" for x in ovl),
                  "messages per pair as strength", "holds" if mono else "partly")
    for label, pk, pkf, interior in peaks:
        rep.claim(f"Inverted U: moderately weak ties transmit most (Rajkumar) - {label}",
                  f"peak at level {pk} with stated willingness, level {pkf} with flat willingness",
                  f"novelty from structure; willingness {list(will)} stated; a rising willingness times a falling "
                  "novelty builds a peak in partly",
                  "holds (interior peak)" if interior else f"fails (peak at the {'strong' if pk == 5 else 'weak'} end)")
    ch = nw.chain_tie_levels(pop, n_chains=int(P["chains"]), n_targets=20, attrition=0.25, seed=seed)
    _save(ctx, pl.DataFrame({"level": [1, 2, 3, 4, 5], "hop_share": ch["hop_level_share"],
                             "tie_share": ch["tie_level_share"]}), "model_chain_tie_levels",
          {"kind": "chain_tie_levels", **{k: v for k, v in ch.items() if not isinstance(v, list)}})
    hs, ts = ch["hop_level_share"], ch["tie_level_share"]
    rep.add("model chains: share of completed-chain hops over level 5 ties", "", "", hs[4], None,
            f"{ch['completed']} of {ch['chains']} chains completed (greedy_hierarchy, attrition 0.25); hops by "
            "level 1..5: " + ", ".join(f"{x:.3f}" for x in hs) + "; ties by level: " + ", ".join(f"{x:.3f}" for x in ts))
    medium = hs[1] + hs[2] + hs[3]
    rep.claim("Successful chains used medium-strength professional ties, not close friends or hubs (Dodds 2003)",
              f"completed chains' hops by level 1..5: {', '.join(f'{x:.2f}' for x in hs)} (ties: "
              f"{', '.join(f'{x:.2f}' for x in ts)}); top-1% degree people made {100 * ch['hub_share_hops']:.1f}% of "
              f"the forwarding steps, centers of influence {100 * ch['centre_share_hops']:.1f}%",
              "model population; greedy WDN routing by group tree (forwarders know the target's group); constant "
              "attrition 0.25; the last hops inside the target's group are necessarily level-5 ties",
              "no hubs: holds; medium ties: " + ("holds" if medium > hs[4] else "fails (strong, in-group ties carry most hops)"))
    return rep


declare_study("networking", title=TITLE, citation=CITATION, run=reproduce)
