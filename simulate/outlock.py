"""One sweep at a time per output directory: a lock file naming its holder.

``run_sweep`` holds ``OUT/.lock`` (JSON: ``pid``, ``host``, ``started``) while it runs. A second
run into the same directory is refused with a message naming the holder. A lock left by a
process that no longer exists on this host (a SIGKILLed run) is stale: it is taken over. A
lock from another host cannot be checked from here; the message says so and how to clear it.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from pathlib import Path

from .errors import SmallworldError

LOCK_NAME = ".lock"


class OutputLockedError(SmallworldError):
    """The output directory is in use by another run."""


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (also when another user owns it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def _proc_start(pid: int):
    # Start time in clock ticks since boot (/proc/PID/stat field 22): tells a reused pid apart.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return int(stat.rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def _holder(path: Path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _is_stale(info) -> bool:
    if not isinstance(info, dict) or info.get("host") != socket.gethostname():
        return False
    pid = info.get("pid")
    if not isinstance(pid, int) or not pid_alive(pid):
        return True
    return info.get("proc_start") is not None and _proc_start(pid) != info.get("proc_start")


@contextlib.contextmanager
def locked_output(out):
    """Hold ``out/.lock`` for the duration of the block (OutputLockedError if another run holds it)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / LOCK_NAME
    me = {"pid": os.getpid(), "host": socket.gethostname(), "proc_start": _proc_start(os.getpid()),
          "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    for attempt in range(3):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            info = _holder(path)
            if info is None and attempt == 0:
                time.sleep(0.2)  # the holder may be writing its details right now
                continue
            if info is None or _is_stale(info):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                continue
            where = "" if info.get("host") == me["host"] else \
                " on another host (if that run is gone, delete the lock file)"
            raise OutputLockedError(f"{out}: in use by another run (pid {info.get('pid')} on "
                                    f"{info.get('host')}, started {info.get('started')}){where}; "
                                    f"lock file {path}") from None
        with os.fdopen(fd, "w") as fh:
            fh.write(json.dumps(me))
        break
    else:
        raise OutputLockedError(f"{out}: could not take the lock file {path}")
    try:
        yield path
    finally:
        if _holder(path) == me:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
