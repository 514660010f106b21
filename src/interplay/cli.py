"""`interplay <command>`: parse arguments, call one stage function, turn user errors into exit code 2.

    interplay generate --ops 2-10 --contexts zoo --n 1000 --seed 0 --out train.jsonl
    interplay stats train.jsonl
    interplay tokenizer --out tokenizer.json
    interplay verify --in predictions.jsonl --out verified.jsonl
    interplay export --schema verl --in train.jsonl --out train.parquet
    interplay pretrain --config pretrain.toml --set train.tokens=2000000
    interplay midtrain --init runs/pretrain/final --config midtrain.toml
    interplay eval --model runs/pretrain/final --data test.jsonl --samples 64 --out runs/eval
    interplay gold-loss --model runs/pretrain/final --data test.jsonl
    interplay run recipes/f1_edge_of_competence.toml --scale cpu --out runs/f1
    interplay report runs/f1
"""

from __future__ import annotations

import argparse
import sys

from interplay.config import add_lexicon_option, add_world_options, data_config_from_args
from interplay.errors import StopRequested, UserError


# Commands whose parser needs no stage module but verify's: they skip importing the others (numpy
# among them), a third of `interplay verify`'s start-up.
_LIGHT_COMMANDS = ("generate", "stats", "tokenizer", "verify")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole CLI; given the command about to run, only the stage modules it needs are imported."""
    parser = argparse.ArgumentParser(prog="interplay", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    gen = commands.add_parser("generate", help="write synthetic problems to a JSONL file")
    gen.add_argument("--n", type=int, required=True, help="number of distinct problems")
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--out", required=True, help="output JSONL file (written atomically)")
    gen.add_argument("--exclude", action="append", default=[], metavar="FILE",
                     help="no problem of this JSONL file (by content id) appears in the output (repeatable)")
    gen.add_argument("--workers", type=int, default=None,
                     help="processes that build problems (default: every core for 4,000 problems or more); "
                          "the output is the same for any number")
    add_world_options(gen)

    stats = commands.add_parser("stats", help="counts by op and context, and token lengths, of a JSONL file")
    stats.add_argument("file")
    add_lexicon_option(stats)

    tok = commands.add_parser("tokenizer", help="write the word-level tokenizer.json for the registered contexts")
    tok.add_argument("--out", required=True)
    tok.add_argument("--max-number", type=int, default=1000, help="numbers 0..N get their own tokens")
    tok.add_argument("--reverse", action="store_true", help="include the words of reverse (equation) problems")
    add_lexicon_option(tok)

    for module in _stage_modules(light=command in _LIGHT_COMMANDS):
        module.add_parser(commands)
    return parser


def _stage_modules(light: bool = False) -> list:
    """Stages that bring their own sub-command (imported lazily: `interplay --help` stays fast)."""
    if light:
        from interplay.verify import cli as verify_cli

        return [verify_cli]
    from interplay import competence, evaluate, export, gold_loss
    from interplay.experiments import runner
    from interplay.report import document
    from interplay.train import cli as train_cli
    from interplay.verify import cli as verify_cli

    return [verify_cli, train_cli, evaluate, competence, gold_loss, runner, document, export]


def cmd_generate(args: argparse.Namespace) -> None:
    from interplay.jsonl import iter_jsonl, write_jsonl
    from interplay.world.mixture import generate

    if args.n < 1:
        raise UserError(f"--n must be at least 1, got {args.n}")
    spec = data_config_from_args(args).spec()
    excluded = {record.get("id") for path in args.exclude for record in iter_jsonl(path)}
    records = generate(spec, args.seed, args.n, exclude=excluded, workers=args.workers)
    write_jsonl(args.out, records)
    print(f"wrote {len(records)} problems to {args.out}", file=sys.stderr)


def cmd_stats(args: argparse.Namespace) -> None:
    from interplay.stats import dataset_stats, format_stats
    from interplay.world.contexts import register_lexicon_files

    register_lexicon_files(args.lexicons)
    print(format_stats(dataset_stats(args.file)))


def cmd_tokenizer(args: argparse.Namespace) -> None:
    from interplay.lm.tokenizer import build_tokenizer
    from interplay.world.contexts import register_lexicon_files

    register_lexicon_files(args.lexicons)
    tokenizer = build_tokenizer(max_number=args.max_number, reverse=args.reverse)
    tokenizer.save(args.out)
    print(f"wrote {args.out} ({tokenizer.get_vocab_size()} tokens)", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(command=argv[0] if argv else None)  # `interplay` has no option before the command but -h
    args = parser.parse_args(argv)
    handler = args.handler if hasattr(args, "handler") else globals()[f"cmd_{args.command}"]
    try:
        handler(args)
    except UserError as error:
        print(f"interplay {args.command}: error: {error}", file=sys.stderr)
        return 2
    except StopRequested as stopped:  # SIGTERM or Ctrl-C during training: a checkpoint was saved first
        print(f"interplay {args.command}: {stopped}", file=sys.stderr)
        return stopped.exit_code
    except KeyboardInterrupt:
        print(f"interplay {args.command}: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
