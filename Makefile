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

# What exists so far: a test set and its statistics, a short pre-training run of the tiny preset
# (its last metrics line shows the held-out loss), and a strict pass@k evaluation of the result.
# RL and the report extend this target when they land.
demo: venv
	$(BIN)/interplay generate --ops 2-3 --contexts zoo --n 50 --seed 1000 --format compact --order topological \
		--n-locations 3 --n-items 4 --distractors 0-1 --modulus 23 --out $(DEMO_DIR)/test.jsonl
	$(BIN)/interplay stats $(DEMO_DIR)/test.jsonl
	$(BIN)/interplay pretrain --config configs/pretrain_tiny.toml --set train.out=$(DEMO_DIR)/pretrain
	tail -n 1 $(DEMO_DIR)/pretrain/metrics.jsonl
	$(BIN)/interplay eval --model $(DEMO_DIR)/pretrain/final --data $(DEMO_DIR)/test.jsonl --samples 16 \
		--max-new-tokens 128 --out $(DEMO_DIR)/eval

test: venv
	$(BIN)/python -m pytest

bench: venv
	$(BIN)/python benchmarks/generate.py
	$(BIN)/python benchmarks/verify.py
	$(BIN)/python benchmarks/train_throughput.py
	$(BIN)/python benchmarks/sampling.py

clean:
	rm -rf $(VENV) runs .pytest_cache
