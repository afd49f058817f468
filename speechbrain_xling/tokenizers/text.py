"""Text tokenizers of speech-text models: SentencePiece or a text LLM's own.

Two sources, one loading function (:func:`load_text_tokenizer`):

* a SentencePiece model file (``*.model``), e.g. one trained by
  :func:`train_sentencepiece` on a corpus's EN and FR text, for models
  trained from scratch (the offline demo);
* a Hugging Face tokenizer (a local folder or a hub id), the tokenizer of the
  text LLM a model starts from, whose text rows the model keeps.

Both encode without special tokens (the data pipeline adds the modality
markers and EOS of :class:`~speechbrain_xling.data.vocab.SpeechTextVocabulary`)
and raise :class:`UnencodableText` naming the utterance when a text needs the
unknown token: a silent ``<unk>`` would train the model on a lie.

Authors
 * speechbrain-xling authors 2026
"""

import io
from pathlib import Path

from speechbrain_xling.atomic import atomic_path
from speechbrain_xling.data.vocab import SpeechTextVocabulary

# Name of the tokenizer inside a model folder (a file ``.model`` or a folder).
SAVED_NAME = "text_tokenizer"


class UnencodableText(ValueError):
    """A text holds characters the tokenizer cannot encode (it would give ``<unk>``)."""


class TextTokenizer:
    """Text to ids and back; subclasses wrap one library.

    Attributes
    ----------
    vocab_size : int
        Number of text ids (ids are ``0 .. vocab_size - 1``).
    source : str
        Where the tokenizer was loaded from.
    """

    vocab_size = 0
    source = ""
    unk_id = None

    def _encode(self, text):
        raise NotImplementedError

    def decode(self, ids):
        """The text of ``ids``."""
        raise NotImplementedError

    def encode(self, text, what="text"):
        """Ids of ``text``; raises :class:`UnencodableText` naming ``what``."""
        ids = self._encode(text)
        if self.unk_id is not None and self.unk_id in ids:
            pieces = [self.decode([i]) for i in ids]
            raise UnencodableText(
                f"{what}: the tokenizer {self.source} cannot encode {text!r} "
                f"(unknown token at piece {ids.index(self.unk_id)} of {pieces})"
            )
        return ids

    def describe(self):
        """What is stored beside a model: the kind, source and size."""
        return {"kind": type(self).__name__, "source": str(self.source), "size": self.vocab_size}

    def save(self, folder):
        """Writes the tokenizer into a model folder (see :func:`saved_text_tokenizer`)."""
        raise NotImplementedError


class SentencePieceTextTokenizer(TextTokenizer):
    """A SentencePiece model file.

    Example
    -------
    >>> import tempfile
    >>> path = train_sentencepiece(["le chat dort", "the cat sleeps"] * 20,
    ...                            tempfile.mkdtemp() + "/text.model", vocab_size=300)
    >>> tokenizer = SentencePieceTextTokenizer(path)
    >>> tokenizer.decode(tokenizer.encode("the cat dort"))
    'the cat dort'
    """

    def __init__(self, model_file):
        import sentencepiece

        self.source = str(model_file)
        self.processor = sentencepiece.SentencePieceProcessor(model_file=self.source)
        self.vocab_size = int(self.processor.get_piece_size())
        unk = self.processor.unk_id()
        self.unk_id = unk if unk >= 0 else None

    def _encode(self, text):
        return list(self.processor.encode(text))

    def save(self, folder):
        """Copies the model file to ``folder/text_tokenizer.model``."""
        Path(folder, SAVED_NAME + ".model").write_bytes(Path(self.source).read_bytes())

    def decode(self, ids):
        """The text of ``ids``."""
        return self.processor.decode([int(i) for i in ids])


class HuggingFaceTextTokenizer(TextTokenizer):
    """A ``transformers`` tokenizer (local folder or hub id), without special tokens.

    ``vocab_size`` is ``len(tokenizer)`` (added tokens included).
    """

    def __init__(self, source):
        import transformers

        self.source = str(source)
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(source)
        self.vocab_size = len(self.tokenizer)
        self.unk_id = self.tokenizer.unk_token_id

    def _encode(self, text):
        return list(self.tokenizer.encode(text, add_special_tokens=False))

    def save(self, folder):
        """``save_pretrained`` into ``folder/text_tokenizer``."""
        self.tokenizer.save_pretrained(Path(folder, SAVED_NAME))

    def decode(self, ids):
        """The text of ``ids``."""
        return self.tokenizer.decode([int(i) for i in ids])


