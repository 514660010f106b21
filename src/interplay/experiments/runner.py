"""`interplay run RECIPE.toml`: execute a recipe's stages in order, each cached by what decides it.

    interplay run recipes/f1_edge_of_competence.toml --scale cpu --seeds 0,1,2 --out runs/f1
    interplay run recipes/demo.toml --scale tiny --dry-run          # the plan, FLOPs and CPU time (plan.py)
    interplay run recipes/f4_process_rewards.toml --scale cpu --out runs/f4 --cache runs/stages   # reuse f1's base
    interplay run recipes/f1_edge_of_competence.toml --scale cpu --cache runs/stages --only probe  # the base, probed
    interplay run recipes/f4_process_rewards.toml --scale cpu --variants reward=outcome,strict     # two of its arms
    torchrun --nproc_per_node 8 -m interplay.cli run recipes/f3_midtrain_vs_rl.toml --scale paper

A stage instance lives in OUT/stages/<name>-<hash>/ (or under --cache, shared by runs), where the hash
covers its kind, resolved settings (a "{probe.edge}" reference as the ops it resolved to, not the
probe's hash), the world (user lexicons by content), the hashes of its inputs and the source code that
kind runs (experiments/code.py: a change to GRPO keeps the base). A finished
stage leaves stage.json there (with that code's digest and its memory use); a later run with the same
hash reuses it, so variants share one base and a re-run does only what is missing. An interrupted
training or eval stage resumes from its own checkpoints. A failing stage stops the run with one line
(the traceback goes to error.txt) and keeps everything finished. Under torchrun, training stages
run on every rank (DDP) and the other stages on rank 0 while the rest wait for its stage.json.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
import traceback
from pathlib import Path

from interplay import __version__
from interplay.errors import UserError
from interplay.experiments.code import kind_digest
from interplay.experiments.recipe import Instance, Recipe, resolve_references
from interplay.experiments.stages import KINDS, run_stage
from interplay.jsonl import atomic_write_text
from interplay.memory import usage_mb

STAGE_FILE = "stage.json"
PLAN_FILE = "plan.json"
EARLIER_RUNS_FILE = "earlier_runs.json"  # the seconds of a stage's runs that stopped or failed before it finished


def _rank() -> int:
    """This process's rank under torchrun; 0 otherwise."""
    return int(os.environ.get("RANK", "0"))


def _lexicon_contents(world: dict) -> list[str]:
    """Hashes of the user lexicon files a world names: their content, not their paths, decides the text."""
    hashes = []
    for path in world.get("lexicons", []):
        try:
            hashes.append(hashlib.sha256(Path(path).read_bytes()).hexdigest())
        except OSError:
            raise UserError(f"world.lexicons: cannot read {path}") from None
    return hashes


def stage_hash(instance: Instance, settings: dict, world: dict, input_hashes: dict) -> str:
    # A stage without a seed runs as seed 0 (run_stage), so seed 0 of a per-seed stage is that stage:
    # a recipe whose base is per seed (f1) shares its seed-0 base with the recipes that have one base.
    content = {"kind": instance.kind, "settings": settings, "world": world, "inputs": input_hashes,
               "skip": instance.skip, "seed": instance.seed or None, "code": kind_digest(instance.kind),
               "lexicons": _lexicon_contents(world)}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def variant_order(instances: list[Instance]) -> dict[str, list[str]]:
    """Each axis's values but the seed's, in the recipe's order: what `--variants` may choose from, and kept in the
    plan in full (also the values `--variants` left out), so that a report of runs pooled in any order lists its
    arms as the recipe does."""
    order: dict[str, list[str]] = {}
    for instance in instances:
        for axis, value in instance.axes:
            if axis != "seed" and value not in order.setdefault(axis, []):
                order[axis].append(value)
    return order


def choose_variants(instances: list[Instance], chosen: dict[str, list[str]]) -> list[Instance]:
    """The instances whose variant on each chosen axis is one of the chosen (`--variants reward=outcome,strict`);
    those without the axis (a shared base, the test set) all stay. A recipe run in parts this way shares every
    stage with the whole recipe: same settings, same hashes, one cache."""
    order = variant_order(instances)
    for axis, values in chosen.items():
        known = order.get(axis, [])
        if axis == "seed" or not known:
            axes = ", ".join(sorted(order)) or "none"
            seeds = "; seeds are chosen with --seeds" if axis == "seed" else ""
            raise UserError(f"--variants: no variant axis '{axis}' in this recipe (its axes: {axes}{seeds})")
        unknown = [value for value in values if value not in known]
        if unknown:
            raise UserError(f"--variants: axis '{axis}' has no variant {', '.join(unknown)} (its variants: "
                            f"{', '.join(known)})")

    def chosen_on_its_axes(instance: Instance) -> bool:
        axes = dict(instance.axes)
        return all(axes[axis] in values for axis, values in chosen.items() if axis in axes)

    return [instance for instance in instances if chosen_on_its_axes(instance)]


