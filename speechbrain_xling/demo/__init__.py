"""The embedded default: a miniature of the paper's Table 3 on a laptop CPU.

One command runs the whole method offline::

    python -m speechbrain_xling.demo --output-folder results/mini

By default it makes two runs on one corpus, each labelled in its report and
on the final screen: the **TEXTLESS** run (``kmeans`` units, seed 0) and the
phone **TOPLINE, NOT TEXTLESS** (``phones`` units, seeds 0 1 2, with the
smaller training budget of :data:`UNIT_DEFAULTS`); ``--units kmeans`` makes
the textless run alone. Options given on the command line apply to every run.

1. **Corpus**: bilingual EN/FR compositional stories of 4-8 sentences
   spoken by espeak-ng (:mod:`speechbrain_xling.corpora`), with held-out
   benchmarks: sSC, sTC and sTC same-event in EN, FR, EN->FR, FR->EN (in
   role-swapped pairs, each with two shortcut controls), ZeroSpeech-layout
   lexical and syntactic tests in EN and FR, and aligned sentence pairs.
2. **Units**: ``kmeans`` (textless: k-means over MFCC frames of the
   audio, repeats merged) and/or ``phones`` (a TOPLINE, not textless: the phones
   espeak-ng synthesised, see :mod:`speechbrain_xling.tokenizers.phones`).
   ``--unit-bpe VOCAB`` merges frequent k-means unit n-grams into tokens
   (:mod:`speechbrain_xling.tokenizers.unit_bpe`), shortening sequences.
3. **Training**: the recipe's ``train.py`` on its five hparams files (stage 1,
   2, 3 and the two baselines; :mod:`speechbrain_xling.recipe_folder`), with
   the paper's step ratios 75 / 20 / 30 / 50 / 25 scaled by ``--step-scale``
   (steps per thousand paper steps) at ``--tokens-per-step`` tokens, so the
   token budgets stay matched as in Table 3. Models start from scratch (no
   text LLM can be downloaded offline).
4. **Evaluation and report**: :func:`speechbrain_xling.eval.run.evaluate_systems`
   per seed, then, per run, :func:`speechbrain_xling.eval.report.write_seed_report`:
   ``report.md``/``report.csv``/``report.json`` with the mean and standard
   deviation over ``--seeds``, a plain reading of the paper's claims under
   the table (each difference against its 95% noise), and
   ``crosslingual.png`` (the cross-lingual columns per system); the
   alignment plots are in ``seed_*/eval/``.

Every step is skipped when its output exists, so re-running resumes.

Authors
 * speechbrain-xling authors 2026
"""

from speechbrain_xling.demo.options import parse_args, plan_runs, run_command, run_note
from speechbrain_xling.demo.run import check_run_settings, main, run_demo

__all__ = [
    "check_run_settings",
    "main",
    "parse_args",
    "plan_runs",
    "run_command",
    "run_demo",
    "run_note",
]
