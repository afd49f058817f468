"""UnitLM: a Hugging Face decoder-only LM over a discrete-unit vocabulary.

Three ways to get one:

* :meth:`UnitLM.from_text_lm`: load a text LLM (Qwen2, Llama, SmolLM, ...
  from a local folder or a hub id). Textless (TWIST initialisation): its
  text embedding table and output projection are replaced by fresh tables of
  size ``K + special tokens``; tied when the base model ties them. Speech and
  text (a :class:`~speechbrain_xling.data.vocab.SpeechTextVocabulary`, the
  SpiritLM way): the text rows are kept and fresh unit, marker and special
  rows are appended.
* :meth:`UnitLM.from_config`: a randomly initialised model from a config
  (a dict with ``model_type`` or a ``transformers.PretrainedConfig``), for
  from-scratch runs and tests.
* :meth:`UnitLM.load`: a folder written by :meth:`UnitLM.save` (a regular
  ``save_pretrained`` folder plus ``unit_vocab.json``); this is how stages
  chain and how evaluation reads checkpoints.

Authors
 * speechbrain-xling authors 2026
"""

import json
from pathlib import Path

import torch
from torch import nn

from speechbrain_xling.data.vocab import (
    SpeechTextVocabulary,
    UnitVocabulary,
    carried_ids,
    vocabulary_from_dict,
)
from speechbrain_xling.tokenizers.text import saved_text_tokenizer

VOCAB_FILE = "unit_vocab.json"


def _import_transformers():
    import transformers

    return transformers


class UnitLM(nn.Module):
    """Wraps a ``transformers`` causal LM whose vocabulary is units + specials.

    Arguments
    ---------
    hf_model : transformers.PreTrainedModel
        A causal LM whose embedding and output tables have ``vocab.size`` rows.
    vocab : UnitVocabulary or SpeechTextVocabulary
        The token vocabulary.

    Example
    -------
    >>> import torch
    >>> config = {"model_type": "llama", "hidden_size": 32,
    ...           "intermediate_size": 64, "num_hidden_layers": 2,
    ...           "num_attention_heads": 4, "num_key_value_heads": 2}
    >>> lm = UnitLM.from_config(config, num_units=16)
    >>> tokens = torch.randint(0, 16, (2, 7))
    >>> lm(tokens).shape
    torch.Size([2, 7, 18])
    """

    def __init__(self, hf_model, vocab):
        super().__init__()
        rows = hf_model.get_input_embeddings().weight.shape[0]
        if rows != vocab.size:
            raise ValueError(
                f"the model's embedding table has {rows} rows but the vocabulary "
                f"{vocab!r} needs {vocab.size}"
            )
        self.hf_model = hf_model
        self.vocab = vocab
        # A speech-text model's text tokenizer, saved and loaded with it.
        self.text_tokenizer = None

    @property
    def config(self):
        """The underlying ``transformers`` config."""
        return self.hf_model.config

    def forward(self, tokens, attention_mask=None):
        """Returns next-unit logits ``[batch, time, vocab.size]``."""
        return self.hf_model(
            input_ids=tokens, attention_mask=attention_mask, use_cache=False
        ).logits

    def hidden_states(self, tokens, attention_mask=None):
        """Returns the hidden states of every layer (embeddings first).

        A tuple of ``num_hidden_layers + 1`` tensors ``[batch, time, hidden]``.
        """
        return self.hf_model(
            input_ids=tokens,
            attention_mask=attention_mask,
            output_hidden_states=True,
            use_cache=False,
        ).hidden_states

    def num_parameters(self, exclude_embeddings=False):
        """Parameter count (shared tables counted once)."""
        return self.hf_model.num_parameters(exclude_embeddings=exclude_embeddings)

    def save(self, folder):
        """Writes a ``save_pretrained`` folder plus the vocabulary (and the
        text tokenizer of a speech-text model)."""
        folder = Path(folder)
        self.hf_model.save_pretrained(folder)
        if self.text_tokenizer is not None:
            self.text_tokenizer.save(folder)
        with open(folder / VOCAB_FILE, "w") as handle:
            json.dump(self.vocab.to_dict(), handle, indent=2)

    @classmethod
    def load(cls, folder, torch_dtype=None, attn_implementation="sdpa"):
        """Loads a folder written by :meth:`save`."""
        folder = Path(folder)
        vocab = saved_vocabulary(folder)
        transformers = _import_transformers()
        hf_model = transformers.AutoModelForCausalLM.from_pretrained(
            folder, torch_dtype=torch_dtype, attn_implementation=attn_implementation
        )
        lm = cls(hf_model, vocab)
        lm.text_tokenizer = saved_text_tokenizer(folder)
        return lm

    @classmethod
    def from_config(cls, config, num_units, attn_implementation="sdpa", vocab=None):
        """A randomly initialised model.

        Arguments
        ---------
        config : dict or transformers.PretrainedConfig
            With a dict, ``model_type`` picks the architecture and the other
            keys are that config's fields; ``vocab_size`` is set from K.
        num_units : int
            K.
        attn_implementation : str
            ``"sdpa"`` (default) or ``"eager"``.
        vocab : SpeechTextVocabulary, optional
            For a speech-text model (its ``num_units`` must be K); default: a
            textless :class:`UnitVocabulary`.
        """
        transformers = _import_transformers()
        vocab = _vocabulary(num_units, vocab)
        if isinstance(config, dict):
            fields = dict(config)
            model_type = fields.pop("model_type", None)
            if model_type is None:
                raise ValueError("a model config dict needs a 'model_type' key")
            config = transformers.AutoConfig.for_model(model_type, **fields)
        config.vocab_size = vocab.size
        _set_special_ids(config, vocab)
        config._attn_implementation = attn_implementation
        hf_model = transformers.AutoModelForCausalLM.from_config(config)
        return cls(hf_model, vocab)

    @classmethod
    def from_text_lm(
        cls, source, num_units, torch_dtype=None, attn_implementation="sdpa", vocab=None
    ):
        """A model initialised from a text LLM (local folder or hub id).

        The transformer blocks keep the text model's weights. Textless
        (default, TWIST): the text embedding table and output projection are
        replaced by fresh, randomly initialised tables of ``K + 2`` rows (tied
        if the text model ties them). With a :class:`SpeechTextVocabulary`
        (``vocab``), whose ``num_text`` must equal the text model's table
        rows: the text rows are kept and fresh rows are appended.
        """
        transformers = _import_transformers()
        hf_model = transformers.AutoModelForCausalLM.from_pretrained(
            source, torch_dtype=torch_dtype, attn_implementation=attn_implementation
        )
        vocab = _vocabulary(num_units, vocab)
        if isinstance(vocab, SpeechTextVocabulary):
            append_vocabulary(hf_model, vocab, source)
        else:
            replace_vocabulary(hf_model, vocab)
        return cls(hf_model, vocab)


