"""The package's one progress-bar rule: tqdm on stderr, and only when a person is watching.

Library functions take ``progress=False`` and call :func:`progress_bar`; the CLI decides with
:func:`show_progress` (bars only on a terminal and not with ``--quiet``, so logs, pipes and CI
get clean lines). A disabled bar is tqdm's own no-op, so callers never branch on it.
"""

from __future__ import annotations

import sys


def show_progress(quiet=False) -> bool:
    """True when bars should be drawn: stderr is a terminal and ``--quiet`` was not given."""
    return not quiet and sys.stderr.isatty()


def progress_bar(enabled, total, desc, unit, initial=0):
    """A tqdm bar on stderr (transient: erased when closed), or a disabled one.

    Parameters
    ----------
    enabled : bool
        False gives a bar whose ``update``/``set_postfix``/``close`` do nothing.
    total : int
        Number of units of work.
    desc, unit : str
        Label and unit shown in the bar ("chains (greedy_lattice)", "chain").
    initial : int, default 0
        Units already done (a resumed sweep).

    Returns
    -------
    tqdm.tqdm
        Use as a context manager or close it in a ``finally``.
    """
    from tqdm import tqdm  # imported on use: the CLI's start-up does not pay for it

    return tqdm(total=total, desc=desc, unit=unit, initial=initial, file=sys.stderr, leave=False,
                dynamic_ncols=True, disable=not enabled)
