"""Mimi (Kyutai) speech units: the first, semantic codebook at 12.5 Hz.

Mimi is a causal convolutional + transformer codec with split RVQ (one
semantic codebook distilled from WavLM, then acoustic codebooks), K = 2048.
The paper models only the first codebook.

Two implementations of the same network can run it:

* ``backend="transformers"``: ``transformers.MimiModel``; ``source`` is a
  Hugging Face hub id (``"kyutai/mimi"``) or a folder in that format.
* ``backend="moshi"``: Kyutai's own ``moshi`` package; ``source`` is either a
  moshi checkpoint (a ``.safetensors`` file, or ``"hf://owner/repo/file"``),
  loaded by ``moshi.models.loaders.get_mimi`` with Kyutai's architecture, or a
  transformers-format folder/hub id, whose weights are renamed to moshi's
  layout (:func:`hf_to_moshi_state_dict`) and loaded into a moshi network
  built from the same config (:func:`moshi_config_from_hf`).

Padding. Every layer of Mimi's encoder is causal, so the first ``n`` frames
of an input depend only on its first ``n`` x 1920 samples (1920 = 24000 /
12.5). :meth:`MimiTokenizer.encode` zeroes each row beyond its length, pads
the batch with zeros to a whole number of frames and keeps
``ceil(length / 1920)`` frames per row: the exact convention of moshi's own
non-streaming encoder (it zero-pads the input to whole frames). A row's units
therefore do not depend on what it is batched with (tests check equality on
real speech).

Attention context. Kyutai's Mimi transformers attend to the last 250 steps
(10 s at the encoder's 25 Hz). ``transformers`` 4.x calls them with a plain
causal mask (``config.sliding_window`` is not applied), which changes the
latents of inputs longer than 10 s. The transformers backend here builds the
250-step mask itself, so both backends compute the same network.

SpeechBrain's ``speechbrain.integrations.huggingface.mimi.Mimi`` wraps
``MimiModel.encode``/``decode`` directly, so it has neither the frame
padding nor the attention window above; only its loading (``from_pretrained``)
would be reused, hence ``transformers`` is used directly.

Authors
 * speechbrain-xling authors 2026
"""

import hashlib
import math
import re
from pathlib import Path

import numpy as np
import torch

from speechbrain_xling.audio import check_batch
from speechbrain_xling.tokenizers.base import UnitTokenizer


