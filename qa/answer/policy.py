"""The extractive answer's weights and thresholds."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AnswerPolicy:
    """Weights and thresholds of the extractive answer, calibrated on tests/data/gold_seeds.jsonl."""

    sim_weight: float = 0.5
    lex_weight: float = 0.35
    type_weight: float = 0.15
    min_similarity: float = 0.25
    min_coverage: float = 0.34
    min_support: float = 0.5
    other_source_margin: float = 0.12
    other_source_similarity: float = 0.05
    min_claim_support: float = 0.25
    other_source_floor: float = 0.25
    max_sources: int = 3
    shortlist: int = 10
