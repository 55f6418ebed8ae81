"""The reader's question/sentence encoder: the bundled MiniLM with its transformer layers fine-tuned here on the
dev questions and their evidence sentences (`python -m qa.bench reader --train OUT`), so that a question in a
user's words lands near the sentence that answers it. Shipped as the changed layers only
(qa/answer/data/reader-encoder.safetensors, float16); at first use they are merged into the base model in the
cache folder, which the index's encoder code then runs (ONNX, int8 by default: NEWSQA_READER_ENCODER_PRECISION).
NEWSQA_READER_ENCODER: 'default', 'off', a layers file, or a sentence-transformers folder."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from index import Embedder
from index.embedding import load_embedder, resolve_model_path
from index.settings import BUNDLED_MODEL

from ..errors import ModelFileMissing

DEFAULT_LAYERS = Path(__file__).resolve().parent / "data" / "reader-encoder.safetensors"
PRECISIONS = {"int8": "onnx-int8", "fp32": "onnx-fp32"}
HEADS = {"classifier.": {"architectures": ["BertForSequenceClassification"], "id2label": {"0": "LABEL_0"},
                         "label2id": {"LABEL_0": 0}},
         "qa_outputs.": {"architectures": ["BertForQuestionAnswering"]}}
"""The tensors of a head a layers file may hold, and what they make of the model's config: a sequence-classification
head (the reader's cross-encoder) or a question-answering one (the reader's span extractor)."""
BASE_FILES = ("config.json", "config_sentence_transformers.json", "modules.json", "sentence_bert_config.json",
              "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt")


def load_reader_encoder(settings) -> Embedder | None:
    """The encoder the setting names (None: 'off', or 'default' without the bundled file)."""
    path = layers_file(settings.reader_encoder, DEFAULT_LAYERS, "NEWSQA_READER_ENCODER")
    if path is None:
        return None
    folder = path if path.is_dir() else merged_model(path, Path(settings.cache_dir).expanduser())
    return load_embedder(str(folder), settings.embed_batch, _variant(settings), settings.cache_dir,
                         settings.encoder_threads)


def layers_file(setting: str, default: Path, variable: str) -> Path | None:
    """The file (or folder) a model setting names: None for 'off', and for 'default' when the bundled file is absent;
    ModelFileMissing for a path that is not there."""
    if setting == "off":
        return None
    path = default if setting == "default" else Path(setting).expanduser()
    if setting == "default" and not path.exists():
        return None
    if not path.exists():
        raise ModelFileMissing(f"{variable}={setting}: no such file or folder")
    return path


def merged_model(layers: Path, cache_dir: Path, folder: str = "reader-encoder") -> Path:
    """A model folder: the bundled model with the layers file's tensors in place of its own, written once per layers
    file under the cache folder (atomically: the last rename wins). A layers file with a head (HEADS: 'classifier.*',
    the reader's cross-encoder; 'qa_outputs.*', its span extractor) makes a folder of that kind of model."""
    from safetensors.numpy import load_file

    digest = hashlib.sha1(layers.read_bytes()).hexdigest()[:16]
    target = cache_dir / folder / digest
    if (target / "model.safetensors").exists():
        return target
    base = Path(resolve_model_path(BUNDLED_MODEL))
    staging = target.with_name(f"{digest}.tmp{os.getpid()}")
    staging.mkdir(parents=True, exist_ok=True)
    for name in BASE_FILES:
        if (base / name).exists():
            shutil.copy2(base / name, staging / name)
    for sub in base.iterdir():  # the pooling and normalisation modules' folders
        if sub.is_dir():
            shutil.copytree(sub, staging / sub.name, dirs_exist_ok=True)
    changed = load_file(str(layers))
    (staging / "model.safetensors").write_bytes(merge(base, layers, changed))
    head = next((h for h in HEADS if any(name.startswith(h) for name in changed)), None)
    if head:
        config = json.loads((base / "config.json").read_text()) | HEADS[head]
        (staging / "config.json").write_text(json.dumps(config, indent=2))
    (staging / "merged_from.json").write_text(json.dumps({"layers": str(layers), "sha1": digest}))
    try:
        staging.rename(target)
    except OSError:  # another process wrote it first
        shutil.rmtree(staging, ignore_errors=True)
    return target


def merge(base: Path, layers: Path, changed: dict | None = None) -> bytes:
    """The base model's weights with the layers file's tensors (float16 there) put in, as safetensors bytes. With
    a head (tensors named as one of HEADS), the body's tensors are named as that model's ('bert.*')."""
    from safetensors.numpy import load_file, save

    weights = load_file(str(base / "model.safetensors"))
    changed = changed if changed is not None else load_file(str(layers))
    unknown = {name for name in changed if name not in weights and not name.startswith(tuple(HEADS))}
    if unknown:
        raise ValueError(f"{layers}: tensors {sorted(unknown)[:3]} are not in the bundled model")
    head = {name: tensor.astype("float32") for name, tensor in changed.items() if name.startswith(tuple(HEADS))}
    for name, tensor in changed.items():
        if name in weights:
            weights[name] = tensor.astype(weights[name].dtype)
    if head:
        weights = {f"bert.{name}": tensor for name, tensor in weights.items()} | head
    return save(weights)


def _variant(settings) -> str:
    """How a local folder runs: in torch when the index's encoder does, else as ONNX at the precision that
    NEWSQA_READER_ENCODER_PRECISION names (int8: dynamically quantised weights, about a third faster here)."""
    return "torch-fp32" if settings.encoder_variant == "torch-fp32" else onnx_variant(settings)


def onnx_variant(settings) -> str:
    """The ONNX variant NEWSQA_READER_ENCODER_PRECISION names ('onnx-int8' or 'onnx-fp32'; a ValueError for any
    other): how the reader's encoders run."""
    if settings.reader_encoder_precision not in PRECISIONS:
        raise ValueError(f"NEWSQA_READER_ENCODER_PRECISION={settings.reader_encoder_precision!r}: use one of "
                         f"{', '.join(PRECISIONS)}")
    return PRECISIONS[settings.reader_encoder_precision]
