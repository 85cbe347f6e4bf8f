"""Prometheus metrics: what `GET /metrics` says, and how a worker counts cheaply.

Each worker process tallies in plain dictionaries and integers (an update is a dict
operation, ~0.1 µs) and moves its tallies into prometheus_client's metrics once a second
and before each scrape it answers. Updating prometheus_client's own objects per request
costs 2-6 µs with several workers (a lock and a write to a memory-mapped file per value):
on the cached read path, ~60 µs a request, that alone would be a tenth of its rate.

With several workers, `newsdesk serve --workers N` points `PROMETHEUS_MULTIPROC_DIR` at a
fresh folder, prometheus_client's multiprocess mode keeps each worker's values in files
there, and a scrape of any worker adds them all up; so a scrape may miss the last second
of the other workers' requests, never more. Gauges (requests in flight, cache bytes, pool
connections) are sampled at each move and summed over the live workers. Without that
variable (one worker, tests) the values live in the process.

Labels are bounded: a route is its template (`/v1/{lang}/articles/{slug}`), or
`unmatched` for a path no route has; a method outside HTTP's own is `other`.
"""

import asyncio
import bisect
import contextlib
import os
from collections import Counter as Tally
from collections.abc import Callable
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.types import Scope

# Prometheus's text format as every scraper reads it (the names here are plain ASCII, so
# it says the same as 1.0.0).
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
FLUSH_SECONDS = 1.0
UNMATCHED = "unmatched"
# Seconds: from a cached answer (~0.1 ms) to a request given up on.
DURATION_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
)  # fmt: skip

