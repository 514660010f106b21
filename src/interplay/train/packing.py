"""Fixed-length training rows packed from the endless deterministic problem stream.

    packer = make_packer("documents", spec, seed=0, tokenizer=tokenizer, seq_len=512, loss_on="solution")
    batch = packer.batch(16)          # PackedBatch: inputs, targets, loss_mask (16, 512); segments
    mask = batch.attention_mask()     # (16, 1, 512, 512) block-diagonal causal, or None
    state = packer.state_dict()       # resume exactly: load_state_dict(state)

Two layouts:
- "documents" (the default): every row holds whole documents (training text + EOS) and is
  padded with EOS that carries no loss. The first document of a row is the oldest waiting one
  (nothing starves); the rest of the row is filled best-fit, largest waiting document that fits
  first, from a small buffer. Each position knows its document (`segments`), so attention can be
  restricted to the document: every solution token is then trained with exactly its own problem
  in view, as at sampling time. A document longer than a row is cut (and counted).
- "stream": documents concatenated and cut every seq_len tokens, as nanoGPT does. About a third
  of the problems are then split across rows, so the solution half of a split problem is trained
  without its problem text; kept for comparison (results/calibration.md measures the two).

`loss_on="solution"` masks the problem and question, so the model is trained on what it must
produce (and the output projection runs only there).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from tokenizers import Tokenizer

from interplay.errors import UserError
from interplay.lm.tokenizer import EOS
from interplay.world.mixture import MixtureSpec, problem_at
from interplay.world.render import training_text

ENCODE_CHUNK = 32  # problems tokenized per call: encode_batch amortises the per-call overhead
BUFFER_DOCUMENTS = 64  # documents waiting for a row: enough choice for best-fit, little reordering
LAYOUTS = ("documents", "stream")


@dataclass
class PackedBatch:
    inputs: torch.Tensor  # (rows, seq_len) token ids
    targets: torch.Tensor  # (rows, seq_len) the next token of each position
    loss_mask: torch.Tensor  # (rows, seq_len) bool: positions whose target is trained on
    segments: torch.Tensor | None = None  # (rows, seq_len) document number of each input position

    def rows(self, index) -> "PackedBatch":
        """The rows `index` (a slice or tensor) of this batch, e.g. one rank's share."""
        segments = None if self.segments is None else self.segments[index]
        return PackedBatch(self.inputs[index], self.targets[index], self.loss_mask[index], segments)

    def to(self, device) -> "PackedBatch":
        segments = None if self.segments is None else self.segments.to(device)
        return PackedBatch(self.inputs.to(device), self.targets.to(device), self.loss_mask.to(device), segments)

    def attention_mask(self) -> torch.Tensor | None:
        """Causal attention within each document: (rows, 1, seq_len, seq_len), True = may attend."""
        if self.segments is None:
            return None
        time = self.segments.shape[1]
        causal = torch.ones(time, time, dtype=torch.bool, device=self.segments.device).tril()
        same = self.segments[:, :, None] == self.segments[:, None, :]
        return (same & causal)[:, None]


class _ProblemTokens:
    """Tokenized training documents of the stream (spec, seed), in stream order."""

    def __init__(self, spec: MixtureSpec, seed: int, tokenizer: Tokenizer, loss_on: str, exclude: frozenset[str]):
        self.spec, self.seed, self.tokenizer, self.loss_on, self.exclude = spec, seed, tokenizer, loss_on, exclude
        self.eos = tokenizer.token_to_id(EOS)
        self.solution_start = tokenizer.token_to_id(" <solution>")
        self.index = 0  # the next problem of the stream to tokenize

    def next_chunk(self) -> list[tuple[list[int], list[int]]]:
        records = [problem_at(self.spec, self.seed, self.index + i) for i in range(ENCODE_CHUNK)]
        self.index += ENCODE_CHUNK
        texts = [training_text(r) for r in records if r["id"] not in self.exclude]
        documents = []
        for encoding in self.tokenizer.encode_batch(texts, add_special_tokens=False):
            ids = encoding.ids + [self.eos]
            if self.loss_on == "all":
                mask = [1] * len(ids)
            else:
                prompt_length = ids.index(self.solution_start) + 1
                mask = [0] * prompt_length + [1] * (len(ids) - prompt_length)
            documents.append((ids, mask))
        return documents


