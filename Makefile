# Two commands do all the set-up on a fresh machine with one of SUPPORTED_PYTHONS (below):
#   make run    create .venv when needed, run the notebook with papermill into output/, print the result
#   make test   create the venvs when needed, lint, run every test (nbval on both notebooks included)
# and, while working, `make test-fast`: lint, and every test but the end-to-end ones;
# and `make lab`: JupyterLab on the notebook (click the URL it prints).
# The Pythons the pins are tested on, newest first. This is the one list: pyproject.toml's requires-python
# and environment.yml's python follow it (tests/component/test_setup_files.py checks), .ci/run reads it (make pythons).
SUPPORTED_PYTHONS := 3.13 3.12 3.11
# A command or a path; empty: the newest of SUPPORTED_PYTHONS found as python3.X (pyenv's too).
PYTHON ?=
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP := $(BIN)/python -m pip --disable-pip-version-check
NOTEBOOK := notebooks/prefect-resource-manager.ipynb
OUTPUT := output/prefect-resource-manager.ipynb
# make run PROJECT=x USERNAME=y; unset, the notebook's own defaults (its parameters cell owns them)
PROJECT ?=
USERNAME ?=

.PHONY: run run-prefect3 prefect3-server prefect3-kernel lab lint test test-fast screenshots standin outputs data bench lock clean pythons FORCE

# Every goal but these needs a Python. Find it now, before any work: when none fits, make stops here
# with tools/find-python's one line (which versions work, how to get one), and no venv is begun.
# make lock takes the oldest supported version only (see lock).
ifneq ($(filter-out clean pythons,$(or $(MAKECMDGOALS),$(STAMP))),)
PY := $(shell tools/find-python '$(PYTHON)' $(if $(filter lock,$(MAKECMDGOALS)),$(lastword $(SUPPORTED_PYTHONS)),$(SUPPORTED_PYTHONS)))
ifneq ($(.SHELLSTATUS),0)
$(error $(PY))
endif
endif

# Who installs what: requirements/*.txt, pinned by `make lock` (see lock) from the *.in of the same name, and the goals
# that install each (tests/component/test_setup_files.py checks them against what make -n runs).
#   notebook.txt  the notebook and its flow at run time   every goal but make run-prefect3 and make prefect3-server
#   standin.txt   the stand-in's own                      every goal but make run-prefect3 and make prefect3-server
#   lab.txt       JupyterLab                              make lab, make test, make test-fast, make lint, make screenshots
#   tests.txt     the tests and the lint                  make test, make test-fast, make lint, make screenshots
#   bench.txt     DuckDB, polars and nbconvert            make bench (nbconvert is lab.txt's too)
#   prefect3.txt  the companion, in .venv-prefect3        make run-prefect3, make prefect3-server, make prefect3-kernel,
#                                                         make lab, make test, make screenshots, make outputs, make bench
# A later file is pinned under the earlier files' pins (-c), so a package in two files has one version.
REQUIREMENTS := notebook standin lab tests bench
RUN_REQUIREMENTS := requirements/notebook.txt requirements/standin.txt
# One stamp per audience, written last: .venv/.installed (the run time, and the venv itself), then
# .lab-installed, .tests-installed and .bench-installed, each on top of the run time.
LAB_STAMP := $(VENV)/.lab-installed
TESTS_STAMP := $(VENV)/.tests-installed
BENCH_STAMP := $(VENV)/.bench-installed

# The run time's stamp holds the Python that made the venv ("3.13.0 /path/to/python3.13").
# A venv without it (a set-up that failed half-way) or made by another Python (PYTHON= changed) is made
# again from nothing; a venv of the same Python only gets what changed in the requirements or pyproject.toml.
# The other audiences' stamps go with the venv; one of their installs that failed half-way is run again
# on the next make (a plain pip install of pinned wheels, which picks up where it stopped).
ifneq ($(file < $(STAMP)),$(PY))
NEW_VENV := yes
$(STAMP): FORCE
endif