class Run:
    """One recipe at one scale and seed list, in one output directory."""

    def __init__(self, recipe: Recipe, scale: str, seeds: list[int] | None, out: str | Path,
                 cache: str | Path | None = None, only: list[str] | None = None,
                 variants: dict[str, list[str]] | None = None, changed: list[str] | None = None):
        self.recipe, self.scale, self.out = recipe, scale, Path(out)
        self.changed = changed or []  # the `--set NAME=VALUE` the recipe was changed by, kept with the run
        self.cache = Path(cache) if cache else self.out / "stages"
        self.seeds = recipe.seeds if seeds is None else seeds
        everything = recipe.expand(scale, self.seeds)
        self.instances = choose_variants(everything, variants or {})
        self.axis_order = variant_order(everything)
        self.world = recipe.world_for(scale)
        self.by_key = {i.key: i for i in self.instances}
        self.records: dict[str, dict] = {}  # key -> stage record (settings, hash, outputs) once known
        self.partial = only is not None
        if only is not None:
            self.instances = self._needed_for(only)

    def _needed_for(self, stages: list[str]) -> list[Instance]:
        """The instances of `stages` and everything they read, in run order (`--only`)."""
        unknown = sorted(set(stages) - {i.stage for i in self.instances})
        if unknown:
            raise UserError(f"--only: no stage {', '.join(unknown)} in {self.recipe.name} "
                            f"(stages: {', '.join(dict.fromkeys(i.stage for i in self.instances))})")
        wanted = [i.key for i in self.instances if i.stage in stages]
        needed: set[str] = set()
        while wanted:
            key = wanted.pop()
            if key not in needed:
                needed.add(key)
                wanted += list(self.by_key[key].inputs.values()) + self._lineage_references(self.by_key[key])
        return [i for i in self.instances if i.key in needed]

    # -- lineage -------------------------------------------------------------------------------
    def _outputs_of(self, instance: Instance):
        """`outputs_of(stage)` for "{STAGE.FIELD}": the finished instance of STAGE in this lineage."""
        axes = dict(instance.axes)

        def outputs_of(stage: str) -> dict:
            for other in self.instances:
                if other.stage == stage and all(axes.get(a) == v for a, v in other.axes):
                    record = self.records.get(other.key)
                    if record is None:
                        raise UserError(f"stage '{instance.key}' needs '{other.key}', which has not run")
                    return record["outputs"]
            raise UserError(f"stage '{instance.key}': no instance of '{stage}' in its lineage")

        return outputs_of

    def _lineage_references(self, instance: Instance) -> list[str]:
        axes = dict(instance.axes)
        return [o.key for o in self.instances if o.stage in instance.references()
                and all(axes.get(a) == v for a, v in o.axes)]

    def resolve(self, instance: Instance) -> tuple[dict, str, list[str]]:
        """Settings with references filled in, the stage hash and any fallback notes; needs every input finished."""
        settings, notes = resolve_references(instance.settings, self._outputs_of(instance))
        inputs = {role: self.records[key]["hash"] for role, key in instance.inputs.items()}
        # A reference counts by the value it resolved to, which `settings` holds, not by the stage that found it:
        # a probe run again by other code that finds the same edge ops keeps every RL arm trained on them.
        return settings, stage_hash(instance, settings, self.world, inputs), notes

    def directory(self, instance: Instance, digest: str) -> Path:
        """Where the instance lives: an existing directory with its hash (another recipe's identical stage) or a
        new one."""
        existing = sorted(self.cache.glob(f"*-{digest[:10]}"))
        return existing[0] if existing else self.cache / f"{instance.slug}-{digest[:10]}"

    # -- execution -----------------------------------------------------------------------------
    def execute(self) -> None:
        rank = _rank()
        if rank == 0:
            self.out.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.out / "recipe.toml", _with_changes(self.recipe.text, self.scale, self.changed))
            self._write_plan()
        for number, instance in enumerate(self.instances, 1):
            settings, digest, notes = self.resolve(instance)
            directory = self.directory(instance, digest)
            record_path = directory / STAGE_FILE
            label = f"[{number}/{len(self.instances)}] {instance.key}"
            if record_path.exists():
                self._finished(instance, json.loads(record_path.read_text()))
                _say(f"{label}: cached")
                continue
            runs_here = rank == 0 or KINDS[instance.kind].distributed
            if not runs_here:
                self._finished(instance, _wait_for(record_path, directory))
                continue
            _say(f"{label}: running in {directory}")
            for note in notes:
                _say(f"  note: {note}")
            started = time.perf_counter()
            try:
                outputs = self._run_one(instance, settings, directory)
            except BaseException as error:
                if rank == 0:  # a rerun resumes from the stage's checkpoint: its record counts this run's time too
                    _add_earlier_run(directory, time.perf_counter() - started)
                if not isinstance(error, Exception):  # Ctrl-C or SIGTERM: the trainer has said where it stopped
                    raise
                self._fail(instance, directory, error)  # a user error, a bug or a resource problem: one line
            earlier = _earlier_runs(directory)
            record = {"key": instance.key, "stage": instance.stage, "kind": instance.kind,
                      "axes": dict(instance.axes), "settings": settings, "inputs": instance.inputs, "hash": digest,
                      "outputs": outputs, "notes": notes,
                      "seconds": round(time.perf_counter() - started + earlier["seconds"], 1),
                      "earlier_runs": earlier["runs"], "machine": machine(), "memory_mb": usage_mb(),
                      "code": kind_digest(instance.kind)[:12], "version": __version__}
            if rank == 0:
                atomic_write_text(record_path, json.dumps(record, indent=1) + "\n")
            self._finished(instance, record)
        if rank == 0 and self.partial:
            _say("--only: no report (the recipe's other stages have not run)")
        elif rank == 0 and not self.recipe.finding:
            _say("no report: the recipe names no finding (recipe.finding)")
        elif rank == 0:
            from interplay.report.document import write_report

            paths = write_report(self.out)
            _say(f"report: {paths[0]} and {paths[1]}")

    def _finished(self, instance: Instance, record: dict) -> None:
        """Remember a finished stage; the plan on disk follows, cached stages included, so a report sees them all."""
        self.records[instance.key] = record
        if _rank() == 0:
            self._write_plan()

    def _run_one(self, instance: Instance, settings: dict, directory: Path) -> dict:
        if instance.skip:
            directory.mkdir(parents=True, exist_ok=True)
            return self._passed_through(instance)
        inputs = {role: self.records[key]["outputs"] for role, key in instance.inputs.items()}
        return run_stage(instance.kind, settings, self.world, inputs, directory, instance.seed)

    def _passed_through(self, instance: Instance) -> dict:
        """A pass-through (`skip = true`) variant's outputs: the model it was given, marked as skipped."""
        return dict(self.records[instance.inputs["init"]]["outputs"], skipped=True)

    def _fail(self, instance: Instance, directory: Path, error: BaseException):
        directory.mkdir(parents=True, exist_ok=True)
        atomic_write_text(directory / "error.txt", "".join(traceback.format_exception(error)))
        kind = "" if isinstance(error, UserError) else f"{type(error).__name__}: "
        raise UserError(f"stage {instance.key} failed: {kind}{error} (details in {directory / 'error.txt'}; "
                        f"finished stages are kept)") from None

    def _write_plan(self) -> None:
        plan = {"recipe": self.recipe.name, "finding": self.recipe.finding, "description": self.recipe.description,
                "scale": self.scale, "set": self.changed, "seeds": self.seeds, "world": self.world,
                "axis_order": self.axis_order,
                "instances": [{"key": i.key, "stage": i.stage, "kind": i.kind, "axes": dict(i.axes),
                               "inputs": i.inputs, "skip": i.skip,
                               "record": (str(self.directory(i, self.records[i.key]["hash"]) / STAGE_FILE)
                                          if i.key in self.records else None)} for i in self.instances]}
        atomic_write_text(self.out / PLAN_FILE, json.dumps(plan, indent=1) + "\n")

    # -- the cache as a plan sees it (experiments/plan.py) --------------------------------------
    def settings_as_known(self, instance: Instance) -> dict:
        """Its settings with "{STAGE.FIELD}" filled in where those stages have finished (a cached probe's
        op ranges, so that a plan counts the problems of the ops the probe found); as written otherwise."""
        if all(key in self.records for key in self._lineage_references(instance)):
            try:
                return resolve_references(instance.settings, self._outputs_of(instance))[0]
            except UserError:
                pass
        return instance.settings

    def state_of(self, instance: Instance) -> str:
        """cached, to run or pass-through; finished and passed-through stages are recorded, so later ones resolve."""
        try:
            for key in list(instance.inputs.values()) + self._lineage_references(instance):
                if key not in self.records:
                    raise KeyError(key)
            _, digest, _ = self.resolve(instance)
        except (KeyError, UserError):
            return "pass-through" if instance.skip else "to run (after its inputs)"
        if instance.skip:  # what the run would record, in no time
            outputs = self._passed_through(instance)
            self.records[instance.key] = {"key": instance.key, "hash": digest, "outputs": outputs}
            return "pass-through"
        record = self.directory(instance, digest) / STAGE_FILE
        if record.exists():
            self.records[instance.key] = json.loads(record.read_text())
            return "cached"
        return "to run"


