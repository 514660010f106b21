"""Fixed-length training sequences packed from the endless deterministic problem stream.

    packer = SequencePacker(spec, seed=0, tokenizer=tokenizer, seq_len=512, loss_on="solution")
    inputs, targets, loss_mask = packer.batch(16)      # (16, 512) each
    state = packer.state_dict()                        # resume exactly: load_state_dict(state)

Documents (training text + EOS) are concatenated with no padding; consecutive sequences share
their boundary token, as in nanoGPT. `loss_on="solution"` masks the problem and question, so the
model is trained on what it must produce (and the output projection runs only there).
"""

from __future__ import annotations

import torch
from tokenizers import Tokenizer

from interplay.lm.tokenizer import EOS
from interplay.world.mixture import MixtureSpec, problem_at
from interplay.world.render import training_text

ENCODE_CHUNK = 32  # problems tokenized per call: encode_batch amortises the per-call overhead


class SequencePacker:
    def __init__(self, spec: MixtureSpec, seed: int, tokenizer: Tokenizer, seq_len: int, loss_on: str = "all",
                 exclude: frozenset[str] = frozenset()):
        self.spec, self.seed, self.tokenizer, self.seq_len, self.loss_on = spec, seed, tokenizer, seq_len, loss_on
        self.exclude = exclude
        self.eos = tokenizer.token_to_id(EOS)
        self.solution_start = tokenizer.token_to_id(" <solution>")
        self.index = 0  # the next problem of the stream to tokenize
        self.tokens: list[int] = []
        self.mask: list[int] = []

    def _refill(self) -> None:
        records = [problem_at(self.spec, self.seed, self.index + i) for i in range(ENCODE_CHUNK)]
        self.index += ENCODE_CHUNK
        texts = [training_text(r) for r in records if r["id"] not in self.exclude]
        for encoding in self.tokenizer.encode_batch(texts, add_special_tokens=False):
            ids = encoding.ids + [self.eos]
            self.tokens.extend(ids)
            if self.loss_on == "all":
                self.mask.extend([1] * len(ids))
            else:
                prompt_length = ids.index(self.solution_start) + 1
                self.mask.extend([0] * prompt_length + [1] * (len(ids) - prompt_length))

    def sequence(self) -> tuple[list[int], list[int]]:
        while len(self.tokens) < self.seq_len + 1:
            self._refill()
        tokens, mask = self.tokens[: self.seq_len + 1], self.mask[: self.seq_len + 1]
        del self.tokens[: self.seq_len], self.mask[: self.seq_len]
        return tokens, mask

    def batch(self, size: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        rows = [self.sequence() for _ in range(size)]
        tokens = torch.tensor([r[0] for r in rows], dtype=torch.long)
        mask = torch.tensor([r[1] for r in rows], dtype=torch.bool)
        return tokens[:, :-1], tokens[:, 1:], mask[:, 1:]

    def state_dict(self) -> dict:
        return {"index": self.index, "tokens": list(self.tokens), "mask": list(self.mask)}

    def load_state_dict(self, state: dict) -> None:
        self.index, self.tokens, self.mask = state["index"], list(state["tokens"]), list(state["mask"])
