"""`interplay pretrain`, `interplay midtrain` (one next-token loop, two entry points) and `interplay rl`.

Only argument parsing lives here, so `interplay --help` imports no torch; each command imports its
trainer when it runs.
"""

from __future__ import annotations

import argparse
import sys


def _run(args: argparse.Namespace) -> None:
    from interplay.config import LMRunConfig, load_config
    from interplay.train.lm import train_lm

    config = load_config(LMRunConfig, args.config, args.set)
    final = train_lm(config, init=getattr(args, "init", None))
    print(f"final checkpoint: {final}", file=sys.stderr)


def _run_rl(args: argparse.Namespace) -> None:
    from interplay.config import RLRunConfig, load_config
    from interplay.train.grpo import train_rl

    final = train_rl(load_config(RLRunConfig, args.config, args.set), args.init)
    print(f"final checkpoint: {final}", file=sys.stderr)


def add_parser(commands) -> None:
    for name, help_text in (("pretrain", "pre-train a model from scratch on a problem mixture"),
                            ("midtrain", "continue next-token training from a checkpoint on a new mixture")):
        parser = commands.add_parser(name, help=help_text)
        if name == "midtrain":
            parser.add_argument("--init", required=True, help="checkpoint directory to start from")
        parser.add_argument("--config", default=None, help="TOML config with [model], [data], [train] tables")
        parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                            help="override a config value, e.g. --set train.lr=3e-4 (repeatable)")
        parser.set_defaults(handler=_run)

    parser = commands.add_parser("rl", help="GRPO post-training from a checkpoint")
    parser.add_argument("--init", required=True, help="checkpoint directory to start from (and the KL reference)")
    parser.add_argument("--config", default=None, help="TOML config with [data] and [rl] tables")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override, e.g. rl.reward=strict")
    parser.set_defaults(handler=_run_rl)
