"""Retrieval: understand the question, find and rank the passages that answer it (dense + BM25, fused)."""

from .facets import DateRef, Facet, find_facets, named_dates
from .filters import Filters
from .fusion import interleave, reciprocal_rank_fusion
from .periods import Period, QuestionDates, question_dates
from .query import Query, analyse, check_question
from .rerank import CrossEncoderReranker, Reranker
from .retriever import RetrievalConfig, Retriever

__all__ = ["CrossEncoderReranker", "DateRef", "Facet", "Filters", "Period", "Query", "QuestionDates", "Reranker",
           "RetrievalConfig", "Retriever", "analyse", "check_question", "find_facets", "interleave", "named_dates",
           "question_dates", "reciprocal_rank_fusion"]
