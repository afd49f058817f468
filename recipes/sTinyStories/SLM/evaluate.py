#!/usr/bin/env python3
"""Evaluates trained SLMs on sSC/sTC (EN, FR, EN->FR, FR->EN), sBLiMP and
sWUGGY (ZeroSpeech 2021 layout) and cross-lingual hidden-state alignment,
and writes a Table-3-shaped report (paper arXiv 2512.01865, Section 6), with
a spoken QA section (a story, a question about it, its answer against a wrong
one; EN, FR, EN->FR, FR->EN) when the QA manifest ``qa_csv`` exists.
Speech-text systems (trained with ``stage2_speech_text.yaml``) are also asked
the cloze items with written prompts and/or endings (T->T, S->T, T->S), and
the QA questions with written answers (S->T), and get ASR/TTS through the LM
and speech-text alignment on the alignment pairs.

To run::

    python evaluate.py hparams/evaluate.yaml --data_folder=/path/to/data \\
        --systems="{interleaving: results/stage2/save/final}"

Any number of systems (UnitLM folders) can be listed; benchmarks missing on
disk are skipped with a note in the log. Rerunning the same command resumes:
results already stored for a (system, benchmark) are reused.

``--systems`` and ``--benchmarks`` REPLACE the defaults: the command above
evaluates ``interleaving`` only, and ``--benchmarks="{cloze: path.csv}"``
runs sSC/sTC only. (Both keys are empty in the hparams file, so HyperPyYAML,
which merges a mapping override into the file's mapping, has nothing to
merge into; while one is empty, ``default_systems`` / ``default_benchmarks``
are used.)

The speech tokeniser is chosen by ``tokenizer_type`` (``mimi``, ``kmeans``,
``bpe`` or ``phones``; see the hparams file and
:mod:`speechbrain_xling.eval.tokenizer`), e.g. the demo's k-means units::

    python evaluate.py hparams/evaluate.yaml --data_folder=results/mini/corpus \\
        --tokenizer_type=kmeans \\
        --tokenizer_path=results/mini/kmeans/units/kmeans.npz \\
        --systems="{Baseline EN: results/mini/kmeans/seed_0/stage1_en_pretrain/final_model}"

``--qa_csv=path/to/qa.csv`` points the default benchmarks at another QA
manifest, ``--qa_csv=null`` leaves the QA out (with ``--benchmarks``, give it
as ``qa: path/to/qa.csv`` there).

``--swuggy_vocabulary="{en: words_en.txt}"`` adds the in-vocabulary sWUGGY
accuracy next to the official one (the frequency and length breakdowns are
always reported).

Authors
 * speechbrain-xling authors 2026
"""

import logging
import sys

import speechbrain as sb
from hyperpyyaml import load_hyperpyyaml

from speechbrain_xling.eval.run import evaluate_systems

logger = logging.getLogger(__name__)

if __name__ == "__main__":
    hparams_file, run_opts, overrides = sb.parse_arguments(sys.argv[1:])
    with open(hparams_file, encoding="utf-8") as fin:
        hparams = load_hyperpyyaml(fin, overrides)

    sb.create_experiment_directory(
        experiment_directory=hparams["output_folder"],
        hyperparams_to_save=hparams_file,
        overrides=overrides,
    )

    # Given on the command line (or in the file), a mapping is the whole set;
    # an empty one means the defaults.
    chosen = {}
    for key in ("systems", "benchmarks"):
        chosen[key] = hparams[key] or hparams[f"default_{key}"]
        origin = key if hparams[key] else f"default_{key}"
        logger.info("%s (from %s): %s", key, origin, ", ".join(map(str, chosen[key])))

    evaluate_systems(
        systems=chosen["systems"],
        benchmarks=chosen["benchmarks"],
        output_folder=hparams["output_folder"],
        tokenizer=hparams["tokenizer"],
        unit_cache_folder=hparams["unit_cache_folder"],
        reduction=hparams["reduction"],
        max_tokens_per_batch=hparams["max_tokens_per_batch"],
        device=run_opts["device"],
        dtype=hparams["dtype"],
        zerospeech_split=hparams["zerospeech_split"],
        continuation=hparams["continuation"],
        swuggy_vocabulary=hparams["swuggy_vocabulary"],
        asr_tts_pairs=hparams["asr_tts_pairs"],
        cross_modal_mask_other_modality=hparams["cross_modal_mask_other_modality"],
    )
