#!/usr/bin/env python3
"""Data preparation for the EN-FR sentence-aligned sTinyStories corpus.

Builds the utterance manifest from the release's metadata table and checks
that every story has the same sentences in English and French; skipped when
the manifest is already up to date. The work is done by
:func:`speechbrain_xling.prepare.stinystories.prepare_stinystories` (its
docstring gives the input contract); ``tokenize_units.py`` calls it through
``run_on_main`` when ``--data_folder`` is set. Standalone::

    python sTinyStories_prepare.py <data_folder>/metadata.csv <manifest.csv> \\
        [--languages en fr] [--on_mismatch skip]

Authors
 * speechbrain-xling authors 2026
"""

import argparse

from speechbrain_xling.prepare.stinystories import prepare_stinystories

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("metadata", help="CSV, JSON Lines or dataset folder")
    parser.add_argument("manifest", help="output manifest CSV")
    parser.add_argument("--languages", nargs="+", default=["en", "fr"])
    parser.add_argument("--on_mismatch", choices=["error", "skip"], default="error")
    args = parser.parse_args()
    print(prepare_stinystories(args.metadata, args.manifest, args.languages, args.on_mismatch))
