"""Load test: concurrent clients ask through the REST API of a real server while uploads are indexed.

    python -m qa.bench load --clients 16 --seconds 60

Without --url it starts `python app.py` on a free loopback port over a fresh index folder (seeded by app.py)
and stops it afterwards. Traffic goes to loopback addresses only, and every loop is bounded by both a
duration and a count. It prints errors, lost articles, p50/p95 latency, throughput and the server's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from .services import app_server
from .stats import percentile

TROOPS = "How many US troops remain?"
SEED_QUESTIONS = [TROOPS, "Where did the bomb blast hit a police truck?",
                  "How many Iraqi police officers were killed in the Kirkuk attack?",
                  "Who is blamed for the attacks in Iraq?", "How many international forces are in Iraq?"]
TOWNS = ["Aber", "Brack", "Corv", "Dunm", "Easth", "Fenn", "Glenr", "Harr", "Ivyb", "Jarr", "Kels", "Lan",
         "Moff", "Nairb", "Obh", "Peeb", "Quarr", "Roth", "Selk", "Thurs", "Ullap", "Wickl", "Yeth", "Zenn"]
ENDINGS = ["ford", "wick", "ness", "thorpe", "bury", "stead", "mouth", "holme", "by", "field", "ley", "combe",
           "hithe", "minster", "worth", "haven", "dale", "garth", "shaw", "cote"]
ASK_FACT_SHARE = 0.25


@dataclass(frozen=True)
class LoadConfig:
    """How hard and how long to push: clients, a time limit, and a count limit per client."""

    clients: int = 16
    seconds: float = 60.0
    asks_per_client: int = 1000
    uploads: int = 6
    upload_articles: int = 24
    timeout: float = 120.0
    warm_up: bool = True


@dataclass
class LoadResult:
    """What a run measured."""

    clients: int
    asks: int = 0
    errors: list[str] = field(default_factory=list)
    wrong_answers: int = 0
    latencies: list[float] = field(default_factory=list, repr=False)
    finished: list[float] = field(default_factory=list, repr=False)
    upload_windows: list[tuple[float, float]] = field(default_factory=list, repr=False)
    seconds: float = 0.0
    upload_seconds: list[float] = field(default_factory=list)
    uploaded: list[str] = field(default_factory=list, repr=False)
    facts: dict[str, str] = field(default_factory=dict, repr=False)
    articles_before: int = 0
    articles_after: int = 0
    lost_articles: list[str] = field(default_factory=list)
    peak_rss_mb: float | None = None

    def percentile(self, q: float) -> float | None:
        """The q-th percentile latency in seconds (nearest rank), or None without asks."""
        return percentile(self.latencies, q / 100)

    @property
    def asks_during_uploads(self) -> int:
        """Asks answered while an upload was being indexed."""
        return sum(any(start <= t <= end for start, end in self.upload_windows) for t in self.finished)

    def to_dict(self) -> dict:
        """JSON-ready figures (latencies summarised, not listed)."""
        hidden = ("latencies", "finished", "upload_windows", "uploaded", "facts")
        data = {k: v for k, v in asdict(self).items() if k not in hidden}
        data.update(uploaded=len(self.uploaded), asks_during_uploads=self.asks_during_uploads)
        data.update(p50_ms=_ms(self.percentile(50)), p95_ms=_ms(self.percentile(95)),
                    max_ms=_ms(max(self.latencies, default=None)),
                    asks_per_second=round(self.asks / self.seconds, 2) if self.seconds else None)
        data["errors"] = self.errors[:20]
        data["error_count"] = len(self.errors)
        return data

    def summary(self) -> str:
        """A human report."""
        d = self.to_dict()
        return (f"{d['clients']} clients, {d['asks']} asks in {d['seconds']:.1f} s ({d['asks_per_second']}/s): "
                f"{d['error_count']} errors, {d['wrong_answers']} wrong answers\n"
                f"latency p50 {d['p50_ms']} ms, p95 {d['p95_ms']} ms, max {d['max_ms']} ms\n"
                f"{len(d['upload_seconds'])} uploads ({d['uploaded']} articles) indexed during the asks, "
                f"each in {', '.join(f'{x:.1f}' for x in d['upload_seconds'])} s, "
                f"with {d['asks_during_uploads']} asks answered meanwhile; "
                f"articles {d['articles_before']} -> {d['articles_after']}, lost {len(d['lost_articles'])}\n"
                f"server peak RSS {d['peak_rss_mb']} MiB")


def _ms(seconds: float | None) -> float | None:
    """Seconds to rounded milliseconds."""
    return None if seconds is None else round(seconds * 1000, 1)


def check_loopback(url: str) -> str:
    """The URL (with a trailing slash) if its host is a loopback address; ValueError otherwise."""
    from qa.serve.server import is_loopback

    host = urlparse(url).hostname or ""
    if not is_loopback(host):
        raise ValueError(f"{url}: the load test only targets loopback addresses (127.0.0.1, ::1, localhost)")
    return url if url.endswith("/") else url + "/"


def town(n: int) -> str:
    """The n-th made-up town name (one word, unique for n below 480)."""
    return TOWNS[n % len(TOWNS)] + ENDINGS[(n // len(TOWNS)) % len(ENDINGS)]


def upload_file(count: int, batch: int = 0) -> tuple[bytes, dict[str, str]]:
    """A JSONL file of `count` small generated articles, and each town's number of footbridges."""
    rng = random.Random(batch)
    lines, facts = [], {}
    for i in range(count):
        town_name = town(batch * count + i)
        bridges = rng.randint(31, 99)  # apart from the months (2-30) and the cost (100-900)
        facts[town_name] = str(bridges)
        lines.append(json.dumps({"title": f"{town_name} council opens bridges", "source": "Load Wire",
                                 "date": f"2024-03-{1 + i % 28:02d}",
                                 "body": f"The council of {town_name} opened {bridges} new footbridges on Monday. "
                                         f"Engineers in {town_name} said the work took {rng.randint(2, 30)} months "
                                         f"and cost {rng.randint(100, 900)} thousand pounds."}))
    return ("\n".join(lines) + "\n").encode(), facts


