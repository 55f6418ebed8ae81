"""Evaluation against gold question sets, through the same ask path users take: `python -m qa.evaluation`."""

from .gold import GoldItem, evaluate, load_gold

__all__ = ["GoldItem", "evaluate", "load_gold"]
