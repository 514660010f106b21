"""Recipes: a TOML graph of stages, expanded for one scale and a list of seeds into stage instances.

    [recipe]        name, finding (demo | f1 | ...: report/findings/; none: stages only, no report),
                    description, seeds (default [0]),
                    include = ["_base.toml"] (tables merged under this file's, so findings share one base)
    [scale.tiny]    values the stages use as "{name}"; one table per scale (tiny, cpu, paper; the findings add quick)
    [world]         the problem world every stage shares: the [data] keys (format, modulus, ...);
                    [scale.NAME.world] changes it for one scale (the paper scale uses the paper's surface)
    [stage.NAME]    kind = generate | pretrain | midtrain | rl | probe | eval (experiments/stages.py), plus
                      init = "STAGE"      (midtrain, rl: the model to start from)
                      model = "STAGE"     (probe: the model to probe)
                      models = [...], data = "STAGE"   (eval: models to evaluate on a generated set)
                      set = {...}         settings: config keys ("train.tokens", "rl.reward", ...) for
                                          training stages, plain keys for the others
                      variants = {NAME = {...}, ...}   one instance per variant, each with its own settings;
                                          `skip = true` makes a variant pass its input model through
                      axis = "NAME"       variants of stages with the same axis pair up instead of multiplying
                      per_seed = bool     one instance per seed (default: rl and midtrain; what depends on
                                          a per-seed instance is per seed too)

A value "{x}" takes scale value x (with its type); "{seed}" the instance's seed; "{STAGE.FIELD}"
an output of a finished stage of the same lineage, e.g. "{probe.edge}", the op range a probe
labelled edge, and "{probe.edge|4}" the same with a fallback where the probe found none (the run
says so, and so does the report). Instances inherit the variant axes of their inputs, so the RL runs of a finding all
start from one shared base, and one eval instance exists per model instance (axis `model`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from interplay.errors import UserError
from interplay.experiments.stages import KINDS

_STAGE_KEYS = {"kind", "init", "model", "models", "data", "set", "variants", "axis", "per_seed"}
_REFERENCE = re.compile(r"\{([A-Za-z_]\w*)(?:\.([A-Za-z_]\w*)(?:\|([^{}]*))?)?\}")


def instance_key(stage: str, axes: dict[str, str]) -> str:
    """An instance's key: its stage and its axes in sorted order, `rl[rl=edge,seed=0]` (a plain stage name alone)."""
    return stage + ("[" + ",".join(f"{a}={v}" for a, v in sorted(axes.items())) + "]" if axes else "")


@dataclass(frozen=True)
class Instance:
    """One runnable stage: a stage of the recipe at one combination of variant axes (seed included)."""

    stage: str
    kind: str
    axes: tuple[tuple[str, str], ...]  # sorted (axis, value) pairs
    settings: dict = field(hash=False, compare=False)  # scale values substituted; "{STAGE.FIELD}" left in
    inputs: dict = field(hash=False, compare=False)  # role -> key of the input instance
    skip: bool = False

    @property
    def key(self) -> str:
        return instance_key(self.stage, dict(self.axes))

    @property
    def slug(self) -> str:
        """A directory-safe name."""
        return "-".join([self.stage] + [v if a != "seed" else f"s{v}" for a, v in self.axes])

    @property
    def seed(self) -> int | None:
        return next((int(v) for a, v in self.axes if a == "seed"), None)

    def references(self) -> set[str]:
        """Stages whose outputs the settings refer to ("{probe.edge}" -> "probe")."""
        return _named_stages(_strings(self.settings))


