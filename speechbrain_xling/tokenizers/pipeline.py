"""Tokenising a manifest into a unit store, and benchmark files into a cache.

:func:`tokenize_manifest` reads a manifest (see
:mod:`speechbrain_xling.prepare.manifest`), sorts its rows by duration
(longest first, ties by ID), cuts the sorted list into parts of
``rows_per_part`` rows and writes each part of the unit store atomically.
Inside a part, rows are batched so that a batch holds at most
``batch_seconds`` of padded audio. A restarted run skips the parts that
exist, so a killed run resumes where it stopped; under ``torchrun`` rank
``r`` of ``w`` takes the parts ``k`` with ``k % w == r`` and the main rank
writes the header once all parts exist.

Bad audio raises an error naming the manifest line, ID and file
(``on_error="error"``) or is skipped and counted (``on_error="skip"``). Each
part records its skips, down-mixes and resamplings in
``part_XXXXX.summary.json`` (written before the part becomes visible); the
main rank merges them into ``tokenize_summary.json``.

The run's plan (manifest hash, tokeniser description, ``rows_per_part``, and
the ``lang`` argument when given) is stored in ``tokenize_plan.json``;
resuming into a folder made with another plan is refused, so parts of
different runs never mix. ``data_root`` is not part of the plan: the same
audio may be read from another copy (e.g. a node's local disk) when resuming.

Both manifest formats of :mod:`speechbrain_xling.prepare.manifest` are
tokenised: story manifests and SpeechBrain ones (``ID,duration,wav,spk_id,
wrd``, e.g. from LibriSpeech's or CommonVoice's SpeechBrain preparation),
whose utterances become one-sentence stories of the ``lang`` given:
monolingual material, refused by interleaving.

:func:`tokenize_files` tokenises a list of audio files (e.g. benchmark
items) with an on-disk cache keyed by the tokeniser's description and each
file's path, size and modification time.

Authors
 * speechbrain-xling authors 2026
"""

import collections
import hashlib
import json
import os
from pathlib import Path

import numpy as np
from speechbrain.utils.distributed import ddp_barrier
from speechbrain.utils.logger import get_logger
from tqdm import tqdm

from speechbrain_xling.atomic import atomic_path, write_json_atomically
from speechbrain_xling.audio import (
    AudioError,
    AudioReader,
    audio_duration,
    pad_batch,
)
from speechbrain_xling.data.unit_store import (
    UnitStoreWriter,
    is_finished_store,
    read_store_header,
)
from speechbrain_xling.hashing import file_sha256
from speechbrain_xling.prepare.manifest import audio_segment, read_manifest
from speechbrain_xling.prepare.word_timings import read_word_timings, word_spans
from speechbrain_xling.saved_settings import record_or_check_settings

logger = get_logger(__name__)

PLAN_FILE = "tokenize_plan.json"
SUMMARY_FILE = "tokenize_summary.json"
_BAR_FORMAT = (
    "{desc}: {percentage:3.0f}%|{bar}| {n:.3f}/{total:.3f} h [{elapsed}<{remaining}, {rate_fmt}]"
)
_MS_PER_HOUR = 3_600_000


def _milliseconds(rows):
    """Audio of ``rows`` in whole milliseconds: progress counts in integers,
    so the bar's total is reached exactly (float sums in another order overshoot)."""
    return sum(round(row["duration"] * 1000) for row in rows)


def _batches(rows, batch_seconds):
    """Consecutive runs of duration-sorted rows with at most ``batch_seconds``
    of padded audio (always at least one row)."""
    batch, longest = [], 0.0
    for row in rows:
        longest = max(longest, row["duration"])
        if batch and longest * (len(batch) + 1) > batch_seconds:
            yield batch
            batch, longest = [], row["duration"]
        batch.append(row)
    if batch:
        yield batch


def _summary_path(folder, part_id):
    return Path(folder) / f"part_{part_id:05d}.summary.json"


def _row_word_spans(row, units, frames, timings, frame_rate, manifest):
    """The store's word spans of a manifest row (``None``: no timings)."""
    if timings is None or row["ID"] not in timings:
        return None
    what = f"{manifest} line {row['line']} (ID {row['ID']!r})"
    if not row.get("text"):
        raise ValueError(f"{what}: has word timings but no text")
    return word_spans(
        timings[row["ID"]], row["text"], row["duration"], len(units), frame_rate, frames, what
    )


