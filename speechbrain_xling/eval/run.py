"""Evaluates trained systems on every benchmark present, resumably.

:func:`evaluate_systems` is what ``recipes/*/SLM/evaluate.py`` calls. The
benchmark configuration is a dict (every key optional; a missing file or
folder is skipped with a logged note)::

    cloze: <folder>/cloze.csv               # sSC / sTC / sTC same-event, 4 conditions (+ controls);
                                            # speech-text systems also in T->T, S->T, T->S
    zerospeech:                             # ZeroSpeech 2021 layout per language
        en: <root with lexical/ and syntactic/>
        fr: <root>
    alignment: <folder>/alignment.csv       # aligned EN-FR sentence pairs (+ their text:
                                            # speech-text systems' ASR/TTS and
                                            # speech-text alignment)
    qa: <folder>/qa.csv                     # spoken QA about a story, 4 conditions;
                                            # speech-text systems also with written
                                            # answers (S->T) and, with
                                            # qa_generation_items, generated ones

sWUGGY results carry, next to the official accuracy, a breakdown by gold
frequency band and word length, and an in-vocabulary accuracy for the
languages given a training vocabulary (``swuggy_vocabulary``; see
:mod:`~speechbrain_xling.eval.zerospeech`).

Output folder::

    results/<system>/<benchmark>.json   one result per (system, benchmark):
                                        cloze, zerospeech_<lang>, alignment,
                                        continuation, qa; speech-text systems
                                        (a SpeechTextVocabulary) also
                                        cross_modal_cloze, asr_tts,
                                        speech_text_alignment, qa_text_answer
                                        (and qa_generated_answers)
    zerospeech/<system>/<lang>/<task>/<split>.txt   official submission files
    continuations/<system>/NNN_<prompt>.units.txt (+ .wav with a decoder)
    alignment.png                       per-layer similarity, all systems
    report.md, report.csv, report.json  Table-3 layout (see report.py)

Every file is written atomically. A result file records what produced it
(name, size and time of the model's files, the SHA-256 of the benchmark
manifests, scoring settings); a rerun loads matching results instead of
recomputing them, so a killed evaluation resumes where it stopped, adding a
system or a benchmark only computes what is new, a retrained model or a
manifest with other content is evaluated again, and a manifest rewritten with
the same content (as the mini-corpus does on every run) is not. (Audio files
are not fingerprinted: replacing a benchmark's audio under an unchanged
manifest needs a fresh output folder.)

Authors
 * speechbrain-xling authors 2026
"""

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import torch

from speechbrain_xling.atomic import write_text_atomically
from speechbrain_xling.eval.alignment import (
    evaluate_alignment,
    evaluate_speech_text_alignment,
    plot_alignment,
    read_alignment,
)
from speechbrain_xling.eval.asr_tts import evaluate_asr_tts
from speechbrain_xling.eval.cloze import evaluate_cloze, read_cloze
from speechbrain_xling.eval.continuation import sample_continuation, write_continuation
from speechbrain_xling.eval.cross_modal import evaluate_cross_modal_cloze
from speechbrain_xling.eval.files import BenchmarkFormatError, units_for_files
from speechbrain_xling.eval.qa import (
    evaluate_generated_qa,
    evaluate_spoken_qa,
    evaluate_text_answer_qa,
    read_qa,
)
from speechbrain_xling.eval.report import (
    CROSS_MODAL_DIRECTIONS,
    check_system_names,
    write_report,
)
from speechbrain_xling.eval.scoring import LikelihoodScorer
from speechbrain_xling.eval.zerospeech import (
    evaluate_zerospeech_task,
    read_vocabulary,
    read_zerospeech,
)
from speechbrain_xling.hashing import file_sha256
from speechbrain_xling.model.unit_lm import UnitLM, is_speech_text_model
from speechbrain_xling.tokenizers.base import UnitTokenizer

logger = logging.getLogger(__name__)

RESULT_FORMAT_VERSION = 2
# The keys of the benchmark configuration (see the module docstring).
BENCHMARK_KEYS = ("cloze", "zerospeech", "alignment", "qa")


