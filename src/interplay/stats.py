"""`interplay stats FILE`: what a dataset holds, by op, context and mode, and how long it is in tokens."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from interplay.errors import UserError
from interplay.jsonl import iter_jsonl
from interplay.lm.tokenizer import build_tokenizer
from interplay.world.render import prompt_text, training_text


def dataset_stats(path: str | Path) -> dict:
    records = list(iter_jsonl(path))
    if not records:
        raise UserError(f"{path}: no records")
    for number, record in enumerate(records, 1):
        missing = {"op", "context", "problem", "question", "solution", "answer"} - set(record)
        if missing:
            raise UserError(f"{path}: record {number} lacks '{sorted(missing)[0]}'")
    largest = max(max(n["value"] for n in r["graph"]["nodes"]) if "graph" in r else r["answer"] for r in records)
    tokenizer = build_tokenizer(max_number=max(1000, largest), reverse=any(r.get("mode") == "reverse" for r in records))
    prompts = tokenizer.encode_batch([prompt_text(r) for r in records], add_special_tokens=False)
    fulls = tokenizer.encode_batch([training_text(r) for r in records], add_special_tokens=False)
    by_op: dict[int, list[tuple[int, int]]] = defaultdict(list)
    unknown = 0
    for record, prompt, full in zip(records, prompts, fulls):
        by_op[record["op"]].append((len(prompt.ids), len(full.ids) + 1))  # +1: EOS
        unknown += full.ids.count(tokenizer.token_to_id("<unk>"))
    return {
        "records": len(records),
        "by_context": dict(sorted(Counter(r["context"] for r in records).items())),
        "by_mode": dict(sorted(Counter(r.get("mode", "forward") for r in records).items())),
        "by_op": {
            op: {
                "count": len(lengths),
                "mean_prompt_tokens": sum(p for p, _ in lengths) / len(lengths),
                "mean_tokens": sum(t for _, t in lengths) / len(lengths),
                "max_tokens": max(t for _, t in lengths),
            }
            for op, lengths in sorted(by_op.items())
        },
        "total_tokens": sum(t for lengths in by_op.values() for _, t in lengths),
        "unknown_tokens": unknown,
    }


def format_stats(stats: dict) -> str:
    lines = [f"records: {stats['records']}   training tokens: {stats['total_tokens']}   "
             f"unknown tokens: {stats['unknown_tokens']}"]
    lines.append("contexts: " + ", ".join(f"{name} {count}" for name, count in stats["by_context"].items()))
    lines.append("modes: " + ", ".join(f"{name} {count}" for name, count in stats["by_mode"].items()))
    lines.append(f"{'op':>4} {'count':>7} {'prompt tok':>11} {'total tok':>10} {'max tok':>8}")
    for op, row in stats["by_op"].items():
        lines.append(f"{op:>4} {row['count']:>7} {row['mean_prompt_tokens']:>11.1f} {row['mean_tokens']:>10.1f} "
                     f"{row['max_tokens']:>8}")
    return "\n".join(lines)
