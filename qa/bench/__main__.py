"""python -m qa.bench COMMAND ...: the benchmarks and the load test."""

from __future__ import annotations

import sys

COMMANDS = {"multihop": "MultiHop-RAG retrieval quality and speed", "answers": "MultiHop-RAG answer quality through ask",
            "load": "concurrent REST clients during uploads", "reader": "fit the learned sentence scorer",
            "verdicts": "fit the Yes/No verdict model", "encoder": "the fast encoder against torch fp32",
            "scale": "store, keyword index and search at 10k to 1M passages",
            "segments": "the keyword index's in-memory side (one change, saves, queries) at 1M synthetic passages",
            "questions": "questions in users' words written by the local LLM, as reader-encoder training pairs",
            "spans": "fit or check the reader's span extractor",
            "confidence": "fit how the sentence scorer and the span extractor decide to answer",
            "judge": "fit the reader's second stage over the scorer's and the extractor's first candidates"}


def main(argv: list[str] | None = None) -> int:
    """Dispatch to the benchmark named first."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        listing = "\n".join(f"  {name:<10} {text}" for name, text in COMMANDS.items())
        print(f"usage: python -m qa.bench COMMAND [...]\n{listing}", file=sys.stderr)
        return 2
    if argv[0] == "multihop":
        from .multihop import main as run
        return run(argv)
    if argv[0] == "answers":
        from .answers import main as run
    elif argv[0] == "reader":
        from .reader import main as run
    elif argv[0] == "verdicts":
        from .verdicts import main as run
    elif argv[0] == "encoder":
        from .encoder import main as run
    elif argv[0] == "scale":
        from .scale import main as run
    elif argv[0] == "segments":
        from .segments import main as run
    elif argv[0] == "questions":
        from .questions import main as run
    elif argv[0] == "spans":
        from .reader_spans import main as run
    elif argv[0] == "confidence":
        from .confidence import main as run
    elif argv[0] == "judge":
        from .judge import main as run
    else:
        from .loadtest import main as run
    return run(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
