"""metrics.jsonl: one JSON object per logged step, appended; cut back to the checkpoint on resume."""

from __future__ import annotations

import json
from pathlib import Path

from interplay.jsonl import atomic_write_text


def append_metrics(path: Path, row: dict) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\n")


def truncate_metrics(path: Path, step: int) -> None:
    """On resume, forget rows logged after the checkpoint: the resumed run logs them again."""
    if path.exists():
        rows = [line for line in path.read_text().splitlines() if line and json.loads(line).get("step", 0) <= step]
        atomic_write_text(path, "".join(row + "\n" for row in rows))
