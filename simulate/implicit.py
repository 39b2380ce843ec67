"""Implicit populations: chain experiments on populations that are never stored.

An implicit population is a model, its parameters and a seed. A person is an int64 id; their
contacts are computed on demand, when a message reaches them, from a counter-based stream keyed
by (seed, person) (:func:`simulate.kernels.random.keyed_state`). Greedy routing touches only the
people a message visits, so chain experiments run on populations of 10^12 people and more with
memory O(chains in flight x path length), never O(population).

Modes
-----
``quenched`` (default)
    One fixed random graph: person ``u``'s long-range contacts are drawn from the stream keyed by
    (population seed, u), so they are the same on every visit, in every chain, on any thread
    count. Needed wherever a message can come back to someone (revisits, backtracking, random
    walks) and to ask "who are u's contacts?" (:meth:`KleinbergPopulation.contacts`).
``annealed``
    Long-range contacts are redrawn from the chain's own stream at every visit, as
    kleinberg-grid-simulator does (Mathieu, OPODIS 2016). For greedy lattice routing with local
    range p >= 1 the distance to the target strictly decreases, so nobody is visited twice and
    every visited person's contacts are fresh independent draws in both modes: the two modes
    give chains with the same law (constant attrition included), and annealed is a little
    faster (no per-person stream to seed). The population seed is then unused.

Models are declared once in :data:`IMPLICIT_MODELS` (a :class:`simulate.registry.Registry`);
:func:`implicit_population` builds one by name with validated parameters.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from .errors import ParameterError
from .generators.kleinberg import ball_offsets
from .generators.registry import ModelSpec, ParamSpec, check_seed, seed_meta
from .kernels import implicit as _ki
from .kernels.generators.alias import alias_build
from .kernels.random import stream_key, stream_states
from .progress import progress_bar
from .implicit_routing import MODES, IMPLICIT_ROUTING, ImplicitRouting, check_routing  # noqa: F401
from .registry import Registry

#: Largest population: ids are int64 and coordinates products must not overflow.
MAX_PEOPLE = 2**62

#: Spawn key of the per-person streams (quenched contacts).
_KEY_PEOPLE = (0x1A9C, 1)
#: Spawn key of the WDN link blocks (quenched pair-symmetric construction).
_KEY_BLOCKS = (0x1A9C, 5)



@dataclass(frozen=True)
class ImplicitModel:
    """A registered implicit model: its :class:`~simulate.generators.registry.ModelSpec`
    (name, description, ParamSpecs), the population class and what its router supports
    (:class:`~simulate.implicit_routing.ImplicitRouting`, declared in :mod:`simulate.implicit_routing`)."""

    spec: ModelSpec
    cls: type
    routing: ImplicitRouting = None


IMPLICIT_MODELS: Registry = Registry("implicit population model")


def register_implicit(name, description, *params):
    """Class decorator: declare an implicit population model with its parameters. Its routing
    declaration (policies, options, modes, defaults) is ``IMPLICIT_ROUTING[name]``."""
    specs = {p.name: p for p in params}
    routing = IMPLICIT_ROUTING.get(name)

    def decorate(cls):
        IMPLICIT_MODELS.register(name, ImplicitModel(ModelSpec(name, cls, description, specs), cls, routing),
                                 module=cls.__module__)
        cls.model = name
        cls.routing = routing
        cls.default_mode = routing.default_mode
        cls.default_policy = routing.default_policy
        return cls

    return decorate


def implicit_population(model, seed=0, mode=None, **params):
    """An implicit population of the registered ``model`` (parameters validated).

    Parameters
    ----------
    model : str
        A name in :data:`IMPLICIT_MODELS` (``kleinberg_lattice``).
    seed : int or numpy.random.SeedSequence
        Keys every person's contacts (quenched mode).
    mode : {"quenched", "annealed"}, optional
        See the module docstring [default: the model's ``default_mode``: quenched for
        kleinberg_lattice, annealed for hierarchical_identity].
    **params
        The model's parameters (``smallworld chains --list-models`` / :func:`describe_models`).
    """
    entry = IMPLICIT_MODELS.get(model)
    values = entry.spec.validate(params)
    mode = entry.cls.default_mode if mode is None else mode
    return entry.cls(seed=check_seed(seed), mode=_check_mode(mode, model), **values)


def parse_params(model, pairs) -> dict:
    """Typed parameters of implicit ``model`` from command-line ``["NAME=VALUE", ...]``."""
    from .generators import parse_spec_params

    return parse_spec_params(IMPLICIT_MODELS.get(model).spec, pairs)


def describe_models() -> str:
    """One paragraph per implicit model: description, parameters (ranges and defaults), and the
    policies, modes and chain options its router supports."""
    out = []
    for name in IMPLICIT_MODELS.names():
        entry = IMPLICIT_MODELS.get(name)
        r = entry.routing
        out.append(entry.spec.describe())
        out.append(f"    modes          {', '.join(r.modes())} (default {entry.cls.default_mode})")
        out.append(f"    policies       {r.describe_policies()} (default {entry.cls.default_policy})")
        out.append(f"    options        {r.describe_options()}")
    return "\n".join(out)


def _check_mode(mode, model=None):
    if mode not in MODES:
        from .registry import did_you_mean

        raise ParameterError(f"mode must be one of {', '.join(MODES)}, got {mode!r}{did_you_mean(mode, MODES)}")
    if model is not None:
        modes = IMPLICIT_ROUTING.get(model).modes()
        if mode not in modes:
            raise ParameterError(f"mode {mode!r} is not available on implicit model {model} "
                                 f"(available: {', '.join(modes)})")
    return mode


class ImplicitPopulation:
    """Base of the implicit population models (a model, its parameters, a seed and a mode).

    Subclasses define ``n`` (number of people), :meth:`params` and :meth:`run_chains`, and are
    registered with :func:`register_implicit`. Anything that takes a stored
    :class:`~simulate.Graph` for chain experiments takes an implicit population too
    (:func:`simulate.chains.run_chains`).
    """

    model = "?"
    seed = 0
    mode = "quenched"
    #: Set by :func:`register_implicit` from the model's routing declaration.
    routing = None
    default_mode = "quenched"
    default_policy = "greedy_lattice"

    @property
    def n(self) -> int:
        raise NotImplementedError

    def _routing_request(self, policy, attrition, epsilon, backtrack, attributes, min_strength,
                         attrition_by_strength, node_attrition, source_groups, record_paths):
        """``(policy, attrition, epsilon, (key, a, b))`` after checking the request against the
        model's routing declaration (:func:`~simulate.implicit_routing.check_routing`): the policy
        (the model's default when None), the two probabilities, and the per-person drop law."""
        from .chains import _probability

        policy = policy or self.default_policy
        check_routing(self.model, self.mode, policy, epsilon=epsilon, backtrack=backtrack, attributes=attributes,
                      min_strength=min_strength, attrition_by_strength=attrition_by_strength,
                      node_attrition=node_attrition, source_groups=source_groups, record_paths=record_paths)
        attrition = _probability("attrition", attrition)
        epsilon = _probability("epsilon", epsilon)
        return policy, attrition, epsilon, _node_attrition_law(node_attrition, attrition)

    def params(self) -> dict:
        raise NotImplementedError

    #: Chains follow out-contacts (long-range links are not symmetric).
    directed = True

    @property
    def num_edges(self):
        """None: an implicit population's links are never enumerated."""
        return None

    @property
    def meta(self) -> dict:
        """Model, parameters, seed and mode (provenance, like ``Graph.meta``)."""
        return {"model": self.model, **self.params(), "seed": seed_meta(self.seed), "mode": self.mode,
                "implicit": True}

    @property
    def fingerprint(self) -> str:
        """sha256 of the model, parameters, seed and mode: what determines every contact."""
        blob = json.dumps(self.meta, sort_keys=True, default=str).encode()
        return "implicit:" + hashlib.sha256(blob).hexdigest()[:32]

    def person_key(self) -> np.ndarray:
        """uint64[4] key of the per-person streams (person u's stream = ``keyed_state(key, u)``)."""
        return stream_key(self.seed, _KEY_PEOPLE)


# ------------------------------------------------------------------ Kleinberg
@register_implicit(
    "kleinberg_lattice",
    "Kleinberg 2000 lattice, never stored: side^dim people, local contacts within L1 distance p, q long-range "
    "out-links with P(u->v) ~ d(u,v)^-r drawn when a message reaches u (same law as the stored "
    "kleinberg_lattice(undirected=False)).",
    ParamSpec("side", int, low=2, high=2**62, doc="People per lattice side (n = side^dim < 2^62)."),
    ParamSpec("dim", int, default=2, low=1, high=8, doc="Lattice dimension."),
    ParamSpec("r", float, default=2.0, low=0.0, high=1000.0, doc="Clustering exponent: P(u->v) ~ d(u,v)^-r."),
    ParamSpec("q", int, default=1, low=0, high=10000, doc="Long-range out-links per person."),
    ParamSpec("p", int, default=1, low=1, high=1000, doc="Local contacts: everyone within lattice distance p."),
    ParamSpec("periodic", bool, default=False, doc="Torus (wrap-around) instead of open boundaries."),
    ParamSpec("kgs_rules", bool, default=False,
              doc="kleinberg-grid-simulator's rules: links never reach the last row/column, local moves preferred "
                  "on ties (coordinate 0 first), pairs uniform with source = target allowed (0-step routes)."),
)
@dataclass(frozen=True, eq=False)
class KleinbergPopulation(ImplicitPopulation):
    """Kleinberg's lattice, never stored (see :func:`implicit_population`).

    Person ``u`` has row-major coordinates ``coord_i = (u // side^i) % side``; local contacts
    are everyone within lattice (L1, torus-aware) distance p, long-range contacts q independent
    draws with ``P(u -> v) ~ d(u, v)^-r`` (Kleinberg, STOC 2000, doi:10.1145/335305.335325),
    exactly the law of the stored ``kleinberg_lattice(undirected=False)``: distance by the
    binned alias sampler of :mod:`simulate.kernels.implicit`, offset uniform on the L1 sphere,
    redrawn off the lattice. A contact that is also a local contact or a repeat counts once in
    routing, as the stored graph merges them.

    kleinberg-grid-simulator (Mathieu, OPODIS 2016) routes the same model with four small
    differences, all reproduced by ``kgs_rules=True`` (open grid only): it is annealed; its
    long-range links never land in the last row or column (a 1/side change of the link law);
    source and target are independent and uniform, so s = t routes (probability side^-2) count
    as 0 steps; a long-range contact is taken only when strictly closer than the best local
    move, local moves going along x first (our default: uniform among all equally close
    distinct contacts, as the stored router). Its global RNG is unseeded, so its runs are not
    reproducible. Expected difference with the default rules: none from the first three at side
    2^20 beyond 1e-6; the tie rule moved the EDT by +0.6% (+-0.5%, 2 SE) at side 2^20, r = 2
    (``benchmarks/bench_implicit.py``); with ``kgs_rules`` the EDTs agreed within 0.2%.

    Notes
    -----
    Setup O(min(dmax, 4096) + 8 log2 dmax) for the distance bins (dmax = dim (side - 1), or
    dim floor(side/2) on a torus); each contact O(dim^2) expected (O(1) in 2-D); nothing per
    person is stored.
    """

    side: int
    dim: int = 2
    r: float = 2.0
    q: int = 1
    p: int = 1
    periodic: bool = False
    kgs_rules: bool = False
    seed: object = 0
    mode: str = "quenched"
    _law: tuple = field(default=None, repr=False, compare=False)

    #: Distances with their own alias entry; beyond, geometric bins per octave.
    EXACT_UPTO = 4096
    PER_OCTAVE = 8

    def __post_init__(self):
        side, dim = int(self.side), int(self.dim)
        if side < 2:
            raise ParameterError(f"parameter 'side' of kleinberg_lattice must be >= 2, got {side}")
        if side ** dim >= MAX_PEOPLE:
            raise ParameterError(f"kleinberg_lattice: side^dim = {side}^{dim} must be < 2^62 "
                                 f"(int64 person ids); lower 'side' or 'dim'")
        if self.periodic and side <= 2 * self.p:
            raise ParameterError(f"kleinberg_lattice: a torus needs side > 2 p (side {side}, p {self.p})")
        if self.periodic and self.kgs_rules:
            raise ParameterError("kleinberg_lattice: kgs_rules describe kleinberg-grid-simulator's open grid; "
                                 "use periodic=false")
        _check_mode(self.mode, self.model)
        limit = side - 1 if self.kgs_rules else side
        dmax = dim * (side // 2 if self.periodic else limit - 1)
        if dmax < 1:
            raise ParameterError(f"kleinberg_lattice: side {side} leaves no room for long-range links")
        lo, width, s_hi, mass = _ki.distance_bins(np.int64(dim), float(self.r), np.int64(dmax),
                                                  np.int64(self.EXACT_UPTO), np.int64(self.PER_OCTAVE))
        prob, alias = alias_build(mass)
        object.__setattr__(self, "_law", (prob, alias, lo, width, s_hi, int(limit), int(dmax)))

    @property
    def n(self) -> int:
        return int(self.side) ** int(self.dim)

    def params(self) -> dict:
        return {"side": int(self.side), "dim": int(self.dim), "r": float(self.r), "q": int(self.q),
                "p": int(self.p), "periodic": bool(self.periodic), "kgs_rules": bool(self.kgs_rules)}

    @property
    def dmax(self) -> int:
        """Largest long-range link length the law allows."""
        return self._law[6]

    # -------------------------------------------------------------- contacts
    def coordinates(self, ids) -> np.ndarray:
        """Row-major lattice coordinates of people ``ids``, shape (len, dim), int64."""
        ids = self._ids(ids, "ids")
        return np.stack([(ids // self.side ** i) % self.side for i in range(self.dim)], axis=-1)

    def long_range_contacts(self, ids) -> np.ndarray:
        """Quenched long-range contacts of people ``ids``, int64 (len, q), repeats kept.

        A deterministic function of (seed, person): the same on every call and thread count.
        In annealed mode contacts exist only while a message is at a person; this still returns
        the quenched ones (the same law).
        """
        ids = self._ids(ids, "ids")
        prob, alias, lo, width, s_hi, limit, _ = self._law
        return _ki.kleinberg_contacts_many(ids, np.int64(self.side), np.int64(self.dim), bool(self.periodic),
                                           np.int64(self.q), np.int64(limit), prob, alias, lo, width, s_hi,
                                           float(self.r), self.person_key())

    def contacts(self, person) -> np.ndarray:
        """Everyone person ``person`` can forward to in quenched mode, sorted, int64: the local
        contacts (lattice distance <= p, torus-aware) and the long-range ones, each once (the
        stored graph's out-row). O(|ball| + q); for tests and diagnostics."""
        u = int(self._ids(person, "person")[0])
        hc = self.coordinates(u)[0]
        c = hc[None, :] + ball_offsets(int(self.dim), int(self.p))
        if self.periodic:
            c %= self.side
        else:
            c = c[((c >= 0) & (c < self.side)).all(axis=1)]
        local = (c * self.side ** np.arange(self.dim, dtype=np.int64)).sum(axis=1)
        out = np.unique(np.concatenate([local, self.long_range_contacts(u)[0]]))
        return out[out != u]

    def link_lengths(self, n_draws, seed=0) -> np.ndarray:
        """``n_draws`` lengths from the model's long-range distance law (before boundary
        rejection): ``P(d) ~ S(d) d^-r`` on ``1..dmax``. For tests and diagnostics."""
        prob, alias, lo, width, s_hi, _, _ = self._law
        st = stream_states(seed, 1, (0x1A9C, 9))[0]
        return _ki.sample_distances(int(n_draws), prob, alias, lo, width, s_hi, np.int64(self.dim), float(self.r), st)

    def _ids(self, ids, name):
        return _check_ids(ids, self.n, name)

    # -------------------------------------------------------------- chains
    def _pairs(self, n_chains, n_targets, chains_per_target, sources, targets, seed):
        if self.kgs_rules and sources is None and targets is None:
            # kleinberg-grid-simulator: source and target uniform and independent (s = t counts, 0 steps).
            from .chains import _KEY_PAIRS

            rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=_KEY_PAIRS))
            k = int(n_chains if chains_per_target is None else chains_per_target * (n_targets or 1))
            return rng.integers(0, self.n, k), rng.integers(0, self.n, k)
        # The stored graph's draw with the component = everyone: the same seed gives the same
        # pairs on a stored lattice of the same size.
        return _uniform_pairs(self.n, n_chains, n_targets, chains_per_target, sources, targets, seed)

    def _route(self, offsets, key, src, tgt, states, max_steps, attrition, record_paths, paths, general=False):
        # Kleinberg's case (dim 2, p 1) has a scalar kernel with the same draws (faster).
        prob, alias, lo, width, s_hi, limit, _ = self._law
        quenched = self.mode == "quenched"
        if self.dim == 2 and self.p == 1 and not general:
            return _ki.route_kleinberg_2d(
                np.int64(self.side), bool(self.periodic), np.int64(self.q), np.int64(limit), prob, alias, lo, width,
                s_hi, float(self.r), quenched, key, src, tgt, states, max_steps, attrition, bool(self.kgs_rules),
                bool(record_paths), paths)
        return _ki.route_kleinberg(
            np.int64(self.side), np.int64(self.dim), bool(self.periodic), np.int64(self.p), np.int64(self.q),
            np.int64(limit), offsets, prob, alias, lo, width, s_hi, float(self.r), quenched, key,
            src, tgt, states, max_steps, attrition, bool(self.kgs_rules), bool(record_paths), paths)

    def run_chains(self, policy="greedy_lattice", attrition=0.0, n_chains=1000, n_targets=10, sources=None,
                   targets=None, seed=0, max_steps=None, epsilon=0.0, backtrack=False, attributes=None,
                   min_strength=None, attrition_by_strength=None, node_attrition=None, record_paths=False,
                   compute_distances=True, progress=False, chains_per_target=None, source_groups=None):
        """Chains on this population: :func:`simulate.chains.run_chains`'s arguments.

        What applies in which mode is declared in :mod:`simulate.implicit_routing`
        (``smallworld chains --list-models``): greedy_lattice with constant or per-person
        attrition (:class:`~simulate.chains.BetaAttrition`, keyed per person), epsilon mixing,
        pairs (random, given sources and/or targets, ``chains_per_target``) and
        ``record_paths`` (int64 ids) in both modes; random_walk and backtracking in quenched
        mode only (a holder met again must have the same contacts). ``max_steps`` defaults to
        ``dim x side`` (greedy with p >= 1 always arrives within the starting distance, so
        greedy chains never stop there). ``compute_distances`` is ignored: the
        ``shortest_path`` column is null (a BFS would visit the whole population), and
        ``params["shortest_path"]`` says so. Tie strengths and source groups are not available
        (ParameterError). Plain greedy routing runs the fast kernels; any option runs
        :func:`simulate.kernels.implicit.route_kleinberg_options` (the stored router's rules,
        with a visited set).

        Returns
        -------
        ChainResults
            The stored graph's columns; ids are int64 person ids (``source == source_id``).
        """
        from .chains import CHAIN_STREAM_KEY, ChainResults, STATUSES

        policy, attrition, epsilon, (drop_key, drop_a, drop_b) = self._routing_request(
            policy, attrition, epsilon, backtrack, attributes, min_strength, attrition_by_strength, node_attrition,
            source_groups, record_paths)
        options = policy != "greedy_lattice" or epsilon > 0 or bool(backtrack) or drop_a > 0
        if options and self.kgs_rules:
            raise ParameterError("kleinberg_lattice: kgs_rules reproduce kleinberg-grid-simulator's plain greedy "
                                 "routing; policy random_walk, epsilon, backtrack and node_attrition use the "
                                 "stored router's rules (kgs_rules=false)")
        if max_steps is None:
            max_steps = int(self.dim) * int(self.side)
        if int(max_steps) < 1:
            raise ParameterError(f"max_steps must be >= 1, got {max_steps}")
        max_steps = int(max_steps)
        src, tgt = self._pairs(n_chains, n_targets, chains_per_target, sources, targets, seed)
        if not self.kgs_rules and np.any(src == tgt):
            raise ParameterError(f"source and target are the same person ({int(src[src == tgt][0])})")
        src = np.ascontiguousarray(src, dtype=np.int64)
        tgt = np.ascontiguousarray(tgt, dtype=np.int64)
        nc = src.shape[0]
        if record_paths and nc * (max_steps + 1) > 2**28:
            raise ParameterError(f"record_paths: {nc} chains x {max_steps + 1} steps is too large to buffer; "
                                 "lower max_steps or the number of chains")
        states = stream_states(seed, nc, spawn_key=CHAIN_STREAM_KEY)
        paths = np.full((nc, max_steps + 1) if record_paths else (0, 0), -1, dtype=np.int64)
        offsets = ball_offsets(int(self.dim), int(self.p))
        key = self.person_key()
        outs = []
        batch = nc if not progress else max(1, min(nc, max(20_000, nc // 100)))
        bar = progress_bar(progress, nc, f"chains ({policy}, implicit)", "chain")
        prob, alias, lo, width, s_hi, limit, _ = self._law
        for a in range(0, nc, batch):
            b = min(nc, a + batch)
            pb = paths[a:b] if record_paths else paths
            if options:
                outs.append(_ki.route_kleinberg_options(
                    np.int64(self.side), np.int64(self.dim), bool(self.periodic), np.int64(self.p),
                    np.int64(self.q), np.int64(limit), offsets, prob, alias, lo, width, s_hi, float(self.r),
                    self.mode == "quenched", key, policy == "random_walk", epsilon, bool(backtrack), src[a:b],
                    tgt[a:b], states[a:b], max_steps, attrition, drop_key, drop_a, drop_b, bool(record_paths), pb))
            else:
                out = self._route(offsets, key, src[a:b], tgt[a:b], states[a:b], max_steps, attrition,
                                  record_paths, pb)
                outs.append((*out, np.zeros(b - a, dtype=np.int32)))
            bar.update(b - a)
        bar.close()
        status, steps, log_surv, last, nback = (np.concatenate(x) for x in zip(*outs)) if outs else \
            (np.zeros(0, np.int8), np.zeros(0, np.int32), np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int32))
        table = pl.DataFrame({
            "chain": np.arange(nc, dtype=np.int64),
            "source": src, "target": tgt, "source_id": src, "target_id": tgt,
            "status": pl.Series("status", np.asarray(STATUSES)[status]),
            "steps": steps,
            "shortest_path": pl.Series("shortest_path", [None] * nc, dtype=pl.Int32),
            "survival": np.exp(log_surv),
            "backtracks": nback.astype(np.int32),
            "last_id": last,
        })
        if record_paths:
            table = _with_paths(table, paths, steps, max_steps)
        params = {
            "policy": policy, "attrition": attrition, "n_chains": nc, "seed": int(seed), "max_steps": max_steps,
            "epsilon": epsilon, "backtrack": bool(backtrack), "attributes": [], "min_strength": None,
            "attrition_by_strength": None, "node_attrition": _node_attrition_meta(node_attrition),
            "n_targets": int(np.unique(tgt).shape[0]),
            "graph_meta": self.meta,
            "shortest_path": "not available on an implicit population (a BFS would visit everyone)",
        }
        return ChainResults(table, params, self.fingerprint)



# ------------------------------------------------------------------ Watts-Dodds-Newman
def _wdn_size(v):
    return v["group_size"] * v["branching"] ** v["depth"]


@register_implicit(
    "hierarchical_identity",
    "Watts-Dodds-Newman 2002 identities, never stored: N = group_size * branching^depth people in H "
    "b-ary trees; each holder knows Poisson(z) fresh contacts at tree distance x ~ exp(-alpha x) in a "
    "random dimension (annealed exploration); equal group sizes in every dimension.",
    ParamSpec("branching", int, default=2, low=2, high=1 << 20, doc="Branching ratio b of every tree."),
    ParamSpec("depth", int, default=10, low=1, high=61, doc="Tree depth: b^depth groups (WDN's l = depth + 1)."),
    ParamSpec("group_size", int, default=100, low=2, high=2**40, doc="People per group g."),
    ParamSpec("dimensions", int, default=2, low=1, high=64, doc="Number H of social dimensions."),
    ParamSpec("alpha", float, default=1.0, low=-50.0, high=50.0, doc="Homophily: P(distance x) ~ exp(-alpha x)."),
    ParamSpec("mean_degree", float, default=25.0, low=0.0, high=1e6, doc="Mean number z of contacts."),
)
@dataclass(frozen=True, eq=False)
class HierarchyPopulation(ImplicitPopulation):
    """The Watts-Dodds-Newman identity model, never stored (see :func:`implicit_population`).

    People are ids 0..N-1, N = g b^depth. In dimension 0 person i belongs to group i // g; in
    dimension h >= 1 to group ``pi_h(i) // g``, ``pi_h`` a keyed Feistel bijection of [0, N)
    (cycle-walking), so a group's members are found from the group by inverting ``pi_h``. This
    forces *equal group sizes* in every dimension, where the stored generator draws the groups
    of dimensions >= 1 uniformly at random (multinomial sizes).

    Quenched mode (pair-symmetric): every unordered pair {u, v} is linked independently with
    probability ``1 - exp(-lambda_uv)``, ``lambda_uv = sum_h mu_{x_h(u, v)}``,
    ``mu_x = z p(x) / (H n_x)`` (p(x) ~ exp(-alpha x) on x = 1..depth+1, n_x the number of people
    at tree distance x: g - 1, then g b^(x-2) (b - 1)): the stored generator's expected number of
    link draws hitting the pair, with probabilities capped at 1 smoothly, and mean degree
    ``sum_v (1 - exp(-lambda_uv))``, a little under z (merged repeats; the stored generator
    draws on until exactly N z / 2 distinct edges). Links live in *blocks*: the pairs of one
    group, or between two sibling subtrees of one dimension's tree, each block a Poisson
    process keyed by the unordered pair of subtrees and read from either side
    (:mod:`simulate.kernels.implicit_wdn`), so u is a contact of v iff v is a contact of u, the
    same on every visit, chain and thread count (:meth:`contacts`). Every policy step then
    sees a fixed graph, as on the stored twin: revisits, backtracking and random walks are
    exact.

    Annealed mode (the default, faster): when a message reaches someone, they know the sender plus Poisson(z) fresh contacts, each drawn as WDN
    form links: a uniform dimension h, a tree distance x in 1..depth+1 with P(x) ~ exp(-alpha x),
    and a uniform person at distance x in dimension h (x = 1: another member of the group).
    This is the size-biased degree of a node reached along a link when degrees are Poisson(z)
    (the stored generator's degrees are Poisson(z) up to merged repeats: each person starts
    z/2 links on average and receives z/2, uniformly, because group sizes are equal); the
    starter knows Poisson(z) contacts. Merging repeated draws of a pair makes the links
    independent pairs with probability 1 - exp(-lambda_uv) (lambda_uv the expected number of
    draws of the pair), i.e. capped at 1. A drawn contact who is already on the chain (other
    than the sender) is skipped and flags the chain as a *revisit* (``revisit`` column): there
    the annealed population need not agree with any fixed graph; the share is reported.

    Notes
    -----
    D. J. Watts, P. S. Dodds, M. E. J. Newman, Science 296, 1302 (2002), doi:10.1126/science.1070120.
    Annealed: work per step O(z (depth + H)) (each contact: one inverse permutation, then H
    permutations for its identities). Quenched: per step H (1 + (b - 1) depth) blocks of
    O(log2 N) exact binomial draws each, plus O(log2 N) per contact (see
    :mod:`simulate.kernels.implicit_wdn`); much slower than annealed at large b and depth (see
    the README for numbers). Memory O(threads x (max_steps + contacts)) in both modes.
    """

    branching: int = 2
    depth: int = 10
    group_size: int = 100
    dimensions: int = 2
    alpha: float = 1.0
    mean_degree: float = 25.0
    seed: object = 0
    mode: str = "annealed"
    _law: tuple = field(default=None, repr=False, compare=False)
    _pairs: tuple = field(default=None, repr=False, compare=False)


    def __post_init__(self):
        n = int(self.group_size) * int(self.branching) ** int(self.depth)
        if n >= MAX_PEOPLE:
            raise ParameterError(f"hierarchical_identity: N = group_size * branching^depth = {n} must be < 2^62 "
                                 "(int64 person ids); lower depth, branching or group_size")
        _check_mode(self.mode, self.model)
        xs = np.arange(1, int(self.depth) + 2, dtype=np.float64)
        logits = -float(self.alpha) * xs
        prob, alias = alias_build(np.exp(logits - logits.max()))
        fside = max(2, math.isqrt(n - 1) + 1)  # the Feistel side a = ceil(sqrt(n)) (a^2 >= n)
        ss = np.random.SeedSequence(stream_key(self.seed, _KEY_PEOPLE).tolist())
        keys = ss.generate_state(4 * int(self.dimensions), dtype=np.uint64).reshape(int(self.dimensions), 4)
        object.__setattr__(self, "_law", (prob, alias, np.ascontiguousarray(keys), fside, n))
        p = np.exp(logits - logits.max())
        p /= p.sum()
        b, g = float(self.branching), float(self.group_size)
        n_x = np.array([g - 1.0] + [g * b ** (x - 2) * (b - 1) for x in range(2, int(self.depth) + 2)])
        rates = float(self.mean_degree) * p / (int(self.dimensions) * n_x)
        object.__setattr__(self, "_pairs", (np.ascontiguousarray(rates), stream_key(self.seed, _KEY_BLOCKS)))

    def pair_rates(self) -> np.ndarray:
        """mu_x for x = 1..depth+1: expected links of one pair at tree distance x in one dimension
        (quenched law; per unordered pair)."""
        return self._pairs[0].copy()

    def contacts(self, person) -> np.ndarray:
        """Contacts of ``person`` in the quenched pair-symmetric population: sorted, distinct int64
        ids (the stored graph's row). ParameterError in annealed mode (contacts exist only while a
        message is there: :meth:`fresh_contacts`)."""
        ptr, out = self.contacts_many(person)
        return out

    def contacts_many(self, ids):
        """Quenched contacts of each of ``ids`` in CSR form ``(ptr, contacts)`` (int64)."""
        if self.mode != "quenched":
            raise ParameterError("contacts are fixed only in mode 'quenched' (annealed contacts are drawn per "
                                 "visit: fresh_contacts)")
        ids = _check_ids(ids, self.n, "ids")
        from .kernels import implicit_wdn as _kw

        prob, alias, keys, hb, n = self._law
        rates, bkey = self._pairs
        return _kw.symmetric_contacts_many(ids, np.int64(n), np.int64(self.group_size), np.int64(self.branching),
                                           np.int64(self.depth), np.int64(self.dimensions), keys, np.int64(hb),
                                           rates, bkey)

    @property
    def n(self) -> int:
        return self._law[4]

    def params(self) -> dict:
        return {"branching": int(self.branching), "depth": int(self.depth), "group_size": int(self.group_size),
                "dimensions": int(self.dimensions), "alpha": float(self.alpha),
                "mean_degree": float(self.mean_degree), "n": self.n}

    def identities(self, ids) -> np.ndarray:
        """Group (leaf) of people ``ids`` in every dimension, int64 (len, H)."""
        ids = _check_ids(ids, self.n, "ids")
        prob, alias, keys, hb, n = self._law
        return _ki.wdn_leaves(ids, np.int64(n), np.int64(self.group_size), np.int64(self.dimensions), keys,
                              np.int64(hb))

    def fresh_contacts(self, ids, seed=0):
        """One annealed draw of the contacts of each of ``ids``: list of int64 arrays (Poisson(z)
        draws; repeats kept). For comparisons with the stored generator."""
        ids = _check_ids(ids, self.n, "ids")
        prob, alias, keys, hb, n = self._law
        states = stream_states(seed, ids.shape[0], (0x1A9C, 3))
        ptr, out = _ki.wdn_contacts_sample(ids, np.int64(n), np.int64(self.group_size), np.int64(self.branching),
                                           np.int64(self.dimensions), keys, np.int64(hb), prob, alias,
                                           float(self.mean_degree), states)
        return [out[ptr[i]:ptr[i + 1]] for i in range(ids.shape[0])]

    def run_chains(self, policy="greedy_hierarchy", attrition=0.0, n_chains=1000, n_targets=10, sources=None,
                   targets=None, seed=0, max_steps=None, epsilon=0.0, backtrack=False, attributes=None,
                   min_strength=None, attrition_by_strength=None, node_attrition=None, record_paths=False,
                   compute_distances=True, progress=False, chains_per_target=None, source_groups=None):
        """Chains on this population: :func:`simulate.chains.run_chains`'s arguments.

        What applies in which mode is declared in :mod:`simulate.implicit_routing`
        (``smallworld chains --list-models``): greedy_hierarchy (smallest social distance
        ``y = min_h x_h`` to the target), constant or per-person attrition
        (:class:`~simulate.chains.BetaAttrition`), epsilon and pairs (random, given,
        ``chains_per_target``, or ``source_groups`` by identity heights:
        :func:`identity_band_starters`) in both modes; random_walk, backtracking and ``record_paths`` in
        quenched mode only (they need a fixed graph). ``max_steps`` defaults to 1000 (greedy
        chains that do not arrive dead-end long before). ``shortest_path`` is null. Annealed
        runs add a ``revisit`` column (see the class docstring) and ``params["revisit_share"]``.
        """
        from .chains import CHAIN_STREAM_KEY, ChainResults, STATUSES

        policy, attrition, epsilon, (node_key, node_a, node_b) = self._routing_request(
            policy, attrition, epsilon, backtrack, attributes, min_strength, attrition_by_strength, node_attrition,
            source_groups, record_paths)
        max_steps = 1000 if max_steps is None else int(max_steps)
        if not 1 <= max_steps < 2**31 - 1:
            raise ParameterError(f"max_steps must lie in 1..{2**31 - 2:,} (step counts are int32), got {max_steps}")
        group = None
        if source_groups is not None:
            src, tgt, group, source_groups = _band_pairs(self, n_targets, sources, targets, source_groups, seed)
        else:
            src, tgt = _uniform_pairs(self.n, n_chains, n_targets, chains_per_target, sources, targets, seed)
        if np.any(src == tgt):
            raise ParameterError(f"source and target are the same person ({int(src[src == tgt][0])})")
        nc = src.shape[0]
        if record_paths and nc * (max_steps + 1) > 2**28:
            raise ParameterError(f"record_paths: {nc} chains x {max_steps + 1} steps is too large to buffer; "
                                 "lower max_steps or the number of chains")
        states = stream_states(seed, nc, spawn_key=CHAIN_STREAM_KEY)
        paths = np.full((nc, max_steps + 1) if record_paths else (0, 0), -1, dtype=np.int64)
        prob, alias, keys, hb, n = self._law
        quenched = self.mode == "quenched"
        if quenched:
            from .kernels import implicit_wdn as _kw
            from .policies import get as get_policy

            code = get_policy(policy).code
            rates, bkey = self._pairs
        outs = []
        batch = nc if not progress else max(1, min(nc, max(20_000 if not quenched else 2_000, nc // 100)))
        bar = progress_bar(progress, nc, f"chains ({policy}, implicit {self.mode})", "chain")
        for a in range(0, nc, batch):
            b = min(nc, a + batch)
            if quenched:
                outs.append(_kw.route_wdn_quenched(
                    np.int64(n), np.int64(self.group_size), np.int64(self.branching), np.int64(self.depth),
                    np.int64(self.dimensions), keys, np.int64(hb), rates, bkey, np.int64(code), epsilon,
                    bool(backtrack), src[a:b], tgt[a:b], states[a:b], max_steps, attrition, node_key, node_a, node_b,
                    bool(record_paths), paths[a:b] if record_paths else paths))
            else:
                outs.append(_ki.route_wdn(np.int64(n), np.int64(self.group_size), np.int64(self.branching),
                                          np.int64(self.dimensions), keys, np.int64(hb), prob, alias,
                                          float(self.mean_degree), src[a:b], tgt[a:b], states[a:b], max_steps,
                                          attrition, epsilon, node_key, node_a, node_b))
            bar.update(b - a)
        bar.close()
        status, steps, log_surv, last, extra = (np.concatenate(x) for x in zip(*outs))
        table = _chain_table(src, tgt, status, steps, log_surv, last, STATUSES)
        if quenched:
            table = table.with_columns(pl.Series("backtracks", extra.astype(np.int32)))
        else:
            table = table.with_columns(pl.Series("revisit", extra))
        if record_paths:
            table = _with_paths(table, paths, steps, max_steps)
        params = _chain_params(policy, attrition, nc, seed, max_steps, tgt, self.meta)
        params.update(epsilon=epsilon, backtrack=bool(backtrack), node_attrition=_node_attrition_meta(node_attrition))
        if not quenched:
            params["revisit_share"] = float(extra.mean()) if nc else float("nan")
        if group is not None:
            table = table.with_columns(pl.Series("source_group", np.asarray([g["name"] for g in source_groups])[group]))
            params["source_groups"] = source_groups
        return ChainResults(table, params, self.fingerprint)


def _node_attrition_law(node_attrition, rate):
    """``(key, a, b)`` of a :class:`~simulate.chains.BetaAttrition` for the kernels (``a = 0``: none)."""
    from .chains import BetaAttrition

    if node_attrition is None:
        return np.zeros(4, dtype=np.uint64), 0.0, 0.0
    if not isinstance(node_attrition, BetaAttrition):
        raise ParameterError("node_attrition on an implicit population must be a simulate.chains.BetaAttrition "
                             "(a per-person law: nothing per person is stored), got "
                             f"{type(node_attrition).__name__}")
    if rate:
        raise ParameterError("give either attrition or node_attrition, not both")
    a, b = node_attrition.shapes()
    return node_attrition.person_key(), float(a), float(b)


def _node_attrition_meta(node_attrition):
    if node_attrition is None:
        return None
    return {"mean": float(node_attrition.mean), "concentration": float(node_attrition.concentration),
            "seed": int(node_attrition.seed), "law": "beta, keyed per person"}


def _with_paths(table, paths, steps, max_steps):
    mask = np.arange(max_steps + 1)[None, :] <= steps[:, None]
    offs = np.concatenate([[0], np.cumsum(steps.astype(np.int64) + 1)])
    vals = paths[mask]
    return table.with_columns(pl.Series("path", [vals[offs[i]:offs[i + 1]] for i in range(table.height)],
                                        dtype=pl.List(pl.Int64)))


def _check_ids(ids, n, name):
    a = np.atleast_1d(np.asarray(ids))
    if a.dtype.kind not in "iu" or (a.size and (a.min() < 0 or a.max() >= n)):
        raise ParameterError(f"{name}: person ids must be integers in [0, {n}) for this population")
    return np.ascontiguousarray(a, dtype=np.int64)


def _uniform_pairs(n, n_chains, n_targets, chains_per_target, sources, targets, seed):
    """Pairs as :func:`simulate.chains._choose_pairs` draws them when everyone is reachable."""
    from .chains import _KEY_PAIRS, _chains_per_target

    rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=_KEY_PAIRS))
    if sources is not None and targets is not None:
        s, t = _check_ids(sources, n, "sources"), _check_ids(targets, n, "targets")
        try:
            s, t = np.broadcast_arrays(s, t)
        except ValueError:
            raise ParameterError(f"sources ({s.size}) and targets ({t.size}) must have equal length or one entry")
        return np.ascontiguousarray(s), np.ascontiguousarray(t)
    if sources is not None:
        s = _check_ids(sources, n, "sources")
        idx = rng.integers(0, n - 1, s.shape[0])
        return s, idx + (idx >= s)
    if targets is not None:
        tgt = _check_ids(targets, n, "targets")
    else:
        if n_targets is None or int(n_targets) < 1:
            raise ParameterError(f"n_targets must be >= 1, got {n_targets}")
        tgt = rng.integers(0, n, int(n_targets))
    t = np.repeat(tgt, _chains_per_target(tgt.shape[0], n_chains, chains_per_target))
    idx = rng.integers(0, n - 1, t.shape[0])
    return np.ascontiguousarray(idx + (idx >= t), dtype=np.int64), np.ascontiguousarray(t, dtype=np.int64)


def _chain_table(src, tgt, status, steps, log_surv, last, statuses):
    nc = src.shape[0]
    return pl.DataFrame({
        "chain": np.arange(nc, dtype=np.int64),
        "source": src, "target": tgt, "source_id": src, "target_id": tgt,
        "status": pl.Series("status", np.asarray(statuses)[status]),
        "steps": steps,
        "shortest_path": pl.Series("shortest_path", [None] * nc, dtype=pl.Int32),
        "survival": np.exp(log_surv),
        "backtracks": np.zeros(nc, dtype=np.int32),
        "last_id": last,
    })


def _chain_params(policy, attrition, nc, seed, max_steps, tgt, meta):
    return {
        "policy": policy, "attrition": attrition, "n_chains": nc, "seed": int(seed), "max_steps": max_steps,
        "epsilon": 0.0, "backtrack": False, "attributes": [], "min_strength": None,
        "attrition_by_strength": None, "node_attrition": None,
        "n_targets": int(np.unique(tgt).shape[0]),
        "graph_meta": meta,
        "shortest_path": "not available on an implicit population (a BFS would visit everyone)",
    }


# ------------------------------------------------------------------ starters by identity band (Milgram's groups)
#: Spawn key of the starter draws by identity band (one stream per target).
_KEY_BANDS = (0x1A9C, 21)

def identity_band_starters(population, targets, source_groups, seed=0):
    """Starters for every target, drawn by identity bands (Travers & Milgram's starter groups).

    A group ``{"name", "chains": k, "heights": [[lo_0, hi_0], ..., [lo_H-1, hi_H-1]]}`` draws ``k``
    distinct people uniformly among those (other than the target) whose group's lowest common
    ancestor with the target's group has height in ``[lo_h, hi_h]`` in every dimension h (0 =
    the same group, ``depth`` = only the root in common; ``hi`` above ``depth`` means ``depth``).
    With dimension 0 geography and dimension 1 occupation, Milgram's "Boston residents" are
    ``[[0, m], [0, depth]]``, "Nebraskans" ``[[depth, depth], [0, depth]]`` and Nebraskan
    "stockholders" (near the stockbroker target in occupation: an assumption) ``[[depth, depth],
    [0, s]]``. The groups are drawn for each target in turn; a person is in at most one group
    of a target.

    Parameters
    ----------
    population : HierarchyPopulation
    targets : int64 array of person ids
    source_groups : list of dict
        As :func:`simulate.chains.check_source_groups`, every group with ``heights`` (one band
        per dimension).
    seed : int
        Stream of the draws (one child stream per target).

    Returns
    -------
    sources, targets, group : int64 arrays (grouped by target, then group)

    Notes
    -----
    Exactly uniform: uniform draws from the band of the dimension with the fewest people
    (a block of leaves: a range of slots, mapped back through the dimension's bijection), then
    rejection on the other dimensions; O(k^2 + draws x H x depth) per group. A band that
    holds too few people, or too few within the rejection budget (10^6 + 10^4 k draws), is a
    ParameterError. Travers & Milgram, Sociometry 32, 425 (1969), doi:10.2307/2786545.
    """
    from .chains import check_source_groups

    groups = check_source_groups(source_groups)
    if not isinstance(population, HierarchyPopulation):
        raise ParameterError("source groups by identity heights need an implicit hierarchical_identity population")
    H, depth, b, g = int(population.dimensions), int(population.depth), int(population.branching), \
        int(population.group_size)
    prob, alias, keys, fside, n = population._law
    bands = []
    for gr in groups:
        if "heights" not in gr:
            raise ParameterError(f"source group {gr['name']!r}: an implicit hierarchical_identity population takes "
                                 "heights = [[lo, hi], ...] per dimension, not quantiles")
        if len(gr["heights"]) != H:
            raise ParameterError(f"source group {gr['name']!r}: heights has {len(gr['heights'])} bands, the "
                                 f"population has {H} dimensions")
        lo = np.array([min(x[0], depth + 1) for x in gr["heights"]], dtype=np.int64)
        hi = np.array([min(x[1], depth) for x in gr["heights"]], dtype=np.int64)
        if np.any(lo > hi):
            raise ParameterError(f"source group {gr['name']!r}: heights {gr['heights']} are empty in a tree of "
                                 f"depth {depth} (heights run 0..{depth})")
        inner = np.where(lo >= 1, float(b) ** (lo - 1), 0.0)
        size = g * (float(b) ** hi - inner)  # people in each dimension's band
        bands.append((lo, hi, int(np.argmin(size)), gr))
    tg = _check_ids(targets, n, "targets")
    states = stream_states(int(seed), tg.shape[0], _KEY_BANDS)
    src, tgt, grp = [], [], []
    for i, t in enumerate(tg):
        taken = np.zeros(0, dtype=np.int64)
        for gi, (lo, hi, anchor, gr) in enumerate(bands):
            k = gr["chains"] + taken.shape[0]  # draw past the people already in earlier groups
            got = _ki.wdn_band_people(np.int64(t), np.int64(k), np.int64(n), np.int64(g), np.int64(b),
                                      np.int64(H), keys, np.int64(fside), lo, hi, np.int64(anchor),
                                      np.int64(1_000_000 + 10_000 * k), states[i])
            got = got[~np.isin(got, taken)][:gr["chains"]]
            if got.shape[0] < gr["chains"]:
                raise ParameterError(f"source group {gr['name']!r}: found only {got.shape[0]} of {gr['chains']} "
                                     f"distinct starters with heights {gr['heights']} (band too small or too rare)")
            taken = np.concatenate([taken, got])
            src.append(got)
            tgt.append(np.full(got.shape[0], t, dtype=np.int64))
            grp.append(np.full(got.shape[0], gi, dtype=np.int64))
    return np.concatenate(src), np.concatenate(tgt), np.concatenate(grp)


def _band_pairs(population, n_targets, sources, targets, source_groups, seed):
    # Targets as _uniform_pairs draws them (given, or uniform from the pair stream), starters by band.
    from .chains import _KEY_PAIRS, check_source_groups

    if sources is not None:
        raise ParameterError("give either sources or source_groups, not both")
    if targets is not None:
        tg = _check_ids(targets, population.n, "targets")
    else:
        if n_targets is None or int(n_targets) < 1:
            raise ParameterError(f"n_targets must be >= 1, got {n_targets}")
        rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=_KEY_PAIRS))
        tg = rng.integers(0, population.n, int(n_targets))
    groups = check_source_groups(source_groups)
    src, tgt, grp = identity_band_starters(population, tg, groups, seed)
    return src, tgt, grp, groups
