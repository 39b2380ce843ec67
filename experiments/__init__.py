"""Reproductions of published six-degrees results (``smallworld reproduce NAME``).

Each reproduction is a config in ``configs/<name>.toml`` (run through the sweep machinery,
:func:`simulate.sweep.run_sweep`) plus a module here with

* ``TITLE``, ``CITATION``: what is reproduced;
* ``reproduce(ctx: Context) -> experiments.report.Report``: runs the sweep(s) through
  :meth:`Context.sweep`, turns the cell tables into a figure in the paper's style and a
  :class:`~experiments.report.Report` comparing published values (with their P/S status from
  ``../shared/REFERENCES.md``) with ours and our confidence intervals.

Outputs go to ``results/<name>/``: ``data/`` (the sweep's Parquet cells and manifest), PNG
figures and ``report.md``. Full (non-quick) runs also copy their figures to
``results/figures/`` for the README.
"""

from __future__ import annotations

import importlib
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from simulate.errors import SmallworldError

from .report import Report

#: Reproductions, in the order ``reproduce all`` runs them.
NAMES = ["watts_strogatz", "kleinberg", "facebook", "twitter", "milgram1967", "dodds2003", "searchability",
         "networking"]

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = REPO_ROOT / "configs"


def available() -> dict:
    """Name -> module for every reproduction whose module is present."""
    out = {}
    for name in NAMES:
        try:
            out[name] = importlib.import_module(f"experiments.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"experiments.{name}":
                raise
    return out


@dataclass
class Context:
    """Everything a reproduction needs to run: where to write, how big, which executor."""

    name: str
    out_dir: Path
    quick: bool = False
    executor: str = "serial"
    workers: int = 1
    scheduler: str | None = None
    data_dir: str | None = None
    progress: bool = True
    missing: list = field(default_factory=list)
    figures: list = field(default_factory=list)

    def config_path(self, config_name=None) -> Path:
        return CONFIG_DIR / f"{config_name or self.name}.toml"

    def sweep(self, config_name=None, subdir="data"):
        """Run (or resume) ``configs/<config_name>.toml`` into ``out_dir/subdir``.

        Returns the concatenated cell tables (polars) and the manifest (one row per cell with
        its flattened summary metrics). Raises if any cell failed.
        """
        from simulate.config import load_config
        from simulate.sweep import read_cells, read_manifest, run_sweep

        config = load_config(self.config_path(config_name), quick=self.quick)
        out = self.out_dir / subdir
        rep = run_sweep(config, out=out, executor=self.executor, workers=self.workers,
                        scheduler=self.scheduler, quick=self.quick, progress=self.progress,
                        data_dir=self.data_dir)
        if not rep.ok:
            first = next(iter(rep.errors.items()), ("?", "?"))
            raise SmallworldError(f"reproduction {self.name}: {rep.failed} cell(s) of "
                                  f"{self.config_path(config_name).name} failed; first: {first[1]}")
        manifest = read_manifest(out)
        cells = read_cells(out)
        # A result directory may still hold cells of an earlier run with other settings (a --quick run
        # before a full one): keep only the cells of this config, as listed in its manifest.
        if cells.height and "cell_id" in cells.columns:
            cells = cells.filter(cells["cell_id"].is_in(manifest["cell_id"].implode()))
        return cells, manifest

    def dataset(self, name, **kwargs):
        """Read a registered dataset, or record it as missing (with the fetch command) and return None."""
        from simulate import datasets, read_graph

        ds = datasets.get(name)
        if not ds.is_present(self.data_dir):
            self.missing.append(f"`{ds.file}` ({ds.name}) is not in the data directory "
                                f"{datasets.resolve_data_dir(self.data_dir)}; get it with "
                                f"`smallworld data fetch {ds.name}`. The parts that need it were skipped.")
            return None
        return read_graph(name, data_dir=self.data_dir, **kwargs)

    def save_figure(self, fig, stem) -> Path:
        """Save a matplotlib figure as ``out_dir/<stem>.png`` (and to results/figures/ on full runs)."""
        import matplotlib.pyplot as plt

        from simulate.io.atomic import atomic_path

        path = self.out_dir / f"{stem}.png"
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
        plt.close(fig)
        self.figures.append(path)
        if not self.quick:
            shared = self.out_dir.parent / "figures"
            shared.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, shared / f"{self.name}_{stem}.png")
        return path


def run_reproduction(name, out=None, quick=False, executor="serial", workers=1, scheduler=None,
                     data_dir=None, progress=True) -> tuple[Report, float]:
    """Run one reproduction end to end; returns its report (already written) and the seconds taken."""
    mods = available()
    if name not in mods:
        raise SmallworldError(f"unknown reproduction {name!r}; available: {', '.join(mods)}")
    out_dir = Path(out) if out else Path("results") / name
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx = Context(name=name, out_dir=out_dir, quick=quick, executor=executor, workers=workers,
                  scheduler=scheduler, data_dir=data_dir, progress=progress)
    t0 = time.perf_counter()
    report = mods[name].reproduce(ctx)
    report.quick = quick
    report.missing = list(ctx.missing)
    report.figures = list(ctx.figures)
    report.write(out_dir)
    return report, time.perf_counter() - t0