def _tokenizer_units(tokenizer, cache_folder=None, batch_seconds=60.0, progress=True):
    """A ``units_of(wav_paths)`` function backed by a :class:`UnitTokenizer`.

    Uses :func:`speechbrain_xling.tokenizers.pipeline.tokenize_files`
    (cached on disk under ``cache_folder`` when given).
    """
    from speechbrain_xling.tokenizers.pipeline import tokenize_files

    def units_of(wav_paths):
        return tokenize_files(
            tokenizer,
            wav_paths,
            cache_folder=cache_folder,
            batch_seconds=batch_seconds,
            progress=progress,
        )

    return units_of


def memoized_units(units_of):
    """Wraps ``units_of`` so that each file is tokenised once per process.

    Example
    -------
    >>> calls = []
    >>> units_of = memoized_units(lambda ps: calls.append(ps) or [[1]] * len(ps))
    >>> units_of(["a", "b"]), units_of(["b", "c"]), calls
    ([[1], [1]], [[1], [1]], [['a', 'b'], ['c']])
    """
    known = {}

    def cached_units_of(wav_paths):
        new = [path for path in dict.fromkeys(wav_paths) if path not in known]
        if new:
            known.update(zip(new, units_of(new), strict=True))
        return [known[path] for path in wav_paths]

    return cached_units_of


def fingerprint(path):
    """Name, size and modification time of each file in a folder (or of a file).

    Part of the resume key: a retrained model saved to the same folder no
    longer matches stored results (cheaper than hashing large weights).

    Example
    -------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "config.json").write_text("{}")
    >>> [(pathlib.Path(name).name, size) for name, size, _ in fingerprint(folder)]
    [('config.json', 2)]
    """
    path = Path(path).resolve()
    files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    return [[str(f), f.stat().st_size, f.stat().st_mtime_ns] for f in files]


@dataclass
class _Benchmark:
    """A benchmark read from disk and how to run one system on it.

    ``run(lm, system_name)`` returns a JSON-serialisable result. ``sources``
    (the manifests read) and ``settings`` (what else changes the result) make
    up the benchmark's part of the resume key.
    """

    name: str
    sources: list
    settings: dict
    run: Callable
    speech_text_only: bool = False

    @cached_property
    def source_digests(self):
        """``[[resolved path, SHA-256], ...]`` of the sources, read once."""
        return [[str(Path(source).resolve()), file_sha256(source)] for source in self.sources]


def _read_benchmarks(benchmarks, settings):
    """Reads every configured benchmark that exists (clear errors if malformed).

    Arguments
    ---------
    benchmarks : dict
        ``cloze`` (CSV path), ``zerospeech`` (``{lang: root}``),
        ``alignment`` and ``qa`` (CSV paths); keys and paths may be missing.
    settings : _Settings
        Scoring settings, units and output locations.

    Returns
    -------
    list of _Benchmark
    """
    unknown = set(benchmarks) - set(BENCHMARK_KEYS)
    if unknown:
        raise ValueError(
            f"unknown benchmark(s) {sorted(unknown)}; expected {', '.join(BENCHMARK_KEYS)}"
        )
    languages = {str(lang).lower() for lang in benchmarks.get("zerospeech") or {}}
    unused = set(settings.swuggy_vocabulary) - languages
    if unused:
        raise ValueError(
            f"swuggy_vocabulary gives language(s) {sorted(unused)} but the zerospeech "
            f"benchmarks are {sorted(languages)}"
        )
    found = []
    cloze_path = benchmarks.get("cloze")
    if _exists(cloze_path, "cloze", Path.is_file):
        found.extend(_cloze_benchmarks(read_cloze(cloze_path), cloze_path, settings))
    for lang, root in (benchmarks.get("zerospeech") or {}).items():
        if _exists(root, f"zerospeech {lang}", Path.is_dir):
            tasks = read_zerospeech(root, settings.zerospeech_split)
            if tasks:
                found.append(_zerospeech_benchmark(lang.lower(), tasks, settings))
    alignment_path = benchmarks.get("alignment")
    if _exists(alignment_path, "alignment", Path.is_file):
        found.extend(
            _alignment_benchmarks(read_alignment(alignment_path), alignment_path, settings)
        )
    qa_path = benchmarks.get("qa")
    if _exists(qa_path, "qa", Path.is_file):
        found.extend(_qa_benchmarks(read_qa(qa_path), qa_path, settings))
    return found


