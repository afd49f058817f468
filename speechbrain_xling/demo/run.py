"""Running the demo: corpus -> every run of the plan -> reports.

Authors
 * speechbrain-xling authors 2026
"""

import json
import logging
import time
from pathlib import Path

from speechbrain_xling.corpora import build_mini_corpus
from speechbrain_xling.corpora.tts import TRAIN_VOICES
from speechbrain_xling.demo.options import (
    RESUMABLE_OPTIONS,
    SPEECH_TEXT_OPTIONS,
    UNIT_LABELS,
    UNIT_NAMES,
    parse_args,
    plan_runs,
    run_command,
    run_note,
    run_stages,
)
from speechbrain_xling.demo.systems import train_systems, trainable_stages
from speechbrain_xling.demo.units import prepare_text_tokenizer, prepare_units
from speechbrain_xling.eval.report import CHART_FILE, item_counts, write_seed_report
from speechbrain_xling.eval.run import evaluate_systems
from speechbrain_xling.saved_settings import record_or_check_settings

SETTINGS_FILE = "demo_settings.json"
SPEECH_TEXT_SETTINGS_FILE = "speech_text_settings.json"
# With --sft, speech-text systems answer the first questions of each QA
# condition by generation too (a chain of modalities; slow on a CPU).
GENERATED_QA_ITEMS = 10


def _option_flag(name):
    """The command-line flag of an option: ``text_vocab`` -> ``--text-vocab``."""
    return "--" + name.replace("_", "-")


def check_run_settings(run_folder, args):
    """Records the options a run folder is made with; refuses to mix others in.

    Every step of the demo resumes from what its folder holds, so a re-run
    with, e.g., another ``--step-scale`` into the same folder would silently
    reuse old units or models. The first run writes its options to
    ``demo_settings.json``; a later run with other values stops with an error
    naming them (``--seeds``, ``--workers`` and other options that change no
    result may differ). The options of the speech-text systems
    (``--text-vocab``) are recorded apart, in ``speech_text_settings.json``,
    by the first run with ``--modality speech-text``.

    Example
    -------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> def run(*argv):
    ...     return plan_runs(parse_args(["--units", "kmeans", *argv]))[0]
    >>> check_run_settings(folder, run("--step-scale", "2"))
    >>> check_run_settings(folder, run("--step-scale", "2", "--seeds", "1"))
    >>> check_run_settings(folder, run("--step-scale", "3"))
    Traceback (most recent call last):
     ...
    speechbrain_xling.saved_settings.SettingsMismatch: ... with --step-scale 2.0 (now 3.0); ...
    """

    skipped = RESUMABLE_OPTIONS + SPEECH_TEXT_OPTIONS
    settings = {name: value for name, value in vars(args).items() if name not in skipped}
    remedy = (
        f"use another --output-folder or delete {run_folder} (its units and models "
        "depend on these options)"
    )
    label = _option_flag
    record_or_check_settings(Path(run_folder) / SETTINGS_FILE, settings, run_folder, remedy, label)
    if args.modality == "speech-text":
        record_or_check_settings(
            Path(run_folder) / SPEECH_TEXT_SETTINGS_FILE,
            {name: getattr(args, name) for name in SPEECH_TEXT_OPTIONS},
            f"{run_folder} (its speech-text systems)",
            remedy,
            label,
        )