def peak_rss_mb(pid: int) -> float | None:
    """A process's peak resident set size (Linux VmHWM) in MiB, or None where unavailable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def _client(url: str, config: LoadConfig, deadline: float, result: LoadResult, lock: threading.Lock,
            n: int) -> None:
    """One client: ask until the deadline or its count is reached; record latencies and errors."""
    import httpx

    rng = random.Random(n)
    with httpx.Client(base_url=url, timeout=config.timeout) as http:
        for _ in range(config.asks_per_client):
            if time.monotonic() >= deadline:
                return
            question, expected = _question(rng, result, lock)
            started = time.monotonic()
            try:
                response = http.post("api/ask", json={"question": question})
                ok = response.status_code == 200
                body = response.json() if ok else response.text[:200]
            except httpx.HTTPError as exc:
                ok, body = False, f"{type(exc).__name__}: {exc}"
            elapsed = time.monotonic() - started
            with lock:
                result.asks += 1
                result.latencies.append(elapsed)
                result.finished.append(started + elapsed)
                if not ok:
                    result.errors.append(f"{question!r}: {body}")
                elif expected and expected not in body["answer"]:
                    result.wrong_answers += 1


def _question(rng: random.Random, result: LoadResult, lock: threading.Lock) -> tuple[str, str | None]:
    """A question and the text its answer must contain: mostly seed questions, some about uploaded articles."""
    with lock:
        towns = sorted(result.facts) if rng.random() < ASK_FACT_SHARE else []
        if towns:
            name = rng.choice(towns)
            return fact_question(name), result.facts[name]
    question = rng.choice(SEED_QUESTIONS)
    return question, "2,500" if question == TROOPS else None


def fact_question(town_name: str) -> str:
    """The question about an uploaded article."""
    return f"How many new footbridges did the council of {town_name} open?"


def _uploads(url: str, config: LoadConfig, started: float, result: LoadResult) -> None:
    """Upload generated files spread over the run (at most config.uploads, none after the time limit), the first
    once asks are being answered (an upload that starts with the first asks may be done before any ask is)."""
    while not result.finished and time.monotonic() < started + config.seconds:
        time.sleep(0.05)
    for batch in range(config.uploads):
        time.sleep(max(0.0, started + batch * config.seconds / config.uploads - time.monotonic()))
        if time.monotonic() >= started + config.seconds or all_done(result, config):
            return
        data, facts = upload_file(config.upload_articles, batch)
        ids = _upload(url, f"load-{batch}.jsonl", data, result)
        if len(ids) != config.upload_articles:
            result.errors.append(f"upload {batch}: {len(ids)} of {config.upload_articles} articles indexed")
        result.uploaded.extend(ids)
        result.facts.update(facts)


def _upload(url: str, name: str, data: bytes, result: LoadResult) -> list[str]:
    """Upload one file; returns the new article ids (an error is recorded otherwise)."""
    import httpx

    started = time.monotonic()
    try:
        response = httpx.post(url + "api/articles", timeout=600, files={"file": (name, data)})
    except httpx.HTTPError as exc:
        result.errors.append(f"upload {name}: {type(exc).__name__}: {exc}")
        return []
    result.upload_seconds.append(round(time.monotonic() - started, 2))
    result.upload_windows.append((started, time.monotonic()))
    if response.status_code != 201:
        result.errors.append(f"upload {name}: HTTP {response.status_code}: {response.text[:200]}")
        return []
    return response.json()["report"]["article_ids"]


def warm_up(url: str) -> None:
    """Ask each seed question once (not measured), so the run measures a warm server."""
    import httpx

    for question in SEED_QUESTIONS:
        httpx.post(url + "api/ask", json={"question": question}, timeout=300)


def all_done(result: LoadResult, config: LoadConfig) -> bool:
    """True once every client has made its allowed number of asks."""
    return result.asks >= config.clients * config.asks_per_client


def check_facts(url: str, facts: dict[str, str], sample: int, result: LoadResult) -> None:
    """Ask about a sample of uploaded articles; an answer without the article's number counts as wrong."""
    import httpx

    for name in random.Random(0).sample(sorted(facts), min(sample, len(facts))):
        question = fact_question(name)
        response = httpx.post(url + "api/ask", json={"question": question}, timeout=120)
        if response.status_code != 200:
            result.errors.append(f"{question!r}: HTTP {response.status_code}")
        elif facts[name] not in response.json()["answer"]:
            result.wrong_answers += 1


