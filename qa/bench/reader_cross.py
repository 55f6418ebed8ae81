"""Fine-tune the reader's cross-encoder (qa/answer/cross.py) on the reader's training questions: the bundled MiniLM
with a one-logit head reads each question together with its candidate sentences, and learns to put the evidence
first (a softmax over the question's candidates) and to give a candidate that does not answer a low score (a
logistic loss on every candidate, so that a question nothing answers scores low throughout). Torch and
transformers, dev extra; about 8 minutes an epoch over 800 questions on 2 cores."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.answer.sentences import SENTENCE_CHARS

from .reader_encoder import steps

FROZEN = ("embeddings.word_embeddings.", "embeddings.position_embeddings.", "embeddings.position_ids")
"""The base weights left as they are (so that the shipped file holds only what training changed)."""


@dataclass(frozen=True)
class CrossParams:
    """How the cross-encoder is fine-tuned: epochs, learning rate, negatives per question (half the candidates the
    base encoder ranks highest, the rest drawn at random), positives per question, questions per step, the longest
    input in word pieces, and the seed."""

    epochs: int = 2
    learning_rate: float = 4e-5
    negatives: int = 4
    positives: int = 2
    questions: int = 4
    max_tokens: int = 128
    seed: int = 0


@dataclass(frozen=True)
class Group:
    """A question with some of its candidate sentences and which of them answer it."""

    question: str
    texts: tuple[str, ...]
    labels: tuple[bool, ...]


def groups(data: list[dict], params: CrossParams) -> list[Group]:
    """The training groups of collected questions (qa/bench/reader.py collect): each question's positives (its
    evidence sentence added when the shortlist missed it) and `params.negatives` non-positive candidates. A question
    with no positive (a near-miss) keeps its negatives: it teaches the logistic part that nothing answers it."""
    from qa.answer.features import FEATURES

    column = FEATURES.index("similarity")
    rng = random.Random(params.seed)
    out = []
    for d in data:
        texts = [t[:SENTENCE_CHARS] for t in d["texts"]]
        labels = [bool(v) for v in d["y"]]
        evidence = d["row"].get("evidence")
        if evidence and not any(labels):
            texts.append(evidence[:SENTENCE_CHARS])
            labels.append(True)
        if not texts:
            continue
        wrong = [i for i, v in enumerate(labels) if not v]
        base = {i: d["x"][i, column] if i < len(d["x"]) else 0.0 for i in wrong}
        hard = sorted(wrong, key=lambda i: -base[i])[:params.negatives // 2]
        rest = [i for i in wrong if i not in hard]
        chosen = [i for i, v in enumerate(labels) if v][:params.positives] + hard + \
            rng.sample(rest, min(len(rest), params.negatives - len(hard)))
        out.append(Group(d["query"].text, tuple(texts[i] for i in chosen), tuple(labels[i] for i in chosen)))
    return out


def fine_tune(training: list[Group], params: CrossParams = CrossParams()):
    """The bundled MiniLM with a one-logit head, trained on the groups; returns (model, tokenizer)."""
    model, tokenizer = head_model("AutoModelForSequenceClassification", params.seed, num_labels=1)
    steps(model, training, lambda batch: batch_loss(model, tokenizer, batch, params.max_tokens), params.epochs,
          params.questions, params.learning_rate, params.seed, "reader cross-encoder", "questions")
    return model, tokenizer


def head_model(kind: str, seed: int, **options):
    """The bundled MiniLM with a new head (a transformers Auto class name), its FROZEN weights left as they are, and
    its tokenizer; torch seeded first, so that the head starts the same."""
    import torch
    import transformers
    from transformers.utils import logging as hf_logging

    from index.embedding import resolve_model_path
    from index.settings import BUNDLED_MODEL

    hf_logging.set_verbosity_error()
    torch.manual_seed(seed)
    path = resolve_model_path(BUNDLED_MODEL)
    model = getattr(transformers, kind).from_pretrained(path, **options)
    for name, p in model.named_parameters():
        p.requires_grad = not _frozen(name)
    return model, transformers.AutoTokenizer.from_pretrained(path)


def _frozen(name: str) -> bool:
    """Is the parameter one of the FROZEN base weights (its name with or without the body's 'bert.' prefix)?"""
    return name.removeprefix("bert.").startswith(FROZEN)


def batch_loss(model, tokenizer, batch: list[Group], max_tokens: int):
    """The logistic loss on every candidate plus, per question with a positive, the softmax loss of its positives
    against its other candidates."""
    import torch

    logits = model(**tokenizer([g.question for g in batch for _ in g.texts], [t for g in batch for t in g.texts],
                               truncation="only_second", max_length=max_tokens, padding=True,
                               return_tensors="pt")).logits.squeeze(-1)
    labels = torch.tensor([float(v) for g in batch for v in g.labels])
    loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)
    listwise, first = [], 0
    for g in batch:
        own, good = logits[first:first + len(g.texts)], torch.tensor(g.labels)
        if good.any():
            listwise.append(torch.logsumexp(own, 0) - torch.logsumexp(own[good], 0))
        first += len(g.texts)
    return loss + torch.stack(listwise).mean() if listwise else loss


def scores(trained, question: str, texts: list[str], max_tokens: int = CrossParams.max_tokens) -> np.ndarray:
    """The cross-encoder's logit for the question with each text (as the reader computes it)."""
    import torch

    model, tokenizer = trained
    if not texts:
        return np.zeros(0)
    with torch.no_grad():
        inputs = tokenizer([question] * len(texts), [t[:SENTENCE_CHARS] for t in texts], truncation="only_second",
                           max_length=max_tokens, padding=True, return_tensors="pt")
        return model(**inputs).logits.squeeze(-1).numpy().astype(np.float64)


def save(trained, path: Path, params: CrossParams) -> None:
    """The trained tensors as qa/answer/cross.py merges them into the bundled MiniLM (save_changed)."""
    save_changed(trained[0], path, {"head": "one logit", "max_tokens": str(params.max_tokens)})


def save_changed(model, path: Path, metadata: dict[str, str]) -> None:
    """A model's tensors, all but the FROZEN ones, as float16 safetensors named as in the base model (a head's as
    'classifier.*' or 'qa_outputs.*'): a layers file that qa/answer/encoder.py merged_model puts into the bundled
    MiniLM."""
    from safetensors.numpy import save_file

    tensors = {name.removeprefix("bert."): value.detach().numpy().astype(np.float16)
               for name, value in model.state_dict().items() if not _frozen(name)}
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path), metadata={"base": "all-MiniLM-L6-v2", **metadata})
