"""JSONL reading and atomic writing, shared by every stage that exchanges records."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from interplay.errors import UserError


def iter_jsonl(path: str | Path) -> Iterator[dict]:
    """Objects of a JSONL file; a missing file or a bad line is a UserError naming the line."""
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"file not found: {path}") from None
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as error:
                raise UserError(f"{path}:{number}: not valid JSON ({error.msg})") from None
            if not isinstance(value, dict):
                raise UserError(f"{path}:{number}: expected a JSON object")
            yield value


def read_jsonl(path: str | Path) -> list[dict]:
    return list(iter_jsonl(path))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def publish(temporary: str | Path, path: str | Path) -> None:
    """Rename a finished temporary file or directory onto `path`, with the permissions a plain open()
    or mkdir() would have given it (mkstemp and mkdtemp make them private to their owner)."""
    mode = 0o777 if Path(temporary).is_dir() else 0o666
    os.chmod(temporary, mode & ~_umask())
    os.replace(temporary, path)


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write to a temporary file beside `path`, then rename: readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        publish(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_jsonl(path: str | Path, records: Iterable[dict]) -> None:
    atomic_write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
