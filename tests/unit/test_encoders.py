"""Each index records its encoder; one whose vectors differ (int8 against fp32) is refused with a clear message."""

from __future__ import annotations

import uuid

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings

from index import EncoderMismatch, IndexSettings, Store
from index.export import vector_space
from tests.fakes import WordCountEmbedder


def _client():
    """One in-memory Chroma client for a test."""
    return chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))


def test_settings_name_the_recorded_variant_and_refuse_unknown_encoders():
    assert IndexSettings.from_env(env={}).encoder_variant == "onnx-fp32"
    assert IndexSettings.from_env(env={"NEWSQA_ENCODER": "torch"}).encoder_variant == "torch-fp32"
    assert IndexSettings.from_env(env={"NEWSQA_ENCODER": "onnx-int8"}).encoder_variant == "onnx-int8"
    # a model that cannot be exported (a hub name, a fake) runs in torch, and is recorded so
    assert IndexSettings.from_env(env={}, embed_model=WordCountEmbedder.name).encoder_variant == "torch-fp32"
    with pytest.raises(ValueError, match="NEWSQA_ENCODER='fast' is not an encoder: use one of onnx, onnx-int8, torch"):
        IndexSettings.from_env(env={"NEWSQA_ENCODER": "fast"})


def test_torch_and_onnx_fp32_share_an_index_and_int8_does_not():
    assert vector_space("torch-fp32") == vector_space("onnx-fp32") == "fp32" != vector_space("onnx-int8")
    client, name = _client(), f"t{uuid.uuid4().hex[:10]}"
    built = Store(client, name, "m", create=True, encoder="torch-fp32")
    assert built.recorded_encoder == "torch-fp32"
    assert Store(client, name, "m", create=False, encoder="onnx-fp32").recorded_encoder == "torch-fp32"
    with pytest.raises(EncoderMismatch) as refused:
        Store(client, name, "m", create=False, encoder="onnx-int8", where="the index at ix")
    assert str(refused.value) == (
        "The index at ix was embedded by the encoder 'torch-fp32', whose vectors differ from those of 'onnx-int8' "
        "(configured): set NEWSQA_ENCODER=torch to use it as it is, or re-embed it with the configured encoder, "
        "`python -m index rebuild` (an embedded index; the old vectors are kept beside it), or build into a new "
        "collection on a server")
    assert refused.value.exit_code == 4


def test_an_index_written_before_the_record_counts_as_torch_fp32():
    client, name = _client(), f"t{uuid.uuid4().hex[:10]}"
    for part in ("articles", "passages", "state"):
        client.create_collection(f"{name}-{part}", embedding_function=None,
                                 metadata={"newsqa_schema": 1, "embed_model": "m", "hnsw:space": "cosine"})
    assert Store(client, name, "m", create=False, encoder="onnx-fp32").recorded_encoder == "torch-fp32"
    with pytest.raises(EncoderMismatch, match="embedded by the encoder 'torch-fp32'"):
        Store(client, name, "m", create=False, encoder="onnx-int8")


def test_an_other_encoder_is_a_409_over_rest():
    from qa.serve.api import STATUS

    assert next(STATUS[c] for c in EncoderMismatch.__mro__ if c in STATUS) == 409


def test_the_reader_encoder_runs_int8_by_default_and_follows_its_own_precision_setting():
    from qa import Settings
    from qa.answer.encoder import _variant

    assert _variant(Settings.from_env(env={})) == "onnx-int8"
    assert _variant(Settings.from_env(env={"NEWSQA_READER_ENCODER_PRECISION": "fp32"})) == "onnx-fp32"
    # the index's own int8 setting does not decide it, and an index in torch keeps the reader in torch
    assert _variant(Settings.from_env(env={"NEWSQA_ENCODER": "onnx-int8",
                                           "NEWSQA_READER_ENCODER_PRECISION": "fp32"})) == "onnx-fp32"
    assert _variant(Settings.from_env(env={"NEWSQA_ENCODER": "torch"})) == "torch-fp32"
    with pytest.raises(ValueError, match="NEWSQA_READER_ENCODER_PRECISION='int4': use one of int8, fp32"):
        _variant(Settings.from_env(env={"NEWSQA_READER_ENCODER_PRECISION": "int4"}))
