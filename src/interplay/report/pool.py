"""Several runs of one recipe as one: seeds run on different days, machines or caches, reported together.

A seed's stages are keyed by their seed (`rl[rl=edge,seed=1]`), so runs of different seeds have
different keys, and the stages they share (the test set, a base shared by every seed) must be the same
stage: the same hash. A key that two runs finished with different hashes is the same seed run twice
(or built by different code), which pooling would count twice, so it is refused.
"""

from __future__ import annotations

from pathlib import Path

from interplay.errors import UserError
from interplay.report.analysis import EvalTable
from interplay.report.archive import ArchivedRun
from interplay.report.rundata import RunData

SAME = ("recipe", "finding", "scale", "world")  # what runs must agree on to be one experiment


def open_run(path: str | Path) -> RunData:
    """A run directory, or a run.json that `interplay report` wrote."""
    return ArchivedRun(path) if Path(path).is_file() else RunData(path)


def open_runs(paths: list[str | Path]) -> RunData:
    runs = [open_run(path) for path in paths]
    return runs[0] if len(runs) == 1 else PooledRun(runs)


class PooledRun(RunData):
    """Runs of the same recipe and scale with different seeds; each stage read from the run that finished it."""

    def __init__(self, runs: list[RunData]):
        first = runs[0]
        for run in runs[1:]:
            for field in SAME:
                if run.plan.get(field) != first.plan.get(field):
                    raise UserError(f"cannot pool runs with different {field}: {first.plan.get(field)!r} and "
                                    f"{run.plan.get(field)!r}")
        runs = sorted(runs, key=lambda run: min(run.plan.get("seeds") or [0]))
        self._owner: dict[str, RunData] = {}
        instances: dict[str, dict] = {}
        for run in runs:
            for key, instance in run.instances.items():
                instances.setdefault(key, instance)
                if key not in run.records:
                    continue
                owner = self._owner.get(key)
                if owner is None:
                    self._owner[key] = run
                elif (theirs := owner.records[key].get("hash")) != (ours := run.records[key].get("hash")):
                    raise UserError(f"stage {key} was run differently in two of the runs pooled (hashes "
                                    f"{str(theirs)[:10]} and {str(ours)[:10]}); pool runs of different seeds")
        seeds = sorted({seed for run in runs for seed in run.plan.get("seeds", [])})
        plan = {**first.plan, "seeds": seeds, "instances": list(instances.values())}
        ordered = [run.plan["axis_order"] for run in runs if "axis_order" in run.plan]  # a run of today's runner
        if ordered:
            plan["axis_order"] = ordered[0]
        records = {key: self._owner[key].records[key] for key in instances if key in self._owner}
        self._hold(plan, records, report_dir=None)

    def _read_eval_table(self, key: str) -> EvalTable:
        return self._owner[key].eval_table(key)

    def probe(self, key: str) -> dict:
        return self._owner[key].probe(key)

    def metrics(self, key: str) -> list[dict]:
        owner = self._owner.get(key)
        return owner.metrics(key) if owner else []
