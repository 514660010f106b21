"""A stage kind is keyed on the code it runs: its part of stages.py and every module that imports, no more."""

import shutil
from pathlib import Path

import pytest

from interplay.experiments.code import PACKAGE, kind_digest, source_digest
from interplay.experiments.stages import KINDS

RUNNERS = {kind.run.__name__ for kind in KINDS.values()}


@pytest.fixture
def package(tmp_path):
    """A copy of the installed interplay package to edit."""
    copy = tmp_path / "interplay"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def digests(package: Path) -> dict[str, str]:
    return {kind: source_digest(package, KINDS[kind].run.__name__, RUNNERS) for kind in KINDS}


def edit(package: Path, relative: str, old: str, new: str) -> None:
    path = package / relative
    text = path.read_text()
    assert old in text, (relative, old)
    path.write_text(text.replace(old, new, 1))


def changed(before: dict, after: dict) -> set[str]:
    return {kind for kind in before if before[kind] != after[kind]}


def test_the_copy_digests_as_the_installed_package(package):
    assert digests(package) == {kind: kind_digest(kind) for kind in KINDS}


def test_a_change_to_grpo_reruns_rl_and_keeps_the_base(package):
    before = digests(package)
    edit(package, "train/grpo.py", "def train_rl(", "def _new_helper():\n    return 1\n\n\ndef train_rl(")
    assert changed(before, digests(package)) == {"rl"}


def test_a_change_to_the_model_reruns_every_kind_that_imports_it(package):
    """Every kind but generate, which writes problems without a model."""
    before = digests(package)
    edit(package, "lm/model.py", "class Transformer(nn.Module):", "class Transformer(nn.Module):\n    changed = True\n")
    assert changed(before, digests(package)) == set(KINDS) - {"generate"}


def test_an_estimate_changes_no_stage(package):
    """Only --dry-run reads experiments/estimates.py: a better estimate keeps every cached stage."""
    before = digests(package)
    edit(package, "experiments/estimates.py", "_SIZING_PROBLEMS = 32", "_SIZING_PROBLEMS = 64")
    edit(package, "experiments/estimates.py", "_PROMPT_TOKENS = 120", "_PROMPT_TOKENS = 150")
    assert digests(package) == before


def test_a_comment_or_a_report_module_changes_nothing(package):
    before = digests(package)
    edit(package, "train/lm.py", "def train_lm(", "# a comment only\ndef train_lm(")
    edit(package, "report/figures.py", "import", "import os\nimport")
    assert digests(package) == before


def test_an_import_inside_a_function_counts(package):
    """train/lm.py does not import competence.py; once a function of it does, competence is the base's code."""
    before = digests(package)
    edit(package, "competence.py", "def probe(", "def _new_helper():\n    return 1\n\n\ndef probe(")
    assert "pretrain" not in changed(before, digests(package))
    edit(package, "train/lm.py", "def train_lm(",
         "def _uses_competence():\n    from interplay import competence\n    return competence\n\n\ndef train_lm(")
    middle = digests(package)
    edit(package, "competence.py", "def _new_helper():\n    return 1", "def _new_helper():\n    return 2")
    assert "pretrain" in changed(middle, digests(package))


def test_stages_py_counts_by_what_each_kind_calls(package):
    before = digests(package)
    edit(package, "experiments/stages.py", 'settings = {"rl.seed": seed, **settings}',
         'settings = {"rl.seed": seed + 0, **settings}')
    assert changed(before, digests(package)) == {"rl"}
    after_rl = digests(package)
    edit(package, "experiments/stages.py", "    config.train.out = str(out)", "    config.train.out = str(out) + ''")
    assert changed(after_rl, digests(package)) == {"pretrain", "midtrain"}
