"""The demo's command line and its plan: which runs, with which settings.

:func:`parse_args` reads the options; :func:`plan_runs` turns them into one
settings namespace per unit type (each type fills in the options not given
from :data:`UNIT_DEFAULTS`); :func:`run_command` and :func:`run_note` write a
run's settings out, as a command and as the lines above its table.

Authors
 * speechbrain-xling authors 2026
"""

import argparse
import copy

from speechbrain_xling.corpora.tts import TRAIN_VOICES
from speechbrain_xling.demo.systems import SFT_STAGES, SPEECH_TEXT_STAGES, STAGES, stage_steps
from speechbrain_xling.eval.report import CHART_FILE

PROG = "python -m speechbrain_xling.demo"


UNIT_TYPES = ("kmeans", "phones")


# Each unit type's defaults of the options not given on the command line: the
# textless run as measured in the README, and the README's phone topline
# (both together: 13.8 min measured on 2 idle CPU cores, corpus included).
UNIT_DEFAULTS = {
    "kmeans": {"seeds": [0], "step_scale": 3.0, "tokens_per_step": 8192, "batch_size": 16},
    "phones": {"seeds": [0, 1, 2], "step_scale": 2.0, "tokens_per_step": 4096, "batch_size": 8},
}


# Options of k-means units only: a phones run keeps their defaults.
KMEANS_OPTIONS = (
    "kmeans_units",
    "kmeans_features",
    "kmeans_deltas",
    "kmeans_frame_rate",
    "kmeans_sample_hours",
    "unit_bpe",
)


UNIT_LABELS = {"kmeans": "TEXTLESS", "phones": "TOPLINE, NOT TEXTLESS"}


UNIT_NAMES = {"kmeans": "k-means units", "phones": "phone units"}


UNIT_NOTES = {
    "kmeans": "**TEXTLESS** (k-means units): units are clusters of the audio's frames "
    "(K={kmeans_units}, {kmeans_features} at {kmeans_frame_rate:g} Hz{deltas}, repeats "
    "merged{bpe}), found without any text.",
    "phones": "**TOPLINE, NOT TEXTLESS** (phone units): units are the phones espeak-ng "
    "synthesised (from the text), not units discovered in the audio.",
}


# Options that do not change any result, so a run may resume under other values.
# (--modality speech-text adds systems and leaves the textless ones as they are.)
RESUMABLE_OPTIONS = (
    "output_folder",
    "qa_stories",  # the QA benchmark is rebuilt and its results recomputed when it changes
    "seeds",
    "workers",
    "no_progress",
    "eval_tokens_per_batch",
    "modality",
    "sft",
)


# Options of the speech-text systems only: recorded apart (a folder made
# without --modality speech-text never names them, and still resumes).
SPEECH_TEXT_OPTIONS = ("text_vocab",)


def run_stages(run):
    """The stages a run trains: Table 3's five, and with ``--modality
    speech-text`` the three speech-text systems; ``--sft`` adds the QA
    instruction fine-tuning of the EN+FR baseline, of the interleaving and
    (with ``--modality speech-text``) of the speech-text + cross-lingual system.

    Example
    -------
    >>> [name for name, _ in run_stages(parse_args(["--modality", "speech-text"]))][-3:]
    ['stage2_speech_text', 'stage2_speech_text_words', 'stage2_speech_text_xling']
    >>> [name for name, _ in run_stages(parse_args(["--sft"]))][-2:]
    ['sft_baseline_en_fr', 'sft_stage2_interleave']
    """
    speech_text = run.modality == "speech-text"
    stages = STAGES + (SPEECH_TEXT_STAGES if speech_text else ())
    if run.sft:  # the speech-text system's SFT needs that system
        stages += SFT_STAGES if speech_text else SFT_STAGES[:2]
    return stages


def run_command(run):
    """The command line that makes one run of the plan, every setting explicit.

    Shows ``--units``, the options whose defaults depend on it
    (:data:`UNIT_DEFAULTS`), the model size, and every other option that
    changes results and differs from its default.

    Example
    -------
    >>> [run_command(run) for run in plan_runs(parse_args([]))][1]
    'python -m speechbrain_xling.demo --units phones --seeds 0 1 2 --step-scale 2 \
--tokens-per-step 4096 --batch-size 8 --hidden-size 128 --num-layers 2'
    """
    defaults = vars(build_parser().parse_args([]))
    words = [PROG, "--units", run.units]
    for name, value in vars(run).items():
        always = name in UNIT_DEFAULTS[run.units] or name in ("hidden_size", "num_layers")
        skipped = name == "units" or (name in RESUMABLE_OPTIONS and not always)
        if skipped or (value == defaults[name] and not always):
            continue
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            words += [flag] if value else []
        else:
            words += [flag, *map(_option_word, value if isinstance(value, list) else [value])]
    return " ".join(words)


def _option_word(value):
    return f"{value:g}" if isinstance(value, float) else str(value)


