"""metrics.jsonl, the source of truth of a run, and the trackers users watch it in (TensorBoard, W&B).

    log = MetricsLog(out, log_to=["tensorboard"], step=resumed_step, config=to_toml(config))
    log.write({"step": 10, "loss": 2.3, "solution_nll_by_op": {"2": 0.4}})
    log.close()

Each row is appended to metrics.jsonl; on resume the rows after the checkpoint are cut, since the
resumed run logs them again. A tracker gets the same numbers, nested ones flattened
("solution_nll_by_op/2"), at the row's step; TensorBoard purges its events past the resume step for
the same reason. Trackers are off by default and imported only when asked for.
"""

from __future__ import annotations

import json
from pathlib import Path

from interplay.errors import UserError
from interplay.jsonl import atomic_write_text


def append_metrics(path: Path, row: dict) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\n")


def truncate_metrics(path: Path, step: int) -> None:
    """On resume, forget rows logged after the checkpoint: the resumed run logs them again."""
    if path.exists():
        rows = [line for line in path.read_text().splitlines() if line and json.loads(line).get("step", 0) <= step]
        atomic_write_text(path, "".join(row + "\n" for row in rows))


def scalars(row: dict, prefix: str = "") -> dict[str, float]:
    """A row's numbers by flat name: {"a": {"2": 0.5}} -> {"a/2": 0.5}; the step and non-numbers left out."""
    flat = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(scalars(value, name + "/"))
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and name != "step":
            flat[name] = float(value)
    return flat


class _TensorBoard:
    def __init__(self, out: Path, step: int, config: str):
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            raise UserError("log_to 'tensorboard' needs the tensorboard package (pip install tensorboard)") from None
        # Events past the checkpoint are purged: the resumed run writes them again, as in metrics.jsonl.
        self.writer = SummaryWriter(log_dir=str(out / "tensorboard"), purge_step=step + 1 if step else None)
        if not step:
            self.writer.add_text("config", f"```\n{config}\n```")

    def write(self, step: int, values: dict[str, float]) -> None:
        for name, value in values.items():
            self.writer.add_scalar(name, value, step)

    def close(self) -> None:
        self.writer.close()


class _WandB:
    def __init__(self, out: Path, step: int, config: str):
        try:
            import wandb
        except ImportError:
            raise UserError("log_to 'wandb' needs the wandb package (pip install wandb)") from None
        run_id = out / "wandb_id"  # one W&B run per output directory, resumed with it
        if not run_id.exists():
            atomic_write_text(run_id, wandb.util.generate_id())
        self.run = wandb.init(project="interplay", name=out.resolve().name, dir=str(out), id=run_id.read_text(),
                              resume="allow", config={"toml": config})

    def write(self, step: int, values: dict[str, float]) -> None:
        self.run.log(values, step=step)

    def close(self) -> None:
        self.run.finish()


TRACKER_KINDS = {"tensorboard": _TensorBoard, "wandb": _WandB}  # config.TRACKERS names the same


class MetricsLog:
    """Rows to metrics.jsonl and to each tracker of `log_to`; on the main rank only."""

    def __init__(self, out: Path, log_to: list[str], step: int = 0, config: str = ""):
        self.path = out / "metrics.jsonl"
        truncate_metrics(self.path, step)
        unknown = sorted(set(log_to) - set(TRACKER_KINDS))
        if unknown:
            raise UserError(f"log_to: unknown tracker '{unknown[0]}' (known: {', '.join(TRACKER_KINDS)})")
        self.trackers = [TRACKER_KINDS[name](out, step, config) for name in dict.fromkeys(log_to)]

    def write(self, row: dict) -> None:
        append_metrics(self.path, row)
        values = scalars(row)
        for tracker in self.trackers:
            tracker.write(row["step"], values)

    def close(self) -> None:
        for tracker in self.trackers:
            tracker.close()