def article_ids(url: str) -> set[str]:
    """The ids the server lists."""
    import httpx

    return {a["id"] for a in httpx.get(url + "api/articles", timeout=60).json()["articles"]}


def run_load(url: str, config: LoadConfig, server_pid: int | None = None) -> LoadResult:
    """Ask from `clients` threads while uploads are indexed; then check that no article was lost."""
    url = check_loopback(url)
    result, lock = LoadResult(clients=config.clients), threading.Lock()
    before = article_ids(url)
    result.articles_before = len(before)
    if config.warm_up:
        warm_up(url)
    started = time.monotonic()
    deadline = started + config.seconds
    threads = [threading.Thread(target=_client, args=(url, config, deadline, result, lock, n), daemon=True)
               for n in range(config.clients)]
    for thread in threads:
        thread.start()
    _uploads(url, config, started, result)
    for thread in threads:
        thread.join(config.seconds + config.timeout + 10)
    result.seconds = round(time.monotonic() - started, 2)
    after = article_ids(url)
    result.articles_after = len(after)
    result.lost_articles = sorted((before | set(result.uploaded)) - after)
    check_facts(url, result.facts, 5, result)
    result.peak_rss_mb = peak_rss_mb(server_pid) if server_pid else None
    return result


def main(argv: list[str] | None = None) -> int:
    """Run the load test; exit 1 if any ask failed, any answer was wrong or any article was lost."""
    parser = argparse.ArgumentParser(prog="python -m qa.bench load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--seconds", type=float, default=60.0, help="duration limit (default 60)")
    parser.add_argument("--asks", type=int, default=1000, help="ask limit per client (default 1000)")
    parser.add_argument("--uploads", type=int, default=6, help="files uploaded one after another (default 6)")
    parser.add_argument("--upload-articles", type=int, default=24, help="articles per upload (default 24)")
    parser.add_argument("--cold", action="store_true", help="skip the warm-up asks (measure a cold server)")
    parser.add_argument("--url", help="an already running server on a loopback address (default: start one)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    config = LoadConfig(clients=args.clients, seconds=args.seconds, asks_per_client=args.asks,
                        uploads=args.uploads, upload_articles=args.upload_articles, warm_up=not args.cold)
    try:
        if args.url:
            result = run_load(args.url, config)
        else:
            with tempfile.TemporaryDirectory(prefix="newsqa-load-") as tmp, \
                    app_server(Path(tmp) / "index", Path(tmp) / "server.log", 300.0) as (url, pid):
                result = run_load(url, config, server_pid=pid)
    except (ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result.to_dict(), indent=2) if args.json else result.summary())
    return 1 if result.errors or result.wrong_answers or result.lost_articles else 0


if __name__ == "__main__":
    sys.exit(main())