class StreamPacker:
    """Documents concatenated with no padding; consecutive rows share their boundary token."""

    def __init__(self, spec: MixtureSpec, seed: int, tokenizer: Tokenizer, seq_len: int, loss_on: str = "all",
                 exclude: frozenset[str] = frozenset()):
        self.source = _ProblemTokens(spec, seed, tokenizer, loss_on, exclude)
        self.seq_len = seq_len
        self.tokens: list[int] = []
        self.mask: list[int] = []

    def _row(self) -> tuple[list[int], list[int]]:
        while len(self.tokens) < self.seq_len + 1:
            for ids, mask in self.source.next_chunk():
                self.tokens.extend(ids)
                self.mask.extend(mask)
        tokens, mask = self.tokens[: self.seq_len + 1], self.mask[: self.seq_len + 1]
        del self.tokens[: self.seq_len], self.mask[: self.seq_len]
        return tokens, mask

    def batch(self, size: int) -> PackedBatch:
        rows = [self._row() for _ in range(size)]
        tokens = torch.tensor([r[0] for r in rows], dtype=torch.long)
        mask = torch.tensor([r[1] for r in rows], dtype=torch.bool)
        return PackedBatch(tokens[:, :-1], tokens[:, 1:], mask[:, 1:])

    def state_dict(self) -> dict:
        return {"layout": "stream", "index": self.source.index, "tokens": list(self.tokens), "mask": list(self.mask)}

    def load_state_dict(self, state: dict) -> None:
        _check_layout(state, "stream")
        self.source.index, self.tokens, self.mask = state["index"], list(state["tokens"]), list(state["mask"])


class DocumentPacker:
    """Rows of whole documents, EOS padding without loss, each position labelled with its document."""

    def __init__(self, spec: MixtureSpec, seed: int, tokenizer: Tokenizer, seq_len: int, loss_on: str = "all",
                 exclude: frozenset[str] = frozenset()):
        self.source = _ProblemTokens(spec, seed, tokenizer, loss_on, exclude)
        self.seq_len = seq_len
        self.waiting: list[tuple[list[int], list[int]]] = []  # oldest first
        self.truncated = 0  # documents longer than a row, cut at its end
        self.padding = 0  # padding positions emitted so far
        self.positions = 0  # positions emitted so far

    def _row(self) -> tuple[list[int], list[int], list[int]]:
        capacity = self.seq_len + 1  # a row of n + 1 tokens gives n (input, target) pairs
        while len(self.waiting) < BUFFER_DOCUMENTS:
            self.waiting.extend(self.source.next_chunk())
        ids, mask = self.waiting.pop(0)
        if len(ids) > capacity:
            ids, mask = ids[:capacity], mask[:capacity]
            self.truncated += 1
        tokens, loss, segments = list(ids), list(mask), [0] * len(ids)
        while len(tokens) < capacity:
            room = capacity - len(tokens)
            fitting = [i for i, (doc, _) in enumerate(self.waiting) if len(doc) <= room]
            if not fitting:
                break
            best = max(fitting, key=lambda i: (len(self.waiting[i][0]), -i))
            doc, doc_mask = self.waiting.pop(best)
            segments.extend([segments[-1] + 1] * len(doc))
            tokens.extend(doc)
            loss.extend(doc_mask)
        pad = capacity - len(tokens)
        self.padding += pad
        self.positions += capacity - 1
        # Padding forms one more segment, so its (loss-free) queries never see a real document.
        segments.extend([segments[-1] + 1] * pad)
        tokens.extend([self.source.eos] * pad)
        loss.extend([0] * pad)
        return tokens, loss, segments

    def batch(self, size: int) -> PackedBatch:
        rows = [self._row() for _ in range(size)]
        tokens = torch.tensor([r[0] for r in rows], dtype=torch.long)
        mask = torch.tensor([r[1] for r in rows], dtype=torch.bool)
        segments = torch.tensor([r[2] for r in rows], dtype=torch.int32)
        # The target at position t is token t + 1; it belongs to input t's document unless t is
        # that document's last token (EOS), whose next token starts another document: no loss there.
        crossing = segments[:, 1:] != segments[:, :-1]
        return PackedBatch(tokens[:, :-1], tokens[:, 1:], mask[:, 1:] & ~crossing, segments[:, :-1])

    def padding_fraction(self) -> float:
        return self.padding / max(1, self.positions)

    def state_dict(self) -> dict:
        return {"layout": "documents", "index": self.source.index, "waiting": [list(d) for d in self.waiting],
                "truncated": self.truncated, "padding": self.padding, "positions": self.positions}

    def load_state_dict(self, state: dict) -> None:
        _check_layout(state, "documents")
        self.source.index = state["index"]
        self.waiting = [(list(ids), list(mask)) for ids, mask in state["waiting"]]
        self.truncated, self.padding, self.positions = state["truncated"], state["padding"], state["positions"]


def _check_layout(state: dict, layout: str) -> None:
    saved = state.get("layout", "stream")  # checkpoints from before the layouts existed were streams
    if saved != layout:
        raise UserError(f"the checkpoint was packed as '{saved}', the config says train.packing = '{layout}'")


def make_packer(layout: str, spec: MixtureSpec, seed: int, tokenizer: Tokenizer, seq_len: int, loss_on: str = "all",
                exclude: frozenset[str] = frozenset()) -> DocumentPacker | StreamPacker:
    if layout not in LAYOUTS:
        raise UserError(f"train.packing must be one of {', '.join(LAYOUTS)}, got '{layout}'")
    packer = DocumentPacker if layout == "documents" else StreamPacker
    return packer(spec, seed, tokenizer, seq_len, loss_on, exclude)
