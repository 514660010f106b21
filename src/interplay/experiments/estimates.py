"""What each stage kind costs, for `interplay run --dry-run` (experiments/plan.py) and nothing else.

    estimate("rl", settings, world, model_config, problems)   # Cost: training and sampling FLOPs
    estimate("eval", settings, world, model_config, 280, ops="11-12")   # responses sized by the ops' gold
    cpu_seconds("rl", cost, speed.measure(...))               # at this machine's timed rates

FLOPs follow train/compute.py; seconds divide them by the rates experiments/speed.py times on this
machine for the stage's model and dtype; GPU time and memory are experiments/gpu.py's. These live
apart from experiments/stages.py, which imports nothing from here: a stage is keyed on the code its
kind runs (experiments/code.py), and a better estimate must not throw away a cached 2-hour base.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from interplay.errors import UserError
from interplay.experiments.gpu import Cost, Memory, memory
from interplay.experiments.stages import _eval_settings, lm_config, rl_config

# GRPO samples faster than the rate speed.py times on a small batch: 512 sequences at once. Its
# updates run at the timed training rate, but with DAPO's filter only on the groups whose rewards
# differ. Fitted with benchmarks/rl_estimate.py to the nine RL stages of 2026-12-05 on a 2-core Xeon
# (model 167, AMX, bf16; findings 1, 3 and 4 on one base), with prompts and responses sized from each
# stage's problems: sampling ran 1.3-1.9x the timed rate (1.65 over all nine; the timing itself varies
# ~10% from one call to the next). Updates took 0.8-1.2x the estimate below in the strict-reward stages
# at the edge (31-48% of groups kept, estimated as 25%), 1.6x at the ID ops (39%), 2x with outcome-only
# (69%) and 0.1x at the hard ops (3%). The fit before, 1.45 on a Zen 4, assumed responses a third of
# the cap, shorter than the gold at the edge ops, so it read low there.
# Since 2026-12-06 a prompt's samples share its keys and values (lm/prefix_cache.py): the first 12 steps of F1's edge
# arm on seed 2's crossed base, run again, sampled in 5.27 s a step against 7.63 (1.45x; the same Xeon, the same mean
# reward and response length), and the timed rate, which samples one row a prompt, did not move: 1.65 x 1.45, until
# benchmarks/rl_estimate.py can refit it on whole stages sampled this way.
RL_SAMPLE_SPEEDUP = 2.4
# Evaluation samples 512 rows at once (8 problems x 64 samples; 256 before), faster than the timed rate too. Fitted with
# benchmarks/eval_estimate.py to the 74 eval stages of 2026-12-05/06 on the 2-core Xeon (model 167, AMX; findings 1,
# 3 and 4 on the crossed base), with responses sized by the gold of each set's ops: each stage then within 0.62-1.20 of
# its seconds (median 1.05, two timings; the hard sets' 0.62-1.14, slower where RL-heavy models stop later). The
# estimate before (every response a quarter of the cap, the timed rate) read 0.31-0.90 (median 0.53): a hard set at a
# third to a half of its time. That was 1.68; with the shared prompt cache and 512 rows a chunk (8 problems x 64), an
# edge set of 280 problems took 146 s against the stage's 247 s before (the same base and Xeon): 1.68 x 1.69.
EVAL_SAMPLE_SPEEDUP = 2.84
FILTERED_GROUPS_KEPT = 0.25  # the share of groups an update trains on under rl.filter_groups (strict reward)
_PROMPT_TOKENS = 120  # a typical compact-format prompt, for estimates only
_SIZING_PROBLEMS = 32  # problems drawn to size an RL stage's prompts and responses
_LOSS_SHARE = 0.35  # share of tokens with loss (and output projection) under loss_on = "solution"

# kind -> (settings, world, model_config, problems, their ops or None) -> Cost
COSTS: dict[str, Callable[..., Cost]] = {}
MEMORIES: dict[str, Callable[..., Memory]] = {}  # kind -> (settings, world, model_config) -> Memory on one GPU


def cost_of(*kinds: str):
    """Register the decorated function as the FLOP estimate of these stage kinds."""
    def decorator(function):
        COSTS.update(dict.fromkeys(kinds, function))
        return function

    return decorator


def memory_of(*kinds: str):
    """Register the decorated function as the GPU memory estimate of these stage kinds."""
    def decorator(function):
        MEMORIES.update(dict.fromkeys(kinds, function))
        return function

    return decorator


def _tokenizer(data):
    """The tokenizer a stage with this DataConfig trains with (train/lm.py builds it alike)."""
    from interplay.lm.tokenizer import build_tokenizer

    return build_tokenizer(max_number=data.max_number(), reverse=data.has_reverse())


def _model_config(settings: dict, world: dict):
    from interplay.lm.model import ModelConfig

    config = lm_config(settings, world, Path("."))
    vocab = _tokenizer(config.data).get_vocab_size()
    return ModelConfig.preset(config.model.preset, vocab, **config.model.overrides())


def estimate(kind: str, settings: dict, world: dict, model_config, problems: int, ops: str | None = None) -> Cost:
    """A stage's FLOPs, split into training and sampling, roughly, before anything has run. `ops`: the op ranges of
    the problems an eval or probe samples on ("2-12"), where the plan knows them (responses grow with the op)."""
    cost = COSTS.get(kind)
    return Cost() if cost is None or model_config is None else cost(settings, world, model_config, problems, ops)


def gpu_memory(kind: str, settings: dict, world: dict, model_config) -> Memory:
    """Peak memory on one GPU (experiments/gpu.py says what is counted)."""
    peak = MEMORIES.get(kind)
    return Memory() if peak is None or model_config is None else peak(settings, world, model_config)


@cost_of("pretrain", "midtrain")
def _lm_cost(settings: dict, world: dict, model_config, problems: int, ops: str | None) -> Cost:
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


def _problem_tokens(data, cap: int) -> tuple[float, float] | None:
    """Mean tokens of a prompt and of a gold response (solution and answer, capped at `cap`) of the problems a
    DataConfig draws: samples run about as long as the gold (at every op of 2-12 within ~5% on the crossed base of
    2026-12-05, from 40 tokens at op 2 to 145 at op 12), and prompts grow with the op as solutions do. None where
    its ops come from a stage not run yet ("{probe.edge|3}"): the caller assumes a typical size."""
    from interplay.lm.tokenizer import encode_record
    from interplay.world.mixture import generate
    from interplay.world.render import prompt_text, training_text

    try:
        spec = data.spec()
    except UserError:
        return None
    tokenizer = _tokenizer(data)
    records = generate(spec, seed=0, n=_SIZING_PROBLEMS)
    prompts = [len(encode_record(tokenizer, prompt_text(r))) for r in records]
    wholes = [len(encode_record(tokenizer, training_text(r))) for r in records]
    responses = [min(whole - prompt, cap) for prompt, whole in zip(prompts, wholes)]
    return sum(prompts) / len(records), sum(responses) / len(records)


def _episode_tokens(config) -> tuple[float, float]:
    """An RL stage's (an RLRunConfig's) prompt and response tokens (at ops 8-10, 177 and 123 tokens against the 120
    and 64 assumed before for every stage)."""
    cap = config.rl.max_new_tokens
    return _problem_tokens(config.data, cap) or (_PROMPT_TOKENS, cap / 3)


class RLStep(NamedTuple):
    """One GRPO step's FLOPs: sampling, the update as it runs (DAPO's filter trains only the kept groups) and
    the update as train/grpo.py counts it toward rl.max_flops (every row, kept or not)."""
    sample: float
    update: float
    counted_update: float


def rl_step(config, model_config) -> RLStep:
    """An RL stage's (an RLRunConfig's) step, on prompts and responses as long as its problems' and their gold's."""
    from interplay.train.compute import forward_flops, rl_update_passes, sampling_flops

    rl = config.rl
    rollouts = rl.prompts_per_step * rl.group_size
    prompt, response = _episode_tokens(config)
    context = prompt + rl.max_new_tokens / 2  # as train/grpo.py counts it
    sample = sampling_flops(model_config, int(rollouts * response), context)
    tokens, loss_tokens = int(rollouts * (prompt + response)), int(rollouts * response)
    counted = rl_update_passes(rl.ppo_epochs, rl.kl_loss_coef > 0) * forward_flops(model_config, tokens, loss_tokens,
                                                                                    context)
    kept = FILTERED_GROUPS_KEPT if rl.filter_groups else 1.0
    return RLStep(sample, kept * counted, counted)


def rl_steps(rl, step: RLStep) -> int:
    """The steps an RL stage (its RLConfig) runs: rl.steps, or fewer where its FLOP budget stops it first. The
    budget is spent at the trainer's count, in which a filtered group's rows cost an update they never get:
    counted at the filtered update's FLOPs instead, finding 3's budgets bought ~3x the steps the trainer ran."""
    if not rl.max_flops:
        return rl.steps
    return min(rl.steps, math.ceil(rl.max_flops / (step.sample + step.counted_update)))


@cost_of("rl")
def _rl_cost(settings: dict, world: dict, model_config, problems: int, ops: str | None) -> Cost:
    config = rl_config(settings, world, Path("."))
    step = rl_step(config, model_config)
    steps = rl_steps(config.rl, step)
    return Cost(train_flops=steps * step.update, sample_flops=steps * step.sample)


@memory_of("rl")
def _rl_memory(settings: dict, world: dict, model_config) -> Memory:
    rl = rl_config(settings, world, Path(".")).rl
    length = _PROMPT_TOKENS + rl.max_new_tokens
    rollouts = rl.prompts_per_step * rl.group_size
    return memory("rl", model_config, min(rl.micro_batch_rows, rollouts), length, rl.max_new_tokens / length,
                  sample_rows=rollouts, sample_length=_cached_length(rl.max_new_tokens, rl.group_size),
                  reference=rl.kl_loss_coef > 0)


@cost_of("probe", "eval")
def _sampling_cost(settings: dict, world: dict, model_config, problems: int, ops: str | None) -> Cost:
    """Responses as long as the gold of the problems' ops: a hard set's (ops 11-12) run 3.5x an op-2 set's."""
    from interplay.train.compute import sampling_flops

    evaluation = _eval_settings(settings, seed=0)
    samples, cap = evaluation.samples, evaluation.max_new_tokens
    sized = _problem_tokens(lm_config({"data.ops": ops}, world, Path(".")).data, cap) if ops else None
    prompt, response = sized or (_PROMPT_TOKENS, cap / 4)
    tokens = int(problems * samples * response)
    return Cost(sample_flops=sampling_flops(model_config, tokens, prompt + response / 2))


