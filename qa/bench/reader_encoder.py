"""Fine-tune the reader encoder (qa/answer/encoder.py) on the reader's training questions: each question with
each of its evidence sentences, against the candidates the base encoder ranks highest that are not evidence and
the other questions' sentences in the batch (in-batch softmax, as sentence-transformers' multiple-negatives
loss). Torch and sentence-transformers, dev extra; about 3 minutes an epoch over 500 pairs on 2 cores."""

from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.answer.sentences import SENTENCE_CHARS


@dataclass(frozen=True)
class TuneParams:
    """How the encoder is fine-tuned: epochs, learning rate, the transformer layers trained (the top ones),
    hard negatives per pair, batch size, the softmax scale, name-swapped negatives per pair (the positive
    sentence with a name the question asks about replaced by another name of the same kind), and the epochs over
    the extra pairs (LLM-written questions, MultiHop-RAG dev facts) that the first stage trains on (adapt())."""

    epochs: int = 2
    learning_rate: float = 3e-5
    layers: int = 6
    negatives: int = 3
    batch: int = 16
    scale: float = 20.0
    seed: int = 0
    swaps: int = 0
    extra_epochs: int = 1


@dataclass(frozen=True)
class Pair:
    """A question, one of its evidence sentences, and sentences that do not answer it."""

    question: str
    positive: str
    negatives: tuple[str, ...]


NAMES = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW"})
"""The spaCy labels whose entities a name-swapped negative replaces."""


def pairs(data: list[dict], params: TuneParams) -> list[Pair]:
    """The training pairs of collected questions (qa/bench/reader.py collect): every positive candidate, with the
    non-positive candidates of highest base cosine as its negatives, and `params.swaps` copies of the positive
    with a name the question asks about swapped for another (so that a sentence about another village, company
    or person ranks below the one about the name asked)."""
    from qa.answer.features import FEATURES

    column = FEATURES.index("similarity")
    names = name_pool(data) if params.swaps else {}
    rng = random.Random(params.seed)
    out = []
    for d in data:
        if not len(d["x"]) or not d["y"].any():
            continue
        hard = [i for i in np.argsort(-d["x"][:, column], kind="stable") if not d["y"][i]][:params.negatives]
        for i in np.flatnonzero(d["y"]):
            text = d["texts"][i][:SENTENCE_CHARS]
            swaps = swapped(text, d["entities"][i], d["query"].text, names, rng, params.swaps)
            out.append(Pair(d["query"].text, text, tuple(d["texts"][j][:SENTENCE_CHARS] for j in hard) + swaps))
    return out


def name_pool(data: list[dict]) -> dict[str, list[str]]:
    """Every name of the collected candidates by spaCy label, sorted (the replacements of swapped())."""
    pool: dict[str, set[str]] = {}
    for d in data:
        for entities in d["entities"]:
            for e in entities:
                if e.label in NAMES:
                    pool.setdefault(e.label, set()).add(e.text)
    return {label: sorted(texts) for label, texts in pool.items()}


def swapped(text: str, entities, question: str, names: dict[str, list[str]], rng: random.Random,
            count: int) -> tuple[str, ...]:
    """Up to `count` copies of the text, each with one name that the question also holds replaced (everywhere in
    the text) by another name of the same label; none when the question holds none of the text's names."""
    asked = question.lower()
    shared = sorted({(e.text, e.label) for e in entities if e.label in NAMES and e.text.lower() in asked})
    out = []
    for _ in range(count if shared else 0):
        name, label = rng.choice(shared)
        others = [n for n in names.get(label, ()) if n.lower() != name.lower() and n.lower() not in asked]
        if others:
            out.append(text.replace(name, rng.choice(others)))
    return tuple(out)


def adapt(extra: list[Pair], params: TuneParams = TuneParams()):
    """The first stage: the bundled MiniLM fine-tuned on the extra pairs for `params.extra_epochs` (the model the
    second stage, fine_tune(..., start=), continues from; None when there are no extra pairs)."""
    from dataclasses import replace

    if not extra or not params.extra_epochs:
        return None
    return fine_tune(extra, replace(params, epochs=params.extra_epochs))


