"""`interplay run` end to end: every shipped recipe at the tiny scale through the real CLI, the
stage cache (shared bases, a second run that does nothing), failures that keep finished stages."""

import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from interplay.errors import StopRequested
from interplay.experiments.recipe import Recipe
from interplay.experiments.runner import EARLIER_RUNS_FILE, STAGE_FILE, Run, variant_order
from interplay.report.claims import NO_GAIN_MARGIN, PAPER_SHARE
from interplay.train.precision import cpu_description
from interplay.world.mixture import parse_ops

pytestmark = pytest.mark.slow

RECIPES = Path(__file__).resolve().parents[2] / "recipes"
FINDINGS = {"demo": "demo", "f1_edge_of_competence": "f1", "f2_context_exposure": "f2", "f3_midtrain_vs_rl": "f3",
            "f4_process_rewards": "f4"}


def interplay(*args):
    return subprocess.run([sys.executable, "-m", "interplay.cli", *map(str, args)], capture_output=True, text=True)


def plan_rows(stdout: str) -> tuple[list[str], str]:
    """A --dry-run's stage rows (between the header and the total) and its total row."""
    rows = stdout.splitlines()
    total = next(i for i, row in enumerate(rows) if row.startswith("total "))
    return rows[2:total], rows[total]


def outcome_by_rule(check: dict) -> str:
    """The report's written rule (findings.RULE), read independently of the code that applies it."""
    estimate = check["estimate"]
    if estimate is None:
        return "undecided"
    low, high = estimate["ci95"]
    if check["kind"] == "increase":
        if estimate["floor"]:
            return "undecided (both 0)"
        ruled_out = check["paper"] is not None and high < PAPER_SHARE * check["paper"]
        return "holds" if low > 0 else "fails" if high <= 0 or ruled_out else "undecided"
    return "holds" if high < NO_GAIN_MARGIN else "fails" if low > NO_GAIN_MARGIN else "undecided"


def smaller_by_rule(check: dict) -> bool:
    """An increase that holds with an interval ending below half the paper's difference: its direction reproduced,
    not its size."""
    return (check["kind"] == "increase" and check["outcome"] == "holds" and check["paper"] is not None
            and check["estimate"]["ci95"][1] < PAPER_SHARE * check["paper"])


