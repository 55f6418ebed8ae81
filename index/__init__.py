"""newsqa's index: read articles, split them into passages, embed them, store them in Chroma."""

from .articles import Article, Passage, make_article
from .embedding import Embedder, SentenceTransformerEmbedder, load_embedder
from .errors import (ArticleNotFound, DuplicateArticle, FileTooLarge, GeneratorError, IndexUnavailable,
                     InvalidQuestion, NewsqaError, UnreadableFile, UnsupportedFile)
from .indexer import Indexer, IndexReport
from .keyword import KeywordIndex, Snapshot, tokenize
from .readers import SUPPORTED, Skip
from .settings import Settings
from .store import Store, StoredArticle

__all__ = ["Article", "ArticleNotFound", "DuplicateArticle", "FileTooLarge", "UnreadableFile", "Embedder", "GeneratorError", "IndexReport", "IndexUnavailable",
           "Indexer", "InvalidQuestion", "KeywordIndex", "NewsqaError", "Passage", "SUPPORTED",
           "SentenceTransformerEmbedder", "Settings", "Skip", "Snapshot", "Store", "StoredArticle",
           "UnsupportedFile", "keyword_folder", "load_embedder", "make_article", "tokenize"]


def keyword_folder(settings: Settings):
    """Where the keyword index cache lives: beside Chroma, or per server in the index folder."""
    if settings.server_mode:
        name = f"keyword-{settings.chroma_host}-{settings.chroma_port}-{settings.collection}"
        return settings.index_dir / name.replace("/", "_").replace(":", "_")
    return settings.index_dir / f"keyword-{settings.collection}"
