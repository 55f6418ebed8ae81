"""The index's domain errors (qa adds its own in qa/errors.py). They become messages only at the boundaries."""


class NewsqaError(Exception):
    """Base class of every error the product raises on purpose."""

    exit_code = 1  # what the command-line tools exit with


class UnsupportedFile(NewsqaError):
    """A file type, size or content the product cannot ingest."""


class FileTooLarge(UnsupportedFile):
    """A file over the size limit (NEWSQA_MAX_UPLOAD_MB)."""


class UnreadableFile(UnsupportedFile):
    """A file of a supported type whose content holds no readable article (empty, binary, malformed)."""


class DuplicateArticle(UnsupportedFile):
    """Every article in the file is already indexed (under another file)."""


class IndexUnavailable(NewsqaError):
    """The index is missing, unreadable, read-only or from an incompatible version."""


class IndexDamaged(IndexUnavailable):
    """The index's files are damaged (a vector file or the database); the message says how to rebuild it."""


class EncoderMismatch(IndexUnavailable):
    """The index was embedded by an encoder whose vectors differ from the configured one's (e.g. int8 vs fp32)."""

    exit_code = 4


class StorageFull(IndexUnavailable):
    """The disk under the index or its uploads folder has no space left."""


class ArticleNotFound(NewsqaError):
    """No article with that id is in the index."""


class FeedNotFound(NewsqaError):
    """No feed with that id or URL is remembered in the index."""


class UnsupportedUrl(NewsqaError):
    """Something given as a URL that the product does not fetch (not http or https)."""
