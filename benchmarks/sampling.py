"""New tokens/s of our sampler against `transformers` `generate` on the same exported checkpoint.

    python benchmarks/sampling.py [--new-tokens 96] [--presets cpu,small] [--samples 8] [--ops 3-5]
    python benchmarks/sampling.py --samples 64 --ops 7-10 --batches 256 --new-tokens 192  # evaluation's shape

Both sides sample at temperature 1 from the same Qwen2 checkpoint (ours exported, transformers
loading it), from the same prompts (real problem prompts: ~100 tokens at ops 3-5, ~250 at 7-10)
with the same number of rows and new tokens (stops disabled so both decode exactly as long). Rows
are prompts x samples: our sampler prefills each prompt once and its samples share its keys and
values, `generate` with `num_return_sequences` prefills every row and keeps a copy per row. The last line is
`ratio=<ours / generate at the cpu preset, the first batch size>`.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import torch

from interplay.lm.hf import save_pretrained
from interplay.lm.model import ModelConfig, Transformer
from interplay.lm.sampler import SamplingParams, sample
from interplay.lm.tokenizer import build_tokenizer
from interplay.train.precision import cpu_description
from interplay.world.mixture import MixtureSpec, problem_at
from interplay.world.render import prompt_text

def ours(model, prompts, samples, new_tokens):
    params = SamplingParams(temperature=1.0, max_new_tokens=new_tokens)
    start = time.perf_counter()
    out = sample(model, prompts, samples, params, stop_ids=set(), seed=0)
    return sum(map(len, out)) / (time.perf_counter() - start)


def theirs(hf_model, prompts, samples, new_tokens):
    width = max(map(len, prompts))
    ids = torch.tensor([[0] * (width - len(p)) + p for p in prompts])
    attention = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts])
    start = time.perf_counter()
    with torch.no_grad():
        out = hf_model.generate(input_ids=ids, attention_mask=attention, do_sample=True, temperature=1.0, top_k=0,
                                max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                                num_return_sequences=samples, pad_token_id=0)
    return (out.shape[0] * (out.shape[1] - width)) / (time.perf_counter() - start)


def main() -> None:
    import transformers

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--new-tokens", type=int, default=96)
    parser.add_argument("--presets", default="cpu,small")
    parser.add_argument("--batches", default="64,512", help="rows (prompts x samples) decoded together")
    parser.add_argument("--samples", type=int, default=8, help="samples per prompt")
    parser.add_argument("--ops", default="3-5", help="the prompts' ops (their length grows with op)")
    args = parser.parse_args()
    print(f"# on {cpu_description()}")
    torch.manual_seed(0)
    tokenizer = build_tokenizer(max_number=22)
    spec = MixtureSpec.parse(ops=args.ops, format="compact", order="topological", modulus=23)
    all_prompts = [tokenizer.encode(prompt_text(problem_at(spec, 0, i))).ids
                   for i in range(max(int(b) for b in args.batches.split(",")) // args.samples)]
    first_cpu_ratio = None
    for preset in args.presets.split(","):
        model = Transformer(ModelConfig.preset(preset, tokenizer.get_vocab_size())).eval()
        with tempfile.TemporaryDirectory() as directory:
            save_pretrained(model, directory)
            hf_model = transformers.AutoModelForCausalLM.from_pretrained(directory).eval()
        ours(model, all_prompts[:2], args.samples, 8)  # warm-up
        theirs(hf_model, all_prompts[:2], args.samples, 8)
        for rows in (int(b) for b in args.batches.split(",")):
            prompts = all_prompts[: rows // args.samples]
            a = ours(model, prompts, args.samples, args.new_tokens)
            b = theirs(hf_model, prompts, args.samples, args.new_tokens)
            print(f"{preset:>6} {model.num_parameters() / 1e6:4.1f}M batch {rows:>4}: ours {a:7.0f} new tokens/s, "
                  f"generate {b:7.0f}, ratio {a / b:.2f}")
            if preset == "cpu" and first_cpu_ratio is None:
                first_cpu_ratio = a / b
    print(f"ratio={first_cpu_ratio if first_cpu_ratio is not None else float('nan'):.2f}")


if __name__ == "__main__":
    main()
