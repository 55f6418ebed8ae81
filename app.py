"""Run newsqa on the seeds: builds the seed index when none exists, then answers the sample question."""

from __future__ import annotations

import sys

from index.__main__ import SEEDS, build_index
from qa import Assistant, IndexUnavailable, Settings
from qa.__main__ import render


def main() -> int:
    """Build the seed index if needed and answer "How many US troops remain?"."""
    settings = Settings.from_env()
    try:
        assistant = Assistant.open(settings=settings)
    except IndexUnavailable:
        print(build_index(settings, [SEEDS]).summary())
        assistant = Assistant.open(settings=settings)
    print(render(assistant.ask("How many US troops remain?")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
