"""Training-core benchmarks, reported as ratios against plain baselines.

1. Builder + packer throughput (tokens/s, one core) vs a plain
   ``numpy.concatenate`` of the same sentence arrays. Goal: >= 10 M tokens/s.
2. SLMBrain optimiser-step time vs a bare PyTorch loop (same model, batches,
   optimiser, schedule, clipping). Goal: ratio <= 1.05.
3. Unit store bytes per unit, index included. Goal: <= 2.05.

Run: ``python benchmarks/bench_training_core.py [--quick]``.
"""

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from speechbrain_xling.data.packing import WindowPacker
from speechbrain_xling.data.sequences import DocumentMixture
from speechbrain_xling.data.unit_store import write_unit_store
from speechbrain_xling.model.unit_lm import UnitLM, next_unit_loss


def synthetic_store(folder, num_stories, sentences=10):
    """EN/FR aligned stories shaped like sTinyStories (40-100 units a sentence)."""
    rng = np.random.default_rng(0)
    rows = [
        dict(
            utt_id=f"story{s:07d}_{lang}_{j}",
            units=rng.integers(0, 2048, int(rng.integers(40, 100))),
            story_id=f"story{s:07d}",
            sent_idx=j,
            lang=lang,
            speaker=f"voice{s % 44}",
        )
        for s in range(num_stories)
        for lang in ("en", "fr")
        for j in range(sentences)
    ]
    return write_unit_store(folder, rows, num_units=2048)


def bench_packer(store, num_windows, context=2048, repeats=3):
    """Tokens/s of the packer and of concatenating the same rows."""
    packer_times, concat_times = [], []
    for _ in range(repeats):
        mix = DocumentMixture(store, ["en", "fr"], interleave_ratio=0.5, seed=0)
        packer = WindowPacker(mix, context, eos=2048)
        start = time.perf_counter()
        for _ in range(num_windows):
            packer.next_window()
        packer_times.append(time.perf_counter() - start)
        # Baseline: the same documents' rows, concatenated with no bookkeeping.
        reference = DocumentMixture(store, ["en", "fr"], interleave_ratio=0.5, seed=0)
        documents = [reference.next_document() for _ in range(mix.document_counts.total())]
        rows = np.concatenate([d.rows for d in documents])
        start = time.perf_counter()
        np.concatenate([store.units(r) for r in rows])
        concat_times.append(time.perf_counter() - start)
    tokens = num_windows * context
    return tokens / min(packer_times), tokens / min(concat_times)


def bench_brain_step(steps, batch_size=8, context=512, repeats=3):
    """Seconds per optimiser step: SLMBrain vs a bare loop."""
    import speechbrain as sb
    from speechbrain.nnet.schedulers import LinearWarmupScheduler
    from speechbrain.utils.train_logger import FileTrainLogger

    from speechbrain_xling.brain import SLMBrain

    config = {
        "model_type": "llama",
        "hidden_size": 128,
        "intermediate_size": 256,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
    }
    generator = torch.Generator().manual_seed(0)
    batches = [
        (torch.randint(0, 2048, (batch_size, context), generator=generator), torch.zeros(3))
        for _ in range(steps)
    ]

    def bare():
        torch.manual_seed(0)
        lm = UnitLM.from_config(config, 2048)
        opt = torch.optim.AdamW(lm.parameters(), lr=5e-4, betas=(0.9, 0.98), weight_decay=0.1)
        schedule = LinearWarmupScheduler(5e-4, steps * 0.05, steps)
        start = time.perf_counter()
        for tokens, _ in batches:
            schedule(opt)
            loss, _ = next_unit_loss(lm(tokens), tokens, 2049)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(lm.parameters(), 1.0)
            opt.step()
            opt.zero_grad(set_to_none=True)
        return (time.perf_counter() - start) / steps

    def brain(folder):
        torch.manual_seed(0)
        lm = UnitLM.from_config(config, 2048)
        hparams = {
            "pad_index": 2049,
            "lr_annealing": LinearWarmupScheduler(5e-4, steps * 0.05, steps),
            "checkpoint_every_steps": 10**9,
            "log_every_steps": 10**9,
            "languages": ["en", "fr"],
            "tokens_per_step": batch_size * context,
            "train_logger": FileTrainLogger(Path(folder) / "log.txt"),
            "step_log": Path(folder) / "steps.jsonl",
            "max_grad_norm": 1.0,
        }
        slm = SLMBrain(
            modules={"lm": lm},
            opt_class=lambda params: torch.optim.AdamW(
                params, lr=5e-4, betas=(0.9, 0.98), weight_decay=0.1
            ),
            hparams=hparams,
            run_opts={"device": "cpu", "noprogressbar": True},
        )
        loader = torch.utils.data.DataLoader(batches, batch_size=None)
        epochs = sb.utils.epoch_loop.EpochCounter(1)
        start = time.perf_counter()
        slm.fit(epochs, loader)
        return (time.perf_counter() - start) / steps

    bare_times, brain_times = [], []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(repeats):  # interleave the two to share the machine's noise
            bare_times.append(bare())
            brain_times.append(brain(folder))
    return statistics.median(brain_times), statistics.median(bare_times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    torch.set_num_threads(1)
    stories = 500 if args.quick else 5000
    with tempfile.TemporaryDirectory() as folder:
        store = synthetic_store(folder, stories)
        size = sum(p.stat().st_size for p in Path(folder).iterdir())
        bytes_per_unit = size / store.total_units
        windows = 300 if args.quick else 2000
        packer_tps, concat_tps = bench_packer(store, windows)
    brain_step, bare_step = bench_brain_step(6 if args.quick else 20)
    print("| measurement | value | baseline | ratio | goal |")
    print("| --- | --- | --- | --- | --- |")
    print(
        f"| builder+packer tokens/s (1 core) | {packer_tps / 1e6:.1f} M | "
        f"np.concatenate {concat_tps / 1e6:.1f} M | {packer_tps / concat_tps:.2f} | >= 10 M |"
    )
    print(
        f"| optimiser step (s), 2x128 llama, 8x512 | SLMBrain {brain_step:.3f} | "
        f"bare loop {bare_step:.3f} | {brain_step / bare_step:.3f} | <= 1.05 |"
    )
    print(
        f"| unit store bytes/unit ({store.total_units} units) | {bytes_per_unit:.4f} | "
        f"raw uint16 2.0 | {bytes_per_unit / 2:.4f} | <= 2.05 |"
    )


if __name__ == "__main__":
    main()
