"""`interplay eval`: n samples per problem, every one verified, pass@k tables by op and context.

    interplay eval --model runs/cpu/pretrain/final --data test.jsonl --samples 64 --temperature 1.0 --out runs/eval

Writes DIR/samples.jsonl (every completion with its verification), DIR/results.json (for every op,
every context and overall: unbiased pass@k for k = 1, 2, 4, ..., n under the strict and the
answer-only criterion, mean process accuracy, the error taxonomy and the rate of "right answer,
wrong process", each with a bootstrap 95% confidence interval over problems) and, from the command, two plots.
Problems are sampled in fixed chunks, each with its own seed; an interrupted evaluation keeps its
complete chunks and resumes after them, with the same results as an uninterrupted one.
"""

from __future__ import annotations

import json
import os
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from interplay import bootstrap
from interplay.errors import UserError
from interplay.jsonl import atomic_write_text, read_jsonl
from interplay.verify.compare import gold_from_record, verify
from interplay.verify.passk import pass_at_k, powers_of_two

ERROR_KINDS = ("unparseable", "no_answer", "wrong_answer", "missing_node", "extra_node", "dependency_mismatch",
               "value_mismatch", "arithmetic_error", "equation_mismatch")


@dataclass
class EvalSettings:
    samples: int = 64
    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = 0
    max_new_tokens: int = 512
    # completions decoded together; prompts per chunk = batch_rows // samples. 512 (8 x 64): 1.10x 256 with the shared
    # prompt cache, 0.7 GB peak at the cpu preset (280 edge problems, 2-core Xeon, 2026-12-06)
    batch_rows: int = 512
    seed: int = 0
    backend: str = "native"


def _chunk_seed(seed: int, chunk: int) -> int:
    return (seed * 1_000_003 + chunk) % (2**63)


def _completed_chunks(path: Path, chunks: list[list[int]], samples: int) -> int:
    """How many leading chunks samples.jsonl holds in full; the file is cut back to exactly those."""
    if not path.exists():
        return 0
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            break  # a line cut by the interruption
    done, kept = 0, 0
    for chunk in chunks:
        needed = len(chunk) * samples
        if (kept + needed > len(rows)
                or [r["problem_index"] for r in rows[kept:kept + needed]]
                != [i for i in chunk for _ in range(samples)]):
            break
        kept += needed
        done += 1
    atomic_write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows[:kept]))
    return done


def _native_sampler(model_dir: Path, settings: EvalSettings):
    import torch

    from interplay.lm.device import pick_device
    from interplay.lm.hf import load_pretrained
    from interplay.lm.sampler import SamplingParams, sample
    from interplay.lm.tokenizer import load_tokenizer, stop_ids

    tokenizer = load_tokenizer(model_dir / "tokenizer.json")
    model = load_pretrained(model_dir, pick_device("auto"))
    stop = stop_ids(tokenizer)
    params = SamplingParams(settings.temperature, settings.top_p, settings.top_k, settings.max_new_tokens)

    def generate(prompts: list[str], seed: int) -> list[str]:
        ids = [tokenizer.encode(p, add_special_tokens=False).ids for p in prompts]
        limit = model.config.max_position_embeddings - settings.max_new_tokens
        if max(map(len, ids)) > limit:
            raise UserError(f"a prompt is longer than the model's context allows ({limit} tokens)")
        with torch.inference_mode():
            completions = sample(model, ids, settings.samples, params, stop, seed=seed)
        return [tokenizer.decode(c, skip_special_tokens=False) for c in completions]

    return generate


