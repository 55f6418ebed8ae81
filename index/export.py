"""The exported encoder: the installed sentence-transformers weights as an optimised ONNX Runtime graph.

Exported by the project itself (no download): `torch.onnx.export` of the BERT body with mean pooling and
normalisation in the graph (or, for a folder whose config names a sequence-classification model, such as the
reader's cross-encoder, the body with its one-logit head; for a question-answering model, the reader's span
extractor, the body with its start and end logits per token), then onnxruntime's transformer optimiser (fused
attention, GELU, layer norms), optionally int8 weights (`quantize_dynamic`). Cached per model file and onnxruntime
version, written once (atomically: several processes may race to export, the last rename wins with an identical
file).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import warnings
from pathlib import Path

from .errors import IndexUnavailable

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
UNWRITABLE = 3
"""The export child's exit status when it cannot write under the cache folder (its message is its last line)."""
HEADS = {"ForSequenceClassification": "AutoModelForSequenceClassification",
         "ForQuestionAnswering": "AutoModelForQuestionAnswering"}
"""The heads an exported model may have (the end of its config's architecture name), and how transformers loads it."""


def vector_space(variant: str) -> str:
    """What decides whether two variants' vectors can share an index: the weights' precision ('fp32', 'int8').
    torch-fp32 and onnx-fp32 compute the same function (cosine >= 0.9999 measured on the corpus)."""
    return variant.rsplit("-", 1)[-1]


