"""Pieces shared by the distance reproductions (:mod:`experiments.facebook`, :mod:`experiments.twitter`).

Both studies read per-source reach profiles (``profiles`` sweep cells) into matrices and report
distance statistics of the pooled rows with a delete-one-group jackknife interval over sources.
The statistics themselves (mean, sd, fraction within k, spid) and the jackknife are those of
:mod:`simulate.distances`; this module only adds the 95% interval, the profile-table reshaping and
the check that a reproduction's data set is present.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from simulate.distances import source_jackknife

#: 95% two-sided normal quantile for jackknife intervals.
Z95 = 1.959963984540054


def percent(x):
    """A fraction as a percentage."""
    return 100.0 * x


def scale_interval(ci, f):
    """``(f(lo), f(hi))``, or None for no interval."""
    return None if ci is None else (f(ci[0]), f(ci[1]))


def jackknife_interval(stat, mats, groups=32):
    """Statistic of pooled per-source rows with a delete-one-group jackknife 95% interval.

    ``stat`` takes the column sums of each matrix in ``mats`` (rows = sources, in random order)
    and returns a float; see :func:`simulate.distances.source_jackknife`. Returns
    ``(value, (lo, hi))`` with ``value +- Z95 * se``; the interval is None with fewer than 2
    sources or when a leave-one-group-out value is undefined (NaN).
    """
    value, se = source_jackknife(stat, mats, groups)
    value = float(value)
    if not np.isfinite(se):
        return value, None
    return value, (value - Z95 * se, value + Z95 * se)


def dataset_present(ctx, name) -> bool:
    """True if the dataset's file is present; otherwise records it as missing (with the fetch
    command) in the report, via :meth:`Context.dataset`, without reading anything."""
    from simulate import datasets

    if datasets.get(name).is_present(ctx.data_dir):
        return True
    ctx.dataset(name)
    return False


def profile_matrices(table: pl.DataFrame):
    """Per-source matrices from a ``profiles`` cell table.

    Returns ``(counts, same, weight, degree)``: ``counts[i, d]`` nodes at distance d from
    source i (the source itself removed, so column 0 is 0), ``same`` the same-group ones,
    ``weight`` the summed target weight (source removed), ``degree[i]`` the source's degree.
    """
    src = table["source"].to_numpy()
    d = table["distance"].to_numpy().astype(np.int64)
    uniq, inv = np.unique(src, return_inverse=True)
    S, D = uniq.shape[0], int(d.max()) + 1
    counts = np.zeros((S, D))
    same = np.zeros((S, D))
    weight = np.zeros((S, D))
    counts[inv, d] = table["nodes"].to_numpy()
    same[inv, d] = table["same_group"].to_numpy()
    weight[inv, d] = table["weight"].to_numpy()
    counts[:, 0] = 0.0
    same[:, 0] = 0.0
    weight[:, 0] = 0.0
    degree = np.zeros(S)
    degree[inv] = table["degree"].to_numpy()
    return counts, same, weight, degree
