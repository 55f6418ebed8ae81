"""python -m qa.evaluation GOLD.jsonl [--index-dir DIR] [--out FILE.json]."""

import sys

from .gold import main

if __name__ == "__main__":
    sys.exit(main())
