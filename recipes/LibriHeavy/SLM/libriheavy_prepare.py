#!/usr/bin/env python3
"""Data preparation for LibriHeavy (English audiobooks, 50k h).

Turns the released lhotse cuts (``libriheavy_cuts_<subset>.jsonl.gz``) into
one utterance manifest per subset, ``<save_folder>/libriheavy_<subset>.csv``:
``story_id`` is the chapter recording, ``sent_idx`` the cut's order in it,
and a ``start`` column makes each row a segment of the chapter file (no
audio is copied). Finished subsets are skipped. The work is done by
:func:`speechbrain_xling.prepare.libriheavy.prepare_libriheavy`. Then
tokenise each manifest with ``recipes/sTinyStories/SLM/tokenize_units.py``
(see this folder's README.md)::

    python libriheavy_prepare.py <cuts folder> <audio root> <save folder> \\
        --subsets small medium large

Authors
 * speechbrain-xling authors 2026
"""

import argparse

from speechbrain_xling.prepare.libriheavy import prepare_libriheavy

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("manifest_folder", help="folder of the *.jsonl.gz cuts")
    parser.add_argument("audio_root", help="folder the cuts' audio paths start from")
    parser.add_argument("save_folder", help="where the manifests are written")
    parser.add_argument("--subsets", nargs="+", default=["small"])
    parser.add_argument("--no_text", action="store_true", help="drop transcripts")
    parser.add_argument("--no_check_audio", action="store_true", help="skip the file check")
    args = parser.parse_args()
    summaries = prepare_libriheavy(
        args.manifest_folder,
        args.audio_root,
        args.save_folder,
        subsets=args.subsets,
        with_text=not args.no_text,
        check_audio=not args.no_check_audio,
    )
    for subset, summary in summaries.items():
        print(subset, summary)