@dataclass
class Recipe:
    name: str
    finding: str
    description: str
    seeds: list[int]
    scales: dict[str, dict]
    world: dict
    stages: dict[str, dict]
    path: Path | None = None
    text: str = ""

    @classmethod
    def load(cls, path: str | Path) -> "Recipe":
        path = Path(path)
        data = _read_toml(path)
        text = path.read_text(encoding="utf-8")  # kept with the run, includes appended
        for include in reversed(data.get("recipe", {}).get("include", [])):
            data = _merge(_read_toml(path.parent / include), data)
            text += f"\n# ---- included from {include} ----\n" + (path.parent / include).read_text(encoding="utf-8")
        head = data.get("recipe", {})
        recipe = cls(
            name=head.get("name", path.stem), finding=head.get("finding", ""), description=head.get("description", ""),
            seeds=list(head.get("seeds", [0])), scales=data.get("scale", {}), world=data.get("world", {}),
            stages=data.get("stage", {}), path=path, text=text,
        )
        unknown = set(data) - {"recipe", "scale", "world", "stage"}
        if unknown:
            raise UserError(f"{path}: unknown table '{sorted(unknown)[0]}' (known: recipe, scale, world, stage)")
        recipe.validate()
        return recipe

    def validate(self) -> None:
        from interplay.report.findings import finding_names, get_finding

        where = self.path or self.name
        if self.finding and self.finding not in finding_names():
            raise UserError(f"{where}: recipe.finding must be one of {', '.join(finding_names())}, "
                            f"got '{self.finding}'")
        if not self.stages:
            raise UserError(f"{where}: no [stage.NAME] tables")
        for name, stage in self.stages.items():
            unknown = set(stage) - _STAGE_KEYS
            if unknown:
                raise UserError(f"{where}: stage '{name}': unknown key '{sorted(unknown)[0]}'")
            if stage.get("kind") not in KINDS:
                raise UserError(f"{where}: stage '{name}': kind must be one of {', '.join(KINDS)}")
            for role in KINDS[stage["kind"]].inputs:
                targets = stage.get(role)
                if targets is None:
                    raise UserError(f"{where}: stage '{name}' ({stage['kind']}) needs '{role}'")
                for target in targets if isinstance(targets, list) else [targets]:
                    if target not in self.stages:
                        raise UserError(f"{where}: stage '{name}': {role} '{target}' is not a stage")
        missing = [name for name in get_finding(self.finding).stages if name not in self.stages] if self.finding else []
        if missing:
            raise UserError(f"{where}: finding {self.finding}'s report reads stage '{missing[0]}', which this recipe "
                            f"does not define (stage names: report/findings/__init__.py)")
        self.order()

    def order(self) -> list[str]:
        """Stage names, each after the stages it uses (inputs and "{STAGE.FIELD}" references)."""
        needs = {name: self._needs(name) for name in self.stages}
        ordered: list[str] = []
        visiting: set[str] = set()

        def visit(name: str) -> None:
            if name in ordered:
                return
            if name in visiting:
                raise UserError(f"{self.path or self.name}: stages depend on each other in a cycle through '{name}'")
            visiting.add(name)
            for other in sorted(needs[name]):
                visit(other)
            visiting.discard(name)
            ordered.append(name)

        for name in self.stages:
            visit(name)
        return ordered

    def _needs(self, name: str) -> set[str]:
        stage = self.stages[name]
        needs = set()
        for role in KINDS[stage["kind"]].inputs:
            target = stage[role]
            needs |= set(target) if isinstance(target, list) else {target}
        for target in _referenced_stages(stage):
            if target not in self.stages:
                raise UserError(f"{self.path or self.name}: stage '{name}' refers to unknown stage '{target}'")
            needs.add(target)
        return needs

    def _scale(self, scale: str) -> dict:
        if scale not in self.scales:
            raise UserError(f"{self.path or self.name}: no [scale.{scale}] table "
                            f"(has: {', '.join(self.scales) or 'none'})")
        return self.scales[scale]

    def override_scale(self, scale: str, assignments: list[str]) -> None:
        """Apply "NAME=VALUE" changes (VALUE read as TOML where it parses, else as text) to one scale's values."""
        values = self._scale(scale)
        for assignment in assignments:
            name, sep, text = assignment.partition("=")
            if not sep or not name.strip():
                raise UserError(f"--set expects NAME=VALUE, got '{assignment}'")
            if name.strip() not in values:
                raise UserError(f"--set: [scale.{scale}] has no value '{name.strip()}' "
                                f"(has: {', '.join(sorted(values))})")
            try:
                values[name.strip()] = tomllib.loads(f"v = {text.strip()}")["v"]
            except tomllib.TOMLDecodeError:
                values[name.strip()] = text.strip()

    def world_for(self, scale: str) -> dict:
        return {**self.world, **self._scale(scale).get("world", {})}

    def expand(self, scale: str, seeds: list[int] | None = None) -> list[Instance]:
        """Every instance to run at `scale`, each after its inputs."""
        values = {k: v for k, v in self._scale(scale).items() if k != "world"}
        seeds = self.seeds if seeds is None else seeds
        instances: dict[str, list[Instance]] = {}
        for name in self.order():
            instances[name] = self._expand_stage(name, values, seeds, instances)
        return [i for name in self.order() for i in instances[name]]

    def _expand_stage(self, name: str, values: dict, seeds: list[int],
                      done: dict[str, list[Instance]]) -> list[Instance]:
        stage = self.stages[name]
        kind = stage["kind"]
        axis = stage.get("axis", name)
        single_roles = [r for r in KINDS[kind].inputs if r != "models"]
        # Rows: (axes, inputs) combinations of the inputs, joined on the axes they share.
        rows: list[tuple[dict, dict]] = [({}, {})]
        if kind == "eval":
            rows = [({**dict(m.axes), "model": target}, {"model": m.key})
                    for target in stage["models"] for m in done[target]]
        for role in single_roles:
            rows = [(joined, {**inputs, role: other.key}) for axes, inputs in rows for other in done[stage[role]]
                    if (joined := _join(axes, dict(other.axes))) is not None]
        for target in sorted(_referenced_stages(stage)):
            rows = [(joined, inputs) for axes, inputs in rows for other in done[target]
                    if (joined := _join(axes, dict(other.axes))) is not None]
        variants = stage.get("variants") or {}
        if variants:
            rows = [({**axes, axis: variant}, inputs) for axes, inputs in rows for variant in variants
                    if axes.get(axis, variant) == variant]
        if stage.get("per_seed", kind in ("rl", "midtrain")):
            # Rows that inherited a seed from their inputs keep it; the others get one row per seed.
            rows = [({**axes, "seed": str(seed)}, inputs) for axes, inputs in rows for seed in seeds
                    if axes.get("seed", str(seed)) == str(seed)]
        if not rows:
            raise UserError(f"{self.path or self.name}: stage '{name}' has no instance "
                            "(its variant axes match no input)")
        result, seen = [], set()
        for axes, inputs in rows:
            variant = dict(variants.get(axes.get(axis), {})) if variants else {}
            skip = bool(variant.pop("skip", False))
            settings = {**stage.get("set", {}), **variant}
            context = {**values, "seed": int(axes["seed"]) if "seed" in axes else 0}
            settings = {key: _substitute(value, context, f"stage '{name}' setting '{key}'")
                        for key, value in settings.items()}
            instance = Instance(name, kind, tuple(sorted(axes.items())), settings, inputs, skip)
            if instance.key not in seen:
                seen.add(instance.key)
                result.append(instance)
        return result


