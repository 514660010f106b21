"""`interplay export`: problems as the RL engines read them, in verl's or TRL's dataset schema.

    interplay export --schema verl --in train.jsonl --out data/train.parquet      # verl's data.train_files
    interplay export --schema trl --ops 2-4 --n 5000 --out data/trl               # datasets.load_from_disk

The prompt is exactly the text `interplay rl` samples from (render.prompt_text). The gold travels as the
problem record's JSON, which is what interplay's reward adapters read: verl's `compute_score` gets it
as `reward_model.ground_truth`, TRL's reward function as the `gold` column. verl's prompt is a chat
(one user message), as its RLHFDataset expects; the checkpoint's chat template writes the message as
it is, so the ids are the same as for the plain prompt. An --out ending in .parquet is one parquet
file; any other path is a `datasets` directory (`save_to_disk`). Either is written whole or not at all.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from interplay.errors import UserError
from interplay.jsonl import publish
from interplay.world.render import prompt_text

DATA_SOURCE = "interplay"  # verl routes a row to its reward function by data_source


def _identity(record: dict) -> dict:
    """What a row keeps of its problem beside the gold, to slice results by: id, op, context, mode."""
    return {"id": record["id"], "op": record["op"], "context": record["context"], "mode": record.get("mode", "forward")}


def verl_row(record: dict, index: int, split: str, reward: str | None) -> dict:
    """verl's RL dataset row: data_source, prompt (chat), ability, reward_model, extra_info."""
    extra = {"split": split, "index": index, **_identity(record)}
    if reward is not None:
        extra["reward"] = reward
    return {"data_source": DATA_SOURCE, "prompt": [{"role": "user", "content": prompt_text(record)}],
            "ability": "math", "reward_model": {"style": "rule", "ground_truth": json.dumps(record)},
            "extra_info": extra}


def trl_row(record: dict, index: int, split: str, reward: str | None) -> dict:
    """TRL's GRPO row: a standard (not chat) `prompt` and the columns interplay's reward reads (`gold`)."""
    return {"prompt": prompt_text(record), "gold": json.dumps(record), **_identity(record)}


SCHEMAS: dict[str, Callable[[dict, int, str, str | None], dict]] = {"verl": verl_row, "trl": trl_row}


def export_rows(records: Iterable[dict], schema: str, split: str = "train", reward: str | None = None) -> list[dict]:
    if schema not in SCHEMAS:
        raise UserError(f"unknown schema '{schema}' (known: {', '.join(SCHEMAS)})")
    if reward is not None:
        from interplay.verify.rewards import get_reward

        get_reward(reward)  # an unknown name fails here, not in the engine hours later
    row, rows = SCHEMAS[schema], []
    for index, record in enumerate(records):
        try:
            rows.append(row(record, index, split, reward))
        except KeyError as error:
            raise UserError(f"problem {index + 1}: not an interplay problem record (no {error.args[0]!r})") from None
    return rows


def write_dataset(rows: list[dict], out: str | Path) -> None:
    """One parquet file (out ends in .parquet) or a `datasets` directory, atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = Path(out)
    table = pa.Table.from_pylist(rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".parquet":
        handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
        os.close(handle)
        try:
            pq.write_table(table, temporary)
            publish(temporary, out)
        finally:
            Path(temporary).unlink(missing_ok=True)
        return
    from datasets import Dataset, disable_progress_bars

    if out.exists() and not (out / "state.json").is_file():
        raise UserError(f"--out {out}: exists and is not a datasets directory (left as it is)")
    disable_progress_bars()
    temporary = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
    previous = out.with_name(f".{out.name}.previous")
    try:
        Dataset(table).save_to_disk(str(temporary))
        if out.exists():  # set aside, not deleted, until the new one is in place
            os.replace(out, previous)
        publish(temporary, out)
    except BaseException:
        if previous.exists() and not out.exists():  # the new one never arrived: the old one goes back
            os.replace(previous, out)
        raise
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
        shutil.rmtree(previous, ignore_errors=True)


def add_parser(commands) -> None:
    from interplay.config import add_world_options

    parser = commands.add_parser("export", help="problems as a verl or TRL dataset (parquet or datasets directory)")
    parser.add_argument("--schema", choices=list(SCHEMAS), required=True)
    parser.add_argument("--out", required=True, help="FILE.parquet, or a directory for datasets.load_from_disk")
    parser.add_argument("--in", dest="source", metavar="FILE", help="problems of this JSONL file (else generated)")
    parser.add_argument("--n", type=int, help="number of problems to generate (without --in)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--split", default="train", help="verl's extra_info.split")
    parser.add_argument("--reward", help="verl: the reward name written into extra_info (e.g. strict)")
    add_world_options(parser)
    parser.set_defaults(handler=_run)


def _run(args) -> None:
    if (args.source is None) == (args.n is None):
        raise UserError("give either --in FILE or --n N (problems generated from the world options)")
    if args.source is not None:
        from interplay.jsonl import iter_jsonl

        records = iter_jsonl(args.source)
    else:
        from interplay.config import data_config_from_args
        from interplay.world.mixture import generate

        if args.n < 1:
            raise UserError(f"--n must be at least 1, got {args.n}")
        records = generate(data_config_from_args(args).spec(), args.seed, args.n, workers=None)
    rows = export_rows(records, args.schema, args.split, args.reward)
    if not rows:
        raise UserError(f"{args.source}: no problems")
    write_dataset(rows, args.out)
    print(f"wrote {len(rows)} {args.schema} rows to {args.out}", file=sys.stderr)
