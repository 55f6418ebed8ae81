"""Answering: read the retrieved passages and quote, cite and date what answers the question."""

from .answer import REFUSAL, Answer
from .citations import Citation, cite, quote_matches, source_label
from .extractive import ExtractiveReader
from .policy import AnswerPolicy

__all__ = ["REFUSAL", "Answer", "AnswerPolicy", "Citation", "ExtractiveReader", "cite", "quote_matches",
           "source_label"]
