"""Byte-pair encoding over discrete units (SentencePiece BPE).

Frame-level acoustic units are long: the k-means units of the mini-corpus
average ~86 per sentence against ~24 phones, so at a fixed token budget the
LM sees 3-4x fewer sentences, and a story plus its translation does not fit
a 512-unit context. Merging frequent unit n-grams into single tokens (the
"acoustic BPE" of the speech-LM literature) shortens sequences without
changing what they encode: decoding a BPE sequence gives back the units.

Each unit ``u`` is written as the character ``chr(0x4E00 + u)`` (a block of
20,992 characters SentencePiece treats as one script, so merges may span
any units), and SentencePiece learns a BPE vocabulary over the training
sequences with every unit character required, so any unit sequence can be
encoded. Token 0 is SentencePiece's ``<unk>`` and never occurs.

:class:`UnitBPETokenizer` wraps a base :class:`UnitTokenizer`: ``encode``
runs the base tokeniser, then BPE, so the tokenise pipeline, unit stores and
evaluation work unchanged; :func:`bpe_unit_store` converts a finished unit
store of base units without reading audio again.

Authors
 * speechbrain-xling authors 2026
"""

import hashlib
import io
import itertools
import json
from pathlib import Path

import numpy as np
import sentencepiece
from tqdm import tqdm

from speechbrain_xling.atomic import atomic_path
from speechbrain_xling.data.unit_store import UnitStore, UnitStoreWriter, is_finished_store
from speechbrain_xling.saved_settings import check_same_settings
from speechbrain_xling.tokenizers.base import UnitTokenizer

FIRST_UNIT_CHAR = 0x4E00
MAX_BASE_UNITS = 0xA000 - FIRST_UNIT_CHAR  # the CJK Unified Ideographs block
MAX_STORE_UNITS = 1 << 16  # unit stores hold uint16 ids


def units_to_text(units):
    """Unit ids -> the string SentencePiece sees.

    Example
    -------
    >>> [hex(ord(c)) for c in units_to_text([0, 2])]
    ['0x4e00', '0x4e02']
    """
    return "".join(chr(FIRST_UNIT_CHAR + int(unit)) for unit in units)


