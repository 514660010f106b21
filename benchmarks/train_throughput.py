"""Training tokens/s of our trainer step against transformers' Qwen2ForCausalLM, measured in one run.

    python benchmarks/train_throughput.py [--steps 6] [--presets cpu,small]

Both sides train the same configuration on the same packed batches (compact format, mod 23, loss on
solution and answer tokens; stream-packed rows, since transformers' Qwen2 takes no block-diagonal mask
in training), with AdamW, in fp32 and, where the CPU has native bf16, under bf16 autocast (without it
bf16 is emulated at a fraction of a GFLOP/s: skipped, and said so). Transformers gets the
loss mask as labels = -100, its standard way; our step runs the output projection only where the
loss is. Model FLOPs utilisation is against the matmul peak of the dtype used, measured on the spot. The last
line is `ratio=<ours / transformers at the cpu preset, best dtype of each>`.
"""

from __future__ import annotations

import argparse
import time

import torch

from interplay.lm.model import ModelConfig, Transformer
from interplay.lm.tokenizer import build_tokenizer
from interplay.train.compute import training_flops
from interplay.train.lm import masked_loss_sum
from interplay.train.packing import make_packer
from interplay.train.precision import bf16_supported, cpu_description
from interplay.world.mixture import MixtureSpec


def peak_gflops(dtype: torch.dtype, size: int = 2048, repeats: int = 10) -> float:
    a, b = torch.randn(size, size, dtype=dtype), torch.randn(size, size, dtype=dtype)
    for _ in range(3):
        a @ b
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * size**3 * repeats / (time.perf_counter() - start) / 1e9


def _time_steps(step, batches, steps: int) -> float:
    for batch in batches[:2]:  # warm-up
        step(batch)
    start = time.perf_counter()
    for batch in batches[2:2 + steps]:
        step(batch)
    return (time.perf_counter() - start) / steps


def ours(config: ModelConfig, dtype: torch.dtype | None):
    model = Transformer(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)

    def step(batch):
        with torch.autocast("cpu", dtype=dtype, enabled=dtype is not None):
            loss = masked_loss_sum(model, batch) / batch.loss_mask.sum()
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    return step


def theirs(config: ModelConfig, dtype: torch.dtype | None):
    import transformers

    hf_config = transformers.Qwen2Config(
        vocab_size=config.vocab_size, hidden_size=config.hidden_size, intermediate_size=config.intermediate_size,
        num_hidden_layers=config.num_layers, num_attention_heads=config.num_heads,
        num_key_value_heads=config.num_kv_heads, tie_word_embeddings=True, attn_implementation="sdpa")
    model = transformers.Qwen2ForCausalLM(hf_config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)

    def step(batch):
        inputs, targets, mask = batch.inputs, batch.targets, batch.loss_mask
        labels = torch.cat([inputs[:, :1], torch.where(mask, targets, -100)], dim=1)  # HF shifts labels itself
        with torch.autocast("cpu", dtype=dtype, enabled=dtype is not None):
            loss = model(input_ids=torch.cat([inputs, targets[:, -1:]], dim=1)[:, :-1], labels=labels[:, :-1]).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--presets", default="cpu,small")
    parser.add_argument("--seq-len", type=int, default=512)
    parser.add_argument("--batch", type=int, default=16)
    args = parser.parse_args()
    torch.manual_seed(0)
    tokenizer = build_tokenizer(max_number=22)
    spec = MixtureSpec.parse(ops="2-6", format="compact", order="topological", modulus=23)
    packer = make_packer("stream", spec, 0, tokenizer, args.seq_len, loss_on="solution")
    batches = [packer.batch(args.batch) for _ in range(args.steps + 2)]
    tokens = args.batch * args.seq_len
    dtypes = [("fp32", None)]
    if bf16_supported(torch.device("cpu")):
        dtypes.append(("bf16", torch.bfloat16))
    else:
        print("bf16: skipped, this CPU has no native bf16 (no avx512_bf16 or amx_bf16)")
    peaks = {name: peak_gflops(dtype or torch.float32) for name, dtype in dtypes}
    print(f"on {cpu_description()}, {torch.get_num_threads()} threads: matmul peak "
          + ", ".join(f"{name} {peak:.0f} GFLOP/s" for name, peak in peaks.items())
          + f"; batch {args.batch} x {args.seq_len}, loss on {int(batches[0].loss_mask.sum())}/{tokens} tokens")
    ratio_at_cpu = None
    for preset in args.presets.split(","):
        config = ModelConfig.preset(preset, tokenizer.get_vocab_size())
        flops = training_flops(config, tokens, int(batches[0].loss_mask.sum()), args.seq_len)
        best = {}
        for name, dtype in dtypes:
            # Two alternating rounds, best of each: the first measurement of a process pays for
            # allocator warm-up, which would otherwise favour whichever side runs second.
            seconds = {"ours": float("inf"), "transformers": float("inf")}
            for _ in range(2):
                for side, make in (("ours", ours), ("transformers", theirs)):
                    seconds[side] = min(seconds[side], _time_steps(make(config, dtype), batches, args.steps))
            for side in ("ours", "transformers"):
                rate = tokens / seconds[side]
                best[side] = max(best.get(side, 0.0), rate)
                print(f"{preset:>6} {Transformer(config).num_parameters() / 1e6:4.1f}M {name}  {side:>12}: "
                      f"{rate:8.0f} tokens/s  MFU {flops / seconds[side] / 1e9 / peaks[name]:5.1%}")
        ratio = best["ours"] / best["transformers"]
        print(f"{preset:>6}: ours / transformers (best dtype each) = {ratio:.2f}")
        if preset == "cpu":
            ratio_at_cpu = ratio
    print(f"ratio={ratio_at_cpu if ratio_at_cpu is not None else float('nan'):.2f}")


if __name__ == "__main__":
    main()
