"""Verifications per second of op-10 solutions on one core: parse + compare, paper format.

    python benchmarks/verify.py [--n 3000]

The obvious alternative is the paper's own checker, which eval()s model text and cannot run on
untrusted output; so the figure is printed against the target of 5,000/s, and for scale against
outcome-only checking (regex for the answer), the cheapest verifier there is.
"""

import argparse
import time

from interplay.verify.compare import gold_from_record, verify
from interplay.verify.parse import extract_answer
from interplay.world.mixture import MixtureSpec, problem_at

TARGET = 5000.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000)
    args = parser.parse_args()
    rates = {}
    for fmt in ("paper", "compact"):
        records = [problem_at(MixtureSpec.parse(ops="10", contexts="zoo,teachers,movies", format=fmt), 0, i) for i in range(args.n)]
        golds = [gold_from_record(r) for r in records]
        start = time.perf_counter()
        assert all(verify(r["solution"], g).strict_correct for r, g in zip(records, golds))
        rates[fmt] = args.n / (time.perf_counter() - start)
        start = time.perf_counter()
        for r in records:
            extract_answer(r["solution"])
        answer_only = args.n / (time.perf_counter() - start)
        print(f"{fmt:>8}: {rates[fmt]:8.0f} verifications/s ({rates[fmt] / TARGET:.2f}x target {TARGET:.0f}/s; "
              f"answer-only regex {answer_only:.0f}/s)")
    print(f"ratio={rates['paper'] / TARGET:.2f}")


if __name__ == "__main__":
    main()