@memory_of("probe", "eval")
def _sampling_memory(settings: dict, world: dict, model_config) -> Memory:
    evaluation = _eval_settings(settings, seed=0)
    return memory("eval", model_config, 0, 0, sample_rows=evaluation.batch_rows,
                  sample_length=_cached_length(evaluation.max_new_tokens, evaluation.samples))


def _cached_length(new_tokens: int, samples_per_prompt: int) -> int:
    """The cache a sampled row holds: its own tokens and its share of the prompt its samples share. (prefix_cache.py)"""
    return new_tokens + math.ceil(_PROMPT_TOKENS / samples_per_prompt)


def cpu_seconds(kind: str, cost: Cost, rates) -> float:
    """`cost` at the rates of this machine (a speed.Rates); generation at thousands of problems per second."""
    # GRPO and evaluation sample in larger batches than the rates' small probe (RL_ and EVAL_SAMPLE_SPEEDUP)
    speedup = {"rl": RL_SAMPLE_SPEEDUP, "eval": EVAL_SAMPLE_SPEEDUP, "probe": EVAL_SAMPLE_SPEEDUP}.get(kind, 1.0)
    return cost.sample_flops / (rates.sample_flops_per_s * speedup) + cost.train_flops / rates.train_flops_per_s


def model_config_for(kind: str, settings: dict, world: dict, input_config):
    """The architecture a stage trains or samples from (pretrain decides it; the rest inherit it)."""
    return _model_config(settings, world) if kind == "pretrain" else input_config
