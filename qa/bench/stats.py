"""The one percentile of the benchmarks, the load test and the evaluation."""

from __future__ import annotations

import math
from typing import Sequence


def percentile(values: Sequence[float], q: float) -> float | None:
    """The nearest-rank q-quantile (q in 0..1) of the values; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered), max(1, math.ceil(q * len(ordered) - 1e-9))) - 1]


def percentiles_ms(seconds: Sequence[float]) -> dict:
    """p50 and p95 in milliseconds (nearest rank), and the count."""
    if not seconds:
        return {"p50": None, "p95": None, "n": 0}
    return {"p50": round(percentile(seconds, 0.50) * 1000, 2), "p95": round(percentile(seconds, 0.95) * 1000, 2),
            "n": len(seconds)}
