"""`interplay report RUN [RUN ...]`: report.md, a self-contained report.html (figures embedded) and run.json.

    interplay report runs/f1_edge_of_competence-cpu              # writes runs/f1_edge_of_competence-cpu/report/
    interplay report runs/f1_s2 results/f1/seed1/run.json --out runs/f1_pooled   # seeds of two runs, pooled

One list of blocks (headings, paragraphs, tables, figures) is rendered twice, as Markdown next
to its PNG files and as a single HTML file with the PNGs inlined, so the two never disagree.
run.json is the run without its checkpoints (report/archive.py): a report can be written again from it.
"""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path

from interplay.competence import rule as competence_rule
from interplay.errors import UserError
from interplay.jsonl import atomic_write_text
from interplay.report.archive import write_archive
from interplay.report.by_seed import by_seed_table, seed_sections
from interplay.report.claims import RULE, Section
from interplay.report.findings import get_finding
from interplay.report.pool import open_runs
from interplay.report.rundata import RunData
from interplay.report.training import rl_table


def _seeds_text(plan: dict) -> str:
    """The seeds, and the stages that have one instance per seed (what the intervals' seeds cover)."""
    seeded: list[str] = []
    for instance in plan["instances"]:
        if "seed" in instance["axes"] and instance["stage"] not in seeded:
            seeded.append(instance["stage"])
    text = f"Seeds: {', '.join(map(str, plan['seeds']))}"
    return text + (f" (one instance per seed: {', '.join(seeded)})" if seeded else "")


def _title(plan: dict) -> str:
    """The recipe and scale, and any value the command line changed (`--set`): a run with 480 RL steps of a recipe
    that ships 120 says so where it is read first."""
    return f"{plan['recipe']} at scale {plan['scale']}" + "".join(f", --set {change}" for change in plan.get("set", []))


def _probe_blocks(competence: dict) -> list[tuple]:
    """The base's probe: how ops are labelled, and the labels; with one base per seed, of the probes' mean."""
    k, thresholds = competence["samples"], competence["thresholds"]
    probes = competence.get("probes", [])
    rule = (f"Probe: {len(competence['ops'])} ops, {k} samples per problem; labels by the thresholds in competence.py "
            f"({competence_rule(thresholds, k)})")
    if probes:
        rule += (f", applied to the mean of the probes {', '.join(probes)} (one base per seed); the last column "
                 "has each probe's own label, the ops its seed's RL ran on")
    header = ["op", "pass@1", f"pass@{k}", "label"] + (["label by probe"] if probes else [])
    rows = [[op, f"{row['pass_at_1']:.3f}", f"{row[f'pass_at_{k}']:.3f}", row["label"]]
            + ([" / ".join(row["labels_by_probe"])] if probes else []) for op, row in competence["ops"].items()]
    return [("p", rule + "."), ("table", header, rows)]


def _blocks(run: RunData, section: Section, alone: dict[int, Section], calibration: Path | None) -> list[tuple]:
    plan = run.plan
    blocks: list[tuple] = [
        ("h1", _title(plan)),
        ("p", plan.get("description", "")),
        ("p", f"Verdict: **{section.verdict()}**{_joined(section.size_note())}. {_seeds_text(plan)}. "
              f"Stages finished: {len(run.records)} of {len(run.instances)}; compute time {run.seconds() / 60:.1f} min "
              f"on {'; '.join(run.machines()) or 'no machine yet'}."),
        *[("p", note) for note in plan.get("notes", [])],  # how pooled runs were joined (report/pool.py)
        ("h2", section.title),
        ("p", f"The paper: {section.paper}" if section.of_paper else section.paper),
        ("table", section.header, section.rows),
        ("p", "Claims (difference, 95% interval over problems and seeds):"),
        ("table", ["claim", "main", "estimate", "the paper", "outcome"],
         [[c.claim, "yes" if c.main else "no", c.estimate.text() if c.estimate else "n/a",
           "" if c.paper is None else f"{c.paper:+.3f}", c.outcome_text()] for c in section.checks]),
    ]
    if by_seed := by_seed_table(section, alone):
        caption, header, rows = by_seed
        blocks += [("p", caption), ("table", header, rows)]
    blocks.append(("p", f"Rule: {RULE}"))
    blocks += [("img", figure) for figure in section.figures if figure]
    blocks += [("p", note) for note in section.notes if note]  # a note with nothing to say is ""
    for caption, header, rows in section.tables:
        blocks += [("p", caption), ("table", header, rows)]
    blocks += [("p", f"Note: stage {key}: {note}.")
               for key, record in run.records.items() for note in record.get("notes", [])]
    competence = run.competence
    if competence or calibration:
        blocks.append(("h2", "Calibration: the base model"))
        if competence:
            blocks += _probe_blocks(competence)
        if calibration:
            blocks.append(("img", calibration))
    training = rl_table(run)
    if training:
        caption, header, rows = training
        blocks += [("h2", "RL while it trained"), ("p", caption), ("table", header, rows)]
    blocks.append(("h2", "Stages"))
    blocks.append(("table", ["stage", "kind", "seconds", "code", "settings"],
                   [[key, r["kind"], f"{r.get('seconds', 0):.0f}", r.get("code", r.get("version", "?")),
                     _settings_text(r["settings"])] for key, r in run.records.items()]))
    return blocks


def _joined(note: str) -> str:
    return f", {note}" if note else ""


def _settings_text(settings: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in settings.items()) or "-"


