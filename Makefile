# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make run    create .venv when needed, run the notebook with papermill into output/, print the result
#   make test   create .venv when needed, run every test (nbval on the notebook included)
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NOTEBOOK := notebooks/prefect-resource-manager.ipynb
OUTPUT := output/prefect-resource-manager.ipynb
PROJECT ?= tutorial
USERNAME ?= data-engineer

.PHONY: run test standin outputs data bench lock clean

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is needed (prefect 1 needs pendulum 2, which builds only up to 3.11): set PYTHON=/path/to/python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/python -m tutorial_kit.kernel  # the notebook's kernel, prefect-tutorial (IPC, no TCP warning)
	touch $@

# Your own Dask cluster instead of the stand-in's LocalCluster (README: "Run the unmodified
# notebook on your own Dask cluster"): make run STANDIN_DASK_SCHEDULER=tcp://10.0.0.5:8786
STANDIN_DASK_SCHEDULER ?=

run: $(STAMP)
	mkdir -p output
	STANDIN_DASK_SCHEDULER='$(STANDIN_DASK_SCHEDULER)' $(BIN)/papermill --no-progress-bar $(NOTEBOOK) $(OUTPUT) -p project $(PROJECT) -p username $(USERNAME)
	$(BIN)/python -m tutorial_kit.results $(OUTPUT)

# One shared stand-in in the foreground (Ctrl-C stops it), keeping flows and runs in
# .standin/shared/: notebook runs and `make run` use it while it runs, and a shell's prefect CLI
# after `eval "$$(.venv/bin/python -m tutorial_kit.standin env)"`.
standin: $(STAMP)
	$(BIN)/python -m tutorial_kit.standin shared $(if $(STANDIN_DASK_SCHEDULER),--dask-scheduler '$(STANDIN_DASK_SCHEDULER)')

# tests start the clusters they need; stored outputs come from the default path
# -n 3 --dist loadfile: three test processes, each taking whole files (module fixtures stay shared)
test: $(STAMP)
	STANDIN_DASK_SCHEDULER= $(BIN)/python -m pytest -n 3 --dist loadfile

# Regenerate the notebook's stored outputs (never edit them by hand), against the stand-in.
outputs: $(STAMP)
	STANDIN_DASK_SCHEDULER= $(BIN)/python -m tutorial_kit.outputs $(NOTEBOOK)

# Regenerate the bundled sample data (same bytes on every machine).
data: $(STAMP)
	$(BIN)/python -m tutorial_kit.sample_data

# Benchmarks: the flow's read task on a generated full month (cached in benchmarks/.cache/)
# against pandas, DuckDB and polars, then `make run` against a plain script, then the emulated
# platform's flow runs (the agent's pick-up latency, a run's duration). DuckDB and polars
# are benchmark-only dependencies, installed here and not by the main install.
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): requirements-bench.txt $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	touch $@

bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/read_engines.py
	$(BIN)/python benchmarks/notebook_vs_script.py
	$(BIN)/python benchmarks/flow_runs.py

# Re-pin requirements.txt from requirements.in in a scratch venv.
lock:
	rm -rf /tmp/tutorial-lock && $(PYTHON) -m venv /tmp/tutorial-lock
	/tmp/tutorial-lock/bin/pip install --quiet -r requirements.in
	{ sed -n '1,2p' requirements.txt; /tmp/tutorial-lock/bin/pip freeze --exclude-editable; } > requirements.txt.new
	mv requirements.txt.new requirements.txt

clean:
	rm -rf output .standin
