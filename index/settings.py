"""The index's settings, and the one reader of NEWSQA_* environment variables (qa's Settings extends these)."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"
ENCODERS = {"onnx": "onnx-fp32", "onnx-int8": "onnx-int8", "torch": "torch-fp32"}  # setting -> variant recorded
DEFAULT_CACHE = Path("~/.cache/newsqa")
USER_AGENT = "newsqa/0.1 (question answering over the news feeds and pages its user adds; honours ETag and Last-Modified)"


@dataclass(frozen=True)
class IndexSettings:
    """What building and opening an index needs; see the README's configuration table."""

    index_dir: Path = Path(".newsqa/index")
    collection: str = "newsqa"
    embed_model: str = BUNDLED_MODEL
    passage_tokens: int = 200
    overlap_tokens: int = 60
    embed_batch: int = 32
    encoder: str = "onnx"  # onnx (optimised ONNX Runtime graph), onnx-int8, or torch (sentence-transformers)
    encoder_threads: int = 0  # 0: one per core
    cache_dir: Path = DEFAULT_CACHE  # the exported encoder
    chroma_host: str = ""
    chroma_port: int = 8000
    chroma_ssl: bool = False
    chroma_headers: str = ""
    keyword_refresh_seconds: float = 2.0
    max_upload_mb: float = 20.0
    fetch_timeout: float = 15.0  # seconds: read timeout, and the most one response may take
    fetch_connect_timeout: float = 5.0
    fetch_max_mb: float = 5.0
    fetch_max_redirects: int = 5
    fetch_workers: int = 4
    user_agent: str = USER_AGENT
    allow_local_urls: bool = False
    feed_minutes: float = 0.0  # 0: feeds are updated only when asked

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides):
        """Build settings from NEWSQA_<FIELD> variables, then apply non-None overrides."""
        env = os.environ if env is None else env
        values = {}
        for field in dataclasses.fields(cls):
            raw = env.get("NEWSQA_" + field.name.upper())
            if raw is not None and raw != "":
                values[field.name] = _parse(field.type, raw, field.name)
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "index_dir" in values:
            values["index_dir"] = Path(values["index_dir"]).expanduser()
        return cls(**values)

    def __post_init__(self):
        if self.encoder not in ENCODERS:
            raise ValueError(f"NEWSQA_ENCODER={self.encoder!r} is not an encoder: use one of {', '.join(ENCODERS)}")

    @property
    def encoder_variant(self) -> str:
        """What the index records as its encoder: 'onnx-fp32', 'onnx-int8' or 'torch-fp32' (a model that is neither
        the bundled one nor a local folder cannot be exported, and runs in torch)."""
        exportable = self.embed_model == BUNDLED_MODEL or Path(self.embed_model).is_dir()
        return ENCODERS[self.encoder] if exportable else "torch-fp32"

    @property
    def server_mode(self) -> bool:
        """True when a Chroma server is configured instead of the embedded on-disk store."""
        return bool(self.chroma_host)

    @property
    def max_upload_bytes(self) -> int:
        """The upload size limit in bytes."""
        return round(self.max_upload_mb * 1024 * 1024)

    @property
    def fetch_max_bytes(self) -> int:
        """The largest page or feed fetched, in bytes."""
        return round(self.fetch_max_mb * 1024 * 1024)



def _parse(kind: str, raw: str, name: str):
    """Convert an environment string to the field's type, with a clear error."""
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "bool":
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if kind == "Path":
            return Path(raw)
        return raw
    except ValueError as exc:
        raise ValueError(f"NEWSQA_{name.upper()}={raw!r} is not a valid {kind}") from exc
