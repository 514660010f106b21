"""A run's shared stages read as stages of each of its seeds: how runs whose shared stages differ pool.

    SeedCopies(run, {"base"})   # `base` of a run of seeds 0 and 1 read as `base[seed=0]` and `base[seed=1]`

Findings 3 and 4 train every RL seed on one base: one stage, `base`, that the runs of other seeds pooled
into one report must share (report/pool.py). Built again (by code changed since, or on a CPU whose bf16
rounds otherwise), it is another stage, and the runs could not pool although no seed is counted twice. So
report/pool.py reads such a stage of each run, and every shared stage built on it, as a stage of each of
that run's seeds, as where every seed pre-trains its own base (finding 1): a seed's RL is then compared
with its own run's base, and the report says which seeds stand on which base. Bases that sit in different
regimes (one crossed a threshold, one did not: results/calibration.md) are labelled by their probes' mean, as F1's
are, which moves every claim's op ranges: read such a run's own report beside the pooled one.

A copy is its stage under a key with the seed added to its axes; its record is the stage's (the second
seed's copy and later ones count no seconds, so compute time is counted once), its tables are read from
the run under the stage's own key.
"""

from __future__ import annotations

from interplay.experiments.recipe import instance_key
from interplay.report.analysis import EvalTable
from interplay.report.rundata import RunData


def built_on(run: RunData, keys: set[str]) -> set[str]:
    """`keys` and every stage of the run without a seed whose inputs are among them, transitively."""
    found = set(keys)
    grew = True
    while grew:
        grew = False
        for key, instance in run.instances.items():
            if key not in found and "seed" not in instance["axes"] and found & set(instance["inputs"].values()):
                found.add(key)
                grew = True
    return found


class SeedCopies(RunData):
    """`run` with each stage of `shared` (stages without a seed, and those built on them) copied into one stage
    per seed of the run."""

    def __init__(self, run: RunData, shared: set[str]):
        shared = built_on(run, shared)
        seeds = [str(seed) for seed in run.plan.get("seeds", [])]
        self._run = run
        self._source: dict[str, str] = {}  # a copy's key -> the stage's key in `run`

        def copy_of(key: str, seed: str | None) -> str:
            if key not in shared or seed is None:
                return key
            return instance_key(run.instances[key]["stage"], {**run.instances[key]["axes"], "seed": seed})

        instances, records = [], {}
        for instance in run.plan["instances"]:
            key = instance["key"]
            for n, seed in enumerate(seeds if key in shared else [instance["axes"].get("seed")]):
                copy = copy_of(key, seed)
                axes = {**instance["axes"], "seed": seed} if key in shared else instance["axes"]
                inputs = {role: copy_of(source, seed) for role, source in instance["inputs"].items()}
                instances.append({**instance, "key": copy, "axes": axes, "inputs": inputs})
                self._source[copy] = key
                if key in run.records:
                    records[copy] = run.records[key] if n == 0 else {**run.records[key], "seconds": 0.0}
        self._hold({**run.plan, "instances": instances}, records, report_dir=None)

    def _read_eval_table(self, key: str) -> EvalTable:
        return self._run.eval_table(self._source[key])

    def probe(self, key: str) -> dict:
        return self._run.probe(self._source[key])

    def metrics(self, key: str) -> list[dict]:
        return self._run.metrics(self._source[key]) if key in self._source else []