def exported_model(model_dir: str, variant: str, cache_dir: Path) -> Path:
    """The cached ONNX file of a variant ('onnx-fp32' or 'onnx-int8') of the model folder, exported first if absent,
    by a child process: the export's torch model and graphs take about 1.5 GB for a moment, which the serving process
    would otherwise keep as its peak (the reader's encoders are exported at first use, while the app runs)."""
    folder, target = _target(model_dir, variant, cache_dir)
    if target.exists():
        return target
    import subprocess
    import sys

    root = str(Path(__file__).resolve().parents[1])
    env = os.environ | {"PYTHONPATH": os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH"))))}
    done = subprocess.run([sys.executable, "-m", "index.export", model_dir, variant, str(cache_dir)], env=env,
                          capture_output=True, text=True)
    last = (done.stderr.strip().splitlines() or ["no output"])[-1]
    if done.returncode == UNWRITABLE:
        raise IndexUnavailable(last)
    if done.returncode != 0 or not target.exists():
        raise IndexUnavailable(f"Cannot export the encoder {model_dir} under {folder}: {last}")
    return target


def _target(model_dir: str, variant: str, cache_dir: Path) -> tuple[Path, Path]:
    """The cache folder of the model's graphs (per weights and onnxruntime version) and the variant's file in it."""
    folder = Path(cache_dir).expanduser() / "onnx" / _key(model_dir)
    return folder, folder / f"{variant}.onnx"


def export_here(model_dir: str, variant: str, cache_dir: Path) -> Path:
    """exported_model's work, in this process."""
    folder, target = _target(model_dir, variant, cache_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _remove_stale(folder)
        optimised = folder / "onnx-fp32.onnx"
        if not optimised.exists():
            raw = folder / f"raw.{os.getpid()}.onnx"
            _export(model_dir, raw)
            _optimise(raw, optimised, model_dir)
            raw.unlink(missing_ok=True)
        if variant == "onnx-int8" and not target.exists():
            _quantise(optimised, target)
    except OSError as exc:
        raise IndexUnavailable(f"Cannot write the exported encoder under {folder} ({exc}): set NEWSQA_CACHE_DIR "
                               f"to a writable folder, or NEWSQA_ENCODER=torch") from exc
    return target


def _remove_stale(folder: Path, seconds: float = 600.0) -> None:
    """Delete what an export killed midway left (its per-process temporary files), once they are old enough that
    no export still running can own them."""
    import time

    for path in [*folder.glob("raw.*.onnx"), *folder.glob("*.tmp*")]:
        try:
            if time.time() - path.stat().st_mtime > seconds:
                path.unlink()
        except OSError:
            pass


def _key(model_dir: str) -> str:
    """A folder name that changes with the model's weights and the onnxruntime version."""
    import onnxruntime

    weights = sorted(Path(model_dir).glob("*.safetensors")) + sorted(Path(model_dir).glob("*.bin"))
    stamp = [(p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in weights]
    digest = hashlib.sha1(json.dumps([str(model_dir), stamp, onnxruntime.__version__]).encode()).hexdigest()
    return digest[:16]


def _export(model_dir: str, out: Path) -> None:
    """torch.onnx.export of the model with mean pooling and L2 normalisation: (ids, mask, types) -> unit vectors;
    of a sequence-classification model (its config says so): (ids, mask, types) -> its logits; of a
    question-answering model: (ids, mask, types) -> (batch, tokens, 2) start and end logits."""
    import torch
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    config = json.loads((Path(model_dir) / "config.json").read_text())
    head = next((h for h in HEADS for name in config.get("architectures", ()) if name.endswith(h)), None)
    module, sample = _logits(model_dir, head) if head else _pooled(model_dir)
    output = "logits" if head else "vector"
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS} | {
        output: {0: "batch", 1: "tokens"} if head == "ForQuestionAnswering" else {0: "batch"}}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's notes on traced control flow
        torch.onnx.export(module.eval(), tuple(sample[name] for name in INPUTS), str(out), input_names=list(INPUTS),
                          output_names=[output], dynamic_axes=axes, opset_version=17, dynamo=False)


def _pooled(model_dir: str):
    """The sentence-transformers model as a module (ids, mask, types) -> unit vectors, and a sample input."""
    import torch
    from sentence_transformers import SentenceTransformer

    class Pooled(torch.nn.Module):
        """BERT body, then the mean of the unmasked token vectors, L2-normalised (sentence-transformers' pipeline)."""

        def __init__(self, body):
            super().__init__()
            self.body = body

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.body(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    model = SentenceTransformer(model_dir, device="cpu")
    body = model[0].auto_model.eval()
    body.set_attn_implementation("eager")  # the optimiser fuses the eager attention pattern, not SDPA's
    return Pooled(body), model.tokenizer(["an example", "a longer example sentence"], padding=True, return_tensors="pt")


def _logits(model_dir: str, head: str):
    """A model with a head (HEADS) as a module (ids, mask, types) -> logits (a question-answering model's start and
    end logits stacked on a last axis), and a sample (question, sentence) input."""
    import torch
    import transformers
    from transformers import AutoTokenizer

    class Logits(torch.nn.Module):
        """The model's logits alone."""

        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            out = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return torch.stack((out.start_logits, out.end_logits), -1) if head == "ForQuestionAnswering" \
                else out.logits

    model = getattr(transformers, HEADS[head]).from_pretrained(model_dir).eval()
    model.set_attn_implementation("eager")
    sample = AutoTokenizer.from_pretrained(model_dir)(["a question"], ["an example sentence"], return_tensors="pt")
    return Logits(model), sample


def _optimise(raw: Path, out: Path, model_dir: str) -> None:
    """onnxruntime's BERT optimiser: fused embedding layer norm, attention, bias GELU, skip layer norms."""
    from onnxruntime.transformers import optimizer

    config = json.loads((Path(model_dir) / "config.json").read_text())
    model = optimizer.optimize_model(str(raw), model_type="bert", num_heads=config["num_attention_heads"],
                                     hidden_size=config["hidden_size"], opt_level=1, use_gpu=False)
    tmp = out.with_name(f"{out.stem}.{os.getpid()}.tmp")
    model.save_model_to_file(str(tmp))
    tmp.replace(out)


def _quantise(optimised: Path, out: Path) -> None:
    """Dynamic int8 weights for the matrix products, per channel (activations stay float)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = out.with_name(f"{out.stem}.{os.getpid()}.tmp.onnx")
    logging.disable(logging.WARNING)  # its advice to pre-process applies to static quantisation
    try:
        quantize_dynamic(str(optimised), str(tmp), weight_type=QuantType.QInt8, per_channel=True,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    finally:
        logging.disable(logging.NOTSET)
    tmp.replace(out)


if __name__ == "__main__":  # the child process exported_model runs: MODEL_DIR VARIANT CACHE_DIR
    import sys

    try:
        export_here(sys.argv[1], sys.argv[2], Path(sys.argv[3]))
    except IndexUnavailable as exc:
        print(exc, file=sys.stderr)
        sys.exit(UNWRITABLE)