def _referenced_stages(stage: dict) -> set[str]:
    """Stages named by "{STAGE.FIELD}" in a stage's settings or variants."""
    return _named_stages([*_strings(stage.get("set", {})), *_strings(stage.get("variants", {}))])


def _named_stages(texts) -> set[str]:
    return {m[1] for text in texts for m in _REFERENCE.finditer(text) if m[2]}


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"recipe not found: {path}") from None
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"{path}: not valid TOML: {error}") from None


def _merge(base: dict, override: dict) -> dict:
    """Tables merged key by key; `override` wins."""
    merged = dict(base)
    for key, value in override.items():
        merged[key] = (_merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict)
                       else value)
    return merged


def _join(left: dict, right: dict) -> dict | None:
    """The union of two axis assignments, or None where they disagree."""
    if any(left[a] != right[a] for a in left.keys() & right.keys()):
        return None
    return {**left, **right}


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _substitute(value, context: dict, where: str):
    """Scale values into a setting; "{STAGE.FIELD}" references are left for the runner."""
    if isinstance(value, list):
        return [_substitute(v, context, where) for v in value]
    if not isinstance(value, str):
        return value
    whole = _REFERENCE.fullmatch(value)
    if whole and not whole[2]:
        if whole[1] not in context:
            raise UserError(f"{where}: no scale value '{whole[1]}'")
        return context[whole[1]]

    def replace(match: re.Match) -> str:
        if match[2]:
            return match[0]
        if match[1] not in context:
            raise UserError(f"{where}: no scale value '{match[1]}'")
        return str(context[match[1]])

    return _REFERENCE.sub(replace, value)


def resolve_references(settings: dict, outputs_of) -> tuple[dict, list[str]]:
    """Replace "{STAGE.FIELD}" with the output FIELD of STAGE; `outputs_of(stage)` gives its outputs.

    "{STAGE.FIELD|DEFAULT}" uses DEFAULT where the output is empty (a probe found no edge op, say);
    every such use is returned as a note, which the run prints and the report shows.
    """
    notes: list[str] = []

    def one(value):
        if isinstance(value, list):
            return [one(v) for v in value]
        if not isinstance(value, str):
            return value

        def replace(match: re.Match) -> str:
            outputs = outputs_of(match[1])
            if match[2] not in outputs:
                raise UserError(f"stage '{match[1]}' has no output '{match[2]}' (has: {', '.join(sorted(outputs))})")
            found = outputs[match[2]]
            if found in (None, "") and match[3] is not None:
                notes.append(f"{match[1]}.{match[2]} was empty: used the recipe's fallback '{match[3]}'")
                return match[3]
            if found in (None, ""):
                raise UserError(f"stage '{match[1]}' found no {match[2]} ops, which a later stage needs; "
                                f"widen the probe's op range or change the base")
            return str(found)

        return _REFERENCE.sub(replace, value)

    return {key: one(value) for key, value in settings.items()}, notes
