"""Twitter at Kwak et al.'s scale: a 41.7M-user, 1.47G-arc follower graph and its directed distances.

Not a registered reproduction (it needs ~10 GB and tens of minutes):
``python -m simulate.experiments.kwak_scale [--n N] [--sources S] [--transpose] [--undirected] [--out DIR]``
prints a markdown table and writes ``DIR/report.md``, ``DIR/summary.json`` and
``DIR/profiles.parquet`` (one row per source and distance). Run big sizes under
``flock /work/bigmem.lock``.

The graph: :func:`simulate.generators.directed_follower` with Kwak et al.'s shape (WWW 2010,
doi:10.1145/1772690.1772751, section 3) and ``mutual_weight = "min"``, every parameter from a
published structural statistic (none from a distance):

* 41.7M users, 1.47G follow arcs: KONECT's copy of the crawl has 41,652,230 users and
  1,468,365,182 arcs, 35.25 per user (P);
* 22.1% of connected pairs mutual (Kwak et al. section 3.2; 36.2% of arcs, KONECT's
  reciprocity 0.362106);
* followers (in-degree): a power law of exponent 2.276 (Kwak et al.'s fit up to 10^5
  followers; the tail above is heavier, not modelled), expected followers capped at
  2,997,469, KONECT's largest in-degree (P);
* followings (out-degree): heavy-tailed without a published exponent (their CCDF has glitches
  at 20, Twitter's sign-up suggestions, and 2,000, the follow limit of 2009): exponent 2.5
  (an assumption) and expected followings capped at 2,000 (the follow limit; KONECT's largest
  out-degree, 770,155, belongs to the few accounts the limit let through);
* users nobody follows and users who follow nobody: Kwak et al. publish no share (not found);
  the only published shares we found are Gabielkov & Legout's for all 537M accounts of 2012
  (40% not followed by anybody, 25% following nobody; "The Complete Picture of the Twitter
  Social Graph", CoNEXT 2012 student workshop, hal-00752934). With independent follower and
  following laws they cannot carry Kwak's 22.1% mutual pairs (a user's mutual pairs are at
  most min(followers, followings); at 40% / 25% at most 22% of arcs could be mutual, against
  36.2%): the largest multiple of (40%, 25%) that still allows 22.1% is 0.48 at 200k users,
  0.46 at 1M, 0.44 at 4M (falling slowly with n as the followers' tail grows). We take 0.4:
  **16% of users without followers and 10% without followings** (disjoint groups). This is a
  choice bounded by the mutual-pair share, not a measurement; it is the part of the shape
  we are least sure of. At this bound nearly every user's smaller side is all mutual
  (``mutual_weight_scale`` ~0.97), while on Twitter mutual pairs concentrate on fewer users.

No communities, no clustering beyond Chung-Lu's, independent in- and out-weights.

Time and memory, measured with this shape (2 threads; peak RSS of the process; wall clock on the
shared 2-core machine, CPU seconds comparable across loads): 2M users / 70.5M arcs: build 24 s CPU,
BFS from 1,000 users 29 s CPU, peak 1.40 GiB with the undirected version; 6M users / 211M arcs:
build 367 s wall (111 s CPU, load 8-16), transpose 34 s, BFS 427 s wall (131 s CPU), peak 2.47 GiB;
5M users / 176M arcs with the undirected version: build 217 s (71 s CPU), BFS 201 s (95 s CPU), undirected
build 94 s and BFS 88 s, peak 3.03 GiB (load 12-13).
CPU time grows like n^1.4 from 2M to 6M (cache misses: the hub rows' neighbours no longer fit); the
full 41.7M users (1.47G arcs, 2026-11-30, load 0.7 at start and 5-9 during, beside other work): build
1,431 s wall (886 s CPU, 10.0 GiB peak), transpose 61 s, BFS from 1,000 users 615 s wall (966 s CPU), peak RSS
14.1 GiB for the whole run, within 24 GiB. The undirected version needs the directed CSR and the
symmetric one (2 (M + A) = 1.64 arcs per follow arc) at once: a second run with ``--skip-directed``
(2026-11-30, load 0.8 at start, 8-10 during) built the same graph in 579 s (811 s CPU), its
1,202,499,290-edge undirected version in 368 s and ran the 1,000-source BFS in 428 s (566 s CPU):
16.58 GiB peak RSS (the conversion, both CSRs alive), 23.4 min in all.

The distances: exact BFS along follow arcs (u -> v: u follows v) from ``S`` users drawn
uniformly, bit-parallel (:func:`simulate.kernels.msbfs.msbfs_histograms`, 64 sources per word).
Without ``--transpose`` every level is top-down (no in-neighbour CSR: 4 bytes per arc saved);
with it, levels switch to bottom-up as in direction-optimizing BFS (same distances, less work).
Statistics are over reachable ordered pairs (source, target), with delete-one-group jackknife
95% intervals over sources. The mean over all reachable ordered pairs is the same whether one
searches along arcs from sampled sources or against them from sampled targets: only the
sampling differs. ``--undirected`` also measures distances ignoring direction (the reading of
KONECT's 3.549) on the symmetrised graph, built from the directed one by counting
(:func:`simulate.kernels.csr.undirected_from_directed`).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import numba
import numpy as np
import polars as pl

KWAK_USERS = 41_700_000
KWAK_ARCS = 1_470_000_000
KONECT_USERS = 41_652_230      # KONECT 'twitter': the same crawl, as published there
KONECT_ARCS = 1_468_365_182
GAMMA_IN = 2.276         # Kwak et al. 2010, followers' power-law fit up to 10^5
GAMMA_OUT = 2.5          # followings: heavy-tailed, no published exponent (an assumption)
MAX_FOLLOWINGS = 2000.0  # Twitter's 2009 follow limit (Kwak et al.'s glitch at 2,000)
MAX_FOLLOWERS = 2_997_469.0  # KONECT 'twitter' (Kwak's crawl): largest in-degree
MUTUAL_PAIR_SHARE = 0.221
# Gabielkov & Legout 2012 (all 537M accounts): 40% followed by nobody, 25% following nobody; scaled
# by 0.4, below the largest multiple (0.44-0.48) that leaves room for 22.1% mutual pairs (module notes).
ZERO_SCALE = 0.4
ZERO_FOLLOWERS = 0.40 * ZERO_SCALE
ZERO_FOLLOWINGS = 0.25 * ZERO_SCALE

#: Recorded full-size runs (summary.json of a run, trimmed), shown by the twitter reproduction as
#: "Kwak-scale" rows. Measured once on this repository's 2-core machine; not rerun by ``reproduce``.
RECORDED = [{'n': 2000000,
  'shape': 'kwak',
  'seed': 2010,
  'command': 'python -m simulate.experiments.kwak_scale --n 2000000 --sources 1000 --transpose --undirected',
  'date': '2026-11-30 10:16 UTC',
  'sources': 1000,
  'arcs': 70488717,
  'build_seconds': 68.1,
  'total_seconds': 259.4,
  'peak_rss': 1504890880,
  'mutual_pair_share_realised': 0.221,
  'load': '8.2-7.8',
  'directed': {'mean': 4.52808,
               'mean_ci': [4.5128, 4.54336],
               'sd': 0.56818,
               'sd_ci': [0.56373, 0.57264],
               'within_4': 0.4508,
               'within_4_ci': [0.43805, 0.46356],
               'within_5': 0.99256,
               'within_5_ci': [0.99176, 0.99336],
               'within_6': 1.0,
               'within_6_ci': [1.0, 1.0],
               'mode': 5,
               'mode_share': 0.54176,
               'pairs': 1523727518,
               'reachable_share': 0.76186},
  'undirected': {'mean': 3.10149,
                 'mean_ci': [3.08314, 3.11984],
                 'sd': 0.54759,
                 'sd_ci': [0.54144, 0.55373],
                 'within_4': 0.99996,
                 'within_4_ci': [0.99993, 0.99999],
                 'within_5': 1.0,
                 'within_5_ci': [1.0, 1.0],
                 'within_6': 1.0,
                 'within_6_ci': [1.0, 1.0],
                 'mode': 3,
                 'mode_share': 0.69005,
                 'pairs': 1999998000,
                 'reachable_share': 1.0}},
 {'n': 5000000,
  'shape': 'kwak',
  'seed': 2010,
  'command': 'python -m simulate.experiments.kwak_scale --n 5000000 --sources 1000 --transpose --undirected '
             '--shape kwak --out /tmp/tw_5m',
  'date': '2026-11-30 11:11 UTC',
  'sources': 1000,
  'arcs': 176243179,
  'build_seconds': 216.5,
  'total_seconds': 626.8,
  'peak_rss': 3256811520,
  'mutual_pair_share_realised': 0.221,
  'load': '13.4-12.3',
  'directed': {'mean': 4.76587,
               'mean_ci': [4.75449, 4.77726],
               'sd': 0.53785,
               'sd_ci': [0.53149, 0.54421],
               'within_4': 0.26261,
               'within_4_ci': [0.25416, 0.27107],
               'within_5': 0.95847,
               'within_5_ci': [0.95525, 0.96168],
               'within_6': 0.99999,
               'within_6_ci': [0.99998, 0.99999],
               'mode': 5,
               'mode_share': 0.69585,
               'pairs': 3754690196,
               'reachable_share': 0.75094},
  'undirected': {'mean': 3.19985,
                 'mean_ci': [3.18482, 3.21487],
                 'sd': 0.56544,
                 'sd_ci': [0.56051, 0.57037],
                 'within_4': 0.99982,
                 'within_4_ci': [0.99971, 0.99994],
                 'within_5': 1.0,
                 'within_5_ci': [1.0, 1.0],
                 'within_6': 1.0,
                 'within_6_ci': [1.0, 1.0],
                 'mode': 3,
                 'mode_share': 0.6409,
                 'pairs': 4999994000,
                 'reachable_share': 1.0}},
 {'n': 6000000,
  'shape': 'kwak',
  'seed': 2010,
  'command': 'python -m simulate.experiments.kwak_scale --n 6000000 --sources 1000 --transpose',
  'date': '2026-11-30 10:21 UTC',
  'sources': 1000,
  'arcs': 211476863,
  'build_seconds': 366.7,
  'total_seconds': 836.9,
  'peak_rss': 2650742784,
  'mutual_pair_share_realised': 0.221,
  'load': '7.8-16.3',
  'directed': {'mean': 4.8119,
               'mean_ci': [4.79727, 4.82654],
               'sd': 0.53393,
               'sd_ci': [0.52809, 0.53977],
               'within_4': 0.23183,
               'within_4_ci': [0.22189, 0.24178],
               'within_5': 0.94522,
               'within_5_ci': [0.94067, 0.94977],
               'within_6': 0.99998,
               'within_6_ci': [0.99998, 0.99999],
               'mode': 5,
               'mode_share': 0.71339,
               'pairs': 4490528757,
               'reachable_share': 0.74842}},
 {'n': 41652230,
  'shape': 'kwak',
  'seed': 2010,
  'command': 'python -m simulate.experiments.kwak_scale --n 41652230 --sources 1000 --transpose',
  'date': '2026-11-30 12:51 UTC',
  'sources': 1000,
  'arcs': 1468251633,
  'build_seconds': 1430.8,
  'total_seconds': 2132.2,
  'peak_rss': 15184125952,
  'mutual_pair_share_realised': 0.221,
  'load': '0.7-8.9',
  'directed': {'mean': 5.35104,
               'mean_ci': [5.33708, 5.365],
               'sd': 0.57973,
               'sd_ci': [0.57607, 0.58338],
               'within_4': 0.04893,
               'within_4_ci': [0.04582, 0.05204],
               'within_5': 0.60047,
               'within_5_ci': [0.58925, 0.61168],
               'within_6': 0.99799,
               'within_6_ci': [0.99768, 0.9983],
               'mode': 5,
               'mode_share': 0.55154,
               'pairs': 31243269733,
               'reachable_share': 0.7501},
  # the same graph (same n, parameters and seed; bit-identical build) and the same 1,000 sources,
  # directions ignored, from a second run that skipped the directed BFS (memory: both CSRs at once)
  'undirected': {'mean': 3.4538,
                 'mean_ci': [3.43969, 3.46791],
                 'sd': 0.55727,
                 'sd_ci': [0.55254, 0.56201],
                 'within_4': 0.997,
                 'within_4_ci': [0.99622, 0.99778],
                 'within_5': 1.0,
                 'within_5_ci': [1.0, 1.0],
                 'within_6': 1.0,
                 'within_6_ci': [1.0, 1.0],
                 'mode': 3,
                 'mode_share': 0.49252,
                 'pairs': 41652189000,
                 'reachable_share': 1.0},
  'undirected_run': {'command': 'python -m simulate.experiments.kwak_scale --n 41652230 --sources 1000 '
                                '--undirected --skip-directed',
                     'date': '2026-11-30 16:01 UTC',
                     'load': '0.8-10.3',
                     'build_seconds': 578.9,
                     'undirected_build_seconds': 368.3,
                     'undirected_edges': 1202499290,
                     'undirected_bfs_seconds': 427.8,
                     'undirected_bfs_cpu_seconds': 565.6,
                     'total_seconds': 1404.5,
                     'peak_rss': 17801928704}}]

# (quantity label, published value, status, what graph and direction the number refers to)
PUBLISHED = {
    "kwak_mean": ("4.12", "S", "Kwak et al. 2010: Twitter 2009 crawl (41.7M users, 1.47G follow arcs), "
                               "directed follow arcs, average over reachable pairs of sampled users"),
    "konect_mean": ("3.549", "P", "KONECT 'twitter' (the same 2009 crawl): directions ignored, pairs of its "
                                  "largest connected component (KONECT computes distance statistics on the "
                                  "undirected graph)"),
    "sysomos_mean": ("4.67", "P", "Sysomos 2010: 5.2G Twitter relationships (a later, different sample); "
                                  "direction and method not documented"),
    "sysomos_mode": ("5 (41% of pairs)", "P", "Sysomos 2010, as above"),
    "sysomos_within5": ("83%", "S", "Sysomos 2010, as above"),
    "sysomos_within6": ("96% (or 98%)", "S", "Sysomos 2010, as above"),
}


def peak_rss_bytes():
    """Peak resident set size of this process so far (ru_maxrss, KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def cpu_seconds():
    """User + system CPU time of this process so far (all threads): comparable across machine loads."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _log(msg, t0):
    print(f"[{time.time() - t0:8.1f} s, rss {rss_bytes() / 2**30:5.2f} GiB, peak {peak_rss_bytes() / 2**30:5.2f} GiB] "
          f"{msg}", flush=True)


def histograms(push, pull, sources, alpha, words, t0, cap=64, partial=None):
    """Per-source distance histograms by bit-parallel BFS, in chunks (progress printed).

    ``partial``: a path where the rows done so far are saved after every chunk (``.npz`` with
    ``sources`` and ``counts``), so an interrupted run still yields its finished sources.
    """
    from simulate.kernels.msbfs import msbfs_histograms

    threads = max(1, numba.get_num_threads())
    chunk = 64 * words * threads
    rows = []
    for lo in range(0, sources.shape[0], chunk):
        src = sources[lo:lo + chunk]
        hist, _, depth = msbfs_histograms(push[0], push[1], pull[0], pull[1], src, words, cap, alpha)
        if depth.size and int(depth.max()) >= cap:
            cap = int(depth.max()) + 2
            hist, _, depth = msbfs_histograms(push[0], push[1], pull[0], pull[1], src, words, cap, alpha)
        rows.append(hist)
        _log(f"BFS {lo + src.shape[0]:,} / {sources.shape[0]:,} sources", t0)
        if partial is not None:
            width = max(r.shape[1] for r in rows)
            np.savez(partial, sources=sources[:lo + src.shape[0]],
                     counts=np.vstack([np.pad(r, ((0, 0), (0, width - r.shape[1]))) for r in rows]))
    width = max(r.shape[1] for r in rows)
    return np.vstack([np.pad(r, ((0, 0), (0, width - r.shape[1]))) for r in rows])


def statistics(counts):
    """Mean, sd, mode, within 4/5/6 of pooled per-source histograms, with jackknife intervals."""
    from simulate.distances import histogram_fraction_within, histogram_mean, histogram_sd, source_jackknife

    z = 1.959963984540054
    out = {}
    for name, stat in (("mean", histogram_mean), ("sd", histogram_sd),
                       ("within_4", lambda h: histogram_fraction_within(h, 4)),
                       ("within_5", lambda h: histogram_fraction_within(h, 5)),
                       ("within_6", lambda h: histogram_fraction_within(h, 6))):
        v, se = source_jackknife(stat, [counts])
        out[name] = float(v)
        out[name + "_ci"] = [float(v - z * se), float(v + z * se)] if np.isfinite(se) else None
    h = counts.sum(axis=0)
    out["mode"] = int(np.argmax(h))
    out["mode_share"] = float(h[out["mode"]] / h.sum())
    out["pairs"] = int(h.sum())
    out["histogram"] = h.tolist()
    return out


def model_parameters(mean_degree, shape="kwak"):
    """``directed_follower`` keyword arguments of a shape: ``"kwak"`` (module notes: separate caps,
    users without followers / followings) or ``"capped"`` (the earlier shape: one cap of 2,000 on
    both sides, "mean" mutual weight, no zero-degree users)."""
    common = dict(gamma_out=GAMMA_OUT, gamma_in=GAMMA_IN, mean_degree=mean_degree,
                  mutual_pair_share=MUTUAL_PAIR_SHARE)
    if shape == "capped":
        return dict(common, max_degree=MAX_FOLLOWINGS)
    if shape == "kwak":
        return dict(common, mutual_weight="min", max_followings=MAX_FOLLOWINGS, max_followers=MAX_FOLLOWERS,
                    zero_followers_share=ZERO_FOLLOWERS, zero_followings_share=ZERO_FOLLOWINGS)
    if shape == "kwak_no_zero":
        return dict(common, mutual_weight="min", max_followings=MAX_FOLLOWINGS, max_followers=MAX_FOLLOWERS)
    raise ValueError(f"unknown shape {shape!r}")


SHAPES = ("kwak", "kwak_no_zero", "capped")


def run(n, mean_degree, sources, seed, transpose, undirected, words, out, t0, shape="kwak", directed=True):
    from simulate.generators import directed_follower
    from simulate.kernels.csr import undirected_from_directed

    params = model_parameters(mean_degree, shape)
    summary = {"n": n, "shape": shape, "params": params, "seed": seed,
               "command": "python -m simulate.experiments.kwak_scale " + " ".join(sys.argv[1:]),
               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "sources": sources, "threads": numba.get_num_threads(), "load_at_start": os.getloadavg()}
    _log(f"building directed_follower n={n:,} {params}", t0)
    tb, cb = time.time(), cpu_seconds()
    g = directed_follower(n, seed=seed, **params)
    summary["build_seconds"] = time.time() - tb
    summary["build_cpu_seconds"] = cpu_seconds() - cb
    summary["build_peak_rss"] = peak_rss_bytes()
    summary["arcs"] = int(g.num_arcs)
    summary.update({k: g.meta[k] for k in ("mutual_pairs", "one_way_arcs", "mutual_pair_share_realised",
                                           "reciprocity_arcs_realised", "mutual_weight_scale") if k in g.meta})
    out_deg = np.diff(g.indptr)
    in_deg = g.in_degree()
    for name, d in (("out", out_deg), ("in", in_deg)):
        summary[f"{name}_degree"] = {"mean": float(d.mean()), "median": float(np.median(d)),
                                     "p99": float(np.percentile(d, 99)), "max": int(d.max()),
                                     "zero_share": float((d == 0).mean())}
    del out_deg, in_deg
    _log(f"built: {g.num_arcs:,} arcs in {summary['build_seconds']:.1f} s; "
         f"mutual pairs {summary['mutual_pair_share_realised']:.4f}", t0)
    rng = np.random.default_rng(seed)
    src = np.sort(rng.choice(n, size=min(sources, n), replace=False)).astype(np.int64)
    rng.shuffle(src)  # random order: jackknife groups by position
    tables = []
    if directed:
        tables.append(_directed_distances(g, src, transpose, words, out, summary, t0))
    if undirected:
        ip, ix = g.indptr, g.indices
        g = None  # the directed graph stays alive only through ip, ix
        tu = time.time()
        uip, uix = undirected_from_directed(ip, ix, numba.get_num_threads())
        del ip, ix
        summary["undirected_build_seconds"] = time.time() - tu
        summary["undirected_edges"] = int(uix.shape[0] // 2)
        _log(f"undirected version: {summary['undirected_edges']:,} edges", t0)
        tq, cq = time.time(), cpu_seconds()
        counts_u = histograms((uip, uix), (uip, uix), src, 1.0, words, t0)
        summary["undirected_bfs_seconds"] = time.time() - tq
        summary["undirected_bfs_cpu_seconds"] = cpu_seconds() - cq
        summary["undirected"] = statistics(counts_u)
        summary["undirected"]["reachable_share"] = summary["undirected"]["pairs"] / (src.shape[0] * (n - 1))
        tables.append(_table(src, counts_u, "undirected"))
    summary["peak_rss"] = peak_rss_bytes()
    summary["total_seconds"] = time.time() - t0
    out.mkdir(parents=True, exist_ok=True)
    pl.concat(tables).write_parquet(out / "profiles.parquet")
    (out / "summary.json").write_text(json.dumps(summary, indent=1, default=float) + "\n")
    text = report(summary)
    (out / "report.md").write_text(text + "\n")
    print(text)
    return summary


def _directed_distances(g, src, transpose, words, out, summary, t0):
    """Directed BFS from ``src`` along follow arcs; fills ``summary`` and returns the profile table."""
    push = (g.indptr, g.indices)
    if transpose:
        tt = time.time()
        t = g.transpose()
        summary["transpose_seconds"] = time.time() - tt
        summary["transpose_peak_rss"] = peak_rss_bytes()
        _log(f"transpose in {summary['transpose_seconds']:.1f} s", t0)
        pull, alpha = (t.indptr, t.indices), 1.0
    else:
        pull, alpha = push, 0.0  # alpha 0: never pull (no in-neighbour CSR needed)
    tq, cq = time.time(), cpu_seconds()
    out.mkdir(parents=True, exist_ok=True)
    counts = histograms(push, pull, src, alpha, words, t0, partial=out / "partial_directed.npz")
    summary["bfs_seconds"] = time.time() - tq
    summary["bfs_load_at_end"] = os.getloadavg()
    summary["bfs_cpu_seconds"] = cpu_seconds() - cq
    summary["bfs_peak_rss"] = peak_rss_bytes()
    summary["directed"] = statistics(counts)
    summary["directed"]["reachable_share"] = summary["directed"]["pairs"] / (src.shape[0] * (summary["n"] - 1))
    return _table(src, counts, "directed")


def recorded_entry(summary):
    """The trimmed form of a run's summary kept in :data:`RECORDED` (what the twitter report shows)."""
    keep = ("n", "shape", "seed", "command", "date", "sources", "arcs", "build_seconds", "total_seconds", "peak_rss",
            "mutual_pair_share_realised")
    out = {k: summary[k] for k in keep}
    out["load"] = f"{summary['load_at_start'][0]:.1f}-{summary.get('bfs_load_at_end', summary['load_at_start'])[0]:.1f}"
    for side in ("directed", "undirected"):
        if side in summary:
            out[side] = {k: v for k, v in summary[side].items() if k != "histogram"}
    return out


def _table(src, counts, graph):
    s, d = np.nonzero(counts)
    return pl.DataFrame({"graph": [graph] * s.shape[0], "source": src[s], "distance": d.astype(np.int32),
                         "count": counts[s, d]})


def _ci(stats, key, scale=1.0):
    ci = stats.get(key + "_ci")
    return f"[{ci[0] * scale:.3f}, {ci[1] * scale:.3f}]" if ci else ""


def report(s):
    d = s.get("directed")
    gb = 2**30
    lines = [
        f"# Twitter at Kwak scale: synthetic follower graph, n = {s['n']:,} (shape {s.get('shape', 'capped')!r})", "",
        f"Parameters: {s.get('params', {})}.",
        f"{s['arcs']:,} arcs ({s['arcs'] / s['n']:.2f} per user); mutual pairs {100 * s['mutual_pair_share_realised']:.2f}% "
        f"of connected pairs ({100 * s['reciprocity_arcs_realised']:.2f}% of arcs; an input); followers (in-degree) "
        f"median {s['in_degree']['median']:g}, max {s['in_degree']['max']:,}, "
        f"{100 * s['in_degree']['zero_share']:.2f}% of users without any; followings median "
        f"{s['out_degree']['median']:g}, max {s['out_degree']['max']:,}, "
        f"{100 * s['out_degree']['zero_share']:.2f}% without any.",
        f"Build {s['build_seconds']:.0f} s ({s['build_cpu_seconds']:.0f} s CPU), peak RSS "
        f"{s['build_peak_rss'] / gb:.2f} GiB; "
        + (f"directed BFS from {s['sources']:,} users {s['bfs_seconds']:.0f} s ({s['bfs_cpu_seconds']:.0f} s CPU); "
           if d else "directed BFS not run (--skip-directed); ")
        + f"peak RSS of the whole run {s['peak_rss'] / gb:.2f} GiB; "
        f"{s['threads']} threads, load at start {s['load_at_start'][0]:.1f}"
        + (f", after the directed BFS {s['bfs_load_at_end'][0]:.1f}" if "bfs_load_at_end" in s else "")
        + (f"; transpose {s['transpose_seconds']:.0f} s" if "transpose_seconds" in s else "")
        + (f"; undirected version built in {s['undirected_build_seconds']:.0f} s, BFS "
           f"{s['undirected_bfs_seconds']:.0f} s" if "undirected_bfs_seconds" in s else "") + ".",
        "",
        "| quantity | published | St. | what the published number measures | ours [95% CI] |",
        "|---|---|---|---|---|",
    ]
    if d:
        lines[-3:-2] = [f"Reachable ordered pairs: {100 * d['reachable_share']:.1f}% (directed).", ""]
        lines += [
        f"| average distance, directed (hops) | {PUBLISHED['kwak_mean'][0]} | {PUBLISHED['kwak_mean'][1]} | "
        f"{PUBLISHED['kwak_mean'][2]} | {d['mean']:.3f} {_ci(d, 'mean')} |",
        f"| average distance, directed (hops) | {PUBLISHED['sysomos_mean'][0]} | {PUBLISHED['sysomos_mean'][1]} | "
        f"{PUBLISHED['sysomos_mean'][2]} | {d['mean']:.3f} {_ci(d, 'mean')} |",
        f"| most common distance | {PUBLISHED['sysomos_mode'][0]} | P | {PUBLISHED['sysomos_mode'][2]} | "
        f"{d['mode']} ({100 * d['mode_share']:.1f}% of pairs) |",
        f"| % of reachable pairs within 5 hops | {PUBLISHED['sysomos_within5'][0]} | S | "
        f"{PUBLISHED['sysomos_within5'][2]} | {100 * d['within_5']:.1f} {_ci(d, 'within_5', 100)} |",
        f"| % of reachable pairs within 6 hops | {PUBLISHED['sysomos_within6'][0]} | S | "
        f"{PUBLISHED['sysomos_within6'][2]} | {100 * d['within_6']:.1f} {_ci(d, 'within_6', 100)} |",
        f"| % of reachable pairs within 4 hops | | | | {100 * d['within_4']:.2f} {_ci(d, 'within_4', 100)} |",
        ]
    if "undirected" in s:
        u = s["undirected"]
        lines.append(f"| average distance, directions ignored (hops) | {PUBLISHED['konect_mean'][0]} | "
                     f"{PUBLISHED['konect_mean'][1]} | {PUBLISHED['konect_mean'][2]} | {u['mean']:.3f} "
                     f"{_ci(u, 'mean')} (mode {u['mode']}; {100 * u['reachable_share']:.1f}% of pairs connected) |")
    else:
        lines.append(f"| average distance, directions ignored (hops) | {PUBLISHED['konect_mean'][0]} | "
                     f"{PUBLISHED['konect_mean'][1]} | {PUBLISHED['konect_mean'][2]} | not run at this size "
                     f"(--undirected) |")
    lines += ["", "Directed distances: hops along follow arcs over ordered pairs with a path, from users drawn "
                  "uniformly; the parameters come from structural statistics (size, arcs, mutual-pair share, "
                  "follower exponent, follow limit), none from a distance."]
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=KWAK_USERS, help="users (default: Kwak's 41.7M)")
    ap.add_argument("--mean-degree", type=float, default=KONECT_ARCS / KONECT_USERS, help="follow arcs per user")
    ap.add_argument("--sources", type=int, default=1000, help="BFS sources (users drawn uniformly)")
    ap.add_argument("--seed", type=int, default=2010)
    ap.add_argument("--words", type=int, default=1, help="64-bit words per node per bitset (64 sources each)")
    ap.add_argument("--transpose", action="store_true", help="build the in-neighbour CSR (bottom-up BFS levels)")
    ap.add_argument("--undirected", action="store_true", help="also measure distances ignoring direction")
    ap.add_argument("--skip-directed", action="store_true",
                    help="with --undirected: only the undirected distances (no directed BFS, no transpose)")
    ap.add_argument("--shape", choices=SHAPES, default="kwak",
                    help="kwak: separate caps and users without followers/followings (module notes); "
                         "kwak_no_zero: the same without them; capped: the earlier one-cap shape")
    ap.add_argument("--quick", action="store_true", help="n = 200,000, 128 sources")
    ap.add_argument("--out", default="results/twitter/kwak_scale")
    args = ap.parse_args(argv)
    if args.skip_directed and not args.undirected:
        ap.error("--skip-directed measures nothing without --undirected")
    n, sources = (200_000, 128) if args.quick else (args.n, args.sources)
    return run(n, args.mean_degree, sources, args.seed, args.transpose, args.undirected, args.words,
               Path(args.out), time.time(), shape=args.shape, directed=not args.skip_directed)


if __name__ == "__main__":
    main()