def is_speech_text_model(folder):
    """True when a UnitLM folder holds a speech-text model (read without loading it)."""
    with open(Path(folder) / VOCAB_FILE) as handle:
        return vocabulary_from_dict(json.load(handle)).kind == SpeechTextVocabulary.kind


def _vocabulary(num_units, vocab):
    """``vocab`` checked against K, or a textless vocabulary of K units."""
    if vocab is None:
        return UnitVocabulary(int(num_units))
    if vocab.num_units != int(num_units):
        raise ValueError(f"the vocabulary {vocab!r} does not have num_units={num_units}")
    return vocab


def _set_special_ids(config, vocab):
    config.eos_token_id = vocab.eos
    config.pad_token_id = vocab.pad
    config.bos_token_id = None


def replace_vocabulary(hf_model, vocab):
    """Replaces the token tables of ``hf_model`` by fresh unit tables.

    New rows are drawn from N(0, initializer_range) as the model's own
    initialisation does; the output layer is tied to the input table when
    the config says ``tie_word_embeddings``.
    """
    config = hf_model.config
    old = hf_model.get_input_embeddings().weight
    hidden = old.shape[1]
    std = getattr(config, "initializer_range", 0.02)
    embedding = nn.Embedding(vocab.size, hidden, dtype=old.dtype, device=old.device)
    nn.init.normal_(embedding.weight, mean=0.0, std=std)
    hf_model.set_input_embeddings(embedding)
    config.vocab_size = vocab.size
    _set_special_ids(config, vocab)
    if getattr(config, "tie_word_embeddings", False):
        hf_model.get_output_embeddings().weight = embedding.weight
    else:
        head = nn.Linear(hidden, vocab.size, bias=False, dtype=old.dtype, device=old.device)
        nn.init.normal_(head.weight, mean=0.0, std=std)
        hf_model.set_output_embeddings(head)


