"""Verifications per second of op-10 solutions on one core: parse + compare, paper format.

    python benchmarks/verify.py [--n 3000]

The obvious alternative is the paper's own checker, which eval()s model text and cannot run on
untrusted output; so the figure is printed against the target of 5,000/s, and for scale against
outcome-only checking (regex for the answer), the cheapest verifier there is, and against our
re-implementation of the paper's reading (verify/paper.py). Reverse (equation) solutions, whose
steps are linear forms, are timed beside forward ones (target: within 2x). The last row times
the real CLI on 2,053 lines (`interplay verify`, start-up, JSON in and out and every registered
reward included; target 2,000 lines/s), on one core and with its default worker processes.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from interplay.train.precision import cpu_description
from interplay.verify.compare import gold_from_record, verify
from interplay.verify.paper import paper_compare, paper_gold_from_record, read_paper
from interplay.verify.parse import extract_answer
from interplay.world.mixture import MixtureSpec, problem_at

TARGET = 5000.0
CLI_TARGET = 2000.0
CLI_LINES = 2053


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000)
    args = parser.parse_args()
    print(f"# on {cpu_description()}")
    rates = {}
    for fmt in ("paper", "compact"):
        spec = MixtureSpec.parse(ops="10", contexts="zoo,teachers,movies", format=fmt)
        records = [problem_at(spec, 0, i) for i in range(args.n)]
        golds = [gold_from_record(r) for r in records]
        start = time.perf_counter()
        assert all(verify(r["solution"], g).strict_correct for r, g in zip(records, golds))
        rates[fmt] = args.n / (time.perf_counter() - start)
        start = time.perf_counter()
        for r in records:
            extract_answer(r["solution"])
        answer_only = args.n / (time.perf_counter() - start)
        start = time.perf_counter()
        for r in records:
            paper_compare(paper_gold_from_record(r), read_paper.__wrapped__(r["solution"]))
        paper_reading = args.n / (time.perf_counter() - start)
        print(f"{fmt:>8}: {rates[fmt]:8.0f} verifications/s ({rates[fmt] / TARGET:.2f}x target {TARGET:.0f}/s; "
              f"answer-only regex {answer_only:.0f}/s; the paper's reading {paper_reading:.0f}/s)")
        spec = MixtureSpec.parse(ops="10", contexts="zoo,teachers,movies", format=fmt, mode="reverse")
        reverse = [problem_at(spec, 0, i) for i in range(args.n)]
        golds = [gold_from_record(r) for r in reverse]
        start = time.perf_counter()
        assert all(verify(r["solution"], g).strict_correct for r, g in zip(reverse, golds))
        rate = args.n / (time.perf_counter() - start)
        print(f"{fmt:>8}: {rate:8.0f} verifications/s of reverse solutions ({rates[fmt] / rate:.2f}x slower "
              f"than forward; target <= 2x)")
    alone, every_core = _cli_rates()
    print(f"    cli: {alone:8.0f} lines/s through `interplay verify --workers 1` on {CLI_LINES:,} paper-format lines "
          f"of ops 2-20, {every_core:.0f}/s with the default workers "
          f"({every_core / alone:.2f}x; target {CLI_TARGET:.0f}/s)")
    print(f"ratio={rates['paper'] / TARGET:.2f}")


def _cli_rates() -> tuple[float, float]:
    """Lines per second of `interplay verify` on one core and with its default workers."""
    spec = MixtureSpec.parse(ops="2-20", contexts="zoo,teachers,movies", format="paper")
    with tempfile.TemporaryDirectory() as scratch:
        lines = os.path.join(scratch, "predictions.jsonl")
        with open(lines, "w", encoding="utf-8") as handle:
            for index in range(CLI_LINES):
                record = problem_at(spec, 1, index)
                handle.write(json.dumps({"prediction": record["solution"], "gold": record}) + "\n")
        rates = []
        for options in (["--workers", "1"], []):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "interplay.cli", "verify", "--in", lines, "--out",
                            os.path.join(scratch, "verified.jsonl"), *options], check=True, capture_output=True)
            rates.append(CLI_LINES / (time.perf_counter() - start))
        return rates[0], rates[1]


if __name__ == "__main__":
    main()
