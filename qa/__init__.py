"""newsqa's question answering: hybrid retrieval and cited answers over the indexed news articles."""

from index import (ArticleNotFound, DuplicateArticle, FileTooLarge, GeneratorError, IndexUnavailable,
                   InvalidQuestion, NewsqaError, Passage, Settings, UnreadableFile, UnsupportedFile)

from .answer import Answer, AnswerPolicy
from .assistant import Assistant, Event
from .citations import Citation

__all__ = ["Answer", "AnswerPolicy", "ArticleNotFound", "Assistant", "Citation", "DuplicateArticle", "Event",
           "FileTooLarge", "GeneratorError", "UnreadableFile",
           "IndexUnavailable", "InvalidQuestion", "NewsqaError", "Passage", "Settings", "UnsupportedFile"]
