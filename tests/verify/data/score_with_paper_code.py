"""Build the paper-agreement fixture: completions scored by the paper's own released code.

Not part of the package or the suite: run by hand where a checkout of the paper's repository exists
(Interplay-LM-Reasoning/Interplay-LM-Reasoning; its utils/ and verl/reward_fn.py are all it needs).
The tests (tests/verify/test_paper.py) read what it writes and never the paper's code.

    git --git-dir <mirror> archive HEAD utils verl | tar -x -C /tmp/paper
    python tests/verify/data/score_with_paper_code.py --paper /tmp/paper \\
        --samples runs/base54/probe/eval/samples.jsonl --problems runs/base54/probe/problems.jsonl

Two kinds of completion go in:
- a model's own samples (`--samples`, with the problems they answer), `--per-problem` of each problem
  plus every sample on which our strict verdict and the paper's evaluation disagree;
- slips made by hand from gold solutions in the paper's format (redefinitions, a step's own letter
  reused as its intermediate, an unassigned letter, extra and missing steps, wrong values, parents
  and answers), so that every reading the two verifiers could part on is on record;
- reverse (equation) gold solutions and a slip of one of their coefficients, which the paper's
  parser reads as numbers (the last number of each symbolic step).

Each scored line holds the paper's evaluation verdict (scripts/score_dependency_graphs.py: gold graph
from the record, extra nodes allowed) and its RL rewards (verl/reward_fn.py: gold graph from the gold
solution text). It also prints our strict verdict's agreement with the paper's evaluation over *all*
the given samples.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import re
import sys
from pathlib import Path

from interplay.verify.compare import gold_from_record, verify
from interplay.world.mixture import MixtureSpec, problem_at

HERE = Path(__file__).parent
SLIP_PROBLEMS_PER_OP = 4
SLIP_OPS = range(2, 9)
REWARD_WEIGHTS = ((0.2, 0.8), (0.5, 0.5))


def load_paper_code(root: Path):
    sys.path.insert(0, str(root))
    from utils.solution_dependency_graph import DependencyGraphData, SolutionParser

    spec = importlib.util.spec_from_file_location("paper_reward_fn", root / "verl" / "reward_fn.py")
    reward_fn = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reward_fn)
    return DependencyGraphData, SolutionParser, reward_fn


def paper_scores(record: dict, completion: str, paper) -> dict:
    DependencyGraphData, SolutionParser, reward_fn = paper
    payload = {"nodes": [{"name": n["name"], "value": n["value"], "dependencies": n["parents"]}
                         for n in record["graph"]["nodes"]], "answer": record["answer"]}
    parser = SolutionParser()
    report = DependencyGraphData.from_json(payload).compare(parser.build_graph(parser.parse(completion)))
    truth = {"answer": str(record["answer"]), "solution": record["solution"]}
    rewards = {}
    for a, b in REWARD_WEIGHTS:
        blended = reward_fn.compute_score_with_step_process(completion, truth, answer_weight=a, step_weight=b)
        rewards[f"mixed-paper:{a},{b}"] = blended["score"]
        rewards["process-paper"] = blended["process_reward"]
    rewards["strict-paper"] = reward_fn.compute_score_with_step_process_strict(completion, truth)["score"]
    return {
        "perfect": not (report["value_mismatches"] or report["dependency_mismatches"] or report["missing_in_pred"]
                        or report["answer_mismatch"] is not None),
        "missing": len(report["missing_in_pred"]), "extra": len(report["extra_in_pred"]),
        "value_mismatch": len(report["value_mismatches"]), "dependency_mismatch": len(report["dependency_mismatches"]),
        "answer_mismatch": report["answer_mismatch"] is not None, "rewards": rewards,
    }


# --- slips made by hand from gold solutions in the paper's format ----------------------------------

_STEP = re.compile(r"Define (?P<name>.+?) as (?P<own>\w+); (?P<body>.*?)\.(?= Define | Answer:)")


def _steps(solution: str) -> list[re.Match]:
    return list(_STEP.finditer(solution))


def _fresh(solution: str, rng: random.Random) -> str:
    used = set(re.findall(r"\b[A-Za-z]\b", solution))
    return rng.choice([c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in used])


def _replace_step(solution: str, step: re.Match, text: str) -> str:
    return solution[:step.start()] + text + solution[step.end():]


def slip_self_reuse(solution, rng):
    """The step's own letter reused as its intermediate: "Y = W = 1; so Y = Y = 1"."""
    for step in _steps(solution):
        first = re.match(r"(\w+) = ", step["body"])
        if first and first[1] != step["own"] and "so" in step["body"]:
            body = re.sub(rf"\b{first[1]}\b", step["own"], step["body"])
            return _replace_step(solution, step, f"Define {step['name']} as {step['own']}; {body}.")