def verdict_by_rule(checks: list[dict]) -> str:
    main = [check["outcome"] for check in checks if check["main"]]
    if main and all(outcome == "holds" for outcome in main):
        return "reproduced"
    return "not reproduced" if "fails" in main else "inconclusive"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every recipe at tiny scale, findings 1, 3 and 4 in one cache so they share their base."""
    root = tmp_path_factory.mktemp("runs")
    logs = {}
    for name in FINDINGS:
        result = interplay("run", RECIPES / f"{name}.toml", "--scale", "tiny", "--out", root / name,
                           "--cache", root / "cache")
        assert result.returncode == 0, result.stderr[-3000:]
        logs[name] = result.stderr
    return root, logs


@pytest.mark.parametrize("name", FINDINGS)
def test_every_recipe_runs_to_a_report(runs, name):
    root, _ = runs
    report = root / name / "report"
    verdict = json.loads((report / "verdict.json").read_text())
    assert verdict["finding"] == FINDINGS[name] and verdict["checks"]
    assert [check["outcome"] for check in verdict["checks"]] == [outcome_by_rule(c) for c in verdict["checks"]]
    assert verdict["verdict"] == verdict_by_rule(verdict["checks"])
    smaller = [check["smaller_than_paper"] for check in verdict["checks"]]
    assert smaller == [smaller_by_rule(check) for check in verdict["checks"]]
    assert bool(verdict["size_note"]) == (verdict["verdict"] == "reproduced"
                                          and any(s for s, c in zip(smaller, verdict["checks"]) if c["main"]))
    markdown = (report / "report.md").read_text()
    assert "Verdict:" in markdown and "Rule:" in markdown and "| claim |" in markdown
    assert f" min on {cpu_description()}, " in markdown  # the compute time names the machine it ran on
    page = (report / "report.html").read_text()
    assert page.count("data:image/png;base64,") >= 1 and "<img src=\"report" not in page  # figures inlined
    plan = json.loads((root / name / "plan.json").read_text())
    assert all(instance["record"] for instance in plan["instances"])  # every stage finished


# Injected into a copy of report.html: after load, what a reader would see, written onto <body>.
_BROWSER_PROBE = """<script>window.__errors = [];
addEventListener('error', e => __errors.push(String(e.message || (e.target && e.target.outerHTML.slice(0, 60)))), true);
addEventListener('load', () => {
  const images = [...document.images];
  document.body.dataset.check = JSON.stringify({
    images: images.length, drawn: images.filter(i => i.complete && i.naturalWidth > 0 && i.offsetWidth > 0).length,
    tables: document.querySelectorAll('table').length,
    visible_tables: [...document.querySelectorAll('table')].filter(t => t.offsetHeight > 0).length,
    verdict: (document.body.innerText.match(/Verdict: (.*?)\\./) || [])[1], errors: __errors});
});</script>"""


@pytest.mark.parametrize("name", FINDINGS)
def test_every_report_renders_in_a_browser(runs, name, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("no headless Chromium here (apt-get install chromium)")
    root, _ = runs
    page = (root / name / "report" / "report.html").read_text()
    probed = tmp_path / "report.html"
    probed.write_text(page.replace("<head>", "<head>" + _BROWSER_PROBE, 1))
    result = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000",
                             "--dump-dom", probed.as_uri()], capture_output=True, text=True, timeout=120)
    found = re.search(r'data-check="([^"]*)"', result.stdout)
    assert found, result.stderr[-2000:]
    check = json.loads(html.unescape(found.group(1)))
    verdict = json.loads((root / name / "report" / "verdict.json").read_text())["verdict"]
    assert check["images"] >= 1 and check["drawn"] == check["images"]  # every figure decodes and shows
    assert check["tables"] >= 2 and check["visible_tables"] == check["tables"]  # the results and the verdict's claims
    assert check["verdict"] == verdict and check["errors"] == []


def test_memory_does_not_grow_stage_after_stage(runs):
    """f2 runs 4 RL and 8 eval stages of the same shape in one process (none shared with another recipe).
    Resident memory after the last of a kind may not exceed that after the second by 16 MB: a leaked
    KV cache (~20 MB per eval at tiny scale), optimizer or model copy per stage would, 6 times over.
    The first of a kind is left out: it pays one-time allocations (measured on a Zen 4: +19 MB from
    the first eval to the second, then ~1 MB each; RL flat). Pre-training stages differ in data, so
    they are left out too."""
    root, _ = runs
    plan = json.loads((root / "f2_context_exposure" / "plan.json").read_text())
    records = [json.loads(Path(instance["record"]).read_text()) for instance in plan["instances"]]
    for kind in ("rl", "eval"):
        resident = [record["memory_mb"]["resident"] for record in records if record["kind"] == kind]
        assert len(resident) >= 4 and resident[-1] - resident[1] < 16, (kind, resident)


def test_f4_sets_the_base_beside_every_reward(runs):
    root, _ = runs
    report = root / "f4_process_rewards" / "report"
    text = (report / "report.md").read_text()
    assert "| base (no RL) |" in text
    assert "| reward | edge pass@1 | edge pass@" in text and "By op, strict pass@1 / pass@" in text
    claims = {check["claim"]: check for check in json.loads((report / "verdict.json").read_text())["checks"]}
    hacking = claims["outcome-only RL raises right-answer-wrong-reasoning samples over the base"]
    assert not hacking["main"]  # the paper claims it of no base: it explains, it does not decide


def test_f3_runs_its_control_from_the_base_and_reports_it_apart(runs):
    """heavy_no_mid is heavy's RL share with no mid-training: its RL starts from the base (the mid stage
    passes the base through) on heavy's RL budget, and its claims explain without deciding."""
    root, _ = runs
    plan = json.loads((root / "f3_midtrain_vs_rl" / "plan.json").read_text())
    records = {i["key"]: json.loads(Path(i["record"]).read_text()) for i in plan["instances"]}
    control, heavy = records["rl[seed=0,split=heavy_no_mid]"], records["rl[seed=0,split=heavy]"]
    passed = records["mid[seed=0,split=heavy_no_mid]"]["outputs"]
    assert passed["skipped"] and passed["model"] == records["base"]["outputs"]["model"]
    assert control["settings"]["rl.max_flops"] == heavy["settings"]["rl.max_flops"]
    report = root / "f3_midtrain_vs_rl" / "report"
    text = (report / "report.md").read_text()
    assert "| heavy_no_mid |" in text and "| base | - |" in text  # the base, evaluated, is every split's reference
    checks = json.loads((report / "verdict.json").read_text())["checks"]
    control_claims = [check for check in checks if "heavy_no_mid" in check["claim"]]
    assert len(control_claims) == 2 and not any(check["main"] for check in control_claims)
    main = [re.sub(r"pass@\d+", "pass@k", check["claim"]) for check in checks if check["main"]]
    assert main == ["edge pass@k: mid-training + light RL beats all RL",
                    "hard pass@k: mid-training + heavy RL beats all RL"]


