"""The word-level tokenizer: exact round trip, no unknown tokens, unseen contexts, HF loading."""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from interplay.lm.tokenizer import EOS, build_tokenizer, decode, encode_record, vocabulary
from interplay.world.contexts import BUILTIN_CONTEXTS, Context, get_context
from interplay.world.mixture import MixtureSpec, problem_at
from interplay.world.render import training_text

TOKENIZER = build_tokenizer(reverse=True)
UNK = TOKENIZER.token_to_id("<unk>")


@given(seed=st.integers(0, 10**6), fmt=st.sampled_from(["paper", "compact"]), op=st.integers(1, 30),
       context=st.sampled_from(BUILTIN_CONTEXTS), modulus=st.sampled_from([None, 23]),
       mode=st.sampled_from(["forward", "reverse"]))
def test_round_trip_without_unknown_tokens(seed, fmt, op, context, modulus, mode):
    assume(mode == "forward" or op >= 2)
    spec = MixtureSpec.parse(ops=str(op), contexts=context, format=fmt, modulus=modulus, mode=mode)
    record = problem_at(spec, seed, 0)
    text = training_text(record)
    ids = encode_record(TOKENIZER, text)
    assert UNK not in ids
    assert decode(TOKENIZER, ids) == text


def test_one_token_per_word_number_and_tag():
    tokens = TOKENIZER.encode("have? </question> <solution> so a = 2 * (b + 17).").tokens
    assert tokens == ["have", "?", " </question>", " <solution>", "▁so", "▁a", "▁=", "▁2", "▁*", "▁(", "b", "▁+",
                      "▁17", ")", "."]


def test_vocabulary_is_deterministic_and_covers_every_context():
    assert vocabulary() == vocabulary()
    vocab = TOKENIZER.get_vocab()
    for name in BUILTIN_CONTEXTS:  # words of contexts a model never trained on still have ids
        for word in get_context(name).entities[0][0].split():
            assert "▁" + word in vocab
    assert EOS in vocab and "▁1000" in vocab and "▁1001" not in vocab


def test_user_context_words_enter_the_vocabulary():
    garden = Context("garden", (("Quillfeather Grove",),), (("moonpetal", "sunroot"),), "total number of plants")
    vocab = build_tokenizer([garden], max_number=23).get_vocab()
    assert "▁Quillfeather" in vocab and "▁moonpetal" in vocab and "▁24" not in vocab


def test_transformers_loads_the_saved_tokenizer(tmp_path):
    transformers = pytest.importorskip("transformers")
    path = tmp_path / "tokenizer.json"
    TOKENIZER.save(str(path))
    hf = transformers.PreTrainedTokenizerFast(tokenizer_file=str(path), eos_token=EOS)
    text = training_text(problem_at(MixtureSpec.parse(ops="4"), 0, 0))
    ids = hf(text)["input_ids"]
    assert ids == encode_record(TOKENIZER, text)
    assert hf.decode(ids) == text


def test_reverse_words_enter_only_a_reverse_worlds_vocabulary():
    """A forward world's vocabulary (and so every model trained on it) is what it was before reverse mode."""
    forward, both = vocabulary(), vocabulary(reverse=True)
    assert "▁exists" in both and "▁exists" not in forward and set(forward) < set(both)
