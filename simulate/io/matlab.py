"""Facebook100 MATLAB files (``.mat``): sparse adjacency ``A`` plus ``local_info``.

Each Facebook100 file (Traud, Mucha, Porter 2012) holds ``A`` (sparse, symmetric, 0/1) and
``local_info`` (n x 7 uint16) whose columns are student/faculty status, gender, major, second
major, dorm/house, year and high school, with 0 meaning missing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from ..errors import FormatError, MissingFileError
from ..graph import Graph

#: Column names of ``local_info`` (shared with the GML reader's renamed attributes).
FB100_COLUMNS = ("status", "gender", "major", "second_major", "dorm", "year", "high_school")


def read_mat(path, directed=None, matrix="A") -> Graph:
    """Read a graph from a MATLAB file holding a (sparse) adjacency matrix.

    Parameters
    ----------
    path : str or Path
    directed : bool, optional
        Default False: the matrix is read as undirected, an edge wherever ``A[i, j]`` or
        ``A[j, i]`` is non-zero (Facebook100 matrices are symmetric). ``True`` keeps arcs
        ``i -> j`` for each non-zero ``A[i, j]``.
    matrix : str, default "A"
        Name of the adjacency variable.

    Returns
    -------
    Graph
        Nodes ``0..n-1`` are matrix rows. When the file has ``local_info`` (n x 7), its
        columns become ``node_attrs`` :data:`FB100_COLUMNS` (int64, 0 = missing).

    Notes
    -----
    O(nnz) after :func:`scipy.io.loadmat`. Data: A. L. Traud, P. J. Mucha, M. A. Porter,
    Social Structure of Facebook Networks, Physica A 391(16):4165-4180, 2012,
    doi:10.1016/j.physa.2011.12.021.
    """
    path = Path(path)
    if not path.exists():
        raise MissingFileError(f"{path}: no such file")
    # scipy.io costs ~0.15 s to import: only .mat files pay it, not every graph command.
    import scipy.io
    import scipy.sparse as sp

    try:
        mat = scipy.io.loadmat(str(path))
    except (ValueError, TypeError, OSError, NotImplementedError) as exc:
        raise FormatError(f"{path}: not a readable MATLAB file ({exc})") from None
    if matrix not in mat:
        found = sorted(k for k in mat if not k.startswith("__"))
        raise FormatError(f"{path}: no adjacency matrix {matrix!r} in the .mat file (variables: {found})")
    A = mat[matrix]
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise FormatError(f"{path}: {matrix!r} is not a square matrix (shape {A.shape})")
    n = int(A.shape[0])
    coo = sp.coo_matrix(A)
    nz = coo.data != 0
    row = coo.row[nz].astype(np.int64)
    col = coo.col[nz].astype(np.int64)
    if not directed:
        # Each unordered pair once, whichever triangle(s) it is stored in.
        lo = np.minimum(row, col)
        hi = np.maximum(row, col)
        key = np.unique(lo * n + hi)
        row, col = key // n, key % n
    attrs = None
    info = mat.get("local_info")
    if info is not None:
        info = np.asarray(info)
        if info.ndim == 2 and info.shape[0] == n and info.shape[1] == len(FB100_COLUMNS):
            attrs = pl.DataFrame({c: info[:, j].astype(np.int64) for j, c in enumerate(FB100_COLUMNS)})
        elif info.ndim == 2 and info.shape[0] == n:
            attrs = pl.DataFrame({f"info_{j}": info[:, j].astype(np.int64) for j in range(info.shape[1])})
    return Graph.from_edges(row, col, directed=bool(directed), n=n, node_attrs=attrs,
                            relabel=False)