def test_findings_that_share_a_base_train_it_once(runs):
    _, logs = runs
    assert "base[seed=0]: running" in logs["f1_edge_of_competence"]  # f1's base is per seed; seed 0 is the shared one
    assert "base: cached" in logs["f3_midtrain_vs_rl"] and "base: cached" in logs["f4_process_rewards"]
    assert "probe: cached" in logs["f4_process_rewards"]


def test_equal_stages_of_two_recipes_are_run_once(runs):
    """F4's strict arm is F1's seed-0 edge RL: the same base, probe and settings under other instance keys
    (F1's probe is `probe[seed=0]`, F4's `probe`). F4 finds the arm's RL and both its evaluations cached."""
    root, logs = runs
    directory = {}
    for name in ("f1_edge_of_competence", "f4_process_rewards"):
        for instance in json.loads((root / name / "plan.json").read_text())["instances"]:
            directory[instance["key"]] = Path(instance["record"]).parent
    for stage in ("rl[", "eval[model=rl,", "hard_eval[model=rl,"):
        f1_key, f4_key = stage + "rl=edge,seed=0]", stage + "reward=strict,seed=0]"
        assert directory[f1_key] == directory[f4_key], stage
        assert f"{f1_key}: running" in logs["f1_edge_of_competence"]
        assert f"{f4_key}: cached" in logs["f4_process_rewards"]


def test_f2s_base_without_context_b_is_the_shared_base(runs):
    """F2's 0% share is the shared base (recipes/_base.toml's settings, no B): run after F1 in one cache, it is
    F1's seed-0 base, and its other shares are bases of their own."""
    root, logs = runs
    directory = {}
    for name in ("f1_edge_of_competence", "f2_context_exposure"):
        for instance in json.loads((root / name / "plan.json").read_text())["instances"]:
            directory[instance["key"]] = Path(instance["record"]).parent
    assert directory["base[share=0]"] == directory["base[seed=0]"]
    assert "base[share=0]: cached" in logs["f2_context_exposure"]
    assert len({directory[f"base[share={share}]"] for share in ("0", "0.001", "0.01", "0.1")}) == 4


def f1_run(root: Path, seeds: str) -> tuple[Path, str]:
    """F1 at tiny scale on `seeds` in the shared cache (run once per module), and its log."""
    out = root / f"f1_seeds_{seeds.replace(',', '_')}"
    log = out / "log.txt"
    if not log.exists():
        result = interplay("run", RECIPES / "f1_edge_of_competence.toml", "--scale", "tiny", "--out", out,
                           "--cache", root / "cache", "--seeds", seeds)
        assert result.returncode == 0, result.stderr[-3000:]
        log.write_text(result.stderr)
    return out, log.read_text()


def test_f1_on_two_seeds_pretrains_a_base_each_and_compares_on_their_mean_probe(runs):
    root, _ = runs
    out, log = f1_run(root, "0,1")
    assert "base[seed=0]: cached" in log and "base[seed=1]" in log
    report = (out / "report" / "report.md").read_text()
    assert "Seeds: 0, 1 (one instance per seed: base, probe," in report
    assert "mean of the probes probe[seed=0], probe[seed=1]" in report and "| label by probe |" in report