def _state_dict_sha256(module):
    """Hash of a module's state dict (names, dtypes, shapes and values)."""
    digest = hashlib.sha256()
    for name, tensor in sorted(module.state_dict().items()):
        tensor = tensor.detach().cpu().contiguous()
        digest.update(f"{name}:{tensor.dtype}:{tuple(tensor.shape)}".encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def moshi_config_from_hf(config):
    """The ``moshi`` architecture dict equivalent to a ``transformers.MimiConfig``.

    Arguments
    ---------
    config : transformers.MimiConfig

    Returns
    -------
    dict
        ``mimi_config`` for ``moshi.models.loaders.get_mimi``.

    Raises
    ------
    ValueError
        For settings moshi's Mimi cannot express (grouped-query attention,
        several semantic codebooks, ...).

    Example
    -------
    >>> from transformers import MimiConfig
    >>> cfg = moshi_config_from_hf(MimiConfig())
    >>> cfg["seanet"]["ratios"], cfg["quantizer"]["n_q"], cfg["transformer"]["context"]
    ([8, 6, 5, 4], 32, 250)
    """
    unsupported = {
        "num_key_value_heads": (config.num_key_value_heads, config.num_attention_heads),
        "head_dim": (config.head_dim, config.hidden_size // config.num_attention_heads),
        "num_semantic_quantizers": (config.num_semantic_quantizers, 1),
        "codebook_dim": (config.codebook_dim, config.vector_quantization_hidden_dimension),
        "hidden_act": (config.hidden_act, "gelu"),
        "attention_bias": (config.attention_bias, False),
        "norm_eps": (config.norm_eps, 1e-5),
        "use_causal_conv": (config.use_causal_conv, True),
    }
    wrong = {k: v for k, (v, needed) in unsupported.items() if v != needed}
    if wrong:
        raise ValueError(f"moshi's Mimi cannot express these MimiConfig settings: {wrong}")
    hidden = config.hidden_size
    return {
        "sample_rate": config.sampling_rate,
        "channels": config.audio_channels,
        "frame_rate": config.frame_rate,
        "seanet": {
            "channels": config.audio_channels,
            "dimension": hidden,
            "causal": True,
            "n_filters": config.num_filters,
            "n_residual_layers": config.num_residual_layers,
            "activation": "ELU",
            "compress": config.compress,
            "dilation_base": config.dilation_growth_rate,
            "disable_norm_outer_blocks": 0,
            "kernel_size": config.kernel_size,
            "residual_kernel_size": config.residual_kernel_size,
            "last_kernel_size": config.last_kernel_size,
            "norm": "none",
            "pad_mode": config.pad_mode,
            "ratios": list(config.upsampling_ratios),
            "true_skip": not config.use_conv_shortcut,
        },
        "quantizer": {
            "dimension": config.codebook_dim,
            "n_q": config.num_quantizers,
            "bins": config.codebook_size,
            "input_dimension": hidden,
            "output_dimension": hidden,
        },
        "transformer": {
            "d_model": hidden,
            "num_heads": config.num_attention_heads,
            "num_layers": config.num_hidden_layers,
            "causal": True,
            "layer_scale": config.layer_scale_initial_scale,
            "context": config.sliding_window,
            "conv_layout": True,
            "max_period": config.rope_theta,
            "gating": "none",
            "norm": "layer_norm",
            "positional_embedding": "rope",
            "dim_feedforward": config.intermediate_size,
            "input_dimension": hidden,
            "output_dimensions": [hidden],
        },
    }


# transformers name -> moshi name, applied in order to every key.
_RENAMES = (
    (r"^(en|de)coder\.layers\.", r"\1coder.model."),
    (r"^(en|de)coder_transformer\.layers\.", r"\1coder_transformer.transformer.layers."),
    (r"\.self_attn\.o_proj\.", ".self_attn.out_projs.0."),
    (r"\.input_layernorm\.", ".norm1."),
    (r"\.post_attention_layernorm\.", ".norm2."),
    (r"\.mlp\.fc1\.", ".linear1."),
    (r"\.mlp\.fc2\.", ".linear2."),
    (r"\.self_attn_layer_scale\.", ".layer_scale_1."),
    (r"\.mlp_layer_scale\.", ".layer_scale_2."),
    (r"^quantizer\.semantic_residual_vector_quantizer\.", "quantizer.rvq_first."),
    (r"^quantizer\.acoustic_residual_vector_quantizer\.", "quantizer.rvq_rest."),
    (r"\.layers\.(\d+)\.codebook\.initialized$", r".vq.layers.\1._codebook._initialized"),
    (r"\.layers\.(\d+)\.codebook\.embed_sum$", r".vq.layers.\1._codebook.embedding_sum"),
    (r"\.layers\.(\d+)\.codebook\.", r".vq.layers.\1._codebook."),
    (r"^downsample\.conv\.", "downsample.conv.conv.conv."),
    (r"^upsample\.conv\.", "upsample.convtr.convtr.convtr."),
)


def hf_to_moshi_state_dict(model):
    """Renames a ``transformers.MimiModel``'s weights to ``moshi``'s layout.

    Besides renaming (see ``_RENAMES``): SEANet convolutions gain moshi's
    nested ``conv.conv`` (``convtr.convtr`` for transposed ones); the
    attention ``q/k/v`` projections are stacked into moshi's ``in_projs``
    and the query/key rows are permuted back from transformers'
    rotate-half rotary layout to moshi's interleaved one.

    Arguments
    ---------
    model : transformers.MimiModel

    Returns
    -------
    dict
        A state dict for the moshi network of :func:`moshi_config_from_hf`.

    Example
    -------
    >>> from moshi.models.loaders import get_mimi
    >>> from transformers import MimiConfig, MimiModel
    >>> config = MimiConfig(hidden_size=32, num_hidden_layers=1,
    ...     num_attention_heads=2, num_key_value_heads=2, intermediate_size=64,
    ...     num_filters=4, num_quantizers=2, codebook_dim=16,
    ...     vector_quantization_hidden_dimension=16, upsample_groups=32)
    >>> moshi_mimi = get_mimi(None, moshi_config_from_hf(config), num_codebooks=1)
    >>> _ = moshi_mimi.load_state_dict(hf_to_moshi_state_dict(MimiModel(config)))
    """
    from transformers.models.mimi.modeling_mimi import MimiConvTranspose1d

    config = model.config
    transposed = {
        name for name, module in model.named_modules() if isinstance(module, MimiConvTranspose1d)
    }
    heads, head_dim = config.num_attention_heads, config.head_dim

    def to_interleaved(weight):
        rows = weight.reshape(heads, 2, head_dim // 2, -1).transpose(1, 2)
        return rows.reshape(heads * head_dim, -1)

    source = model.state_dict()
    converted = {}
    for name, tensor in source.items():
        if ".self_attn.k_proj." in name or ".self_attn.v_proj." in name:
            continue
        if ".self_attn.q_proj." in name:
            tensor = torch.cat(
                [
                    to_interleaved(tensor),
                    to_interleaved(source[name.replace("q_proj", "k_proj")]),
                    source[name.replace("q_proj", "v_proj")],
                ]
            )
            name = name.replace("q_proj", "in_projs.0")
        match = re.match(r"^((?:en|de)coder\.layers\.[\d.a-z]*?)\.conv\.(\w+)$", name)
        if match:
            owner, param = match.groups()
            nested = "convtr.convtr" if owner in transposed else "conv.conv"
            name = f"{owner}.{nested}.{param}"
        for pattern, replacement in _RENAMES:
            name = re.sub(pattern, replacement, name)
        converted[name] = tensor.clone()
    return converted


def _is_moshi_checkpoint(source):
    source = str(source)
    return source.startswith("hf://") or Path(source).suffix in (
        ".safetensors",
        ".sft",
        ".pt",
        ".pth",
    )


class _TransformersMimi:
    """Mimi through ``transformers.MimiModel`` (hub id or local folder)."""

    name = "transformers"

    def __init__(self, source, device):
        from transformers import MimiModel

        if _is_moshi_checkpoint(source):
            raise ValueError(f"{source} is a moshi checkpoint: load it with backend='moshi'")
        self.model = MimiModel.from_pretrained(source).to(device).eval()
        config = self.model.config
        self.sample_rate = config.sampling_rate
        self.frame_rate = config.frame_rate
        self.codebook_size = config.codebook_size
        self.max_codebooks = config.num_quantizers
        self.num_codebooks = 1
        self.context = config.sliding_window

    def set_num_codebooks(self, num_codebooks):
        """Sets how many RVQ codebooks :meth:`encode` returns."""
        self.num_codebooks = num_codebooks

    def _transformer(self, transformer, latent):
        """Runs an encoder/decoder transformer with Kyutai's attention window."""
        steps = latent.shape[-1]
        position = torch.arange(steps, device=latent.device)
        delta = position[:, None] - position[None, :]
        allowed = delta >= 0
        if self.context is not None:
            allowed &= delta < self.context
        mask = torch.zeros(steps, steps, dtype=latent.dtype, device=latent.device)
        mask.masked_fill_(~allowed, torch.finfo(latent.dtype).min)
        hidden = transformer(
            latent.transpose(1, 2), attention_mask=mask[None, None], return_dict=False
        )[0]
        return hidden.transpose(1, 2)

    def encode(self, wavs):
        """``[batch, 1, samples]`` (whole frames) -> codes ``[batch, Q, frames]``."""
        model = self.model
        latent = self._transformer(model.encoder_transformer, model.encoder(wavs))
        latent = model.downsample(latent)
        return model.quantizer.encode(latent, self.num_codebooks).transpose(0, 1)

    def decode(self, codes):
        """Codes ``[batch, Q, frames]`` -> ``[batch, samples]``."""
        model = self.model
        latent = model.upsample(model.quantizer.decode(codes))
        return model.decoder(self._transformer(model.decoder_transformer, latent))[:, 0]


class _MoshiMimi:
    """Mimi through Kyutai's ``moshi`` package."""

    name = "moshi"

    def __init__(self, source, device):
        from moshi.models import loaders

        if _is_moshi_checkpoint(source):
            source = str(source)
            if not (source.startswith("hf://") or Path(source).is_file()):
                raise FileNotFoundError(f"Mimi checkpoint {source} not found")
            self.model = loaders.get_mimi(loaders.hf_get(source), device=device, num_codebooks=1)
        else:
            from transformers import MimiModel

            hf_model = MimiModel.from_pretrained(source)
            self.model = loaders.get_mimi(
                None, moshi_config_from_hf(hf_model.config), device, num_codebooks=1
            )
            self.model.load_state_dict(hf_to_moshi_state_dict(hf_model))
        self.model.eval()
        self.sample_rate = self.model.sample_rate
        self.frame_rate = self.model.frame_rate
        self.codebook_size = self.model.cardinality
        self.max_codebooks = self.model.total_codebooks

    def set_num_codebooks(self, num_codebooks):
        """Sets how many RVQ codebooks :meth:`encode` returns."""
        self.model.set_num_codebooks(num_codebooks)

    def encode(self, wavs):
        """``[batch, 1, samples]`` (whole frames) -> codes ``[batch, Q, frames]``."""
        from moshi.utils.compile import no_compile

        with no_compile():
            return self.model.encode(wavs)

    def decode(self, codes):
        """Codes ``[batch, Q, frames]`` -> ``[batch, samples]``."""
        from moshi.utils.compile import no_compile

        with no_compile():
            return self.model.decode(codes)[:, 0]


_BACKENDS = {backend.name: backend for backend in (_TransformersMimi, _MoshiMimi)}


class MimiTokenizer(UnitTokenizer):
    """Mimi units: first (semantic) codebook, K = 2048, 12.5 Hz, 24 kHz input.

    Arguments
    ---------
    source : str or Path
        Where the weights are: a hub id (``"kyutai/mimi"``) or local folder
        in transformers format, or (``backend="moshi"`` only) a moshi
        checkpoint file / ``"hf://..."`` address. See the module docstring.
    backend : str
        ``"transformers"`` or ``"moshi"``.
    device : str or torch.device
        Where the model runs.
    num_codebooks : int
        How many RVQ codebooks to use (the paper: 1). With ``Q > 1`` each
        frame gives ``Q`` consecutive units, codebook ``q`` offset by
        ``q * 2048``: ``num_units = 2048 * Q`` and ``frame_rate = 12.5 * Q``.

    Example
    -------
    >>> import tempfile
    >>> from transformers import MimiConfig, MimiModel
    >>> folder = tempfile.mkdtemp()
    >>> MimiModel(MimiConfig(hidden_size=64, num_hidden_layers=1,
    ...     num_attention_heads=2, num_key_value_heads=2, intermediate_size=128,
    ...     num_filters=8, num_quantizers=8, codebook_dim=32,
    ...     vector_quantization_hidden_dimension=32, upsample_groups=64)
    ...     ).save_pretrained(folder)
    >>> tokenizer = MimiTokenizer(folder)
    >>> tokenizer.num_units, tokenizer.frame_rate, tokenizer.sample_rate
    (2048, 12.5, 24000)
    >>> units = tokenizer.encode(torch.randn(2, 24000), torch.tensor([24000, 2000]))
    >>> [len(u) for u in units]
    [13, 2]
    >>> tokenizer.decode(units[1]).shape
    torch.Size([3840])
    """

    def __init__(self, source, backend="transformers", device="cpu", num_codebooks=1):
        if backend not in _BACKENDS:
            raise ValueError(f"unknown Mimi backend {backend!r}; use one of {sorted(_BACKENDS)}")
        self.source = str(source)
        self.device = torch.device(device)
        self.model = _BACKENDS[backend](source, self.device)
        if not 1 <= num_codebooks <= self.model.max_codebooks:
            raise ValueError(
                f"num_codebooks must be in [1, {self.model.max_codebooks}], got {num_codebooks}"
            )
        self.model.set_num_codebooks(num_codebooks)
        self.num_codebooks = num_codebooks
        self.codebook_size = self.model.codebook_size
        self.num_units = self.codebook_size * num_codebooks
        self.frame_rate = float(self.model.frame_rate) * num_codebooks
        self.sample_rate = int(self.model.sample_rate)
        self.hop_length = round(self.sample_rate / self.model.frame_rate)
        self._offsets = torch.arange(num_codebooks) * self.codebook_size
        self._weights_sha256 = _state_dict_sha256(self.model.model)

    def num_frames(self, num_samples):
        """Frames (Mimi steps) an input of ``num_samples`` samples gives."""
        return math.ceil(num_samples / self.hop_length)

    @torch.no_grad()
    def encode(self, wavs, lengths):
        """Encodes a padded batch; see :meth:`UnitTokenizer.encode`.

        Each row gives ``ceil(length / 1920) * num_codebooks`` units.
        """
        lengths = check_batch(wavs, lengths)
        frames = [self.num_frames(int(n)) for n in lengths]
        width = max(frames) * self.hop_length
        wavs = wavs[:, :width].float()
        wavs = torch.nn.functional.pad(wavs, (0, width - wavs.shape[1]))
        valid = torch.arange(width)[None, :] < lengths[:, None]
        wavs = wavs.cpu() * valid
        codes = self.model.encode(wavs[:, None].to(self.device)).cpu()
        return [
            (row[:, :count] + self._offsets[:, None]).T.reshape(-1).numpy()
            for row, count in zip(codes, frames)
        ]

    @torch.no_grad()
    def decode(self, units):
        """Units (as :meth:`encode` gives them) -> ``[samples]`` waveform at 24 kHz.

        Only the codebooks the tokeniser uses are decoded; the others
        contribute nothing to the quantised latent (the RVQ sum stops early),
        which is what Mimi's decoder does when given fewer codebooks.
        """
        units = torch.as_tensor(np.asarray(units), dtype=torch.long)
        if units.ndim != 1 or len(units) % self.num_codebooks:
            raise ValueError(
                f"expected a 1-D unit sequence whose length is a multiple of "
                f"num_codebooks={self.num_codebooks}, got shape {tuple(units.shape)}"
            )
        codes = units.reshape(-1, self.num_codebooks) - self._offsets
        if codes.numel() and (codes.min() < 0 or codes.max() >= self.codebook_size):
            raise ValueError(
                "unit ids do not match the codebook layout: codebook q must use "
                f"ids [q * {self.codebook_size}, (q + 1) * {self.codebook_size})"
            )
        codes = codes.T[None].to(self.device)
        return self.model.decode(codes)[0].cpu()

    def describe(self):
        """Name, backend, source, codebooks and a hash of the loaded weights."""
        return {
            "name": "mimi",
            "backend": self.model.name,
            "source": self.source,
            "num_codebooks": self.num_codebooks,
            "codebook_size": self.codebook_size,
            "num_units": self.num_units,
            "frame_rate": self.frame_rate,
            "sample_rate": self.sample_rate,
            "weights_sha256": self._weights_sha256,
        }
