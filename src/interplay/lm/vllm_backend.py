"""Optional large-scale sampling with vLLM on the exported Hugging Face checkpoint (GPU only).

    interplay eval --backend vllm --model runs/paper/pretrain/final --data test.jsonl --samples 128 --out DIR

Kept thin on purpose: it cannot be tested on a CPU machine, and nothing else depends on it. vLLM
reads config.json + model.safetensors as a Qwen2 model and tokenizer.json through transformers.
"""

from __future__ import annotations

from pathlib import Path

from interplay.errors import UserError


def vllm_sampler(model_dir: Path, settings):
    try:
        from vllm import LLM, SamplingParams
    except ImportError:
        raise UserError("--backend vllm needs vLLM (pip install vllm) and a GPU") from None
    llm = LLM(model=str(model_dir), tokenizer=str(model_dir), seed=settings.seed)

    def generate(prompts: list[str], seed: int) -> list[str]:
        params = SamplingParams(n=settings.samples, temperature=settings.temperature, top_p=settings.top_p,
                                top_k=settings.top_k or -1, max_tokens=settings.max_new_tokens,
                                stop=[" </answer>"], include_stop_str_in_output=True, seed=seed)
        outputs = llm.generate(prompts, params)
        return [completion.text for output in outputs for completion in output.outputs]

    return generate
