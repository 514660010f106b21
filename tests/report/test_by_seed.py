"""Each seed of a run alone beside the seeds pooled: a seed's column is its own section (run on that seed's
stages and those the seeds share), a claim a seed's section lacks reads n/a, and a run of one seed has no table."""

from pathlib import Path

from interplay.bootstrap import Estimate
from interplay.report.by_seed import by_seed_table, seed_sections
from interplay.report.claims import Check, Section
from interplay.report.pool import open_runs

from test_pool import two_seed_run  # a run of two seeds that share a test set


def section(*checks: Check) -> Section:
    return Section("title", "paper", checks=list(checks))


def widens(value: float, low: float, high: float) -> Check:
    return Check("RL widens", "increase", Estimate(value, low, high, 10, 1), paper=0.4)


def test_each_seed_is_its_own_section_on_its_stages_and_the_shared_ones(tmp_path):
    run = open_runs([two_seed_run(tmp_path)])
    seen = {}

    def section_of(one_seed, out: Path) -> Section:
        seen[tuple(one_seed.plan["seeds"])] = sorted(one_seed.records)
        assert out.is_dir()
        return section()

    assert list(seed_sections(run, section_of)) == [0, 1]
    assert seen == {(0,): ["eval[rl[seed=0]]", "rl[seed=0]", "test"], (1,): ["eval[rl[seed=1]]", "rl[seed=1]", "test"]}
    assert seed_sections(open_runs([two_seed_run(tmp_path)], seeds=[1]), section_of) == {}


def test_the_table_sets_each_seeds_outcome_beside_the_pooled_one():
    pooled = section(widens(0.06, -0.003, 0.11), Check("RL on hard", "no_gain", None, main=False))
    alone = {0: section(widens(0.03, -0.02, 0.08)), 1: section(widens(0.08, 0.035, 0.12))}
    caption, header, rows = by_seed_table(pooled, alone)
    assert header == ["claim", "main", "seed 0", "seed 1", "pooled"]
    assert rows[0] == ["RL widens", "yes", "0.030 [-0.020, 0.080]: fails",  # rules out half the paper's +0.4
                       "0.080 [0.035, 0.120]: holds, smaller than the paper's", "0.060 [-0.003, 0.110]: fails"]
    assert rows[1] == ["RL on hard", "no", "n/a", "n/a", "n/a"]  # no seed measured it, nor the pool
    assert rows[2] == ["verdict", "", "not reproduced", "reproduced", "not reproduced"]
    assert by_seed_table(pooled, {}) is None