def append_vocabulary(hf_model, vocab, source="the text LM"):
    """Keeps a text LLM's token rows and appends the units, markers and specials.

    The appended rows (input and, when untied, output table) are drawn from
    N(0, initializer_range); the text rows are untouched, so the model reads
    and writes text as before.
    """
    config = hf_model.config
    rows = hf_model.get_input_embeddings().weight.shape[0]
    if rows != vocab.num_text:
        raise ValueError(
            f"{source} has {rows} text rows but the vocabulary says num_text={vocab.num_text}"
        )
    std = getattr(config, "initializer_range", 0.02)
    hf_model.resize_token_embeddings(vocab.size, mean_resizing=False)
    for table in (hf_model.get_input_embeddings(), hf_model.get_output_embeddings()):
        if table is not None:
            with torch.no_grad():
                nn.init.normal_(table.weight[rows:], mean=0.0, std=std)
    _set_special_ids(config, vocab)


def next_unit_loss(logits, tokens, pad_id):
    """Mean next-unit cross-entropy, paper eq. (2) per token, padding ignored.

    Position ``t`` of ``logits`` predicts ``tokens[:, t + 1]``; targets equal
    to ``pad_id``, and tokens marked without loss (negative, see
    :mod:`speechbrain_xling.data.packing`), are ignored. Returns
    ``(mean_loss, num_targets)``.

    Example
    -------
    >>> import torch
    >>> logits = torch.zeros(1, 4, 5)
    >>> tokens = torch.tensor([[1, 2, 3, 4]])
    >>> loss, count = next_unit_loss(logits, tokens, pad_id=4)
    >>> round(loss.item(), 4), count.item()
    (1.6094, 2)
    >>> next_unit_loss(logits, torch.tensor([[1, -3, 3, 4]]), pad_id=4)[1].item()
    1
    """
    targets = tokens[:, 1:]
    scores = logits[:, :-1].float()
    mask = (targets != pad_id) & (targets >= 0)
    targets = targets.clamp(min=0)
    losses = nn.functional.cross_entropy(
        scores.reshape(-1, scores.shape[-1]),
        targets.reshape(-1),
        reduction="none",
    ).view_as(targets)
    count = mask.sum()
    return (losses * mask).sum() / count.clamp(min=1), count


def grow_vocabulary(lm, vocab):
    """A :class:`UnitLM` grown into a larger vocabulary that holds all its tokens.

    Textless -> speech-text (stage 1 -> the speech-text stage): the unit, EOS
    and PAD rows move to their places in ``vocab`` and the text and marker
    rows are fresh. Any vocabulary -> the same with answer-language markers
    (:func:`~speechbrain_xling.data.vocab.with_answer_languages`, at the
    start of instruction fine-tuning): the marker rows are appended. Which
    rows move where is :func:`~speechbrain_xling.data.vocab.carried_ids`;
    fresh rows are drawn from N(0, initializer_range). The transformer
    blocks are untouched, so the model scores what it knew exactly as
    before; its text tokenizer is kept.

    Example
    -------
    >>> from speechbrain_xling.data.vocab import with_answer_languages
    >>> config = {"model_type": "llama", "hidden_size": 16, "intermediate_size": 32,
    ...           "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1}
    >>> lm = UnitLM.from_config(config, num_units=4)
    >>> grown = grow_vocabulary(lm, with_answer_languages(lm.vocab, ["en", "fr"]))
    >>> grown.vocab.size, grown.hf_model.get_output_embeddings().weight.shape[0]
    (8, 8)
    """
    old_vocab, hf_model = lm.vocab, lm.hf_model
    old_ids, new_ids = carried_ids(old_vocab, vocab)
    config = hf_model.config
    std = getattr(config, "initializer_range", 0.02)
    tied = getattr(config, "tie_word_embeddings", False)
    old_in = hf_model.get_input_embeddings().weight
    embedding = nn.Embedding(vocab.size, old_in.shape[1], dtype=old_in.dtype, device=old_in.device)
    head = None
    if not tied:
        old_out = hf_model.get_output_embeddings().weight
        head = nn.Linear(
            old_in.shape[1], vocab.size, bias=False, dtype=old_in.dtype, device=old_in.device
        )
    old_ids, new_ids = torch.from_numpy(old_ids), torch.from_numpy(new_ids)
    with torch.no_grad():
        for table, old in ((embedding, old_in), (head, None if tied else old_out)):
            if table is None:
                continue
            nn.init.normal_(table.weight, mean=0.0, std=std)
            table.weight[new_ids] = old[old_ids]
    hf_model.set_input_embeddings(embedding)
    if tied:
        hf_model.get_output_embeddings().weight = embedding.weight
    else:
        hf_model.set_output_embeddings(head)
    config.vocab_size = vocab.size
    _set_special_ids(config, vocab)
    grown = UnitLM(hf_model, vocab)
    grown.text_tokenizer = lm.text_tokenizer
    return grown