def test_seeds_run_apart_and_pooled_report_what_one_run_of_both_does(runs, tmp_path):
    """Seed 0's report archive (run.json, no checkpoints) and a later run of seed 1, pooled: the same claims,
    estimates and verdict as one run of both seeds; the archive alone writes its own report again."""
    root, _ = runs
    both, _ = f1_run(root, "0,1")
    seed1, _ = f1_run(root, "1")
    archive = root / "f1_edge_of_competence" / "report" / "run.json"
    assert len(archive.read_bytes()) < 200_000  # counts, not completions
    result = interplay("report", seed1, archive, "--out", tmp_path / "pooled")
    assert result.returncode == 0, result.stderr[-3000:]
    pooled = tmp_path / "pooled"
    assert (pooled / "verdict.json").read_text() == (both / "report" / "verdict.json").read_text()
    assert "Seeds: 0, 1 (one instance per seed: base, probe," in (pooled / "report.md").read_text()
    again = interplay("report", archive, "--out", tmp_path / "again")
    assert again.returncode == 0, again.stderr[-3000:]
    original = root / "f1_edge_of_competence" / "report"
    assert (tmp_path / "again" / "verdict.json").read_text() == (original / "verdict.json").read_text()
    assert (tmp_path / "again" / "report.md").read_text() == (original / "report.md").read_text()


def test_a_report_of_two_seeds_sets_each_seed_alone_beside_the_pool(runs, tmp_path):
    """The claims-by-seed table holds, for a seed, exactly what that seed's report alone (--seeds) says."""
    root, _ = runs
    both, _ = f1_run(root, "0,1")
    pooled = json.loads((both / "report" / "verdict.json").read_text())
    result = interplay("report", both, "--seeds", "1", "--out", tmp_path / "one")
    assert result.returncode == 0, result.stderr[-3000:]
    alone = json.loads((tmp_path / "one" / "verdict.json").read_text())
    assert "by_seed" not in alone and list(pooled["by_seed"]) == ["0", "1"]
    assert pooled["by_seed"]["1"] == {key: alone[key] for key in ("verdict", "size_note", "checks")}
    assert "| claim | main | seed 0 | seed 1 | pooled |" in (both / "report" / "report.md").read_text()


def test_pooling_refuses_one_seed_run_twice_and_needs_an_out(runs, tmp_path):
    root, _ = runs
    archive = root / "f1_edge_of_competence" / "report" / "run.json"
    data = json.loads(archive.read_text())
    data["records"]["rl[rl=edge,seed=0]"]["hash"] = "0" * 64  # seed 0 again, built otherwise
    other = tmp_path / "run.json"
    other.write_text(json.dumps(data))
    refused = interplay("report", archive, other, "--out", tmp_path / "pooled")
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert "rl[rl=edge,seed=0] was run differently" in refused.stderr
    no_out = interplay("report", archive, root / "f1_seeds_0_1")
    assert no_out.returncode == 2 and "--out" in no_out.stderr
    not_an_archive = interplay("report", root / "f1_edge_of_competence" / "report" / "verdict.json")
    assert not_an_archive.returncode == 2 and "not a run archive" in not_an_archive.stderr


def test_the_demo_under_torchrun_reports_what_one_process_does(runs, tmp_path):
    """Two gloo processes train (pre-training and GRPO with filtered groups) and rank 0 evaluates:
    the same stages (hashes), the same evaluations, the same verdict as the one-process run."""
    root, _ = runs
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
                             "--master_port", "29547", "-m", "interplay.cli", "run", str(RECIPES / "demo.toml"),
                             "--scale", "tiny", "--out", str(tmp_path / "demo")],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    one, two = (json.loads((r / "plan.json").read_text())["instances"] for r in (root / "demo", tmp_path / "demo"))
    assert [Path(i["record"]).parent.name for i in one] == [Path(i["record"]).parent.name for i in two]
    for a, b in zip(one, two):
        if a["kind"] == "eval":
            results = [(Path(i["record"]).parent / "results.json").read_text() for i in (a, b)]
            assert results[0] == results[1], a["key"]
    verdicts = [json.loads((r / "report" / "verdict.json").read_text()) for r in (root / "demo", tmp_path / "demo")]
    assert verdicts[0] == verdicts[1]


