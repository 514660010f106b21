"""The stage kinds of a recipe, in one registry: what each does, given its settings and the outputs
of its inputs, what inputs it needs, and what it costs.

    @stage_kind("distill", inputs=("init",), distributed=True)
    def distill(settings, world, inputs, directory, seed) -> dict: ...   # its outputs

Every stage writes into its own directory and returns its outputs (paths and values later stages
use). A new kind is one registered function here (with `cost` and `memory` estimates if it uses a
model); recipes (experiments/recipe.py) and the runner read the registry. Training stages build the same configs the CLI reads, so a stage of a recipe and the
command `interplay pretrain --config ... --set ...` are one code path. Estimates of FLOPs and CPU
time are for `--dry-run`: FLOPs follow train/compute.py; seconds divide them by the rates
experiments/speed.py times on this machine for the stage's model and dtype; GPU time and memory
are experiments/gpu.py's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from interplay.config import LMRunConfig, RLRunConfig, from_dict, world_option_names
from interplay.errors import UserError
from interplay.experiments.gpu import Cost, Memory, memory

# GRPO runs faster than evaluation sampling and pre-training steps: it samples 512 sequences per
# batch, and its update passes see short sequences in large batches. From the sample_seconds /
# train_seconds of the f1 cpu runs (30 steps, 64 x 8 rollouts) against the rates of the time:
# 1.4x the sampling rate, 1.76x the training rate.
RL_SAMPLE_SPEEDUP = 1.4
RL_UPDATE_SPEEDUP = 1.76
_PROMPT_TOKENS = 120  # a typical compact-format prompt, for estimates only
_LOSS_SHARE = 0.35  # share of tokens with loss (and output projection) under loss_on = "solution"

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
    cost: Callable[..., Cost] | None = None  # (settings, world, model_config, problems) -> Cost
    memory: Callable[..., Memory] | None = None  # (settings, world, model_config) -> Memory on one GPU


KINDS: dict[str, StageKind] = {}


def stage_kind(name: str, inputs: tuple[str, ...] = (), distributed: bool = False):
    """Register the decorated function as the stage kind `name`."""
    def decorator(run):
        KINDS[name] = StageKind(name, run, tuple(inputs), distributed)
        return run

    return decorator


def _attach(field: str, names: tuple[str, ...]):
    def decorator(function):
        for name in names:
            KINDS[name] = replace(KINDS[name], **{field: function})
        return function

    return decorator


def cost_of(*names: str):
    """Register the decorated function as the FLOP estimate of these kinds (see StageKind.cost)."""
    return _attach("cost", names)


def memory_of(*names: str):
    """Register the decorated function as the GPU memory estimate of these kinds (see StageKind.memory)."""
    return _attach("memory", names)


def run_stage(kind: str, settings: dict, world: dict, inputs: dict[str, dict], directory: Path, seed: int | None) -> dict:
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
    report = probe(inputs["model"]["model"], _mixture(settings, world), int(settings.get("problems_per_op", PROBE_PER_OP)),
                   eval_settings, directory, int(settings.get("seed", 12345)))
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


def _model_config(settings: dict, world: dict):
    from interplay.lm.model import ModelConfig
    from interplay.lm.tokenizer import build_tokenizer

    config = lm_config(settings, world, Path("."))
    vocab = build_tokenizer(max_number=config.data.max_number(), reverse=config.data.has_reverse()).get_vocab_size()
    return ModelConfig.preset(config.model.preset, vocab, **config.model.overrides())


def estimate(kind: str, settings: dict, world: dict, model_config, problems: int) -> Cost:
    """A stage's FLOPs, split into training and sampling, roughly, before anything has run."""
    cost = KINDS[kind].cost
    return Cost() if cost is None or model_config is None else cost(settings, world, model_config, problems)