def run_one(run, corpus):
    """One unit type: units -> five systems per seed -> evaluation -> report.

    Arguments
    ---------
    run : argparse.Namespace
        One entry of :func:`plan_runs` (``run.units`` is one unit type).
    corpus : MiniCorpusPaths
        The corpus of :func:`speechbrain_xling.corpora.build_mini_corpus`.

    Returns
    -------
    Path
        The run folder, ``<output folder>/<units>/``, with ``report.md``
        (table and plain reading), ``report.csv``, ``report.json``,
        ``crosslingual.png`` and ``seed_*/``.
    """
    run_folder = Path(run.output_folder) / run.units
    check_run_settings(run_folder, run)
    print(f"[{UNIT_LABELS[run.units]}] {run_command(run)}", flush=True)
    benchmark_root = Path(corpus.benchmark_root)
    benchmarks = {
        "cloze": benchmark_root / "cloze" / "cloze.csv",
        "zerospeech": {lang: benchmark_root / f"zerospeech_{lang}" for lang in ("en", "fr")},
        "alignment": benchmark_root / "alignment" / "alignment.csv",
    }
    qa_path = benchmark_root / "qa" / "qa.csv"
    if qa_path.is_file():  # a corpus built before the spoken QA has none
        benchmarks["qa"] = qa_path
    print(f"[units] {run.units}", flush=True)
    stores, num_units, unit_kwargs = prepare_units(
        run.units, corpus, run_folder / "units", run, with_qa=run.sft
    )
    train_store, valid_store = stores["train"], stores["valid"]
    text_tokenizer = None
    if run.modality == "speech-text":
        text_tokenizer = prepare_text_tokenizer(train_store, run_folder / "units", run.text_vocab)
    stages = trainable_stages(run_stages(run), train_store)
    reports, counts = [], {}
    for seed in run.seeds:
        seed_folder = run_folder / f"seed_{seed}"
        systems = train_systems(
            train_store,
            valid_store,
            num_units,
            seed_folder,
            seed,
            run,
            stages=stages,
            text_tokenizer=text_tokenizer,
            qa_store=stores.get("train_qa"),
        )
        print(f"[evaluate] seed {seed}", flush=True)
        results = evaluate_systems(
            systems,
            benchmarks,
            seed_folder / "eval",
            progress=not run.no_progress,
            max_tokens_per_batch=run.eval_tokens_per_batch,
            qa_generation_items=GENERATED_QA_ITEMS if run.sft else 0,
            **unit_kwargs,
        )
        counts = item_counts(results)
        with open(seed_folder / "eval" / "report.json", encoding="utf-8") as handle:
            reports.append(json.load(handle)["rows"])
    write_seed_report(
        reports,
        run_folder,
        run_note(run),
        num_items=counts,
        chart_title=f"{UNIT_LABELS[run.units]} ({UNIT_NAMES[run.units]})",
    )
    return run_folder


def run_demo(args):
    """Corpus -> every run of the plan -> the reports, printed at the end.

    Arguments
    ---------
    args : argparse.Namespace
        From :func:`parse_args`; the runs are :func:`plan_runs` of it.

    Returns
    -------
    list of Path
        One run folder per unit type, in the order of ``--units``.
    """
    started = time.time()
    runs = plan_runs(args)
    for run in runs:  # before any work: a clash stops the demo at once
        check_run_settings(Path(run.output_folder) / run.units, run)
    print("[corpus] bilingual stories + espeak-ng (cached)", flush=True)
    corpus = build_mini_corpus(
        Path(args.output_folder) / "corpus",
        num_train_stories=args.train_stories,
        num_valid_stories=args.valid_stories,
        num_bench_items=args.bench_items,
        num_alignment_pairs=args.alignment_pairs,
        num_qa_stories=args.qa_stories,
        num_train_qa_stories=None if args.sft else 0,  # SFT data: every training story
        num_workers=args.workers,
        voices=TRAIN_VOICES[: args.train_voices],
        progress=not args.no_progress,
    )
    folders, times = [], [f"corpus {time.time() - started:.0f} s"]
    for run in runs:
        run_started = time.time()
        folders.append(run_one(run, corpus))
        times.append(f"{UNIT_LABELS[run.units]} {time.time() - run_started:.0f} s")
    for run, folder in zip(runs, folders):
        title = f"{UNIT_LABELS[run.units]} ({UNIT_NAMES[run.units]}): {folder}"
        print(f"\n{'=' * 30} {title} {'=' * 30}")
        print((folder / "report.md").read_text(encoding="utf-8"))
        print(
            f"Chart: {folder / CHART_FILE}; alignment plots: {folder}/seed_*/eval/alignment.png",
            flush=True,
        )
    print(f"\n[done] {time.time() - started:.0f} s in all ({'; '.join(times)})", flush=True)
    return folders


def main(argv=None):
    """Entry point of ``python -m speechbrain_xling.demo``."""
    logging.basicConfig(level=logging.WARNING)
    run_demo(parse_args(argv))