def run_eval(model_dir: str | Path, data: str | Path, out: str | Path, settings: EvalSettings,
             limit: int | None = None) -> dict:
    from interplay.world.render import prompt_text

    model_dir, out = Path(model_dir), Path(out)
    if not (model_dir / "config.json").exists():
        raise UserError(f"--model {model_dir}: not a checkpoint directory (no config.json)")
    if settings.samples < 1:
        raise UserError("--samples must be at least 1")
    records = read_jsonl(data)[:limit]
    if not records:
        raise UserError(f"{data}: no problems")
    if settings.backend == "vllm":
        from interplay.lm.vllm_backend import vllm_sampler

        generate = vllm_sampler(model_dir, settings)
    else:
        generate = _native_sampler(model_dir, settings)
    out.mkdir(parents=True, exist_ok=True)
    per_chunk = max(1, settings.batch_rows // settings.samples)
    chunks = [list(range(i, min(i + per_chunk, len(records)))) for i in range(0, len(records), per_chunk)]
    samples_path = out / "samples.jsonl"
    start = _completed_chunks(samples_path, chunks, settings.samples)
    from tqdm.auto import tqdm

    progress = tqdm(total=len(records) * settings.samples,
                    initial=sum(len(c) for c in chunks[:start]) * settings.samples,
                    unit="sample", dynamic_ncols=True, mininterval=1.0)
    begun = time.perf_counter()
    with samples_path.open("a", encoding="utf-8") as handle:
        for number in range(start, len(chunks)):
            chunk = chunks[number]
            texts = generate([prompt_text(records[i]) for i in chunk], _chunk_seed(settings.seed, number))
            lines = []
            for position, text in enumerate(texts):
                index = chunk[position // settings.samples]
                record = records[index]
                result = verify(text, gold_from_record(record)).to_dict()
                result.pop("nodes")
                lines.append(json.dumps({"problem_index": index, "id": record.get("id"), "op": record.get("op"),
                                         "context": record.get("context"), "sample": position % settings.samples,
                                         "completion": text, **result}, ensure_ascii=False) + "\n")
            handle.writelines(lines)
            handle.flush()
            os.fsync(handle.fileno())
            progress.update(len(texts))
            progress.set_postfix(samples_s=f"{progress.n / max(time.perf_counter() - begun, 1e-9):.1f}", refresh=False)
    progress.close()
    results = summarize(read_jsonl(samples_path), settings)
    atomic_write_text(out / "results.json", json.dumps(results, indent=1) + "\n")
    return results


def _group_summary(problems: list[list[dict]], n: int, seed: int) -> dict:
    strict = np.array([sum(s["strict_correct"] for s in p) for p in problems])
    answer = np.array([sum(s["answer_correct"] for s in p) for p in problems])
    counts = np.full(len(problems), n)
    estimator = bootstrap.one_seed_estimator(len(problems), seed)  # one set of resamples for every metric

    def interval(per_problem: np.ndarray) -> dict:
        """The mean over problems with its 95% bootstrap interval (problems resampled)."""
        estimate = estimator(per_problem)
        return {"value": estimate.value, "ci95": [estimate.low, estimate.high]}

    def mean_of(key) -> np.ndarray:
        return np.array([np.mean([key(s) for s in p]) for p in problems], dtype=float)

    summary = {
        "problems": len(problems),
        "samples_per_problem": n,
        "pass_at_k": {str(k): interval(pass_at_k(counts, strict, k)) for k in powers_of_two(n)},
        "answer_pass_at_k": {str(k): interval(pass_at_k(counts, answer, k)) for k in powers_of_two(n)},
        "process_accuracy": interval(mean_of(lambda s: s["process_accuracy"])),
        "right_answer_wrong_process": interval(mean_of(lambda s: s["answer_correct"] and not s["strict_correct"])),
        "extra_steps_among_strict": _extra_steps_among_strict(problems),
        "errors": {kind: interval(mean_of(lambda s, kind=kind: kind in s["errors"])) for kind in ERROR_KINDS},
    }
    return summary


def _extra_steps_among_strict(problems: list[list[dict]]) -> dict:
    """How many strictly correct samples also wrote steps the answer does not need (the strict
    criterion allows them, the paper's RL penalty does not), over all strict samples."""
    strict = [s for p in problems for s in p if s["strict_correct"]]
    with_extra = sum(s["extra"] > 0 for s in strict)
    return {"value": with_extra / len(strict) if strict else None, "strict_samples": len(strict)}


def summarize(rows: list[dict], settings: EvalSettings) -> dict:
    """results.json from samples.jsonl rows: overall, by op and by context."""
    by_problem: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        by_problem[row["problem_index"]].append(row)
    problems = [by_problem[i] for i in sorted(by_problem)]
    n = settings.samples
    groups: dict[str, dict[str, list]] = {"op": defaultdict(list), "context": defaultdict(list)}
    for problem in problems:
        groups["op"][str(problem[0]["op"])].append(problem)
        groups["context"][str(problem[0]["context"])].append(problem)
    return {
        "settings": settings.__dict__,
        "overall": _group_summary(problems, n, settings.seed),
        "by_op": {op: _group_summary(p, n, settings.seed)
                  for op, p in sorted(groups["op"].items(), key=lambda item: int(item[0]))},
        "by_context": {c: _group_summary(p, n, settings.seed) for c, p in sorted(groups["context"].items())},
    }


def add_parser(commands) -> None:
    parser = commands.add_parser("eval", help="sample n completions per problem, verify them, tabulate pass@k")
    parser.add_argument("--model", required=True,
                        help="checkpoint directory (config.json, model.safetensors, tokenizer.json)")
    parser.add_argument("--data", required=True, help="problem records (JSONL)")
    parser.add_argument("--out", required=True, help="output directory")
    defaults = EvalSettings()
    parser.add_argument("--samples", type=int, default=defaults.samples, help="completions per problem (n)")
    parser.add_argument("--temperature", type=float, default=defaults.temperature)
    parser.add_argument("--top-p", type=float, default=defaults.top_p)
    parser.add_argument("--top-k", type=int, default=defaults.top_k)
    parser.add_argument("--max-new-tokens", type=int, default=defaults.max_new_tokens)
    parser.add_argument("--batch-rows", type=int, default=defaults.batch_rows, help="completions decoded together")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--limit", type=int, default=None, help="evaluate only the first N problems")
    parser.add_argument("--backend", choices=["native", "vllm"], default=defaults.backend)
    parser.set_defaults(handler=_run)


def _run(args) -> None:
    settings = EvalSettings(args.samples, args.temperature, args.top_p, args.top_k, args.max_new_tokens,
                            args.batch_rows, args.seed, args.backend)
    from interplay.report.plots import plot_eval

    results = run_eval(args.model, args.data, args.out, settings, args.limit)
    plot_eval(results, args.out)
    overall = results["overall"]
    n = str(settings.samples)
    print(f"{overall['problems']} problems x {settings.samples} samples: strict pass@1 "
          f"{overall['pass_at_k']['1']['value']:.3f}, pass@{n} {overall['pass_at_k'][n]['value']:.3f}; "
          f"results in {args.out}/results.json")
