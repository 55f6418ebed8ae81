"""What people outside the machine are told: a domain error's message without the server's own paths."""

from __future__ import annotations

from ..settings import Settings

INDEX_DIR = "$NEWSQA_INDEX_DIR"


def public_message(exc: Exception, settings: Settings) -> str:
    """The error's message with the index folder (as configured and as resolved) written as $NEWSQA_INDEX_DIR."""
    message = str(exc)
    for folder in sorted({str(settings.index_dir.resolve()), str(settings.index_dir)}, key=len, reverse=True):
        if folder not in ("", "."):
            message = message.replace(folder, INDEX_DIR)
    return message
