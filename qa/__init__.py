"""newsqa's question answering: hybrid retrieval and cited answers over the indexed news articles."""

from index import (ArticleNotFound, DuplicateArticle, FileTooLarge, IndexUnavailable, NewsqaError, Passage,
                   UnreadableFile, UnsupportedFile)

from .answer import Answer, AnswerPolicy, Citation
from .assistant import Assistant
from .errors import GeneratorError, InvalidQuestion
from .events import Event, final_answer
from .settings import Settings

__all__ = ["Answer", "AnswerPolicy", "ArticleNotFound", "Assistant", "Citation", "DuplicateArticle", "Event",
           "FileTooLarge", "GeneratorError", "IndexUnavailable", "InvalidQuestion", "NewsqaError", "Passage",
           "Settings", "UnreadableFile", "UnsupportedFile", "final_answer"]
