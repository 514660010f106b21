"""The Qwen2-style model: same logits as transformers' Qwen2, HF round trip, KV cache, presets."""

import pytest
import torch

from interplay.lm.hf import load_pretrained, save_pretrained
from interplay.lm.model import ModelConfig, Transformer


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    m = Transformer(ModelConfig.preset("tiny", vocab_size=311))
    with torch.no_grad():  # larger than the init, so that a wrong detail would show in the logits
        for p in m.parameters():
            p.normal_(0, 0.1)
    return m.eval()


def test_transformers_loads_our_checkpoint_with_the_same_logits(model, tmp_path):
    transformers = pytest.importorskip("transformers")
    save_pretrained(model, tmp_path)
    theirs = transformers.AutoModelForCausalLM.from_pretrained(tmp_path).eval()
    assert type(theirs).__name__ == "Qwen2ForCausalLM"
    x = torch.randint(0, 311, (3, 29))
    with torch.no_grad():
        assert (model(x) - theirs(x).logits).abs().max() <= 1e-4
    back = load_pretrained(tmp_path)
    with torch.no_grad():
        assert torch.equal(back(x), model(x))


def test_kv_cache_matches_full_recomputation(model):
    x = torch.randint(0, 311, (2, 20))
    with torch.no_grad():
        full = model(x)
        cache = model.new_cache(2, 32)
        pieces = [model(x[:, :9], cache=cache), model(x[:, 9:15], cache=cache)]
        pieces += [model(x[:, t:t + 1], cache=cache) for t in range(15, 20)]
    assert (torch.cat(pieces, dim=1) - full).abs().max() < 1e-5 and cache.length == 20


def test_presets():
    assert Transformer(ModelConfig.preset("tiny", vocab_size=1500)).num_parameters() < 1_000_000
    assert 1_000_000 <= Transformer(ModelConfig.preset("cpu", vocab_size=1500)).num_parameters() <= 2_000_000
    paper = ModelConfig.preset("paper", vocab_size=2200)
    shape = (paper.num_layers, paper.hidden_size, paper.num_heads, paper.num_kv_heads, paper.intermediate_size)
    assert shape == (12, 768, 12, 2, 3072)
