"""The real `interplay` CLI: generate, stats, tokenizer, and one-line errors with exit code 2."""

import json
import subprocess
import sys

import pytest


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "interplay.cli", *args], capture_output=True, text=True, cwd=cwd)


def test_generate_stats_and_exclude(tmp_path):
    test = tmp_path / "test.jsonl"
    result = run("generate", "--ops", "2-4", "--contexts", "zoo=0.5,teachers=0.5", "--n", "60", "--seed", "1",
                 "--out", str(test))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in test.read_text().splitlines()]
    assert len(records) == 60 and {r["op"] for r in records} <= {2, 3, 4}
    train = tmp_path / "train.jsonl"
    result = run("generate", "--ops", "2-4", "--contexts", "zoo=0.5,teachers=0.5", "--n", "300", "--seed", "2",
                 "--out", str(train), "--exclude", str(test), "--format", "compact", "--modulus", "23",
                 "--mode", "forward=0.5,reverse=0.5")
    assert result.returncode == 0, result.stderr
    train_ids = {json.loads(line)["id"] for line in train.read_text().splitlines()}
    assert len(train_ids) == 300 and not train_ids & {r["id"] for r in records}
    stats = run("stats", str(train))
    assert stats.returncode == 0 and "records: 300" in stats.stdout and "unknown tokens: 0" in stats.stdout
    modes = [json.loads(line)["mode"] for line in train.read_text().splitlines()]
    assert f"modes: forward {modes.count('forward')}, reverse {modes.count('reverse')}" in stats.stdout
    assert 0 < modes.count("reverse") < 300


def test_user_lexicon_and_tokenizer(tmp_path):
    lexicon = tmp_path / "garden.toml"
    lexicon.write_text('name = "garden"\nentities = [["North Garden", "South Garden"]]\n'
                       'items = [["rose bush", "tulip", "fern"]]\naggregate = "total number of plants"\n')
    out = tmp_path / "garden.jsonl"
    result = run("generate", "--lexicon", str(lexicon), "--contexts", "garden", "--n-locations", "2", "--n-items", "3",
                 "--ops", "3", "--n", "20", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "Garden" in out.read_text()
    # Worker processes know the user's context too (forked after the lexicon was registered).
    parallel = tmp_path / "garden_parallel.jsonl"
    result = run("generate", "--lexicon", str(lexicon), "--contexts", "garden", "--n-locations", "2", "--n-items", "3",
                 "--ops", "3", "--n", "20", "--out", str(parallel), "--workers", "2")
    assert result.returncode == 0, result.stderr
    assert parallel.read_text() == out.read_text()
    result = run("tokenizer", "--lexicon", str(lexicon), "--out", str(tmp_path / "tokenizer.json"))
    assert result.returncode == 0 and "tulip" in (tmp_path / "tokenizer.json").read_text()


@pytest.mark.parametrize("args, message", [
    (["--contexts", "mars"], "unknown context 'mars'"),
    (["--contexts", "zoo=heavy"], "bad weight"),
    (["--ops", "9-3"], "empty op range"),
    (["--lexicon", "LEXICON"], "not valid TOML"),
    (["--exclude", "/nonexistent.jsonl"], "file not found"),
    (["--mode", "sideways"], "unknown mode 'sideways'"),
    (["--mode", "forward=0.5,reverse=lots"], "bad weight"),
    (["--mode", "reverse=0"], "weight must be a positive number"),
    (["--workers", "0"], "--workers must be at least 1"),
])
def test_user_errors_are_one_line_with_exit_code_2(tmp_path, args, message):
    bad = tmp_path / "bad.toml"
    bad.write_text("name = = 'x'")
    args = [str(bad) if a == "LEXICON" else a for a in args]
    out = tmp_path / "out.jsonl"
    result = run("generate", "--n", "5", "--out", str(out), *args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    assert not out.exists()


def test_verify_reads_every_line_and_reports_bad_ones(tmp_path):
    from interplay.world.mixture import MixtureSpec, problem_at

    record = problem_at(MixtureSpec.parse(ops="5"), 0, 0)
    completion = f"{record['solution']} </solution> <answer> {record['answer']} </answer>"  # as a model writes it
    lines = [
        json.dumps({"prediction": completion, "gold": record}),
        "this is not json",
        json.dumps({"prediction": "Answer: 3.", "gold_solution": record["solution"], "gold_answer": record["answer"]}),
        json.dumps({"gold": record}),
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out.jsonl"
    result = run("verify", "--in", str(source), "--out", str(out), "--reward", "mixed-gated:0.5,0.5")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 4
    assert rows[0]["strict_correct"] and rows[0]["reward"] == 1.0 and rows[0]["nodes"]
    assert set(rows[0]["rewards"]) >= {"outcome", "strict", "mixed:0.2,0.8", "process-paper", "strict-paper",
                                       "mixed-paper:0.2,0.8", "mixed-gated:0.5,0.5"}
    assert set(rows[0]["rewards"].values()) == {1.0}  # the gold solution earns every reward in full
    assert "error" in rows[1] and "error" in rows[3]
    assert rows[2]["missing"] == len(record["graph"]["nodes"]) and not rows[2]["strict_correct"]
    assert rows[2]["rewards"]["process-paper"] == 0.0 and rows[2]["rewards"]["outcome"] == 0.0
    bad = run("verify", "--in", str(source), "--reward", "nonsense")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    # Worker processes verify chunks (of 256 lines) and write them back in order: the same file.
    source.write_text("\n".join(lines * 150) + "\n")
    outputs = []
    for workers in ("1", "3"):
        result = run("verify", "--in", str(source), "--out", str(out), "--reward", "mixed-gated:0.5,0.5",
                     "--workers", workers)
        assert result.returncode == 0, result.stderr
        outputs.append(out.read_text())
    assert outputs[0] == outputs[1] and len(outputs[0].splitlines()) == 600
    piped = subprocess.run([sys.executable, "-m", "interplay.cli", "verify", "--reward", "mixed-gated:0.5,0.5"],
                           input=source.read_text(), capture_output=True, text=True)
    assert piped.returncode == 0 and piped.stdout == outputs[0]
    bad = run("verify", "--in", str(source), "--workers", "0")
    assert bad.returncode == 2 and "--workers must be at least 1" in bad.stderr


def test_commands_that_need_no_model_import_no_torch(tmp_path):
    """`--help`, generate, stats and tokenizer stay fast: parsing the CLI must not pull in torch."""
    data = tmp_path / "g.jsonl"
    script = (
        "import sys; from interplay.cli import main; "
        f"main(['generate', '--ops', '2-3', '--n', '5', '--out', {str(data)!r}]); "
        f"main(['stats', {str(data)!r}]); "
        f"main(['tokenizer', '--out', {str(tmp_path / 'tok.json')!r}]); "
        "print('torch' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_building_every_commands_parser_imports_no_torch():
    """Every stage module is imported to build the parser of a non-light command (`interplay report --help`):
    none of them may import torch at its top, which costs ~2 s of start-up to every command."""
    script = "import sys; from interplay.cli import build_parser; build_parser('report'); print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "False"
