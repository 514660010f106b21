# Two entry points on a fresh machine: `make demo` and `make test`. Both create .venv first.
# GPU users: make demo TORCH_SPEC="torch==2.13.0 --index-url https://download.pytorch.org/whl/cu128"
PYTHON ?= python3
TORCH_SPEC ?= torch==2.13.0
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR ?= runs/demo

.PHONY: demo test venv bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch goes in first, from TORCH_SPEC, so the project's own `torch>=2.4` installs nothing more.
$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet $(TORCH_SPEC)
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

venv: $(VENV)/.installed

demo: venv
	$(BIN)/interplay generate --ops 2-10 --contexts zoo --n 1000 --seed 0 --out $(DEMO_DIR)/train.jsonl
	$(BIN)/interplay stats $(DEMO_DIR)/train.jsonl

test: venv
	$(BIN)/python -m pytest

bench: venv
	$(BIN)/python benchmarks/generate.py

clean:
	rm -rf $(VENV) runs .pytest_cache