def _with_changes(text: str, scale: str, changed: list[str]) -> str:
    """The recipe as a run used it: its text, headed by the `--set` changes to its scale's values (the stage
    settings in each record hold the values resolved, this says which came from the command line)."""
    if not changed:
        return text
    return f"# run with --scale {scale} {' '.join(f'--set {change}' for change in changed)}\n{text}"


def _wait_for(record_path: Path, directory: Path) -> dict:
    """Ranks other than 0 wait while rank 0 runs a non-training stage."""
    while not record_path.exists():
        if (directory / "error.txt").exists():
            raise UserError(f"rank 0 failed in {directory} (see error.txt)")
        time.sleep(2)
    return json.loads(record_path.read_text())


def machine() -> str:
    """Where a stage ran, for its record and the report's compute time: the CPU with the flags that decide its
    speed, the threads, and the processes and GPUs under torchrun."""
    import torch

    from interplay.train.precision import cpu_description

    where = f"{cpu_description()}, {torch.get_num_threads()} threads"
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1:
        where += f", {world} processes"
    if torch.cuda.is_available():
        where += f", {torch.cuda.device_count()} x {torch.cuda.get_device_name(0)}"
    return where


def _earlier_runs(directory: Path) -> dict:
    """The runs of a stage that ended before it finished (stopped, killed by an error): how many, and their seconds."""
    path = directory / EARLIER_RUNS_FILE
    return json.loads(path.read_text()) if path.exists() else {"runs": 0, "seconds": 0.0}


