# Two entry points on a fresh machine: `make demo` and `make test`. Both create .venv first.
# GPU users: make demo TORCH_SPEC="torch==2.13.0 --index-url https://download.pytorch.org/whl/cu128"
PYTHON ?= python3
TORCH_SPEC ?= torch==2.13.0
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR ?= runs/demo
# The suite on every core (up to 4), whole files per worker so module fixtures run once, in the order
# tests/conftest.py gives (slowest files first). PARALLEL= runs it in one process.
PARALLEL ?= -n auto --maxprocesses 4 --dist loadfile --no-loadscope-reorder

.PHONY: demo test test-no-bf16 lint venv bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch goes in first, from TORCH_SPEC, so the project's own `torch>=2.4` installs nothing more.
$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet $(TORCH_SPEC)
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

venv: $(VENV)/.installed

# The whole pipeline on 2 cores in about 3 minutes (2.6 on a 2-core Xeon):
# generate -> pre-train -> GRPO -> eval -> report
# (recipes/demo.toml). The report lands in $(DEMO_DIR)/report/report.md and report.html.
demo: venv
	$(BIN)/interplay run recipes/demo.toml --scale cpu --out $(DEMO_DIR)
	cat $(DEMO_DIR)/report/report.md

test: venv
	$(BIN)/python -m pytest $(PARALLEL)

# The suite as a CPU without native bf16 runs it (`dtype = auto` resolves to fp32 everywhere):
# no test's outcome may depend on which one CI's machine has.
test-no-bf16: venv
	INTERPLAY_CPU_BF16=0 $(BIN)/python -m pytest $(PARALLEL)

# Lines of at most 120 characters and pyflakes' checks ([tool.ruff.lint] in pyproject.toml); CI runs it after
# the suite.
lint: venv
	$(BIN)/ruff check src tests benchmarks examples

bench: venv
	$(BIN)/python benchmarks/generate.py
	$(BIN)/python benchmarks/verify.py
	$(BIN)/python benchmarks/train_throughput.py
	$(BIN)/python benchmarks/sampling.py

clean:
	rm -rf $(VENV) runs .pytest_cache
