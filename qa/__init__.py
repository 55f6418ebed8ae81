"""newsqa's question answering: hybrid retrieval and cited answers over the indexed news articles."""

from index import (ArticleNotFound, DuplicateArticle, FeedNotFound, FileTooLarge, IndexDamaged, IndexUnavailable,
                   NewsqaError, Passage, StorageFull, UnreadableFile, UnsupportedFile, UnsupportedUrl)

from .answer import Answer, AnswerPolicy, Citation
from .assistant import Assistant
from .errors import GeneratorError, InvalidFilters, InvalidHistory, InvalidQuestion, JobNotFound, UploadQueueFull
from .events import Event, final_answer
from .retrieve.filters import Filters
from .settings import Settings
from .timeline import Timeline, TimelineEvent

__all__ = ["Answer", "AnswerPolicy", "ArticleNotFound", "Assistant", "Citation", "DuplicateArticle", "Event",
           "FeedNotFound", "FileTooLarge", "GeneratorError", "IndexDamaged", "IndexUnavailable", "InvalidHistory", "InvalidQuestion",
           "JobNotFound", "NewsqaError", "Passage", "Settings", "StorageFull", "UnreadableFile", "UnsupportedFile",
           "UnsupportedUrl", "UploadQueueFull", "final_answer",
           # filters and timelines (issue 11)
           "Filters", "InvalidFilters", "Timeline", "TimelineEvent"]
