"""Recipes: expansion into instances (variants, shared axes, seeds, evals), values, references, errors."""

from pathlib import Path

import pytest

from interplay.errors import UserError
from interplay.experiments.recipe import Recipe, resolve_references

RECIPES = Path(__file__).resolve().parents[2] / "recipes"

HEAD = """
[recipe]
name = "t"
seeds = [0, 1]

[scale.tiny]
tokens = 1000
ops = "2-3"
"""


def recipe(tmp_path, body: str, head: str = HEAD) -> Recipe:
    path = tmp_path / "r.toml"
    path.write_text(head + body)
    return Recipe.load(path)


def keys(instances):
    return [i.key for i in instances]


def test_variants_multiply_seeds_and_evals_follow_their_models(tmp_path):
    r = recipe(tmp_path, """
[stage.base]
kind = "pretrain"
set = { "train.tokens" = "{tokens}" }
[stage.rl]
kind = "rl"
init = "base"
variants.a = { "rl.reward" = "outcome" }
variants.b = { "rl.reward" = "strict" }
[stage.test]
kind = "generate"
set = { ops = "{ops}" }
[stage.eval]
kind = "eval"
models = ["base", "rl"]
data = "test"
""")
    instances = r.expand("tiny")
    assert keys(instances) == [
        "base", "rl[rl=a,seed=0]", "rl[rl=a,seed=1]", "rl[rl=b,seed=0]", "rl[rl=b,seed=1]", "test",
        "eval[model=base]", "eval[model=rl,rl=a,seed=0]", "eval[model=rl,rl=a,seed=1]",
        "eval[model=rl,rl=b,seed=0]", "eval[model=rl,rl=b,seed=1]"]
    by_key = {i.key: i for i in instances}
    assert by_key["base"].settings == {"train.tokens": 1000}  # a whole "{x}" keeps the value's type
    assert by_key["rl[rl=b,seed=1]"].settings == {"rl.reward": "strict"}
    assert by_key["rl[rl=b,seed=1]"].inputs == {"init": "base"} and by_key["rl[rl=b,seed=1]"].seed == 1
    assert by_key["eval[model=rl,rl=a,seed=1]"].inputs == {"model": "rl[rl=a,seed=1]", "data": "test"}
    assert keys(r.expand("tiny", seeds=[7]))[1] == "rl[rl=a,seed=7]"


def test_stages_on_one_axis_pair_up_and_skip_passes_through(tmp_path):
    r = recipe(tmp_path, """
[stage.base]
kind = "pretrain"
[stage.mid]
kind = "midtrain"
init = "base"
axis = "split"
per_seed = false
variants.x = { "train.tokens" = 5 }
variants.y = { skip = true }
[stage.rl]
kind = "rl"
init = "mid"
axis = "split"
per_seed = false
variants.x = { "rl.max_flops" = 1e9 }
variants.y = { "rl.max_flops" = 2e9 }
""")
    instances = r.expand("tiny")
    assert keys(instances) == ["base", "mid[split=x]", "mid[split=y]", "rl[split=x]", "rl[split=y]"]
    assert [i.skip for i in instances] == [False, False, True, False, False]
    assert instances[4].inputs == {"init": "mid[split=y]"} and instances[4].settings == {"rl.max_flops": 2e9}


def test_references_name_stages_of_the_same_lineage_and_fall_back_only_when_asked(tmp_path):
    r = recipe(tmp_path, """
[stage.base]
kind = "pretrain"
[stage.probe]
kind = "probe"
model = "base"
[stage.rl]
kind = "rl"
init = "base"
per_seed = false
set = { "data.ops" = "{probe.edge|4}", "data.contexts" = "zoo@{ops}" }
""")
    assert r.order() == ["base", "probe", "rl"]
    rl = r.expand("tiny")[-1]
    assert rl.references() == {"probe"} and rl.settings["data.contexts"] == "zoo@2-3"
    resolved, notes = resolve_references(rl.settings, lambda stage: {"edge": "5-6"})
    assert resolved["data.ops"] == "5-6" and notes == []
    resolved, notes = resolve_references(rl.settings, lambda stage: {"edge": ""})
    assert resolved["data.ops"] == "4" and "fallback" in notes[0]
    with pytest.raises(UserError, match="found no edge ops"):
        resolve_references({"data.ops": "{probe.edge}"}, lambda stage: {"edge": ""})


