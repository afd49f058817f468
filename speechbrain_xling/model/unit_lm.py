"""UnitLM: a Hugging Face decoder-only LM over a discrete-unit vocabulary.

Three ways to get one:

* :meth:`UnitLM.from_text_lm` (TWIST initialisation): load a text LLM
  (Qwen2, Llama, SmolLM, ... from a local folder or a hub id) and replace its
  text embedding table and output projection by fresh tables of size
  ``K + special tokens``; tied when the base model ties them.
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

from torch import nn

from speechbrain_xling.data.vocab import UnitVocabulary

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
    vocab : UnitVocabulary
        The unit vocabulary.

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
                f"the model's embedding table has {rows} rows but the unit "
                f"vocabulary needs {vocab.size} (K={vocab.num_units} + 2)"
            )
        self.hf_model = hf_model
        self.vocab = vocab

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
        """Writes a ``save_pretrained`` folder plus the unit vocabulary."""
        folder = Path(folder)
        self.hf_model.save_pretrained(folder)
        with open(folder / VOCAB_FILE, "w") as handle:
            json.dump(self.vocab.to_dict(), handle, indent=2)

    @classmethod
    def load(cls, folder, torch_dtype=None, attn_implementation="sdpa"):
        """Loads a folder written by :meth:`save`."""
        folder = Path(folder)
        vocab_path = folder / VOCAB_FILE
        if not vocab_path.exists():
            raise FileNotFoundError(
                f"{vocab_path} not found: {folder} is not a UnitLM folder "
                "(use UnitLM.from_text_lm to start from a text LLM)"
            )
        with open(vocab_path) as handle:
            vocab = UnitVocabulary.from_dict(json.load(handle))
        transformers = _import_transformers()
        hf_model = transformers.AutoModelForCausalLM.from_pretrained(
            folder, torch_dtype=torch_dtype, attn_implementation=attn_implementation
        )
        return cls(hf_model, vocab)

    @classmethod
    def from_config(cls, config, num_units, attn_implementation="sdpa"):
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
        """
        transformers = _import_transformers()
        vocab = UnitVocabulary(int(num_units))
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
    def from_text_lm(cls, source, num_units, torch_dtype=None, attn_implementation="sdpa"):
        """TWIST initialisation from a text LLM (local folder or hub id).

        The transformer blocks keep the text model's weights; the text
        embedding table and output projection are replaced by fresh,
        randomly initialised tables of ``K + 2`` rows (tied if the text model
        ties them).
        """
        transformers = _import_transformers()
        hf_model = transformers.AutoModelForCausalLM.from_pretrained(
            source, torch_dtype=torch_dtype, attn_implementation=attn_implementation
        )
        vocab = UnitVocabulary(int(num_units))
        replace_vocabulary(hf_model, vocab)
        return cls(hf_model, vocab)


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


def next_unit_loss(logits, tokens, pad_id):
    """Mean next-unit cross-entropy, paper eq. (2) per token, padding ignored.

    Position ``t`` of ``logits`` predicts ``tokens[:, t + 1]``; targets equal
    to ``pad_id`` are ignored. Returns ``(mean_loss, num_targets)``.

    Example
    -------
    >>> import torch
    >>> logits = torch.zeros(1, 4, 5)
    >>> tokens = torch.tensor([[1, 2, 3, 4]])
    >>> loss, count = next_unit_loss(logits, tokens, pad_id=4)
    >>> round(loss.item(), 4), count.item()
    (1.6094, 2)
    """
    targets = tokens[:, 1:]
    scores = logits[:, :-1].float()
    mask = targets != pad_id
    losses = nn.functional.cross_entropy(
        scores.reshape(-1, scores.shape[-1]),
        targets.reshape(-1),
        reduction="none",
    ).view_as(targets)
    count = mask.sum()
    return (losses * mask).sum() / count.clamp(min=1), count


def build_unit_lm(
    num_units,
    init_from=None,
    text_lm_source=None,
    model_config=None,
    attn_implementation="sdpa",
):
    """The model a training stage starts from; exactly one source is used.

    Arguments
    ---------
    num_units : int
        K.
    init_from : str, optional
        A UnitLM folder (the previous stage's ``final_model``): stage chaining.
    text_lm_source : str, optional
        A text LLM folder or hub id: TWIST initialisation.
    model_config : dict, optional
        Architecture for a from-scratch model (see :meth:`UnitLM.from_config`).

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
    if init_from:
        lm = UnitLM.load(init_from, attn_implementation=attn_implementation)
        if lm.vocab.num_units != int(num_units):
            raise ValueError(
                f"{init_from} was trained with K={lm.vocab.num_units} units but "
                f"num_units={num_units}"
            )
        return lm
    if text_lm_source:
        return UnitLM.from_text_lm(
            text_lm_source, num_units, attn_implementation=attn_implementation
        )
    return UnitLM.from_config(model_config, num_units, attn_implementation=attn_implementation)
