"""Read a finished (or partly finished) run directory: its plan, stage records, evals and probe.

`RunData` reads a directory that `interplay run` wrote, its stages' outputs in the stage cache;
report/archive.py reads the same from one JSON file (a run without its checkpoints) and report/pool.py
joins runs of different seeds. A report sees a run only through `plan`, `records` and three readers:
`eval_table` (cached; subclasses say where a table comes from in `_read_eval_table`), `probe` and `metrics`.
"""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path

from interplay.competence import label
from interplay.errors import UserError
from interplay.report.analysis import EvalTable

# Eval stages named `redraw...` evaluate a model again with a sampling seed of its own (recipes f1 and f4): the
# noise floor of a pass@k difference, read by `redrawn`, never pooled into the model's own evaluations.
REDRAW = "redraw"


class RunData:
    """A run directory of `interplay run`: its plan and the records of its finished stages."""

    def __init__(self, out: str | Path):
        out = Path(out)
        plan_path = out / "plan.json"
        if not plan_path.exists():
            raise UserError(f"{out}: not a run directory (no plan.json; run `interplay run` first)")
        plan = json.loads(plan_path.read_text())
        records = {}
        for instance in plan["instances"]:
            if instance["record"] and Path(instance["record"]).exists():
                records[instance["key"]] = json.loads(Path(instance["record"]).read_text())
        self._hold(plan, records, report_dir=out / "report")

    def _hold(self, plan: dict, records: dict[str, dict], report_dir: Path | None) -> None:
        self.plan = plan
        self.instances = {i["key"]: i for i in plan["instances"]}
        self.records = records
        self.report_dir = report_dir  # where its report goes unless told otherwise
        self._tables: dict[str, EvalTable] = {}  # eval tables read so far, by key

    def eval_table(self, key: str) -> EvalTable:
        """The per-problem counts of the finished eval stage `key`, read once (a report and its run.json
        both need every table)."""
        if key not in self._tables:
            self._tables[key] = self._read_eval_table(key)
        return self._tables[key]

    def _read_eval_table(self, key: str) -> EvalTable:
        return EvalTable.load(self.records[key]["outputs"]["samples"])

    def probe(self, key: str) -> dict:
        """The competence.json of the finished probe stage `key`."""
        return json.loads(Path(self.records[key]["outputs"]["competence"]).read_text())

    def metrics(self, key: str) -> list[dict]:
        """The training metrics of stage `key` ([] for a stage that has none or has not run)."""
        path = self.records.get(key, {}).get("outputs", {}).get("metrics")
        if not path or not Path(path).exists():
            return []
        return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]

    @property
    def finding(self) -> str:
        return self.plan["finding"]

    def keys(self, stage: str, **axes) -> list[str]:
        """Finished instances of `stage` whose axes include `axes`, by seed."""
        found = [k for k, i in self.instances.items() if i["stage"] == stage and k in self.records
                 and all(i["axes"].get(a) == str(v) for a, v in axes.items())]
        return sorted(found, key=lambda k: int(self.instances[k]["axes"].get("seed", 0)))

    def axis_values(self, stage: str, axis: str) -> list[str]:
        """The values `axis` takes among the instances of `stage`, in recipe order (the plan's order of the
        instances where a plan written before `axis_order` has none)."""
        values = []
        for instance in self.plan["instances"]:
            value = instance["axes"].get(axis)
            if instance["stage"] == stage and value is not None and value not in values:
                values.append(value)
        order = self.plan.get("axis_order", {}).get(axis, [])
        return sorted(values, key=lambda value: order.index(value) if value in order else len(order))

    def evals(self, model_stage: str, **axes) -> list[EvalTable]:
        """The evaluations of the models of `model_stage` matching `axes`, one per seed. A model that
        several eval stages evaluated (the test set and extra problems at the hard ops, say) has one
        table: their problems concatenated in the recipe's order, so every arm stands on the same problems;
        until all of them have finished, the model counts as not evaluated. A `redraw` stage is not one of them."""
        return [self._joined(evals) for evals in self._evaluated(model_stage, axes).values()]

    def redrawn(self, model_stage: str, **axes) -> dict[str | None, tuple[EvalTable, EvalTable]]:
        """The models of `model_stage` that the recipe's `redraw` stages evaluated again (another sampling seed),
        by seed (None for a model all seeds share): its evaluation and its redraw, each one table as `evals`
        gives, to tell how far two evaluations of one model lie apart by sampling alone."""
        first, again = self._evaluated(model_stage, axes), self._evaluated(model_stage, axes, redraw=True)
        return {self.instances[model]["axes"].get("seed"): (self._joined(first[model]), self._joined(again[model]))
                for model in first if model in again}

    def _joined(self, evals: list[str]) -> EvalTable:
        """One model's eval stages as one table, their problems in the recipe's order."""
        return EvalTable.concat([self.eval_table(key) for key in evals])

    def eval_seeds(self, model_stage: str, **axes) -> list[str | None]:
        """The seed of each model `evals` has a table for, in its order; None for a model all seeds share."""
        return [self.instances[model]["axes"].get("seed") for model in self._evaluated(model_stage, axes)]

    def _evaluated(self, model_stage: str, axes: dict, redraw: bool = False) -> dict[str, list[str]]:
        """The fully evaluated models of `model_stage` matching `axes`, by seed, each with its eval stages:
        the `redraw...` stages' alone if `redraw`, else all others."""
        by_model: dict[str, list[str]] = {key: [] for key in self.keys(model_stage, **axes)}
        for key, instance in self.instances.items():
            if (instance["kind"] == "eval" and instance["inputs"].get("model") in by_model
                    and instance["stage"].startswith(REDRAW) == redraw):
                by_model[instance["inputs"]["model"]].append(key)
        return {model: evals for model, evals in by_model.items()
                if evals and all(key in self.records for key in evals)}

    @cached_property
    def probes(self) -> dict[str, dict]:
        """Each finished probe's competence.json by its instance key: one, or one per seed where every
        seed pre-trains its own base."""
        return {key: self.probe(key) for key, record in self.records.items() if record["kind"] == "probe"}

    @cached_property
    def competence(self) -> dict | None:
        """The base model's ID / edge / hard labels by op: its probe's, or with one base per seed the labels
        of the probes' mean pass rates, so that every seed's models are compared on the same ops;
        `labels_by_probe` then keeps each probe's own label (the ops its seed's RL ran on)."""
        probes = list(self.probes.values())
        if len(probes) <= 1:
            return probes[0] if probes else None
        first, k = probes[0], f"pass_at_{probes[0]['samples']}"
        ops = {}
        for op in first["ops"]:
            rows = [probe["ops"][op] for probe in probes]
            pass1, passk = (sum(row[key] for row in rows) / len(rows) for key in ("pass_at_1", k))
            ops[op] = {"pass_at_1": pass1, k: passk, "label": label(pass1, passk, first["thresholds"]),
                       "labels_by_probe": [row["label"] for row in rows]}
        return {**first, "ops": ops, "probes": list(self.probes)}

    def regime_ops(self) -> dict[str, list[int]]:
        labels = {"in-distribution": "id", "edge": "edge", "hard": "hard"}
        regimes: dict[str, list[int]] = {"id": [], "edge": [], "hard": []}
        for op, row in (self.competence or {"ops": {}})["ops"].items():
            regimes[labels[row["label"]]].append(int(op))
        return regimes

    def seconds(self) -> float:
        return sum(r.get("seconds", 0.0) for r in self.records.values())

    def machines(self) -> list[str]:
        """The machines the finished stages ran on, each once, in stage order (records written before
        stages recorded it count as one unknown machine)."""
        return list(dict.fromkeys(r.get("machine", "a machine not recorded") for r in self.records.values()))
