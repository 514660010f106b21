"""Held-out metrics: each problem scored alone, by op, the same whatever the batch around it."""

import torch
import torch.nn.functional as F

from interplay.lm.model import ModelConfig, Transformer
from interplay.lm.tokenizer import build_tokenizer
from interplay.train.heldout import HeldOutProblems
from interplay.world.mixture import MixtureSpec

SPEC = MixtureSpec.parse(ops="2-4", contexts="zoo", format="compact", order="topological", n_locations=3, n_items=4,
                         distractors=(0, 1), modulus=23)
TOKENIZER = build_tokenizer(max_number=22)


def model():
    torch.manual_seed(0)
    return Transformer(ModelConfig.preset("tiny", TOKENIZER.get_vocab_size()))


def test_solution_nll_is_the_per_token_loss_of_each_gold_solution_alone():
    problems = HeldOutProblems.build(SPEC, 7, TOKENIZER, problems_per_op=3)
    net = model()
    totals, counts = {}, {}
    with torch.no_grad():
        for record, prompt, completion in zip(problems.records, problems.prompts, problems.completions):
            ids = torch.tensor([prompt + completion])
            logits = net(ids[:, :-1])[0, len(prompt) - 1:]
            loss = F.cross_entropy(logits, ids[0, len(prompt):], reduction="sum").item()
            totals[str(record["op"])] = totals.get(str(record["op"]), 0.0) + loss
            counts[str(record["op"])] = counts.get(str(record["op"]), 0) + len(completion)
    got = problems.solution_nll(net)
    assert list(got) == ["2", "3", "4"]
    assert all(abs(got[op] - totals[op] / counts[op]) < 1e-4 for op in got)


def test_problems_are_drawn_per_op_and_completions_end_with_the_answer():
    problems = HeldOutProblems.build(SPEC, 7, TOKENIZER, problems_per_op=5)
    assert [r["op"] for r in problems.records] == [2] * 5 + [3] * 5 + [4] * 5
    text = TOKENIZER.decode(problems.completions[0], skip_special_tokens=False)
    assert text.startswith(" a ") or text.startswith(" Define"), text[:40]  # the solution, right after <solution>
    assert text.endswith(f" {problems.records[0]['answer']} </answer><eos>")


def test_greedy_strict_is_sampled_pass1_at_temperature_zero():
    problems = HeldOutProblems.build(SPEC, 7, TOKENIZER, problems_per_op=2)
    net = model()
    greedy = problems.greedy_strict(net)
    assert greedy == problems.strict_pass1(net, samples=3, temperature=0.0)
    assert set(greedy) == {"2", "3", "4"} and all(v == 0.0 for v in greedy.values())  # an untrained model
