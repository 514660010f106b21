"""The stage kinds of a recipe, in one registry: what each does, given its settings and the outputs
of its inputs, and what inputs it needs.

    @stage_kind("distill", inputs=("init",), distributed=True)
    def distill(settings, world, inputs, directory, seed) -> dict: ...   # its outputs

Every stage writes into its own directory and returns its outputs (paths and values later stages
use). A new kind is one registered function here (and, if it uses a model, its cost in
experiments/estimates.py); recipes (experiments/recipe.py) and the runner read the registry.
Training stages build the same configs the CLI reads, so a stage of a recipe and the command
`interplay pretrain --config ... --set ...` are one code path. What a kind runs here keys its stages
in the cache (experiments/code.py), so nothing only `--dry-run` reads lives in this file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from interplay.config import LMRunConfig, RLRunConfig, from_dict, world_option_names
from interplay.errors import UserError

DATA_KEYS = world_option_names()
GENERATE_PER_OP = 50  # problems per op of a generate stage, unless its n_per_op says otherwise
PROBE_PER_OP = 16  # problems per op of a probe, unless its problems_per_op says otherwise


def _nested(flat: dict, world: dict) -> dict:
    """{"train.tokens": 5, ...} + world -> {"train": {"tokens": 5}, "data": {...world...}}."""
    tree: dict = {"data": dict(world)}
    for key, value in flat.items():
        *sections, leaf = key.split(".")
        node = tree
        for section in sections:
            node = node.setdefault(section, {})
        node[leaf] = value
    return tree


def lm_config(settings: dict, world: dict, out: Path) -> LMRunConfig:
    config = from_dict(LMRunConfig, _nested(settings, world))
    config.train.out = str(out)
    return config


def rl_config(settings: dict, world: dict, out: Path) -> RLRunConfig:
    config = from_dict(RLRunConfig, _nested(settings, world))
    config.rl.out = str(out)
    return config


def _mixture(settings: dict, world: dict):
    from interplay.config import DataConfig

    data = {**world, **{k: v for k, v in settings.items() if k in DATA_KEYS}}
    return from_dict(DataConfig, data).spec()


def _eval_settings(settings: dict, seed: int):
    from interplay.evaluate import EvalSettings

    known = set(EvalSettings.__dataclass_fields__)
    values = {k: v for k, v in settings.items() if k in known}
    values.setdefault("seed", seed)
    return EvalSettings(**values)


def _check_keys(settings: dict, allowed: set[str], kind: str) -> None:
    unknown = set(settings) - allowed
    if unknown:
        raise UserError(f"{kind} stage: unknown setting '{sorted(unknown)[0]}' (known: {', '.join(sorted(allowed))})")


@dataclass(frozen=True)
class StageKind:
    name: str
    run: Callable[..., dict]  # (settings, world, inputs, directory, seed) -> outputs
    inputs: tuple[str, ...] = ()  # the input roles a recipe stage of this kind must name
    distributed: bool = False  # under torchrun: every rank runs it (DDP); otherwise rank 0 alone


KINDS: dict[str, StageKind] = {}


def stage_kind(name: str, inputs: tuple[str, ...] = (), distributed: bool = False):
    """Register the decorated function as the stage kind `name`."""
    def decorator(run):
        KINDS[name] = StageKind(name, run, tuple(inputs), distributed)
        return run

    return decorator


def run_stage(kind: str, settings: dict, world: dict, inputs: dict[str, dict], directory: Path,
              seed: int | None) -> dict:
    """Do the work of one stage instance in `directory`; returns its outputs."""
    if kind not in KINDS:
        raise UserError(f"unknown stage kind '{kind}'")
    directory.mkdir(parents=True, exist_ok=True)
    return KINDS[kind].run(settings, world, inputs, directory, 0 if seed is None else seed)


@stage_kind("generate")
def generate_problems(settings: dict, world: dict, inputs: dict, directory: Path, seed: int) -> dict:
    from interplay.jsonl import write_jsonl
    from interplay.world.mixture import generate

    _check_keys(settings, set(DATA_KEYS) | {"n_per_op", "seed"}, "generate")
    spec = _mixture(settings, world)
    n_per_op = int(settings.get("n_per_op", GENERATE_PER_OP))
    problem_seed = int(settings.get("seed", 999_983))  # apart from every training stream's seed
    records = [r for op in spec.all_ops() for r in generate(spec.single_op(op), problem_seed + op, n_per_op)]
    write_jsonl(directory / "problems.jsonl", records)
    return {"problems": str(directory / "problems.jsonl"), "n": len(records)}


def _train_lm(settings: dict, world: dict, inputs: dict, directory: Path, seed: int) -> dict:
    from interplay.train.lm import train_lm

    settings = {"train.seed": seed, **settings}
    final = train_lm(lm_config(settings, world, directory / "train"), init=inputs.get("init", {}).get("model"))
    return {"model": str(final), "metrics": str(directory / "train" / "metrics.jsonl")}


stage_kind("pretrain", distributed=True)(_train_lm)
stage_kind("midtrain", inputs=("init",), distributed=True)(_train_lm)


@stage_kind("rl", inputs=("init",), distributed=True)
def reinforce(settings: dict, world: dict, inputs: dict, directory: Path, seed: int) -> dict:
    from interplay.train.grpo import train_rl

    settings = {"rl.seed": seed, **settings}
    final = train_rl(rl_config(settings, world, directory / "train"), inputs["init"]["model"])
    return {"model": str(final), "metrics": str(directory / "train" / "metrics.jsonl")}


@stage_kind("probe", inputs=("model",))
def probe_competence(settings: dict, world: dict, inputs: dict, directory: Path, seed: int) -> dict:
    from interplay.competence import probe, regimes

    _check_keys(settings, set(DATA_KEYS) | {"problems_per_op", "samples", "temperature", "max_new_tokens",
                                            "batch_rows", "seed"}, "probe")
    eval_settings = _eval_settings({k: v for k, v in settings.items() if k != "seed"}, 0)
    report = probe(inputs["model"]["model"], _mixture(settings, world),
                   int(settings.get("problems_per_op", PROBE_PER_OP)), eval_settings, directory,
                   int(settings.get("seed", 12345)))
    return {"competence": str(directory / "competence.json"), **regimes(report)}


@stage_kind("eval", inputs=("models", "data"))
def evaluate_model(settings: dict, world: dict, inputs: dict, directory: Path, seed: int) -> dict:
    from interplay.evaluate import run_eval
    from interplay.report.plots import plot_eval

    _check_keys(settings, set(_eval_settings({}, 0).__dict__) | {"limit"}, "eval")
    limit = settings.get("limit")
    results = run_eval(inputs["model"]["model"], inputs["data"]["problems"], directory,
                       _eval_settings({k: v for k, v in settings.items() if k != "limit"}, seed), limit)
    plot_eval(results, directory)
    return {"results": str(directory / "results.json"), "samples": str(directory / "samples.jsonl"),
            "model": inputs["model"]["model"]}
