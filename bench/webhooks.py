"""Webhooks (issue 17): how fast changes reach a subscriber, and what the outbox costs a
publish.

    bench/webhooks --out bench/WEBHOOK-RESULTS.md                 # SQLite, a few minutes
    bench/webhooks --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
    bench/webhooks --database-url postgresql+asyncpg://...        # a database used as it is

Each backend gets one real `newsdesk serve` (one worker process; its delivery worker in
process, `NEWSDESK_WORKER_POLL_SECONDS` as set by `--poll-seconds`, the default unless
given), with `NEWSDESK_WEBHOOK_ALLOW_HOSTS=127.0.0.1`, the rate limits off, and a real
receiver (`tests/webhooks/receiver.py`, threads in this process) answering 200 at once.
The drafts are made through the admin API before each part, untimed; each published
article is one `article.published` event.

1. Throughput: `--articles` drafts published by `--clients` concurrent clients as fast as
   the API takes them, with 1 subscription, then (fresh drafts) with 5; deliveries/s is
   (deliveries - 1) / (last arrival - first arrival) at the receiver.
1b. Backlog drain: the same with the worker not in the serving process
   (`NEWSDESK_WORKER_IN_PROCESS=false`, a server of its own on the same database): the
   `--articles` events are queued first, then `newsdesk worker` is started; deliveries/s over
   its first to last arrival is what the worker alone sends (no publishing beside it).
2. Latency publish -> delivery: `--spaced` publishes `--gap-ms` apart (the queue is empty
   each time) with one subscription: receiver arrival minus the moment the publish
   response was read, per event; median, p95, p99.
3. The outbox's cost to a publish: the response time of publishes of fresh drafts with no
   subscription and with one, in alternating blocks (ABBA, `--block` publishes each; a
   subscription is created before its block and deleted once its deliveries arrived), in
   the same server; median and p99 of each and their ratio (with / without). Measured
   spaced (part 2's publishes and as many without a subscription) and back to back (one
   client, the next publish sent as soon as the previous one answered, so the worker's
   turns run beside it).

Every delivery is checked with `standardwebhooks` against its subscription's secret; the
duplicates (same `webhook-id` twice) are counted.
"""

import argparse
import asyncio
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url
from standardwebhooks.webhooks import Webhook as Verifier

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # app, tests.live, tests.webhooks.receiver

from tests import live  # noqa: E402
from tests.webhooks.receiver import Receiver, receiving  # noqa: E402

LANG = "ua"
EVENTS = ["article.published"]


def log(message: str) -> None:
    print(time.strftime("%H:%M:%S"), message, file=sys.stderr, flush=True)


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(math.ceil(p / 100 * len(ordered)) - 1, 0)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


# The server and its API -------------------------------------------------------------------


def newsdesk(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*live.NEWSDESK, *args], cwd=ROOT, env=env, check=True, text=True,
                          stdout=subprocess.PIPE)  # fmt: skip
    return done.stdout


@dataclass
class Api:
    base: str
    headers: dict[str, str]
    receiver: Receiver
    secrets: dict[str, str] = field(default_factory=dict)  # receiver path -> whsec_

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base, headers=self.headers, timeout=60)

    async def drafts(self, client: httpx.AsyncClient, count: int, tag: str) -> list[str]:
        ids = []
        for n in range(count):
            body = {
                "original_language": LANG,
                "translations": {
                    LANG: {"title": f"Вебхук {tag} {n}", "lead": "Лід.", "body_html": "<p>Т.</p>"}
                },
            }
            made = await client.post("/v1/admin/articles", json=body)
            assert made.status_code == 201, made.text
            ids.append(made.json()["id"])
        return ids

    async def publish(self, client: httpx.AsyncClient, article_id: str) -> tuple[float, float]:
        """The publish's response time and when its response was read (time.time())."""
        start = time.perf_counter()
        done = await client.post(f"/v1/admin/articles/{article_id}/translations/{LANG}/publish",
                                 json={})  # fmt: skip
        elapsed = time.perf_counter() - start
        assert done.status_code == 200, done.text
        return elapsed, time.time()

    async def subscribe(self, client: httpx.AsyncClient, path: str) -> str:
        made = await client.post(
            "/v1/admin/webhooks", json={"url": self.receiver.url(path), "events": EVENTS}
        )
        assert made.status_code == 201, made.text
        self.secrets[path] = made.json()["secret"]
        return str(made.json()["id"])

    async def unsubscribe(self, client: httpx.AsyncClient, hook_id: str) -> None:
        gone = await client.delete(f"/v1/admin/webhooks/{hook_id}")
        assert gone.status_code == 204, gone.text