def _alignment_benchmarks(pairs, csv_path, settings):
    """Cross-lingual alignment (every system) and, for speech-text systems,
    ASR/TTS through the LM and speech-text alignment on the same pairs."""

    def speech_text_alignment(lm, system):
        return evaluate_speech_text_alignment(
            lm,
            pairs,
            settings.units_of,
            max_tokens_per_batch=settings.max_tokens_per_batch,
            progress=settings.progress,
        )

    def asr_tts(lm, system):
        chosen = pairs[: settings.asr_tts_pairs]
        wavs = [wav for pair in chosen for wav in (pair.en_wav, pair.fr_wav)]
        units = units_for_files(settings.units_of, wavs, lm.vocab.num_units)
        sentences = [
            {
                "units": units[getattr(pair, f"{lang}_wav")],
                "text": getattr(pair, f"{lang}_text"),
                "lang": lang,
            }
            for lang in ("en", "fr")
            for pair in chosen
        ]
        return evaluate_asr_tts(lm, sentences, progress=settings.progress)

    return [
        _Benchmark(
            "alignment",
            [csv_path],
            {},
            lambda lm, system: evaluate_alignment(
                lm, pairs, settings.units_of, settings.max_tokens_per_batch, settings.progress
            ),
        ),
        _Benchmark(
            "speech_text_alignment", [csv_path], {}, speech_text_alignment, speech_text_only=True
        ),
        _Benchmark(
            "asr_tts",
            [csv_path],
            {"asr_tts_pairs": settings.asr_tts_pairs},
            asr_tts,
            speech_text_only=True,
        ),
    ]


def _exists(path, what, check):
    if path is None:
        logger.info("no %s benchmark configured: skipped", what)
        return False
    if not check(Path(path)):
        logger.info("%s benchmark not found at %s: skipped", what, path)
        return False
    return True


def _text_tokenizer(lm, system):
    """The text tokenizer saved with a speech-text model (an error naming the
    system without one)."""
    if lm.text_tokenizer is None:
        raise ValueError(f"{system}: the speech-text model has no text tokenizer saved")
    return lm.text_tokenizer


def _cloze_benchmarks(items, csv_path, settings):
    def run(lm, system):
        return evaluate_cloze(settings.scorer(lm, f"{system} cloze"), items, settings.units_of)

    def run_cross_modal(lm, system):
        return evaluate_cross_modal_cloze(
            settings.scorer(lm, f"{system} cross-modal cloze"),
            items,
            settings.units_of,
            _text_tokenizer(lm, system),
            CROSS_MODAL_DIRECTIONS,
            settings.cross_modal_mask_other_modality,
        )

    # recorded only when on: results stored before the option keep their key
    masked = {"mask_other_modality": True} if settings.cross_modal_mask_other_modality else {}
    found = [
        _Benchmark("cloze", [csv_path], {"reduction": settings.reduction}, run),
        _Benchmark(
            "cross_modal_cloze",
            [csv_path],
            {"reduction": settings.reduction, **masked},
            run_cross_modal,
            speech_text_only=True,
        ),
    ]
    if settings.continuation:
        found.append(
            _Benchmark(
                "continuation",
                [csv_path],
                {"continuation": settings.continuation},
                lambda lm, system: _continue_prompts(lm, system, items, settings),
            )
        )
    return found


def _qa_benchmarks(items, csv_path, settings):
    """Spoken QA with spoken answers (every system) and, for speech-text
    systems, with written answers (S->T), both after the story when the
    manifest gives one (:mod:`~speechbrain_xling.eval.qa`)."""
    with_context = _qa_with_context(items, csv_path)

    def run(lm, system):
        return evaluate_spoken_qa(
            settings.scorer(lm, f"{system} QA"), items, settings.units_of, with_context
        )

    def run_text_answer(lm, system):
        return evaluate_text_answer_qa(
            settings.scorer(lm, f"{system} QA (written answers)"),
            items,
            settings.units_of,
            _text_tokenizer(lm, system),
            with_context,
            settings.cross_modal_mask_other_modality,
        )

    def run_generated(lm, system):
        return evaluate_generated_qa(
            lm,
            items,
            settings.units_of,
            _text_tokenizer(lm, system),
            settings.qa_generation_items,
            with_context=with_context,
        )

    spoken = {"reduction": settings.reduction, "with_context": with_context}
    written = {**spoken, "mask_other_modality": settings.cross_modal_mask_other_modality}
    benchmarks = [
        _Benchmark("qa", [csv_path], spoken, run),
        _Benchmark("qa_text_answer", [csv_path], written, run_text_answer, speech_text_only=True),
    ]
    if settings.qa_generation_items:
        generated = {"with_context": with_context, "per_condition": settings.qa_generation_items}
        benchmarks.append(
            _Benchmark(
                "qa_generated_answers", [csv_path], generated, run_generated, speech_text_only=True
            )
        )
    return benchmarks


