"""An adaptive curriculum for RL: keep the batch at the edge of competence while the edge moves.

Each op of the mixture keeps a running (exponential moving average) strict pass rate p; ops are
drawn with weight 4 p (1 - p) + floor, which peaks at p = 0.5 and vanishes where the model always
or never succeeds (where GRPO's group advantages are zero anyway). The floor keeps every op
sampled now and then so that its estimate follows the model.
"""

from __future__ import annotations

import random

from interplay.world.mixture import MixtureSpec

SMOOTHING = 0.3  # weight of the newest batch in the running pass rate
FLOOR = 0.05
PRIOR = 0.5  # an op never seen counts as maximally informative


class Curriculum:
    def __init__(self, ops: list[int]):
        self.pass_rate = {op: PRIOR for op in ops}

    @classmethod
    def for_spec(cls, spec: MixtureSpec) -> "Curriculum":
        return cls(spec.all_ops())

    def weights(self) -> dict[str, float]:
        raw = {op: 4 * p * (1 - p) + FLOOR for op, p in self.pass_rate.items()}
        total = sum(raw.values())
        return {str(op): w / total for op, w in raw.items()}

    def draw(self, count: int, rng: random.Random) -> list[int]:
        ops = list(self.pass_rate)
        return rng.choices(ops, [self.weights()[str(op)] for op in ops], k=count)

    def update(self, ops: list[int], successes: list[bool]) -> None:
        seen: dict[int, list[bool]] = {}
        for op, success in zip(ops, successes):
            seen.setdefault(op, []).append(success)
        for op, outcomes in seen.items():
            if op in self.pass_rate:
                rate = sum(outcomes) / len(outcomes)
                self.pass_rate[op] = (1 - SMOOTHING) * self.pass_rate[op] + SMOOTHING * rate

    def state_dict(self) -> dict:
        return {str(op): p for op, p in self.pass_rate.items()}

    def load_state_dict(self, state: dict) -> None:
        self.pass_rate = {int(op): p for op, p in state.items()}
