"""newsqa's index: read articles, split them into passages, embed them, store them in Chroma."""

from .articles import Article, Passage, make_article
from .corpus import SEEDS, Corpus, build_index, keyword_folder
from .embedding import Embedder, OnnxEmbedder, SentenceTransformerEmbedder, load_embedder, settings_embedder
from .errors import (ArticleNotFound, DuplicateArticle, EncoderMismatch, FeedNotFound, FileTooLarge, IndexDamaged, IndexUnavailable,
                     NewsqaError, StorageFull, UnreadableFile, UnsupportedFile, UnsupportedUrl)
from .feeds import Feed, FeedCheck, Feeds, UpdateReport, start_polling
from .fetch import is_url
from .groups import Groups, collapse, group_of
from .indexer import Indexer, IndexReport
from .keyword import KeywordIndex, KeywordQuery, Snapshot, tokenize
from .readers import SUPPORTED, Skip, SkipKind, check_upload, safe_filename, upload_problem
from .settings import IndexSettings
from .store import Store, StoredArticle, visible_articles

__all__ = ["Article", "ArticleNotFound", "Corpus", "DuplicateArticle", "Embedder", "FileTooLarge", "IndexDamaged",
           "IndexReport", "IndexSettings", "IndexUnavailable", "Indexer", "KeywordIndex", "KeywordQuery", "NewsqaError", "Passage",
           "SEEDS", "SUPPORTED", "SentenceTransformerEmbedder", "Skip", "SkipKind", "Snapshot", "StorageFull", "Store",
           "StoredArticle", "UnreadableFile", "UnsupportedFile", "build_index", "check_upload", "keyword_folder",
           "load_embedder", "make_article", "safe_filename", "tokenize", "upload_problem", "visible_articles",
           # feeds and URLs, syndicated copies (issue 11)
           "Feed", "FeedCheck", "FeedNotFound", "Feeds", "Groups", "UnsupportedUrl", "UpdateReport", "collapse",
           "group_of", "is_url", "start_polling",
           # encoders (issue 12)
           "EncoderMismatch", "OnnxEmbedder", "settings_embedder"]
