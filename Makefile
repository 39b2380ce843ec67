# Two commands on a fresh machine with Python 3.11 and pip:  make demo  |  make test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup demo test bench clean

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,plot,dask,bench]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/smallworld reproduce all --quick

test: setup
	$(BIN)/python -m pytest -q -p no:cacheprovider tests

# Ends with a markdown table of ratios against peers (benchmarks/conftest.py); SMALLWORLD_BENCH_TABLE=file also
# writes it there. Opt-in large cases: SMALLWORLD_BENCH_BFS_AT_SCALE=1 (1M nodes), SMALLWORLD_BENCH_BFS10M=1,
# SMALLWORLD_BENCH_10M=1, SMALLWORLD_BENCH_WCC10M=1, SMALLWORLD_BENCH_KWAK=1 (GBs: run those under flock).
bench: setup
	# kleinberg-grid-simulator (peer of bench_implicit.py): --no-deps, its metadata pins numba < 0.59 and juliacall.
	$(BIN)/python -m pip install -q --no-deps kleinberg-grid-simulator==0.1.0
	$(BIN)/python -m pytest -q -p no:cacheprovider benchmarks/bench_*.py --benchmark-only

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
