"""The ONNX Runtime encoder: the bundled model exported by the project, the same vectors and token counts as
torch, cached once; an index records which encoder embedded it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from conftest import SEEDS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def encoders(tmp_path_factory):
    """(torch fp32, onnx fp32) embedders of the bundled model, the ONNX one exported into a fresh cache."""
    from index import IndexSettings, settings_embedder

    settings = IndexSettings.from_env(env={}, cache_dir=tmp_path_factory.mktemp("cache"))
    return settings_embedder(replace(settings, encoder="torch")), settings_embedder(settings), settings


def test_onnx_vectors_and_token_counts_are_torch_s(encoders):
    torch_fp32, onnx_fp32, settings = encoders
    texts = [p.read_text(encoding="utf-8")[i:i + 900] for p in sorted(SEEDS.glob("*.txt")) for i in (0, 900, 1800)]
    texts += ["  How many US troops remain?  ", "x", "Ünïcode café — naïve " * 40]
    slow, fast = torch_fp32.embed(texts), onnx_fp32.embed(texts)
    assert fast.shape == slow.shape == (len(texts), 384) and fast.dtype == np.float32
    assert np.sum(slow * fast, axis=1).min() >= 0.9999
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    assert onnx_fp32.count_tokens(texts) == torch_fp32.count_tokens(texts)
    assert onnx_fp32.max_tokens == torch_fp32.max_tokens == 254 and onnx_fp32.variant == "onnx-fp32"
    assert onnx_fp32.embed([]).shape == (0, 384)
    exported = list((settings.cache_dir / "onnx").glob("*/onnx-fp32.onnx"))
    assert len(exported) == 1 and not list((settings.cache_dir / "onnx").glob("*/raw.*"))


def test_an_index_records_its_encoder_and_refuses_int8_vectors(encoders, tmp_path, monkeypatch):
    from index import EncoderMismatch, Store, build_index
    from index.__main__ import main as index_cli
    from qa import Assistant, Settings

    _, onnx_fp32, _ = encoders
    settings = Settings.from_env(env={}, index_dir=tmp_path / "index", cache_dir=encoders[2].cache_dir)
    build_index(settings, [SEEDS], embedder=onnx_fp32)
    assert Store.open(replace(settings, encoder="torch")).recorded_encoder == "onnx-fp32"  # same vectors: accepted
    with pytest.raises(EncoderMismatch, match="embedded by the encoder 'onnx-fp32'.*NEWSQA_ENCODER=onnx"):
        Assistant.open(settings=replace(settings, encoder="onnx-int8"))
    monkeypatch.setenv("NEWSQA_ENCODER", "onnx-int8")
    monkeypatch.setenv("NEWSQA_CACHE_DIR", str(encoders[2].cache_dir))
    assert index_cli(["build", str(SEEDS), "--index-dir", str(settings.index_dir)]) == 4


def test_the_export_runs_in_a_child_process_and_reports_what_failed(tmp_path):
    import subprocess
    import sys

    from index.errors import IndexUnavailable
    from index.export import exported_model

    # VmHWM, the peak of this process's own memory (ru_maxrss would carry over pytest's, the process that forked it)
    script = ("import re, sys; from pathlib import Path; from index.embedding import resolve_model_path; "
              "from index.settings import BUNDLED_MODEL; from index.export import exported_model; "
              "path = exported_model(resolve_model_path(BUNDLED_MODEL), 'onnx-fp32', Path(sys.argv[1])); "
              "peak = re.search(r'VmHWM:\\s+(\\d+)', Path('/proc/self/status').read_text()).group(1); "
              "print(path.exists(), peak)")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "cache")], capture_output=True, text=True,
                          check=True, timeout=600)
    exists, peak = done.stdout.split()
    assert exists == "True"
    # the torch model and graphs live in the export's own child: the caller's peak stays far below the export's
    # (about 1.5 GB more in-process)
    assert int(peak) < 600_000, f"{peak} kB"
    with pytest.raises(IndexUnavailable, match="Cannot write the exported encoder"):
        exported_model(str(tmp_path / "no-model"), "onnx-fp32", tmp_path / "cache")