def _tokenize_part(
    part, rows, tokenizer, reader, batch_seconds, on_error, bar, manifest, timings=None
):
    """Tokenises the rows of one part into ``part``; returns its summary."""
    skipped, untimed = [], 0
    counts_before = collections.Counter(reader.counts)
    for batch in _batches(rows, batch_seconds):
        wavs, kept = [], []
        for row in batch:
            try:
                wavs.append(reader(row["wav"], *audio_segment(row)))
                kept.append(row)
            except AudioError as error:
                if on_error == "error":
                    where = f"{manifest} line {row['line']} (ID {row['ID']!r})"
                    raise AudioError(
                        error.path, error.reason, error.detail, context=where
                    ) from error
                skipped.append(
                    {
                        "ID": row["ID"],
                        "line": row["line"],
                        "wav": row["wav"],
                        "reason": error.reason,
                        "message": str(error),
                    }
                )
        if kept:
            padded = pad_batch(wavs)
            wavs.clear()  # encode needs only the padded copy (memory of long files)
            if timings is None:
                units = [(row_units, None) for row_units in tokenizer.encode(*padded)]
            else:
                units = tokenizer.encode_with_frames(*padded)
            if len(units) != len(kept):
                raise RuntimeError(
                    f"{type(tokenizer).__name__}.encode returned {len(units)} unit "
                    f"sequences for a batch of {len(kept)}"
                )
            for row, (row_units, frames) in zip(kept, units):
                spans = _row_word_spans(
                    row, row_units, frames, timings, tokenizer.frame_rate, manifest
                )
                untimed += timings is not None and spans is None
                part.add_manifest_row(row, row_units, spans)
        bar.update(_milliseconds(batch))
    return {
        "rows": len(rows) - len(skipped),
        "skipped": skipped,
        "audio": dict(reader.counts - counts_before),
        "rows_without_word_timings": untimed,
    }


def _merge_summaries(folder, num_parts, header):
    """Merges the per-part summaries into ``tokenize_summary.json``."""
    skipped, audio, untimed = [], collections.Counter(), 0
    for part_id in range(num_parts):
        with open(_summary_path(folder, part_id)) as handle:
            part = json.load(handle)
        skipped += part["skipped"]
        audio.update(part["audio"])
        untimed += part.get("rows_without_word_timings", 0)
    summary = {
        "rows_written": header["rows"],
        "units_written": header["units"],
        "rows_skipped": len(skipped),
        "skipped_by_reason": dict(collections.Counter(s["reason"] for s in skipped)),
        "audio_downmixed": audio["downmixed"],
        "audio_resampled": audio["resampled"],
        "rows_without_word_timings": untimed,
        "skipped": sorted(skipped, key=lambda s: s["line"]),
    }
    write_json_atomically(summary, Path(folder) / SUMMARY_FILE)
    return summary


