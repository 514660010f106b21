"""A checkpoint as Hugging Face's entry points read it: AutoTokenizer, pipeline, generate's stop tokens."""

import json

import pytest
import torch

from interplay.lm.hf import save_pretrained
from interplay.lm.model import ModelConfig, Transformer
from interplay.lm.tokenizer import build_tokenizer, decode, encode_record, stop_ids
from interplay.world.mixture import MixtureSpec, problem_at
from interplay.world.render import prompt_text, training_text

transformers = pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    directory = tmp_path_factory.mktemp("checkpoint")
    tokenizer = build_tokenizer()
    tokenizer.save(str(directory / "source-tokenizer.json"))
    torch.manual_seed(0)
    model = Transformer(ModelConfig.preset("tiny", tokenizer.get_vocab_size())).eval()
    save_pretrained(model, directory / "final", tokenizer_path=directory / "source-tokenizer.json")
    return directory / "final", model, tokenizer


def _texts():
    for fmt in ("paper", "compact"):
        record = problem_at(MixtureSpec.parse(ops="4", contexts="zoo,movies", format=fmt), 7, 0)
        yield training_text(record)


def test_auto_tokenizer_gives_our_ids_and_an_exact_round_trip(checkpoint):
    directory, _, ours = checkpoint
    theirs = transformers.AutoTokenizer.from_pretrained(directory, trust_remote_code=True)
    for text in _texts():
        ids = theirs(text)["input_ids"]
        assert ids == encode_record(ours, text)
        assert theirs.decode(ids) == text
    assert (theirs.pad_token, theirs.pad_token_id, theirs.eos_token, theirs.eos_token_id) == ("<pad>", 0, "<eos>", 2)
    assert theirs.bos_token is None and len(theirs) == ours.get_vocab_size()


def test_generation_config_stops_where_our_sampler_stops(checkpoint):
    directory, _, ours = checkpoint
    generation = json.loads((directory / "generation_config.json").read_text())
    assert set(generation["eos_token_id"]) == stop_ids(ours)


def test_text_generation_pipeline_continues_as_our_model_does(checkpoint):
    directory, model, ours = checkpoint
    record = problem_at(MixtureSpec.parse(ops="3", format="compact"), 3, 0)
    prompt = prompt_text(record)
    generator = transformers.pipeline("text-generation", model=str(directory), trust_remote_code=True)
    text = generator(prompt, max_new_tokens=6, do_sample=False, return_full_text=False)[0]["generated_text"]
    ids = torch.tensor([encode_record(ours, prompt)])
    with torch.no_grad():
        for _ in range(6):  # greedy, by hand
            ids = torch.cat([ids, model(ids)[:, -1:].argmax(-1)], dim=1)
    continuation = ids[0, len(encode_record(ours, prompt)):].tolist()
    stops = stop_ids(ours)
    end = next((i + 1 for i, token in enumerate(continuation) if token in stops), len(continuation))
    assert text == decode(ours, continuation[:end])
