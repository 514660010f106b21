"""Configs: world options declared once (CLI flags and recipe keys derived from DataConfig), choices
that name the key they reject."""

import argparse
import dataclasses

import pytest

from interplay.config import (DataConfig, LMRunConfig, RLRunConfig, add_world_options, data_config_from_args,
                              from_dict, world_fields, world_option_names)
from interplay.errors import UserError


def test_every_world_option_is_a_cli_flag_with_the_configs_default():
    parser = argparse.ArgumentParser()
    add_world_options(parser)
    args = parser.parse_args([])
    assert data_config_from_args(args) == DataConfig()
    names = {f.name for f in world_fields()}
    assert {"ops", "contexts", "mode", "format", "order", "question", "solution_order", "question_form", "n_locations",
            "n_items", "distractors", "max_value", "modulus"} == names
    assert set(world_option_names()) == names | {"lexicons"}


def test_cli_flags_reach_the_mixture():
    parser = argparse.ArgumentParser()
    add_world_options(parser, ops="2-20")
    args = parser.parse_args(["--n-locations", "3", "--format", "compact", "--distractors", "0-2", "--modulus", "23",
                              "--question", "before"])
    spec = data_config_from_args(args).spec()
    shown = (spec.graph.n_locations, spec.surface.format, spec.graph.distractors, spec.graph.modulus)
    assert shown == (3, "compact", (0, 2), 23)
    assert spec.surface.question == "before"
    assert spec.all_ops() == list(range(2, 21))  # a command's own default
    assert data_config_from_args(parser.parse_args(["--modulus", "0"])).spec().graph.modulus is None


def test_the_world_defaults_are_the_generators_own():
    spec = DataConfig().spec()
    assert dataclasses.asdict(spec.graph) == dataclasses.asdict(type(spec.graph)())
    assert spec.surface == type(spec.surface)()


@pytest.mark.parametrize("section, key, value", [
    ("train", "optimizer", "sgd"), ("train", "loss_on", "prompt"), ("train", "dtype", "fp16"),
    ("rl", "loss_agg_mode", "sum"), ("rl", "kl_loss_type", "k4"), ("rl", "dtype", "fp8"),
])
def test_a_bad_choice_names_its_key_and_the_choices(section, key, value):
    config = from_dict(LMRunConfig if section == "train" else RLRunConfig, {section: {key: value}})
    with pytest.raises(UserError, match=f"{section}.{key} must be one of .*got '{value}'"):
        getattr(config, section).validate()