def tokenize_manifest(
    manifest_csv,
    tokenizer,
    store_folder,
    rows_per_part=10000,
    batch_seconds=120.0,
    on_error="error",
    rank=0,
    world_size=1,
    progress=True,
    lang=None,
    data_root=None,
    word_timings=None,
):
    """Tokenises every row of a manifest into a unit store (resumable).

    Arguments
    ---------
    manifest_csv : str or Path
        The manifest: a story manifest (``ID,story_id,sent_idx,lang,wav,
        duration,speaker``, optional ``start``) or a SpeechBrain one
        (``ID,duration,wav,spk_id,wrd``); see
        :func:`~speechbrain_xling.prepare.manifest.read_manifest`.
    tokenizer : UnitTokenizer
        Any tokeniser (:class:`~speechbrain_xling.tokenizers.mimi.MimiTokenizer`,
        :class:`~speechbrain_xling.tokenizers.kmeans.KMeansTokenizer`).
    store_folder : str or Path
        Output unit store folder.
    rows_per_part : int
        Rows per store part: the unit of resumption and of work sharing
        between ranks.
    batch_seconds : float
        Most padded audio per ``encode`` call (a longer row is encoded alone).
    on_error : str
        ``"error"``: stop at the first bad audio file, naming its manifest
        line, ID and file. ``"skip"``: leave such rows out, counted by cause
        in the summary.
    rank, world_size : int
        This process's share of the parts under DDP (``torchrun``): parts
        ``k`` with ``k % world_size == rank``.
    progress : bool
        Show a progress bar (hours of audio, hours per second).
    lang : str, optional
        Language of every row of a manifest without a ``lang`` column
        (required for one; with a column, a check).
    data_root : str or Path, optional
        Replaces ``$data_root`` in the manifest's ``wav`` paths.
    word_timings : str or Path, optional
        A word-timings file (:mod:`speechbrain_xling.prepare.word_timings`):
        the store then holds the word spans of the rows it times (others are
        counted in the summary as ``rows_without_word_timings``); timings that
        do not cover a row's text or leave its audio are an error naming it.

    Returns
    -------
    dict
        The unit store header (also on ranks other than the main one).

    Example
    -------
    >>> import tempfile, pathlib, numpy, soundfile
    >>> from speechbrain_xling.data.unit_store import UnitStore
    >>> from speechbrain_xling.tokenizers.kmeans import KMeansTokenizer
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> lines = ["ID,story_id,sent_idx,lang,wav,duration,speaker"]
    >>> for i in range(3):
    ...     soundfile.write(folder / f"{i}.wav", numpy.random.randn(8000 * (i + 1)), 16000)
    ...     lines.append(f"s_en_{i},s,{i},en,{i}.wav,{0.5 * (i + 1)},v1")
    >>> _ = (folder / "m.csv").write_text("\\n".join(lines) + "\\n")
    >>> tokenizer = KMeansTokenizer().fit(folder / "m.csv", num_units=4)
    >>> header = tokenize_manifest(folder / "m.csv", tokenizer, folder / "store",
    ...                            rows_per_part=2, progress=False)
    >>> header["rows"], len(header["parts"])
    (3, 2)
    >>> UnitStore(folder / "store").ids.tolist()
    ['s_en_2', 's_en_1', 's_en_0']

    A SpeechBrain manifest (LibriSpeech-style columns, ``$data_root`` paths):

    >>> lines = ["ID,duration,wav,spk_id,wrd"]
    >>> lines += [f"u{i},{0.5 * (i + 1)},$data_root/{i}.wav,spk{i},HELLO" for i in range(3)]
    >>> _ = (folder / "sb.csv").write_text("\\n".join(lines) + "\\n")
    >>> header = tokenize_manifest(folder / "sb.csv", tokenizer, folder / "sb_store",
    ...                            progress=False, lang="en", data_root=folder)
    >>> store = UnitStore(folder / "sb_store")
    >>> store.story_ids.tolist(), store.langs.tolist(), store.speakers.tolist()
    (['u2', 'u1', 'u0'], ['en', 'en', 'en'], ['spk2', 'spk1', 'spk0'])
    """
    if on_error not in ("error", "skip"):
        raise ValueError(f"on_error must be 'error' or 'skip', got {on_error!r}")
    if not 0 <= rank < world_size:
        raise ValueError(f"rank {rank} is not in [0, world_size={world_size})")
    rows = sorted(
        read_manifest(manifest_csv, lang=lang, data_root=data_root),
        key=lambda r: (-r["duration"], r["ID"]),
    )
    parts = [rows[i : i + rows_per_part] for i in range(0, len(rows), rows_per_part)]
    description = tokenizer.describe()
    plan = {
        "manifest_sha256": file_sha256(manifest_csv),
        "tokenizer": description,
        "rows_per_part": int(rows_per_part),
        "num_parts": len(parts),
    }
    if lang is not None:  # absent otherwise, so stores made before it still resume
        plan["lang"] = lang
    timings = None
    if word_timings is not None:  # likewise
        plan["word_timings_sha256"] = file_sha256(word_timings)
        timings = read_word_timings(word_timings)
    folder = Path(store_folder)
    writer = UnitStoreWriter(
        folder,
        tokenizer.num_units,
        tokenizer.frame_rate,
        tokenizer=description,
        source_hash=plan["manifest_sha256"],
    )
    record_or_check_settings(
        Path(folder) / PLAN_FILE,
        plan,
        f"{folder} (part of a unit store)",
        "use a new store folder or delete this one",
    )
    if not is_finished_store(folder):
        todo = [k for k in range(rank, len(parts), world_size) if not writer.part_exists(k)]
        reader = AudioReader(tokenizer.sample_rate)
        bar = tqdm(
            total=sum(_milliseconds(parts[k]) for k in todo),
            desc=f"tokenise (rank {rank})",
            bar_format=_BAR_FORMAT,
            unit="h",
            unit_scale=1 / _MS_PER_HOUR,
            disable=not progress,
        )
        with bar:
            for part_id in todo:
                with writer.part(part_id) as part:
                    summary = _tokenize_part(
                        part,
                        parts[part_id],
                        tokenizer,
                        reader,
                        batch_seconds,
                        on_error,
                        bar,
                        manifest_csv,
                        timings,
                    )
                    write_json_atomically(summary, _summary_path(folder, part_id))
        ddp_barrier()  # no-op unless torch.distributed is initialised
        if rank == 0:
            header = writer.finalize(num_parts=len(parts))
            summary = _merge_summaries(folder, len(parts), header)
            logger.info(
                f"Tokenised {summary['rows_written']} rows "
                f"({summary['units_written']} units) into {folder}; skipped "
                f"{summary['rows_skipped']} {summary['skipped_by_reason']}; "
                f"down-mixed {summary['audio_downmixed']}, resampled "
                f"{summary['audio_resampled']} (details: {SUMMARY_FILE})"
            )
        ddp_barrier()
    header = read_store_header(folder)
    if header["rows"] == 0:
        raise RuntimeError(f"every row of {manifest_csv} was skipped; see {folder / SUMMARY_FILE}")
    return header


