"""Dataclass configs for the training stages; TOML loading and `--set section.key=value` overrides.

    config = load_config(LMRunConfig, "recipes/pretrain_cpu.toml", ["train.lr=3e-4", "data.ops=2-4"])

A TOML file has one table per section ([model], [data], [train]). An unknown section or key, or a
value of the wrong type, is a UserError that names the key: a typo never silently does nothing.
The resolved config is written next to the results (`to_toml`).
"""

from __future__ import annotations

import dataclasses
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path

from interplay.errors import UserError
from interplay.world.graph import GraphSettings
from interplay.world.mixture import MixtureSpec, parse_range
from interplay.world.render import FORMATS, ORDERS, QUESTION_FORMS, QUESTION_PLACES, SOLUTION_ORDERS, SurfaceSettings


# The names a config may choose from; the modules that act on them import them from here.
DTYPES = ("auto", "bf16", "fp32")  # train.dtype, train.muon_ns_dtype, rl.dtype (train/precision.py)
OPTIMIZERS = ("adamw", "muon")  # train/optim.py
PACKINGS = ("documents", "stream")  # train/packing.py
TRACKERS = ("tensorboard", "wandb")  # train.log_to, rl.log_to (train/metrics.py)
LOSS_ON = ("all", "solution")
LOSS_AGG_MODES = ("token-mean", "seq-mean-token-sum", "seq-mean-token-mean", "seq-mean-token-sum-norm")  # verl's
# rl.kl_loss_type: verl's names on the left, the estimators of Schulman's note on the right (train/grpo_loss.py).
KL_ESTIMATORS = {"k1": "k1", "kl": "k1", "k2": "k2", "mse": "k2", "k3": "k3", "low_var_kl": "k3"}


def _require_trackers(section, name: str) -> None:
    unknown = [tracker for tracker in section.log_to if tracker not in TRACKERS]
    if unknown:
        raise UserError(f"{name}.log_to: unknown tracker '{unknown[0]}' (choose from {', '.join(TRACKERS)})")


def _require_choice(section, name: str, key: str, choices: tuple[str, ...]) -> None:
    value = getattr(section, key)
    if value not in choices:
        raise UserError(f"{name}.{key} must be one of {', '.join(choices)}, got '{value}'")


def _require_positive(section, name: str, keys: tuple[str, ...]) -> None:
    for key in keys:
        if getattr(section, key) < 1:
            raise UserError(f"{name}.{key} must be at least 1, got {getattr(section, key)}")


def _world(help: str, **argparse_options) -> dict:
    """Metadata marking a DataConfig field as a world option: its --help text and argparse extras."""
    return {"help": help, **argparse_options}


_GRAPH, _SURFACE = GraphSettings(), SurfaceSettings()  # the world's own defaults, so they are written in one place


