"""What `interplay run --dry-run` prints: a recipe's plan with each stage's cost before it runs.

    interplay run recipes/f1_edge_of_competence.toml --scale cpu --cache runs/stages --dry-run

Every stage instance with its estimated FLOPs, CPU time at the speed timed here for its model and dtype
(experiments/speed.py; 2-core machines differ by 5x), time on one H100 and peak GPU memory
(experiments/gpu.py), and its state in the cache: a cached stage also says what it took and where, from
its record, so an estimate stands beside a measurement.
"""

from __future__ import annotations

import os

from interplay.errors import UserError
from interplay.experiments import gpu
from interplay.experiments.recipe import Instance
from interplay.experiments.runner import Run, machine
from interplay.experiments.estimates import cpu_seconds, estimate, gpu_memory, model_config_for
from interplay.experiments.stages import GENERATE_PER_OP, PROBE_PER_OP
from interplay.world.mixture import parse_ops


def describe(run: Run) -> str:
    """The plan: every instance with its inputs, estimated FLOPs, CPU time (timed here), time on one
    H100 and GPU memory, and cache state. Paper scale is not timed on this CPU: it runs on GPUs."""
    timed = run.scale != "paper"
    load = os.getloadavg()[0] if timed and hasattr(os, "getloadavg") else 0.0  # before the timing adds its own
    configs: dict[str, object] = {}
    problems: dict[str, int] = {}
    ops: dict[str, str | None] = {}  # the op ranges of the problems a stage generates, probes or evaluates
    lines = [f"recipe {run.recipe.name} (finding {run.recipe.finding}) at scale {run.scale}, seeds {run.seeds}",
             f"{'stage':<44} {'kind':<9} {'FLOPs':>9} {'CPU time':>9} {'H100':>9} {'GPU mem':>8}  state"]
    total = {"flops": 0.0, "cpu": 0.0, "gpu": 0.0, "cpu left": 0.0, "gpu left": 0.0}
    rates: dict[str, object] = {}  # model architecture and dtype -> this machine's speed for it
    tight: list[str] = []  # stages that do not fit one GPU
    for instance in run.instances:
        input_config = next((configs.get(k) for k in instance.inputs.values() if configs.get(k) is not None), None)
        config = model_config_for(instance.kind, instance.settings, run.world, input_config)
        configs[instance.key] = config
        state = run.state_of(instance)
        settings = run.settings_as_known(instance)
        count = _problem_count(instance, settings, problems)
        problems[instance.key] = count
        ops[instance.key] = _problem_ops(instance, settings, ops)
        cost, cpu, memory = gpu.Cost(), 0.0, gpu.Memory()
        if not instance.skip:
            cost = estimate(instance.kind, settings, run.world, config, count, ops[instance.key])
            memory = gpu_memory(instance.kind, settings, run.world, config)
            if instance.kind == "generate":
                cpu = count / 3000  # thousands of problems per second
            elif timed and config is not None:
                cpu = cpu_seconds(instance.kind, cost, _rates(config, instance, rates))
        gpu_seconds = gpu.h100_seconds(cost)
        left = state.startswith("to run")
        for key, value in (("flops", cost.flops), ("cpu", cpu), ("gpu", gpu_seconds), ("cpu left", cpu * left),
                           ("gpu left", gpu_seconds * left)):
            total[key] += value
        cpu_text = _duration(cpu) if timed or instance.kind == "generate" else "-"
        if state == "cached":
            state += _measured(run.records[instance.key])
        lines.append(f"{instance.key:<44} {instance.kind:<9} {cost.flops:9.2e} {cpu_text:>9} "
                     f"{_duration(gpu_seconds):>9} {memory.total / 2**30:6.1f} GB  {state}")
        splits = memory.splits_to_fit()
        if splits != 1 and memory.total:
            tight.append(f"{instance.key}: {memory.total / 2**30:.0f} GB does not fit one 80 GB H100; "
                         + (f"cut its batch in >= {splits} (gradient accumulation, or that many GPUs)" if splits
                            else "its weights and optimizer state alone do not fit (shard them)"))
    left = f"{_duration(total['cpu left'])} to run" if timed else f"{_duration(total['gpu left'])} to run on one H100"
    lines.append(f"{'total':<44} {'':<9} {total['flops']:9.2e} {_duration(total['cpu']) if timed else '-':>9} "
                 f"{_duration(total['gpu']):>9} {'':>8}  ({left})")
    if timed:
        measured = "; ".join(f"{key}: train {r.train_flops_per_s:.2g} FLOP/s in {r.dtype}, "
                             f"sample {r.sample_flops_per_s:.2g} FLOP/s" for key, r in rates.items())
        lines.append(f"CPU time: rough, at rates timed just now on {machine()} ({measured or 'no model stage'})")
        busy = busy_machine_note(load, os.cpu_count() or 1)
        if busy:
            lines.append(busy)
    else:
        lines.append("CPU time: not timed at paper scale (it runs on GPUs)")
    lines.append(f"H100 time: FLOPs at {gpu.TRAIN_MFU:.0%} MFU for training and {gpu.SAMPLE_MFU:.0%} for sampling of "
                 f"{gpu.H100_BF16_FLOPS / 1e12:.0f} TFLOP/s (dense bf16); GPU mem: a stage's peak on one GPU "
                 f"(weights, gradients, AdamW state, one micro-batch's activations, KV cache; experiments/gpu.py)")
    return "\n".join(lines + tight)


