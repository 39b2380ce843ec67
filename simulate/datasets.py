"""Registry of the real data sets smallworld knows, where their files live, and how to get them.

Data directory, first that applies: the ``data_dir`` argument (``--data-dir``), the
``SMALLWORLD_DATA`` environment variable, ``../shared/data`` next to the repository (a source
checkout only, when it exists), else ``~/.cache/smallworld/data`` (where ``smallworld data fetch``
puts files). An installed package has no repository beside it: a missing file's error says how to
point ``--data-dir`` or ``$SMALLWORLD_DATA`` at the data.

Each :class:`Dataset` has a ``kind``: ``"graph"`` (read with :func:`simulate.read_graph`),
``"locations"`` (a node -> lat/lon table, :func:`simulate.io.locations.read_locations`) or
``"labels"`` (a per-node table, :func:`simulate.io.locations.read_node_labels`). A graph may
name a ``locations`` dataset: it is then read with ``lat``/``lon`` node attributes joined on the
node id and restricted to the nodes with a known location (induced subgraph), both files read in
place (``gowalla-geo``). The expected
``nodes``/``edges`` are what this toolkit counts after reading (self-loops and duplicates
dropped, undirected edges once); for tables ``nodes`` is the number of rows.

``ego-facebook-egos`` reads SNAP's ``facebook.tar.gz`` by rebuilding the combined graph
from the ten ego networks (each ``E.edges`` plus an edge from ego ``E`` to each alter in
``E.feat``); the result is identical to ``ego-facebook``.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .errors import DatasetError, MissingFileError, UnknownDatasetError
from .registry import did_you_mean

KINDS = ("graph", "locations", "labels")


@dataclass(frozen=True)
class Dataset:
    """One known real data set.

    Attributes
    ----------
    name : str
        Registry key used on the command line (``smallworld graph info ego-facebook``).
    description : str
    citation : str
        Papers to cite (with DOI where one exists).
    url : str
        Download address of exactly this file (the checksum refers to these bytes); empty
        when no byte-identical public copy is known (then ``fetch`` needs ``url=``).
    file : str
        Path relative to the data directory.
    format : str
        Reader name in :data:`simulate.io.READERS` (graphs), or ``"locations"``/``"labels"``.
    directed : bool
        Default directedness when read.
    sha256 : str
        Checksum of the file.
    nodes, edges : int
        Expected counts after reading (undirected edges counted once, self-loops and
        duplicates dropped); tables: rows and 0.
    kind : str
        ``"graph"``, ``"locations"`` or ``"labels"``.
    page : str
        The original publisher's page (SNAP, KONECT, Facebook100 archive, paper repository).
    options : tuple of (key, value)
        Extra reader keyword arguments (e.g. which column holds the node id).
    locations : str
        Graphs only: a ``"locations"`` dataset joined on the node id; the graph is read with
        ``lat``/``lon`` node attributes and only the nodes with a known location are kept
        (induced subgraph). Its file must be present too.
    """

    name: str
    description: str
    citation: str
    url: str
    file: str
    format: str
    directed: bool
    sha256: str
    nodes: int
    edges: int
    kind: str = "graph"
    page: str = ""
    options: tuple = ()
    locations: str = ""

    def joined(self) -> tuple:
        """The datasets read together with this one (its ``locations`` table), as Dataset entries."""
        return (get(self.locations),) if self.locations else ()

    def local_path(self, data_dir=None) -> Path:
        return resolve_data_dir(data_dir) / self.file

    def is_present(self, data_dir=None) -> bool:
        """Whether its file (and the file of every joined dataset) is in the data directory."""
        return self.local_path(data_dir).exists() and all(d.is_present(data_dir) for d in self.joined())

    def missing_files(self, data_dir=None) -> list:
        """``(dataset, path)`` of each needed file that is absent (this one's, then joined ones')."""
        return [(d, d.local_path(data_dir)) for d in (self, *self.joined()) if not d.local_path(data_dir).exists()]

    def read(self, path=None, directed=None, format=None, data_dir=None):
        """Read the graph (DatasetError for location/label tables: use :meth:`load`).

        With ``locations`` set, the locations dataset is read from ``data_dir`` (default: the
        directory of ``path`` minus this dataset's relative file, else the default data
        directory), joined as ``lat``/``lon`` and the graph restricted to located nodes.
        """
        from .io import READERS

        if self.kind != "graph":
            raise DatasetError(f"dataset {self.name!r} is a {self.kind} table, not a graph; "
                               f"load it with simulate.datasets.load({self.name!r})")
        path = self.local_path(data_dir) if path is None else Path(path)
        self.check_unmodified(path)
        reader = READERS.get(format or self.format)
        graph = reader(path, self.directed if directed is None else directed)
        if self.locations:
            graph = self._join_locations(graph, path, data_dir)
        return graph

    def _join_locations(self, graph, path, data_dir):
        """``graph`` with lat/lon of the ``locations`` dataset, induced on the located nodes."""
        import numpy as np

        from .io.locations import attach_locations

        if data_dir is None and str(Path(path)).endswith(self.file):
            data_dir = Path(str(Path(path))[: -len(self.file)] or ".")
        table = get(self.locations).load(data_dir)
        located = attach_locations(graph, table)
        lat = located.node_attrs["lat"].to_numpy()
        lon = located.node_attrs["lon"].to_numpy()
        return located.subgraph(np.isfinite(lat) & np.isfinite(lon))

    def require(self, data_dir=None) -> Path:
        """The local file; :class:`MissingFileError` saying how to get it (or where to point) if absent.

        A dataset with ``locations`` also needs that dataset's file (checked and named the same way).
        """
        path = self.local_path(data_dir)
        if not path.exists():
            raise MissingFileError(missing_message(self, path))
        for other in self.joined():
            other.require(data_dir)
        self.check_unmodified(path)
        return path

    def check_unmodified(self, path) -> None:
        """DatasetError if ``path`` does not hash to the registered sha256.

        The file is hashed on its first use only: a match is remembered by the file's (path,
        size, mtime, inode) (:mod:`simulate.io.stamps`), so later uses cost a ``stat``; a file
        modified or replaced since is hashed again.
        """
        from .io import stamps

        path = Path(path)
        check = f"dataset-sha256-{self.sha256}"
        if not path.is_file() or stamps.already_checked(check, [path]):
            return
        got = sha256_file(path)
        if got != self.sha256:
            raise DatasetError(f"{path}: the file of dataset {self.name!r} was modified (sha256 {got[:12]}..., "
                               f"registered {self.sha256[:12]}...); check it with 'smallworld data verify "
                               f"{self.name}' or get a fresh copy with 'smallworld data fetch {self.name} --force'")
        stamps.remember_checked(check, [path])

    def load(self, data_dir=None):
        """The data: a :class:`~simulate.Graph` for graphs, a polars DataFrame for tables."""
        path = self.require(data_dir)
        if self.kind == "graph":
            return self.read(path, data_dir=data_dir)
        from .io import locations

        if self.kind == "locations":
            return locations.read_locations(path, **dict(self.options))
        return locations.read_node_labels(path, **dict(self.options))


_REPO_ROOT = Path(__file__).resolve().parent.parent

REGISTRY: dict[str, Dataset] = {}


def _register(*items):
    for d in items:
        REGISTRY[d.name] = d


def _github(repo, commit, path):
    """Raw download address of ``path`` in GitHub ``repo`` at ``commit`` (the snapshot the
    shared data was taken from, see the data README)."""
    return f"https://github.com/{repo}/raw/{commit}/{path}"


_SNAP = "J. Leskovec, A. Krevl. SNAP Datasets: Stanford Large Network Dataset Collection, 2014."
_KONECT = ("J. Kunegis. KONECT - The Koblenz Network Collection. WWW Companion 2013, "
           "doi:10.1145/2487788.2488173.")
_EGO = "J. McAuley, J. Leskovec. Learning to Discover Social Circles in Ego Networks. NIPS 2012."
_DENSIFY = ("J. Leskovec, J. Kleinberg, C. Faloutsos. Graph Evolution: Densification and Shrinking "
            "Diameters. ACM TKDD 1(1), 2007, doi:10.1145/1217299.1217301.")
_FB100 = ("A. L. Traud, P. J. Mucha, M. A. Porter. Social Structure of Facebook Networks. Physica A "
          "391(16):4165-4180, 2012, doi:10.1016/j.physa.2011.12.021; A. L. Traud, E. D. Kelsic, "
          "P. J. Mucha, M. A. Porter. Comparing Community Structure to Characteristics in Online "
          "Collegiate Social Networks. SIAM Review 53(3):526-543, 2011, doi:10.1137/080734315.")
_LBSN = ("E. Cho, S. A. Myers, J. Leskovec. Friendship and Mobility: User Movement in Location-Based "
         "Social Networks. KDD 2011, doi:10.1145/2020408.2020579.")
_FB100_PAGE = "https://archive.org/details/oxford-2005-facebook-matrix"

_register(
    # ------------------------------------------------------------------ SNAP
    Dataset(
        name="ego-facebook",
        description="SNAP ego-Facebook: 10 ego networks combined (friend lists of survey participants)",
        citation=f"{_EGO} {_SNAP}",
        url=_github("AllenDowney/ThinkComplexity2", "f0417b35", "data/facebook_combined.txt.gz"),
        page="https://snap.stanford.edu/data/ego-Facebook.html",
        file="snap/facebook_combined.txt.gz", format="snap", directed=False,
        sha256="7cc432d08910b3a940ce90f7da94c13aaf048b04724eafcdf3050b28acc49daf",
        nodes=4039, edges=88234,
    ),
    Dataset(
        name="ego-facebook-egos",
        description="SNAP ego-Facebook raw ego networks (facebook.tar.gz: .edges/.feat/.circles per ego); "
                    "read as the combined graph rebuilt from ego edges plus ego-alter links",
        citation=f"{_EGO} {_SNAP}",
        url="https://snap.stanford.edu/data/facebook.tar.gz",
        page="https://snap.stanford.edu/data/ego-Facebook.html",
        file="snap/facebook.tar.gz", format="snap-ego", directed=False,
        sha256="dfc7f6829c0123a43605b92a8c8fbd058d8601b13d2aa95af8ffd3b7e2a0b888",
        nodes=4039, edges=88234,
    ),
    Dataset(
        name="email-eu-core",
        description="SNAP email-Eu-core: e-mails between members of a European research institution "
                    "(directed; 642 self-loops dropped)",
        citation=("H. Yin, A. R. Benson, J. Leskovec, D. F. Gleich. Local Higher-order Graph Clustering. "
                  f"KDD 2017, doi:10.1145/3097983.3098069. {_DENSIFY} {_SNAP}"),
        url="https://snap.stanford.edu/data/email-Eu-core.txt.gz",
        page="https://snap.stanford.edu/data/email-Eu-core.html",
        file="snap/email-Eu-core.txt.gz", format="snap", directed=True,
        sha256="4b47acdb80197b085fe63c819c357ae488131ee904ed93d1b219a68b0f9e245f",
        nodes=1005, edges=24929,
    ),
    Dataset(
        name="email-eu-core-departments",
        description="SNAP email-Eu-core ground truth: department (0..41) of each of the 1,005 members",
        citation=("H. Yin, A. R. Benson, J. Leskovec, D. F. Gleich. Local Higher-order Graph Clustering. "
                  f"KDD 2017, doi:10.1145/3097983.3098069. {_SNAP}"),
        url="",  # the shared copy had CRs stripped: no byte-identical public copy is known
        page="https://snap.stanford.edu/data/email-Eu-core.html",
        file="snap/email-Eu-core-department-labels.txt", format="labels", directed=False,
        sha256="2bb3bf6f56ca61fd3a475a275393a2355ee01f282b998a2423b18dbe931f0bad",
        nodes=1005, edges=0, kind="labels", options=(("name", "department"),),
    ),
    Dataset(
        name="ca-grqc",
        description="SNAP ca-GrQc: arXiv General Relativity co-authorship (12 self-loops dropped)",
        citation=f"{_DENSIFY} {_SNAP}",
        url=_github("sorayashirali21/SN_project_3_ch_3-4", "29230f02", "ca-GrQc.txt"),
        page="https://snap.stanford.edu/data/ca-GrQc.html",
        file="snap/CA-GrQc.txt", format="snap", directed=False,
        sha256="f8ce6e931e068b878044b783da99ef603f566c87bcbce7991cd53720879f1660",
        nodes=5242, edges=14484,
    ),
    Dataset(
        name="ca-hepth",
        description="SNAP ca-HepTh: arXiv High Energy Physics Theory co-authorship (25 self-loops dropped)",
        citation=f"{_DENSIFY} {_SNAP}",
        url=_github("yashk3204/DAA-Assignment-2", "b13fac9f", "CA-HepTh.txt"),
        page="https://snap.stanford.edu/data/ca-HepTh.html",
        file="snap/CA-HepTh.txt", format="snap", directed=False,
        sha256="a690f99767330c63b43cd42aa0ff8a15d29d498d4a01deac7bb93ccce98345ca",
        nodes=9877, edges=25973,
    ),
    Dataset(
        name="email-enron",
        description="SNAP email-Enron: Enron e-mail communication (undirected)",
        citation=("J. Leskovec, K. Lang, A. Dasgupta, M. Mahoney. Community Structure in Large Networks. "
                  "Internet Mathematics 6(1), 2009, doi:10.1080/15427951.2009.10129177; B. Klimt, Y. Yang. "
                  f"Introducing the Enron Corpus. CEAS 2004. {_SNAP}"),
        url=_github("jlow2499/INFS-770", "dbbfc606", "Email-Enron.txt"),
        page="https://snap.stanford.edu/data/email-Enron.html",
        file="snap/Email-Enron.txt", format="snap", directed=False,
        sha256="bd55e8948fb5f6be1ab1a9677582db6f18bce3272565249bb5049496b0cd4edf",
        nodes=36692, edges=183831,
    ),
    Dataset(
        name="wiki-vote",
        description="SNAP wiki-Vote: Wikipedia adminship votes (directed, voter -> candidate)",
        citation=("J. Leskovec, D. Huttenlocher, J. Kleinberg. Signed Networks in Social Media. CHI 2010, "
                  "doi:10.1145/1753326.1753532; Predicting Positive and Negative Links in Online Social "
                  f"Networks. WWW 2010, doi:10.1145/1772690.1772756. {_SNAP}"),
        url=_github("joshua-benabou/Strongly-Connected-Components-and-DBSCAN", "4f432dbb", "Wiki-Vote.txt"),
        page="https://snap.stanford.edu/data/wiki-Vote.html",
        file="snap/Wiki-Vote.txt", format="snap", directed=True,
        sha256="6f371ed427cc96f636580561da94c8f4ba823113da703cd491c0b0e05c6aa696",
        nodes=7115, edges=103689,
    ),
    Dataset(
        name="college-msg",
        description="SNAP CollegeMsg: private messages among students of a UC Irvine online community "
                    "(59,835 timestamped messages); read undirected with weight = messages per pair, "
                    "both directions summed (interaction intensity)",
        citation=("P. Panzarasa, T. Opsahl, K. M. Carley. Patterns and dynamics of users' behavior and "
                  "interaction: Network analysis of an online community. JASIST 60(5):911-932, 2009, "
                  f"doi:10.1002/asi.21015. {_SNAP}"),
        url=_github("theokjulien/SPAHR-Model-Analysis", "6277f44", "CollegeMsg.txt"),
        page="https://snap.stanford.edu/data/CollegeMsg.html",
        file="snap/CollegeMsg.txt", format="events", directed=False,
        sha256="ada7a13d18196d1c33a7fadecefa969a6c12be99d9ac38f92edef94560ec7314",
        nodes=1899, edges=13838,
    ),
    # ------------------------------------------------------------------ Twitter
    Dataset(
        name="ego-twitter-undirected",
        description="SNAP ego-Twitter as an undirected graph (JuliaGraphs conversion; ids 1..81306, "
                    "directions lost; 14 self-loops dropped)",
        citation=f"{_EGO} {_SNAP}",
        url=_github("JuliaGraphs/SNAPDatasets.jl", "dadd14a6", "data/ego-twitter/ego-twitter-undirected.jlg"),
        page="https://snap.stanford.edu/data/ego-Twitter.html",
        file="twitter/ego-twitter-undirected.jlg", format="jlg", directed=False,
        sha256="7f81dda501ad839152246ff328db8108d84b9646534a7236726e8f7e62ef6d11",
        nodes=81306, edges=1342296,
    ),
    Dataset(
        name="konect-ego-twitter",
        description="KONECT 'Twitter lists' (ego-twitter): directed follows, u follows v; sparse, "
                    "star-like extract of SNAP ego-Twitter",
        citation=f"{_KONECT} {_EGO}",
        url=_github("prakhar897/Social-Network-Analysis", "a425002a", "ego-twitter/out.ego-twitter"),
        page="http://konect.cc/networks/ego-twitter",
        file="twitter/konect-ego-twitter/out.ego-twitter", format="konect", directed=True,
        sha256="adbfd15f1a47b5fb89195ecdf5e369e469db49a3e7d01ed995f1d0c4ba49f5d3",
        nodes=23370, edges=33101,
    ),
    Dataset(
        name="twitter-timme",
        description="TIMME P_20_50 Twitter follow graph among US politicians and sampled accounts, "
                    "March 2019 (directed, follower -> followee; labels are Twitter user ids)",
        citation=("Z. Xiao, W. Song, H. Xu, Z. Ren, Y. Sun. TIMME: Twitter Ideology-detection via "
                  "Multi-task Multi-relational Embedding. KDD 2020, arXiv:2006.01321."),
        url=_github("PatriciaXiao/TIMME", "11a181a8", "data/P_20_50/friend_list.csv"),
        page="https://github.com/PatriciaXiao/TIMME",
        file="twitter/timme-P_20_50/friend_list.csv", format="csv", directed=True,
        sha256="ce329bf6c012f2054b190fc5e2ed8789ff5b2a583bf3397d988634996dd89583",
        nodes=12098, edges=158746,
    ),
    Dataset(
        name="twitter-timme-politicians",
        description="TIMME P_20_50 politicians: name, twitter_id, twitter_name, party (D/R/I) of 585 "
                    "US politicians (582 are nodes of twitter-timme)",
        citation=("Z. Xiao, W. Song, H. Xu, Z. Ren, Y. Sun. TIMME: Twitter Ideology-detection via "
                  "Multi-task Multi-relational Embedding. KDD 2020, arXiv:2006.01321."),
        url=_github("PatriciaXiao/TIMME", "11a181a8", "data/P_20_50/dict.csv"),
        page="https://github.com/PatriciaXiao/TIMME",
        file="twitter/timme-P_20_50/dict.csv", format="labels", directed=False,
        sha256="0f6d83373f7cbb70c6a4be52c6b1466462862e57ecf45dc6b473a37bbe537020",
        nodes=585, edges=0, kind="labels", options=(("id_column", "twitter_id"),),
    ),
)

_FB100_MAT = [("amherst41", "Amherst41", "3108e4b2edb01be05c5a61147583a40e61012820fff7eebe621dd26018caaf00", 2235, 90954),
              ("cornell5", "Cornell5", "d9ff76ae34e855cb77b0779a3a320f7f73f848901cb13352e2734c17804c4aec", 18660, 790777),
              ("johns-hopkins55", "Johns Hopkins55", "fc7243bf257155df03afbc397ab34b5f8eb8e75f40cd1603398e207a033ef50f", 5180, 186586),
              ("reed98", "Reed98", "d12ec74dc8c6e237385975b976c3709555a83629a1260be693fb688e3446070e", 962, 18812)]
_FB100_GML = [("caltech36", "Caltech36", "3098355449db8e5334e327166ee0321fb782f9153c6dd8533b9c92b40d0c8461", 769, 16656),
              ("haverford76", "Haverford76", "21b983424daec6c3928fa2fd2b63bb2feebbd0bf7260a568ec3d9c40d4d3a3ff", 1446, 59589),
              ("swarthmore42", "Swarthmore42", "7eaebc63eda20e1b544963fbaf641bcb36dd3563d9605b9a5bc4fe8c73c5e09b", 1659, 61050),
              ("simmons81", "Simmons81", "e76f310c9bee73824b63c99503674109ee88efbd8490684bcbeb21080f948b90", 1518, 32988),
              ("bowdoin47", "Bowdoin47", "18f999e02fb21ac77641e6f245130d16aa8a807a0a24697d2fa4a293df1018f9", 2252, 84387),
              ("usfca72", "USFCA72", "0f89b581ac6d8f3c8551c1673cf442f6c4f7f952f3423ff2c373f5a233873b8b", 2682, 65252)]
_register(*[
    Dataset(
        name=f"fb100-{key}",
        description=f"Facebook100 {school}: Facebook friendships within one US college, September 2005, "
                    "with status/gender/major/second_major/dorm/year/high_school per node (original .mat)",
        citation=_FB100,
        url=_github("CUAI/Non-Homophily-Large-Scale", "82f8f05c", f"data/facebook100/{school.replace(' ', '%20')}.mat"),
        page=_FB100_PAGE,
        file=f"facebook100/{school}.mat", format="mat", directed=False, sha256=sha, nodes=n, edges=m,
    ) for key, school, sha, n, m in _FB100_MAT
], *[
    Dataset(
        name=f"fb100-{key}",
        description=f"Facebook100 {school}: Facebook friendships within one US college, September 2005, "
                    "with node attributes (GML conversion of the original .mat)",
        citation=_FB100,
        url=_github("yseeparenti/NET4103-Homework", "ba8792e1", f"data/{school}.gml"),
        page=_FB100_PAGE,
        file=f"facebook100/gml/{school}.gml", format="gml", directed=False, sha256=sha, nodes=n, edges=m,
    ) for key, school, sha, n, m in _FB100_GML
])

_register(
    # ------------------------------------------------------------------ location-based networks
    Dataset(
        name="brightkite-locations",
        description="Brightkite per-user location (lat, lon) estimated from check-ins, SNAP loc-Brightkite "
                    "ids; 51,406 users, 896 at (0,0) = unknown (read as NaN)",
        citation=("E. Malmi, A. Solin, A. Gionis. The Blind Leading the Blind: Network-Based Location "
                  f"Estimation under Uncertainty. ECML PKDD 2015. {_LBSN}"),
        url=_github("ekQ/geolocation", "82327f59", "brightkite_experiment/data/Brightkite_userLocations.txt"),
        page="https://snap.stanford.edu/data/loc-Brightkite.html",
        file="geo/Brightkite_userLocations.txt", format="locations", directed=False,
        sha256="639a7970ebc11c66d5609c52dda473a5a654d80ea5c514b7e29d600685e8d868",
        nodes=51406, edges=0, kind="locations",
    ),
    Dataset(
        name="gowalla-edges-partial",
        description="First part of SNAP loc-Gowalla friendships (sources 0..4515, SNAP ids); "
                    "read whole it has 76,917 nodes (most only as targets)",
        citation=f"{_LBSN} {_SNAP}",
        url=_github("mstovy/socnetProject", "7982ba3e", "Gowalla_edges.csv"),
        page="https://snap.stanford.edu/data/loc-Gowalla.html",
        file="geo/Gowalla_edges.csv", format="csv", directed=False,
        sha256="7267f802727aedada7ce402a1012acfd7a10ce1c569f4c0d38bb477379302547",
        nodes=76917, edges=282617,
    ),
    Dataset(
        name="gowalla-snapids",
        description="Full KONECT loc-Gowalla friendships relabelled to SNAP user ids (first-appearance order), "
                    "kept where both ends fall in the SNAP prefix Gowalla_edges.csv; joins gowalla-locations",
        citation=f"{_LBSN} {_KONECT}",
        url="",  # derived in the shared data directory (its README, section 6); no public byte-identical copy
        page="http://konect.cc/networks/loc-gowalla_edges",
        file="geo/gowalla-snapids-edges.txt.gz", format="snap", directed=False,
        sha256="d9170b7841f40e8195179bc91435338792ce08202eb2904190b67d26d839c20a",
        nodes=76917, edges=600051,
    ),
    Dataset(
        name="gowalla-locations",
        description="Gowalla mean check-in position per user (US users only, SNAP ids), 54,546 users",
        citation=f"{_LBSN} {_SNAP}",
        url=_github("mstovy/socnetProject", "7982ba3e", "gowalla_checkins_average.csv"),
        page="https://snap.stanford.edu/data/loc-Gowalla.html",
        file="geo/gowalla_checkins_average.csv", format="locations", directed=False,
        sha256="35123b51a1f92681676c9e8622c25bf229e420789cd6fcddc3baa45b20413c05",
        nodes=54546, edges=0, kind="locations",
    ),
    Dataset(
        name="loc-brightkite",
        description="Brightkite friendship graph (KONECT archive; ids renumbered 1..n, so they do not "
                    "match the SNAP ids of brightkite-locations)",
        citation=f"{_LBSN} {_KONECT}",
        url="http://konect.cc/files/download.tsv.loc-brightkite_edges.tar.bz2",
        page="http://konect.cc/networks/loc-brightkite_edges",
        file="geo/download.tsv.loc-brightkite_edges.tar.bz2", format="konect", directed=False,
        sha256="de5f75a6f459dfc305cf53747c17cc1bcad81827f8f5274968bb06ee0c269c24",
        nodes=58228, edges=214078,
    ),
    Dataset(
        name="loc-gowalla",
        description="Gowalla friendship graph (KONECT archive; ids renumbered 1..n in order of first "
                    "appearance in SNAP's file)",
        citation=f"{_LBSN} {_KONECT}",
        url="http://konect.cc/files/download.tsv.loc-gowalla_edges.tar.bz2",
        page="http://konect.cc/networks/loc-gowalla_edges",
        file="geo/download.tsv.loc-gowalla_edges.tar.bz2", format="konect", directed=False,
        sha256="4096ae0d4b9cb6d5843a2b4ad00740d47505519b93146f5a155680706ad63ec8",
        nodes=196591, edges=950327,
    ),
    Dataset(
        name="gowalla-geo",
        description="Located Gowalla users: gowalla-snapids friendships joined with gowalla-locations "
                    "(mean check-in lat/lon, US users), restricted to users with a location; "
                    "30,679 users, 195,741 friendships (largest component 29,375)",
        citation=f"{_LBSN} {_KONECT}",
        url="",  # derived in the shared data directory (its README, section 4); no public byte-identical copy
        page="https://snap.stanford.edu/data/loc-Gowalla.html",
        file="geo/gowalla-snapids-edges.txt.gz", format="snap", directed=False,
        sha256="d9170b7841f40e8195179bc91435338792ce08202eb2904190b67d26d839c20a",
        nodes=30679, edges=195741, locations="gowalla-locations",
    ),
)


def resolve_data_dir(data_dir=None) -> Path:
    """The data directory (see module docstring for the search order)."""
    if data_dir:
        return Path(data_dir)
    env = os.environ.get("SMALLWORLD_DATA")
    if env:
        return Path(env)
    # ../shared/data beside a source checkout only: an installed package's parent is site-packages.
    shared = _REPO_ROOT.parent / "shared" / "data"
    if (_REPO_ROOT / "pyproject.toml").is_file() and shared.exists():
        return shared
    return Path.home() / ".cache" / "smallworld" / "data"


def missing_message(ds: Dataset, path: Path) -> str:
    """Why dataset ``ds`` cannot be read at ``path`` and the two ways to fix it."""
    return (f"dataset {ds.name!r} is not present locally (expected {path}); get it with: "
            f"smallworld data fetch {ds.name}, or point --data-dir (or $SMALLWORLD_DATA) at the "
            f"directory that holds {ds.file}")


def is_dataset(name: str) -> bool:
    return name in REGISTRY


def get(name: str) -> Dataset:
    """Registry entry by name (DatasetError with the known names if unknown)."""
    try:
        return REGISTRY[name]
    except (KeyError, TypeError):
        raise UnknownDatasetError(f"unknown dataset {name!r}{did_you_mean(name, REGISTRY)} "
                                  f"(known: {', '.join(sorted(REGISTRY))})") from None


def names(kind=None):
    """Registered dataset names (optionally only one ``kind``), sorted."""
    return sorted(k for k, d in REGISTRY.items() if kind is None or d.kind == kind)


def load(name, data_dir=None):
    """The data set ``name``: a Graph for graphs, a polars DataFrame for location/label tables."""
    return get(name).load(data_dir)


def sha256_file(path, chunk=1 << 20) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while True:
            block = fh.read(chunk)
            if not block:
                break
            h.update(block)
    return h.hexdigest()


def verify(name, data_dir=None) -> bool:
    """Check the local file of ``name`` against its registered sha256.

    Returns True when it matches; raises DatasetError when the file is missing or differs.
    """
    ds = get(name)
    path = ds.local_path(data_dir)
    if not path.exists():
        raise MissingFileError(missing_message(ds, path))
    got = sha256_file(path)
    if got != ds.sha256:
        raise DatasetError(f"{path}: checksum mismatch for dataset {name!r} "
                           f"(sha256 {got}, expected {ds.sha256})")
    return True


def fetch(name, data_dir=None, url=None, force=False, timeout=60.0) -> Path:
    """Download dataset ``name`` into the data directory and verify its sha256.

    Parameters
    ----------
    name : str
        Registered dataset name.
    data_dir : str or Path, optional
        Destination root (see :func:`resolve_data_dir`); the file goes to ``data_dir/file``.
    url : str, optional
        Download from here instead of the registered address (a mirror, a local server).
    force : bool, default False
        Download even when a verified copy is already there.
    timeout : float, default 60
        Seconds to wait on the connection.

    Returns
    -------
    Path
        The verified local file.

    Notes
    -----
    The download goes to a temporary file next to the destination and is renamed only after
    the checksum matches, so a failed or corrupt download leaves nothing behind.
    """
    from .io.atomic import atomic_path

    ds = get(name)
    dest = ds.local_path(data_dir)
    if dest.exists() and not force:
        if sha256_file(dest) == ds.sha256:
            return dest
    src = url or ds.url
    if not src:
        raise DatasetError(f"dataset {name!r} has no known download address; pass url= (--url)")
    h = hashlib.sha256()
    try:
        with atomic_path(dest) as tmp:
            try:
                with urllib.request.urlopen(src, timeout=timeout) as resp, open(tmp, "wb") as out:
                    while True:
                        block = resp.read(1 << 20)
                        if not block:
                            break
                        h.update(block)
                        out.write(block)
            except urllib.error.HTTPError as exc:
                raise DatasetError(f"download of {name!r} from {src} failed: HTTP {exc.code} {exc.reason}") from None
            except (urllib.error.URLError, OSError, ValueError) as exc:
                reason = getattr(exc, "reason", None) or exc
                raise DatasetError(f"download of {name!r} from {src} failed: {reason}") from None
            if h.hexdigest() != ds.sha256:
                raise DatasetError(f"checksum mismatch for {name!r} downloaded from {src}: sha256 "
                                   f"{h.hexdigest()}, expected {ds.sha256}; nothing was written")
    except PermissionError as exc:
        raise DatasetError(f"cannot write {dest}: {exc.strerror}") from None
    return dest