def test_a_second_run_does_nothing_new(runs):
    root, _ = runs
    result = interplay("run", RECIPES / "f1_edge_of_competence.toml", "--scale", "tiny",
                       "--out", root / "f1_edge_of_competence", "--cache", root / "cache")
    assert result.returncode == 0, result.stderr[-2000:]
    stages = [line for line in result.stderr.splitlines() if line.startswith("[")]
    assert stages and all(line.endswith(": cached") for line in stages)
    plan = interplay("run", RECIPES / "f1_edge_of_competence.toml", "--scale", "tiny",
                     "--out", root / "f1_edge_of_competence", "--cache", root / "cache", "--dry-run")
    stages, total = plan_rows(plan.stdout)
    assert plan.returncode == 0 and "FLOPs" in plan.stdout.splitlines()[1] and "(0 s to run)" in total
    assert stages and all(re.search(r"  cached \(took [\d.]+ (s|min|h) on .+, \d+ threads\)$", row) for row in stages)


def test_a_plan_sees_the_cached_stages_after_a_pass_through(runs):
    """f3's all-RL split skips mid-training and its all-mid split skips RL (`skip = true`): the stages
    after them were run and cached like any other, and the plan must say so."""
    root, _ = runs
    plan = interplay("run", RECIPES / "f3_midtrain_vs_rl.toml", "--scale", "tiny", "--out", root / "f3_midtrain_vs_rl",
                     "--cache", root / "cache", "--dry-run")
    assert plan.returncode == 0, plan.stderr[-2000:]
    stages, total = plan_rows(plan.stdout)
    states = {row.split()[0]: row.split("GB  ")[-1].split(" (took")[0] for row in stages}
    assert {"rl[seed=0,split=all_rl]", "eval[model=rl,seed=0,split=all_mid]"} <= states.keys()
    assert states["mid[seed=0,split=all_rl]"] == "pass-through" == states["rl[seed=0,split=all_mid]"]
    assert all(state in ("cached", "pass-through") for state in states.values()), states
    assert "(0 s to run)" in total


@pytest.mark.parametrize("name", FINDINGS)
def test_every_recipe_plans_its_paper_scale_for_one_h100_without_training(name, tmp_path):
    result = interplay("run", RECIPES / f"{name}.toml", "--scale", "paper", "--out", tmp_path / "out",
                       "--cache", tmp_path / "cache", "--dry-run")
    assert result.returncode == 0, result.stderr[-2000:]
    stages, total = plan_rows(result.stdout)
    trained = [row for row in stages if row.split()[1] in ("pretrain", "midtrain", "rl") and "pass-through" not in row]
    assert trained and all(float(row.split()[2]) > 1e15 and row.split()[3] == "-" for row in trained)  # no CPU timing
    assert all(float(re.search(r"([\d.]+) GB", row).group(1)) > 0 for row in trained)  # memory on one GPU
    assert "to run on one H100)" in total
    assert not (tmp_path / "out").exists() and not (tmp_path / "cache").exists()


def test_a_plan_counts_the_problems_of_the_ops_a_cached_probe_found(runs):
    """f4's extra hard problems are generated at "{probe.hard|4}": once the probe has run, the plan
    reads its hard ops, and an evaluation's FLOPs are in proportion to its problems."""
    root, _ = runs
    out = root / "f4_process_rewards"
    plan = interplay("run", RECIPES / "f4_process_rewards.toml", "--scale", "tiny", "--out", out,
                     "--cache", root / "cache", "--dry-run")
    assert plan.returncode == 0, plan.stderr[-2000:]
    flops = {row.split()[0]: float(row.split()[2]) for row in plan_rows(plan.stdout)[0]}
    records = [json.loads(Path(i["record"]).read_text())
               for i in json.loads((out / "plan.json").read_text())["instances"]]
    hard_ops = next(r["outputs"]["hard"] for r in records if r["kind"] == "probe") or "4"
    hard = sum(high - low + 1 for low, high, _ in parse_ops(hard_ops))
    test, extra = (next(r["outputs"]["n"] for r in records if r["stage"] == name) for name in ("test", "hard_test"))
    assert extra == 2 * hard  # hard_extra_per_op = 2 at tiny scale
    # the plan prints FLOPs to 3 digits
    assert flops["hard_eval[model=base]"] / flops["eval[model=base]"] == pytest.approx(extra / test, rel=0.01)