def test_includes_merge_under_the_recipe(tmp_path):
    (tmp_path / "shared.toml").write_text('[scale.tiny]\ntokens = 5\nother = 9\n[stage.base]\nkind = "pretrain"\n'
                                          'set = { "train.tokens" = "{tokens}" }\n')
    r = recipe(tmp_path, "", head=HEAD.replace('seeds = [0, 1]', 'seeds = [0]\ninclude = ["shared.toml"]'))
    assert r.scales["tiny"] == {"tokens": 1000, "ops": "2-3", "other": 9}
    assert r.expand("tiny")[0].settings == {"train.tokens": 1000}


@pytest.mark.parametrize("body, message", [
    ('[stage.a]\nkind = "bake"\n', "kind must be one of"),
    ('[stage.a]\nkind = "rl"\n', "needs 'init'"),
    ('[stage.a]\nkind = "rl"\ninit = "nowhere"\n', "'nowhere' is not a stage"),
    ('[stage.a]\nkind = "pretrain"\ncolour = 1\n', "unknown key 'colour'"),
    ('[stage.a]\nkind = "pretrain"\nset = { x = "{nothing}" }\n', "no scale value 'nothing'"),
    ('[stage.a]\nkind = "pretrain"\nset = { x = "{b.edge}" }\n[stage.b]\nkind = "probe"\nmodel = "a"\n', "cycle"),
    ("[stage.a\n", "not valid TOML"),
])
def test_broken_recipes_name_their_fault(tmp_path, body, message):
    with pytest.raises(UserError, match=message):
        recipe(tmp_path, body).expand("tiny")


@pytest.mark.parametrize("finding, message", [
    ("f9", "recipe.finding must be one of demo, f1, f2, f3, f4"),
    ("f1", "finding f1's report reads stage 'probe', which this recipe does not define"),
])
def test_a_recipe_has_the_stages_its_findings_report_reads(tmp_path, finding, message):
    body = '[stage.base]\nkind = "pretrain"\n[stage.rl]\nkind = "rl"\ninit = "base"\n'
    with pytest.raises(UserError, match=message):
        recipe(tmp_path, body, head=HEAD.replace('name = "t"', f'name = "t"\nfinding = "{finding}"'))
    recipe(tmp_path, body, head=HEAD.replace('name = "t"', 'name = "t"\nfinding = "demo"'))  # demo reads base and rl


def test_a_missing_scale_is_named(tmp_path):
    r = recipe(tmp_path, '[stage.a]\nkind = "pretrain"\n')
    with pytest.raises(UserError, match=r"no \[scale.cpu\] table"):
        r.expand("cpu")


@pytest.mark.parametrize("path", sorted(RECIPES.glob("[!_]*.toml")), ids=lambda p: p.stem)
def test_every_shipped_recipe_expands_at_every_scale_it_has(path):
    r = Recipe.load(path)
    assert {"tiny", "cpu", "paper"} <= set(r.scales)
    for scale in r.scales:  # an included scale (the findings' `quick`) needs the recipe's own values too
        instances = r.expand(scale)
        assert instances and any(i.kind == "eval" for i in instances), scale
        assert r.world_for(scale)["format"] == ("paper" if scale == "paper" else "compact")


def test_scale_values_can_be_changed_from_the_command_line(tmp_path):
    r = recipe(tmp_path, '[stage.a]\nkind = "pretrain"\nset = { "train.tokens" = "{tokens}", "data.ops" = "{ops}" }\n')
    r.override_scale("tiny", ["tokens=2_000", "ops=4-5"])
    assert r.expand("tiny")[0].settings == {"train.tokens": 2000, "data.ops": "4-5"}
    with pytest.raises(UserError, match="has no value 'token'"):
        r.override_scale("tiny", ["token=1"])
