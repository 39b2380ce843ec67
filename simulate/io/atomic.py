"""Atomic file output: write to a temporary sibling, then rename; never clobber by surprise.

A reader never sees a half-written file, and a failed or killed writer leaves nothing under
the final name (temporary names are ``.tmp-<name>-<pid>-<random>``, so they are never taken
for results, and a clean-up can tell its own or a dead writer's temporaries from a live one's).
Outputs are created with the usual permissions (``0666 & ~umask`` for files, ``0777 & ~umask``
for directories), not the private ``0600`` of :func:`tempfile.mkstemp`.

Commands that write a user-named output call :func:`claim_output` first: an existing output
is refused unless ``force``, and even with ``force`` a directory is replaced only when it is a
native graph (``*.swg`` with a smallworld ``meta.json``), never an arbitrary directory.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from ..errors import SmallworldError


class OutputExistsError(SmallworldError, FileExistsError):
    """An output that exists and may not be replaced (no ``--force``, or not ours to delete)."""


def _umask() -> int:
    # /proc avoids os.umask's set-and-restore, which is not thread-safe.
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    old = os.umask(0o022)
    os.umask(old)
    return old


def is_native_graph_dir(path) -> bool:
    """True if ``path`` is a directory holding a smallworld native graph (its ``meta.json`` says so)."""
    meta = Path(path) / "meta.json"
    try:
        return Path(path).is_dir() and json.loads(meta.read_text()).get("format") == "smallworld-graph"
    except (OSError, ValueError, AttributeError):
        return False


def claim_output(path, force=False, option="--force") -> Path:
    """Check that ``path`` may be written: absent, or ``force`` and replaceable.

    Parameters
    ----------
    path : str or Path
        The output the user named.
    force : bool
        Allow replacing an existing file or native graph directory.
    option : str
        The flag named in the message.

    Raises
    ------
    OutputExistsError
        ``path`` exists and ``force`` is false; or it is a directory that is not a native graph
        (``force`` never deletes such a directory).
    """
    path = Path(path)
    _below_a_file(path)
    if path.is_dir() and not is_native_graph_dir(path):
        raise OutputExistsError(f"{path}: is a directory that is not a smallworld native graph; "
                                f"refusing to replace it (choose another output name)")
    if (path.exists() or path.is_symlink()) and not force:
        raise OutputExistsError(f"{path}: already exists; pass {option} to replace it")
    return path


def temporary_owner(name: str):
    """The writer's pid encoded in a temporary's name (``.tmp-<name>-<pid>-<random>``), or None."""
    if not name.startswith(".tmp-"):
        return None
    parts = name.rsplit("-", 2)
    return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None


def _below_a_file(path: Path):
    for parent in path.parents:
        if parent.exists() or parent.is_symlink():
            if not parent.is_dir():
                raise OutputExistsError(f"{path}: cannot be created, {parent} is a file, not a directory")
            return


def _make_parent(path: Path):
    _below_a_file(path)
    path.parent.mkdir(parents=True, exist_ok=True)


def _remove(p: Path):
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


@contextlib.contextmanager
def atomic_path(path, directory=False):
    """Yield a temporary path beside ``path``; on success rename it to ``path``.

    Parameters
    ----------
    path : str or Path
        Final destination (file, or directory when ``directory=True``). An existing file is
        replaced atomically; an existing directory (or a file where a directory goes) is
        swapped out by rename and then removed, leaving no ``.tmp-old-*`` behind.
    directory : bool
        Yield an empty temporary directory instead of a file name.
    """
    path = Path(path)
    _make_parent(path)
    mask = _umask()
    if directory:
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{path.name}-{os.getpid()}-", dir=path.parent))
        os.chmod(tmp, 0o777 & ~mask)
    else:
        fd, name = tempfile.mkstemp(prefix=f".tmp-{path.name}-{os.getpid()}-", dir=path.parent)
        os.close(fd)
        tmp = Path(name)
        os.chmod(tmp, 0o666 & ~mask)
    try:
        yield tmp
        if path.is_dir() and not path.is_symlink() or (directory and path.exists()):
            # rename() cannot replace a directory (or a file by a directory): move the old one
            # aside, move the new one in, then delete the old one.
            old = path.with_name(f".tmp-old-{path.name}-{os.getpid()}")
            os.replace(path, old)
            try:
                os.replace(tmp, path)
            except BaseException:
                os.replace(old, path)
                raise
            _remove(old)
        else:
            os.replace(tmp, path)
    except BaseException:
        _remove(tmp)
        raise
