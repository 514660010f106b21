"""A run without its checkpoints: everything its report stands on, in one JSON file.

`interplay report` writes it beside report.md as run.json: the plan, every finished stage's record, each
probe's competence, each evaluation's per-problem counts (not its completions) and each stage's training
metrics, a few hundred kB for a finding at cpu scale. Committed with the report, it outlives the stage
cache: the report can be written again from it, and its seeds pooled with a later run's (report/pool.py):

    interplay report runs/f1_s2 results/f1_edge_of_competence/run.json --out runs/f1_pooled
"""

from __future__ import annotations

import json
from pathlib import Path

from interplay.errors import UserError
from interplay.jsonl import atomic_write_text
from interplay.report.analysis import EvalTable
from interplay.report.rundata import RunData

FORMAT = "interplay-run/1"


def archive(run: RunData) -> dict:
    """The run as plain data: what `ArchivedRun` reads back."""
    finished = run.records
    return {
        "format": FORMAT,
        "plan": run.plan,
        "records": finished,
        "probes": run.probes,
        "evals": {key: run.eval_table(key).to_dict() for key, record in finished.items() if record["kind"] == "eval"},
        "metrics": {key: rows for key in finished if (rows := run.metrics(key))},
    }


def write_archive(run: RunData, path: Path) -> Path:
    # One line per top-level entry would still be one huge line per table: compact JSON, diffable enough.
    atomic_write_text(path, json.dumps(archive(run), separators=(",", ":")) + "\n")
    return path


class ArchivedRun(RunData):
    """A run read from its run.json; its report goes beside the file."""

    def __init__(self, path: str | Path):
        path = Path(path)
        try:
            data = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise UserError(f"{path}: not a run archive ({error})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise UserError(f"{path}: not a run archive (no \"format\": \"{FORMAT}\"; `interplay report` writes one)")
        self._probes, self._evals, self._metrics = data["probes"], data["evals"], data["metrics"]
        self._hold(data["plan"], data["records"], report_dir=path.parent)

    def _read_eval_table(self, key: str) -> EvalTable:
        return EvalTable.from_dict(self._evals[key])

    def probe(self, key: str) -> dict:
        return self._probes[key]

    def metrics(self, key: str) -> list[dict]:
        return self._metrics.get(key, [])
