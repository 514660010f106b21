"""`interplay export`: verl and TRL rows the engines read, the exact RL prompt, one-line errors, nothing partial."""

import json
import subprocess
import sys

import pytest

from interplay.export import export_rows, write_dataset
from interplay.jsonl import write_jsonl
from interplay.verify.rewards import compute_score
from interplay.world.mixture import MixtureSpec, generate
from interplay.world.render import prompt_text, training_text

datasets = pytest.importorskip("datasets")
RECORDS = generate(MixtureSpec.parse(ops="2-4", contexts="zoo,movies", mode="forward=0.5,reverse=0.5"), 5, 12)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "interplay.cli", "export", *map(str, args)], capture_output=True,
                          text=True)


def test_verl_parquet_holds_the_rl_prompt_and_a_gold_its_reward_reads(tmp_path):
    write_dataset(export_rows(RECORDS, "verl", split="test", reward="strict"), tmp_path / "test.parquet")
    rows = datasets.load_dataset("parquet", data_files=str(tmp_path / "test.parquet"), split="train")
    assert len(rows) == len(RECORDS)
    for index, (row, record) in enumerate(zip(rows, RECORDS)):
        assert row["data_source"] == "interplay" and row["ability"] == "math"
        assert row["prompt"] == [{"role": "user", "content": prompt_text(record)}]
        assert row["reward_model"]["style"] == "rule" and json.loads(row["reward_model"]["ground_truth"]) == record
        assert row["extra_info"] == {"split": "test", "index": index, "id": record["id"], "op": record["op"],
                                     "context": record["context"], "mode": record["mode"], "reward": "strict"}
        gold = training_text(record)[len(prompt_text(record)):]
        score = compute_score(row["data_source"], gold, row["reward_model"]["ground_truth"], row["extra_info"])
        assert score["score"] == 1.0 and score["strict"] == 1.0


def test_trl_dataset_directory_holds_prompts_and_gold_columns(tmp_path):
    write_dataset(export_rows(RECORDS, "trl"), tmp_path / "trl")
    rows = datasets.load_from_disk(str(tmp_path / "trl"))
    assert rows.column_names == ["prompt", "gold", "id", "op", "context", "mode"]
    assert rows["prompt"] == [prompt_text(r) for r in RECORDS]
    assert [json.loads(g) for g in rows["gold"]] == RECORDS


def test_the_cli_exports_a_file_or_a_generated_world(tmp_path):
    write_jsonl(tmp_path / "problems.jsonl", RECORDS)
    result = _cli("--schema", "verl", "--in", tmp_path / "problems.jsonl", "--out", tmp_path / "a.parquet")
    assert result.returncode == 0
    generated = _cli("--schema", "trl", "--n", 12, "--seed", 5, "--ops", "2-4", "--contexts", "zoo,movies",
                     "--mode", "forward=0.5,reverse=0.5", "--out", tmp_path / "b")
    assert generated.returncode == 0, generated.stderr
    assert [json.loads(g) for g in datasets.load_from_disk(str(tmp_path / "b"))["gold"]] == RECORDS
    again = _cli("--schema", "trl", "--in", tmp_path / "problems.jsonl", "--out", tmp_path / "b")  # replaces its own
    assert again.returncode == 0 and len(datasets.load_from_disk(str(tmp_path / "b"))) == len(RECORDS)


@pytest.mark.parametrize("content, message", [
    (None, "file not found"),
    (json.dumps(RECORDS[0]) + "\nnot json\n", "problems.jsonl:2: not valid JSON"),
    ('{"id": "x"}\n', "not an interplay problem record (no 'op')"),
])
def test_bad_input_is_one_error_line_and_no_output(tmp_path, content, message):
    source = tmp_path / "problems.jsonl"
    if content is not None:
        source.write_text(content)
    result = _cli("--schema", "verl", "--in", source, "--out", tmp_path / "out.parquet")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ([] if content is None else ["problems.jsonl"])


def test_a_directory_that_is_not_a_dataset_is_left_alone(tmp_path):
    write_jsonl(tmp_path / "problems.jsonl", RECORDS)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    result = _cli("--schema", "trl", "--in", tmp_path / "problems.jsonl", "--out", tmp_path / "mine")
    assert result.returncode == 2 and "is not a datasets directory" in result.stderr
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["notes.txt"]
