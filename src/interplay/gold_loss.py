"""`interplay gold-loss`: where a model's loss on gold solutions sits, by op and by part of a step.

    interplay gold-loss --model runs/cpu/pretrain/final --data problems.jsonl --out gold_loss.json
    interplay gold-loss --model runs/cpu/pretrain/final --data problems.jsonl --swap-question

Each problem alone from position 0, teacher-forced in fp32 (as the held-out metric of training, which
gives the mean per op): every token of the gold completion gets its negative log-likelihood, and the
token's part (world/parts.py: the quantity a step defines, its letter, the letters it uses, their
values, the result, going on or stopping after a step, the answer, syntax) says what the model was asked
to do there. Per op and part:
tokens, NLL per token and the part's share of the solution's total NLL. Per op also the mean over
problems of exp(-total NLL): the probability of sampling the gold text itself at temperature 1, which
strict pass@1 at T = 1 exceeds only by the other texts that are right too (another order of steps).

`--swap-question` asks whether a part is decided by reading the question: each solution is scored again with its
problem's question asking for another quantity that the text defines and the solution does not. A model that reads
the question loses more on the parts that depend on it (which quantity next; whether to stop); a part whose loss
does not move is decided without it.
"""

from __future__ import annotations

import json
import math
import random
import re
from collections import defaultdict
from pathlib import Path

from interplay.errors import UserError
from interplay.jsonl import atomic_write_text, read_jsonl
from interplay.lm.tokenizer import EOS
from interplay.world.contexts import get_context
from interplay.world.parts import PARTS, solution_parts
from interplay.world.render import prompt_text, training_text

ROWS_PER_PASS = 64  # problems per forward pass: bounds memory at any number of problems
_DEFINED = re.compile(r"The number of (.+?) equals")  # every quantity a problem's text defines, by its name


def completion_parts(record: dict, tokenizer) -> tuple[list[int], list[int], list[str]]:
    """The prompt's ids, the gold completion's ids (solution, answer tags, EOS) and each completion token's part."""
    prompt, text = prompt_text(record), training_text(record)
    labels = ["syntax"] * (len(prompt) + 1) + solution_parts(record["solution"])
    tail = text[len(labels):]
    labels += ["answer" if ch.isdigit() else "syntax" for ch in tail]  # " </solution> <answer> N </answer>"
    encoding = tokenizer.encode(text, add_special_tokens=False)
    prompt_ids = tokenizer.encode(prompt, add_special_tokens=False).ids
    parts = [labels[end - 1] for _, end in encoding.offsets[len(prompt_ids):]]  # a token's span starts at its space
    return prompt_ids, encoding.ids[len(prompt_ids):] + [tokenizer.token_to_id(EOS)], parts + ["syntax"]


def gold_token_losses(model, prompts: list[list[int]], completions: list[list[int]]) -> list[list[float]]:
    """Each completion token's NLL given its prompt and the gold tokens before it (fp32, right padding)."""
    import torch  # here, not at the top: the CLI imports this module to build its parser, for every command
    import torch.nn.functional as F

    was_training = model.training
    model.eval()
    device = model.lm_head.weight.device
    losses = []
    with torch.no_grad():
        for start in range(0, len(prompts), ROWS_PER_PASS):
            rows = list(zip(prompts[start:start + ROWS_PER_PASS], completions[start:start + ROWS_PER_PASS]))
            width = max(len(p) + len(c) for p, c in rows) - 1
            inputs = torch.zeros(len(rows), width, dtype=torch.long)
            targets = torch.zeros(len(rows), width, dtype=torch.long)
            for row, (prompt, completion) in enumerate(rows):
                ids = prompt + completion
                inputs[row, :len(ids) - 1] = torch.tensor(ids[:-1])
                targets[row, :len(ids) - 1] = torch.tensor(ids[1:])
            token_losses = F.cross_entropy(model(inputs.to(device)).float().transpose(1, 2), targets.to(device),
                                           reduction="none").cpu()
            losses += [token_losses[row, len(p) - 1:len(p) - 1 + len(c)].tolist() for row, (p, c) in enumerate(rows)]
    model.train(was_training)
    return losses


def gold_loss(model, tokenizer, records: list[dict]) -> dict:
    """By op: tokens, NLL per token and share of the total NLL of each part; the mean total NLL of a solution
    and the mean probability of the gold text."""
    nll, tokens = defaultdict(lambda: defaultdict(float)), defaultdict(lambda: defaultdict(int))
    totals = defaultdict(list)
    for record, (record_nll, record_tokens) in zip(records, _part_sums(model, tokenizer, records)):
        op = str(record["op"])
        for part, loss in record_nll.items():
            nll[op][part] += loss
            tokens[op][part] += record_tokens[part]
        totals[op].append(sum(record_nll.values()))
    table = {}
    for op in sorted(nll, key=int):
        whole = sum(nll[op].values())
        table[op] = {
            "problems": len(totals[op]),
            "solution_nll": sum(totals[op]) / len(totals[op]),
            "gold_probability": sum(math.exp(-t) for t in totals[op]) / len(totals[op]),
            "parts": {part: {"tokens": tokens[op][part], "nll_per_token": nll[op][part] / tokens[op][part],
                             "share": nll[op][part] / whole if whole > 0 else 0.0}
                      for part in PARTS if tokens[op][part]},
        }
    return table


