"""The tokenizer class a checkpoint ships for transformers' `AutoTokenizer` (copied into every checkpoint).

transformers 5 ignores a checkpoint's `tokenizer_class` for model type "qwen2" and rebuilds Qwen2's
byte-level BPE from the vocabulary in tokenizer.json, which turns interplay's word-level tokenizer into
single characters without spaces. Its `auto_map` route is the one way around that, so a checkpoint
names this class there: with `trust_remote_code=True`, transformers 5 loads tokenizer.json exactly as
written (transformers 4 reads `tokenizer_class` and needs no flag). This file imports nothing from
interplay, so a checkpoint loads where interplay is not installed.
"""

from transformers import PreTrainedTokenizerFast


class InterplayTokenizer(PreTrainedTokenizerFast):
    """interplay's word-level tokenizer, read from tokenizer.json as it is: same ids, exact round trip."""
