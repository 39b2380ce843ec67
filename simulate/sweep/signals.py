"""Signals of a sweep: SIGTERM writes the manifest and shuts the workers down
before exiting (SIGKILL cannot be caught; resume covers it).
"""

from __future__ import annotations

import contextlib
import signal
import threading


class Terminated(Exception):
    """Raised in the main thread by SIGTERM during a sweep."""


@contextlib.contextmanager
def sigterm_as_exception(graceful: bool):
    """Handle SIGTERM in the main thread so the manifest is written and the pool shut down
    before exiting (SIGKILL cannot be caught: resume covers it).

    With ``graceful`` (the serial executor, where the signal would land inside a running
    cell) the first SIGTERM only stops the sweep after the current cell; a second one
    stops at once. Otherwise the driver is only waiting on workers and stops at once.
    """
    state = {"stop": False}
    if threading.current_thread() is not threading.main_thread():
        yield state
        return

    def handler(signum, frame):
        if graceful and not state["stop"]:
            state["stop"] = True
            return
        raise Terminated()

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield state
    finally:
        signal.signal(signal.SIGTERM, old)
