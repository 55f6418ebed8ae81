"""newsqa's question answering: hybrid retrieval and cited answers over the indexed news articles."""

from index import (ArticleNotFound, GeneratorError, IndexUnavailable, InvalidQuestion, NewsqaError, Passage,
                   Settings, UnsupportedFile)

from .answer import Answer, AnswerPolicy
from .assistant import Assistant, Event
from .citations import Citation

__all__ = ["Answer", "AnswerPolicy", "ArticleNotFound", "Assistant", "Citation", "Event", "GeneratorError",
           "IndexUnavailable", "InvalidQuestion", "NewsqaError", "Passage", "Settings", "UnsupportedFile"]
