"""Held-out metrics that the packing cannot flatter: each problem alone, from position 0, by op.

    probe = HeldOutProblems.build(spec, seed, tokenizer, problems_per_op=32)
    probe.solution_nll(model)      # {op: mean NLL per solution token of the gold text}
    probe.greedy_strict(model)     # {op: share of problems whose greedy completion is strictly correct}

A packed batch's loss depends on the layout (a split document's solution is predicted without its
problem; attention across documents sees other problems), so two layouts cannot be compared by
their own losses. These two numbers see every problem as sampling does, and run in fp32 whatever
the training dtype, so runs in different precisions are compared on one scale.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from tokenizers import Tokenizer

from interplay.lm.model import Transformer
from interplay.lm.sampler import SamplingParams, sample
from interplay.lm.tokenizer import EOS, stop_ids
from interplay.verify.compare import gold_from_record, verify
from interplay.world.mixture import MixtureSpec, generate
from interplay.world.render import prompt_text, training_text

ROWS_PER_PASS = 64  # problems per forward pass: bounds memory at any eval size


@dataclass
class HeldOutProblems:
    records: list[dict]
    prompts: list[list[int]]  # token ids up to and including " <solution>"
    completions: list[list[int]]  # the gold rest: solution, answer, EOS
    tokenizer: Tokenizer

    @classmethod
    def build(cls, spec: MixtureSpec, seed: int, tokenizer: Tokenizer, problems_per_op: int) -> "HeldOutProblems":
        records = [r for op in spec.all_ops() for r in generate(spec.single_op(op), seed + op, problems_per_op)]
        eos = tokenizer.token_to_id(EOS)
        prompts, completions = [], []
        for record in records:
            prompt = tokenizer.encode(prompt_text(record), add_special_tokens=False).ids
            full = tokenizer.encode(training_text(record), add_special_tokens=False).ids + [eos]
            prompts.append(prompt)
            completions.append(full[len(prompt):])
        return cls(records, prompts, completions, tokenizer)

    def _by_op(self, values: list[float], weights: list[int] | None = None) -> dict[str, float]:
        totals, counts = defaultdict(float), defaultdict(float)
        for record, value, weight in zip(self.records, values, weights or [1] * len(values)):
            totals[record["op"]] += value * weight
            counts[record["op"]] += weight
        return {str(op): totals[op] / counts[op] for op in sorted(totals)}

    @torch.no_grad()
    def solution_nll(self, model: Transformer) -> dict[str, float]:
        """Mean negative log-likelihood per gold solution token, by op (teacher forcing, fp32)."""
        was_training = model.training
        model.eval()
        device = model.lm_head.weight.device
        means = []
        for start in range(0, len(self.records), ROWS_PER_PASS):
            prompts = self.prompts[start:start + ROWS_PER_PASS]
            completions = self.completions[start:start + ROWS_PER_PASS]
            width = max(len(p) + len(c) for p, c in zip(prompts, completions)) - 1
            inputs = torch.zeros(len(prompts), width, dtype=torch.long)
            targets = torch.zeros(len(prompts), width, dtype=torch.long)
            scored = torch.zeros(len(prompts), width, dtype=torch.bool)
            for row, (prompt, completion) in enumerate(zip(prompts, completions)):
                ids = prompt + completion
                inputs[row, : len(ids) - 1] = torch.tensor(ids[:-1])
                targets[row, : len(ids) - 1] = torch.tensor(ids[1:])
                scored[row, len(prompt) - 1: len(ids) - 1] = True  # right padding: causal attention never sees it
            inputs, targets, scored = inputs.to(device), targets.to(device), scored.to(device)
            logits = model(inputs).float()
            losses = F.cross_entropy(logits.transpose(1, 2), targets, reduction="none")
            means.extend(((losses * scored).sum(1) / scored.sum(1)).tolist())
        model.train(was_training)
        return self._by_op(means, [len(c) for c in self.completions])

    def greedy_strict(self, model: Transformer) -> dict[str, float]:
        """Share of problems whose greedy (temperature 0) completion is strictly correct, by op."""
        return self.strict_pass1(model, samples=1, temperature=0.0)

    @torch.no_grad()
    def strict_pass1(self, model: Transformer, samples: int, temperature: float, seed: int = 0) -> dict[str, float]:
        """Strict pass@1 by op: the share of strictly correct completions, `samples` per problem."""
        was_training = model.training
        stop = stop_ids(self.tokenizer)
        params = SamplingParams(temperature=temperature, max_new_tokens=max(map(len, self.completions)) + 16)
        per_pass = max(1, ROWS_PER_PASS * 4 // samples)  # decoding rows per pass, whatever n is
        strict = []
        for start in range(0, len(self.records), per_pass):
            records = self.records[start:start + per_pass]
            outputs = sample(model, self.prompts[start:start + per_pass], samples, params, stop, seed=seed + start)
            for index, record in enumerate(records):
                texts = [self.tokenizer.decode(ids, skip_special_tokens=False)
                         for ids in outputs[index * samples:(index + 1) * samples]]
                gold = gold_from_record(record)
                strict.append(sum(verify(text, gold).strict_correct for text in texts) / samples)
        model.train(was_training)
        return self._by_op(strict)
