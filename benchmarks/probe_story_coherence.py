"""Does a model learn story coherence at all? Some Table-3 systems, cloze only.

Trains only the EN pre-training stage (the Table-3 "Baseline EN") on a demo
corpus with the demo's training options, then scores spoken StoryCloze and
both TopicClozes under the full prompt and the two shortcut controls
(:mod:`speechbrain_xling.eval.cloze`). A model that learnt coherence from the
story is well above 50 on ``full`` and near 50 on ``last_sentence`` and
``no_cue``. It costs a fraction of the full demo (one stage of five, one
benchmark), so it is the tool to find the smallest model / steps / corpus
that learn, before paying for the cross-lingual systems. ``--stages`` trains
other stages too (e.g. ``stage1_en_pretrain stage2_interleave
baseline_en_fr``: the systems of the cross-lingual comparison, plus
``stage2_speech_text stage2_speech_text_words stage2_speech_text_xling``: the
speech-text systems of
``--modality speech-text``, which also get the ASR/TTS and speech-text
alignment benchmarks, and ``sft_baseline_en_fr sft_stage2_interleave
sft_stage2_speech_text_xling``: the spoken-QA fine-tuning of ``--sft``, which
needs the corpus's ``train_qa.csv`` and then also gets generated answers);
the full report of every system, controls and cross-modal cloze included
(and spoken QA when the corpus has ``benchmarks/qa``), is
``<output>/eval/report.md``. A stage already in ``<output>`` resumes from its
last checkpoint (a finished one is not trained again), so stages can be
added to a probe later.

Usage (a corpus built by the demo or by ``python -m speechbrain_xling.corpora``;
every option after the folders is a demo option)::

    PYTHONPATH=. python benchmarks/probe_story_coherence.py \\
        results/mini/corpus results/probe/s10 --units phones --step-scale 10

It prints one JSON line (also appended to ``<output>/../probe_results.jsonl``):
the options, the training and total seconds, the first stage's last training
and validation loss, and its EN accuracy of each task under each prompt. Measured numbers
are in the README ("Does the topline learn the stories?").

Authors
 * speechbrain-xling authors 2026
"""

import argparse
import json
import time
from pathlib import Path

from speechbrain_xling.corpora import MiniCorpusPaths
from speechbrain_xling.demo.options import parse_args, plan_runs
from speechbrain_xling.demo.run import GENERATED_QA_ITEMS
from speechbrain_xling.demo.systems import (
    SFT_STAGES,
    SPEECH_TEXT_STAGES,
    STAGES,
    train_systems,
    trainable_stages,
)
from speechbrain_xling.demo.units import prepare_text_tokenizer, prepare_units
from speechbrain_xling.eval.cloze import TASKS
from speechbrain_xling.eval.run import evaluate_systems
from speechbrain_xling.text_files import open_text


def last_losses(stage_folder):
    """The last logged training loss and the last validation loss."""
    losses = {}
    with open_text(Path(stage_folder) / "train_log.txt") as handle:
        for line in handle:
            for kind in ("train", "valid"):
                marker = f"{kind} loss: "
                if marker in line:
                    losses[kind] = float(line.split(marker)[1].split(",")[0])
    return losses


def main():
    """Trains, evaluates and prints the probe's JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus_folder", help="folder with train.csv, valid.csv, benchmarks/")
    parser.add_argument("output_folder", help="where the units, model and scores go")
    all_stages = STAGES + SPEECH_TEXT_STAGES + SFT_STAGES
    names = [name for name, _ in all_stages]
    parser.add_argument(
        "--stages", nargs="+", choices=names, default=names[:1], help="stages to train, in order"
    )
    known, demo_argv = parser.parse_known_args()
    corpus_folder, output = Path(known.corpus_folder), Path(known.output_folder)
    corpus = MiniCorpusPaths(
        corpus_folder / "train.csv",
        corpus_folder / "valid.csv",
        corpus_folder / "benchmarks",
        corpus_folder / "train_qa.csv",
    )
    run = plan_runs(parse_args(["--no-progress", *demo_argv]))[0]
    sft = any(stage in known.stages for stage, _ in SFT_STAGES)
    started = time.time()
    stores, num_units, unit_kwargs = prepare_units(
        run.units, corpus, output / "units", run, with_qa=sft
    )
    train_store, valid_store = stores["train"], stores["valid"]
    units_done = time.time()
    stages = trainable_stages(
        [stage for stage in all_stages if stage[0] in known.stages], train_store
    )
    speech_text = any(stage in SPEECH_TEXT_STAGES for stage in stages)
    text_tokenizer = (
        prepare_text_tokenizer(train_store, output / "units", run.text_vocab)
        if speech_text
        else None
    )
    systems = train_systems(
        train_store,
        valid_store,
        num_units,
        output,
        run.seeds[0],
        run,
        stages=stages,
        text_tokenizer=text_tokenizer,
        qa_store=stores.get("train_qa"),
    )
    trained = time.time()
    benchmarks = {"cloze": corpus.benchmark_root / "cloze" / "cloze.csv"}
    if speech_text:  # ASR/TTS and speech-text alignment on the aligned pairs
        benchmarks["alignment"] = corpus.benchmark_root / "alignment" / "alignment.csv"
    qa_csv = corpus.benchmark_root / "qa" / "qa.csv"
    if qa_csv.exists():  # corpora built since the spoken QA benchmark
        benchmarks["qa"] = qa_csv
    results = evaluate_systems(
        systems,
        benchmarks,
        output / "eval",
        progress=False,
        max_tokens_per_batch=run.eval_tokens_per_batch,
        qa_generation_items=GENERATED_QA_ITEMS if sft else 0,
        **unit_kwargs,
    )
    cloze = results[next(iter(systems))]["cloze"]
    line = {
        "output": str(output),
        "options": demo_argv,
        "stages": known.stages,
        "units_s": round(units_done - started),
        "train_s": round(trained - units_done),
        "total_s": round(time.time() - started),
        "loss": last_losses(output / stages[0][0]),
    }
    for task in TASKS:
        line[task] = {"full": cloze["accuracy"][task]["EN"]}
        for control, scores in cloze.get("controls", {}).items():
            line[task][control] = scores["accuracy"][task]["EN"]
    text = json.dumps(line)
    print(text)
    with open(output.parent / "probe_results.jsonl", "a", encoding="utf-8") as handle:
        handle.write(text + "\n")


if __name__ == "__main__":
    main()