def _rates(config, instance: Instance, known: dict):
    """This machine's speed for the stage's model and dtype, timed once per architecture and dtype."""
    from interplay.experiments.speed import measure_rates

    dtype = str(instance.settings.get("train.dtype", instance.settings.get("rl.dtype", "auto")))
    key = f"{config.num_layers}x{config.hidden_size}/{dtype}"
    if key not in known:
        known[key] = measure_rates(config, dtype)
    return known[key]


def busy_machine_note(load: float, cpus: int) -> str | None:
    """A line for a plan timed while other work ran (a 1-minute load average of half the CPUs or more: the
    average decays slowly, so a job that just ended leaves a smaller one): its threads slowed the timing, so the
    CPU times are too long."""
    if load < 0.5 * cpus:
        return None
    return (f"CPU time was timed on a busy machine (load average {load:.1f} on {cpus} CPUs): too long, by ~2.5-3x "
            "beside a run holding every core (measured on 2 cores); plan again when it is idle")


def _problem_count(instance: Instance, settings: dict, known: dict[str, int]) -> int:
    """How many problems a stage generates, probes or evaluates (an eval: those of its data stage, `known`)."""
    if instance.kind == "eval":
        count = known.get(instance.inputs.get("data", ""), 0)
        return min(count, int(settings["limit"])) if settings.get("limit") else count
    if instance.kind == "generate":
        per_op = int(settings.get("n_per_op", GENERATE_PER_OP))
    else:
        per_op = int(settings.get("problems_per_op", PROBE_PER_OP))
    try:
        ops = sum(high - low + 1 for low, high, _ in parse_ops(str(settings.get("ops", ""))))
    except UserError:
        ops = 10  # an op range a probe decides later
    return per_op * ops


def _problem_ops(instance: Instance, settings: dict, known: dict[str, str | None]) -> str | None:
    """The op ranges of the problems a stage generates or probes ("2-12"), or an eval's (its data stage's, `known`);
    None where a stage not run yet decides them."""
    if instance.kind == "eval":
        return known.get(instance.inputs.get("data", ""))
    ops = str(settings.get("ops", ""))
    try:
        return ops if parse_ops(ops) else None
    except UserError:
        return None


def _measured(record: dict) -> str:
    """What a cached stage took and where, from its record, to set beside the estimate: " (took 1.9 h on AMD
    EPYC [avx2 avx512f avx512_bf16], 2 threads)"; nothing for a record that keeps no time."""
    if "seconds" not in record:
        return ""
    where = f" on {record['machine']}" if record.get("machine") else ""
    return f" (took {_duration(record['seconds'])}{where})"


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"