# prefect 1 needs pendulum 2, which has no wheels for these Pythons and builds from source. Its build.py
# imports distutils, which Python 3.12 removed; setuptools provides it, so pendulum is built next to
# these build tools instead of in an isolated build. The same on 3.11, so every venv holds the same
# packages. The pendulum pin itself is requirements/notebook.txt's.
BUILD_TOOLS := setuptools==84.2.1 poetry-core==1.9.1
PENDULUM := $(filter pendulum==%,$(file < requirements/notebook.txt))

# The run time: the notebook's and the stand-in's pins, then the kit, the stand-in's distribution and lifeline (the
# helper servers' lifecycle, which both use), each editable (their dependencies are the pins, hence --no-deps), then
# the notebook's kernel.
$(STAMP): $(RUN_REQUIREMENTS) pyproject.toml standin/pyproject.toml lifeline/pyproject.toml
	@echo 'Setting up $(VENV) with Python $(PY)'
	rm -f $@
	$(if $(NEW_VENV),rm -rf $(VENV) && $(lastword $(PY)) -m venv $(VENV))
	$(PIP) install --quiet $(BUILD_TOOLS)
	$(PIP) install --quiet --no-build-isolation --no-deps $(PENDULUM)
	$(PIP) install --quiet $(addprefix -r ,$(RUN_REQUIREMENTS))
	$(PIP) install --quiet --no-build-isolation --no-deps -e .
	$(PIP) install --quiet --no-build-isolation --no-deps -e ./standin -e ./lifeline
	$(BIN)/python -m tutorial_kit.tooling.kernel  # the notebook's kernel, prefect-tutorial (IPC, no TCP warning)
	echo '$(PY)' > $@

# JupyterLab asks every new user "Would you like to get notified about official Jupyter news?" and, once
# answered yes, fetches news and checks for updates on the internet. Its defaults for this venv say no to
# both (a labconfig file in the venv, which every JupyterLab of the venv reads, make lab's and the tests').
LAB_DEFAULTS := tools/jupyterlab/default_setting_overrides.json
$(LAB_STAMP): requirements/lab.txt $(LAB_DEFAULTS) $(STAMP)
	$(PIP) install --quiet -r requirements/lab.txt
	install -D -m 0644 $(LAB_DEFAULTS) $(VENV)/etc/jupyter/labconfig/default_setting_overrides.json
	touch $@

# tests/e2e/test_lab.py runs make lab: the tests' venv holds JupyterLab too
$(TESTS_STAMP): requirements/tests.txt $(LAB_STAMP)
	$(PIP) install --quiet -r requirements/tests.txt
	touch $@

$(BENCH_STAMP): requirements/bench.txt $(STAMP)
	$(PIP) install --quiet -r requirements/bench.txt
	touch $@

# The companion, notebooks/prefect3-dask-cluster.ipynb: the same pipeline on Prefect 3, in a venv of its own
# (Prefect 3 and prefect 1.4.1 are one distribution and import name: one venv cannot hold both), made by the
# same Python as .venv, with its own stamp (the same rules as .venv's: another Python makes it again from
# nothing). It holds requirements/prefect3.txt, then the kit and lifeline (its servers' lifecycle), editable and
# without dependencies, and no part of the stand-in: the companion reuses the first notebook's parameter and data
# checks (tutorial_kit.notebook.parameters and trips, which import neither prefect nor the stand-in), and the kit
# registers the kernels' IPC provisioner. A venv set up before the companion left the stand-in out still holds its
# distribution: it is uninstalled. Its kernel, prefect3-tutorial, is installed into this venv (for its own papermill)
# and into .venv (PREFECT3_KERNEL below: for make lab and nbval, which run in .venv).
PREFECT3_VENV := .venv-prefect3
PREFECT3_BIN := $(PREFECT3_VENV)/bin
PREFECT3_STAMP := $(PREFECT3_VENV)/.installed
PREFECT3_PIP := $(PREFECT3_BIN)/python -m pip --disable-pip-version-check
PREFECT3_NOTEBOOK := notebooks/prefect3-dask-cluster.ipynb
PREFECT3_OUTPUT := output/prefect3-dask-cluster.ipynb
PREFECT3_KERNEL := $(VENV)/share/jupyter/kernels/prefect3-tutorial/kernel.json
ifneq ($(file < $(PREFECT3_STAMP)),$(PY))
NEW_PREFECT3_VENV := yes
$(PREFECT3_STAMP): FORCE
endif

