"""Reproductions of published six-degrees results (``smallworld reproduce NAME``).

Installed as ``simulate.experiments`` (the top-level ``experiments/`` folder of the repository,
mapped by ``package-dir`` in ``pyproject.toml``); only that name is ever imported.

Each reproduction is a config in ``configs/<name>.toml`` (package data ``simulate.configs``, run
through the sweep machinery, :func:`simulate.sweep.run_sweep`) plus a module here that declares
itself once in :data:`STUDIES`::

    declare_study("watts_strogatz", title=TITLE, citation=CITATION, run=reproduce)

where ``reproduce(ctx: Context) -> Report`` runs the sweep(s) through :meth:`Context.sweep`, turns
the cell tables into a figure in the paper's style and a
:class:`~simulate.experiments.report.Report` comparing published values (with their P/S status
from ``../shared/REFERENCES.md``) with ours and our confidence intervals. Adding a reproduction is
one new module (plus its config and tests): :func:`load_studies` imports every module of this
package.

Outputs go to the ``--out`` directory [default ``results/<name>/``]: ``data/`` (the sweep's Parquet
cells and manifest), PNG figures and ``report.md``. Full (non-quick) runs with the default output
also copy their figures to ``results/figures/`` for the README.
"""

from __future__ import annotations

import importlib
import pkgutil
import shutil
import time
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Callable

from simulate.errors import ParameterError, SmallworldError
from simulate.registry import Registry

from .report import Report


@dataclass(frozen=True)
class Study:
    """One reproduction: what it reproduces and the function that runs it.

    Attributes
    ----------
    name : str
        ``smallworld reproduce NAME``; also its config's file name (``configs/NAME.toml``).
    title : str
    citation : str
        The reproduced paper(s), with DOI.
    run : callable
        ``run(ctx: Context) -> Report``.
    """

    name: str
    title: str
    citation: str
    run: Callable


#: Every reproduction, declared by its module (a name declared from two modules is an error).
STUDIES: Registry = Registry("reproduction", error=ParameterError)


def declare_study(name, title, citation, run) -> Study:
    """Declare a reproduction (call once, at the bottom of its module)."""
    return STUDIES.register(name, Study(name=name, title=title, citation=citation, run=run),
                            module=run.__module__)


def load_studies() -> Registry:
    """Import every module of this package (each declares its study) and return :data:`STUDIES`.

    Listing order (and ``reproduce all`` order) is by name.
    """
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    return STUDIES


def studies() -> dict:
    """Name -> :class:`Study` for every reproduction, sorted by name."""
    reg = load_studies()
    return {name: reg.get(name) for name in sorted(reg.names())}


def config_path(name) -> Path:
    """The shipped config ``configs/<name>.toml`` (package data, found with importlib.resources).

    A real file path (the package is installed unzipped); whether it exists is the caller's check.
    """
    return Path(str(files("simulate.configs") / f"{name}.toml"))


@dataclass
class Context:
    """Everything a reproduction needs to run: where to write, how big, which executor.

    ``figures_dir``, when set, also receives a copy of every figure of a full run (``results/figures``
    for the README); figures themselves always go under ``out_dir``.
    """

    name: str
    out_dir: Path
    quick: bool = False
    executor: str = "serial"
    workers: int = 1
    scheduler: str | None = None
    data_dir: str | None = None
    progress: bool = True
    figures_dir: Path | None = None
    missing: list = field(default_factory=list)
    figures: list = field(default_factory=list)

    def config_path(self, config_name=None) -> Path:
        return config_path(config_name or self.name)

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
            for need, _ in ds.missing_files(self.data_dir):
                self.missing.append(f"`{need.file}` ({need.name}) is not in the data directory "
                                    f"{datasets.resolve_data_dir(self.data_dir)}; get it with "
                                    f"`smallworld data fetch {need.name}`, or point `--data-dir` (or `$SMALLWORLD_DATA`) "
                                    f"at the directory that holds it. The parts that need it were skipped.")
            return None
        return read_graph(name, data_dir=self.data_dir, **kwargs)

    def save_figure(self, fig, stem) -> Path:
        """Save a matplotlib figure as ``out_dir/<stem>.png`` (and a copy in ``figures_dir`` on full runs)."""
        import matplotlib.pyplot as plt

        from simulate.io.atomic import atomic_path

        path = self.out_dir / f"{stem}.png"
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
        plt.close(fig)
        self.figures.append(path)
        if not self.quick and self.figures_dir is not None:
            self.figures_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, self.figures_dir / f"{self.name}_{stem}.png")
        return path


def run_reproduction(name, out=None, quick=False, executor="serial", workers=1, scheduler=None,
                     data_dir=None, progress=True, figures_dir=None) -> tuple[Report, float]:
    """Run one reproduction end to end; returns its report (already written) and the seconds taken.

    ``out`` defaults to ``results/<name>`` (and then full runs copy figures to ``results/figures``);
    with an explicit ``out`` everything stays under it unless ``figures_dir`` says otherwise.
    """
    study = load_studies().get(name)
    if out is None:
        out_dir = Path("results") / name
        if figures_dir is None:
            figures_dir = Path("results") / "figures"
    else:
        out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx = Context(name=name, out_dir=out_dir, quick=quick, executor=executor, workers=workers,
                  scheduler=scheduler, data_dir=data_dir, progress=progress,
                  figures_dir=Path(figures_dir) if figures_dir is not None else None)
    t0 = time.perf_counter()
    report = study.run(ctx)
    report.quick = quick
    report.missing = list(ctx.missing)
    report.figures = list(ctx.figures)
    report.write(out_dir)
    return report, time.perf_counter() - t0