def _cache_key(description_hash, path):
    stat = os.stat(path)
    key = f"{description_hash}|{Path(path).resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    return hashlib.sha256(key.encode()).hexdigest()


def tokenize_files(tokenizer, wav_paths, cache_folder=None, batch_seconds=60.0, progress=True):
    """Tokenises audio files, reusing cached units when available.

    Arguments
    ---------
    tokenizer : UnitTokenizer
        The tokeniser.
    wav_paths : list of str or Path
        Audio files (any rate and channel count).
    cache_folder : str or Path, optional
        Folder of cached units (``<key>.npy``), keyed by the tokeniser's
        ``describe()``, the file's absolute path, size and modification
        time; ``None`` disables caching.
    batch_seconds : float
        Most padded audio per ``encode`` call.
    progress : bool
        Show a progress bar over the files to tokenise.

    Returns
    -------
    list of numpy.ndarray
        Units of each file, in the order of ``wav_paths``.

    Raises
    ------
    AudioError
        For a missing, unreadable, empty or non-finite file (named).

    Example
    -------
    >>> import tempfile, pathlib, numpy, soundfile
    >>> from speechbrain_xling.tokenizers.kmeans import KMeansTokenizer
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> paths = [folder / "a.wav", folder / "b.wav"]
    >>> for i, path in enumerate(paths):
    ...     soundfile.write(path, numpy.random.randn(4000 * (i + 1)), 16000)
    >>> tokenizer = KMeansTokenizer().fit(paths, num_units=3)
    >>> units = tokenize_files(tokenizer, paths, folder / "cache", progress=False)
    >>> [len(u) for u in units], len(list((folder / "cache").glob("*.npy")))
    ([7, 13], 2)
    """
    description = json.dumps(tokenizer.describe(), sort_keys=True)
    description_hash = hashlib.sha256(description.encode()).hexdigest()
    reader = AudioReader(tokenizer.sample_rate)
    results = [None] * len(wav_paths)
    cache_paths = [None] * len(wav_paths)
    if cache_folder is not None:
        cache_folder = Path(cache_folder)
        cache_folder.mkdir(parents=True, exist_ok=True)
        for index, path in enumerate(wav_paths):
            if not Path(path).is_file():
                raise AudioError(path, "missing", "audio file not found")
            cache_paths[index] = cache_folder / f"{_cache_key(description_hash, path)}.npy"
            if cache_paths[index].exists():
                results[index] = np.load(cache_paths[index])
    todo = [
        {"index": index, "wav": str(path), "duration": audio_duration(path)}
        for index, path in enumerate(wav_paths)
        if results[index] is None
    ]
    todo.sort(key=lambda item: -item["duration"])
    with tqdm(total=len(todo), desc="tokenise files", unit="file", disable=not progress) as bar:
        for batch in _batches(todo, batch_seconds):
            padded = pad_batch([reader(item["wav"]) for item in batch])
            for item, units in zip(batch, tokenizer.encode(*padded)):
                results[item["index"]] = units
                if cache_paths[item["index"]] is not None:
                    with atomic_path(cache_paths[item["index"]]) as tmp_path:
                        np.save(tmp_path, units)
            bar.update(len(batch))
    return results
