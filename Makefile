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

# What exists so far: data and its statistics, then a short pre-training run of the tiny preset
# whose held-out loss is the last metrics line. Later stages (sampling, RL, report) extend this.
demo: venv
	$(BIN)/interplay generate --ops 2-3 --contexts zoo --n 200 --seed 0 --format compact --order topological \
		--n-locations 3 --n-items 4 --distractors 0-1 --modulus 23 --out $(DEMO_DIR)/test.jsonl
	$(BIN)/interplay stats $(DEMO_DIR)/test.jsonl
	$(BIN)/interplay pretrain --config configs/pretrain_tiny.toml --set train.out=$(DEMO_DIR)/pretrain
	tail -n 1 $(DEMO_DIR)/pretrain/metrics.jsonl

test: venv
	$(BIN)/python -m pytest

bench: venv
	$(BIN)/python benchmarks/generate.py
	$(BIN)/python benchmarks/verify.py
	$(BIN)/python benchmarks/train_throughput.py

clean:
	rm -rf $(VENV) runs .pytest_cache
