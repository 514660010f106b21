"""`interplay gold-loss`: the gold completion token by token, each token's part, and the NLL by op and part that adds
up to the held-out metric of training."""

import json
import random
import re
import subprocess
import sys

import torch
from hypothesis import given
from hypothesis import strategies as st

from interplay.gold_loss import asking_elsewhere, completion_parts, gold_loss, question_swap
from interplay.lm.hf import save_pretrained
from interplay.lm.model import ModelConfig, Transformer
from interplay.lm.tokenizer import build_tokenizer
from interplay.train.heldout import HeldOutProblems
from interplay.world.contexts import get_context
from interplay.world.graph import GraphSettings, sample_graph
from interplay.world.mixture import MixtureSpec
from interplay.world.render import SurfaceSettings, render_record

SPEC = MixtureSpec.parse(ops="2-4", contexts="zoo", format="compact", order="topological", n_locations=3, n_items=4,
                         distractors=(0, 1), modulus=23)
TOKENIZER = build_tokenizer(max_number=22)


def tiny_model() -> Transformer:
    torch.manual_seed(0)
    return Transformer(ModelConfig.preset("tiny", TOKENIZER.get_vocab_size()))


def test_each_completion_token_gets_the_part_of_its_word():
    problems = HeldOutProblems.build(SPEC, 3, TOKENIZER, problems_per_op=2)
    for record, prompt, completion in zip(problems.records, problems.prompts, problems.completions):
        prompt_ids, ids, parts = completion_parts(record, TOKENIZER)
        assert (prompt_ids, ids) == (prompt, completion) and len(parts) == len(ids)
        words = TOKENIZER.decode(ids, skip_special_tokens=False)
        tokens = [TOKENIZER.id_to_token(i).lstrip("▁") for i in ids]
        answers = [token for token, part in zip(tokens, parts) if part == "answer"]
        assert answers == [str(record["answer"])] * 2, words  # "Answer: N." and "<answer> N </answer>"
        names = " ".join(token for token, part in zip(tokens, parts) if part == "name")
        assert names == " ".join(node["name"] for node in record["graph"]["nodes"])
        assert [token for token, part in zip(tokens, parts) if part == "letter"][:2] == ["a", "a"]
        steps_on = [token for token, part in zip(tokens, parts) if part == "go_on"]
        assert steps_on == ["Define"] * (len(record["graph"]["nodes"]) - 1)
        assert [token for token, part in zip(tokens, parts) if part == "stop"] == ["Answer"]
        assert parts[-1] == "syntax"  # EOS


def test_the_parts_add_up_to_the_held_out_nll_of_each_op():
    problems = HeldOutProblems.build(SPEC, 5, TOKENIZER, problems_per_op=3)
    model = tiny_model()
    table, expected = gold_loss(model, TOKENIZER, problems.records), problems.solution_nll(model)
    assert list(table) == list(expected) == ["2", "3", "4"]
    for op, row in table.items():
        parts = row["parts"].values()
        tokens = sum(part["tokens"] for part in parts)
        assert abs(sum(part["nll_per_token"] * part["tokens"] for part in parts) / tokens - expected[op]) < 1e-4
        assert abs(sum(part["share"] for part in parts) - 1) < 1e-6 and row["problems"] == 3
        assert 0 < row["gold_probability"] <= 1 and abs(row["solution_nll"] - expected[op] * tokens / 3) < 1e-3


@given(op=st.integers(1, 8), seed=st.integers(0, 10**6), context=st.sampled_from(["zoo", "teachers"]),
       form=st.sampled_from(["context", "name"]))
def test_a_swapped_question_asks_for_another_quantity_the_text_defines(op, seed, context, form):
    graph = sample_graph(op, random.Random(seed), GraphSettings(distractors=(0, 3)))
    world = get_context(context)
    record = render_record(graph, world, random.Random(seed + 1), 5, 5, SurfaceSettings(question_form=form))
    swapped = asking_elsewhere(record, random.Random(seed))
    solved = {node["name"]: node for node in record["graph"]["nodes"]}
    others = {name for name in re.findall(r"The number of (.+?) equals", record["problem"])
              if name not in solved and not name.startswith(world.aggregate + " in ")}
    if solved[record["graph"]["target"]]["kind"] != "instance" or not others:
        assert swapped is None
        return
    assert {key: value for key, value in swapped.items() if key != "question"} == \
        {key: value for key, value in record.items() if key != "question"}
    asked = [name for name in others if swapped["question"] == (
        f"What is the number of {name}?" if form == "name" else
        world.question_instance.format(item=name.split(" in ", 1)[0], entity=name.split(" in ", 1)[1]))]
    assert asked and swapped["question"] != record["question"]


def test_the_swap_scores_the_asked_solutions_as_the_table_does_and_the_swapped_ones_apart():
    spec = MixtureSpec.parse(ops="3-4", contexts="zoo", format="compact", order="topological", n_locations=3,
                             n_items=4, distractors=(2, 3), modulus=23)
    records = HeldOutProblems.build(spec, 5, TOKENIZER, problems_per_op=4).records
    model = tiny_model()
    swap = question_swap(model, TOKENIZER, records)
    for op, row in swap.items():
        kept = [r for r in records if str(r["op"]) == op and asking_elsewhere(r, random.Random(0)) is not None]
        table = gold_loss(model, TOKENIZER, kept)[op]["parts"]
        assert row["problems"] == len(kept) > 0
        for part, cell in table.items():
            assert abs(row["parts"][part]["asked"] - cell["nll_per_token"] * cell["tokens"] / len(kept)) < 1e-4
        assert any(abs(c["asked"] - c["swapped"]) > 1e-6 for c in row["parts"].values())  # the model saw another


def test_the_command_prints_the_table_and_refuses_reverse_problems(tmp_path):
    problems = HeldOutProblems.build(SPEC, 5, TOKENIZER, problems_per_op=1)
    save_pretrained(tiny_model(), tmp_path / "model")
    TOKENIZER.save(str(tmp_path / "model" / "tokenizer.json"))
    data = tmp_path / "problems.jsonl"
    data.write_text("".join(json.dumps(record) + "\n" for record in problems.records))

    def gold_loss_cli(*args):
        return subprocess.run([sys.executable, "-m", "interplay.cli", "gold-loss", "--model", str(tmp_path / "model"),
                               *args], capture_output=True, text=True)

    done = gold_loss_cli("--data", str(data), "--out", str(tmp_path / "table.json"), "--swap-question")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].split() == ["part", "op", "2", "op", "3", "op", "4"]
    assert "question asked -> asking for another quantity" in done.stdout
    written = json.loads((tmp_path / "table.json").read_text())
    assert list(written) == ["2", "3", "4"] and all("question_swap" in row for row in written.values())
    reverse = tmp_path / "reverse.jsonl"
    reverse.write_text(json.dumps({**problems.records[0], "mode": "reverse"}) + "\n")
    refused = gold_loss_cli("--data", str(reverse))
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1 and "reverse" in refused.stderr
