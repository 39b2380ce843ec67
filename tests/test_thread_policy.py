"""The OpenMP wait policy is set on import, in workers too, and never over the user's value."""

import json
import os
import subprocess
import sys
from pathlib import Path

from simulate.thread_policy import THREAD_POLICY, apply_thread_policy

REPO = Path(__file__).resolve().parents[1]

PROBE = r"""
import json, os
import numba
from numba import njit, prange
import simulate

@njit(parallel=True)
def total(a):
    s = 0.0
    for i in prange(a.shape[0]):
        s += a[i]
    return s

import numpy as np
total(np.ones(1000))   # starts Numba's threads
from concurrent.futures import ProcessPoolExecutor
import multiprocessing
with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
    worker = pool.submit(os.getenv, "OMP_WAIT_POLICY").result()
print(json.dumps({"omp": os.environ.get("OMP_WAIT_POLICY"), "kmp": os.environ.get("KMP_BLOCKTIME"),
                  "layer": numba.threading_layer(), "worker": worker}))
"""


def _probe(**env_over):
    env = {k: v for k, v in os.environ.items()
           if k not in ("OMP_WAIT_POLICY", "KMP_BLOCKTIME", "SMALLWORLD_NO_THREAD_POLICY")}
    env.update(env_over)
    env["PYTHONPATH"] = str(REPO)
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=REPO, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_sets_passive_wait_in_the_process_and_its_workers():
    got = _probe()
    assert got["omp"] == "PASSIVE" and got["kmp"] == "0"
    assert got["worker"] == "PASSIVE"


def test_a_value_the_user_set_is_kept():
    got = _probe(OMP_WAIT_POLICY="ACTIVE")
    assert got["omp"] == "ACTIVE" and got["worker"] == "ACTIVE"
    assert got["kmp"] == "0"


def test_opt_out_leaves_the_environment_alone():
    got = _probe(SMALLWORLD_NO_THREAD_POLICY="1")
    assert got["omp"] is None and got["kmp"] is None


def test_apply_fills_only_missing_keys():
    env = {"KMP_BLOCKTIME": "200"}
    applied = apply_thread_policy(env)
    assert applied == {"OMP_WAIT_POLICY": THREAD_POLICY["OMP_WAIT_POLICY"]}
    assert env["KMP_BLOCKTIME"] == "200"
    assert apply_thread_policy(env) == {}
    assert apply_thread_policy({"SMALLWORLD_NO_THREAD_POLICY": "1"}) == {}
