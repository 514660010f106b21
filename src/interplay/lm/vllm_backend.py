"""Optional large-scale sampling with vLLM on the exported Hugging Face checkpoint (GPU only).

    interplay eval --backend vllm --model runs/paper/pretrain/final --data test.jsonl --samples 128 --out DIR

vLLM gets token ids, not text: it would load the tokenizer through transformers' AutoTokenizer, which
for a qwen2 checkpoint rebuilds Qwen2's byte-level BPE instead of ours (tokenization_interplay.py), so
interplay encodes the prompts, stops on its own stop tokens and decodes the completions itself; the
text is then exactly what the native sampler would have produced from the same ids. Kept thin on
purpose: it cannot be tested on a CPU machine, and nothing else depends on it.
"""

from __future__ import annotations

from pathlib import Path

from interplay.errors import UserError
from interplay.lm.tokenizer import decode, encode_record, load_tokenizer, stop_ids


def vllm_sampler(model_dir: Path, settings):
    try:
        from vllm import LLM, SamplingParams
    except ImportError:
        raise UserError("--backend vllm needs vLLM (pip install vllm) and a GPU") from None
    tokenizer = load_tokenizer(model_dir / "tokenizer.json")
    stops = sorted(stop_ids(tokenizer))
    llm = LLM(model=str(model_dir), skip_tokenizer_init=True, seed=settings.seed)

    def generate(prompts: list[str], seed: int) -> list[str]:
        params = SamplingParams(n=settings.samples, temperature=settings.temperature, top_p=settings.top_p,
                                top_k=settings.top_k or -1, max_tokens=settings.max_new_tokens,
                                stop_token_ids=stops, detokenize=False, seed=seed)
        requests = [{"prompt_token_ids": encode_record(tokenizer, prompt)} for prompt in prompts]
        outputs = llm.generate(requests, params)
        return [decode(tokenizer, _with_stop(list(c.token_ids), c.stop_reason)) for o in outputs for c in o.outputs]

    def _with_stop(ids: list[int], stop_reason) -> list[int]:
        """The native sampler keeps the stop token (" </answer>" closes the answer); vLLM may leave it out."""
        if stop_reason in stops and (not ids or ids[-1] != stop_reason):
            ids.append(stop_reason)
        return ids

    return generate
