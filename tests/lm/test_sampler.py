"""The sampler: greedy equals naive recomputation, stops, mixed prompt lengths, shared prefill, seeds."""

import pytest
import torch

from interplay.lm.model import ModelConfig, Transformer
from interplay.lm.sampler import SamplingParams, _filter_logits, sample

STOP = 7


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    m = Transformer(ModelConfig.preset("tiny", vocab_size=40))
    with torch.no_grad():
        for p in m.parameters():
            p.normal_(0, 0.3)
    return m.eval()


def naive_greedy(model, prompt, max_new, stop):
    ids, new = list(prompt), []
    for _ in range(max_new):
        with torch.no_grad():
            token = model(torch.tensor([ids]))[0, -1].argmax().item()
        new.append(token)
        ids.append(token)
        if token in stop:
            break
    return new


def test_greedy_matches_naive_recomputation_with_mixed_prompt_lengths(model):
    g = torch.Generator().manual_seed(1)
    prompts = [torch.randint(8, 40, (length,), generator=g).tolist() for length in (3, 11, 6, 1, 17)]
    out = sample(model, prompts, n=2, params=SamplingParams(temperature=0, max_new_tokens=30), stop_ids={STOP})
    for i, prompt in enumerate(prompts):
        expected = naive_greedy(model, prompt, 30, {STOP})
        assert out[2 * i] == expected and out[2 * i + 1] == expected


def test_stops_at_a_stop_token_and_respects_the_limit(model):
    prompts = [[9, 10, 11], [12]]
    out = sample(model, prompts, n=8, params=SamplingParams(temperature=1.5, max_new_tokens=25), stop_ids={STOP, 8}, seed=3)
    assert len(out) == 16
    for completion in out:
        assert 1 <= len(completion) <= 25
        assert all(t not in (STOP, 8) for t in completion[:-1])
        assert completion[-1] in (STOP, 8) or len(completion) == 25


def test_same_seed_same_samples_and_other_seed_other_samples(model):
    params = SamplingParams(temperature=1.0, max_new_tokens=20)
    a = sample(model, [[9, 10], [11]], n=4, params=params, stop_ids={STOP}, seed=5)
    assert a == sample(model, [[9, 10], [11]], n=4, params=params, stop_ids={STOP}, seed=5)
    assert a != sample(model, [[9, 10], [11]], n=4, params=params, stop_ids={STOP}, seed=6)


def test_top_k_and_top_p_filtering():
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    kept_k = torch.isfinite(_filter_logits(logits, SamplingParams(top_k=2)))
    assert kept_k.tolist() == [[True, True, False, False]]
    kept_p = torch.isfinite(_filter_logits(logits, SamplingParams(top_p=0.7)))
    assert kept_p.tolist() == [[True, True, False, False]]  # 0.5 < 0.7, and 0.3 crosses it
