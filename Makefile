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

.PHONY: run test outputs data bench lock clean

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is needed (prefect 1 needs pendulum 2, which builds only up to 3.11): set PYTHON=/path/to/python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

run: $(STAMP)
	mkdir -p output
	$(BIN)/papermill --no-progress-bar $(NOTEBOOK) $(OUTPUT) -p project $(PROJECT) -p username $(USERNAME)
	$(BIN)/python -m tutorial_kit.results $(OUTPUT)

test: $(STAMP)
	$(BIN)/python -m pytest

# Regenerate the notebook's stored outputs (never edit them by hand), against the stand-in.
outputs: $(STAMP)
	$(BIN)/python -m tutorial_kit.outputs $(NOTEBOOK)

# Regenerate the bundled sample data (same bytes on every machine).
data: $(STAMP)
	$(BIN)/python -m tutorial_kit.sample_data

bench: $(STAMP)
	$(BIN)/python benchmarks/notebook_vs_script.py

# Re-pin requirements.txt from requirements.in in a scratch venv.
lock:
	rm -rf /tmp/tutorial-lock && $(PYTHON) -m venv /tmp/tutorial-lock
	/tmp/tutorial-lock/bin/pip install --quiet -r requirements.in
	{ sed -n '1,2p' requirements.txt; /tmp/tutorial-lock/bin/pip freeze --exclude-editable; } > requirements.txt.new
	mv requirements.txt.new requirements.txt

clean:
	rm -rf output .standin
