"""Edge of competence: measure where a model stands by op, and pick RL data at its edge.

    interplay probe --model CKPT --ops 2-20 --samples 32 --out DIR   [surface options as for generate]
    interplay select --model CKPT --pool pool.jsonl --samples 16 --out selected.jsonl

`probe` evaluates `--problems-per-op` fresh problems per op and labels each op by its strict
pass rates (k = --samples):
    in-distribution  pass@1 >= 0.3
    edge             pass@1 <  0.3 and pass@k > 0   (some sample solved: RL has a reward to learn from)
    hard             pass@k = 0   (the paper's OOD-hard: pass@k ~ 0, no reward signal for RL)
Until 2026-12-04 hard was pass@k < 0.1, which let in ops with rare successes: at cpu scale op 9
(pass@32 0.042) was hard, GRPO found its few rewards and raised it (results/calibration.md).
Probes written before keep their own rule (`edge_passk` in their thresholds) wherever they are read.
`select` keeps the problems the model fails at pass@1 but solves at pass@k: 0 < successes < n,
the paper's practical rule for RL data.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

from interplay.errors import UserError
from interplay.evaluate import EvalSettings, run_eval
from interplay.jsonl import atomic_write_text, read_jsonl, write_jsonl
from interplay.world.mixture import format_ops

IN_DISTRIBUTION_PASS1 = 0.3
HARD_PASSK = 0.0  # hard: pass@k at most this, i.e. no sample of the probe right
THRESHOLDS = {"in_distribution_pass1": IN_DISTRIBUTION_PASS1, "hard_passk": HARD_PASSK}


def label(pass1: float, passk: float, thresholds: dict = THRESHOLDS) -> str:
    """An op's label by a probe's thresholds: today's, or an older probe's own (`edge_passk`: edge from it up)."""
    if pass1 >= thresholds["in_distribution_pass1"]:
        return "in-distribution"
    if _older_rule(thresholds):
        return "edge" if passk >= thresholds["edge_passk"] else "hard"
    return "hard" if passk <= thresholds["hard_passk"] else "edge"


def rule(thresholds: dict, k: int) -> str:
    """The labels' rule as `label` applies these thresholds, in words for a report."""
    edge = (f"pass@{k} >= {thresholds['edge_passk']}" if _older_rule(thresholds)
            else f"pass@{k} > {thresholds['hard_passk']}")
    return f"ID: pass@1 >= {thresholds['in_distribution_pass1']}, edge: {edge}, else hard"


def _older_rule(thresholds: dict) -> bool:
    """A probe written before 2026-12-04, whose edge started at a pass@k (`edge_passk`), not above none right."""
    return "edge_passk" in thresholds


REGIMES = {"id": "in-distribution", "edge": "edge", "hard": "hard"}


def regimes(report: dict) -> dict:
    """The probed ops by label, as op-range strings: {"id": "2-5", "edge": "6-7", "hard": "8-10"}."""
    return {short: format_ops([int(op) for op, row in report["ops"].items() if row["label"] == label])
            for short, label in REGIMES.items()}


def probe(model: str, spec, problems_per_op: int, settings: EvalSettings, out: str | Path, seed: int = 0) -> dict:
    from interplay.world.mixture import generate

    out = Path(out)
    problems = [r for op in spec.all_ops() for r in generate(spec.single_op(op), seed, problems_per_op)]
    write_jsonl(out / "problems.jsonl", problems)
    results = run_eval(model, out / "problems.jsonl", out / "eval", settings)
    k = str(settings.samples)
    table = {}
    for op, summary in results["by_op"].items():
        pass1, passk = summary["pass_at_k"]["1"]["value"], summary["pass_at_k"][k]["value"]
        table[op] = {"pass_at_1": pass1, f"pass_at_{k}": passk, "label": label(pass1, passk)}
    report = {"samples": settings.samples, "thresholds": THRESHOLDS, "ops": table}
    atomic_write_text(out / "competence.json", json.dumps(report, indent=1) + "\n")
    return report


def select(model: str, pool: str | Path, settings: EvalSettings, out: str | Path) -> list[dict]:
    records = read_jsonl(pool)
    work = Path(str(out) + ".eval")
    run_eval(model, pool, work, settings)
    successes: dict[int, int] = defaultdict(int)
    for row in read_jsonl(work / "samples.jsonl"):
        successes[row["problem_index"]] += bool(row["strict_correct"])
    kept = [r for i, r in enumerate(records) if 0 < successes[i] < settings.samples]
    write_jsonl(out, kept)
    return kept


def add_parser(commands) -> None:
    from interplay.config import add_world_options

    parser = commands.add_parser("probe", help="per-op strict pass@1 / pass@k of a model, labelled ID / edge / hard")
    parser.add_argument("--model", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--samples", type=int, default=32)
    parser.add_argument("--problems-per-op", type=int, default=16)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--max-new-tokens", type=int, default=512)
    parser.add_argument("--seed", type=int, default=12345, help="problem seed (keep it apart from training seeds)")
    add_world_options(parser, ops="2-20")
    parser.set_defaults(handler=_run_probe)

    parser = commands.add_parser("select", help="keep the problems a model fails at pass@1 but solves at pass@k")
    parser.add_argument("--model", required=True)
    parser.add_argument("--pool", required=True, help="candidate problems (JSONL)")
    parser.add_argument("--out", required=True, help="selected problems (JSONL)")
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--max-new-tokens", type=int, default=512)
    parser.set_defaults(handler=_run_select)


def _run_probe(args) -> None:
    from interplay.config import data_config_from_args

    if args.problems_per_op < 1:
        raise UserError("--problems-per-op must be at least 1")
    settings = EvalSettings(samples=args.samples, temperature=args.temperature, max_new_tokens=args.max_new_tokens)
    report = probe(args.model, data_config_from_args(args).spec(), args.problems_per_op, settings, args.out, args.seed)
    k = args.samples
    print(f"{'op':>4} {'pass@1':>8} {f'pass@{k}':>8}  label")
    for op, row in report["ops"].items():
        print(f"{op:>4} {row['pass_at_1']:8.3f} {row[f'pass_at_{k}']:8.3f}  {row['label']}")


def _run_select(args) -> None:
    settings = EvalSettings(samples=args.samples, temperature=args.temperature, max_new_tokens=args.max_new_tokens)
    kept = select(args.model, args.pool, settings, args.out)
    print(f"kept {len(kept)} problems at the edge (0 < successes < {args.samples}) in {args.out}", file=sys.stderr)
