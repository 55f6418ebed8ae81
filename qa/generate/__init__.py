"""The optional LLM: backends, a prompt of numbered excerpts, and verification of every sentence it writes."""

from .backends import Generator, LlamaCppGenerator, OpenAIGenerator, load_generator
from .synthesis import Synthesizer, SynthesisPolicy

__all__ = ["Generator", "LlamaCppGenerator", "OpenAIGenerator", "SynthesisPolicy", "Synthesizer", "load_generator"]
