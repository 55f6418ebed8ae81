"""qa's domain errors, beside the index's (all are NewsqaError). They become messages only at the boundaries."""

from index.errors import NewsqaError


class InvalidQuestion(NewsqaError):
    """The question is empty, too long or otherwise unusable."""


class InvalidHistory(InvalidQuestion):
    """The conversation history is not a list of turns, or is over its turn or character limit."""


class GeneratorError(NewsqaError):
    """The optional LLM backend failed, timed out or is not installed."""


class ReaderUnavailable(NewsqaError):
    """A reading model (the spaCy pipeline, a learned scorer file) cannot be loaded."""


class ModelFileMissing(ReaderUnavailable, FileNotFoundError):
    """A reading model's setting (NEWSQA_READER, NEWSQA_READER_ENCODER, NEWSQA_READER_SPANS, NEWSQA_READER_CROSS,
    NEWSQA_READER_CONFIDENCE) names a file that is not there."""


class JobNotFound(NewsqaError):
    """No upload job with that id (jobs live in the server's memory: a restart forgets them)."""


class UploadQueueFull(NewsqaError):
    """Too many uploads are waiting to be indexed; the client should try again later."""


class InvalidFilters(InvalidQuestion):
    """Filters that cannot be applied: a date not written YYYY-MM-DD, a range whose start is after its end."""