@dataclass
class DataConfig:
    """The problem stream a phase trains on. Every world option is declared here, once: the CLI's
    options (`add_world_options`), a recipe's world and stage keys (`world_option_names`) and their
    defaults come from these fields. World options carry `_world` metadata; world/mixture.py says
    what each one means. A new option is a field here and its use in world/ (`spec` passes it on by
    name to MixtureSpec.parse)."""

    ops: str = field(default="2-10", metadata=_world("op ranges with optional weights, e.g. 2-10:0.9,11-14:0.1"))
    contexts: str = field(default="zoo", metadata=_world("contexts with optional weights, e.g. zoo=0.99,teachers=0.01"))
    mode: str = field(default="forward", metadata=_world(
        "forward problems, reverse (equation) problems or a weighted mix, e.g. forward=0.5,reverse=0.5"))
    format: str = field(default=_SURFACE.format, metadata=_world("solution text format", choices=FORMATS))
    order: str = field(default=_SURFACE.order, metadata=_world("problem sentence order", choices=ORDERS))
    question: str = field(default=_SURFACE.question, metadata=_world(
        "where the question goes: after the problem text (the paper) or before it", choices=QUESTION_PLACES))
    solution_order: str = field(default=_SURFACE.solution_order, metadata=_world(
        "the order of the solution's steps: the solution path's, depth-first from the target (the paper), or the "
        "problem text's (each step the ready quantity whose sentence comes first)", choices=SOLUTION_ORDERS))
    question_form: str = field(default=_SURFACE.question_form, metadata=_world(
        "the question in the context's words (the paper: 'How many adult fox does Cedar Valley have?') or naming "
        "the quantity as the text and the steps do ('What is the number of adult fox in Cedar Valley?')",
        choices=QUESTION_FORMS))
    n_locations: int = field(default=_GRAPH.n_locations, metadata=_world("locations per problem (lexicon size)"))
    n_items: int = field(default=_GRAPH.n_items, metadata=_world("item types per problem (lexicon size)"))
    distractors: str = field(default="{}-{}".format(*_GRAPH.distractors),
                             metadata=_world("distractor quantities per problem, N or LOW-HIGH"))
    max_value: int = field(default=_GRAPH.max_value, metadata=_world("largest value on a solution path"))
    modulus: int = field(default=0,
                         metadata=_world("do all arithmetic modulo this number (e.g. 23; 0: ordinary integers)"))
    seed: int = 0
    lexicons: list = field(default_factory=list)  # TOML lexicon files of user contexts (--lexicon on the CLI)

    def spec(self) -> MixtureSpec:
        from interplay.world.contexts import register_lexicon_files

        register_lexicon_files(self.lexicons)
        options = {f.name: getattr(self, f.name) for f in world_fields()}
        options["distractors"] = parse_range(self.distractors, "data.distractors range")
        options["modulus"] = self.modulus or None
        return MixtureSpec.parse(**options)

    def has_reverse(self) -> bool:
        """Whether the stream holds reverse (equation) problems, whose words the tokenizer then needs."""
        return "reverse" in self.mode

    def max_number(self) -> int:
        """The largest number a text of this stream can contain (the tokenizer needs them all)."""
        return max(self.modulus - 1, 4) if self.modulus else self.max_value


def world_fields() -> list[dataclasses.Field]:
    """DataConfig's world options, in declaration order."""
    return [f for f in dataclasses.fields(DataConfig) if "help" in f.metadata]


def world_option_names() -> tuple[str, ...]:
    """The keys a recipe's [world] and a data stage's settings may set."""
    return tuple(f.name for f in world_fields()) + ("lexicons",)


def add_world_options(parser, **defaults) -> None:
    """Add every world option to an argparse parser (`--n-locations` for n_locations), with
    DataConfig's defaults unless `defaults` overrides one (the probe's ops reach further)."""
    for f in world_fields():
        extras = {k: v for k, v in f.metadata.items() if k != "help"}
        parser.add_argument("--" + f.name.replace("_", "-"), type=type(f.default),
                            default=defaults.get(f.name, f.default), help=f.metadata["help"], **extras)
    add_lexicon_option(parser)


def add_lexicon_option(parser) -> None:
    parser.add_argument("--lexicon", action="append", default=[], metavar="FILE", dest="lexicons",
                        help="register a user context from a TOML lexicon file (repeatable)")


def data_config_from_args(args) -> DataConfig:
    """The DataConfig of a command's parsed world options."""
    return DataConfig(**{name: getattr(args, name) for name in world_option_names()})


@dataclass
class ModelSection:
    preset: str = "cpu"
    hidden_size: int = 0  # 0 keeps the preset's value, here and below
    num_layers: int = 0
    num_heads: int = 0
    num_kv_heads: int = 0
    intermediate_size: int = 0
    rope_theta: float = 1e6
    max_position_embeddings: int = 2048

    def overrides(self) -> dict:
        values = dataclasses.asdict(self)
        values.pop("preset")
        return {k: v for k, v in values.items() if v}