def run_note(run):
    """The lines above a run's table: what its units are, its exact settings.

    Example
    -------
    >>> print(run_note(plan_runs(parse_args(["--units", "kmeans"]))[0]))  # doctest: +ELLIPSIS
    **TEXTLESS** (k-means units): ... (K=100, mfcc at 100 Hz, repeats merged), ...
    <BLANKLINE>
    Settings: `python -m speechbrain_xling.demo --units kmeans --seeds 0 --step-scale 3 ...`; \
steps per stage 225/60/90/150/75 x 8192 tokens; tiny Llama 128 x 2 layers from scratch.
    """
    steps = "/".join(map(str, stage_steps(run.step_scale, run_stages(run))))
    settings = (
        f"Settings: `{run_command(run)}`; steps per stage {steps} x {run.tokens_per_step} "
        f"tokens; tiny Llama {run.hidden_size} x {run.num_layers} layers from scratch."
    )
    units = UNIT_NOTES[run.units].format(
        deltas=" + deltas" if run.kmeans_deltas else "",
        bpe=f", BPE to {run.unit_bpe} tokens" if run.unit_bpe else "",
        **vars(run),
    )
    return f"{units}\n\n{settings}"


def _per_unit_default(name):
    """Help text naming each unit type's default of an option."""
    values = [
        (units, defaults[name]) for units, defaults in UNIT_DEFAULTS.items() if name in defaults
    ]
    listed = ", ".join(
        f"{' '.join(map(_option_word, value)) if isinstance(value, list) else _option_word(value)}"
        f" for {units}"
        for units, value in values
    )
    return f"default: {listed}"


def _option(add_argument, *flags, help, **kwargs):
    """Adds an option whose help ends with its default (unless it names one)."""
    if "default" not in help:
        help += " (default: %(default)s)"
    add_argument(*flags, help=help, **kwargs)


def build_parser():
    """The demo's options, in groups; every help text gives the default.

    Options whose default depends on the unit type (:data:`UNIT_DEFAULTS`)
    default to ``None`` here; :func:`plan_runs` fills them in per run.

    Example
    -------
    >>> build_parser().get_default("step_scale") is None
    True
    """
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "A miniature of the paper's Table 3, offline on a CPU. With no option it makes "
            "two runs on one corpus, each labelled: the TEXTLESS run (k-means units, seed 0) "
            "and the phone TOPLINE, NOT TEXTLESS (seeds 0 1 2, its own training settings). "
            "Options given apply to every run."
        ),
    )
    corpus = parser.add_argument_group("corpus (built once, shared by every run)").add_argument
    _option(corpus, "--train-stories", type=int, default=1000, help="training stories (EN + FR)")
    _option(corpus, "--valid-stories", type=int, default=50, help="validation stories")
    items = (
        "benchmark items: sSC/sTC items per task, condition and control (even: role-swapped "
        "pairs), sWUGGY/sBLiMP pairs per language"
    )
    _option(corpus, "--bench-items", type=int, default=200, help=items)
    _option(corpus, "--alignment-pairs", type=int, default=200, help="aligned EN-FR pairs")
    _option(
        corpus,
        "--qa-stories",
        type=int,
        default=50,
        help="benchmark stories of the spoken QA benchmark (3-5 questions each, 4 conditions)",
    )
    voices = f"how many of the {len(TRAIN_VOICES)} voices speak the training stories (the first"
    _option(
        corpus,
        "--train-voices",
        type=int,
        default=len(TRAIN_VOICES),
        help=voices + " one is the benchmark voice)",
    )
    _option(corpus, "--workers", type=int, default=2, help="concurrent espeak-ng processes")

    title = "units (--kmeans-* and --unit-bpe apply to kmeans runs only)"
    units = parser.add_argument_group(title).add_argument
    _option(
        units,
        "--units",
        nargs="+",
        choices=UNIT_TYPES,
        default=list(UNIT_TYPES),
        help="unit types to run, each into OUTPUT_FOLDER/<units>/ with its own defaults: "
        "kmeans = TEXTLESS (k-means over the audio's frames), phones = TOPLINE, NOT "
        "TEXTLESS (the phones espeak-ng synthesised from the text) (default: kmeans phones)",
    )
    _option(units, "--kmeans-units", type=int, default=100, help="k-means clusters K")
    features = ("mfcc", "fbank")
    _option(units, "--kmeans-features", choices=features, default="mfcc", help="frame features")
    deltas = "append delta and delta-delta features (default: off)"
    _option(units, "--kmeans-deltas", action="store_true", help=deltas)
    _option(units, "--kmeans-frame-rate", type=float, default=100.0, help="frames per second")
    sample = "hours of training audio the k-means is fitted on"
    _option(units, "--kmeans-sample-hours", type=float, default=0.5, help=sample)
    bpe = "merge k-means units with SentencePiece BPE into VOCAB tokens (default: off)"
    _option(units, "--unit-bpe", type=int, default=None, metavar="VOCAB", help=bpe)

    title = "training (the five systems of Table 3 per seed, tiny Llama from scratch)"
    training = parser.add_argument_group(title).add_argument
    seeds = "training seeds, all scored on the same benchmark items; "
    _option(training, "--seeds", type=int, nargs="+", help=seeds + _per_unit_default("seeds"))
    for flag, kind, text in (
        ("--step-scale", float, "steps per 1,000 paper steps (stage 1 = 75 x scale)"),
        ("--tokens-per-step", int, "tokens per optimizer step"),
        ("--batch-size", int, "sequences (context windows) per micro-batch"),
    ):
        name = flag[2:].replace("-", "_")
        _option(training, flag, type=kind, help=f"{text}; {_per_unit_default(name)}")
    _option(training, "--context-length", type=int, default=512, help="tokens per sequence")
    _option(training, "--lr", type=float, default=2e-3, help="learning rate")
    _option(training, "--hidden-size", type=int, default=128, help="model width")
    _option(training, "--num-layers", type=int, default=2, help="transformer layers")
    mode = "stage 2: 'sampled' draws each sentence's language (p = 0.5), 'paired' puts"
    _option(
        training,
        "--interleave-mode",
        choices=("paired", "sampled"),
        default="sampled",
        help=mode + " every sentence next to its translation",
    )
    modality = (
        "speech: the five textless systems of Table 3; speech-text: also three systems grown "
        "from stage 1 on speech and text (SentencePiece text of the training stories), "
        "with stage 2's budget: speech-text interleaving with ASR/TTS and text translation "
        "pairs, per sentence, per word span (from the corpus's word timings), and per "
        "sentence with cross-lingual switching"
    )
    _option(
        training,
        "--modality",
        choices=("speech", "speech-text"),
        default="speech",
        help=modality,
    )
    sft = (
        "also fine-tune on spoken QA about the training stories (CSLM's chain of "
        "modalities; answers in the question's language or the other one), with stage 2's "
        "budget: the EN+FR baseline and the interleaving (spoken answers), and with "
        "--modality speech-text the speech-text + cross-lingual system (written, spoken "
        "and chained answers) (default: off)"
    )
    _option(training, "--sft", action="store_true", help=sft)
    vocab = "SentencePiece pieces of the speech-text systems' text (at most)"
    _option(training, "--text-vocab", type=int, default=1024, help=vocab)
    recipe = "stage hparams files to train with (default: the recipe's hparams/)"
    _option(training, "--hparams-folder", help=recipe)

    evaluation = parser.add_argument_group("evaluation").add_argument
    scoring = "padded tokens per forward pass when scoring"
    _option(evaluation, "--eval-tokens-per-batch", type=int, default=16384, help=scoring)

    output = parser.add_argument_group("output").add_argument
    folders = f"corpus/ and one folder per unit type (report.*, {CHART_FILE}, seed_*/)"
    _option(output, "--output-folder", default="results/mini", help=folders)
    _option(output, "--no-progress", action="store_true", help="no progress bars (default: off)")
    return parser


