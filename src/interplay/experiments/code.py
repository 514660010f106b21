"""The source code a stage kind runs, as one digest that keys its stages in the cache.

    kind_digest("rl")        # changes when GRPO, the model, the verifier... change; not when the report does

A stage is keyed on the code that produced it, not on `__version__`, which stays put through commits
(it once did through eight, one of which changed RL's precision), so a cache never hands back a stage
built by other code. Keying every stage on the whole package did that too, but threw away a 90-minute
base for a change to GRPO or to the runner. So a kind's code is read off the source, not declared:

- its part of experiments/stages.py: the statements outside functions, its own function, `run_stage`
  and the functions they call (not another kind's; `--dry-run`'s estimates are experiments/estimates.py,
  which stages.py does not import);
- every interplay module that part imports, at the top or inside a function, and everything those
  import in turn, anywhere in their files (an import inside a function counts: it runs when called).

Modules are hashed as their syntax tree, so a comment or a blank line changes no stage. report/ never
counts: reports are rendered again from the stage records on every run, never cached.
"""

from __future__ import annotations

import ast
import functools
import hashlib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
PACKAGE_NAME = "interplay"
STAGES_MODULE = "interplay.experiments.stages"
REPORT = "interplay.report"


def module_file(package: Path, module: str) -> Path | None:
    """The file of `module` (a dotted interplay name) under `package`, or None if it is not a module there."""
    directory = package.joinpath(*module.split(".")[1:])
    for path in (directory.with_name(directory.name + ".py"), directory / "__init__.py"):
        if path.is_file():
            return path
    return None


def imported_modules(package: Path, module: str, tree: ast.AST) -> set[str]:
    """The interplay modules that the statements of `tree` (part of `module`) import."""
    path = module_file(package, module)
    here = module if path is not None and path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = ".".join(here.split(".")[: len(here.split(".")) - node.level + 1])
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}  # `from package import module`
    return {name for name in found if name.split(".")[0] == PACKAGE_NAME and module_file(package, name)}


def closure(package: Path, modules: set[str]) -> set[str]:
    """`modules`, their parent packages and every interplay module they import, transitively; never
    report/ nor stages.py (which counts by each kind's part of it)."""
    seen: set[str] = set()
    waiting = list(modules)
    while waiting:
        module = waiting.pop()
        if module in seen or module == STAGES_MODULE or module == REPORT or module.startswith(f"{REPORT}."):
            continue
        seen.add(module)
        parts = module.split(".")
        waiting += [parent for parent in (".".join(parts[:i]) for i in range(1, len(parts)))
                    if module_file(package, parent)]  # a directory without __init__.py runs nothing
        waiting += imported_modules(package, module, _tree(module_file(package, module)))
    return seen


def _tree(path: Path) -> ast.Module:
    return _parse(path.read_text())


@functools.cache
def _parse(source: str) -> ast.Module:
    """Parsed once per text (every kind reads the model, the verifier...); never mutated after."""
    return ast.parse(source)


@functools.cache
def _dump(source: str) -> str:
    return ast.dump(_parse(source))


def _names(node: ast.AST) -> set[str]:
    return {child.id for child in ast.walk(node) if isinstance(child, ast.Name)}


def stage_part(stages: ast.Module, runner: str, runners: set[str]) -> ast.Module:
    """experiments/stages.py as the kind whose function is `runner` runs it: its statements outside
    functions, `runner`, `run_stage` (which calls it) and the functions these call; never another
    kind's function (`runners`)."""
    functions = {node.name: node for node in stages.body if isinstance(node, ast.FunctionDef)}
    never = {name for name in functions if name in runners and name != runner}
    statements = [node for node in stages.body if not isinstance(node, ast.FunctionDef)]
    kept: set[str] = set()
    waiting = [runner, "run_stage", *(name for node in statements for name in _names(node))]
    while waiting:
        name = waiting.pop()
        if name in functions and name not in never and name not in kept:
            kept.add(name)
            waiting += _names(functions[name])
    body = [node for node in stages.body if not isinstance(node, ast.FunctionDef) or node.name in kept]
    return ast.Module(body=body, type_ignores=[])


def source_digest(package: Path, runner: str, runners: set[str]) -> str:
    """The digest of the code the stage kind run by the stages.py function `runner` executes
    (`runners`: the functions of every kind)."""
    part = stage_part(_tree(module_file(package, STAGES_MODULE)), runner, runners)
    modules = closure(package, imported_modules(package, STAGES_MODULE, part))
    digest = hashlib.sha256(ast.dump(part).encode())
    for module in sorted(modules):
        digest.update(b"\0" + module.encode() + b"\0" + _dump(module_file(package, module).read_text()).encode())
    return digest.hexdigest()


@functools.cache
def kind_digest(kind: str) -> str:
    """`source_digest` of a registered stage kind in this installed package, computed once per process."""
    from interplay.experiments.stages import KINDS

    runners = {stage_kind.run.__name__ for stage_kind in KINDS.values()}
    return source_digest(PACKAGE, KINDS[kind].run.__name__, runners)