def _markdown(blocks: list[tuple], directory: Path) -> str:
    lines = []
    for block in blocks:
        kind = block[0]
        if kind == "h1":
            lines += [f"# {block[1]}", ""]
        elif kind == "h2":
            lines += [f"## {block[1]}", ""]
        elif kind == "p" and block[1]:
            lines += [block[1], ""]
        elif kind == "table" and block[1]:
            lines.append("| " + " | ".join(map(str, block[1])) + " |")
            lines.append("|" + "---|" * len(block[1]))
            lines += ["| " + " | ".join(str(cell).replace("|", "/") for cell in row) + " |" for row in block[2]]
            lines.append("")
        elif kind == "img":
            lines += [f"![{block[1].stem}]({block[1].relative_to(directory)})", ""]
    return "\n".join(lines)


def _inline(text: str) -> str:
    """The markdown emphasis the report writes (**bold**, *italic*) as HTML; the rest escaped."""
    parts = html.escape(text).split("**")
    text = "".join(f"<b>{p}</b>" if i % 2 else p for i, p in enumerate(parts))
    return re.sub(r"(?<![\w*])\*(\S[^*]*?)\*(?![\w*])", r"<i>\1</i>", text)


def _html(blocks: list[tuple], title: str) -> str:
    body = []
    for block in blocks:
        kind = block[0]
        if kind in ("h1", "h2"):
            body.append(f"<{kind}>{html.escape(block[1])}</{kind}>")
        elif kind == "p" and block[1]:
            body.append(f"<p>{_inline(block[1])}</p>")
        elif kind == "table" and block[1]:
            head = "".join(f"<th>{html.escape(str(c))}</th>" for c in block[1])
            rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
                           for row in block[2])
            body.append(f"<table><tr>{head}</tr>{rows}</table>")
        elif kind == "img":
            data = base64.b64encode(block[1].read_bytes()).decode()
            body.append(f'<img alt="{html.escape(block[1].stem)}" src="data:image/png;base64,{data}">')
    style = ("body{font-family:system-ui,sans-serif;max-width:70em;margin:2em auto;padding:0 1em;color:#222}"
             "table{border-collapse:collapse;margin:1em 0;font-size:.85em}"
             "td,th{border:1px solid #ccc;padding:.25em .5em}"
             "th{background:#f3f3f3}img{max-width:100%}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body>{''.join(body)}</body></html>\n")


def write_report(runs: str | Path | list[str | Path], out: str | Path | None = None,
                 seeds: list[int] | None = None, union: bool = False) -> tuple[Path, Path]:
    """The report of a run (a directory or a run.json), or of several runs' seeds pooled, in `out`: by
    default a run directory's report/, or the directory of a run.json; of its `seeds` alone if given; with
    `union`, every model on all the problems the runs evaluated it on (report/pool.py)."""
    from interplay.report.figures import calibration

    run = open_runs(runs if isinstance(runs, list) else [runs], seeds, union)
    directory = Path(out) if out is not None else run.report_dir
    if directory is None:
        raise UserError("a report of several runs, or of some seeds of a run, needs --out DIR")
    directory.mkdir(parents=True, exist_ok=True)
    finding = get_finding(run.finding)
    section = finding.section(run, directory)
    alone = seed_sections(run, finding.section)
    blocks = _blocks(run, section, alone, calibration(run, directory / "calibration.png"))
    markdown, page = directory / "report.md", directory / "report.html"
    atomic_write_text(markdown, _markdown(blocks, directory))
    atomic_write_text(page, _html(blocks, f"{run.plan['recipe']} ({run.plan['scale']})"))
    verdict = {"finding": run.finding, **_verdict(section)}
    if alone:
        verdict["by_seed"] = {str(seed): _verdict(seed_section) for seed, seed_section in alone.items()}
    atomic_write_text(directory / "verdict.json", json.dumps(verdict, indent=1) + "\n")
    write_archive(run, directory / "run.json")
    return markdown, page


def _verdict(section: Section) -> dict:
    return {"verdict": section.verdict(), "size_note": section.size_note(),
            "checks": [{"claim": c.claim, "kind": c.kind, "main": c.main, "paper": c.paper, "outcome": c.label(),
                        "smaller_than_paper": c.smaller_than_paper(),
                        "estimate": c.estimate.to_dict() if c.estimate else None} for c in section.checks]}


def add_parser(commands) -> None:
    parser = commands.add_parser("report", help="write report.md, report.html and run.json for a run (or runs pooled)")
    parser.add_argument("runs", nargs="+", metavar="RUN",
                        help="a directory written by `interplay run`, or a run.json written by `interplay report`; "
                             "several (of one recipe, different seeds) are pooled")
    parser.add_argument("--out", help="where to write (default: RUN/report/ for a run directory, the directory of a "
                                      "run.json; needed for several runs)")
    parser.add_argument("--seeds", help="comma-separated seeds to report alone, with the stages they share "
                                        "(e.g. one seed of a pooled run.json; needs --out)")
    parser.add_argument("--union", action="store_true",
                        help="the runs evaluated the same models on different problems (another hard set, drawn "
                             "with --set hard_seed=...): report each model on all of them, each problem once")
    parser.set_defaults(handler=_report)


def _report(args) -> None:
    from interplay.experiments.runner import parse_seeds  # the same --seeds as `interplay run`

    print("\n".join(map(str, write_report(args.runs, args.out, parse_seeds(args.seeds), args.union))))