def test_a_changed_setting_reruns_only_what_depends_on_it(runs, tmp_path):
    root, _ = runs
    recipe = tmp_path / "f4.toml"
    text = (RECIPES / "f4_process_rewards.toml").read_text().replace('include = ["_base.toml"]',
                                                                      f'include = ["{RECIPES / "_base.toml"}"]')
    recipe.write_text(text.replace('"rl.lr" = "{rl_lr}"', '"rl.lr" = 1e-4'))
    result = interplay("run", recipe, "--scale", "tiny", "--out", tmp_path / "out", "--cache", root / "cache",
                       "--dry-run")
    lines = {line.split()[0]: line for line in plan_rows(result.stdout)[0]}
    assert all("  cached (took " in lines[stage] for stage in ("base", "probe", "test"))
    assert lines["rl[reward=strict,seed=0]"].endswith("to run")


def test_another_hard_seed_draws_a_fresh_hard_set_and_keeps_the_rest(runs, tmp_path):
    root, _ = runs
    result = interplay("run", RECIPES / "f4_process_rewards.toml", "--scale", "tiny", "--out", tmp_path / "out",
                       "--cache", root / "cache", "--set", "hard_seed=161803", "--dry-run")
    assert result.returncode == 0, result.stderr[-2000:]
    lines = {line.split()[0]: line for line in plan_rows(result.stdout)[0]}
    assert all("  cached (took " in lines[stage] for stage in ("base", "probe", "test", "rl[reward=strict,seed=0]"))
    assert lines["hard_test"].endswith("to run")
    assert "to run" in lines["hard_eval[model=base]"]


def test_a_union_report_stands_on_both_hard_sets_each_problem_once(runs, tmp_path):
    root, _ = runs
    first = root / "f4_process_rewards"
    result = interplay("run", RECIPES / "f4_process_rewards.toml", "--scale", "tiny", "--out", tmp_path / "again",
                       "--cache", root / "cache", "--set", "hard_seed=577215")  # apart from the dry-run's above
    assert result.returncode == 0, result.stderr[-2000:]
    refused = interplay("report", first, tmp_path / "again", "--out", tmp_path / "pooled")
    assert refused.returncode == 2 and "--union" in refused.stderr
    result = interplay("report", first, tmp_path / "again", "--union", "--out", tmp_path / "union")
    assert result.returncode == 0, result.stderr[-2000:]

    def hard_ids(run: Path) -> set[str]:
        evals = json.loads((run / "run.json").read_text())["evals"]
        return set(evals["hard_eval[model=base]"]["ids"])

    once, again, both = (hard_ids(run) for run in (first / "report", tmp_path / "again" / "report",
                                                     tmp_path / "union"))
    assert once != again and both == once | again
    assert len(json.loads((tmp_path / "union" / "run.json").read_text())["evals"]["hard_eval[model=base]"]["ids"]) \
        == len(once | again)  # a problem both sets hold (none is expected) would count once


def test_a_broken_recipe_fails_with_one_line(tmp_path):
    recipe = tmp_path / "broken.toml"
    recipe.write_text('[recipe]\nfinding = "f1"\n[scale.tiny]\n[stage.rl]\nkind = "rl"\ninit = "base"\n')
    result = interplay("run", recipe, "--scale", "tiny", "--out", tmp_path / "out")
    assert result.returncode == 2
    error = f"interplay run: error: {recipe}: stage 'rl': init 'base' is not a stage"
    assert result.stderr.strip().splitlines() == [error]


def test_a_failing_stage_stops_the_run_and_keeps_finished_stages(tmp_path):
    recipe = tmp_path / "fails.toml"
    recipe.write_text("""
[recipe]
[scale.tiny]
[world]
format = "compact"
modulus = 23
n_locations = 1
n_items = 3
distractors = "0"
[stage.test]
kind = "generate"
set = { ops = "2", n_per_op = 3 }
[stage.base]
kind = "pretrain"
set = { "model.preset" = "tiny", "data.ops" = "2", "train.tokens" = 3000, "train.seq_len" = 64, "train.batch_size" = 4 }
[stage.eval]
kind = "eval"
models = ["base"]
data = "test"
set = { samples = 0 }
""")
    result = interplay("run", recipe, "--scale", "tiny", "--out", tmp_path / "out")
    assert result.returncode == 2
    error = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(error) == 1 and "stage eval[model=base] failed: --samples must be at least 1" in error[0]
    assert len(list((tmp_path / "out" / "stages").glob("*/stage.json"))) == 2  # test set and base kept
    again = interplay("run", recipe, "--scale", "tiny", "--out", tmp_path / "out")
    assert "test: cached" in again.stderr and "base: cached" in again.stderr