@dataclass
class TrainSection:
    out: str = "runs/pretrain"
    tokens: int = 5_000_000  # training tokens (global, all ranks)
    seq_len: int = 512
    batch_size: int = 16  # sequences per optimizer step, over all ranks and micro-batches
    grad_accum: int = 1
    lr: float = 1e-3
    min_lr: float = 1e-4
    warmup: float = 0.05  # fraction of the steps
    weight_decay: float = 0.1
    grad_clip: float = 1.0
    beta1: float = 0.9
    beta2: float = 0.95
    dtype: str = "auto"  # auto | bf16 | fp32 (auto: see train/precision.py; the resolved choice is written)
    optimizer: str = "muon"  # muon (hidden matrices; AdamW for the rest) | adamw
    muon_momentum: float = 0.95
    muon_ns_dtype: str = "auto"  # auto | bf16 | fp32: Newton-Schulz precision (auto: bf16 in native-bf16 runs only)
    packing: str = "documents"  # documents (whole documents per row) | stream (cut every seq_len tokens)
    document_mask: bool = True  # with documents: attention stays inside each document
    loss_on: str = "all"  # all | solution (solution and answer tokens only)
    compile: bool = False  # torch.compile the training steps (benchmarks/compile_speed.py); evals run eager
    eval_every: int = 100
    eval_sequences: int = 32
    eval_problems: int = 32  # per op: held-out single problems for solution NLL and greedy strict accuracy
    eval_samples: int = 0  # per held-out problem at temperature 1 for strict pass@1 by op (0: not measured)
    checkpoint_every: int = 200
    keep_checkpoints: int = 2
    log_every: int = 10
    log_to: list[str] = field(default_factory=list)  # trackers beside metrics.jsonl: tensorboard, wandb
    seed: int = 0  # the initial weights and the order of the training stream (train/lm.py: training_stream_seed)
    device: str = "auto"
    threads: int = 0  # 0: torch's default

    def validate(self) -> None:
        for key, choices in (("dtype", DTYPES), ("optimizer", OPTIMIZERS), ("muon_ns_dtype", DTYPES),
                             ("packing", PACKINGS), ("loss_on", LOSS_ON)):
            _require_choice(self, "train", key, choices)
        _require_trackers(self, "train")
        if self.document_mask and self.packing != "documents":
            raise UserError("train.document_mask needs train.packing = 'documents' (a stream has no whole documents)")
        _require_positive(self, "train", ("tokens", "seq_len", "batch_size", "grad_accum", "eval_every",
                                          "checkpoint_every", "log_every"))
        if self.batch_size % self.grad_accum:
            raise UserError("train.batch_size must be a multiple of train.grad_accum")


@dataclass
class LMRunConfig:
    """pre-training and mid-training: one loop, two configs."""

    model: ModelSection = field(default_factory=ModelSection)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainSection = field(default_factory=TrainSection)


def _coerce(value, kind, key: str):
    """`value` as `kind`, accepting TOML's own types and strings from --set; else a UserError."""
    origin = typing.get_origin(kind) or kind
    if isinstance(value, str) and origin is not str:
        text = value.strip()
        try:
            value = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            value = text
    if origin is bool and isinstance(value, bool):
        return value
    if origin is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if origin is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if origin is str and isinstance(value, str):
        return value
    if origin is list and isinstance(value, str):  # --set train.log_to=tensorboard,wandb
        return [item.strip() for item in value.split(",") if item.strip()]
    if origin is list and isinstance(value, list):
        return value
    raise UserError(f"config key '{key}' must be {getattr(origin, '__name__', origin)}, got {value!r}")


def from_dict(cls, data: dict, prefix: str = ""):
    """Build dataclass `cls` from nested mappings, naming any unknown key or wrongly typed value."""
    if not isinstance(data, dict):
        raise UserError(f"config key '{prefix.rstrip('.')}' must be a table")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    for key in data:
        if key not in names:
            raise UserError(f"unknown config key '{prefix}{key}' (known: {', '.join(sorted(names))})")
    values = {}
    for name, value in data.items():
        kind = hints[name]
        if dataclasses.is_dataclass(kind):
            values[name] = from_dict(kind, value, f"{prefix}{name}.")
        else:
            values[name] = _coerce(value, kind, prefix + name)
    return cls(**values)


