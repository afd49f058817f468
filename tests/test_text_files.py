"""Non-UTF-8 input files: every reader names the file, the line and the byte."""

import csv
import gzip
import json
import re
import runpy
import sys
from pathlib import Path
from unittest import mock

import pytest

from speechbrain_xling.corpora.files import read_csv
from speechbrain_xling.eval.files import read_csv_rows
from speechbrain_xling.prepare.folder import prepare_folder
from speechbrain_xling.prepare.libriheavy import prepare_libriheavy
from speechbrain_xling.prepare.manifest import read_manifest
from speechbrain_xling.prepare.stinystories import prepare_stinystories
from speechbrain_xling.text_files import NotUTF8Error, open_text, read_text
from speechbrain_xling.tokenizers.phones import (
    PhoneInventory,
    phone_store_from_manifest,
    sidecar_phonemes,
)

RECIPES = Path(__file__).resolve().parents[1] / "recipes"

# A manifest / metadata table whose line 3 holds a Latin-1 "é" (byte 0xE9).
LATIN1_CSV = (
    "ID,story_id,sent_idx,lang,wav,duration,speaker,phonemes\n"
    "a,s,0,fr,a.wav,1.0,v1,a\n"
    "b,s,1,fr,b.wav,1.0,Renée,b\n"
).encode("latin-1")


def _cut(number, text):
    return {
        "id": f"rec1_{number}",
        "start": float(number),
        "duration": 1.0,
        "recording": {"id": "rec1", "sources": [{"source": "rec1.flac"}]},
        "supervisions": [{"speaker": "100", "custom": {"texts": [text]}}],
    }


# JSON Lines (LibriHeavy cuts, folder metadata) whose line 3 holds a Latin-1 "é".
LATIN1_JSONL = "".join(
    json.dumps({**_cut(n, text), "wav": "a.wav"}, ensure_ascii=False) + "\n"
    for n, text in enumerate(["Hi.", "Yes.", "Café."])
).encode("latin-1")


def run_stinystories_recipe(metadata, out):
    script = RECIPES / "sTinyStories" / "SLM" / "sTinyStories_prepare.py"
    with mock.patch.object(sys, "argv", [str(script), str(metadata), str(out / "m.csv")]):
        runpy.run_path(str(script), run_name="__main__")


READERS = {
    "sTinyStories recipe": ("metadata.csv", LATIN1_CSV, run_stinystories_recipe),
    "sTinyStories jsonl": (
        "metadata.jsonl",
        LATIN1_JSONL,
        lambda path, out: prepare_stinystories(path, out / "m.csv"),
    ),
    "folder csv": ("meta.csv", LATIN1_CSV, lambda path, out: prepare_folder(path, out / "m", "fr")),
    "read_manifest": ("m.csv", LATIN1_CSV, lambda path, out: read_manifest(path)),
    "eval read_csv_rows": ("cloze.csv", LATIN1_CSV, lambda path, out: read_csv_rows(path, ["ID"])),
    "corpora read_csv": ("corpus.csv", LATIN1_CSV, lambda path, out: read_csv(path)),
    "phone inventory": ("c.csv", LATIN1_CSV, lambda path, out: PhoneInventory.from_manifest(path)),
    "phone store": (
        "c.csv",
        LATIN1_CSV,
        lambda path, out: phone_store_from_manifest(path, out, PhoneInventory(["a"])),
    ),
    "phone sidecar": ("a.json", LATIN1_JSONL, lambda path, out: sidecar_phonemes(path)),
    "LibriHeavy cuts": (
        "libriheavy_cuts_small.jsonl.gz",
        gzip.compress(LATIN1_JSONL),
        lambda path, out: prepare_libriheavy(path.parent, path.parent, out, progress=False),
    ),
}


@pytest.mark.parametrize("reader", list(READERS))
def test_latin1_input_is_an_error_naming_file_line_and_byte(tmp_path, reader):
    name, content, read = READERS[reader]
    path = tmp_path / name
    path.write_bytes(content)
    message = re.escape(f"{path}, line 3: not valid UTF-8 (byte 0xe9 at column ")
    with pytest.raises(NotUTF8Error, match=message + r"\d+\); re-save the file as UTF-8"):
        read(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_bom_is_dropped_and_line_ends_are_kept(tmp_path):
    path = tmp_path / "m.csv"
    path.write_bytes('\ufeffID,text\r\na,"Café\r\nau lait"\nb,x\rc,y\r\n'.encode())
    with open_text(path) as lines:
        reader = csv.DictReader(lines)
        rows = [(reader.line_num, dict(row)) for row in reader]
    assert reader.fieldnames == ["ID", "text"]
    assert rows == [
        (3, {"ID": "a", "text": "Café\r\nau lait"}),
        (4, {"ID": "b", "text": "x"}),
        (5, {"ID": "c", "text": "y"}),
    ]
    assert read_text(path).startswith("ID,text\r\n")


@pytest.mark.parametrize(
    "content, column",
    [
        (b"ID,text\na,ok\nb,caf\xe9\n", 6),  # a plain row on line 3
        (b'ID,text\na,"first line\nsecond \xe9"\n', 8),  # a quoted field's 2nd line
        (b"\xef\xbb\xbfID,text\r\na,ok\r\n\xe9\r\n", 1),  # after a BOM and CRLF
    ],
)
def test_error_gives_the_line_and_column_of_the_bad_byte(tmp_path, content, column):
    for path in (tmp_path / "m.csv", tmp_path / "m.csv.gz"):
        path.write_bytes(gzip.compress(content) if path.suffix == ".gz" else content)
        with pytest.raises(NotUTF8Error) as caught, open_text(path) as lines:
            list(csv.DictReader(lines))
        assert (caught.value.line, caught.value.column, caught.value.byte) == (3, column, 0xE9)
        assert isinstance(caught.value, ValueError)
        assert str(caught.value).startswith(f"{path}, line 3: not valid UTF-8 (byte 0xe9")