def _qa_with_context(items, csv_path):
    """Whether the QA items are asked after their story: all give one, or none."""
    without = sum(item.context_wav is None for item in items)
    if 0 < without < len(items):
        raise BenchmarkFormatError(
            f"{csv_path}: {without} of {len(items)} rows have no context_wav; give the "
            "story on every row (or on none: the questions are then asked alone)"
        )
    if without:
        logger.info("%s has no context_wav: the QA questions are asked without the story", csv_path)
    return not without


def _zerospeech_benchmark(lang, tasks, settings):
    source = settings.swuggy_vocabulary.get(lang)
    vocabulary = None if source is None else read_vocabulary(source)
    sources = [task.gold_path for task in tasks.values()]
    benchmark_settings = {"reduction": settings.reduction, "lexical_breakdown": 1}
    if isinstance(source, (str, Path)):
        sources.append(source)  # its SHA-256 joins the resume key
    elif source is not None:
        benchmark_settings["swuggy_vocabulary"] = sorted(vocabulary)

    def run(lm, system):
        scorer = settings.scorer(lm, f"{system} zerospeech {lang}")
        folder = settings.output_folder / "zerospeech" / system / lang
        return {
            name: evaluate_zerospeech_task(
                scorer,
                task,
                settings.units_of,
                submission_path=folder / name / f"{settings.zerospeech_split}.txt",
                vocabulary=vocabulary,
            )
            for name, task in tasks.items()
        }

    return _Benchmark(f"zerospeech_{lang}", sources, benchmark_settings, run)


def _continue_prompts(lm, system, items, settings):
    options = dict(settings.continuation)
    num_prompts = options.pop("num_prompts", 1)
    full = [item.prompt_wav for item in items if item.control == "full"]
    prompts = list(dict.fromkeys(full))[:num_prompts]
    units = units_for_files(settings.units_of, prompts, lm.vocab.num_units)
    written = []
    for index, prompt in enumerate(prompts):
        continuation = sample_continuation(lm, units[prompt], **options)
        stem = settings.output_folder / "continuations" / system / (f"{index:03d}_{prompt.stem}")
        paths = write_continuation(continuation, stem, settings.tokenizer)
        written.append(
            {
                "prompt_wav": str(prompt),
                "num_units": len(continuation),
                **{kind: None if path is None else str(path) for kind, path in paths.items()},
            }
        )
    return {"continuations": written}


@dataclass
class _Settings:
    """What every benchmark run shares (see :func:`evaluate_systems`)."""

    output_folder: Path
    units_of: Callable
    tokenizer: object
    reduction: str
    max_tokens_per_batch: int
    zerospeech_split: str
    continuation: dict
    dtype: str
    progress: bool
    swuggy_vocabulary: dict
    asr_tts_pairs: int
    cross_modal_mask_other_modality: bool
    qa_generation_items: int = 0

    def scorer(self, lm, label):
        """A :class:`LikelihoodScorer` with these settings."""
        return LikelihoodScorer(
            lm,
            self.reduction,
            self.max_tokens_per_batch,
            progress=label if self.progress else False,
        )

    def resume_key(self, system_folder, benchmark):
        """What a stored result must match to be reused."""
        return {
            "format_version": RESULT_FORMAT_VERSION,
            "system": fingerprint(system_folder),
            "dtype": self.dtype,
            "benchmark": benchmark.source_digests,
            **benchmark.settings,
        }