def fine_tune(training: list[Pair], params: TuneParams = TuneParams(), start=None):
    """The bundled MiniLM (or a copy of `start`, a model adapt() returned) with its top `params.layers`
    transformer layers trained on the pairs."""
    import copy

    import torch
    from sentence_transformers import SentenceTransformer

    from index.embedding import resolve_model_path
    from index.settings import BUNDLED_MODEL

    torch.manual_seed(params.seed)
    model = copy.deepcopy(start) if start is not None else SentenceTransformer(resolve_model_path(BUNDLED_MODEL),
                                                                                device="cpu")
    bert = model[0].auto_model
    for p in bert.parameters():
        p.requires_grad = False
    for layer in trained_layers(bert, params.layers):
        for p in layer.parameters():
            p.requires_grad = True
    steps(model, training, lambda batch: batch_loss(model, batch, params.scale), params.epochs, params.batch,
          params.learning_rate, params.seed, "reader encoder", "pairs")
    return model


def steps(model, items: list, loss, epochs: int, size: int, learning_rate: float, seed: int, name: str,
          unit: str, schedule=None) -> None:
    """Train the model's parameters that require gradients with AdamW: every epoch, the items shuffled (seeded) and
    taken `size` at a time, one step on loss(batch) each; a line on stderr per epoch. schedule: the learning rate's
    factor by step number (None: constant). Leaves the model in eval mode."""
    import torch

    optimiser = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=learning_rate)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, schedule) if schedule else None
    order = list(items)
    rng = random.Random(seed)
    started = time.perf_counter()
    model.train()
    for epoch in range(epochs):
        rng.shuffle(order)
        for first in range(0, len(order), size):
            value = loss(order[first:first + size])
            optimiser.zero_grad()
            value.backward()
            optimiser.step()
            if scheduler:
                scheduler.step()
        print(f"{name}: epoch {epoch + 1}/{epochs}, {len(order)} {unit}, {time.perf_counter() - started:.0f} s",
              file=sys.stderr, flush=True)
    model.eval()


def trained_layers(bert, layers: int) -> list:
    """The top `layers` transformer layers of a BERT body."""
    return list(bert.encoder.layer)[len(bert.encoder.layer) - layers:]


def batch_loss(model, batch: list[Pair], scale: float):
    """In-batch softmax: each question against every sentence of the batch, its own positive the target (the
    same question's other positives are masked out)."""
    import torch

    questions = embed(model, [p.question for p in batch])
    sentences = embed(model, [p.positive for p in batch] + [n for p in batch for n in p.negatives])
    logits = scale * questions @ sentences.T
    same = torch.tensor([[i != j and a.question == b.question for j, b in enumerate(batch)]
                         for i, a in enumerate(batch)])
    logits[:, :len(batch)] = logits[:, :len(batch)].masked_fill(same, -1e4)
    return torch.nn.functional.cross_entropy(logits, torch.arange(len(batch)))


def embed(model, texts: list[str]):
    """Unit vectors with gradients."""
    import torch

    features = model.preprocess(texts)
    return torch.nn.functional.normalize(model(features)["sentence_embedding"], dim=-1)


def cosines(model, question: str, texts: list[str]) -> np.ndarray:
    """The tuned cosine of the question with each text (as the reader computes it)."""
    if not texts:
        return np.zeros(0)
    vectors = model.encode([question] + [t[:SENTENCE_CHARS] for t in texts], normalize_embeddings=True,
                           batch_size=32, show_progress_bar=False)
    return (vectors[1:] @ vectors[0]).astype(np.float64)


def save_layers(model, path: Path, layers: int) -> None:
    """The trained layers' tensors as float16 safetensors (what qa/answer/encoder.py merges into the base)."""
    from safetensors.numpy import save_file

    bert = model[0].auto_model
    first = len(bert.encoder.layer) - layers
    tensors = {name: value.detach().numpy().astype(np.float16) for name, value in bert.state_dict().items()
               if name.startswith("encoder.layer.") and int(name.split(".")[2]) >= first}
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path), metadata={"base": "all-MiniLM-L6-v2", "layers": str(layers)})
