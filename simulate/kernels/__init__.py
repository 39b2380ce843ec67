"""Numba kernels over CSR arrays.

Pure array code: no I/O, no configuration, no imports from the layers above
(:mod:`simulate.graph`, :mod:`simulate.io`, ...). Every kernel is compiled with
``cache=True``; parallel kernels split work by task (source batch, chain, row), never by
thread, so results do not depend on the number of threads.
"""