@dataclass
class Arrivals:
    """What one receiver path got: arrival time per article id; signature and
    duplicate checks."""

    at: dict[str, float]
    count: int
    duplicates: int
    bad_signatures: int


def arrivals(api: Api, path: str, expected: int, timeout: float = 120) -> Arrivals:
    got = api.receiver.wait_for(expected, timeout=timeout, path=path)
    got = [r for r in got if r.path == path]
    verifier = Verifier(api.secrets[path])
    at: dict[str, float] = {}
    ids: set[str] = set()
    duplicates = bad = 0
    for r in got:
        try:
            verifier.verify(r.body, r.headers)
        except Exception:  # counted and reported
            bad += 1
        if r.headers["webhook-id"] in ids:
            duplicates += 1
        ids.add(r.headers["webhook-id"])
        at.setdefault(json.loads(r.body)["data"]["article_id"], r.at)
    return Arrivals(at, len(got), duplicates, bad)


# 1. Throughput ----------------------------------------------------------------------------


@dataclass
class Throughput:
    subscribers: int
    articles: int
    deliveries: int
    publish_s: float  # first publish sent .. last publish answered
    window_s: float  # first arrival .. last arrival
    drain_s: float  # last publish answered .. last arrival
    duplicates: int = 0
    bad_signatures: int = 0

    @property
    def per_s(self) -> float:
        return (self.deliveries - 1) / self.window_s if self.window_s > 0 else float("nan")

    @property
    def publishes_per_s(self) -> float:
        return self.articles / self.publish_s


async def throughput(api: Api, subscribers: int, articles: int, clients: int) -> Throughput:
    async with api.client() as client:
        ids = await api.drafts(client, articles, f"t{subscribers}-{uuid.uuid4().hex[:6]}")
        paths = [f"/ok?part=throughput{subscribers}&sub={n}" for n in range(subscribers)]
        hooks = [await api.subscribe(client, path) for path in paths]
        queue: asyncio.Queue[str] = asyncio.Queue()
        for article_id in ids:
            queue.put_nowait(article_id)
        answered: list[float] = []

        async def publisher() -> None:
            async with api.client() as own:
                while not queue.empty():
                    answered.append((await api.publish(own, queue.get_nowait()))[1])

        started = time.time()
        await asyncio.gather(*(publisher() for _ in range(clients)))
        got = [await asyncio.to_thread(arrivals, api, path, articles) for path in paths]
        for hook in hooks:
            await api.unsubscribe(client, hook)
    times = [t for a in got for t in a.at.values()]
    return Throughput(
        subscribers=subscribers,
        articles=articles,
        deliveries=sum(a.count for a in got),
        publish_s=max(answered) - started,
        window_s=max(times) - min(times),
        drain_s=max(times) - max(answered),
        duplicates=sum(a.duplicates for a in got),
        bad_signatures=sum(a.bad_signatures for a in got),
    )


@dataclass
class Backlog:
    subscribers: int
    deliveries: int
    window_s: float  # first arrival .. last arrival
    total_s: float  # `newsdesk worker` started .. last arrival
    duplicates: int = 0
    bad_signatures: int = 0

    @property
    def per_s(self) -> float:
        return (self.deliveries - 1) / self.window_s if self.window_s > 0 else float("nan")


