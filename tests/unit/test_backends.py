"""LLM backends: names, errors, the OpenAI-compatible URL and SSE lines (no model is loaded)."""

from __future__ import annotations

import pytest

from qa import GeneratorError, Settings
from qa.generate.backends import LlamaCppGenerator, OpenAIGenerator, chat_url, load_generator, sse_delta

# --- fast: backend selection and the OpenAI wire format -------------------------------------------


def test_backend_names_and_errors():
    assert isinstance(load_generator(Settings.from_env(env={}, llm="smollm2")), LlamaCppGenerator)
    opened = load_generator(Settings.from_env(env={}, llm="openai", llm_url="http://127.0.0.1:1/v1"))
    assert (type(opened), opened.url) == (OpenAIGenerator, "http://127.0.0.1:1/v1/chat/completions")
    with pytest.raises(GeneratorError, match="Unknown NEWSQA_LLM='gpt-9'"):
        load_generator(Settings.from_env(env={}, llm="gpt-9"))
    with pytest.raises(GeneratorError, match="needs NEWSQA_LLM_URL"):
        load_generator(Settings.from_env(env={}, llm="openai"))
    with pytest.raises(GeneratorError, match="LLM model file not found: /nowhere/model.gguf"):
        list(load_generator(Settings.from_env(env={}, llm="/nowhere/model.gguf")).stream([], 5))


def test_chat_url_and_sse_lines():
    assert chat_url("http://h:11434") == "http://h:11434/v1/chat/completions"
    assert chat_url("http://h:8000/v1/") == "http://h:8000/v1/chat/completions"
    assert chat_url("http://h/x/chat/completions") == "http://h/x/chat/completions"
    assert sse_delta('data: {"choices": [{"delta": {"content": "Hi"}}]}') == "Hi"
    assert sse_delta('data: {"choices": [{"delta": {"role": "assistant"}}]}') == ""
    assert sse_delta(": keep-alive") == ""
    assert sse_delta("data: [DONE]") is None
    with pytest.raises(GeneratorError, match="unreadable event"):
        sse_delta("data: {oops")
