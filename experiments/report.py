"""Shared pieces of every reproduction: the comparison table and ``report.md``.

A reproduction compares each published value (with its status from ``../shared/REFERENCES.md``:
P = primary text, S = secondary sources, U = unconfirmed) with our estimate and its
confidence interval. The published value is only ever *displayed* beside ours; tests check our
numbers against bands derived from the model, never against the published figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from simulate.io.atomic import atomic_path


@dataclass
class Comparison:
    """One row of a reproduction's report.

    Attributes
    ----------
    quantity : str
        What is compared, with units ("average distance (hops)").
    published : str
        The published value as printed in the paper, or "" when there is none.
    status : str
        P, S or U (see REFERENCES.md), or "" for quantities with no published value.
    ours : float
        Our estimate.
    ci : tuple of float, optional
        Our 95% confidence interval (or +- one standard error where stated in ``note``).
    note : str
        Where the number comes from (graph, method, sample size).
    """

    quantity: str
    published: str
    status: str
    ours: float
    ci: tuple | None = None
    note: str = ""

    def ours_text(self) -> str:
        def fmt(x):
            if x is None or (isinstance(x, float) and math.isnan(x)):
                return "n/a"
            ax = abs(x)
            if ax != 0 and (ax >= 1e5 or ax < 1e-3):
                return f"{x:.3g}"
            return f"{x:.3f}".rstrip("0").rstrip(".") if ax < 100 else f"{x:,.1f}"

        s = fmt(self.ours)
        if self.ci is not None and self.ci[0] is not None:
            s += f" [{fmt(self.ci[0])}, {fmt(self.ci[1])}]"
        return s


@dataclass
class Report:
    """A reproduction's ``report.md``: a title, the comparison table and free-text notes."""

    name: str
    title: str
    citation: str
    rows: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    figures: list = field(default_factory=list)
    quick: bool = False
    missing: list = field(default_factory=list)

    def add(self, *args, **kwargs):
        self.rows.append(Comparison(*args, **kwargs))

    def markdown(self) -> str:
        lines = [f"# {self.title}", "", f"Reproduction `{self.name}`"
                 + (" (quick run: small sizes, wide intervals)" if self.quick else "") + ".", "",
                 f"Source: {self.citation}", ""]
        if self.missing:
            lines += ["## Data not present", ""]
            lines += [f"- {m}" for m in self.missing]
            lines.append("")
        lines += ["| quantity | published | status | ours [95% CI] | how |", "|---|---|---|---|---|"]
        for r in self.rows:
            lines.append(f"| {r.quantity} | {r.published} | {r.status} | {r.ours_text()} | {r.note} |")
        lines.append("")
        if self.figures:
            lines += ["## Figures", ""] + [f"![{Path(f).stem}]({Path(f).name})" for f in self.figures] + [""]
        if self.notes:
            lines += ["## Notes", ""] + [f"- {n}" for n in self.notes] + [""]
        return "\n".join(lines)

    def write(self, out_dir) -> Path:
        out = Path(out_dir) / "report.md"
        with atomic_path(out) as tmp:
            tmp.write_text(self.markdown())
        return out


def t_interval(values, level=0.95):
    """Mean and two-sided t confidence interval of a 1-D sample (NaN-free); (mean, lo, hi)."""
    import numpy as np
    from scipy import stats

    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return float("nan"), None, None
    m = float(x.mean())
    if x.size < 2:
        return m, None, None
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return m, m - half, m + half
