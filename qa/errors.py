"""qa's domain errors, beside the index's (all are NewsqaError). They become messages only at the boundaries."""

from index.errors import NewsqaError


class InvalidQuestion(NewsqaError):
    """The question is empty, too long or otherwise unusable."""


class GeneratorError(NewsqaError):
    """The optional LLM backend failed, timed out or is not installed."""


class ReaderUnavailable(NewsqaError):
    """A reading model (the spaCy pipeline, a learned scorer file) cannot be loaded."""
