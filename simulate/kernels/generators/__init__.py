"""Numba kernels for the synthetic graph generators (:mod:`simulate.generators`).

Pure array code: no I/O, no configuration, no imports from the layers above. Every kernel
returns edge endpoint arrays (int32 ``src``, ``dst``: node ids fit in int32, as in the CSR)
that the public layer turns into a :class:`simulate.Graph`. Randomness comes from the
per-task xoshiro256** streams of :mod:`simulate.kernels.random`: parallel kernels give every
*block of rows* its own stream (never one per thread), so the output is identical for any
``NUMBA_NUM_THREADS``.

Parallel kernels that emit a random number of edges run once over each block into a slot
of fixed capacity (the expected count plus a wide margin: overflow has probability below
1e-12), then compact the blocks into exact-size arrays; a block that does overflow is
re-run from a copy of its stream straight into the final arrays, so the output never
depends on the capacities. Sequential models (Watts-Strogatz rewiring, Barabasi-Albert,
hierarchical link formation) run serially, as the papers define them, with an
open-addressing hash set of edge keys.

One module per model family, mirroring :mod:`simulate.generators`: ``random_graphs`` (Erdos-Renyi),
``watts_strogatz``, ``preferential`` (Barabasi-Albert), ``power_law`` (Chung-Lu, configuration model),
``kleinberg``, ``hierarchical`` (Watts-Dodds-Newman identities), ``geographic`` (rank-based) and
``follower``; shared structures in ``hashset`` (edge-key hash set), ``alias`` (alias tables) and
``blocks`` (block-slot compaction). Import kernels from their module; this package re-exports nothing.
"""