def saved_text_tokenizer(folder):
    """The tokenizer a model folder holds (written by ``save``), or ``None``.

    Example
    -------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> saved_text_tokenizer(folder) is None
    True
    >>> tokenizer = load_text_tokenizer(train_sentencepiece(
    ...     ["un deux trois"] * 10, tempfile.mkdtemp() + "/t.model", vocab_size=12,
    ...     byte_fallback=False))
    >>> tokenizer.save(folder)
    >>> saved_text_tokenizer(folder).encode("deux") == tokenizer.encode("deux")
    True
    """
    for candidate in (Path(folder, SAVED_NAME + ".model"), Path(folder, SAVED_NAME)):
        if candidate.exists():
            return load_text_tokenizer(candidate)
    return None


def load_text_tokenizer(source):
    """A :class:`TextTokenizer` from a SentencePiece ``.model`` file, or a
    Hugging Face tokenizer folder or hub id.

    Example
    -------
    >>> import tempfile
    >>> path = train_sentencepiece(["un deux trois"] * 10,
    ...                            tempfile.mkdtemp() + "/t.model", vocab_size=12,
    ...                            byte_fallback=False)
    >>> type(load_text_tokenizer(path)).__name__
    'SentencePieceTextTokenizer'
    """
    path = Path(source)
    if path.suffix == ".model":
        if not path.is_file():
            raise FileNotFoundError(f"SentencePiece model {path} not found")
        return SentencePieceTextTokenizer(path)
    return HuggingFaceTextTokenizer(source)


def train_sentencepiece(
    texts, model_path, vocab_size=1024, model_type="unigram", byte_fallback=True
):
    """Trains a SentencePiece model on ``texts`` and writes it to ``model_path``.

    Every character of the training text is covered (``character_coverage``
    1.0: French accents must not become ``<unk>``), and with
    ``byte_fallback`` (default) a character the training text lacks (a
    ``û`` first met in a validation story) is written as its UTF-8 bytes
    (256 byte pieces), so every text can be encoded. The file is written
    atomically. Returns ``model_path``.

    Arguments
    ---------
    texts : iterable of str
        Training sentences (e.g. the EN and FR text of the training stories).
    model_path : str or Path
        Output ``.model`` file.
    vocab_size : int
        Number of pieces, at most: a text too small for it gets fewer (the
        model's ``get_piece_size()`` says how many).
    model_type : str
        ``"unigram"`` (default) or ``"bpe"``.
    byte_fallback : bool
        Byte pieces for unseen characters (needs ``vocab_size`` > 256 + the
        training text's characters); without them such text cannot be
        encoded (:class:`UnencodableText`).
    """
    import sentencepiece

    model_path = Path(model_path)
    if model_path.suffix != ".model":
        raise ValueError(f"{model_path}: a SentencePiece model file must end in .model")
    texts = [" ".join(str(text).split()) for text in texts]
    texts = [text for text in texts if text]
    if not texts:
        raise ValueError(f"{model_path}: no text to train a SentencePiece model on")
    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(texts),
        model_writer=model,
        vocab_size=int(vocab_size),
        model_type=model_type,
        character_coverage=1.0,
        bos_id=-1,
        eos_id=-1,
        pad_id=-1,
        unk_id=0,
        hard_vocab_limit=False,
        byte_fallback=bool(byte_fallback),
        minloglevel=2,
    )
    model_path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(model_path) as tmp_path:
        Path(tmp_path).write_bytes(model.getvalue())
    return model_path


def speech_text_vocabulary(num_units, text_tokenizer, text_lm_source=None):
    """The :class:`~speechbrain_xling.data.vocab.SpeechTextVocabulary` of a stage.

    Text ids are the tokenizer's; with a text LLM, ``num_text`` is the rows
    of its embedding table (``config.vocab_size``, often padded beyond the
    tokenizer), which must hold every tokenizer id.

    Arguments
    ---------
    num_units : int
        K.
    text_tokenizer : str or TextTokenizer
        The tokenizer or its source (see :func:`load_text_tokenizer`).
    text_lm_source : str, optional
        The text LLM the model starts from (folder or hub id).

    Example
    -------
    >>> import tempfile
    >>> path = train_sentencepiece(["un deux trois"] * 10,
    ...                            tempfile.mkdtemp() + "/t.model", vocab_size=12,
    ...                            byte_fallback=False)
    >>> speech_text_vocabulary(16, path)
    SpeechTextVocabulary(num_text=12, num_units=16)
    """
    if not isinstance(text_tokenizer, TextTokenizer):
        text_tokenizer = load_text_tokenizer(text_tokenizer)
    num_text = text_tokenizer.vocab_size
    if text_lm_source:
        import transformers

        rows = int(transformers.AutoConfig.from_pretrained(text_lm_source).vocab_size)
        if rows < num_text:
            raise ValueError(
                f"the text LM {text_lm_source} has {rows} token rows but its tokenizer "
                f"{text_tokenizer.source} has {num_text} ids"
            )
        num_text = rows
    return SpeechTextVocabulary(num_text=num_text, num_units=int(num_units))
