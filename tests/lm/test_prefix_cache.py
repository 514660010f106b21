"""The shared-prefix cache: its decoding logits are the model's on the whole sequence, for prompts of
different lengths, GQA heads, and rows dropped part-way (a prompt losing all its rows included)."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from interplay.lm.model import ModelConfig, Transformer
from interplay.lm.sampler import prefill


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    m = Transformer(ModelConfig.preset("tiny", vocab_size=40))  # 4 query heads on 2 kv heads
    with torch.no_grad():
        for p in m.parameters():
            p.normal_(0, 0.3)
    return m.eval()


def full_sequence_logits(model, ids: list[int]) -> torch.Tensor:
    return model(torch.tensor([ids]))[0, -1]


def assert_step_matches_whole_sequences(model, cache, prompts, n, tokens, rows, step):
    """Decode `step`'s token of each live row (`rows`: which of the prompts x n rows each is) through the cache."""
    lengths = torch.tensor([len(prompts[int(r) // n]) for r in rows])
    out = model(tokens[rows, step][:, None], cache=cache, positions=(lengths + step)[:, None])[:, -1]
    for i, row in enumerate(rows.tolist()):
        expected = full_sequence_logits(model, prompts[row // n] + tokens[row, :step + 1].tolist())
        torch.testing.assert_close(out[i], expected, atol=1e-5, rtol=1e-4)


@torch.no_grad()
def test_decoding_on_a_shared_prefix_gives_the_logits_of_the_whole_sequence(model):
    prompts = [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11, 12, 13, 14], [15, 16, 17]]
    n, steps = 3, 5
    generator = torch.Generator().manual_seed(1)
    tokens = torch.randint(1, 40, (len(prompts) * n, steps), generator=generator)
    logits, cache = prefill(model, prompts, n, max_new=steps)
    for p, prompt in enumerate(prompts):
        torch.testing.assert_close(logits[p], full_sequence_logits(model, prompt), atol=1e-5, rtol=1e-4)

    rows = torch.arange(len(prompts) * n)  # which of the 9 rows each cache row is
    for step in range(steps):
        # Step 2 drops prompt 1's rows and one row of prompt 2, as the sampler drops finished rows; step 3 drops more.
        keep = {2: [0, 1, 2, 6, 8], 3: [0, 3, 4]}.get(step)
        if keep is not None:
            rows = rows[keep]
            cache.select_rows(torch.tensor(keep))
        assert_step_matches_whole_sequences(model, cache, prompts, n, tokens, rows, step)


@settings(max_examples=25, deadline=None)
@given(lengths=st.lists(st.integers(1, 8), min_size=1, max_size=4), n=st.integers(1, 3),
       drops=st.lists(st.lists(st.booleans(), min_size=12, max_size=12), min_size=1, max_size=4), data=st.data())
def test_any_prompts_and_any_rows_dropped_give_the_logits_of_the_whole_sequence(model, lengths, n, drops, data):
    prompts = [data.draw(st.lists(st.integers(1, 39), min_size=length, max_size=length)) for length in lengths]
    steps = len(drops)
    tokens = torch.tensor(data.draw(st.lists(st.lists(st.integers(1, 39), min_size=steps, max_size=steps),
                                             min_size=len(prompts) * n, max_size=len(prompts) * n)))
    with torch.no_grad():
        _, cache = prefill(model, prompts, n, max_new=steps)
        rows = torch.arange(len(prompts) * n)
        for step, keep in enumerate(drops):
            kept = [i for i in range(len(rows)) if keep[i % len(keep)]] or [0]  # never drop every row
            if step and len(kept) < len(rows):
                rows = rows[kept]
                cache.select_rows(torch.tensor(kept))
            assert_step_matches_whole_sequences(model, cache, prompts, n, tokens, rows, step)


def test_it_refuses_more_than_one_new_token_per_row(model):
    _, cache = prefill(model, [[1, 2, 3]], n=2, max_new=4)
    with pytest.raises(ValueError, match="one token per row"):
        model(torch.tensor([[4, 5], [4, 5]]), cache=cache, positions=torch.tensor([[3, 4], [3, 4]]))
