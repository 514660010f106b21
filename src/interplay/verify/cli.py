"""`interplay verify`: JSONL of predictions in, one verification per line out, in order.

    interplay verify --in predictions.jsonl --out verified.jsonl --reward mixed-gated:0.5,0.5
    echo '{"prediction": "...", "gold": {...record...}}' | interplay verify

Each input line holds `prediction` and either `gold` (a problem record) or `gold_solution` plus
`gold_answer` (and optionally `modulus`). Each output line holds the verification and `rewards`:
every registered reward with its usual parameters (rewards.py), plus each `--reward` named; `reward`
repeats the first `--reward`. A line that is not JSON or lacks those fields gives an output line
with an `error` field: nothing is dropped and the run goes on. A file of 1,000 lines or more is
verified in chunks by one worker process per core (`--workers`) and written in order; a pipe on
stdin is answered line by line.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Iterable, Iterator

from interplay.errors import UserError
from interplay.parallel import forked_pool, worker_count
from interplay.verify.compare import gold_from_record, gold_from_solution, verify
from interplay.verify.rewards import Reward, get_reward, usual_rewards


def verify_line(line: str, rewards: dict[str, Reward], chosen: str | None = None) -> dict:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as error:
        return {"error": f"not valid JSON: {error.msg}"}
    if not isinstance(item, dict) or not isinstance(item.get("prediction"), str):
        return {"error": "needs a string field 'prediction'"}
    try:
        if isinstance(item.get("gold"), dict):
            gold = gold_from_record(item["gold"])
        elif isinstance(item.get("gold_solution"), str):
            answer = item.get("gold_answer")
            gold = gold_from_solution(item["gold_solution"], None if answer is None else int(answer),
                                      item.get("modulus"))
        else:
            return {"error": "needs 'gold' (a problem record) or 'gold_solution' and 'gold_answer'"}
    except (KeyError, TypeError, ValueError) as error:
        return {"error": f"bad gold: {error}"}
    result = verify(item["prediction"], gold)
    output = result.to_dict()
    record = item["gold"] if isinstance(item.get("gold"), dict) else item  # the gold as this line gives it
    output["rewards"] = {name: reward(result, record, item["prediction"]) for name, reward in rewards.items()}
    if chosen is not None:
        output["reward"] = output["rewards"][chosen]
    return output


PARALLEL_MIN = 1000  # lines; fewer verify in ~0.4 s alone, less than what processes would save
CHUNK = 256  # lines per task


def _output_line(line: str, rewards: dict[str, Reward], chosen: str | None) -> str:
    return json.dumps(verify_line(line, rewards, chosen), ensure_ascii=False) + "\n"


def _verify_chunk(lines: list[str], reward_names: list[str], chosen: str | None) -> str:
    rewards = {name: get_reward(name) for name in reward_names}
    return "".join(_output_line(line, rewards, chosen) for line in lines)


def _verified_text(lines: Iterable[str], reward_names: list[str], chosen: str | None,
                   workers: int | None) -> Iterator[str]:
    """The output lines for `lines`, in order; chunks verified by worker processes where many."""
    lines = [line for line in lines if line.strip()]
    workers = worker_count(workers, len(lines), PARALLEL_MIN)
    pool = forked_pool(workers)
    if pool is None:
        yield _verify_chunk(lines, reward_names, chosen)
        return
    with pool:
        chunks = [lines[start:start + CHUNK] for start in range(0, len(lines), CHUNK)]
        yield from pool.map(_verify_chunk, chunks, itertools.repeat(reward_names), itertools.repeat(chosen))


def run(args: argparse.Namespace) -> None:
    chosen = args.reward or []
    rewards = {name: get_reward(name) for name in [*usual_rewards(), *chosen]}  # a bad name fails here, first
    try:
        source = open(args.input, encoding="utf-8") if args.input != "-" else sys.stdin
    except FileNotFoundError:
        raise UserError(f"file not found: {args.input}") from None
    first = chosen[0] if chosen else None
    if args.input == "-" and args.workers is None:  # a pipe is answered line by line, as it arrives
        outputs = (_output_line(line, rewards, first) for line in source if line.strip())
    else:
        outputs = _verified_text(source, list(rewards), first, args.workers)
    if args.out == "-":
        sys.stdout.writelines(outputs)
    else:
        from interplay.jsonl import atomic_write_text

        atomic_write_text(args.out, "".join(outputs))


def add_parser(commands) -> None:
    parser = commands.add_parser("verify", help="check free-form solutions step by step against gold graphs")
    parser.add_argument("--in", dest="input", default="-", help="input JSONL (default: stdin)")
    parser.add_argument("--out", default="-", help="output JSONL (default: stdout)")
    parser.add_argument("--reward", action="append", help="a reward to add by name, e.g. mixed:0.5,0.5 (repeatable; "
                        "interplay/verify/rewards.py): outcome, process, strict, mixed:A,B, mixed-paper:A,B, ...")
    parser.add_argument("--workers", type=int, default=None,
                        help="processes that verify (default: every core for 1,000 lines or more); "
                             "the output is the same for any number")
    parser.set_defaults(handler=run)
