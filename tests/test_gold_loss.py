"""`interplay gold-loss`: the gold completion token by token, each token's part, and the NLL by op and part that adds
up to the held-out metric of training."""

import json
import subprocess
import sys

import torch

from interplay.gold_loss import completion_parts, gold_loss
from interplay.lm.hf import save_pretrained
from interplay.lm.model import ModelConfig, Transformer
from interplay.lm.tokenizer import build_tokenizer
from interplay.train.heldout import HeldOutProblems
from interplay.world.mixture import MixtureSpec

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


def test_the_command_prints_the_table_and_refuses_reverse_problems(tmp_path):
    problems = HeldOutProblems.build(SPEC, 5, TOKENIZER, problems_per_op=1)
    save_pretrained(tiny_model(), tmp_path / "model")
    TOKENIZER.save(str(tmp_path / "model" / "tokenizer.json"))
    data = tmp_path / "problems.jsonl"
    data.write_text("".join(json.dumps(record) + "\n" for record in problems.records))

    def gold_loss_cli(*args):
        return subprocess.run([sys.executable, "-m", "interplay.cli", "gold-loss", "--model", str(tmp_path / "model"),
                               *args], capture_output=True, text=True)

    done = gold_loss_cli("--data", str(data), "--out", str(tmp_path / "table.json"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].split() == ["part", "op", "2", "op", "3", "op", "4"]
    assert list(json.loads((tmp_path / "table.json").read_text())) == ["2", "3", "4"]
    reverse = tmp_path / "reverse.jsonl"
    reverse.write_text(json.dumps({**problems.records[0], "mode": "reverse"}) + "\n")
    refused = gold_loss_cli("--data", str(reverse))
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1 and "reverse" in refused.stderr