def _apply_override(data: dict, assignment: str) -> None:
    key, sep, value = assignment.partition("=")
    if not sep or not key.strip():
        raise UserError(f"--set expects section.key=value, got '{assignment}'")
    *sections, leaf = key.strip().split(".")
    node = data
    for section in sections:
        node = node.setdefault(section, {})
        if not isinstance(node, dict):
            raise UserError(f"--set: '{section}' is not a section")
    node[leaf] = value


def load_config(cls, path: str | Path | None = None, overrides: list[str] = ()):
    data: dict = {}
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UserError(f"config file not found: {path}") from None
        except tomllib.TOMLDecodeError as error:
            raise UserError(f"{path}: not valid TOML: {error}") from None
    for assignment in overrides:
        _apply_override(data, assignment)
    return from_dict(cls, data)


def to_toml(config) -> str:
    """The resolved config as TOML (tables of scalars and lists only, which is all configs hold)."""
    lines = []
    for section in dataclasses.fields(config):
        lines.append(f"[{section.name}]")
        for key, value in dataclasses.asdict(getattr(config, section.name)).items():
            if isinstance(value, bool):
                text = "true" if value else "false"
            elif isinstance(value, str):
                text = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
            elif isinstance(value, list):
                text = "[" + ", ".join('"' + str(v) + '"' for v in value) + "]"
            else:
                text = repr(value)
            lines.append(f"{key} = {text}")
        lines.append("")
    return "\n".join(lines)


@dataclass
class RLSection:
    """GRPO; names follow verl where verl has one (in comments when they differ)."""

    out: str = "runs/rl"
    problems: str = ""  # a JSONL file of problem records to draw prompts from, instead of [data]
    steps: int = 100
    max_flops: float = 0.0  # stop once this much compute is spent (0: no limit); fixed-budget comparisons
    prompts_per_step: int = 32  # verl: data.train_batch_size
    group_size: int = 8  # verl: actor_rollout_ref.rollout.n
    temperature: float = 1.0
    top_p: float = 1.0
    max_new_tokens: int = 256
    reward: str = "outcome"  # outcome | process | strict | mixed:A,B | mixed-gated:A,B
    norm_adv_by_std_in_grpo: bool = True
    loss_agg_mode: str = "token-mean"
    clip_ratio_low: float = 0.2
    clip_ratio_high: float = 0.2
    ppo_epochs: int = 1  # mu: update passes over each batch
    micro_batch_rows: int = 64  # rows per forward/backward; the result does not depend on it
    kl_loss_coef: float = 0.001  # 0: no reference model is kept
    kl_loss_type: str = "low_var_kl"  # k1 (kl), k2 (mse), k3 (low_var_kl)
    filter_groups: bool = False  # drop groups whose rewards are all equal (DAPO's dynamic sampling)
    lr: float = 1e-6
    lr_warmup_steps: int = 0
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    dtype: str = "auto"  # auto | bf16 | fp32: autocast of the update passes (sampling stays fp32)
    curriculum: bool = False  # adaptive: sample ops where the running pass rate is neither 0 nor 1
    val_every: int = 10
    val_problems_per_op: int = 8
    val_samples: int = 4
    checkpoint_every: int = 20
    keep_checkpoints: int = 2
    log_to: list[str] = field(default_factory=list)  # trackers beside metrics.jsonl: tensorboard, wandb
    seed: int = 0
    device: str = "auto"
    threads: int = 0

    def validate(self) -> None:
        from interplay.verify.rewards import get_reward

        get_reward(self.reward)
        for key, choices in (("dtype", DTYPES), ("loss_agg_mode", LOSS_AGG_MODES),
                             ("kl_loss_type", tuple(KL_ESTIMATORS))):
            _require_choice(self, "rl", key, choices)
        _require_trackers(self, "rl")
        _require_positive(self, "rl", ("steps", "prompts_per_step", "group_size", "max_new_tokens", "ppo_epochs",
                                       "micro_batch_rows", "val_every", "checkpoint_every"))


@dataclass
class RLRunConfig:
    data: DataConfig = field(default_factory=DataConfig)
    rl: RLSection = field(default_factory=RLSection)