def test_a_stage_stopped_and_run_again_counts_the_time_of_both_runs(tmp_path, monkeypatch):
    recipe = tmp_path / "stops.toml"
    recipe.write_text("""
[recipe]
[scale.tiny]
[world]
format = "compact"
[stage.test]
kind = "generate"
set = { ops = "2", n_per_op = 3 }
""")

    def stopped(self, instance, settings, directory):  # as the trainers stop on SIGTERM, after a checkpoint
        directory.mkdir(parents=True, exist_ok=True)
        raise StopRequested("stopped at step 1 of 2", signal.SIGTERM)

    real_run_one = Run._run_one
    monkeypatch.setattr(Run, "_run_one", stopped)
    with pytest.raises(StopRequested):
        Run(Recipe.load(recipe), "tiny", None, tmp_path / "out").execute()
    [earlier_path] = (tmp_path / "out" / "stages").glob(f"*/{EARLIER_RUNS_FILE}")
    earlier = json.loads(earlier_path.read_text())
    assert earlier["runs"] == 1 and not (earlier_path.parent / STAGE_FILE).exists()

    monkeypatch.setattr(Run, "_run_one", real_run_one)
    Run(Recipe.load(recipe), "tiny", None, tmp_path / "out").execute()
    record = json.loads((earlier_path.parent / STAGE_FILE).read_text())
    assert record["earlier_runs"] == 1 and record["seconds"] >= earlier["seconds"]
    assert record["machine"].startswith(cpu_description())  # the report's compute time names it


def test_only_runs_the_named_stages_and_what_they_read(runs, tmp_path):
    root, _ = runs  # f4: one base for all seeds (f1's is per seed)
    plan = interplay("run", RECIPES / "f4_process_rewards.toml", "--scale", "tiny", "--cache", root / "cache",
                     "--out", tmp_path / "only", "--only", "probe", "--dry-run")
    assert [row.split()[0] for row in plan_rows(plan.stdout)[0]] == ["base", "probe"]
    result = interplay("run", RECIPES / "f4_process_rewards.toml", "--scale", "tiny", "--cache", root / "cache",
                       "--out", tmp_path / "only", "--only", "probe")
    assert result.returncode == 0 and "probe: cached" in result.stderr and "no report" in result.stderr
    assert not (tmp_path / "only" / "report").exists()
    wrong = interplay("run", RECIPES / "f4_process_rewards.toml", "--scale", "tiny", "--only", "prob")
    assert wrong.returncode == 2 and "no stage prob" in wrong.stderr


def test_a_run_keeps_the_changes_the_command_line_made_to_its_recipe(tmp_path):
    """The run's recipe.toml and plan.json say which scale values `--set` changed: the recipe's text alone would
    claim the values it ships with (a run with --set rl_steps=480 kept a copy saying 120)."""
    result = interplay("run", RECIPES / "demo.toml", "--scale", "tiny", "--out", tmp_path / "out", "--only", "test",
                       "--set", "test_per_op=3", "--set", "samples=2")
    assert result.returncode == 0, result.stderr
    kept = (tmp_path / "out" / "recipe.toml").read_text()
    assert kept == "# run with --scale tiny --set test_per_op=3 --set samples=2\n" + (RECIPES / "demo.toml").read_text()
    assert json.loads((tmp_path / "out" / "plan.json").read_text())["set"] == ["test_per_op=3", "samples=2"]