REQUESTS = Counter(
    "newsdesk_http_requests",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
DURATION = Histogram(
    "newsdesk_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by route template, method and status.",
    ["route", "method", "status"],
    buckets=DURATION_BUCKETS,
)
IN_FLIGHT = Gauge(
    "newsdesk_http_requests_in_flight",
    "Requests being answered (sampled each second and at each scrape).",
    multiprocess_mode="livesum",
)
CACHE_LOOKUPS = Counter(
    "newsdesk_cache_lookups",
    "Public GETs the response cache was asked for, by result (hit or miss).",
    ["result"],
)
CACHE_STALE = Counter(
    "newsdesk_cache_stale_served",
    "Cached answers served while the database was down instead of a 503 (stale-if-error).",
)
CACHE_EVICTIONS = Counter(
    "newsdesk_cache_evictions",
    "Responses the cache dropped to stay within NEWSDESK_CACHE_MAX_BYTES.",
)
CACHE_BYTES = Gauge(
    "newsdesk_cache_bytes",
    "Bytes the response cache holds (bodies, headers and bookkeeping), summed over workers.",
    multiprocess_mode="livesum",
)
CACHE_ENTRIES = Gauge(
    "newsdesk_cache_entries",
    "Responses the cache holds, summed over workers.",
    multiprocess_mode="livesum",
)
PURGES_APPLIED = Counter(
    "newsdesk_cache_purges_applied",
    "Purges a worker's cache applied: from its own writes (`own`) or from other workers "
    "through the invalidation bus (`bus`).",
    ["source"],
)
PURGES_PUBLISHED = Counter(
    "newsdesk_cache_purges_published",
    "Purges a worker published on the invalidation bus for the others.",
)
CDN_PURGES = Counter(
    "newsdesk_cdn_purges",
    "Purge requests sent to NEWSDESK_PURGE_URL, by outcome (sent or failed).",
    ["outcome"],
)
RATE_LIMITED = Counter(
    "newsdesk_rate_limit_refusals",
    "Requests refused with 429, by the limit that refused them.",
    ["limit"],
)
SEARCH_DURATION = Histogram(
    "newsdesk_search_duration_seconds",
    "Time a search query took in the database, by language.",
    ["language"],
    buckets=DURATION_BUCKETS,
)
POOL_CONNECTIONS = Gauge(
    "newsdesk_db_pool_connections",
    "Open database connections by pool (`sessions`: the engine's, for writes and the "
    "management API; `reads`: the public read lane's; `searches`: the search pages') and "
    "state (in_use or idle), summed over workers.",
    ["pool", "state"],
    multiprocess_mode="livesum",
)
POOL_LIMIT = Gauge(
    "newsdesk_db_pool_limit",
    "Connections a pool may open at most (overflow included), summed over workers.",
    ["pool"],
    multiprocess_mode="livesum",
)
GC_FROZEN = Gauge(
    "newsdesk_gc_frozen_objects",
    "Objects a serving worker took out of the garbage collector's walks at start-up and as "
    "analysers loaded (app.ops.heap), summed over workers.",
    multiprocess_mode="livesum",
)
# The outbox (issue 17): read from the database at each scrape, the same for every worker.
OUTBOX_CHANGES = Gauge(
    "newsdesk_outbox_changes_waiting",
    "Recorded changes of the public site the delivery worker has not fanned out to the "
    "webhooks yet.",
    multiprocess_mode="mostrecent",
)
OUTBOX_CHANGE_AGE = Gauge(
    "newsdesk_outbox_oldest_change_seconds",
    "Age of the oldest change not fanned out yet (0: none waits): the webhooks' lag.",
    multiprocess_mode="mostrecent",
)
OUTBOX_DELIVERIES = Gauge(
    "newsdesk_webhook_deliveries_pending",
    "Webhook deliveries not yet made (due now or waiting for a retry).",
    multiprocess_mode="mostrecent",
)
OUTBOX_DELIVERY_AGE = Gauge(
    "newsdesk_webhook_oldest_due_delivery_seconds",
    "How long the oldest delivery that is due now has waited since its event (0: none).",
    multiprocess_mode="mostrecent",
)
OUTBOX_PURGES = Gauge(
    "newsdesk_cdn_purges_pending",
    "CDN purges not yet accepted by NEWSDESK_PURGE_URL.",
    multiprocess_mode="mostrecent",
)
# Read replicas (app/replicas.py), named by their place in NEWSDESK_DATABASE_REPLICA_URLS.
REPLICA_READS = Counter(
    "newsdesk_replica_reads_total",
    "Public reads made on a replica, by replica (its place in the setting, from 1).",
    ["replica"],
)
REPLICA_LAG = Gauge(
    "newsdesk_replica_lag_seconds",
    "How far behind the primary a replica is, as time (-1: not measured yet).",
    ["replica"],
    multiprocess_mode="livemax",
)
REPLICA_USABLE = Gauge(
    "newsdesk_replica_usable",
    "1 when a replica answers and lags within NEWSDESK_REPLICA_MAX_LAG_SECONDS, else 0.",
    ["replica"],
    multiprocess_mode="livemin",
)
POOL_WAIT = Histogram(
    "newsdesk_db_pool_wait_seconds",
    "Time a request waited for a database connection, by pool.",
    ["pool"],
    buckets=DURATION_BUCKETS,
)


class _Histograms:
    """Observations of one histogram, tallied per bucket until moved into it."""

    def __init__(self, metric: Histogram, bounds: tuple[float, ...]) -> None:
        self.metric = metric
        self.bounds = bounds
        self.rows: dict[tuple[str, ...], list[float]] = {}  # per bucket, +Inf, then the sum

    def observe(self, labels: tuple[str, ...], value: float) -> None:
        row = self.rows.get(labels)
        if row is None:
            row = self.rows[labels] = [0.0] * (len(self.bounds) + 2)
        row[bisect.bisect_left(self.bounds, value)] += 1  # the first bound >= value
        row[-1] += value

    def move(self) -> list[tuple[tuple[str, ...], float]]:
        """Add the tallies to the metric; (labels, observations) of each row."""
        rows, self.rows = self.rows, {}
        moved = []
        for labels, row in rows.items():
            child: Any = self.metric.labels(*labels) if labels else self.metric
            # prometheus_client keeps a histogram as a value per bucket (not cumulative)
            # and its sum: adding a batch to them is what as many `observe` calls do.
            for index, count in enumerate(row[:-1]):
                if count:
                    child._buckets[index].inc(count)
            child._sum.inc(row[-1])
            moved.append((labels, sum(row[:-1])))
        return moved


class Recorder:
    """One process's tallies, and the gauges sampled when they are moved."""

    def __init__(self) -> None:
        self.requests = _Histograms(DURATION, DURATION_BUCKETS)
        self.searches = _Histograms(SEARCH_DURATION, DURATION_BUCKETS)
        self.pool_waits = _Histograms(POOL_WAIT, DURATION_BUCKETS)
        self.counts: Tally[tuple[Counter, tuple[str, ...]]] = Tally()
        self.in_flight = 0
        self.samplers: list[Callable[[], None]] = []

    def count(self, metric: Counter, *labels: str, amount: int = 1) -> None:
        self.counts[metric, labels] += amount

    def move(self) -> None:
        """Move the tallies into prometheus_client's metrics and sample the gauges."""
        for labels, n in self.requests.move():
            REQUESTS.labels(*labels).inc(n)
        self.searches.move()
        self.pool_waits.move()
        counts, self.counts = self.counts, Tally()
        for (metric, labels), n in counts.items():
            (metric.labels(*labels) if labels else metric).inc(n)
        IN_FLIGHT.set(self.in_flight)
        for sample in list(self.samplers):
            sample()

    async def move_every(self, seconds: float = FLUSH_SECONDS) -> None:
        while True:
            await asyncio.sleep(seconds)
            self.move()


RECORDER = Recorder()


def count(metric: Counter, *labels: str, amount: int = 1) -> None:
    RECORDER.count(metric, *labels, amount=amount)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def exposition() -> bytes:
    """The metrics of every worker, in Prometheus's text format (this one's up to now)."""
    RECORDER.move()
    if multiprocess_dir() is None:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


def process_ended() -> None:
    """A worker stopping: its gauges leave the live workers' sums."""
    RECORDER.move()
    if multiprocess_dir() is not None:
        with contextlib.suppress(OSError):
            multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def note_route(scope: Scope, template: str) -> None:
    """Name the route template of a request answered before routing."""
    scope.setdefault("state", {})["route"] = template


def route_of(scope: Scope) -> str:
    state = scope.get("state") or {}
    named = state.get("route")
    if named is not None:
        return str(named)
    route = scope.get("route")  # set by Starlette's router on the scope it routed
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED
