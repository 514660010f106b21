"""The registry of findings: a finding is its recipe (recipes/NAME.toml, `finding = "NAME"`) plus one
module here that registers its report section, its claims and its figure.

    @register_finding("f5", stages=("base", "probe", "rl"))
    def finding_5(run: RunData, out: Path) -> Section: ...

Every module of this package is loaded on first use, so a new finding is a new module and a recipe:
nothing else to edit. `stages` are the recipe stage names the section reads (the conventions:
`base` the pre-trained model, `probe` its competence by op, `mid` mid-training, `rl` the RL models;
evaluations are found as the `eval` stages whose `model` input is one of those, except eval stages named
`redraw...`: a model evaluated again with a sampling seed of its own, report/noise.py's), and a recipe that
names the finding must define them (experiments/recipe.py checks).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

from interplay.errors import UserError

STAGE_NAMES = {"base": "the pre-trained model", "probe": "the base model's competence by op",
               "mid": "the mid-trained models", "rl": "the RL-trained models"}


@dataclass(frozen=True)
class Finding:
    name: str
    section: Callable  # (RunData, output directory) -> claims.Section
    stages: tuple[str, ...]  # recipe stage names the section reads


_FINDINGS: dict[str, Finding] = {}


def register_finding(name: str, stages: tuple[str, ...]):
    unknown = set(stages) - set(STAGE_NAMES)
    if unknown:  # a programming error in a finding module, caught at import
        raise ValueError(f"finding {name}: unknown stage name {sorted(unknown)[0]} (known: {', '.join(STAGE_NAMES)})")

    def decorator(function):
        _FINDINGS[name] = Finding(name, function, tuple(stages))
        return function

    return decorator


def _load_all() -> None:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


def finding_names() -> list[str]:
    _load_all()
    return sorted(_FINDINGS)


def get_finding(name: str) -> Finding:
    _load_all()
    if name not in _FINDINGS:
        raise UserError(f"unknown finding '{name}' (known: {', '.join(sorted(_FINDINGS))})")
    return _FINDINGS[name]