async def backlog(
    api: Api, env: dict[str, str], subscribers: int, articles: int, clients: int
) -> Backlog:
    """Queue `articles` events (no worker running), then start `newsdesk worker`."""
    async with api.client() as client:
        ids = await api.drafts(client, articles, f"b{subscribers}-{uuid.uuid4().hex[:6]}")
        paths = [f"/ok?part=backlog{subscribers}&sub={n}" for n in range(subscribers)]
        hooks = [await api.subscribe(client, path) for path in paths]
        queue: asyncio.Queue[str] = asyncio.Queue()
        for article_id in ids:
            queue.put_nowait(article_id)

        async def publisher() -> None:
            async with api.client() as own:
                while not queue.empty():
                    await api.publish(own, queue.get_nowait())

        await asyncio.gather(*(publisher() for _ in range(clients)))
        await asyncio.sleep(0.5)
        assert not [r for r in api.receiver.seen if r.path in paths], "a worker ran early"
        started = time.time()
        worker = await asyncio.create_subprocess_exec(
            *live.NEWSDESK, "worker", cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        try:
            got = [await asyncio.to_thread(arrivals, api, path, articles) for path in paths]
        finally:
            worker.terminate()
            await asyncio.wait_for(worker.wait(), 30)
        for hook in hooks:
            await api.unsubscribe(client, hook)
    times = [t for a in got for t in a.at.values()]
    return Backlog(
        subscribers=subscribers,
        deliveries=sum(a.count for a in got),
        window_s=max(times) - min(times),
        total_s=max(times) - started,
        duplicates=sum(a.duplicates for a in got),
        bad_signatures=sum(a.bad_signatures for a in got),
    )


# 2 and 3. Latency, and the cost to a publish ----------------------------------------------


@dataclass
class Blocks:
    mode: str  # "spaced" or "back to back"
    without: list[float] = field(default_factory=list)  # publish response times, s
    with_one: list[float] = field(default_factory=list)
    delivery: list[float] = field(default_factory=list)  # publish answered -> arrival, s
    duplicates: int = 0
    bad_signatures: int = 0

    @property
    def ratio_median(self) -> float:
        return statistics.median(self.with_one) / statistics.median(self.without)

    @property
    def ratio_p99(self) -> float:
        return pct(self.with_one, 99) / pct(self.without, 99)


async def blocks(api: Api, mode: str, per_side: int, block: int, gap_s: float) -> Blocks:
    """ABBA blocks of `block` publishes: A without a subscription, B with one."""
    result = Blocks(mode)
    order = "ABBA" * math.ceil(per_side / block / 2)
    async with api.client() as client:
        for n, side in enumerate(order):
            ids = await api.drafts(client, block, f"{mode[0]}{n}-{uuid.uuid4().hex[:6]}")
            path = f"/ok?part={mode.replace(' ', '-')}&block={n}"
            hook = await api.subscribe(client, path) if side == "B" else None
            await asyncio.sleep(0.2)  # the worker idle again: the drafts recorded nothing
            answered: dict[str, float] = {}
            for article_id in ids:
                elapsed, at = await api.publish(client, article_id)
                answered[article_id] = at
                (result.with_one if side == "B" else result.without).append(elapsed)
                if gap_s:
                    await asyncio.sleep(gap_s)
            if hook is None:
                continue
            got = await asyncio.to_thread(arrivals, api, path, block)
            result.delivery += [got.at[a] - answered[a] for a in ids]
            result.duplicates += got.duplicates
            result.bad_signatures += got.bad_signatures
            await api.unsubscribe(client, hook)
    return result


# A run on one database ---------------------------------------------------------------------


@dataclass
class Run:
    backend: str
    poll: str
    throughputs: list[Throughput] = field(default_factory=list)
    backlogs: list[Backlog] = field(default_factory=list)
    spaced: Blocks | None = None
    back_to_back: Blocks | None = None
    failed: str | None = None


async def measure(api: Api, args: argparse.Namespace, run: Run) -> None:
    async with api.client() as client:  # warm: routes, auth, the database
        for article_id in await api.drafts(client, 5, f"warm-{uuid.uuid4().hex[:6]}"):
            await api.publish(client, article_id)
    for subscribers in (1, 5):
        log(f"  1. throughput: {args.articles} publishes, {subscribers} subscription(s)")
        run.throughputs.append(await throughput(api, subscribers, args.articles, args.clients))
        log(f"     {run.throughputs[-1].per_s:.1f} deliveries/s")
    log(f"  2/3. spaced publishes ({args.gap_ms} ms apart), {args.spaced} per side")
    run.spaced = await blocks(api, "spaced", args.spaced, args.block, args.gap_ms / 1000)
    log(f"  3. back-to-back publishes, {args.spaced} per side")
    run.back_to_back = await blocks(api, "back to back", args.spaced, args.block, 0)


async def measure_backlogs(api: Api, env: dict[str, str], args: argparse.Namespace,
                           run: Run) -> None:  # fmt: skip
    for subscribers in (1, 5):
        log(f"  1b. backlog: {args.articles} events queued, {subscribers} subscription(s)")
        run.backlogs.append(await backlog(api, env, subscribers, args.articles, args.clients))
        log(f"     {run.backlogs[-1].per_s:.1f} deliveries/s")


@contextmanager
def server_for(
    database_url: str, work: Path, poll: float | None, *, in_process: bool = True
) -> Iterator[tuple[Api, dict[str, str]]]:
    work.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),  # this checkout's app, not the one the venv was installed from
        "NEWSDESK_DATABASE_URL": database_url,
        "NEWSDESK_MEDIA_DIR": str(work / "media"),
        "NEWSDESK_SECRET_KEY_FILE": str(work / "newsdesk-secret"),
        "NEWSDESK_WEBHOOK_ALLOW_HOSTS": "127.0.0.1",
        "NEWSDESK_LOG_LEVEL": "warning",
        "NEWSDESK_RATE_LIMIT_PUBLIC": "",
        "NEWSDESK_RATE_LIMIT_ADMIN": "",
    }
    env.pop("NEWSDESK_WORKER_POLL_SECONDS", None)
    env.pop("NEWSDESK_WORKER_IN_PROCESS", None)
    if poll is not None:
        env["NEWSDESK_WORKER_POLL_SECONDS"] = str(poll)
    if not in_process:
        env["NEWSDESK_WORKER_IN_PROCESS"] = "false"
    newsdesk(env, "migrate")
    key = newsdesk(env, "create-api-key", "--name", "webhook-bench", "--role", "admin").strip()
    with receiving() as receiver, live.newsdesk_serve(env, output=work / "server.log") as srv:
        yield Api(srv.base, {"Authorization": f"Bearer {key}"}, receiver), env


