"""newsqa's question answering: hybrid retrieval and cited answers over the indexed news articles."""

from index import (ArticleNotFound, DuplicateArticle, FileTooLarge, IndexDamaged, IndexUnavailable, NewsqaError,
                   Passage, StorageFull, UnreadableFile, UnsupportedFile)

from .answer import Answer, AnswerPolicy, Citation
from .assistant import Assistant
from .errors import GeneratorError, InvalidHistory, InvalidQuestion, JobNotFound, UploadQueueFull
from .events import Event, final_answer
from .settings import Settings

__all__ = ["Answer", "AnswerPolicy", "ArticleNotFound", "Assistant", "Citation", "DuplicateArticle", "Event",
           "FileTooLarge", "GeneratorError", "IndexDamaged", "IndexUnavailable", "InvalidHistory", "InvalidQuestion",
           "JobNotFound", "NewsqaError", "Passage", "Settings", "StorageFull", "UnreadableFile", "UnsupportedFile",
           "UploadQueueFull", "final_answer"]
