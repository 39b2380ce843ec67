"""Summaries and plots of sweep result directories (see :mod:`simulate.sweep`).

:func:`summarize` groups the finished cells of a result directory by parameters and
reports, for every numeric summary metric, the mean over the group's cells (replicates)
with a 95% Student-t confidence interval; :func:`plot` draws one metric against one
parameter with those intervals as error bars.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl

from .errors import ParameterError
from .kinds import experiment_kinds
from .registry import did_you_mean
from .sweep import MANIFEST, manifest_metadata, read_manifest

#: Manifest columns that are bookkeeping, never metrics.
_NOT_METRICS = {"cell_id", "index", "status", "path", "seed", "graph_fingerprint", "rows", "started",
                "finished", "seconds", "worker", "error", "replicate", "graph_nodes", "graph_edges"}

_NUMERIC = (pl.Float32, pl.Float64, pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16,
            pl.UInt32, pl.UInt64)


def _t_quantile(df: int) -> float:
    from scipy.stats import t

    return float(t.ppf(0.975, df)) if df >= 1 else math.nan


def load(directory):
    """(manifest DataFrame, parameter column names, experiment kind) of a result directory."""
    directory = Path(directory)
    if not (directory / MANIFEST).exists():
        raise ParameterError(f"{directory}: no {MANIFEST}; give a directory written by 'smallworld run'")
    df = read_manifest(directory)
    md = manifest_metadata(directory)
    params = [p for p in md.get("params", []) if p in df.columns]
    return df, params, md.get("kind")


def metric_columns(df: pl.DataFrame, params) -> list[str]:
    """Numeric summary metrics of a manifest (everything but parameters and bookkeeping)."""
    return [c for c, dt in df.schema.items()
            if c not in _NOT_METRICS and c not in params and dt in _NUMERIC]


def summarize(directory, by=None, metrics=None) -> pl.DataFrame:
    """Mean and 95% t confidence interval of every metric per parameter combination.

    Parameters
    ----------
    directory : str or Path
        A result directory written by :func:`simulate.sweep.run_sweep`.
    by : list of str, optional
        Parameter columns to group by [default: every swept parameter]; cells differing in
        other parameters are pooled.
    metrics : list of str, optional
        Metrics to report [default: every numeric summary metric].

    Returns
    -------
    polars.DataFrame
        Columns: the ``by`` parameters, ``n`` (finished cells), ``failed``, then for each
        metric ``<metric>`` (mean over the group's finished cells) and ``<metric>_ci95``
        (half-width ``t_{0.975, k-1} s / sqrt(k)`` over the ``k`` non-null values; null for
        ``k < 2``). Sorted by ``by``.
    """
    df, params, _ = load(directory)
    if by is None:
        by = [p for p in params if p != "replicate"]
    by = [by] if isinstance(by, str) else list(by)
    for b in by:
        if b not in df.columns or b in _NOT_METRICS - {"replicate"}:
            raise ParameterError(f"--by {b!r}: not a parameter of this sweep{did_you_mean(b, params)} "
                                 f"(parameters: {', '.join(params) or 'none'})")
    all_metrics = metric_columns(df, params)
    if metrics is None:
        metrics = all_metrics
    for m in metrics:
        if m not in all_metrics:
            raise ParameterError(f"unknown metric {m!r}{did_you_mean(m, all_metrics)} "
                                 f"(metrics: {', '.join(all_metrics) or 'none'})")
    metrics = [m for m in metrics if m not in by]
    lf = df.lazy().with_columns([pl.col(m).cast(pl.Float64) for m in metrics])
    done = pl.col("status") == "done"
    aggs = [done.sum().alias("n"), (pl.col("status") == "failed").sum().alias("failed")]
    for m in metrics:
        v = pl.col(m).filter(done & pl.col(m).is_not_null() & pl.col(m).is_not_nan())
        aggs += [v.mean().alias(m), v.std(ddof=1).alias(f"__sd_{m}"), v.count().alias(f"__k_{m}")]
    if by:
        out = lf.group_by(by, maintain_order=True).agg(aggs).sort(by, nulls_last=True).collect()
    else:
        out = lf.select(aggs).collect()
    cols = [pl.col(b) for b in by] + [pl.col("n").cast(pl.Int64), pl.col("failed").cast(pl.Int64)]
    for m in metrics:
        k = out[f"__k_{m}"].to_numpy().astype(np.int64)
        tq = np.array([_t_quantile(int(x) - 1) if x >= 2 else np.nan for x in k])
        sd = out[f"__sd_{m}"].cast(pl.Float64).fill_null(np.nan).to_numpy()
        half = tq * sd / np.sqrt(np.maximum(k, 1))
        out = out.with_columns(pl.Series(f"{m}_ci95", half).fill_nan(None))
        cols += [pl.col(m), pl.col(f"{m}_ci95")]
    return out.select(cols)


def format_summary(table: pl.DataFrame, by, metrics) -> str:
    """Plain-text table: parameters, n, then ``mean ± ci95`` per metric."""
    head = list(by) + ["n"] + list(metrics)
    rows = []
    for r in table.iter_rows(named=True):
        cells = [_fmt(r[b]) for b in by] + [str(r["n"]) + (f" ({r['failed']} failed)" if r["failed"] else "")]
        for m in metrics:
            mean, ci = r.get(m), r.get(f"{m}_ci95")
            if mean is None:
                cells.append("-")
            elif ci is None:
                cells.append(_fmt(mean))
            else:
                cells.append(f"{_fmt(mean)} ± {_fmt(ci)}")
        rows.append(cells)
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def _fmt(v) -> str:
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        return f"{v:.4g}"
    return str(v)


def main_metrics(directory, table_columns) -> list[str]:
    """The metrics ``results summarize`` prints for a directory's experiment kind: the kind's
    declared main metrics (:mod:`simulate.kinds`) present in the table, else the first six."""
    _, _, kind = load(directory)
    kinds = experiment_kinds()
    declared = kinds.get(kind).metrics if kind in kinds else ()
    wanted = [m for m in declared if m in table_columns]
    if wanted:
        return wanted
    return [c for c in table_columns if not c.endswith("_ci95")][:6]


def plot(directory, x, y, hue=None, out="figure.png", logx=False, title=None):
    """Plot metric ``y`` (mean ± 95% CI over replicates) against parameter ``x``.

    One line per value of ``hue`` (a parameter), written atomically to ``out`` (format from
    its suffix) with matplotlib's Agg backend. Returns the path.
    """
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from .io.atomic import atomic_path

    df, params, _ = load(directory)
    for option, name in (("--x", x), ("--hue", hue)):
        # Named by the option the user typed (summarize would call every one of them --by).
        if name is not None and (name not in df.columns or name in _NOT_METRICS - {"replicate"}):
            raise ParameterError(f"{option} {name!r}: not a parameter of this sweep{did_you_mean(name, params)} "
                                 f"(parameters: {', '.join(params) or 'none'})")
    by = [x] + ([hue] if hue else [])
    table = summarize(directory, by=by, metrics=[y])
    fig, ax = plt.subplots(figsize=(6, 4))
    groups = [(None, table)] if not hue else [
        (key[0] if isinstance(key, tuple) else key, sub) for key, sub in
        table.group_by(hue, maintain_order=True)]
    for label, sub in groups:
        sub = sub.sort(x)
        xs = sub[x].to_numpy()
        ys = sub[y].cast(pl.Float64).to_numpy()
        err = sub[f"{y}_ci95"].cast(pl.Float64).fill_null(0.0).to_numpy()
        ax.errorbar(xs, ys, yerr=err, marker="o", capsize=3,
                    label=None if label is None else f"{hue} = {label}")
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(title or f"{y} vs {x} (mean ± 95% CI)")
    if hue:
        ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    out = Path(out)
    fmt = out.suffix.lstrip(".").lower() or "png"
    with atomic_path(out) as tmp:
        fig.savefig(tmp, format=fmt, dpi=120)
    plt.close(fig)
    return out