def evaluate_systems(
    systems,
    benchmarks,
    output_folder,
    tokenizer=None,
    units_of=None,
    unit_cache_folder=None,
    reduction="mean",
    max_tokens_per_batch=16384,
    device="cpu",
    dtype=None,
    zerospeech_split="dev",
    continuation=None,
    progress=True,
    swuggy_vocabulary=None,
    asr_tts_pairs=50,
    cross_modal_mask_other_modality=False,
    qa_generation_items=0,
):
    """Evaluates UnitLM checkpoints on all benchmarks present; writes the report.

    Arguments
    ---------
    systems : dict
        ``{system name: UnitLM folder}`` (folders written by
        :meth:`UnitLM.save`); names become row labels and folder names.
        Systems whose folder does not exist are skipped with a warning.
    benchmarks : dict
        ``cloze``, ``zerospeech`` (``{lang: root}``), ``alignment``, ``qa``;
        see the module docstring. Absent benchmarks are skipped with a
        logged note.
    output_folder : str or Path
        Where results, submissions, plots and the report go.
    tokenizer : UnitTokenizer, optional
        Turns benchmark audio into units (and continuations back into audio
        when it can decode). Its ``num_units`` must match every model's.
        An object with ``units_of(wav_paths)`` and ``num_units`` instead
        (the phone topline's
        :class:`~speechbrain_xling.tokenizers.phones.PhoneInventory`) gives
        the units through its ``units_of``.
    units_of : callable, optional
        ``units_of(list_of_wav_paths) -> list of unit arrays``, used instead
        of ``tokenizer`` for reading audio (e.g. pre-computed units).
    unit_cache_folder : str or Path, optional
        On-disk cache of the tokeniser's units.
    reduction : str
        ``"mean"`` (default) or ``"sum"`` log-likelihood per candidate.
    max_tokens_per_batch : int
        Padded tokens per forward pass.
    device : str
        Where models run (``"cpu"``, ``"cuda:0"``, ...).
    dtype : str, optional
        Model dtype (``"float32"``, ``"bfloat16"``); the checkpoint's when None.
    zerospeech_split : str
        ``"dev"`` or ``"test"``.
    continuation : dict, optional
        Samples continuations of the first ``num_prompts`` cloze prompts
        (full prompts only, not the shortcut controls);
        other keys go to :func:`sample_continuation` (``max_new_units``,
        ``temperature``, ``top_k``, ``seed``).
    progress : bool
        tqdm bars.
    swuggy_vocabulary : dict, optional
        ``{lang: vocabulary}`` of the sWUGGY in-vocabulary accuracy: a word
        list file or the words (see
        :func:`~speechbrain_xling.eval.zerospeech.read_vocabulary`), e.g. the
        words of the systems' training text; languages without one get no
        ``in_vocab`` result. A file's content is part of the resume key.
    asr_tts_pairs : int
        Speech-text systems: greedy ASR and TTS through the LM
        (:func:`~speechbrain_xling.eval.asr_tts.evaluate_asr_tts`) on the
        EN and FR sentences of the first ``asr_tts_pairs`` alignment pairs
        (generation runs one sentence at a time).
    cross_modal_mask_other_modality : bool
        Speech-text systems: the cross-modal cloze scores each ending under
        the softmax over its own modality's ids only (see
        :mod:`~speechbrain_xling.eval.cross_modal`); recorded in the result's
        key as ``mask_other_modality`` when on. False (default): over the
        whole vocabulary. The QA's written answers (``qa_text_answer``) are
        scored the same way (their key always records the setting).
    qa_generation_items : int
        Speech-text systems: answers generated as a chain of modalities
        (``qa_generated_answers``,
        :func:`~speechbrain_xling.eval.qa.evaluate_generated_qa`) to the first
        ``qa_generation_items`` QA items of each condition; 0 (default): none.

    Returns
    -------
    dict
        ``{system: {benchmark: result}}``, as written under ``results/``.

    Example
    -------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from speechbrain_xling.model.unit_lm import UnitLM, is_speech_text_model
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> config = {"model_type": "llama", "hidden_size": 32,
    ...           "intermediate_size": 64, "num_hidden_layers": 2,
    ...           "num_attention_heads": 4, "num_key_value_heads": 2}
    >>> UnitLM.from_config(config, num_units=16).save(folder / "tiny")
    >>> rows = ["pair_id,en_wav,fr_wav,en_text,fr_text",
    ...         "p1,e1.wav,f1.wav,,", "p2,e2.wav,f2.wav,,"]
    >>> _ = (folder / "alignment.csv").write_text("\\n".join(rows) + "\\n")
    >>> for name in ("e1", "f1", "e2", "f2"):  # units come from units_of
    ...     _ = (folder / f"{name}.wav").write_bytes(b"")
    >>> def units_of(paths):
    ...     return [np.arange(len(path.stem) + 2) for path in paths]
    >>> results = evaluate_systems(
    ...     {"tiny": folder / "tiny"}, {"alignment": folder / "alignment.csv"},
    ...     folder / "eval", units_of=units_of, progress=False)
    >>> list(results["tiny"]), round(results["tiny"]["alignment"]["mean_matched"], 3)
    (['alignment'], 1.0)
    >>> sorted(p.name for p in (folder / "eval").iterdir())
    ['alignment.png', 'report.csv', 'report.json', 'report.md', 'results']
    """
    if not systems:
        raise ValueError("no system to evaluate")
    check_system_names(systems)
    if units_of is None:
        if tokenizer is None:
            raise ValueError("evaluate_systems needs a tokenizer or units_of")
        reads_files = callable(getattr(tokenizer, "units_of", None))  # e.g. PhoneInventory
        if reads_files and not isinstance(tokenizer, UnitTokenizer):
            units_of = tokenizer.units_of
        else:
            units_of = _tokenizer_units(tokenizer, unit_cache_folder, progress=progress)
    settings = _Settings(
        output_folder=Path(output_folder),
        units_of=memoized_units(units_of),
        tokenizer=tokenizer,
        reduction=reduction,
        max_tokens_per_batch=int(max_tokens_per_batch),
        zerospeech_split=zerospeech_split,
        continuation=dict(continuation) if continuation else None,
        dtype=dtype,
        progress=progress,
        swuggy_vocabulary={
            str(lang).lower(): source
            for lang, source in (swuggy_vocabulary or {}).items()
            if source is not None
        },
        asr_tts_pairs=int(asr_tts_pairs),
        cross_modal_mask_other_modality=bool(cross_modal_mask_other_modality),
        qa_generation_items=int(qa_generation_items),
    )
    suite = _read_benchmarks(benchmarks, settings)
    if not suite:
        raise FileNotFoundError(f"none of the configured benchmarks exists: {benchmarks}")
    results = {}
    for system, folder in systems.items():
        if not Path(folder).is_dir():
            logger.warning("system %r: no model folder %s: skipped", system, folder)
            continue
        model = _LazyModel(folder, device, dtype, tokenizer)
        results[system] = {}
        speech_text = is_speech_text_model(folder)
        for benchmark in suite:
            if benchmark.speech_text_only and not speech_text:
                continue
            results[system][benchmark.name] = _result(system, folder, benchmark, model, settings)
        model.release()
    aligned = {s: r["alignment"] for s, r in results.items() if "alignment" in r}
    if aligned:
        plot_alignment(aligned, settings.output_folder / "alignment.png")
    if not results:
        raise FileNotFoundError(f"none of the system folders exists: {systems}")
    paths = write_report(results, settings.output_folder)
    logger.info("report written to %s", paths["markdown"])
    return results


