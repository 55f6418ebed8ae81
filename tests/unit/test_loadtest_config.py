"""The load test only targets loopback addresses, and reports nearest-rank percentiles."""

from __future__ import annotations

import pytest

from qa.bench.loadtest import check_loopback, main


@pytest.mark.parametrize("url", ["http://10.0.0.8:7860", "http://192.168.1.20/", "http://example.com:7860",
                                 "http://172.16.0.1:80", "http://0.0.0.0:7860"])
def test_only_loopback_addresses_are_targeted(url):
    with pytest.raises(ValueError, match="only targets loopback addresses"):
        check_loopback(url)
    assert main(["--url", url, "--seconds", "1", "--clients", "1"]) == 2


@pytest.mark.parametrize("url", ["http://127.0.0.1:7860", "http://localhost:8000/", "http://[::1]:7860"])
def test_loopback_addresses_are_accepted(url):
    assert check_loopback(url).endswith("/")


def test_percentiles_are_nearest_rank():
    from qa.bench.loadtest import LoadResult

    result = LoadResult(clients=1, latencies=[0.1 * i for i in range(1, 21)])
    assert (result.percentile(50), result.percentile(95), result.percentile(100)) == \
        pytest.approx((1.0, 1.9, 2.0))
