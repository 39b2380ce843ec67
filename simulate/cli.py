"""The ``smallworld`` command line (thin: parse, call the public API, print).

Every command that takes a graph accepts a file path or a dataset name
(``smallworld graph info ego-facebook``). Errors caused by input print one line on stderr
and exit with status 2, without a traceback.

Start-up: module level imports only click and :mod:`simulate.errors`; each command imports
what it needs (numpy, kernels, polars, the reproductions) when it runs, so ``smallworld --help``
stays fast (``tests/test_startup.py`` checks which modules it loads).
"""

from __future__ import annotations

import functools
import json
import os
import sys
import warnings
from pathlib import Path

import click

from . import implicit_routing, policies
from .errors import SmallworldError
from .progress import show_progress

#: ``--data-dir`` of every command that reads data sets (one wording, one environment variable).
DATA_DIR_HELP = ("Directory holding dataset files [default: $SMALLWORLD_DATA, else ../shared/data beside "
                 "a source checkout, else ~/.cache/smallworld/data].")


def data_dir_option(help=DATA_DIR_HELP):
    return click.option("--data-dir", type=click.Path(file_okay=False), default=None, envvar="SMALLWORLD_DATA",
                        help=help)


class SmallworldGroup(click.Group):
    """Click group that turns input errors into one clean line and exit code 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except SmallworldError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except click.UsageError as exc:
            # Bad options of a subcommand: one line too, with where to look.
            where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            click.echo(f"error: {exc.format_message()}{where}", err=True)
            sys.exit(2)
        except BrokenPipeError:
            # The reader went away (| head): stop quietly, as other Unix tools do.
            sys.stdout = open(os.devnull, "w")
            sys.exit(1)
        except OSError as exc:
            # Missing files, permissions, a path below a file, a read-only file system, a full
            # disk: the operating system's own words, naming the file.
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"error: {where}{exc.strerror or exc}", err=True)
            sys.exit(2)
        except MemoryError:
            from .memory import LIMIT_ENV

            click.echo(f"error: out of memory (the request is too large for this machine; a lower "
                       f"--max-memory / ${LIMIT_ENV} refuses such requests before they start)", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)


def print_version(ctx, param, value):
    """``--version``: the installed version, looked up only when asked for (importlib.metadata is slow)."""
    if not value or ctx.resilient_parsing:
        return
    from . import __version__

    click.echo(f"smallworld, version {__version__}")
    ctx.exit()


@click.group(cls=SmallworldGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=print_version,
              help="Show the version and exit.")
@click.option("--max-memory", default=None, metavar="SIZE",
              help="Refuse requests estimated to need more memory than SIZE (e.g. 16G, 0 = no limit) "
                   "[default: $SMALLWORLD_MAX_MEMORY, else 80% of physical memory].")
def main(max_memory=None):
    """smallworld: how many hops separate people, and can they find the short paths?

    \b
    Graphs: a file (SNAP text, CSV, Parquet, GML, .mat, .jlg, KONECT, native .swg)
    or a dataset name from 'smallworld data list'.
    """
    # Warnings (a header-only CSV, ...) as one plain line each.
    warnings.formatwarning = lambda message, category, *args, **kwargs: f"warning: {message}\n"
    if max_memory is not None:
        from .memory import LIMIT_ENV, parse_size

        parse_size(max_memory)  # a bad size is an error here, not later in a worker
        os.environ[LIMIT_ENV] = max_memory  # inherited by sweep worker processes


#: The two options that say how to read a graph file (shared by every command that reads one).
directed_option = click.option(
    "--directed/--undirected", default=None,
    help="Treat edges as directed or not [default: the dataset's or file's own; text files: undirected].")
format_option = click.option(
    "--format", "fmt", default=None, metavar="F",
    help="Input format, overriding the file name (snap, csv, parquet, native, gml, mat, jlg, konect, ...).")


def graph_source(func):
    """Options shared by every command that reads a graph: SOURCE, --directed/--undirected, --format, --data-dir."""

    @click.argument("source", metavar="PATH|NAME")
    @directed_option
    @format_option
    @data_dir_option()
    @functools.wraps(func)
    def wrapper(source, directed, fmt, data_dir, **kwargs):
        from .sources import read_graph

        graph = read_graph(source, directed=directed, format=fmt, data_dir=data_dir)
        return func(graph=graph, source=source, **kwargs)

    return wrapper


def echo_json(obj):
    """Print one JSON object (numpy scalars converted)."""

    from .provenance import json_default

    # NaN is not JSON: a quantity with no value (no chain reached, no pairs) is null.
    click.echo(json.dumps(_nan_to_none(json.loads(json.dumps(obj, default=json_default))), allow_nan=False))


def _nan_to_none(x):
    if isinstance(x, float) and x != x:
        return None
    if isinstance(x, dict):
        return {k: _nan_to_none(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_nan_to_none(v) for v in x]
    return x


# ---------------------------------------------------------------------------- graph
@main.group()
def graph():
    """Inspect and convert graphs."""


def graph_summary(g) -> dict:
    """The facts ``smallworld graph info`` prints, as a dict."""
    import numpy as np

    deg = g.out_degree() if not g.directed else g.out_degree() + g.in_degree()
    labels, k = g.connected_components()
    largest = int(np.bincount(labels).max()) if g.n else 0
    out = {
        "nodes": g.n,
        "edges": g.num_edges,
        "directed": g.directed,
        "components": int(k),
        "largest_component_nodes": largest,
        "self_loops_dropped": g.report.self_loops_dropped,
        "duplicates_dropped": g.report.duplicates_dropped,
        "degree": {
            "min": int(deg.min()) if g.n else 0,
            "median": float(np.median(deg)) if g.n else 0.0,
            "mean": float(deg.mean()) if g.n else 0.0,
            "max": int(deg.max()) if g.n else 0,
        },
    }
    if g.directed:
        from .graph_statistics import reciprocity_shares

        out.update(reciprocity_shares(g))
    return out


@graph.command("info")
@graph_source
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
def graph_info(graph, source, as_json):
    """Nodes, edges, components and degrees of a graph.

    Undirected edges are counted once; for directed graphs components are weak, the
    degree is in + out, and reciprocity is given both as the share of arcs returned and
    as the share of connected pairs that are mutual (Kwak et al.'s measure).
    """
    s = graph_summary(graph)
    if as_json:
        echo_json(s)
        return
    d = s["degree"]
    comp = "weakly connected components" if s["directed"] else "connected components"
    click.echo(f"graph        {source}")
    click.echo(f"nodes        {s['nodes']:,}")
    click.echo(f"edges        {s['edges']:,} ({'directed' if s['directed'] else 'undirected'})")
    click.echo(f"dropped      {s['self_loops_dropped']:,} self-loops, {s['duplicates_dropped']:,} duplicates")
    click.echo(f"components   {s['components']:,} {comp}; largest has {s['largest_component_nodes']:,} nodes")
    click.echo(f"degree       min {d['min']}, median {d['median']:g}, mean {d['mean']:.2f}, max {d['max']}")
    if s["directed"]:
        click.echo(f"reciprocity  {100 * s['reciprocity_arcs']:.1f}% of arcs returned; "
                   f"{100 * s['mutual_pair_share']:.1f}% of connected pairs mutual")


@graph.command("convert")
@graph_source
@click.argument("out", type=click.Path(dir_okay=True))
@click.option("--to", "to_fmt", type=click.Choice(["native", "parquet", "snap"]), default=None,
              help="Output format [default: from OUT's name: .swg native, .parquet, .txt/.txt.gz SNAP].")
@click.option("--force", is_flag=True, help="Replace OUT if it exists (a file or native graph; never another directory).")
def graph_convert(graph, source, out, to_fmt, force):
    """Convert PATH|NAME to the native format (.swg), a Parquet edge table or SNAP text.

    An existing OUT is refused unless --force.
    """
    from .io import write_graph
    from .io.atomic import claim_output

    claim_output(out, force)

    write_graph(graph, out, format=to_fmt)
    click.echo(f"wrote {out}: {graph.n:,} nodes, {graph.num_edges:,} edges", err=True)


# ---------------------------------------------------------------------------- further command groups
# Each area registers its commands below this line (one block per area).


# ---------------------------------------------------------------------------- data (datasets registry)
@main.group()
def data():
    """Known real data sets: list, locate, download and verify them."""


@data.command("list")
@data_dir_option()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per line.")
def data_list(data_dir, as_json):
    """Every registered data set, whether it is present locally, its size and description."""
    from . import datasets

    for name in datasets.names():
        ds = datasets.get(name)
        present = ds.is_present(data_dir)
        if as_json:
            echo_json({"name": name, "kind": ds.kind, "present": present, "nodes": ds.nodes,
                       "edges": ds.edges, "directed": ds.directed, "format": ds.format,
                       "file": ds.file, "path": str(ds.local_path(data_dir)), "sha256": ds.sha256,
                       "url": ds.url, "page": ds.page, "description": ds.description,
                       "citation": ds.citation})
            continue
        size = (f"{ds.nodes:>9,} nodes {ds.edges:>11,} edges" if ds.kind == "graph"
                else f"{ds.nodes:>9,} rows  {ds.kind:>17}")
        click.echo(f"{'*' if present else ' '} {name:<27} {size}  {ds.description}")
    if not as_json:
        click.echo("(* = present in " + str(datasets.resolve_data_dir(data_dir)) + ")", err=True)


@data.command("path")
@click.argument("name")
@data_dir_option()
def data_path(name, data_dir):
    """Print the local path of data set NAME (whether or not the file is there yet)."""
    from . import datasets

    click.echo(str(datasets.get(name).local_path(data_dir)))


@data.command("fetch")
@click.argument("name")
@data_dir_option("Where to put the file [default: $SMALLWORLD_DATA, else ../shared/data beside a source "
                 "checkout, else ~/.cache/smallworld/data].")
@click.option("--url", default=None, help="Download from this address instead of the registered one.")
@click.option("--force", is_flag=True, help="Download even if a verified copy is present.")
def data_fetch(name, data_dir, url, force):
    """Download data set NAME, verify its sha256 and write it atomically."""
    from . import datasets

    path = datasets.fetch(name, data_dir=data_dir, url=url, force=force)
    click.echo(str(path))


@data.command("verify")
@click.argument("name")
@data_dir_option()
def data_verify(name, data_dir):
    """Check the local file of data set NAME against its registered sha256."""
    from . import datasets

    datasets.verify(name, data_dir=data_dir)
    click.echo(f"{name}: ok")


# ---------------------------------------------------------------------------- chains (Milgram-style search)
class PolicyChoice(click.Choice):
    """The routing-policy names of :data:`simulate.policies.POLICIES`, read when used."""

    def __init__(self):
        self.case_sensitive = True

    @property
    def choices(self):
        return policies.names()

    def convert(self, value, param, ctx):
        if value in policies.POLICIES:
            return value
        try:
            policies.get(value)
        except SmallworldError as exc:  # the registry's message: "did you mean" and the known names
            self.fail(str(exc), param, ctx)


def _policies_epilog() -> str:
    return "\b\nPolicies (simulate.policies):\n" + "\n".join(f"  {line}" for line in policies.help_text().splitlines())


def graph_or_population_source(func):
    """:func:`graph_source` with an optional SOURCE, or ``--model`` (an implicit population)."""

    @click.argument("source", metavar="[PATH|NAME]", required=False)
    @click.option("--model", default=None, metavar="MODEL",
                  help="Route on an implicit population instead of PATH|NAME: a model whose contacts are "
                       "computed when a message reaches someone and never stored (10^12 people and more). "
                       "Models and parameters: smallworld chains --list-models.")
    @click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
                  help="Parameter of --model (repeatable), e.g. -p side=1048576 -p r=2.")
    @click.option("--mode", default=None, type=click.Choice(list(implicit_routing.MODES)),
                  help="--model only. quenched: one fixed population, contacts keyed by (seed, person); annealed: "
                       "contacts redrawn at each visit (same law for greedy lattice routing, a little faster) "
                       f"[default, with the default policy: {implicit_routing.help_defaults()}].")
    @click.option("--list-models", is_flag=True, help="List the implicit population models and exit.")
    @directed_option
    @format_option
    @data_dir_option()
    @functools.wraps(func)
    def wrapper(source, model, params, mode, list_models, directed, fmt, data_dir, **kwargs):
        if list_models:
            from .implicit import describe_models

            click.echo(describe_models())
            return None
        if (source is None) == (model is None):
            raise click.UsageError("give PATH|NAME or --model MODEL (one of them)")
        if model is None:
            if params:
                raise click.UsageError("-p/--param needs --model")
            from .sources import read_graph

            graph = read_graph(source, directed=directed, format=fmt, data_dir=data_dir)
        else:
            from .implicit import implicit_population, parse_params

            # One seed: the population's contacts and the chains use separate streams of it.
            graph = implicit_population(model, seed=kwargs.get("seed", 0), mode=mode, **parse_params(model, params))
            source = f"implicit {model} ({graph.mode})"
        return func(graph=graph, source=source, **kwargs)

    return wrapper


def _implicit_epilog() -> str:
    lines = []
    for r in implicit_routing.IMPLICIT_ROUTING.values():
        lines += [f"  {r.model}: modes {', '.join(r.modes())}", f"    policies {r.describe_policies()}",
                  f"    options  {r.describe_options()}"]
    return "\n\n\b\nImplicit models (--model; simulate.implicit_routing):\n" + "\n".join(lines)


@main.command("chains", epilog=_policies_epilog() + _implicit_epilog())
@graph_or_population_source
@click.option("--policy", default=None, type=PolicyChoice(),
              help="Routing policy (each holder sees only its neighbours and the target's attributes; "
                   "see Policies below). A policy needing node attributes the graph lacks fails first "
                   "[default: greedy_lattice; with --model, the model's: "
                   + ", ".join(f"{r.model}: {r.default_policy}" for r in implicit_routing.IMPLICIT_ROUTING.values())
                   + "]. On --model, the policies and options each model's router supports (and in which mode) "
                     "are listed by --list-models.")
@click.option("--attrition", default=0.0, show_default=True, type=float,
              help="Probability that a holder drops the message, per step (0..1).")
@click.option("--chains", "n_chains", default=1000, show_default=True, type=int, help="Number of chains.")
@click.option("--targets", "n_targets", default=10, show_default=True, type=int,
              help="Random targets, uniform with replacement (so they may repeat) over the largest "
                   "(strongly) connected component; chains spread over them.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0), help="Random seed (>= 0).")
@click.option("--epsilon", default=0.0, show_default=True, type=float,
              help="Probability of a uniformly random eligible neighbour instead of the policy's choice.")
@click.option("--backtrack", is_flag=True, help="Dead ends return the message to the previous holder.")
@click.option("--max-steps", default=None, type=int,
              help="Step cap [default: 10 sqrt(n) + 100; with --model "
                   + "; ".join(f"{r.model}: {r.max_steps_default}" for r in implicit_routing.IMPLICIT_ROUTING.values())
                   + "].")
@click.option("--attributes", default=None, metavar="A,B,...",
              help=f"Columns for greedy_attributes [default: those of "
                   f"{', '.join(policies.FACEBOOK100_ATTRIBUTES)} present].")
@click.option("--min-strength", default=None, type=click.IntRange(1, 5),
              help="Forward only along ties of at least this strength level (1..5).")
@click.option("--out", default=None, type=click.Path(dir_okay=False), help="Write the chain table (Parquet).")
@click.option("--force", is_flag=True, help="Replace OUT if it exists (a file or native graph; never another directory).")
@click.option("--boot", "n_boot", default=1000, show_default=True, type=int,
              help="Bootstrap replicates for the corrected-length confidence intervals.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def chains_command(graph, source, policy, attrition, n_chains, n_targets, seed, epsilon, backtrack, max_steps,
                   attributes, min_strength, out, force, n_boot, as_json, quiet):
    """Milgram-style chain experiment on PATH|NAME (or an implicit --model): decentralized search with attrition.

    Prints completion, chain lengths (steps = hops; intermediaries = steps - 1), the
    attrition-corrected mean and median chain length with bootstrap 95% intervals
    (Dodds, Muhamad, Watts 2003) and the mean shortest-path distance of the same pairs.
    """
    from .chains import run_chains

    if out:
        from .io.atomic import claim_output

        claim_output(out, force)
    policy = policy or getattr(graph, "default_policy", "greedy_lattice")
    res = run_chains(graph, policy=policy, attrition=attrition, n_chains=n_chains, n_targets=n_targets,
                     seed=seed, max_steps=max_steps, epsilon=epsilon, backtrack=backtrack,
                     attributes=attributes, min_strength=min_strength, progress=show_progress(quiet) and not as_json)
    s = res.summary(n_boot=n_boot)
    if out:
        res.to_parquet(out, metadata={"command": "smallworld chains", "graph": str(source)})
    if as_json:
        echo_json(s)
        return

    def ci(pair):
        return f"[{pair[0]:.2f}, {pair[1]:.2f}]"

    click.echo(f"graph              {source} ({graph.n:,} nodes)")
    click.echo(f"policy             {policy}, attrition {attrition:g}, epsilon {epsilon:g}"
               f"{', backtracking' if backtrack else ''}")
    click.echo(f"chains             {s['chains']:,}; reached {s['reached']:,} ({100 * s['completion_rate']:.1f}%)")
    if s["reached"]:
        click.echo(f"steps (reached)    mean {s['mean_steps_reached']:.2f}, median {s['median_steps_reached']:g}"
                   f"  (intermediaries = steps - 1)")
    else:
        click.echo("steps (reached)    none: no chain reached its target")
    click.echo(f"attrition (est.)   {s['estimated_attrition']:.3f} per step")
    if s["corrected_mean"] == s["corrected_mean"] and s["corrected_mean"] is not None:
        click.echo(f"corrected length   mean {s['corrected_mean']:.2f} {ci(s['corrected_mean_ci'])}, "
                   f"median {s['corrected_median']:g} {ci(s['corrected_median_ci'])}")
    else:
        click.echo("corrected length   n/a (no completed chains to correct)")
    if "shortest_path" in res.params:  # implicit populations: no BFS
        click.echo(f"shortest path      n/a ({res.params['shortest_path']})")
    else:
        click.echo(f"shortest path      mean {s['mean_shortest_path']:.2f} hops")
    if out:
        click.echo(f"wrote {out}", err=True)


# ---------------------------------------------------------------------------- distances / diameter
@main.command("distances")
@graph_source
@click.option("--method", default="exact", show_default=True, type=click.Choice(["exact", "sample", "hyperball"]),
              help="exact: BFS from every node; sample: BFS from --sources random nodes; hyperball: HyperLogLog estimate.")
@click.option("--sources", "n_sources", default=1024, show_default=True, type=int,
              help="Random BFS sources for --method sample (uniform without replacement from the frame).")
@click.option("--registers", default=64, show_default=True, type=int,
              help="HyperLogLog registers per node for --method hyperball (power of two, 16..4096).")
@click.option("--runs", default=8, show_default=True, type=int, help="Independent HyperBall runs, averaged.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0), help="Random seed (>= 0).")
@click.option("--component", default="largest", show_default=True, type=click.Choice(["largest", "all"]),
              help="Frame: pairs inside the largest (strongly) connected component, or all pairs.")
@click.option("--direction", default="out", show_default=True, type=click.Choice(["out", "in"]),
              help="Directed graphs: BFS along out-arcs or in-arcs.")
@click.option("--out", default=None, type=click.Path(dir_okay=False),
              help="Write the distribution (distance, pairs, pmf, cdf) as Parquet with provenance metadata.")
@click.option("--force", is_flag=True, help="Replace OUT if it exists (a file or native graph; never another directory).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def distances_command(graph, source, method, n_sources, registers, runs, seed, component, direction, out,
                      force, as_json, quiet):
    """Distance distribution of PATH|NAME: average distance, median, effective diameter, spid.

    Counts ordered pairs of distinct nodes by hop distance inside the largest connected
    component (strongly connected for directed graphs) unless --component all. Approximate
    methods report jackknife standard errors.
    """
    from .distances import distance_distribution

    if out:
        from .io.atomic import claim_output

        claim_output(out, force)
    res = distance_distribution(graph, method=method, n_sources=n_sources, registers=registers, runs=runs,
                                seed=seed, component=component, direction=direction,
                                progress=show_progress(quiet))
    if out:
        res.to_parquet(out, metadata={"command": "smallworld distances", "graph": str(source)})
    s = res.summary()
    if as_json:
        echo_json(s)
        if out:
            click.echo(f"wrote {out}", err=True)
        return
    fmt_pairs = (lambda x: f"{x:,.0f}") if method == "hyperball" else (lambda x: f"{int(x):,}")
    pmf, cdf = res.pmf(), res.cdf()
    click.echo(f"{'distance':>8}  {'pairs':>16}  {'pmf':>8}  {'cdf':>8}")
    for d in range(1, len(res.counts)):
        click.echo(f"{d:>8}  {fmt_pairs(res.counts[d]):>16}  {pmf[d]:>8.5f}  {cdf[d]:>8.5f}")
    se = s.get("stderr") or {}

    def pm(key):
        return f" ± {se[key]:.4f}" if key in se and se[key] == se[key] else ""

    click.echo("")
    click.echo(f"graph               {source} ({s['nodes']:,} nodes, {s['edges']:,} edges)")
    click.echo(f"method              {method}")
    click.echo(f"frame               {s['frame']['description']}")
    if s["mean"] is None or s["mean"] != s["mean"]:
        click.echo("mean distance       n/a (no pairs of distinct connected nodes in this frame)")
    else:
        click.echo(f"mean distance       {s['mean']:.4f}{pm('mean')}")
        click.echo(f"median              {s['median']}")
        click.echo(f"effective diameter  {s['effective_diameter']:.4f}{pm('effective_diameter')} (90%, interpolated)")
        click.echo(f"spid                {s['spid']:.4f}{pm('spid')}")
    click.echo(f"diameter            >= {s['diameter_lower_bound']}"
               + (" (exact for this frame)" if method == "exact" else ""))
    rf = s["reachable_fraction"]
    rf_err = se.get("reachable_fraction")
    rf_se = f" ± {rf_err:.2%} (sketch estimate)" if rf_err is not None and rf_err == rf_err else ""
    click.echo(f"reachable pairs     {rf:.4%}{rf_se}" if rf is not None else "reachable pairs     n/a")
    if out:
        click.echo(f"wrote {out}", err=True)


@main.command("diameter")
@graph_source
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def diameter_command(graph, source, as_json):
    """Diameter of the largest (strongly) connected component of PATH|NAME.

    Undirected: exact, by iFUB (reports the number of BFS used). Directed: lower and upper
    bounds from forward/backward BFS sweeps.
    """
    from .distances import diameter

    r = diameter(graph).to_dict()
    if as_json:
        echo_json(r)
        return
    comp = "strongly connected component" if r["directed"] else "connected component"
    click.echo(f"graph        {source}")
    click.echo(f"component    largest {comp}: {r['component_nodes']:,} of {r['nodes']:,} nodes")
    if r["exact"]:
        click.echo(f"diameter     {r['diameter']} (exact, {r['method']}, {r['n_bfs']:,} BFS)")
    else:
        click.echo(f"diameter     between {r['lower']} and {r['upper']} ({r['method']}, {r['n_bfs']:,} BFS)")


# ---------------------------------------------------------------------------- run / results (config sweeps)
@main.command("run")
@click.argument("config", type=click.Path(dir_okay=False))
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Output directory [default: the config's [output] directory].")
@click.option("--executor", type=click.Choice(["serial", "local", "dask"]), default=None,
              help="Where cells run [default: local when --workers > 1, else serial].")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes (local pool or dask LocalCluster).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="dask scheduler address (tcp://host:port); implies --executor dask.")
@click.option("--dry-run", is_flag=True,
              help="List the cells and which are done, pending or stale (finished under another model: "
                   "changed defaults, model revision or version; rerun recomputes them); run nothing.")
@click.option("--quick", is_flag=True, help="Apply the config's [quick] overrides (small sizes).")
@data_dir_option()
@click.option("--quiet", is_flag=True, help="No progress bar.")
def run_command(config, out, executor, workers, scheduler, dry_run, quick, data_dir, quiet):
    """Run (or resume) the experiment sweep described by CONFIG (TOML).

    Each cell is written to its own Parquet file as soon as it finishes; rerunning skips
    finished cells, except stale ones (computed under other parameter defaults, another model
    revision or package version: recomputed, with a warning saying what changed). Exit status:
    0 all cells done, 1 some cell failed, 2 invalid config.
    """
    from .config import load_config
    from .sweep import cell_listing, run_sweep

    cfg = load_config(config, quick=quick)
    if executor is None:
        executor = "dask" if scheduler else ("local" if workers > 1 else "serial")
    report = run_sweep(cfg, out=out, executor=executor, workers=workers, scheduler=scheduler,
                       progress=show_progress(quiet), dry_run=dry_run, data_dir=data_dir)
    if dry_run:
        for row in cell_listing(report):
            params = " ".join(f"{k}={v}" for k, v in row.items() if k not in ("cell_id", "status"))
            click.echo(f"{row['cell_id']}  {row['status']:<7}  {params}")
        click.echo(f"{len(report.cells)} cells, {report.done} done, {len(report.cells) - report.done} to run "
                   f"-> {report.out}")
        return
    stale = f", {len(report.stale)} of them stale, recomputed" if report.stale else ""
    click.echo(f"{report.out}: {len(report.cells)} cells, {report.done} done "
               f"({report.ran} run now{stale}, {report.skipped} already done), {report.failed} failed "
               f"in {report.seconds:.1f} s", err=True)
    for cid, err in list(report.errors.items())[:10]:
        click.echo(f"failed {cid}: {err}", err=True)
    if report.failed:
        sys.exit(1)


@main.group("results")
def results_group():
    """Summaries and plots of sweep result directories."""


@results_group.command("summarize")
@click.argument("directory", type=click.Path(file_okay=False, exists=True))
@click.option("--by", "by", multiple=True, metavar="PARAM",
              help="Group by this parameter (repeatable) [default: every swept parameter].")
@click.option("--metric", "metrics", multiple=True, metavar="NAME",
              help="Report this metric (repeatable) [default: the experiment's main metrics].")
@click.option("--json", "as_json", is_flag=True, help="Print JSON records (all metrics) instead of a table.")
def results_summarize(directory, by, metrics, as_json):
    """Mean and 95% t confidence interval of the metrics per parameter combination."""
    from .results import format_summary, load, main_metrics, summarize

    table = summarize(directory, by=list(by) or None, metrics=list(metrics) or None)
    if as_json:
        echo_json(table.to_dicts())
        return
    _, params, _ = load(directory)
    by_cols = list(by) or [p for p in params if p != "replicate"]
    shown = list(metrics) or main_metrics(directory, [c for c in table.columns if c not in by_cols
                                                      and c not in ("n", "failed")])
    click.echo(format_summary(table, by_cols, shown))


@results_group.command("plot")
@click.argument("directory", type=click.Path(file_okay=False, exists=True))
@click.option("--x", "x", required=True, metavar="PARAM", help="Parameter on the x axis.")
@click.option("--y", "y", required=True, metavar="METRIC", help="Metric on the y axis.")
@click.option("--hue", default=None, metavar="PARAM", help="One line per value of this parameter.")
@click.option("--logx", is_flag=True, help="Logarithmic x axis.")
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="Figure file (.png, .pdf, .svg).")
@click.option("--force", is_flag=True, help="Replace OUT if it exists (a file or native graph; never another directory).")
def results_plot(directory, x, y, hue, logx, out, force):
    """Plot METRIC against PARAM (mean ± 95% CI over replicates). An existing OUT is refused unless --force."""
    from .io.atomic import claim_output
    from .results import plot

    suffix = Path(out).suffix.lower().lstrip(".")
    if suffix not in FIGURE_FORMATS:
        raise SmallworldError(f"{out}: unknown figure format {suffix or '(none)'!r}; name it "
                              f"*.{', *.'.join(FIGURE_FORMATS)}")
    claim_output(out, force)

    path = plot(directory, x=x, y=y, hue=hue, out=out, logx=logx)
    click.echo(f"wrote {path}", err=True)


#: Figure file types ``results plot`` writes (matplotlib's own savefig formats).
FIGURE_FORMATS = ("png", "pdf", "svg", "jpg", "jpeg", "eps", "ps", "tif", "tiff", "webp")


# ---------------------------------------------------------------------------- generate
@main.command("generate")
@click.argument("model_name", metavar="MODEL", required=False)
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="Model parameter (repeatable), e.g. -p n=1000 -p k=10.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Random seed.")
@click.option("--out", "-o", type=click.Path(dir_okay=True), default=None,
              help="Write the graph here (.swg native, .parquet edge table, .txt SNAP); omit for a summary only.")
@click.option("--to", "to_fmt", type=click.Choice(["native", "parquet", "snap"]), default=None,
              help="Output format [default: from OUT's name: .swg native, .parquet, .txt/.txt.gz SNAP].")
@click.option("--force", is_flag=True, help="Replace OUT if it exists (a file or native graph; never another directory).")
@click.option("--list", "list_models", is_flag=True, help="Describe every model and its parameters.")
def generate_command(model_name, params, seed, out, to_fmt, force, list_models):
    """Generate a synthetic graph from MODEL (see --list) and write it to --out."""
    import time

    from .generators import describe_models, generate, parse_params
    from .errors import ParameterError

    if list_models:
        click.echo(describe_models())
        return
    if model_name is None:
        raise ParameterError("missing MODEL (see 'smallworld generate --list')")
    values = parse_params(model_name, params)
    if out is not None:
        from .io.atomic import claim_output

        claim_output(out, force)
    t0 = time.perf_counter()
    g = generate(model_name, seed=seed, **values)
    elapsed = time.perf_counter() - t0
    if out is not None:
        from .io import write_graph

        write_graph(g, out, format=to_fmt)
    kind = "directed" if g.directed else "undirected"
    where = f" -> {out}" if out else ""
    click.echo(f"{model_name}: {g.n:,} nodes, {g.num_edges:,} {kind} edges in {elapsed:.2f} s{where}", err=True)


# ---------------------------------------------------------------------------- reproduce
@main.command("reproduce")
@click.argument("name", required=False)
@click.option("--list", "list_", is_flag=True, help="List the reproductions and exit.")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Output directory: everything (data, figures, report.md) goes under it; with 'all', one "
                   "subdirectory per reproduction [default: results/NAME, and full runs copy figures to "
                   "results/figures].")
@click.option("--quick", is_flag=True, help="Small sizes: each reproduction in under 2 minutes on 2 cores.")
@click.option("--executor", type=click.Choice(["serial", "local", "dask"]), default="serial", show_default=True)
@click.option("--workers", type=click.IntRange(1), default=1, show_default=True)
@click.option("--scheduler", default=None, metavar="ADDRESS", help="dask scheduler tcp://HOST:PORT.")
@data_dir_option()
@click.option("--quiet", is_flag=True, help="No progress bars.")
def reproduce_cmd(name, list_, out, quick, executor, workers, scheduler, data_dir, quiet):
    """Reproduce a published separation figure (or 'all').

    Writes results/NAME/ (or --out): the Parquet data, figures (PNG) and report.md comparing
    the published values (P = primary source, S = secondary) with ours and our 95% intervals.
    Missing real data sets are named with the command that fetches them; the rest still runs.
    """
    from .experiments import run_reproduction, studies
    from .registry import did_you_mean

    known = studies()
    if list_ or not name:
        for key, study in known.items():
            click.echo(f"{key:16s} {study.title}")
        if not name:
            return
    if name != "all" and name not in known:
        raise SmallworldError(f"unknown reproduction {name!r}{did_you_mean(name, ['all', *known])} "
                              f"(known: all, {', '.join(known)})")
    names = list(known) if name == "all" else [name]
    rows = []
    for key in names:
        target = out if (out and name != "all") else (str(Path(out) / key) if out else None)
        figures = str(Path(out) / "figures") if (out and name == "all") else None
        click.echo(f"== {key}: {known[key].title}", err=True)
        report, seconds = run_reproduction(key, out=target, quick=quick, executor=executor, workers=workers,
                                           scheduler=scheduler, data_dir=data_dir, progress=show_progress(quiet),
                                           figures_dir=figures)
        rows.append((key, seconds, len(report.missing)))
        where = target or f"results/{key}"
        click.echo(f"   {key}: {len(report.rows)} comparisons, {seconds:.1f} s -> {where}/report.md"
                   + (f" ({len(report.missing)} data file(s) missing)" if report.missing else ""), err=True)
    if len(rows) > 1:
        click.echo(f"{len(rows)} reproductions done in {sum(r[1] for r in rows):.1f} s", err=True)


# ---------------------------------------------------------------------------- ties (tie strength, percolation)
def tie_graph_source(func):
    """:func:`graph_source` plus ``--weights as-read|count`` (count: an event list, weight = events per pair)."""

    @click.argument("source", metavar="PATH|NAME")
    @click.option("--directed/--undirected", default=None,
                  help="Treat edges as directed or not; directed graphs are projected, intensity summed "
                       "over both directions.")
    @click.option("--format", "fmt", default=None, metavar="F", help="Input format (see 'graph info --help').")
    @click.option("--weights", "weights", type=click.Choice(["as-read", "count"]), default="as-read",
                  show_default=True,
                  help="count: read a temporal event list (u v time per line) with weight = events per "
                       "pair, both directions summed (as dataset college-msg does).")
    @data_dir_option()
    @functools.wraps(func)
    def wrapper(source, directed, fmt, weights, data_dir, **kwargs):
        from .sources import read_graph

        if weights == "count":
            fmt = "events"
        graph = read_graph(source, directed=directed, format=fmt, data_dir=data_dir)
        return func(graph=graph, source=source, **kwargs)

    return wrapper


@main.command("ties")
@tie_graph_source
@click.option("--by", type=click.Choice(["intensity", "overlap"]), default="overlap", show_default=True,
              help="Levels from interaction intensity (weights / event counts) or Onnela neighbourhood overlap.")
@click.option("--levels", "scheme", type=click.Choice(["fixed", "quantile", "given"]), default=None,
              help="fixed: count cut points 1, 2, 3-4, 5-9, >=10 [default for intensity]; quantile: "
                   "tie-preserving quintiles [default for overlap]; given: weights already are levels 1-5.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Write one row per edge (u, v, weight, overlap, common, level, rating) to Parquet.")
@click.option("--force", is_flag=True, help="Replace OUT if it exists (a file or native graph; never another directory).")
def ties_command(graph, source, by, scheme, as_json, out, force):
    """Tie strengths: level distribution and mean overlap by level (5 = strongest).

    \b
    Overlap O_ij = n_ij / ((k_i - 1) + (k_j - 1) - n_ij), 0 when k_i = k_j = 1 (Onnela et al. 2007).
    A personal rating s (1 = best friend ... 5 = never met) is level 6 - s.
    """
    from .ties import tie_strengths

    if out:
        from .io.atomic import claim_output

        claim_output(out, force)
    t = tie_strengths(graph, by=by, levels=scheme)
    if out:
        t.to_parquet(out, metadata={"command": "smallworld ties", "graph": str(source)})
    s = t.summary()
    if as_json:
        echo_json(dict(s, graph=str(source)))
        return
    click.echo(f"{source}: {s['nodes']:,} nodes, {s['edges']:,} ties; levels by {by} ({s['levels']}), "
               f"5 = strongest; mean overlap {s['mean_overlap']:.4f}, {100 * s['zero_overlap_share']:.1f}% at 0")
    head = "level  rating  ties      share   mean overlap" + ("  mean weight" if t.weight is not None else "")
    click.echo(head)
    for r in s["by_level"]:
        mo = "-" if r["mean_overlap"] is None else f"{r['mean_overlap']:.4f}"
        line = f"{r['level']:5d}  {r['rating']:6d}  {r['edges']:8,d}  {100 * r['share']:5.1f}%  {mo:>12s}"
        if t.weight is not None:
            line += "  " + ("-" if r.get("mean_weight") is None else f"{r['mean_weight']:11.2f}")
        click.echo(line)
    if out:
        click.echo(f"wrote {out}", err=True)


@main.command("percolation")
@tie_graph_source
@click.option("--by", type=click.Choice(["overlap", "intensity"]), default="overlap", show_default=True,
              help="Strength that orders removal (raw values; ties in a seeded random order).")
@click.option("--order", type=click.Choice(["weak-first", "strong-first", "random"]), default="weak-first",
              show_default=True, help="Which ties go first.")
@click.option("--points", type=click.IntRange(2), default=100, show_default=True,
              help="Curve points, at removed fractions evenly spaced from 0 to 1.")
@click.option("--seeds", type=click.IntRange(1), default=10, show_default=True,
              help="Runs averaged (a different random order within tied strengths each).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True,
              help='Print {"curve": [{"removed", "giant", "susceptibility"}, ...], "collapse_at": f, ...}.')
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Write every run's curve (run, removed, giant, susceptibility) to Parquet.")
@click.option("--force", is_flag=True, help="Replace OUT if it exists (a file or native graph; never another directory).")
def percolation_command(graph, source, by, order, points, seeds, seed, as_json, out, force):
    """Remove ties by strength; giant component and susceptibility against the fraction removed.

    \b
    One Newman-Ziff union-find pass per run gives the whole curve. giant = largest component /
    all nodes; susceptibility = sum over component sizes s < s_max of n_s s^2 / N (Onnela et al.
    2007); collapse_at = fraction removed at the susceptibility peak (mean over runs, every step).
    """
    from .ties import percolation

    if out:
        from .io.atomic import claim_output

        claim_output(out, force)
    res = percolation(graph, by=by, order=order, points=points, seeds=seeds, seed=seed)
    if out:
        res.to_parquet(out, metadata={"command": "smallworld percolation", "graph": str(source)})
    js = res.to_json()
    if as_json:
        echo_json(dict(js, graph=str(source)))
        return
    lo, hi = js["collapse_band"]
    click.echo(f"{source}: {res.nodes:,} nodes, {res.edges:,} ties removed {order} by {by}, {seeds} run(s); "
               f"collapse_at {js['collapse_at']:.4f} [{lo:.4f}, {hi:.4f}]")
    click.echo("removed   giant   susceptibility")
    step = max(1, len(js["curve"]) // 20)
    for row in js["curve"][::step]:
        click.echo(f"{row['removed']:7.3f}  {row['giant']:6.4f}  {row['susceptibility']:14.4f}")
    if out:
        click.echo(f"wrote {out}", err=True)
