"""The parts of `interplay run --dry-run`'s plan that need no recipe run: the busy-machine warning and what a
cached stage says it took (the plan itself runs through the CLI in test_runner.py)."""

from interplay.experiments.plan import _measured, busy_machine_note


def test_a_plan_timed_on_a_busy_machine_says_its_cpu_times_are_too_long():
    assert busy_machine_note(0.2, 2) is None and busy_machine_note(3.0, 16) is None
    note = busy_machine_note(1.9, 2)
    assert note.startswith("CPU time was timed on a busy machine (load average 1.9 on 2 CPUs): too long")


def test_a_cached_stage_says_what_it_took_and_where():
    record = {"seconds": 7200.0, "machine": "AMD EPYC [avx2 avx512f avx512_bf16], 2 threads"}
    assert _measured(record) == " (took 2.0 h on AMD EPYC [avx2 avx512f avx512_bf16], 2 threads)"
    assert _measured({"seconds": 95.0}) == " (took 1.6 min)"  # a record from before machines were kept
    assert _measured({"key": "base"}) == ""  # a pass-through keeps no time
