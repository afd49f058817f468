"""Evaluation of unit language models (paper arXiv 2512.01865, Section 5.4).

* :mod:`~speechbrain_xling.eval.scoring`: batched log-likelihood of candidates.
* :mod:`~speechbrain_xling.eval.zerospeech`: sWUGGY / sBLiMP (ZeroSpeech 2021).
* :mod:`~speechbrain_xling.eval.cloze`: sSC / sTC, monolingual and cross-lingual.
* :mod:`~speechbrain_xling.eval.alignment`: layer-wise EN-FR hidden-state similarity.
* :mod:`~speechbrain_xling.eval.continuation`: sampled spoken continuations.
* :mod:`~speechbrain_xling.eval.report`: the Table-3-shaped report.
* :mod:`~speechbrain_xling.eval.run`: ``evaluate_systems``, the recipe entry point.
* :mod:`~speechbrain_xling.eval.tokenizer`: ``load_tokenizer``, the recipe's tokeniser by type.
"""
