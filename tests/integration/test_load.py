"""Load, reduced form: 16 clients x 10 asks through the REST API of a real `python app.py` on 127.0.0.1 while an
upload is indexed. The full form is `python -m qa.bench load --clients 16 --seconds 60` (docs/reliability.md)."""

from __future__ import annotations

import shutil

import pytest

from qa.bench.loadtest import LoadConfig, run_load
from qa.bench.services import app_server

CLIENTS, ASKS, UPLOADED = 16, 10, 12


@pytest.mark.slow
def test_sixteen_clients_ask_while_an_upload_is_indexed(seed_settings, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(seed_settings.index_dir, index)
    config = LoadConfig(clients=CLIENTS, seconds=240, asks_per_client=ASKS, uploads=1, upload_articles=UPLOADED)
    with app_server(index, tmp_path / "server.log", 300.0) as (url, pid):
        result = run_load(url, config, server_pid=pid)
    print(result.summary())
    assert result.errors == []
    assert result.wrong_answers == 0
    assert result.asks == CLIENTS * ASKS
    assert result.lost_articles == []
    assert (len(result.uploaded), result.articles_before, result.articles_after) == (UPLOADED, 2, 2 + UPLOADED)
    assert result.asks_during_uploads > 0, "no ask was answered while the upload was indexed"
    assert 0 < result.percentile(50) <= result.percentile(95)
    assert result.peak_rss_mb and result.peak_rss_mb > 100