class UnitBPETokenizer(UnitTokenizer):
    """A base unit tokeniser followed by BPE over its units.

    Arguments
    ---------
    base : UnitTokenizer
        The tokeniser whose units are merged (e.g. a fitted
        :class:`~speechbrain_xling.tokenizers.kmeans.KMeansTokenizer`).
    model_proto : bytes
        A serialised SentencePiece model made by :meth:`fit` for this base.

    Attributes
    ----------
    num_units : int
        The BPE vocabulary size (token ids ``[0, num_units)``; 0 unused).
    frame_rate : float
        The base rate: an upper bound on tokens per second.

    Example
    -------
    >>> import tempfile, pathlib, torch
    >>> from speechbrain_xling.tokenizers.kmeans import KMeansTokenizer
    >>> from speechbrain_xling.audio import pad_batch
    >>> wavs = [torch.randn(16000), torch.randn(8000)]
    >>> base = KMeansTokenizer(frame_rate=50.0).fit(wavs, num_units=4, seed=0)
    >>> units = base.encode(*pad_batch(wavs))
    >>> bpe = UnitBPETokenizer.fit(base, units * 3, vocab_size=12)
    >>> tokens = bpe.encode(*pad_batch(wavs))
    >>> all(len(t) < len(u) for t, u in zip(tokens, units))
    True
    >>> all((bpe.units_of_tokens(t) == u).all() for t, u in zip(tokens, units))
    True
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "bpe.model"
    >>> bpe.save(path)
    >>> UnitBPETokenizer.load(path, base).describe() == bpe.describe()
    True
    """

    def __init__(self, base, model_proto):
        self.base = base
        self.model_proto = bytes(model_proto)
        self._processor = sentencepiece.SentencePieceProcessor(model_proto=self.model_proto)
        self._piece_lengths = None
        self.num_units = self._processor.get_piece_size()
        self.frame_rate = base.frame_rate
        self.sample_rate = base.sample_rate
        missing = [
            unit
            for unit in range(base.num_units)
            if self._processor.piece_to_id(units_to_text([unit])) == self._processor.unk_id()
        ]
        if missing:
            raise ValueError(
                f"the BPE model has no token for base units {missing[:10]} "
                f"(of {len(missing)}): it was not made for this base tokeniser"
            )

    @classmethod
    def fit(cls, base, sequences, vocab_size, progress=False):
        """Learns a BPE vocabulary of ``vocab_size`` tokens over unit sequences.

        Arguments
        ---------
        base : UnitTokenizer
            The base tokeniser (its ``num_units`` K must be below
            ``vocab_size`` and below 20,992).
        sequences : iterable of array-like
            Base unit sequences (one per utterance) to learn merges from.
        vocab_size : int
            Tokens in all: ``<unk>``, the K units, then merges; at most
            65,536 (unit stores hold 16-bit ids). SentencePiece
            stops early with an error when the data has too few distinct
            pairs for that many merges.
        progress : bool
            Show a progress bar over the sequences.

        Returns
        -------
        UnitBPETokenizer
        """
        if not base.num_units < MAX_BASE_UNITS:
            raise ValueError(f"BPE over units supports K < {MAX_BASE_UNITS}, got {base.num_units}")
        if vocab_size > MAX_STORE_UNITS:
            raise ValueError(
                f"vocab_size={vocab_size} is above {MAX_STORE_UNITS}: unit stores hold 16-bit ids"
            )
        if vocab_size <= base.num_units:
            raise ValueError(
                f"vocab_size={vocab_size} must exceed the {base.num_units} base units "
                "(plus one <unk>) to leave room for merges"
            )
        texts = itertools.chain(
            (
                units_to_text(units)
                for units in tqdm(
                    sequences, desc="BPE over units", unit="utt", disable=not progress
                )
            ),
            # every unit once, alone: in the vocabulary even if unseen, no merge learnt
            (units_to_text([unit]) for unit in range(base.num_units)),
        )
        model = io.BytesIO()
        sentencepiece.SentencePieceTrainer.train(
            sentence_iterator=texts,
            model_writer=model,
            vocab_size=int(vocab_size),
            model_type="bpe",
            character_coverage=1.0,
            add_dummy_prefix=False,
            remove_extra_whitespaces=False,
            normalization_rule_name="identity",
            unk_id=0,
            bos_id=-1,
            eos_id=-1,
            pad_id=-1,
            max_sentence_length=1 << 20,
            max_sentencepiece_length=16,
            num_threads=1,
            minloglevel=2,
        )
        return cls(base, model.getvalue())

    def tokens_of_units(self, units):
        """Base units of one utterance -> BPE token ids (``int64`` array)."""
        return np.asarray(self._processor.encode(units_to_text(units)), dtype=np.int64)

    def units_of_tokens(self, tokens):
        """BPE token ids -> the base units they stand for."""
        text = self._processor.decode([int(token) for token in tokens])
        return np.array([ord(char) - FIRST_UNIT_CHAR for char in text], dtype=np.int64)

    def token_unit_starts(self, tokens):
        """Index of the first base unit of each BPE token.

        Example
        -------
        >>> class Base:
        ...     num_units, frame_rate, sample_rate = 2, 50.0, 16000
        >>> bpe = UnitBPETokenizer.fit(Base(), [[0, 1, 0, 1]] * 5, vocab_size=4)
        >>> tokens = bpe.tokens_of_units([0, 1, 0, 1, 1])
        >>> len(tokens), bpe.token_unit_starts(tokens).tolist()
        (3, [0, 2, 4])
        """
        if self._piece_lengths is None:
            self._piece_lengths = np.array(
                [len(self._processor.id_to_piece(i)) for i in range(self.num_units)],
                dtype=np.int64,
            )
        lengths = self._piece_lengths[np.asarray(tokens, dtype=np.int64)]
        return np.cumsum(lengths) - lengths

    def encode(self, wavs, lengths):
        """Base units of a padded batch, then BPE; see :meth:`UnitTokenizer.encode`."""
        return [self.tokens_of_units(units) for units in self.base.encode(wavs, lengths)]

    def encode_with_frames(self, wavs, lengths):
        """BPE tokens and the base frame where each starts."""
        encoded = []
        for units, frames in self.base.encode_with_frames(wavs, lengths):
            tokens = self.tokens_of_units(units)
            encoded.append((tokens, np.asarray(frames)[self.token_unit_starts(tokens)]))
        return encoded

    def describe(self):
        """The base tokeniser's description, the vocabulary size and the model hash."""
        return {
            "name": "unit_bpe",
            "vocab_size": self.num_units,
            "model_sha256": hashlib.sha256(self.model_proto).hexdigest(),
            "base": self.base.describe(),
        }

    def save(self, path):
        """Writes the SentencePiece model (readable by SentencePiece itself), atomically."""
        with atomic_path(path) as tmp_path:
            Path(tmp_path).write_bytes(self.model_proto)

    @classmethod
    def load(cls, path, base):
        """Reads a model written by :meth:`save` on top of ``base``."""
        return cls(base, Path(path).read_bytes())


