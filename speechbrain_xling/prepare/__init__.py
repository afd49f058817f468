"""Data preparation: corpora on disk -> utterance manifests.

* :mod:`~speechbrain_xling.prepare.manifest`: the manifest formats (story
  manifests, and SpeechBrain's ``ID,duration,wav,spk_id,wrd`` CSVs read as
  monolingual one-sentence stories): read, write, done-markers.
* :mod:`~speechbrain_xling.prepare.folder`: a folder of audio + a metadata
  table (CSV, JSON Lines or Hugging Face dataset folder).
* :mod:`~speechbrain_xling.prepare.stinystories`: sentence-aligned EN-FR
  sTinyStories (alignment checked).
* :mod:`~speechbrain_xling.prepare.libriheavy`: LibriHeavy from its lhotse
  cuts (segments of chapter recordings).
"""