def saved_vocabulary(folder):
    """The vocabulary of a model folder written by :meth:`UnitLM.save`
    (without loading its weights).

    Example
    -------
    >>> import tempfile
    >>> from speechbrain_xling.data.vocab import SpeechTextVocabulary
    >>> config = {"model_type": "llama", "hidden_size": 16, "intermediate_size": 32,
    ...           "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1}
    >>> folder = tempfile.mkdtemp()
    >>> UnitLM.from_config(config, 4, vocab=SpeechTextVocabulary(6, 4)).save(folder)
    >>> saved_vocabulary(folder)
    SpeechTextVocabulary(num_text=6, num_units=4)
    """
    vocab_path = Path(folder) / VOCAB_FILE
    if not vocab_path.exists():
        raise FileNotFoundError(
            f"{vocab_path} not found: {folder} is not a UnitLM folder "
            "(use UnitLM.from_text_lm to start from a text LLM)"
        )
    with open(vocab_path) as handle:
        return vocabulary_from_dict(json.load(handle))


def build_unit_lm(
    num_units,
    init_from=None,
    text_lm_source=None,
    model_config=None,
    attn_implementation="sdpa",
    vocab=None,
    text_tokenizer=None,
):
    """The model a training stage starts from; exactly one source is used.

    Arguments
    ---------
    num_units : int
        K.
    init_from : str, optional
        A UnitLM folder (the previous stage's ``final_model``): stage chaining.
        A model whose vocabulary ``vocab`` extends (a textless model chained
        into a speech-text stage; answer-language markers added for
        instruction fine-tuning) is grown by :func:`grow_vocabulary`.
    text_lm_source : str, optional
        A text LLM folder or hub id (see :meth:`UnitLM.from_text_lm`).
    model_config : dict, optional
        Architecture for a from-scratch model (see :meth:`UnitLM.from_config`).
    attn_implementation : str
        ``"sdpa"`` (default) or ``"eager"``.
    vocab : UnitVocabulary or SpeechTextVocabulary, optional
        The stage's vocabulary; default: textless units.
    text_tokenizer : TextTokenizer, optional
        A speech-text stage's tokenizer, saved with the model.

    Example
    -------
    >>> lm = build_unit_lm(8, model_config={"model_type": "qwen2",
    ...     "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1,
    ...     "num_attention_heads": 2, "num_key_value_heads": 1})
    >>> lm.vocab.size
    10
    """
    given = {
        name: value
        for name, value in (
            ("init_from", init_from),
            ("text_lm_source", text_lm_source),
            ("model_config", model_config),
        )
        if value
    }
    if len(given) != 1:
        raise ValueError(
            "set exactly one of init_from, text_lm_source, model_config; got "
            f"{sorted(given) or 'none'}"
        )
    lm = _initial_model(
        num_units, init_from, text_lm_source, model_config, attn_implementation, vocab
    )
    if text_tokenizer is not None:
        lm.text_tokenizer = text_tokenizer
    return lm


def _initial_model(num_units, init_from, text_lm_source, model_config, attn_implementation, vocab):
    vocab = _vocabulary(num_units, vocab)
    if init_from:
        lm = UnitLM.load(init_from, attn_implementation=attn_implementation)
        if lm.vocab.num_units != int(num_units):
            raise ValueError(
                f"{init_from} was trained with K={lm.vocab.num_units} units but "
                f"num_units={num_units}"
            )
        if lm.vocab == vocab:
            return lm
        try:
            return grow_vocabulary(lm, vocab)
        except ValueError as error:
            raise ValueError(f"{init_from}: {error}") from None
    if text_lm_source:
        return UnitLM.from_text_lm(
            text_lm_source, num_units, attn_implementation=attn_implementation, vocab=vocab
        )
    return UnitLM.from_config(
        model_config, num_units, attn_implementation=attn_implementation, vocab=vocab
    )
