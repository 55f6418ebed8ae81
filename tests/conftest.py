"""Shared fixtures: a real on-disk Chroma index of the seeds, built once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"
SHARED = Path(os.environ.get("NEWSQA_SHARED", ROOT.parent / "shared"))
ARTIFACTS = ROOT / "artifacts"


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory):
    """Settings pointing at a fresh index folder holding the two seed articles."""
    from index import build_index
    from qa import Settings

    settings = Settings.from_env(env={}, index_dir=tmp_path_factory.mktemp("seed-index"))
    build_index(settings, [SEEDS])
    return settings


@pytest.fixture(scope="session")
def seed_corpus(seed_settings):
    """The seed index opened as a Corpus (store, real embedder, keyword index); tests must not modify it."""
    from index import Corpus

    return Corpus.open(seed_settings)


@pytest.fixture(scope="session")
def assistant(seed_settings):
    """An Assistant over the seed index (shared: tests must not modify it)."""
    from qa import Assistant

    return Assistant.open(settings=seed_settings)


@pytest.fixture()
def fresh_assistant(tmp_path, seed_settings):
    """An Assistant over a private copy of the seed index, free to modify."""
    import shutil
    from dataclasses import replace

    from qa import Assistant

    folder = tmp_path / "index"
    shutil.copytree(seed_settings.index_dir, folder)
    return Assistant.open(settings=replace(seed_settings, index_dir=folder))


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Folder for test artifacts (screenshots, reports)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(autouse=True)
def unit_tests_load_no_model(request):
    """Fail any test under tests/unit that loads the embedding model (sentence-transformers) itself."""
    import sys

    before = "sentence_transformers" in sys.modules
    yield
    if request.path.parent.name == "unit" and not before:
        loaded = "sentence_transformers" in sys.modules
        assert not loaded, "a unit test loaded the embedding model (sentence-transformers)"


@pytest.fixture(scope="session")
def fake_seeds(tmp_path_factory):
    """An Assistant over the fakes with the two seed articles (shared: tests must not modify it)."""
    from fakes import fake_assistant

    return fake_assistant(tmp_path_factory.mktemp("fake-seeds"), files=[SEEDS])
