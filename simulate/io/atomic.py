"""Atomic file output: write to a temporary sibling, then rename.

A reader never sees a half-written file, and a failed or killed writer leaves nothing under
the final name (temporary names start with ``.tmp-`` so they are never taken for results).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path, directory=False):
    """Yield a temporary path beside ``path``; on success rename it to ``path``.

    Parameters
    ----------
    path : str or Path
        Final destination (file, or directory when ``directory=True``).
    directory : bool
        Yield an empty temporary directory instead of a file name.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if directory:
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{path.name}-", dir=path.parent))
    else:
        fd, name = tempfile.mkstemp(prefix=f".tmp-{path.name}-", dir=path.parent)
        os.close(fd)
        tmp = Path(name)
    try:
        yield tmp
        if directory and path.exists():
            old = path.with_name(f".tmp-old-{path.name}-{os.getpid()}")
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        raise