def slip_redefine_from_unknown(solution, rng):
    """A quantity defined again, the second time from a letter never defined."""
    step = rng.choice(_steps(solution))
    value = step["body"].rsplit("= ", 1)[-1]
    w, q, k = _fresh(solution, rng), _fresh(solution + "xx", rng), "k" if "k" not in solution else "v"
    again = f" Define {step['name']} as {w}; {q} = {k} = {value}; so {w} = {q} = {value}."
    return solution[:step.end()] + again + solution[step.end():]


def _wrong(value: str) -> str:
    return str(int(value) % 4 + 1) if value.isdigit() else "5"


def slip_wrong_then_right(solution, rng):
    """A wrong definition first, then the gold one (a model that corrects itself)."""
    step = rng.choice(_steps(solution))
    value = step["body"].rsplit("= ", 1)[-1]
    w = _fresh(solution, rng)
    wrong = f"Define {step['name']} as {w}; so {w} = {_wrong(value)}. "
    return solution[:step.start()] + wrong + solution[step.start():]


def slip_right_then_wrong(solution, rng):
    step = rng.choice(_steps(solution))
    value = step["body"].rsplit("= ", 1)[-1]
    w = _fresh(solution, rng)
    wrong = f" Define {step['name']} as {w}; so {w} = {_wrong(value)}."
    return solution[:step.end()] + wrong + solution[step.end():]


def slip_unassigned_letter(solution, rng):
    """A constant step whose own letter is never assigned: "Define K as K; so F = 3"."""
    for step in _steps(solution):
        if re.fullmatch(r"so \w+ = \d+", step["body"]):
            f = _fresh(solution, rng)
            value = step["body"].split("= ")[1]
            return _replace_step(solution, step, f"Define {step['name']} as {step['own']}; so {f} = {value}.")


def slip_extra_step(solution, rng):
    w = _fresh(solution, rng)
    return f"Define adult lion in Nowhere Park as {w}; so {w} = 2. " + solution


def slip_missing_step(solution, rng):
    steps = _steps(solution)
    if len(steps) > 1:
        step = rng.choice(steps[:-1])
        return solution[:step.start()] + solution[step.end() + 1:]


def slip_wrong_value(solution, rng):
    step = rng.choice(_steps(solution))
    head, value = step.group(0).rsplit("= ", 1)
    return _replace_step(solution, step, f"{head}= {_wrong(value.rstrip('.'))}.")


def slip_wrong_parent(solution, rng):
    steps = _steps(solution)
    for index, step in enumerate(steps[1:], 1):
        parent = re.search(r"= (\w+) = ", step["body"])
        if parent:
            other = [s["own"] for s in steps[:index] if s["own"] != parent[1]]
            if other:
                body = step["body"].replace(f"= {parent[1]} = ", f"= {rng.choice(other)} = ", 1)
                return _replace_step(solution, step, f"Define {step['name']} as {step['own']}; {body}.")


def slip_arithmetic(solution, rng):
    """A wrong middle side with the right final value: no value mismatch for either reader."""
    for step in _steps(solution):
        sides = step["body"].split(" = ")
        if len(sides) >= 4:
            sides[-2] = sides[-2] + " + 1"
            return _replace_step(solution, step, f"Define {step['name']} as {step['own']}; {' = '.join(sides)}.")