async def _scratch(server: str, name: str, *, drop: bool) -> None:
    url = make_url(server).set(drivername="postgresql", database="postgres")
    connection = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if not drop:
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


def bench(label: str, url: str, work: Path, args: argparse.Namespace) -> Run:
    poll = "default (0.5 s)" if args.poll_seconds is None else f"{args.poll_seconds:g} s"
    run = Run(label, poll)
    log(f"{label}: newsdesk serve, worker poll {poll}")
    try:
        if not args.no_backlog:
            with server_for(url, work, args.poll_seconds, in_process=False) as (api, env):
                asyncio.run(measure_backlogs(api, env, args, run))
        with server_for(url, work, args.poll_seconds) as (api, _):
            asyncio.run(measure(api, args, run))
    except (AssertionError, RuntimeError, OSError, httpx.HTTPError,
            subprocess.CalledProcessError, live.ServerDidNotStart) as exc:  # fmt: skip
        log(f"!! {label} failed: {exc}")
        run.failed = (str(exc).splitlines() or [type(exc).__name__])[0][:300]
        log((work / "server.log").read_text(errors="replace")[-3000:])
    return run


# Report ------------------------------------------------------------------------------------


def render(runs: list[Run], facts: dict[str, str], command: str, args: argparse.Namespace) -> str:
    out = ["# Webhook benchmark (issue 17)", "", f"Command: `{command}`", ""]
    out += [f"- {k}: {v}" for k, v in facts.items()] + [""]
    out += [
        "One real `newsdesk serve` per backend (one uvicorn worker; the delivery worker runs "
        "in that process and is woken by each commit that recorded a change, else polls), "
        "a receiver in this process (threads, answers 200 at once), the publishing "
        "clients in this process too: all on the same 2 cores, so each figure includes "
        "the receiver's and the clients' own CPU. Every delivery was verified with "
        "`standardwebhooks`.",
        "",
    ]
    for run in runs:
        out += [f"## {run.backend}", "", f"Worker poll: {run.poll}.", ""]
        if run.failed:
            out += [f"**Failed:** {run.failed}", ""]
        if run.throughputs:
            out += [
                "### 1. Throughput",
                "",
                f"{args.articles} drafts published by {args.clients} concurrent clients as "
                "fast as the API answers. *deliveries/s* = (deliveries − 1) ÷ (last arrival − "
                "first arrival), across all subscriptions; the deliveries run while the "
                "publishes still come in, so both share the CPU and the database. *drain* = "
                "last arrival − last publish answered (how far the worker lagged). A drain "
                "near 0 means the worker kept up: the figure is then the publish rate, not "
                "the worker's limit (1b is).",
                "",
                "| subscriptions | publishes/s | deliveries | deliveries/s | window | drain "
                "| duplicates | bad signatures |",
                "|---|---|---|---|---|---|---|---|",
            ]
            for t in run.throughputs:
                out.append(
                    f"| {t.subscribers} | {t.publishes_per_s:.1f} | {t.deliveries} "
                    f"| **{t.per_s:.1f}** | {t.window_s:.2f} s | {t.drain_s:.2f} s "
                    f"| {t.duplicates} | {t.bad_signatures} |"
                )
            if len(run.throughputs) == 2:
                one, five = run.throughputs
                out += ["", f"5 subscriptions ÷ 1: {five.per_s / one.per_s:.2f}× the deliveries/s."]
            out.append("")
        if run.backlogs:
            out += [
                "### 1b. Backlog drain (the worker alone)",
                "",
                f"{args.articles} events queued with the worker off (a server with "
                "`NEWSDESK_WORKER_IN_PROCESS=false` on the same database), then `newsdesk "
                "worker` started: *deliveries/s* over its first to last arrival, with nothing "
                "else writing; *total* = worker process started → last arrival (its start-up, "
                "its fan-out and the sends).",
                "",
                "| subscriptions | deliveries | deliveries/s | window | total "
                "| duplicates | bad signatures |",
                "|---|---|---|---|---|---|---|",
            ]
            for q in run.backlogs:
                out.append(
                    f"| {q.subscribers} | {q.deliveries} | **{q.per_s:.1f}** | {q.window_s:.2f} s "
                    f"| {q.total_s:.2f} s | {q.duplicates} | {q.bad_signatures} |"
                )
            out.append("")
        if run.spaced and run.spaced.delivery:
            d = run.spaced.delivery
            out += [
                "### 2. Latency publish → delivery",
                "",
                f"{len(d)} publishes {args.gap_ms} ms apart with one subscription (nothing "
                "queued): the receiver's arrival time minus the moment the publish response "
                "was read (same clock, same process).",
                "",
                "| median | p95 | p99 | max |",
                "|---|---|---|---|",
                f"| **{ms(statistics.median(d))}** | {ms(pct(d, 95))} | {ms(pct(d, 99))} "
                f"| {ms(max(d))} |",
                "",
            ]
        measured = [b for b in (run.spaced, run.back_to_back) if b and b.without and b.with_one]
        if measured:
            out += [
                "### 3. The outbox's cost to a publish",
                "",
                "Response time of `POST …/publish` (one client) of fresh drafts, with no "
                "subscription (A) and with one (B), in alternating blocks of "
                f"{args.block} (ABBA) in the same server. Either way the change is recorded "
                "in the change log at commit and the worker wakes and moves its position; "
                "B adds the delivery rows, the sending and the outcome written, which run "
                "beside the next publish. *spaced*: part 2's publishes, "
                f"{args.gap_ms} ms apart, so the worker's turn has finished before the "
                "next; *back to back*: each publish sent as soon as the previous answered.",
                "",
                "| publishes | n per side | median without | median with | ratio "
                "| p99 without | p99 with | ratio |",
                "|---|---|---|---|---|---|---|---|",
            ]
            for b in measured:
                out.append(
                    f"| {b.mode} | {len(b.with_one)} | {ms(statistics.median(b.without))} "
                    f"| {ms(statistics.median(b.with_one))} | **{b.ratio_median:.2f}** "
                    f"| {ms(pct(b.without, 99))} | {ms(pct(b.with_one, 99))} "
                    f"| {b.ratio_p99:.2f} |"
                )
            extra = [b for b in measured if b.duplicates or b.bad_signatures]
            for b in extra:
                out.append(f"\n{b.mode}: {b.duplicates} duplicates, "
                           f"{b.bad_signatures} bad signatures.")  # fmt: skip
            out.append("")
    out += [
        "## Limits",
        "",
        "- One run on a shared 2-core machine; the ratios compare figures taken in the same "
        "run and server, the absolute figures move with the machine's load.",
        *busy(facts),
        "- The receiver answers at once over loopback: real subscribers are slower, and "
        "since each subscription's deliveries are sent in order, one at a time, a slow "
        "subscriber lowers its own deliveries/s (not the others', up to 16 at once).",
        "- p99 over about a hundred samples is the one or two slowest: read it as an order "
        "of magnitude.",
        "- One serving process; with several, the worker runs in the one holding the job "
        "lock and is woken only by that process's commits (others wait for its poll).",
        "",
    ]
    return "\n".join(out)