def asking_elsewhere(record: dict, rng: random.Random) -> dict | None:
    """The problem with its question asking for another instance quantity its text defines, one its solution does
    not (the gold solution unchanged, so no longer right); None when the text defines no such quantity, or when
    the question asks for an aggregate (a question of another kind would change more than which quantity)."""
    context = get_context(record["context"])
    nodes = {node["name"]: node for node in record["graph"]["nodes"]}
    if nodes[record["graph"]["target"]]["kind"] != "instance":
        return None
    solved = set(nodes)
    others = sorted({name for name in _DEFINED.findall(record["problem"])
                     if name not in solved and not name.startswith(f"{context.aggregate} in ")})
    if not others:
        return None
    other = rng.choice(others)
    if record["question"] == f"What is the number of {record['graph']['target']}?":  # question_form = "name"
        return {**record, "question": f"What is the number of {other}?"}
    item, entity = other.split(" in ", 1)  # a name is "<item> in <entity>" (world/render.py)
    return {**record, "question": context.question_instance.format(item=item, entity=entity)}


def question_swap(model, tokenizer, records: list[dict], seed: int = 0) -> dict:
    """By op: the NLL per solution of each part with the question as asked and with it asking elsewhere, over the
    problems whose text defines another quantity."""
    rng = random.Random(seed)
    pairs = [(record, other) for record in records if (other := asking_elsewhere(record, rng)) is not None]
    asked, swapped = ([nll for nll, _ in _part_sums(model, tokenizer, [pair[side] for pair in pairs])]
                      for side in (0, 1))
    by_op = defaultdict(list)
    for (record, _), nll, nll_swapped in zip(pairs, asked, swapped):
        by_op[str(record["op"])].append((nll, nll_swapped))
    return {op: {"problems": len(rows),
                 "parts": {part: {"asked": sum(a[part] for a, _ in rows) / len(rows),
                                  "swapped": sum(s[part] for _, s in rows) / len(rows)}
                           for part in PARTS if any(part in a for a, _ in rows)}}
            for op, rows in sorted(by_op.items(), key=lambda item: int(item[0]))}


def _part_sums(model, tokenizer, records: list[dict]) -> list[tuple[dict[str, float], dict[str, int]]]:
    """Each record's gold completion NLL and tokens summed by part (a part the solution lacks reads 0)."""
    rows = [completion_parts(record, tokenizer) for record in records]
    sums = []
    for (_, _, parts), token_losses in zip(rows, gold_token_losses(model, [r[0] for r in rows], [r[1] for r in rows])):
        nll, tokens = defaultdict(float), defaultdict(int)
        for part, loss in zip(parts, token_losses):
            nll[part] += loss
            tokens[part] += 1
        sums.append((nll, tokens))
    return sums


def format_table(table: dict) -> str:
    """Parts down, ops across: NLL per token and (share of the solution's NLL)."""
    return _parts_by_op(table, lambda c: f"{c['nll_per_token']:>9.4f} ({c['share']:>4.0%})",
                        "P(gold)", lambda row: f"{row['gold_probability']:.3f}")


def format_swap(swap: dict) -> str:
    """Parts down, ops across: NLL per solution with the question asked -> asking for another quantity."""
    return "NLL per solution, question asked -> asking for another quantity of the text\n" + _parts_by_op(
        swap, lambda c: f"{c['asked']:>8.3f} ->{c['swapped']:>6.3f}", "problems", lambda row: row["problems"])


def _parts_by_op(table: dict, cell, last: str, last_cell) -> str:
    """A grid of 18-character cells: a row per part (blank where an op has none of it), a last row of its own."""
    ops = list(table)
    lines = ["part      " + "".join(f"{'op ' + op:>18}" for op in ops)]
    for part in PARTS:
        lines.append(f"{part:<10}" + "".join(cell(table[op]["parts"][part]) if part in table[op]["parts"]
                                             else " " * 18 for op in ops))
    lines.append(f"{last:<10}" + "".join(f"{last_cell(table[op]):>18}" for op in ops))
    return "\n".join(lines)


def add_parser(commands) -> None:
    parser = commands.add_parser("gold-loss", help="a model's NLL on gold solutions by op and part of a step "
                                                   "(which quantity next, its letters, values, arithmetic)")
    parser.add_argument("--model", required=True, help="checkpoint directory (config.json, model.safetensors, "
                                                       "tokenizer.json)")
    parser.add_argument("--data", required=True, help="problems (JSONL, from `interplay generate`; forward mode)")
    parser.add_argument("--swap-question", action="store_true",
                        help="also score each solution with its question asking for another quantity of the text: "
                             "a part whose loss does not rise is decided without reading the question")
    parser.add_argument("--out", help="write the table as JSON here too")
    parser.set_defaults(handler=_run)


def _run(args) -> None:
    from interplay.lm.device import pick_device
    from interplay.lm.hf import load_pretrained
    from interplay.lm.tokenizer import load_tokenizer

    model_dir = Path(args.model)
    if not (model_dir / "tokenizer.json").exists():
        raise UserError(f"--model {model_dir}: no tokenizer.json (a checkpoint directory of interplay)")
    records = read_jsonl(args.data)
    if not records:
        raise UserError(f"--data {args.data}: no problems")
    if any(record.get("mode", "forward") != "forward" for record in records):
        raise UserError(f"--data {args.data}: reverse-mode problems have other parts; give forward problems")
    model, tokenizer = load_pretrained(model_dir, pick_device("auto")), load_tokenizer(model_dir / "tokenizer.json")
    table = gold_loss(model, tokenizer, records)
    print(format_table(table))
    if args.swap_question:
        swap = question_swap(model, tokenizer, records)
        print(format_swap(swap))
        table = {op: {**row, "question_swap": swap.get(op)} for op, row in table.items()}
    if args.out:
        atomic_write_text(Path(args.out), json.dumps(table, indent=1) + "\n")
