"""The sampler: greedy equals naive recomputation, stops, mixed prompt lengths, shared prefill, seeds,
the sampled distribution, and a slice of a batch sampling what the whole batch would."""

import pytest
import torch

from interplay.lm.model import ModelConfig, Transformer
from interplay.lm.sampler import SamplingParams, _filter_logits, _next_tokens, sample

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
    out = sample(model, prompts, n=8, params=SamplingParams(temperature=1.5, max_new_tokens=25), stop_ids={STOP, 8},
                 seed=3)
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


def test_tokens_follow_the_filtered_distribution():
    logits = torch.log(torch.tensor([0.5, 0.3, 0.15, 0.05])).expand(40_000, -1)
    uniforms = torch.rand(40_000, generator=torch.Generator().manual_seed(0))
    tokens = _next_tokens(logits, SamplingParams(temperature=1.0), uniforms)
    frequencies = torch.bincount(tokens, minlength=4) / 40_000
    assert torch.allclose(frequencies, torch.tensor([0.5, 0.3, 0.15, 0.05]), atol=0.01)
    tokens = _next_tokens(logits, SamplingParams(temperature=1.0, top_k=2), uniforms)
    assert set(tokens.tolist()) == {0, 1}  # a filtered token has no width on the CDF
    assert abs((tokens == 0).float().mean().item() - 0.5 / 0.8) < 0.01


def test_a_slice_of_a_batch_samples_what_the_whole_batch_gives_its_rows(model):
    prompts = [[9, 10], [11], [12, 13, 14], [15], [16, 17]]
    params = SamplingParams(temperature=1.0, max_new_tokens=20)
    whole = sample(model, prompts, n=3, params=params, stop_ids={STOP}, seed=4)
    for first, last in ((0, 2), (2, 5), (4, 5)):
        part = sample(model, prompts[first:last], n=3, params=params, stop_ids={STOP}, seed=4, first_prompt=first,
                      total_prompts=len(prompts))
        assert part == whole[3 * first:3 * last]
    assert len(set(map(tuple, whole))) > 5  # the rows do not share one random stream
    with pytest.raises(ValueError, match="not inside a batch"):
        sample(model, prompts, n=1, params=params, stop_ids={STOP}, first_prompt=1, total_prompts=5)