def busy(facts: dict[str, str]) -> list[str]:
    """A warning when other work shared the machine (load average above the cores)."""
    loads = [facts.get(f"load average at the {when}", "") for when in ("start", "end")]
    with suppress(ValueError):
        if max(float(v) for v in loads) > (os.cpu_count() or 1):
            return [
                f"- Load average {' → '.join(loads)} on {os.cpu_count()} cores: other work "
                "shared the machine during this run: its rates are lower and its times "
                "(the p99s above all) longer than the machine alone would give."
            ]
    return []


def load_average() -> str:
    with suppress(OSError):
        return Path("/proc/loadavg").read_text().split()[0]
    return "unknown"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--articles", type=int, default=300, help="1: publishes per run")
    parser.add_argument("--clients", type=int, default=4, help="1: concurrent publishers")
    parser.add_argument("--spaced", type=int, default=100,
                        help="2, 3: publishes per side (with / without)")  # fmt: skip
    parser.add_argument("--gap-ms", type=int, default=50, help="2: between spaced publishes")
    parser.add_argument("--block", type=int, default=10, help="3: publishes per ABBA block")
    parser.add_argument(
        "--poll-seconds",
        type=float,
        help="the server's NEWSDESK_WORKER_POLL_SECONDS (unset: default)",
    )
    parser.add_argument("--database-url", help="a database to use as it is, instead of SQLite")
    parser.add_argument("--postgres", help="a PostgreSQL server URL: also a scratch database")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite run")
    parser.add_argument("--no-backlog", action="store_true", help="skip 1b")
    parser.add_argument("--out", type=Path, help="write the results (Markdown) here too")
    args = parser.parse_args(argv)
    if min(args.articles, args.clients, args.spaced, args.block) < 2:
        parser.error("--articles, --clients, --spaced and --block must be at least 2")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.time()
    facts = {"machine": f"{os.cpu_count()} cores", "load average at the start": load_average()}
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="webhook-bench-") as tmp:
        work = Path(tmp)
        if args.database_url:
            label = make_url(args.database_url).get_backend_name()
            runs.append(bench(f"{label} (given database)", args.database_url, work / "db", args))
        elif not args.no_sqlite:
            url = f"sqlite+aiosqlite:///{work / 'sqlite' / 'bench.db'}"
            runs.append(bench("SQLite", url, work / "sqlite", args))
        if args.postgres:
            name = f"newsdesk_bench_webhooks_{uuid.uuid4().hex[:8]}"
            asyncio.run(_scratch(args.postgres, name, drop=False))
            url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
            try:
                runs.append(bench("PostgreSQL", url, work / "pg", args))
            finally:
                asyncio.run(_scratch(args.postgres, name, drop=True))
    facts["load average at the end"] = load_average()
    facts["took"] = f"{(time.time() - started) / 60:.1f} min"
    command = " ".join(["bench/webhooks", *(argv if argv is not None else sys.argv[1:])])
    markdown = render(runs, facts, command, args)
    print(markdown)
    if args.out:
        args.out.write_text(markdown + "\n", encoding="utf-8")
        log(f"written to {args.out}")


if __name__ == "__main__":
    main()