def _result(system, folder, benchmark, model, settings):
    """Loads a matching stored result, or computes and stores it."""
    path = settings.output_folder / "results" / system / f"{benchmark.name}.json"
    key = settings.resume_key(folder, benchmark)
    if path.is_file():
        stored = json.loads(path.read_text())
        if stored.get("key") == key:
            logger.info("%s / %s: reusing %s", system, benchmark.name, path)
            return stored["result"]
        logger.info(
            "%s / %s: stored result was made with other settings; recomputing",
            system,
            benchmark.name,
        )
    result = benchmark.run(model.get(), system)
    write_text_atomically(json.dumps({"key": key, "result": result}, indent=2) + "\n", path)
    logger.info("%s / %s: %s", system, benchmark.name, _summary(result))
    return result


def _summary(result):
    text = json.dumps(result)
    return text if len(text) < 300 else text[:300] + "..."


class _LazyModel:
    """Loads a UnitLM folder on first use (never when all results are stored)."""

    def __init__(self, folder, device, dtype, tokenizer):
        self.folder, self.device, self.dtype = folder, device, dtype
        self.tokenizer = tokenizer
        self.lm = None

    def get(self):
        if self.lm is None:
            torch_dtype = None if self.dtype is None else getattr(torch, self.dtype)
            lm = UnitLM.load(self.folder, torch_dtype=torch_dtype)
            if self.tokenizer is not None and (self.tokenizer.num_units != lm.vocab.num_units):
                raise ValueError(
                    f"{self.folder} models K={lm.vocab.num_units} units but the "
                    f"tokenizer gives K={self.tokenizer.num_units}"
                )
            self.lm = lm.to(self.device).eval()
        return self.lm

    def release(self):
        self.lm = None
