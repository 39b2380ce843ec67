"""Thread wait policy for Numba's parallel kernels, set before Numba starts its threads.

Numba's default threading layer on a pip install is OpenMP (libgomp; TBB is used first only
when the separate ``tbb`` package is installed). libgomp lets a thread that finished its share
of a ``prange`` spin on the barrier for a while before sleeping. On a machine whose cores are
shared with other work that spinning thread takes the core the straggler needs, so two threads
can be slower than one. ``OMP_WAIT_POLICY=PASSIVE`` makes waiting threads sleep at once
(``KMP_BLOCKTIME=0`` is the same for an Intel OpenMP build); measured in
``benchmarks/threading_layers.py`` (numbers in the README's Performance section).

Importing :mod:`simulate` imports this module first. It only fills in variables the user has
not set (``os.environ.setdefault``): a value in the environment always wins, including
``NUMBA_THREADING_LAYER`` and ``NUMBA_NUM_THREADS``, which are left to Numba. Worker processes
(the local process pool, Dask workers) import :mod:`simulate` before running a task, so they
get the same policy, and children started from a process that imported it inherit the
environment. libgomp reads the variables when Numba loads it, at the first parallel kernel
call, so this works even if ``numba`` itself was imported first.

Set ``SMALLWORLD_NO_THREAD_POLICY=1`` to leave the environment untouched (for measuring the
default).
"""

from __future__ import annotations

import os

#: Variables filled in when unset (OpenMP wait policy: sleep instead of spinning).
THREAD_POLICY = {
    "OMP_WAIT_POLICY": "PASSIVE",
    "KMP_BLOCKTIME": "0",
}


def apply_thread_policy(environ=os.environ):
    """Fill in :data:`THREAD_POLICY` variables the environment does not already set.

    Parameters
    ----------
    environ : MutableMapping, default ``os.environ``

    Returns
    -------
    dict
        The variables this call set (empty when all were already set, or when
        ``SMALLWORLD_NO_THREAD_POLICY`` is set to a non-empty value other than ``0``).
    """
    if environ.get("SMALLWORLD_NO_THREAD_POLICY", "0") not in ("", "0"):
        return {}
    applied = {}
    for key, value in THREAD_POLICY.items():
        if key not in environ:
            environ[key] = value
            applied[key] = value
    return applied


apply_thread_policy()