def _add_earlier_run(directory: Path, seconds: float) -> None:
    earlier = _earlier_runs(directory)
    directory.mkdir(parents=True, exist_ok=True)
    earlier = {"runs": earlier["runs"] + 1, "seconds": round(earlier["seconds"] + seconds, 1)}
    atomic_write_text(directory / EARLIER_RUNS_FILE, json.dumps(earlier) + "\n")


def _say(message: str) -> None:
    if _rank() == 0:
        print(message, file=sys.stderr, flush=True)


def add_parser(commands) -> None:
    parser = commands.add_parser("run", help="run a recipe: cached stages from data to report")
    parser.add_argument("recipe", help="recipe TOML file (see recipes/)")
    parser.add_argument("--scale", default="tiny",
                        help="tiny (tests, minutes), quick (a finding's seed in about an hour on 2 cores), "
                             "cpu (2 cores, hours: --dry-run estimates them), paper (GPUs)")
    parser.add_argument("--seeds", default=None, help="comma-separated seeds (default: the recipe's)")
    parser.add_argument("--out", default=None, help="run directory (default: runs/<recipe>-<scale>)")
    parser.add_argument("--cache", default=None,
                        help="where stages live (default: OUT/stages); runs that share it share equal stages, "
                             "e.g. a base")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="change a value of the scale table, e.g. --set rl_steps=90 "
                             "(repeatable; stages that use it rerun)")
    parser.add_argument("--dry-run", action="store_true", help="print the plan with estimated FLOPs and CPU time")
    parser.add_argument("--only", default=None, metavar="STAGES",
                        help="comma-separated stages to run with what they need, no report "
                             "(e.g. --only probe: the base and its probe)")
    parser.add_argument("--variants", action="append", default=[], metavar="AXIS=V1,V2",
                        help="run only these variants of an axis, e.g. --variants reward=outcome,strict (repeatable; "
                             "the report covers them)")
    parser.set_defaults(handler=_run)


def parse_variants(texts: list[str]) -> dict[str, list[str]]:
    """`--variants reward=outcome,strict` (repeatable) as {"reward": ["outcome", "strict"]}."""
    chosen: dict[str, list[str]] = {}
    for text in texts:
        axis, _, values = text.partition("=")
        names = [value.strip() for value in values.split(",") if value.strip()]
        if not axis.strip() or not names:
            raise UserError(f"--variants expects AXIS=VARIANT[,VARIANT...], got '{text}'")
        chosen.setdefault(axis.strip(), []).extend(names)
    return chosen


def parse_seeds(text: str | None) -> list[int] | None:
    if text is None:
        return None
    try:
        seeds = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise UserError(f"--seeds expects comma-separated integers, got '{text}'") from None
    if not seeds:
        raise UserError("--seeds is empty")
    return seeds


def _run(args) -> None:
    recipe = Recipe.load(args.recipe)
    recipe.override_scale(args.scale, args.set)
    out = args.out or f"runs/{recipe.name}-{args.scale}"
    only = [stage.strip() for stage in args.only.split(",") if stage.strip()] if args.only else None
    run = Run(recipe, args.scale, parse_seeds(args.seeds), out, args.cache, only, parse_variants(args.variants),
              args.set)
    if args.dry_run:
        from interplay.experiments.plan import describe  # here: the plan module reads the runner

        print(describe(run))
        return
    run.execute()