def bpe_unit_store(source_folder, bpe, target_folder, progress=False):
    """Writes a unit store of BPE tokens from a finished store of base units.

    Rows keep their ids, stories, languages, speakers, texts, word spans (in
    tokens: a word starts at the first token starting in it) and order; the header
    names the :class:`UnitBPETokenizer`. A finished target is reused when
    it was made from the same source with the same model, and refused
    otherwise.

    Arguments
    ---------
    source_folder : str or Path
        A unit store made by ``bpe.base``.
    bpe : UnitBPETokenizer
        The BPE model.
    target_folder : str or Path
        Where to write the BPE store.
    progress : bool
        Show a progress bar over rows.

    Returns
    -------
    UnitStore
        The BPE store.

    Example
    -------
    >>> import tempfile, pathlib
    >>> from speechbrain_xling.data.unit_store import write_unit_store
    >>> class Base:  # any tokeniser with 3 units
    ...     num_units, frame_rate, sample_rate = 3, 50.0, 16000
    ...     def describe(self):
    ...         return {"name": "three"}
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> rows = [dict(utt_id=f"s_en_{i}", units=[0, 1, 2, 0, 1, 2], story_id="s",
    ...              sent_idx=i, lang="en") for i in range(4)]
    >>> source = write_unit_store(folder / "units", rows, num_units=3)
    >>> bpe = UnitBPETokenizer.fit(Base(), [r["units"] for r in rows], vocab_size=6)
    >>> store = bpe_unit_store(folder / "units", bpe, folder / "bpe")
    >>> store.ids.tolist() == source.ids.tolist(), store.total_units < source.total_units
    (True, True)
    """
    source = UnitStore(source_folder)
    if source.num_units != bpe.base.num_units:
        raise ValueError(
            f"{source_folder} has K={source.num_units} units but the BPE model was made "
            f"for K={bpe.base.num_units}"
        )
    source_hash = source.header["content_hash"]
    description = json.loads(json.dumps(bpe.describe()))
    target = Path(target_folder)
    if is_finished_store(target):
        store = UnitStore(target)
        check_same_settings(
            {"tokenizer": store.header["tokenizer"], "source_hash": store.header["source_hash"]},
            {"tokenizer": description, "source_hash": source_hash},
            f"{target} (BPE units of another source or model)",
            "delete it or choose another folder",
        )
        return store
    writer = UnitStoreWriter(target, bpe.num_units, bpe.frame_rate, description, source_hash)
    with writer.part(0) as part:
        for row in tqdm(range(len(source)), desc="BPE units", unit="utt", disable=not progress):
            tokens = bpe.tokens_of_units(source.units(row))
            spans = source.word_spans(row)
            if spans is not None:  # a word starts at the first token starting in it
                starts = np.searchsorted(bpe.token_unit_starts(tokens), spans[1], side="left")
                spans = (spans[0], starts)
            part.add_store_row(source, row, tokens, spans)
    writer.finalize(num_parts=1)
    return UnitStore(target)
