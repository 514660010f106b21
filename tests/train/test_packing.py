"""Packing: whole documents per row with a document mask, or the plain stream; exact resume for both."""

from collections import Counter

import pytest
import torch

from interplay.errors import UserError
from interplay.lm.model import ModelConfig, Transformer
from interplay.lm.tokenizer import EOS, build_tokenizer
from interplay.train.lm import masked_loss_sum
from interplay.train.packing import DocumentPacker, PackedBatch, make_packer
from interplay.world.mixture import MixtureSpec, problem_at
from interplay.world.render import training_text

SPEC = MixtureSpec.parse(ops="2-5", contexts="zoo", format="compact", order="topological", n_locations=3, n_items=4,
                         distractors=(0, 2), modulus=23)
TOKENIZER = build_tokenizer(max_number=22)


def documents(n: int) -> list[tuple[int, ...]]:
    eos = TOKENIZER.token_to_id(EOS)
    return [tuple(TOKENIZER.encode(training_text(problem_at(SPEC, 0, i)), add_special_tokens=False).ids + [eos])
            for i in range(n)]


def row_documents(batch: PackedBatch) -> list[tuple[int, ...]]:
    """The documents of each row, read back through the segment labels (padding dropped)."""
    eos = TOKENIZER.token_to_id(EOS)
    found = []
    for inputs, targets, segments in zip(batch.inputs, batch.targets, batch.segments):
        tokens = inputs.tolist() + [targets[-1].item()]
        # The row's last token has no input position; it opens a new segment after a document's EOS.
        labels = segments.tolist() + [segments[-1].item() + (tokens[-2] == eos)]
        for label in sorted(set(labels)):
            doc = tuple(t for t, s in zip(tokens, labels) if s == label)
            if set(doc) != {eos}:
                found.append(doc)
    return found


def test_every_row_holds_whole_documents_and_each_document_once():
    packer = make_packer("documents", SPEC, 0, TOKENIZER, seq_len=256)
    packed = row_documents(packer.batch(40))
    stream = Counter(documents(packer.source.index))
    assert packer.truncated == 0
    assert all(doc in stream for doc in packed)  # whole, uncut documents only
    assert not Counter(packed) - stream  # none twice
    assert len(packed) >= 40  # at least a document a row


def test_padding_and_document_boundaries_carry_no_loss():
    batch = make_packer("documents", SPEC, 0, TOKENIZER, seq_len=256, loss_on="all").batch(8)
    eos = TOKENIZER.token_to_id(EOS)
    question = TOKENIZER.token_to_id("<question>")
    # A trained target never starts a document: that would be predicted from the previous one.
    assert not (batch.loss_mask & (batch.targets == question)).any()
    # Every position whose input is padding (EOS after an EOS) is untrained.
    padding = (batch.inputs == eos) & (torch.roll(batch.inputs, 1, 1) == eos)
    assert not (batch.loss_mask & padding).any()


def test_the_document_mask_is_causal_within_documents_only():
    batch = make_packer("documents", SPEC, 0, TOKENIZER, seq_len=128).batch(2)
    mask = batch.attention_mask()[:, 0]
    same = batch.segments[:, :, None] == batch.segments[:, None, :]
    causal = torch.ones(128, 128, dtype=torch.bool).tril()
    assert torch.equal(mask, same & causal)
    assert mask.diagonal(dim1=1, dim2=2).all()  # no query is left with nothing to attend to


def test_with_the_mask_a_packed_document_has_the_loss_it_has_alone():
    torch.manual_seed(0)
    model = Transformer(ModelConfig.preset("tiny", TOKENIZER.get_vocab_size())).eval()
    batch = make_packer("documents", SPEC, 0, TOKENIZER, seq_len=256, loss_on="solution").batch(1)
    with torch.no_grad():
        packed = masked_loss_sum(model, batch, document_mask=True)
        alone = 0.0
        for label in batch.segments[0].unique():
            keep = batch.segments[0] == label
            single = PackedBatch(batch.inputs[:, keep], batch.targets[:, keep], batch.loss_mask[:, keep])
            if single.loss_mask.any():
                alone += masked_loss_sum(model, single, document_mask=False)
    assert torch.allclose(packed, alone, rtol=1e-4)


@pytest.mark.parametrize("layout", ["documents", "stream"])
def test_state_dict_resumes_the_exact_batches(layout):
    packer = make_packer(layout, SPEC, 3, TOKENIZER, seq_len=128)
    packer.batch(5)
    state = packer.state_dict()
    expected = packer.batch(4)
    resumed = make_packer(layout, SPEC, 3, TOKENIZER, seq_len=128)
    resumed.load_state_dict(state)
    got = resumed.batch(4)
    assert torch.equal(got.inputs, expected.inputs) and torch.equal(got.loss_mask, expected.loss_mask)


def test_the_stream_cuts_rows_every_seq_len_tokens_sharing_the_boundary_token():
    batch = make_packer("stream", SPEC, 0, TOKENIZER, seq_len=64).batch(3)
    assert batch.segments is None and batch.attention_mask() is None
    assert torch.equal(batch.targets[0, -1], batch.inputs[1, 0])


def test_a_document_longer_than_a_row_is_cut_and_counted():
    packer = DocumentPacker(SPEC, 0, TOKENIZER, seq_len=16)
    batch = packer.batch(2)
    assert packer.truncated >= 2 and batch.inputs.shape == (2, 16)


def test_resuming_a_checkpoint_of_another_layout_is_an_error():
    state = make_packer("stream", SPEC, 0, TOKENIZER, seq_len=64).state_dict()
    with pytest.raises(UserError, match="packed as 'stream'"):
        make_packer("documents", SPEC, 0, TOKENIZER, seq_len=64).load_state_dict(state)


def test_an_unknown_layout_is_an_error():
    with pytest.raises(UserError, match="train.packing"):
        make_packer("bins", SPEC, 0, TOKENIZER, seq_len=64)