$(PREFECT3_STAMP): requirements/prefect3.txt pyproject.toml lifeline/pyproject.toml
	@echo 'Setting up $(PREFECT3_VENV) with Python $(PY)'
	rm -f $@
	$(if $(NEW_PREFECT3_VENV),rm -rf $(PREFECT3_VENV) && $(lastword $(PY)) -m venv $(PREFECT3_VENV))
	$(PREFECT3_PIP) install --quiet $(filter setuptools==%,$(BUILD_TOOLS))
	$(PREFECT3_PIP) install --quiet -r requirements/prefect3.txt
	$(PREFECT3_PIP) install --quiet --no-build-isolation --no-deps -e . -e ./lifeline
	$(PREFECT3_PIP) uninstall --quiet --quiet --yes prefect-saturn-standin
	$(PREFECT3_BIN)/python -m tutorial_kit.tooling.kernel --name prefect3-tutorial
	$(PREFECT3_BIN)/python -m tutorial_kit.prefect3.template  # a migrated database that new homes start from
	echo '$(PY)' > $@

# .venv's Jupyter (make lab, nbval) finds the companion's kernel here; remade with either venv.
# make prefect3-kernel: both venvs and the kernel (.ci/run, before nbval on another Python)
$(PREFECT3_KERNEL): $(PREFECT3_STAMP) $(STAMP)
	$(PREFECT3_BIN)/python -m tutorial_kit.tooling.kernel --name prefect3-tutorial --prefix $(VENV)

prefect3-kernel: $(PREFECT3_KERNEL)

# The companion, as make run runs the tutorial: its own venv's papermill, its result printed the same way.
# make run-prefect3 N_WORKERS=2 DATA_URL=path SCHEDULER_ADDRESS=tcp://10.0.0.5:8786 (your own Dask cluster);
# unset, the notebook's own defaults.
N_WORKERS ?=
DATA_URL ?=
SCHEDULER_ADDRESS ?=
run-prefect3: $(PREFECT3_STAMP)
	mkdir -p output
	$(PREFECT3_BIN)/papermill --no-progress-bar $(PREFECT3_NOTEBOOK) $(PREFECT3_OUTPUT) $(if $(N_WORKERS),-p n_workers $(N_WORKERS)) $(if $(DATA_URL),-p data_url '$(DATA_URL)') \
		$(if $(SCHEDULER_ADDRESS),-p scheduler_address '$(SCHEDULER_ADDRESS)')
	$(PREFECT3_BIN)/python -m tutorial_kit.tooling.results $(PREFECT3_OUTPUT)

# One shared Prefect 3 server in the foreground (Ctrl-C stops it), its state in .prefect3/: companion runs use
# it while it runs (their deployments, runs and logs stay in its UI, at the URL it prints).
prefect3-server: $(PREFECT3_STAMP)
	$(PREFECT3_BIN)/python -m tutorial_kit.prefect3.server

FORCE:

# The supported versions, for .ci/run
pythons:
	@echo $(SUPPORTED_PYTHONS)

# Your own Dask cluster instead of the stand-in's LocalCluster (docs/own-dask-cluster.md):
# make run STANDIN_DASK_SCHEDULER=tcp://10.0.0.5:8786
STANDIN_DASK_SCHEDULER ?=

run: $(STAMP)
	mkdir -p output
	STANDIN_DASK_SCHEDULER='$(STANDIN_DASK_SCHEDULER)' $(BIN)/papermill --no-progress-bar $(NOTEBOOK) $(OUTPUT) $(if $(PROJECT),-p project '$(PROJECT)') $(if $(USERNAME),-p username '$(USERNAME)')
	$(BIN)/python -m tutorial_kit.tooling.results $(OUTPUT)

