"""Word-level tokenizer on Hugging Face `tokenizers`, its vocabulary derived from the world.

    tokenizer = build_tokenizer(max_number=1000)          # every registered context
    ids = tokenizer.encode(training_text(record)).ids
    tokenizer.save("tokenizer.json")                      # PreTrainedTokenizerFast loads it

One token per word, number, letter or punctuation mark, each in two spellings: with a leading
space marker ("▁crow") and without ("crow", after "(" or at the start). Spaces are part of the
tokens, so decode(encode(text)) == text exactly. Numbers are single tokens because the model must
learn arithmetic on them, not on digit strings. The vocabulary comes from every registered
context, so a context a model never trained on still has its own ids: that is what an unseen
context looks like to the model.
"""

from __future__ import annotations

import re
from pathlib import Path

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers

from interplay.world.contexts import Context, registered_contexts
from interplay.world.render import COMPACT_LETTERS, REVERSE_PHRASES, TEMPLATE_PHRASES

SPACE = "▁"
PAD, UNK, EOS = "<pad>", "<unk>", "<eos>"
TAGS = ("<question>", "</question>", "<solution>", "</solution>", "<answer>", "</answer>")
STOP_TOKENS = (EOS, " </answer>")  # a sampled solution ends at either
PUNCTUATION = tuple(".,;:=+-*()?'")
_PIECE = re.compile(r"\w+|[^\w\s]")
_SPLIT = rf"{SPACE}?\w+|{SPACE}?[^\w\s{SPACE}]|{SPACE}"


def vocabulary(contexts: list[Context] | None = None, max_number: int = 1000, reverse: bool = False) -> list[str]:
    """Every token, in a fixed order: specials, tags, then sorted pieces in both spellings; with
    `reverse`, the words of reverse (equation) problems too."""
    contexts = registered_contexts() if contexts is None else contexts
    pieces = set(PUNCTUATION) | set(COMPACT_LETTERS) | {str(n) for n in range(max_number + 1)}
    phrases = list(TEMPLATE_PHRASES) + (list(REVERSE_PHRASES) if reverse else [])
    for phrase in phrases + [p for c in contexts for p in c.words()]:
        pieces.update(_PIECE.findall(re.sub(r"\{\w+\}", " ", phrase)))
    spaced = {SPACE + piece for piece in pieces}
    # Each tag also exists with its leading space, so " </question>" is one token, not two.
    tags = [t for tag in TAGS for t in (tag, " " + tag)]
    return [PAD, UNK, EOS, *tags, SPACE, *sorted(pieces | spaced)]


def build_tokenizer(contexts: list[Context] | None = None, max_number: int = 1000, reverse: bool = False) -> Tokenizer:
    vocab = vocabulary(contexts, max_number, reverse)
    tokenizer = Tokenizer(models.WordLevel({token: i for i, token in enumerate(vocab)}, unk_token=UNK))
    tokenizer.normalizer = normalizers.Replace(" ", SPACE)
    tokenizer.pre_tokenizer = pre_tokenizers.Split(Regex(_SPLIT), behavior="isolated")
    tokenizer.decoder = decoders.Sequence([decoders.Replace(SPACE, " "), decoders.Fuse()])
    tokenizer.add_special_tokens([AddedToken(t, normalized=False, special=True) for t in (PAD, UNK, EOS)])
    tokenizer.add_tokens([AddedToken(t, normalized=False, special=False) for t in vocab[3:3 + 2 * len(TAGS)]])
    return tokenizer


def load_tokenizer(path: str | Path) -> Tokenizer:
    return Tokenizer.from_file(str(path))


def stop_ids(tokenizer: Tokenizer) -> set[int]:
    """The tokens that end a sampled solution: EOS, or the closing answer tag."""
    return {tokenizer.token_to_id(token) for token in STOP_TOKENS}


def encode_record(tokenizer: Tokenizer, text: str) -> list[int]:
    return tokenizer.encode(text, add_special_tokens=False).ids


def decode(tokenizer: Tokenizer, ids: list[int]) -> str:
    return tokenizer.decode(ids, skip_special_tokens=False)
