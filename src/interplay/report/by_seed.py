"""Each seed of a run reported alone, beside the seeds pooled: whether the seeds agree.

A pooled interval covers problems and seeds, so seeds that disagree (RL that widens on one pre-training seed's
base and sharpens on another's) widen it and the pooled line alone cannot say why; this table can. A seed's
column is exactly its report alone (`interplay report RUN --seeds S --out DIR`): its own probe's regimes, its
intervals over its problems, its verdict by the same rule.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from interplay.report.claims import Check, Section
from interplay.report.pool import SeedSubset
from interplay.report.rundata import RunData


def seed_sections(run: RunData, section_of: Callable[[RunData, Path], Section]) -> dict[int, Section]:
    """Each seed's section of the finding, run on that seed alone; {} for a run of one seed."""
    seeds = [int(seed) for seed in run.plan.get("seeds", [])]
    if len(seeds) < 2:
        return {}
    with tempfile.TemporaryDirectory() as scratch:  # a seed's figures: the pooled report draws its own
        return {seed: section_of(SeedSubset(run, [seed]), Path(scratch)) for seed in seeds}


def by_seed_table(pooled: Section, alone: dict[int, Section]) -> tuple[str, list[str], list[list[str]]] | None:
    """Every claim's estimate and outcome per seed and pooled, and each column's verdict; None without seeds."""
    if not alone:
        return None
    rows = [[check.claim, "yes" if check.main else "no"]
            + [_cell(_same_claim(section, check)) for section in alone.values()] + [_cell(check)]
            for check in pooled.checks]
    rows.append(["verdict", ""] + [section.verdict() for section in alone.values()] + [pooled.verdict()])
    caption = ("Claims by seed: each seed alone (regimes by its base's probe, intervals over its problems), beside the "
               "seeds pooled. Seeds that disagree widen the pooled interval; here it shows which way each went.")
    return caption, ["claim", "main"] + [f"seed {seed}" for seed in alone] + ["pooled"], rows


def _same_claim(section: Section, check: Check) -> Check | None:
    return next((c for c in section.checks if c.claim == check.claim), None)


def _cell(check: Check | None) -> str:
    if check is None or check.estimate is None:
        return "n/a"
    return f"{check.estimate.text()}: {check.outcome_text()}"