# JupyterLab from .venv, on the notebook, with the venv's kernels (prefect-tutorial included). Its settings
# are these options and the venv's labconfig (LAB_DEFAULTS), nothing else of the repo's, so that `make lab` and tests/e2e/test_lab.py (which runs
# `make lab`) serve the same thing: 127.0.0.1 only; Jupyter's own token auth (the URL it prints carries
# ?token=); no browser started by the server (click the printed URL, which opens the notebook: that is the
# default URL); the repo as the file browser's root (with a file to open, Jupyter would take the file's
# folder); --allow-root only when run as root (CI, containers), where Jupyter otherwise refuses to start;
# the server itself fetches no news and checks for no update (the prompt: LAB_DEFAULTS above).
LAB_PORT ?= 8888
LAB_OPTIONS = --no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port=$(LAB_PORT) \
	--ServerApp.root_dir='$(CURDIR)' --LabApp.default_url=/lab/tree/$(NOTEBOOK) \
	--LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate \
	$(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(LAB_STAMP) $(PREFECT3_KERNEL)
	STANDIN_DASK_SCHEDULER='$(STANDIN_DASK_SCHEDULER)' $(BIN)/jupyter lab $(LAB_OPTIONS)

# One shared stand-in in the foreground (Ctrl-C stops it), keeping flows and runs in
# .standin/shared/: notebook runs and `make run` use it while it runs, and a shell's prefect CLI
# after `eval "$$(.venv/bin/python -m standin env)"`.
standin: $(STAMP)
	$(BIN)/python -m standin shared $(if $(USERNAME),--username '$(USERNAME)') $(if $(STANDIN_DASK_SCHEDULER),--dask-scheduler '$(STANDIN_DASK_SCHEDULER)')

# The one lint and format (pyproject.toml's [tool.ruff]) over the whole repo, and the import contracts
# (pyproject.toml's [tool.importlinter]; tests/ on the path for the tutorial's tests' helpers); make test and
# make test-fast run them first.
lint: $(TESTS_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PYTHONPATH=tests $(BIN)/lint-imports --no-cache

# tests start the clusters they need; stored outputs come from the default path
# -n 3 --dist loadfile: three test processes, each taking whole files (module fixtures stay shared)
# -rs: a skipped test says why (the browser tests without Chromium: how to install it)
# The tests are in tests/ (the tutorial), standin/tests/ (the stand-in) and lifeline/tests/, their levels as
# folders, unit/, component/ and e2e/ (standin/tests/conftest.py marks the stand-in's tests with their level, the
# root conftest.py the others; nbval's cells of notebooks/ are e2e). After a failure, `.venv/bin/python -m pytest
# --lf` runs only what failed (a notebook's cells all, in order).
PYTEST := STANDIN_DASK_SCHEDULER= $(BIN)/python -m pytest -n 3 --dist loadfile -rs
test: lint $(PREFECT3_KERNEL)
	$(PYTEST)

# The loop while working: every level but e2e (no notebook run, no JupyterLab, no user's flow through the prefect
# CLI, no Dask cluster of your own; standin.testing.levels says what each level holds)
test-fast: lint
	$(PYTEST) -m 'not e2e'

# The README's screenshots, never made by hand: the browser tests (standin/src/standin/testing/browser.py), each also writing
# its screenshots into docs/screenshots/. Needs Chromium (apt-get install chromium); the Prefect 3 UI's test needs
# the companion's venv.
screenshots: $(TESTS_STAMP) $(PREFECT3_STAMP)
	STANDIN_DASK_SCHEDULER= SCREENSHOTS_DIR='$(CURDIR)/docs/screenshots' $(BIN)/python -m pytest -m browser

# Regenerate both notebooks' stored outputs (never edit them by hand): the tutorial's against the stand-in, the
# companion's against a Prefect 3 server of its run.
outputs: $(STAMP) $(PREFECT3_KERNEL)
	STANDIN_DASK_SCHEDULER= $(BIN)/python -m tutorial_kit.tooling.outputs $(NOTEBOOK)
	$(BIN)/python -m tutorial_kit.tooling.outputs $(PREFECT3_NOTEBOOK)

# Regenerate the bundled sample data (same bytes on every machine): tutorial_kit/generator/, data/README.md.
data: $(STAMP)
	$(BIN)/python -m tutorial_kit.generator

# Benchmarks: the flow's read task on a generated full month (cached in benchmarks/.cache/) against pandas, DuckDB
# and polars, and on 1, 2, 4 months and 1, 2, 3 workers (months 2-4 generated once more; their size:
# docs/benchmarks.md), then `make run` against the notebook's code as a script, then the emulated platform's flow
# runs (the agent's pick-up latency, a run's duration, the notebook's run cell over its run), its pages' response
# times, and the Prefect 3 companion beside the notebook (.venv-prefect3: papermill, its deployment run, its
# server's start). DuckDB and polars are benchmark-only dependencies (requirements/bench.txt), installed here and
# not by the other goals; nbconvert, which a benchmark imports, comes with lab.txt to the other goals. The benchmarks' commands are not echoed: on a set-up venv, what it prints is
# their tables and PASS/FAIL lines.
bench: $(BENCH_STAMP) $(PREFECT3_STAMP)
	@$(BIN)/python benchmarks/read_engines.py
	@$(BIN)/python benchmarks/read_growth.py
	@$(BIN)/python benchmarks/notebook_vs_script.py
	@$(BIN)/python benchmarks/flow_runs.py
	@$(BIN)/python benchmarks/pages.py
	@$(BIN)/python benchmarks/prefect3_runs.py

# Re-pin requirements/*.txt from requirements/*.in with a resolver, uv's `uv pip compile` (rather than
# pip-tools: one pinned wheel that leans on no pip internals), in a scratch venv
# on the oldest supported Python: it picks releases that Python supports, so the pins install on all of
# them. The files in REQUIREMENTS' order, each under the pins before it. A pin already in a .txt is kept
# while its .in allows it (the stored outputs stay as they are); to move one, name it:
#   make lock LOCK_OPTIONS='--upgrade-package dask'    (or --upgrade: everything)
# pendulum 2 has no wheel for these Pythons: uv reads its dependencies from a wheel of the same release
# for an older one, and were it to build the sdist instead, builds it next to BUILD_TOOLS as
# the set-up does (--no-build-isolation-package).
# requirements/prefect3.txt (the companion's venv) is pinned last and on its own (not under notebook.txt, whose
# prefect 1.4.1 it cannot share a venv with), constrained by the other files' pins less PREFECT1_ONLY: Prefect 1 and
# its platform plug-ins, the pendulum 2, marshmallow 3.23 and mypy-extensions 1.0 they hold back, and python-slugify (prefect 3.9.1 wants
# <9.2, notebook.txt has 9.2.0). Every other package in two files has one version
# (tests/component/test_setup_files.py reads PREFECT1_ONLY here and checks).
PREFECT1_ONLY := prefect pendulum marshmallow mypy-extensions dask-saturn prefect-saturn python-slugify
# written for the lock beside the .in files and removed after it (prefect3.txt's "via" comments name it)
PREFECT3_CONSTRAINTS := shared-pins.txt
space := $(subst ,, )
LOCK_VENV := /tmp/tutorial-lock
UV := uv==0.13.8
LOCK_OPTIONS ?=
lock:
	rm -rf $(LOCK_VENV) && $(lastword $(PY)) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet --disable-pip-version-check $(UV) $(BUILD_TOOLS)
	set -e; cd requirements && for name in $(REQUIREMENTS); do \
		$(LOCK_VENV)/bin/uv pip compile --quiet --python $(LOCK_VENV)/bin/python --no-build-isolation-package pendulum \
			--custom-compile-command 'make lock' $(LOCK_OPTIONS) $$name.in -o $$name.txt; \
	done
	set -e; cd requirements && grep -hvE '^($(subst $(space),|,$(PREFECT1_ONLY)))==' $(addsuffix .txt,$(REQUIREMENTS)) > $(PREFECT3_CONSTRAINTS) \
		&& $(LOCK_VENV)/bin/uv pip compile --quiet --python $(LOCK_VENV)/bin/python -c $(PREFECT3_CONSTRAINTS) \
			--custom-compile-command 'make lock' $(LOCK_OPTIONS) prefect3.in -o prefect3.txt; \
		status=$$?; rm -f $(PREFECT3_CONSTRAINTS); exit $$status

clean:
	rm -rf output .standin .prefect3