def gpu_memory(kind: str, settings: dict, world: dict, model_config) -> Memory:
    """Peak memory on one GPU (experiments/gpu.py says what is counted)."""
    memory_estimate = KINDS[kind].memory
    return Memory() if memory_estimate is None or model_config is None else memory_estimate(settings, world, model_config)


@cost_of("pretrain", "midtrain")
def _lm_cost(settings: dict, world: dict, model_config, problems: int) -> Cost:
    from interplay.train.compute import training_flops

    config = lm_config(settings, world, Path("."))
    tokens = config.train.tokens
    head = tokens * (_LOSS_SHARE if config.train.loss_on == "solution" else 1.0)
    return Cost(train_flops=training_flops(model_config, tokens, int(head), config.train.seq_len))


@memory_of("pretrain", "midtrain")
def _lm_memory(settings: dict, world: dict, model_config) -> Memory:
    train = lm_config(settings, world, Path(".")).train
    share = _LOSS_SHARE if train.loss_on == "solution" else 1.0
    return memory("pretrain", model_config, train.batch_size // train.grad_accum, train.seq_len, share)


@cost_of("rl")
def _rl_cost(settings: dict, world: dict, model_config, problems: int) -> Cost:
    from interplay.train.compute import forward_flops, rl_update_passes, sampling_flops

    rl = rl_config(settings, world, Path(".")).rl
    rollouts = rl.steps * rl.prompts_per_step * rl.group_size
    response = rl.max_new_tokens / 3
    context = _PROMPT_TOKENS + response / 2
    sample = sampling_flops(model_config, int(rollouts * response), context)
    passes = rl_update_passes(rl.ppo_epochs, rl.kl_loss_coef > 0)
    train = passes * forward_flops(model_config, int(rollouts * (_PROMPT_TOKENS + response)), int(rollouts * response), context)
    scale = min(1.0, rl.max_flops / (sample + train)) if rl.max_flops else 1.0
    return Cost(train_flops=train * scale, sample_flops=sample * scale)


@memory_of("rl")
def _rl_memory(settings: dict, world: dict, model_config) -> Memory:
    rl = rl_config(settings, world, Path(".")).rl
    length = _PROMPT_TOKENS + rl.max_new_tokens
    rollouts = rl.prompts_per_step * rl.group_size
    return memory("rl", model_config, min(rl.micro_batch_rows, rollouts), length, rl.max_new_tokens / length,
                  sample_rows=rollouts, sample_length=length, reference=rl.kl_loss_coef > 0)


@cost_of("probe", "eval")
def _sampling_cost(settings: dict, world: dict, model_config, problems: int) -> Cost:
    from interplay.train.compute import sampling_flops

    samples = int(settings.get("samples", 64))
    response = int(settings.get("max_new_tokens", 512)) / 4
    return Cost(sample_flops=sampling_flops(model_config, int(problems * samples * response), _PROMPT_TOKENS + response / 2))


@memory_of("probe", "eval")
def _sampling_memory(settings: dict, world: dict, model_config) -> Memory:
    rows = int(settings.get("batch_rows", 256))
    return memory("eval", model_config, 0, 0, sample_rows=rows,
                  sample_length=_PROMPT_TOKENS + int(settings.get("max_new_tokens", 512)))


def cpu_seconds(kind: str, cost: Cost, rates) -> float:
    """`cost` at the rates of this machine (a speed.Rates); generation at thousands of problems per second."""
    if kind == "rl":  # GRPO's batches run faster than the rates' small probes (see the constants above)
        return (cost.sample_flops / (rates.sample_flops_per_s * RL_SAMPLE_SPEEDUP)
                + cost.train_flops / (rates.train_flops_per_s * RL_UPDATE_SPEEDUP))
    return cost.sample_flops / rates.sample_flops_per_s + cost.train_flops / rates.train_flops_per_s


def model_config_for(kind: str, settings: dict, world: dict, input_config):
    """The architecture a stage trains or samples from (pretrain decides it; the rest inherit it)."""
    return _model_config(settings, world) if kind == "pretrain" else input_config