def test_variants_run_some_arms_of_a_recipe_as_the_whole_recipe_would(tmp_path):
    """A recipe run in parts (two rewards today, the rest another day) has the same stages as the whole: same
    inputs and settings, so one cache serves both and the parts' reports pool."""
    recipe = Recipe.load(RECIPES / "f4_process_rewards.toml")
    whole = {i.key: i for i in Run(recipe, "tiny", None, tmp_path / "whole").instances}
    part_run = Run(recipe, "tiny", None, tmp_path / "part", variants={"reward": ["strict", "outcome"]})
    part = part_run.instances
    rl = [i.key for i in part if i.stage == "rl"]
    assert rl == ["rl[reward=outcome,seed=0]", "rl[reward=strict,seed=0]"]  # in recipe order
    assert variant_order(part) == {"model": ["base", "rl"], "reward": ["outcome", "strict"]}
    # the plan keeps every variant's place, for a report that pools this part with the others
    assert part_run.axis_order["reward"] == ["outcome", "mix_0.2_0.8", "mix_0.5_0.5", "strict", "paper_mix_0.2_0.8",
                                             "paper_mix_0.5_0.5", "paper_strict"]
    assert {"base", "probe", "eval[model=base]", "hard_eval[model=rl,reward=strict,seed=0]"} <= {i.key for i in part}
    assert len([i for i in part if i.stage in ("eval", "hard_eval")]) == 6  # the base and two arms, two problem sets
    assert [i.key for i in part if i.stage.startswith("redraw")] == ["redraw[model=base]", "redraw_hard[model=base]"]
    for instance in part:
        same = whole[instance.key]
        assert (instance.settings, instance.inputs, instance.skip) == (same.settings, same.inputs, same.skip)


def test_a_reference_keys_a_stage_by_the_value_it_resolved_to(tmp_path):
    """A probe run again (other code, other samples) that finds the same edge keeps the RL arm trained on it;
    one that finds another edge does not."""
    run = Run(Recipe.load(RECIPES / "f1_edge_of_competence.toml"), "tiny", [0], tmp_path)
    edge_rl = run.by_key["rl[rl=edge,seed=0]"]

    def edge_rl_hash(probe_hash: str, edge_ops: str) -> str:
        run.records = {"base[seed=0]": {"hash": "b" * 64, "outputs": {}},
                       "probe[seed=0]": {"hash": probe_hash, "outputs": {"id": "2", "edge": edge_ops, "hard": "5"}}}
        settings, digest, _ = run.resolve(edge_rl)
        assert settings["data.ops"] == edge_ops
        return digest

    assert edge_rl_hash("p" * 64, "3-4") == edge_rl_hash("q" * 64, "3-4")
    assert edge_rl_hash("p" * 64, "3-4") != edge_rl_hash("p" * 64, "3")


def test_a_recipe_run_in_parts_reports_as_the_whole(runs, tmp_path):
    root, _ = runs
    name = "f4_process_rewards"
    others = "mix_0.2_0.8,mix_0.5_0.5,paper_mix_0.2_0.8,paper_mix_0.5_0.5,paper_strict"
    for part, variants in (("a", "reward=outcome,strict"), ("b", f"reward={others}")):
        result = interplay("run", RECIPES / f"{name}.toml", "--scale", "tiny", "--cache", root / "cache",
                           "--out", tmp_path / part, "--variants", variants)
        assert result.returncode == 0 and ": running" not in result.stderr, result.stderr[-2000:]  # all cached
    pooled = interplay("report", tmp_path / "b", tmp_path / "a", "--out", tmp_path / "pooled")  # the later part first
    assert pooled.returncode == 0, pooled.stderr
    whole = json.loads((root / name / "report" / "verdict.json").read_text())
    assert json.loads((tmp_path / "pooled" / "verdict.json").read_text()) == whole  # arms in the recipe's order


@pytest.mark.parametrize("variants, message", [
    ("reward=outcom", "--variants: axis 'reward' has no variant outcom (its variants: outcome, mix_0.2_0.8,"),
    ("split=heavy", "--variants: no variant axis 'split' in this recipe (its axes: model, reward)"),
    ("seed=1", "seeds are chosen with --seeds"),
    ("reward", "--variants expects AXIS=VARIANT[,VARIANT...], got 'reward'"),
])
def test_a_wrong_variant_is_one_line_naming_what_exists(variants, message):
    result = interplay("run", RECIPES / "f4_process_rewards.toml", "--scale", "tiny", "--variants", variants)
    assert result.returncode == 2 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1
