"""Several runs of one recipe as one: seeds run on different days, machines or caches, reported together.

A seed's stages are keyed by their seed (`rl[rl=edge,seed=1]`), so runs of different seeds have different
keys. A key that two runs finished with different hashes is the same seed run twice (or built by different code),
which pooling would count twice, so it is refused; except a stage every seed shares (the base that every RL seed
of findings 3 and 4 starts from): runs of different seeds that built it from the same settings differently (by
other code, or on a CPU that rounds otherwise) each keep theirs, read as their own seeds' stages
(report/seed_copies.py). The other way round,
`SeedSubset` reports some of a run's seeds (one seed of a pooled run.json, say) with the stages they share.

With `union`, runs may also hold the same models evaluated on different problems (a second hard set drawn with
another `hard_seed`): an eval stage that two runs finished differently, on a model both runs share (the same hash),
is one evaluation on every problem of both, each problem once (its first run's samples). Its data stages may then
differ too; any other stage run differently is still refused. A claim compares two arms on the problems both have,
so a model the second run did not evaluate keeps every claim about it on the first run's problems.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from interplay.errors import UserError
from interplay.report.analysis import FIELDS, EvalTable
from interplay.report.archive import ArchivedRun
from interplay.report.rundata import RunData
from interplay.report.seed_copies import SeedCopies

SAME = ("recipe", "finding", "scale", "world")  # what runs must agree on to be one experiment


def open_run(path: str | Path) -> RunData:
    """A run directory, or a run.json that `interplay report` wrote."""
    return ArchivedRun(path) if Path(path).is_file() else RunData(path)


def open_runs(paths: list[str | Path], seeds: list[int] | None = None, union: bool = False) -> RunData:
    """Runs pooled into one (a single run as it is), with `union` the problems of their evaluations too, then cut
    to `seeds` if given."""
    runs = [open_run(path) for path in paths]
    if union and len(runs) == 1:
        raise UserError("--union sums the problems of several runs' evaluations: give it two runs or more")
    run = runs[0] if len(runs) == 1 else PooledRun(runs, union)
    return run if seeds is None else SeedSubset(run, seeds)


class PooledRun(RunData):
    """Runs of the same recipe and scale with different seeds; each stage read from the run that finished it
    (with `union`, an evaluation also from the runs that evaluated its model on other problems)."""

    def __init__(self, runs: list[RunData], union: bool = False):
        first = runs[0]
        for run in runs[1:]:
            for field in SAME:
                if run.plan.get(field) != first.plan.get(field):
                    raise UserError(f"cannot pool runs with different {field}: {first.plan.get(field)!r} and "
                                    f"{run.plan.get(field)!r}")
        runs = sorted(runs, key=lambda run: min(run.plan.get("seeds") or [0]))
        runs, note = _own_shared_stages(runs, union)
        self._owner: dict[str, RunData] = {}
        self._also: dict[str, list[RunData]] = {}  # with `union`: the other runs that evaluated a model, by eval key
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
                    if not (union and _other_problems(instance, owner, run)):
                        hint = "; pool runs of different seeds" + ("" if union else ", or the same models' "
                                                                   "evaluations on other problems with --union")
                        raise UserError(f"stage {key} was run differently in two of the runs pooled (hashes "
                                        f"{str(theirs)[:10]} and {str(ours)[:10]}){hint}")
                    if instance["kind"] == "eval":
                        self._also.setdefault(key, []).append(run)
        seeds = sorted({seed for run in runs for seed in run.plan.get("seeds", [])})
        plan = {**first.plan, "seeds": seeds, "instances": list(instances.values())}
        if note:
            plan["notes"] = [note]
        ordered = [run.plan["axis_order"] for run in runs if "axis_order" in run.plan]  # a run of today's runner
        if ordered:
            plan["axis_order"] = ordered[0]
        records = {key: self._owner[key].records[key] for key in instances if key in self._owner}
        for key, others in self._also.items():  # its compute is every run's; the report says where its problems are
            record = records[key]
            records[key] = {**record, "seconds": record.get("seconds", 0.0) + sum(r.records[key].get("seconds", 0.0)
                                                                                 for r in others),
                            "notes": record.get("notes", []) + [
                                f"its problems and those of the same model's evaluation with hash "
                                f"{str(r.records[key].get('hash'))[:10]}, each once" for r in others]}
        self._hold(plan, records, report_dir=None)

    def _read_eval_table(self, key: str) -> EvalTable:
        tables = [self._owner[key].eval_table(key)] + [run.eval_table(key) for run in self._also.get(key, [])]
        return tables[0] if len(tables) == 1 else problem_union(tables)

    def probe(self, key: str) -> dict:
        return self._owner[key].probe(key)

    def metrics(self, key: str) -> list[dict]:
        owner = self._owner.get(key)
        return owner.metrics(key) if owner else []


def _own_shared_stages(runs: list[RunData], union: bool) -> tuple[list[RunData], str]:
    """Runs of different seeds whose shared stages (those without a seed) differ: each run's as its seeds' own
    (report/seed_copies.py), and a note of which seeds stand on which; runs as they are otherwise (and where
    two runs share a seed, which pooling refuses)."""
    differ: dict[str, list[RunData]] = {}
    for key, instance in runs[0].instances.items():
        finished = [run for run in runs if key in run.records]
        if "seed" in instance["axes"] or len({run.records[key].get("hash") for run in finished}) < 2:
            continue
        if not (union and all(_other_problems(instance, finished[0], run) for run in finished[1:])):
            differ[key] = finished
    seeds = [seed for run in runs for seed in run.plan.get("seeds", [])]
    if not differ or len(seeds) != len(set(seeds)) or not all(run.plan.get("seeds") for run in runs):
        return runs, ""
    # Built otherwise, not set otherwise: a base of other settings is another experiment (a data stage may differ,
    # as it follows its run's probe).
    if any(finished[0].records[key]["kind"] != "generate"
           and any(run.records[key].get("settings") != finished[0].records[key].get("settings") for run in finished)
           for key, finished in differ.items()):
        return runs, ""
    root = next(iter(differ))  # the first in the recipe's order: the one the others are built on (the base)
    by_run = "; ".join(f"seed{'s' if len(run.plan['seeds']) > 1 else ''} {', '.join(map(str, run.plan['seeds']))} "
                       f"on {root} {str(run.records[root].get('hash'))[:10]} (code {run.records[root].get('code', '?')}"
                       f", {run.records[root].get('machine', 'a machine not recorded')})" for run in differ[root])
    note = (f"Stages without a seed that the pooled runs built differently ({', '.join(differ)}) are read as stages "
            f"of each run's own seeds, so that a seed's models are compared with its own run's: {by_run}.")
    return [SeedCopies(run, set(differ)) for run in runs], note


def _other_problems(instance: dict, first: RunData, other: RunData) -> bool:
    """Whether a stage two runs finished differently differs only by its problems: a data stage, or an eval of a
    model both runs share."""
    if instance["kind"] == "generate":
        return True
    model = instance["inputs"].get("model")
    return (instance["kind"] == "eval" and model in first.records and model in other.records
            and first.records[model].get("hash") == other.records[model].get("hash"))


def problem_union(tables: list[EvalTable]) -> EvalTable:
    """Evaluations of one model as one table: every problem once, with the first table that has it, in order."""
    joined = EvalTable.concat(tables)
    _, first = np.unique(joined.ids, return_index=True)
    keep = np.sort(first)
    return EvalTable(**{name: getattr(joined, name)[keep] for name in FIELDS})


class SeedSubset(RunData):
    """Some seeds of a run: the instances of those seeds and those every seed shares (a test set, a shared base).
    Its report has no default directory, so that it cannot overwrite the report of all the seeds."""

    def __init__(self, run: RunData, seeds: list[int]):
        have = [int(seed) for seed in run.plan.get("seeds", [])]
        if missing := sorted(set(seeds) - set(have)):
            raise UserError(f"--seeds: the run has no seed {missing[0]} (its seeds: {', '.join(map(str, have))})")
        kept = [i for i in run.plan["instances"] if "seed" not in i["axes"] or int(i["axes"]["seed"]) in seeds]
        records = {i["key"]: run.records[i["key"]] for i in kept if i["key"] in run.records}
        self._run = run
        self._hold({**run.plan, "seeds": sorted(set(seeds)), "instances": kept}, records, report_dir=None)

    def _read_eval_table(self, key: str) -> EvalTable:
        return self._run.eval_table(key)

    def probe(self, key: str) -> dict:
        return self._run.probe(key)

    def metrics(self, key: str) -> list[dict]:
        return self._run.metrics(key)
