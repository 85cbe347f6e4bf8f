"""`GET /metrics` (issue 20, item 1): Prometheus's text format, for administrators (or
anyone with NEWSDESK_METRICS_PUBLIC), counting requests by route template, method and
status whichever layer answered them (the hot lane, the response cache, the routes), with
bounded labels; the cache, purges, rate-limit refusals, search and the pools; and, with
`newsdesk serve --workers 2`, the sum over both workers, scraped from a live server."""

import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from app.auth.service import Role
from app.config import Settings
from app.db import SEARCH_CONNECTIONS
from tests.builders import problem, published_article
from tests.conftest import Credential, make_key, running_app
from tests.live import NEWSDESK, free_port, serving

ARTICLE = "/v1/{lang}/articles/{slug}"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    """Every sample: (name, labels) -> value."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def series(samples: Samples, name: str) -> list[dict[str, str]]:
    return [dict(labels) for (n, labels) in samples if n == name]


async def scrape(client: httpx.AsyncClient, admin: Credential) -> Samples:
    response = await client.get("/metrics", headers=admin.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert response.headers["cache-control"] == "no-store"
    return parse(response.text)


def requests(samples: Samples, route: str, method: str = "GET", status: str = "200") -> float:
    return value(samples, "newsdesk_http_requests_total", route=route, method=method, status=status)


async def test_metrics_need_an_administrator(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    problem(await client.get("/metrics"), 401)
    editor = await make_key(app, Role.editor)
    problem(await client.get("/metrics", headers=editor.headers), 403)
    problem(await client.get("/metrics", headers={"Authorization": "Bearer nope"}), 401)
    samples = await scrape(client, admin)
    assert series(samples, "newsdesk_http_requests_total")  # the refusals above, at least
    assert (
        value(samples, "newsdesk_http_requests_total", route="/metrics", method="GET", status="403")
        >= 1
    )


async def test_metrics_public_when_the_setting_says_so(app: FastAPI, settings: Settings) -> None:
    async with running_app(settings, metrics_public=True) as (_, client):
        response = await client.get("/metrics")
        assert response.status_code == 200
        assert "# TYPE newsdesk_http_request_duration_seconds histogram" in response.text


@pytest.mark.usefixtures("steady_lease")
async def test_requests_are_counted_by_template_whoever_answers(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    article = await published_article(client, admin, "Метрики", "ua")
    slug = article["translations"]["ua"]["slug"]
    before = await scrape(client, admin)
    # The cache serves once its invalidation bus vouches for it (a loaded machine can
    # make a heartbeat late).
    for _ in range(100):
        if app.state.response_cache.bus.fresh():
            break
        await asyncio.sleep(0.05)
    for _ in range(3):  # the hot lane, then the response cache twice
        assert (await client.get(f"/v1/ua/articles/{slug}")).status_code == 200
    assert (await client.head(f"/v1/ua/articles/{slug}")).status_code == 200
    assert (await client.get("/v1/ua/articles/no-such-slug")).status_code == 404
    for n in range(20):  # paths no route has: one series, not twenty
        assert (await client.get(f"/nowhere/{n}")).status_code == 404
    assert (await client.request("BREW", "/v1/languages")).status_code == 405
    after = await scrape(client, admin)

    def grew(route: str, method: str = "GET", status: str = "200") -> float:
        return requests(after, route, method, status) - requests(before, route, method, status)

    assert grew(ARTICLE) == 3
    assert grew(ARTICLE, "HEAD") == 1
    assert grew(ARTICLE, status="404") == 1
    assert grew("unmatched", status="404") == 20
    assert grew("/v1/languages", "other", "405") == 1
    routes = {labels["route"] for labels in series(after, "newsdesk_http_requests_total")}
    assert not any(route.startswith("/nowhere") or slug in route for route in routes), routes
    # The histogram counts the same requests, and every one fell in some bucket.
    labels = {"route": ARTICLE, "method": "GET", "status": "200"}
    count = value(after, "newsdesk_http_request_duration_seconds_count", **labels)
    assert count - value(before, "newsdesk_http_request_duration_seconds_count", **labels) == 3
    assert value(after, "newsdesk_http_request_duration_seconds_bucket", le="+Inf", **labels) == (
        count
    )
    assert value(after, "newsdesk_http_request_duration_seconds_sum", **labels) > 0
    # Two of the three reads came from the cache.
    hits = value(after, "newsdesk_cache_lookups_total", result="hit") - value(
        before, "newsdesk_cache_lookups_total", result="hit"
    )
    assert hits >= 2
    assert value(after, "newsdesk_cache_entries") >= 1
    assert value(after, "newsdesk_cache_bytes") > 0
    assert value(after, "newsdesk_http_requests_in_flight") >= 1  # the scrape itself
    if app.state.db.engine.dialect.name == "postgresql":  # the read lane's own pool
        assert value(after, "newsdesk_db_pool_limit", pool="reads") >= 1
        assert value(after, "newsdesk_db_pool_wait_seconds_count", pool="reads") >= 1


async def test_purges_search_and_pools(
    app: FastAPI, client: httpx.AsyncClient, admin: Credential
) -> None:
    before = await scrape(client, admin)
    article = await published_article(client, admin, "Purge me", "en")  # a write: a purge
    assert (await client.get("/v1/en/articles", params={"q": "purge"})).status_code == 200
    assert (await client.get("/v1/ua/articles", params={"q": "стаття"})).status_code == 200
    after = await scrape(client, admin)
    assert article["id"]
    own = ("newsdesk_cache_purges_applied_total", {"source": "own"})
    assert value(after, own[0], **own[1]) > value(before, own[0], **own[1])
    assert value(after, "newsdesk_cache_purges_published_total") > value(
        before, "newsdesk_cache_purges_published_total"
    )
    for language in ("en", "ua"):
        name = "newsdesk_search_duration_seconds_count"
        assert value(after, name, language=language) - value(before, name, language=language) == 1
    # No delivery worker runs in these apps: the publish's change waits in the outbox.
    assert value(after, "newsdesk_outbox_changes_waiting") >= 1
    assert value(after, "newsdesk_outbox_oldest_change_seconds") >= 0
    assert ("newsdesk_webhook_deliveries_pending", frozenset()) in after
    sessions = value(after, "newsdesk_db_pool_limit", pool="sessions")
    assert sessions >= 1
    # An app made in-process leaves the garbage collector alone (app.ops.heap).
    assert ("newsdesk_gc_frozen_objects", frozenset()) in after
    assert value(after, "newsdesk_gc_frozen_objects") == 0
    assert value(after, "newsdesk_db_pool_wait_seconds_count", pool="sessions") > value(
        before, "newsdesk_db_pool_wait_seconds_count", pool="sessions"
    )
    if app.state.db.engine.dialect.name == "postgresql":  # the search pages' pool, once used
        assert value(after, "newsdesk_db_pool_limit", pool="searches") == SEARCH_CONNECTIONS
        open_ = [value(after, "newsdesk_db_pool_connections", pool="searches", state=state)
                 for state in ("in_use", "idle")]  # fmt: skip
        assert open_[0] == 0 and 1 <= open_[1] <= SEARCH_CONNECTIONS, open_


async def test_rate_limit_refusals_are_counted(app: FastAPI, settings: Settings) -> None:
    async with running_app(settings, rate_limit_public="2/minute", metrics_public=True) as (
        _,
        client,
    ):
        before = parse((await client.get("/metrics")).text)
        statuses = [(await client.get("/v1/languages")).status_code for _ in range(4)]
        assert statuses == [200, 200, 429, 429]
        after = parse((await client.get("/metrics")).text)
    name = "newsdesk_rate_limit_refusals_total"
    assert value(after, name, limit="public") - value(before, name, limit="public") == 2
    assert (
        requests(after, "unmatched", status="429") - requests(before, "unmatched", status="429")
        == 2
    )  # refused before routing: no route answered


# A live server with two workers ------------------------------------------------------------


@pytest.fixture
def two_workers(cli_env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    # The database is migrated already (the harness's copy of the migrated template).
    port = free_port()
    output = tmp_path / "serve.log"
    output.touch()
    env = {**cli_env, "NEWSDESK_METRICS_PUBLIC": "true", "NEWSDESK_LOG_LEVEL": "info"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env["TMPDIR"] = str(tmp_path)  # where serve makes its metrics folder

    def started(_: object) -> bool:
        return output.read_text(errors="replace").count("Application startup complete") >= 2

    with serving(
        [*NEWSDESK, "serve", "--port", str(port), "--workers", "2"],
        port=port, env=env, output=output, ready=started, timeout_s=120,
    ) as server:  # fmt: skip
        yield server.base
    assert not list(tmp_path.glob("newsdesk-metrics-*")), "the metrics folder outlived serve"


def test_two_workers_are_summed(two_workers: str, tmp_path: Path) -> None:
    assert len(list(tmp_path.glob("newsdesk-metrics-*"))) == 1
    route = ("/v1/languages", "GET", "200")

    def scrape_once() -> float:  # a new connection: either worker may answer
        with httpx.Client(base_url=two_workers, timeout=10) as once:
            scraped = once.get("/metrics")
        assert scraped.status_code == 200
        return requests(parse(scraped.text), *route)

    start = scrape_once()
    for _ in range(40):
        with httpx.Client(base_url=two_workers, timeout=10) as once:
            assert once.get("/v1/languages").status_code == 200
    deadline = time.monotonic() + 15  # each worker moves its tallies once a second
    while scrape_once() - start < 40 and time.monotonic() < deadline:
        time.sleep(0.3)
    # Whichever worker answers the scrape, it says both workers' sum.
    assert [scrape_once() - start for _ in range(10)] == [40] * 10
    # Serving workers took what they made at start-up out of the collector's walks.
    with httpx.Client(base_url=two_workers, timeout=10) as once:
        frozen = value(parse(once.get("/metrics").text), "newsdesk_gc_frozen_objects")
    assert frozen > 2 * 50_000


def test_the_frozen_count_is_taken_at_settle_not_at_each_sample() -> None:
    """`gc.get_freeze_count` walks every frozen object (3-8 ms in a worker, on its event
    loop); the sampler asks every second, so `heap.frozen` answers the count of the last
    settle. In a process of its own: settling freezes what the process holds for good."""
    probe = (
        "import gc; from app.ops import heap; heap.settle(); at_settle = heap.frozen(); "
        "kept = [[n] for n in range(50_000)]; gc.freeze(); "
        "print(at_settle > 0, heap.frozen() == at_settle, gc.get_freeze_count() > at_settle)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, check=True)  # fmt: skip
    assert done.stdout.split() == ["True", "True", "True"], done.stdout


async def test_metrics_can_be_switched_off(app: FastAPI, settings: Settings) -> None:
    async with running_app(settings, metrics=False, metrics_public=True) as (_, client):
        problem(await client.get("/metrics"), 404)
        assert (await client.get("/v1/languages")).status_code == 200
    async with running_app(settings, metrics_public=True) as (_, client):
        samples = parse((await client.get("/metrics")).text)
    # The 404 and the read above were not counted (this process's other tests may have
    # counted their own: so only the switched-off app's own route is looked at).
    assert requests(samples, "/metrics", status="404") == 0