SLIPS = {name[5:]: f for name, f in globals().items() if name.startswith("slip_")}


def slip_lines(rng: random.Random) -> list[tuple[str, dict, str]]:
    lines = []
    for op in SLIP_OPS:
        spec = MixtureSpec.parse(ops=str(op), format="paper", contexts="zoo,movies,teachers")
        for index in range(SLIP_PROBLEMS_PER_OP):
            record = problem_at(spec, 0, index)
            lines.append(("gold", record, record["solution"]))
            for kind, slip in SLIPS.items():
                solution = slip(record["solution"], rng)
                if solution is not None:
                    lines.append((f"slip:{kind}", record, solution))
            wrong = record["solution"].replace(f"Answer: {record['answer']}.", f"Answer: {record['answer'] + 1}.")
            lines.append(("slip:wrong_answer", record, wrong))
    return [(source, record, f" {text} </solution> <answer> {_answer_of(text)} </answer>")
            for source, record, text in lines]


def reverse_lines(rng: random.Random) -> list[tuple[str, dict, str]]:
    lines = []
    for op in SLIP_OPS:
        spec = MixtureSpec.parse(ops=str(op), format="paper", contexts="zoo,movies,teachers", mode="reverse")
        for index in range(SLIP_PROBLEMS_PER_OP):
            record = problem_at(spec, 0, index)
            solution = record["solution"]
            lines.append(("reverse:gold", record, solution))
            scaled = re.search(r"= (\d+)\*x(?: [-+] \d+)?\. ", solution)  # a step's own form
            if scaled:
                slip = solution[:scaled.start(1)] + str(int(scaled[1]) + 1) + solution[scaled.end(1):]
                lines.append(("reverse:coefficient", record, slip))
    return [(source, record, f" {text} </solution> <answer> {_answer_of(text)} </answer>")
            for source, record, text in lines]


def _answer_of(text: str) -> str:
    return re.findall(r"Answer: (-?\d+)", text)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--paper", type=Path, required=True, help="a checkout of the paper's repository")
    parser.add_argument("--samples", type=Path, required=True, help="samples.jsonl of `interplay eval`/`probe`")
    parser.add_argument("--problems", type=Path, required=True, help="the problems those samples answer")
    parser.add_argument("--per-problem", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    paper = load_paper_code(args.paper)
    rng = random.Random(args.seed)

    problems = {r["id"]: r for r in map(json.loads, args.problems.open())}
    lines, agree, total = [], 0, 0
    for sample in map(json.loads, args.samples.open()):
        record = problems[sample["id"]]
        scores = paper_scores(record, sample["completion"], paper)
        ours = verify(sample["completion"], gold_from_record(record)).strict_correct
        total += 1
        agree += ours == scores["perfect"]
        if sample["sample"] < args.per_problem or ours != scores["perfect"]:
            lines.append({"source": "model", "id": record["id"], "completion": sample["completion"], "paper": scores})
    print(f"model samples: our strict verdict agrees with the paper's evaluation on {agree} of {total} "
          f"({agree / total:.2%})")

    records = {r["id"]: r for r in problems.values() if any(line["id"] == r["id"] for line in lines)}
    for source, record, completion in slip_lines(rng) + reverse_lines(rng):
        records[record["id"]] = record
        lines.append({"source": source, "id": record["id"], "completion": completion,
                      "paper": paper_scores(record, completion, paper)})
    keep = ("id", "op", "mode", "format", "solution", "answer", "graph")
    with (HERE / "paper_records.jsonl").open("w") as out:
        for record in records.values():
            out.write(json.dumps({k: record[k] for k in keep}) + "\n")
    with (HERE / "paper_scored.jsonl").open("w") as out:
        for line in lines:
            out.write(json.dumps(line) + "\n")
    print(f"wrote {len(records)} records and {len(lines)} scored lines to {HERE}")


if __name__ == "__main__":
    main()
