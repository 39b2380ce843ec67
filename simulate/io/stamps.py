"""Checks already passed, remembered by file identity (path, size, mtime, inode).

Validating a native graph or hashing a data set is O(file size); doing it on every open would
re-read a 10M-node graph each time. A passed check is remembered as an empty marker file named
by a hash of the check's name and the identity of every file involved, so any change to a
file (new content changes its size or mtime; a replaced file has a new inode) invalidates the
marker and the check runs again.

Markers live in ``$SMALLWORLD_CACHE``, else ``$XDG_CACHE_HOME/smallworld``, else
``~/.cache/smallworld``, under ``checked/``. When that directory cannot be written the check
simply runs again next time (never an error).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

#: Identities checked in this process (saves even the marker lookup).
_SEEN: set[str] = set()


def cache_dir() -> Path:
    """Directory for smallworld's caches (see the module docstring)."""
    if os.environ.get("SMALLWORLD_CACHE"):
        return Path(os.environ["SMALLWORLD_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "smallworld"


def file_identity(check: str, paths) -> str | None:
    """Hex key for ``check`` over the current identity of ``paths``; None if one is missing."""
    h = hashlib.sha256(check.encode())
    for p in paths:
        try:
            st = os.stat(p)
        except OSError:
            return None
        h.update(f"\0{os.path.realpath(p)}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}\0{st.st_dev}".encode())
    return h.hexdigest()[:40]


def already_checked(check: str, paths) -> bool:
    """True if ``check`` passed before on exactly these files (same path, size, mtime, inode)."""
    key = file_identity(check, paths)
    if key is None:
        return False
    if key in _SEEN:
        return True
    if (cache_dir() / "checked" / key).exists():
        _SEEN.add(key)
        return True
    return False


def remember_checked(check: str, paths) -> None:
    """Record that ``check`` passed on ``paths`` as they are now."""
    key = file_identity(check, paths)
    if key is None:
        return
    _SEEN.add(key)
    try:
        d = cache_dir() / "checked"
        d.mkdir(parents=True, exist_ok=True)
        (d / key).touch()
    except OSError:
        pass  # an unwritable cache only costs a repeated check


def content_digest(path) -> str | None:
    """sha256 (hex) of a file's bytes, or of a directory's files (sorted by name, names and
    bytes); None if ``path`` does not exist.

    Computed once per file identity (path, size, mtime, inode) and remembered in the cache
    directory, so an unchanged multi-GB graph file is not re-read on every sweep start.
    """
    import hashlib

    path = Path(path)
    if not path.exists():
        return None
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    key = file_identity("content-sha256", [path, *files])
    if key is None:
        return None
    memo = cache_dir() / "digests" / key
    try:
        text = memo.read_text().strip()
        if len(text) == 64:
            return text
    except OSError:
        pass
    h = hashlib.sha256()
    for f in files:
        if path.is_dir():
            h.update(f"\0{f.relative_to(path).as_posix()}\0".encode())
        with open(f, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    digest = h.hexdigest()
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        memo.write_text(digest)
    except OSError:
        pass
    return digest
