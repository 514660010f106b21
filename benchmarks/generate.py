"""Problems per second of the generator on one core, ops 2-20 uniform, in both formats and modes.

    python benchmarks/generate.py [--n 5000]

Generation includes graph sampling, rendering, the content hash and JSON serialisation, i.e.
everything `interplay generate` does per record except de-duplication. Target: >= 2,000/s
(the paper's generator takes up to ~0.5 s per accepted problem, i.e. ~2/s), and reverse (equation)
problems at >= 50% of forward speed. The last rows time the real CLI (`interplay generate --n
20000`, start-up, de-duplication and the atomic write included), on one core and with its default
worker processes (one per core).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

from interplay.train.precision import cpu_description  # noqa: E402
from interplay.world.mixture import MixtureSpec, problem_at  # noqa: E402

TARGET = 2000.0
PAPER_GENERATOR = 2.0  # problems/s, from the paper's own reported cost (~0.5 s per accepted problem)


def measure(spec: MixtureSpec, n: int) -> float:
    start = time.perf_counter()
    for index in range(n):
        json.dumps(problem_at(spec, 0, index), ensure_ascii=False)
    return n / (time.perf_counter() - start)


def time_cli(fmt: str, options: list[str]) -> float:
    """Problems per second of the real CLI, start-up, de-duplication and the atomic write included."""
    with tempfile.TemporaryDirectory() as scratch:
        command = [sys.executable, "-m", "interplay.cli", "generate", "--ops", "2-20", "--n", "20000",
                   "--format", fmt, "--out", os.path.join(scratch, "problems.jsonl"), *options]
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        return 20000 / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    args = parser.parse_args()
    print(f"# on {cpu_description()}")
    rates = {}
    for fmt in ("paper", "compact"):
        spec = MixtureSpec.parse(ops="2-20", contexts="zoo,teachers,movies", format=fmt)
        measure(spec, 200)  # warm-up
        rates[fmt] = measure(spec, args.n)
        print(f"{fmt:>8}: {rates[fmt]:8.0f} problems/s  ({rates[fmt] / TARGET:.2f}x target {TARGET:.0f}/s, "
              f"{rates[fmt] / PAPER_GENERATOR:.0f}x the paper generator's ~{PAPER_GENERATOR:.0f}/s)")
    for fmt in ("paper", "compact"):
        spec = MixtureSpec.parse(ops="2-20", contexts="zoo,teachers,movies", format=fmt, mode="reverse")
        reverse = measure(spec, args.n)
        print(f"{fmt:>8}: {reverse:8.0f} problems/s in reverse mode "
              f"({reverse / rates[fmt]:.2f}x forward, target >= 0.5x)")
    for fmt in ("paper", "compact"):
        alone = time_cli(fmt, ["--workers", "1"])
        every_core = time_cli(fmt, [])
        print(f"{fmt:>8}: {alone:8.0f} problems/s through `interplay generate --n 20000 --workers 1`, "
              f"{every_core:.0f}/s with the default workers "
              f"({every_core / alone:.2f}x; {every_core / TARGET:.2f}x target)")
    print(f"ratio={rates['paper'] / TARGET:.2f}")


if __name__ == "__main__":
    main()