def parse_args(argv=None):
    """Command-line options (defaults: the textless run and the phone topline).

    ``units`` is the list of unit types to run; options whose default
    depends on the unit type are ``None`` unless given (see
    :func:`plan_runs`).

    Example
    -------
    >>> args = parse_args(["--units", "kmeans", "kmeans", "--seeds", "1"])
    >>> args.units, args.seeds, args.step_scale
    (['kmeans'], [1], None)
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    args.units = list(dict.fromkeys(args.units))
    if not 1 <= args.train_voices <= len(TRAIN_VOICES):
        parser.error(f"--train-voices must be between 1 and {len(TRAIN_VOICES)}")
    if args.unit_bpe is not None:
        if "kmeans" not in args.units:
            parser.error("--unit-bpe applies to --units kmeans")
        if args.unit_bpe <= args.kmeans_units:
            parser.error(
                f"--unit-bpe {args.unit_bpe} must exceed --kmeans-units {args.kmeans_units} "
                "(the vocabulary holds every unit plus the merges)"
            )
    return args


def plan_runs(args):
    """One namespace per unit type: the settings each run is made with.

    Each run takes the options given on the command line, and for the
    others its unit type's defaults (:data:`UNIT_DEFAULTS`); a phones run
    keeps the k-means options at their defaults (they do not apply to it,
    and so do not stop it from resuming).

    Arguments
    ---------
    args : argparse.Namespace
        From :func:`parse_args`.

    Returns
    -------
    list of argparse.Namespace
        Like ``args`` with ``units`` a single unit type.

    Example
    -------
    >>> [(run.units, run.seeds, run.step_scale, run.tokens_per_step, run.batch_size)
    ...  for run in plan_runs(parse_args([]))]
    [('kmeans', [0], 3.0, 8192, 16), ('phones', [0, 1, 2], 2.0, 4096, 8)]
    >>> [run.step_scale for run in plan_runs(parse_args(["--step-scale", "9"]))]
    [9.0, 9.0]
    """
    parser = build_parser()
    runs = []
    for units in args.units:
        run = argparse.Namespace(**vars(args))
        run.units = units
        for name, value in UNIT_DEFAULTS[units].items():
            if getattr(run, name) is None:
                setattr(run, name, copy.deepcopy(value))
        if units != "kmeans":
            for name in KMEANS_OPTIONS:
                setattr(run, name, parser.get_default(name))
        runs.append(run)
    return runs
