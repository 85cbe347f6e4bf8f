"""HTTP benchmark suite: the real server against a bare Starlette app, same bytes, same run.

For each database (a `newsdesk bench-data` archive) and each uvicorn worker count, this
starts `newsdesk serve --workers N` and a bare Starlette app (`bench/bare_app.py`) under
the same uvicorn settings, records what the real app answers for each URL and has the
bare app replay those exact bytes. Then, case by case and round by round, it runs wrk on
the app URL and on the bare URL alternately; every figure is app req/s ÷ bare req/s,
the median over rounds. Cases: article GET, 304 with If-None-Match, list page 1, list at
cursor depth 5,000, search, RSS, each with the app started `NEWSDESK_CACHE=on` and again
`NEWSDESK_CACHE=off`; then sequential create + publish latency against a bare POST.
Also: memory (RSS) per worker after the load, and how each figure moves between the
smallest and the largest archive.

    bench/http-bench --make-archives 10000,100000 --workers 1,2 --out bench/RESULTS.md
    bench/http-bench sqlite+aiosqlite:////tmp/b10k.db --workers 1 --rounds 3 --duration 5
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.live

from bare_app import Recorded, request_key, write_fixtures
from http_bench_report import Settings, render
from http_bench_results import (
    CACHE_MODES,
    CASE_LABELS,
    LATENCY_CASE,
    MODES,
    OBSERVED,
    WRK_CASES,
    CaseResult,
    LatencyResult,
    Load,
    RunKey,
    ServerRun,
    WrkRun,
)
from sqlalchemy import make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import create_async_engine

from tests import live

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
NEWSDESK = ROOT / ".venv" / "bin" / "newsdesk"
LUA = BENCH / "wrk_report.lua"
WORD = re.compile(r"[^\W\d_]{5,}")
# Set by the server on every response; the bare app's uvicorn adds its own.
PER_RESPONSE_HEADERS = {"date", "server", "content-length", "transfer-encoding", "connection"}


def log(message: str) -> None:
    print(time.strftime("%H:%M:%S"), message, file=sys.stderr, flush=True)


# Archives --------------------------------------------------------------------------------


def backend_of(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"


def count_articles(url: str) -> int | None:
    """Articles in the database, or None when it (or its schema) does not exist."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        return None

    async def count() -> int | None:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                return int(
                    (await connection.execute(text("SELECT count(*) FROM articles"))).one()[0]
                )
        except (SQLAlchemyError, OSError):
            return None
        finally:
            await engine.dispose()

    return asyncio.run(count())


async def _postgres_admin(server_url: str, *statements: str) -> None:
    engine = create_async_engine(
        make_url(server_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


def reset_database(url: str) -> None:
    """An empty database at `url`: a new SQLite file, or a dropped and created PG database."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = parsed.database
    if not name or not re.fullmatch(r"[a-z0-9_]+", name):
        raise RuntimeError(f"not a bench database name: {name!r}")
    asyncio.run(
        _postgres_admin(
            url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
        )
    )


def newsdesk(url: str, *args: str, capture: bool = False) -> str:
    env = {**os.environ, "NEWSDESK_DATABASE_URL": url}
    done = subprocess.run(
        [str(NEWSDESK), *args],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    return done.stdout or ""


def ensure_archive(url: str, articles: int, seed: int) -> float | None:
    """Make a bench-data archive of `articles` at `url`; reuse one of that size. Seconds."""
    if count_articles(url) == articles:
        log(f"reusing {url} ({articles:,} articles)")
        return None
    log(f"making {url}: migrate + bench-data --articles {articles} --seed {seed}")
    start = time.perf_counter()
    reset_database(url)
    newsdesk(url, "migrate")
    newsdesk(url, "bench-data", "--articles", str(articles), "--seed", str(seed))
    return time.perf_counter() - start


def archive_urls(
    sizes: list[int], backends: list[str], directory: Path, pg: str
) -> list[tuple[int, str]]:
    """Each archive's size and database URL."""
    urls = []
    for size in sizes:
        for backend in backends:
            if backend == "sqlite":
                url = f"sqlite+aiosqlite:///{directory.resolve() / f'bench_{size}.db'}"
            else:
                url = make_url(pg).set(database=f"bench_{size}").render_as_string(False)
            urls.append((size, url))
    return urls


# Servers ---------------------------------------------------------------------------------


def child_pids(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with suppress(OSError):
            children += [int(c) for c in (task / "children").read_text().split()]
    return children


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def worker_pids(process: subprocess.Popen[bytes], workers: int) -> list[int]:
    """The processes serving requests: uvicorn itself with one worker, else its spawned
    children (not multiprocessing's resource tracker)."""
    if workers == 1:
        return [process.pid]
    pids = []
    for pid in child_pids(process.pid):
        with suppress(OSError):
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                pids.append(pid)
    return pids


@dataclass
class Server:
    """A running uvicorn (started by tests/live.py): its name, base URL and workers."""

    name: str
    live: live.Server
    workers: int

    @property
    def base(self) -> str:
        return self.live.base

    def worker_rss_mb(self) -> list[float]:
        return [rss_mb(pid) for pid in worker_pids(self.live.process, self.workers)]


@contextmanager
def running(
    name: str, command: list[str], env: dict[str, str], port: int, workers: int, log_dir: Path
) -> Iterator[Server]:
    def all_workers_up(server: live.Server) -> bool:
        if len(worker_pids(server.process, workers)) != workers:
            return False
        # /healthz reached one worker; give the others their start-up time too.
        time.sleep(2 if workers > 1 else 0.2)
        return True

    log_path = log_dir / f"{name.replace(' ', '_').replace(',', '')}.log"
    try:
        with live.serving(
            command, port=port, env=env, output=log_path, timeout_s=180, ready=all_workers_up,
            cwd=ROOT,
        ) as server:  # fmt: skip
            yield Server(name, server, workers)
    except live.ServerDidNotStart as error:
        raise RuntimeError(f"{name}: {error}") from error


def app_server(
    url: str, workers: int, cache: str, port: int, log_dir: Path
) -> AbstractContextManager[Server]:
    """`newsdesk serve` on `port`: always the same one for an archive and worker count, as
    some responses name it (the RSS feed's self link) and must stay the recorded bytes."""
    observed = cache.endswith(OBSERVED)
    env = {
        **os.environ,
        "NEWSDESK_DATABASE_URL": url,
        "NEWSDESK_CACHE": cache.removesuffix(OBSERVED),
        "NEWSDESK_RATE_LIMIT_PUBLIC": "",  # empty: off (app/config.py)
        "NEWSDESK_RATE_LIMIT_ADMIN": "",
        # Plain: no request log and no metrics, as the bare server; observed: both on, the
        # log as JSON lines into the server's log file.
        "NEWSDESK_LOG_LEVEL": "info" if observed else "warning",
        "NEWSDESK_METRICS": "true" if observed else "false",
        "NEWSDESK_ACCESS_LOG": "true" if observed else "false",
        "NEWSDESK_LOG_FORMAT": "json",
        # This checkout's `app`, whichever tree the virtualenv's editable install names
        # (a second worktree's bench would otherwise serve the first's code).
        "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    command = [str(NEWSDESK), "serve", "--port", str(port), "--workers", str(workers)]
    return running(f"app cache={cache}", command, env, port, workers, log_dir)


def bare_server(fixtures: Path, workers: int, log_dir: Path) -> AbstractContextManager[Server]:
    port = live.free_port()
    command = [
        sys.executable,
        str(BENCH / "bare_app.py"),
        "--fixtures",
        str(fixtures),
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    return running("bare", command, dict(os.environ), port, workers, log_dir)


# What to load: URLs found on the app, responses recorded for the bare app ---------------


@dataclass(frozen=True)
class Target:
    """One URL that wrk loads, with the status every response should have."""

    case: str
    path: str  # path and query, percent-encoded, exactly as sent
    headers: tuple[tuple[str, str], ...] = ()
    expected_status: int = 200


@dataclass
class Plan:
    """The URLs of one archive, their recorded responses, and the create + publish calls."""

    targets: list[Target]
    fixtures: dict[str, Recorded]
    facts: dict[str, str]
    create_body: dict[str, object]
    bare_publish_path: str
    created: list[str] = field(default_factory=list)  # article ids to delete at the end


def _key_of(method: str, path: str) -> str:
    bare_path, _, query = path.partition("?")
    return request_key(method, bare_path, query)


def record(response: httpx.Response, etag: str | None = None) -> Recorded:
    headers = [(k, v) for k, v in response.headers.items() if k.lower() not in PER_RESPONSE_HEADERS]
    return Recorded(response.status_code, headers, response.content, etag)


def fetch(client: httpx.Client, path: str) -> httpx.Response:
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}: {response.text[:300]}")
    return response


def deep_cursor_path(client: httpx.Client, lang: str, depth: int) -> tuple[str, int]:
    """The URL of the 20-item page at offset `depth` (by next_cursor, 100 at a time), or
    the deepest full page when the language has fewer articles; and its offset."""
    offset, cursor, best = 0, None, (f"/v1/{lang}/articles", 0)
    while True:
        limit = min(100, depth - offset) if offset < depth else 20
        query = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        page = fetch(client, f"/v1/{lang}/articles?{urllib.parse.urlencode(query)}").json()
        if cursor and len(page["items"]) >= 20:
            best = (f"/v1/{lang}/articles?{urllib.parse.urlencode({'cursor': cursor})}", offset)
        if offset >= depth or not page["next_cursor"]:
            return best
        offset += len(page["items"])
        cursor = page["next_cursor"]


def search_word(client: httpx.Client, lang: str) -> tuple[str, int]:
    """A frequent-ish word of the archive's newest titles and leads with a full result page."""
    texts = []
    cursor = None
    for _ in range(3):
        query = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        page = fetch(client, f"/v1/{lang}/articles?{urllib.parse.urlencode(query)}").json()
        texts += [f"{item['title']} {item['lead']}" for item in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    ranked = [
        w for w, _ in Counter(w for t in texts for w in WORD.findall(t.lower())).most_common()
    ]
    # Not the very top (names of the week), but among the frequent ones.
    candidates = ranked[5:25] or ranked
    for word in candidates:
        hits = len(fetch(client, search_path(lang, word)).json()["items"])
        if hits >= 20:
            return word, hits
    return candidates[0], len(fetch(client, search_path(lang, candidates[0])).json()["items"])


def search_path(lang: str, word: str) -> str:
    return f"/v1/{lang}/articles?{urllib.parse.urlencode({'q': word})}"


def create_body(title: str, lead: str, body_html: str, lang: str) -> dict[str, object]:
    translation = {"title": title, "lead": lead, "body_html": body_html}
    return {"original_language": lang, "translations": {lang: translation}}


def create_and_publish(
    client: httpx.Client,
    body: dict[str, object],
    lang: str,
) -> tuple[httpx.Response, httpx.Response]:
    created = client.post("/v1/admin/articles", json=body)
    if created.status_code != 201:
        raise RuntimeError(f"create answered {created.status_code}: {created.text[:300]}")
    article_id = created.json()["id"]
    published = client.post(f"/v1/admin/articles/{article_id}/translations/{lang}/publish")
    if published.status_code != 200:
        raise RuntimeError(f"publish answered {published.status_code}: {published.text[:300]}")
    return created, published


def admin_auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@dataclass
class Recorder:
    """Collects the app's responses (for the bare app) and what they were (for the report)."""

    client: httpx.Client
    fixtures: dict[str, Recorded] = field(default_factory=dict)
    facts: dict[str, str] = field(default_factory=dict)

    def add(self, fact: str, path: str, response: httpx.Response, etag: str | None = None) -> None:
        self.fixtures[_key_of("GET", path)] = record(response, etag)
        self.facts[fact] = f"`{path}` ({len(response.content):,} bytes)"

    def get(self, fact: str, path: str) -> httpx.Response:
        response = fetch(self.client, path)
        self.add(fact, path, response)
        return response


def record_posts(admin: httpx.Client, recorder: Recorder, body: dict[str, object],
                 lang: str) -> str:  # fmt: skip
    """One create + publish on the app, recorded for the bare app, then deleted again (the
    archive stays as it was). The path the bare app answers the publish POST on."""
    created, published = create_and_publish(admin, _unique(body, lang, "record"), lang)
    article_id = created.json()["id"]
    publish_path = f"/v1/admin/articles/{article_id}/translations/{lang}/publish"
    recorder.fixtures[_key_of("POST", "/v1/admin/articles")] = record(created)
    recorder.fixtures[_key_of("POST", publish_path)] = record(published)
    size = len(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode())
    recorder.facts["create + publish body"] = f"{size:,} bytes of JSON (the article's text)"
    failures = delete_articles(admin, [article_id])
    if failures:
        raise RuntimeError(f"could not delete the recorded article: {failures}")
    return publish_path


def discover(client: httpx.Client, admin: httpx.Client, lang: str, depth: int) -> Plan:
    """Find the URLs of every case on the app and record its responses for the bare app.

    Public GETs go without credentials (`client`), the create + publish with (`admin`).
    """
    first_path = f"/v1/{lang}/articles"
    article_path = fetch(client, first_path).json()["items"][0]["path"]
    source = fetch(client, article_path).json()
    body = create_body(source["title"], source["lead"], source["body_html"], lang)
    recorder = Recorder(client)
    publish_path = record_posts(admin, recorder, body, lang)

    recorder.get("list page 1", first_path)
    article = fetch(client, article_path)
    etag = article.headers.get("etag")
    if etag is None:  # what the 304 case sends until the app has ETags on public GETs
        etag = f'"bench-{uuid.uuid4().hex[:16]}"'
    recorder.add("article", article_path, article, etag)
    has_etag = "etag" in article.headers
    recorder.facts["article ETag"] = (
        f"`{etag}` (the app's)" if has_etag else "none from the app yet"
    )

    deep_path, deep_offset = deep_cursor_path(client, lang, depth)
    recorder.get("list at depth", deep_path)  # its fact is the depth, below
    recorder.facts["list depth"] = f"{deep_offset:,}"
    if deep_offset < depth:
        recorder.facts["list depth"] += f" (of {depth:,} asked: fewer articles in `{lang}`)"

    word, hits = search_word(client, lang)
    found_path = search_path(lang, word)
    found = recorder.get("search", found_path)
    recorder.facts["search"] = f"`q={word}` ({hits} hits on page 1, {len(found.content):,} bytes)"

    rss_path = f"/v1/{lang}/feed.rss"
    recorder.get("RSS", rss_path)
    targets = [
        Target("article", article_path),
        Target("not_modified", article_path, (("If-None-Match", etag),), 304),
        Target("list_first", first_path),
        Target("list_deep", deep_path),
        Target("search", found_path),
        Target("rss", rss_path),
    ]
    return Plan(targets, recorder.fixtures, recorder.facts, body, publish_path)


def _unique(body: dict[str, object], lang: str, tag: str) -> dict[str, object]:
    """The same article with a title of its own (slugs are unique per language)."""
    translations = body["translations"]
    assert isinstance(translations, dict)
    translation = dict(translations[lang])
    translation["title"] = f"{translation['title']} {tag} {uuid.uuid4().hex[:8]}"
    return {**body, "translations": {lang: translation}}


def changed_responses(client: httpx.Client, plan: Plan) -> list[str]:
    """The recorded GETs this app instance answers with other bytes (e.g. another cache
    mode, or a scheduled article that became public meanwhile)."""
    changed = []
    for target in plan.targets:
        if target.expected_status != 200:
            continue
        response = client.get(target.path)
        if response.content != plan.fixtures[_key_of("GET", target.path)].body:
            changed.append(f"{target.case} ({response.status_code}, {len(response.content):,} B)")
    return changed


# Load ------------------------------------------------------------------------------------


def wrk(base: str, target: Target, load: Load, duration_s: float) -> WrkRun:
    command = [
        "wrk",
        f"-t{load.threads}",
        f"-c{load.connections}",
        f"-d{duration_s:g}s",
        f"--timeout={load.timeout_s:g}s",
        "-s",
        str(LUA),
    ]
    for name, value in target.headers:
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run(
        [*command, base + target.path], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return WrkRun.parse(done.stdout)


def alternate(app: Server, bare: Server, target: Target, load: Load, mode: str) -> CaseResult:
    """Warm both up, then wrk on the app and on the bare URL in turn, ABBA order."""
    result = CaseResult(target.case, mode, target.expected_status)
    for server in (app, bare) if load.warmup_s else ():
        wrk(server.base, target, load, load.warmup_s)
    for round_ in range(load.rounds):
        order = [("app", app), ("bare", bare)]
        for side, server in order if round_ % 2 == 0 else reversed(order):
            run = wrk(server.base, target, load, load.duration_s)
            (result.app if side == "app" else result.bare).append(run)
        log(
            f"    {CASE_LABELS[target.case]:<28} round {round_ + 1}/{load.rounds}: "
            f"app {result.app[-1].rps:9.1f} req/s, bare {result.bare[-1].rps:9.1f} req/s, "
            f"ratio {result.ratios[-1]:.3f}"
        )
    for problem in result.problems():
        log(f"    ! {problem}")
    return result


def create_publish_latency(
    app: Server, bare: Server, plan: Plan, key: str, lang: str, rounds: int, posts: int, mode: str
) -> LatencyResult:
    """Sequential create + publish pairs, alternating with the same two POSTs on bare."""
    result = LatencyResult(mode)
    with (
        httpx.Client(base_url=app.base, headers=admin_auth(key), timeout=60) as on_app,
        httpx.Client(base_url=bare.base, headers=admin_auth(key), timeout=60) as on_bare,
    ):

        def app_pair() -> float:
            body = _unique(plan.create_body, lang, "bench")
            start = time.perf_counter()
            created, _ = create_and_publish(on_app, body, lang)
            elapsed = (time.perf_counter() - start) * 1000
            plan.created.append(created.json()["id"])
            return elapsed

        def bare_pair() -> float:
            body = _unique(plan.create_body, lang, "bench")
            start = time.perf_counter()
            for path, payload in (("/v1/admin/articles", body), (plan.bare_publish_path, None)):
                response = on_bare.post(path, json=payload)
                if response.status_code not in (200, 201):
                    raise RuntimeError(f"bare POST {path} answered {response.status_code}")
            return (time.perf_counter() - start) * 1000

        for _ in range(3):  # warm-up, untimed
            app_pair()
            bare_pair()
        for round_ in range(rounds):
            app_ms: list[float] = []
            bare_ms: list[float] = []
            for i in range(posts):
                if (i + round_) % 2 == 0:
                    app_ms.append(app_pair())
                    bare_ms.append(bare_pair())
                else:
                    bare_ms.append(bare_pair())
                    app_ms.append(app_pair())
            result.app_ms.append(app_ms)
            result.bare_ms.append(bare_ms)
            log(
                f"    {CASE_LABELS[LATENCY_CASE]:<28} round {round_ + 1}/{rounds}: "
                f"app {result.app_ms[-1][len(app_ms) // 2]:.1f} ms, ratio {result.ratios[-1]:.1f}"
            )
    return result


def delete_articles(admin: httpx.Client, ids: list[str]) -> list[str]:
    """Delete articles the bench created (the archive stays as it was); the failures."""
    failures = []
    for article_id in ids:
        response = admin.delete(f"/v1/admin/articles/{article_id}", headers={"If-Match": "*"})
        if response.status_code != 204:
            failures.append(f"{article_id}: {response.status_code}")
    return failures


# One archive, one worker count -----------------------------------------------------------


@dataclass(frozen=True)
class Options:
    load: Load
    modes: tuple[str, ...]
    cases: tuple[str, ...]
    lang: str
    depth: int
    posts: int


def bench_server(
    url: str, articles: int, workers: int, key: str, options: Options, work_dir: Path
) -> ServerRun:
    run = ServerRun(RunKey(backend_of(url), articles, workers))
    log(f"== {run.key.label()}")
    port = live.free_port()
    with (
        app_server(url, workers, options.modes[0], port, work_dir) as app,
        httpx.Client(base_url=app.base, timeout=120) as public,
        httpx.Client(base_url=app.base, timeout=120, headers=admin_auth(key)) as admin,
    ):
        log("  app up; recording its responses")
        plan = discover(public, admin, options.lang, options.depth)
    log(f"  recorded {len(plan.fixtures)} responses; starting the bare app")
    run.facts.update(plan.facts)
    fixtures = work_dir / f"fixtures-{uuid.uuid4().hex[:8]}.json"
    write_fixtures(fixtures, plan.fixtures)
    targets = [t for t in plan.targets if t.case in options.cases]
    with bare_server(fixtures, workers, work_dir) as bare:
        for mode in options.modes:
            log(f"  cache={mode}")
            with app_server(url, workers, mode, port, work_dir) as app:
                measure_mode(run, app, bare, plan, targets, key, options, mode)
        run.rss_mb["bare"] = bare.worker_rss_mb()
    return run


def touch_languages(base: str, workers: int) -> list[str]:
    """A search and a list page in every language, several at once so that each worker
    gets some: a worker's memory counts what serving all languages loads (each search
    analyser has its dictionaries). The languages touched."""
    with httpx.Client(base_url=base, timeout=120) as client:
        codes = [item["code"] for item in client.get("/v1/languages").json()["items"]]
        paths = []
        for code in codes:
            items = client.get(f"/v1/{code}/articles?limit=1").json()["items"]
            words = WORD.findall(items[0]["title"]) if items else []
            paths += [f"/v1/{code}/articles", search_path(code, words[0] if words else "news")]

    async def burst() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=120) as client:
            await asyncio.gather(*(client.get(p) for p in paths * 4 * workers))

    asyncio.run(burst())
    return codes


def slow_note(results: list[CaseResult], duration_s: int) -> str | None:
    """Cases whose app latency is long against the run (each run starts cold)."""
    slow = [r for r in results if r.app_p50_ms * 3 > duration_s * 1000]
    if not slow:
        return None
    listed = ", ".join(f"{CASE_LABELS[r.case]} {r.app_p50_ms / 1000:.1f} s" for r in slow)
    return (
        "the app's median latency is over a third of a run, so the start of each run weighs "
        f"in (a longer --duration evens it out): {listed}"
    )


def measure_mode(
    run: ServerRun,
    app: Server,
    bare: Server,
    plan: Plan,
    targets: list[Target],
    key: str,
    options: Options,
    mode: str,
) -> None:
    with httpx.Client(base_url=app.base, timeout=120) as client:
        changed = changed_responses(client, plan)
    if changed:
        run.notes.append(
            f"cache={mode}: the app answered other bytes than recorded for {', '.join(changed)}"
        )
    for target in targets:
        result = alternate(app, bare, target, options.load, mode)
        run.cases[(target.case, mode)] = result
        run.notes += [f"cache={mode}, {CASE_LABELS[target.case]}: {p}" for p in result.problems()]
    results = [run.cases[(t.case, mode)] for t in targets]
    if note := slow_note(results, options.load.duration_s):
        run.notes.append(f"cache={mode}: {note}")
    if LATENCY_CASE in options.cases:
        try:
            run.latency[mode] = create_publish_latency(
                app, bare, plan, key, options.lang, options.load.rounds, options.posts, mode
            )
        finally:
            with httpx.Client(base_url=app.base, headers=admin_auth(key), timeout=60) as admin:
                failures = delete_articles(admin, plan.created)
            plan.created.clear()
            if failures:
                run.notes.append(f"could not delete bench articles: {', '.join(failures[:5])}")
    languages = touch_languages(app.base, app.workers)
    run.facts["memory measured"] = f"after the load and searches in {', '.join(languages)}"
    rss = run.rss_mb[f"app, cache {mode}"] = app.worker_rss_mb()
    log(f"    RSS per worker: {', '.join(f'{mb:.0f} MB' for mb in rss)}")


# Main ------------------------------------------------------------------------------------


def ensure_wrk() -> None:
    """Install wrk from Debian when it is missing (the bench runs as root there)."""
    if shutil.which("wrk"):
        return
    log("wrk not found: apt-get install -y wrk")
    install = ["apt-get", "install", "-y", "wrk"]
    if subprocess.run(install, check=False).returncode != 0:
        subprocess.run(["apt-get", "update"], check=True)
        subprocess.run(install, check=True)


def csv_ints(value: str) -> list[int]:
    return [int(v.replace("_", "")) for v in value.split(",") if v.strip()]


def csv_words(choices: tuple[str, ...]) -> Callable[[str], tuple[str, ...]]:
    def parse(value: str) -> tuple[str, ...]:
        words = tuple(v.strip() for v in value.split(",") if v.strip())
        unknown = [w for w in words if w not in choices]
        if unknown or not words:
            raise argparse.ArgumentTypeError(f"choose from {', '.join(choices)}")
        return words

    return parse


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("urls", nargs="*", help="database URLs, each with a bench-data archive")
    parser.add_argument(
        "--make-archives",
        type=csv_ints,
        metavar="SIZES",
        help="make or reuse archives of these sizes: 10000,100000",
    )
    parser.add_argument(
        "--backends",
        type=csv_words(("sqlite", "postgresql")),
        default=("sqlite", "postgresql"),
        help="for --make-archives",
    )
    parser.add_argument(
        "--archive-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "newsdesk-bench",
        help="where --make-archives puts SQLite files",
    )
    parser.add_argument(
        "--pg-url",
        default="postgresql+asyncpg://postgres@127.0.0.1:5432",
        help="PostgreSQL server of --make-archives (bench_<size>)",
    )
    parser.add_argument("--seed", type=int, default=1, help="bench-data seed")
    parser.add_argument("--workers", type=csv_ints, default=[1, 2], help="uvicorn workers")
    parser.add_argument("--rounds", type=int, default=3, help="app/bare alternations per case")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument(
        "--warmup", type=int, default=1, help="seconds of warm-up per case, 0: none"
    )
    parser.add_argument("--connections", type=int, default=64, help="wrk -c")
    parser.add_argument("--threads", type=int, default=2, help="wrk -t")
    parser.add_argument("--timeout", type=float, default=30, help="wrk --timeout, seconds")
    parser.add_argument(
        "--cache-modes",
        type=csv_words(MODES),
        default=CACHE_MODES,
        help="NEWSDESK_CACHE values to start the app with; `on+observed`, `off+observed`: "
        "the same with metrics and the JSON request log on (the plain ones: both off)",
    )
    parser.add_argument(
        "--cases",
        type=csv_words((*WRK_CASES, LATENCY_CASE)),
        default=(*WRK_CASES, LATENCY_CASE),
        help="which cases to run",
    )
    parser.add_argument("--lang", default="ua", help="language of the public URLs")
    parser.add_argument("--depth", type=int, default=5000, help="list depth by cursor")
    parser.add_argument("--posts", type=int, default=50, help="create + publish pairs per round")
    parser.add_argument("--out", type=Path, help="write the results (Markdown) here too")
    args = parser.parse_args(argv)
    if not args.urls and not args.make_archives:
        parser.error("give database URLs or --make-archives SIZES")
    if args.rounds < 1 or args.duration < 1 or args.warmup < 0 or args.posts < 1:
        parser.error("--rounds, --duration and --posts must be positive")
    return args


def planned_seconds(args: argparse.Namespace, servers: int) -> float:
    """A rough estimate of the measuring time (archives not included)."""
    wrk_cases = len([c for c in args.cases if c in WRK_CASES])
    per_case = 2 * args.warmup + 2 * args.rounds * (args.duration + 0.3)
    per_mode = wrk_cases * per_case + (15 if LATENCY_CASE in args.cases else 0) + 8
    return float(servers * (len(args.cache_modes) * per_mode + 25))


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    ensure_wrk()
    started = time.time()
    archive_seconds: dict[str, float] = {}
    urls = list(args.urls)
    if args.make_archives:
        made = archive_urls(args.make_archives, list(args.backends), args.archive_dir, args.pg_url)
        for size, url in made:
            seconds = ensure_archive(url, size, args.seed)
            if seconds is not None:
                archive_seconds[url] = seconds
        urls += [url for _, url in made]
    sizes = {}
    for url in urls:
        count = count_articles(url)
        if not count:
            sys.exit(f"{url}: no articles (run `newsdesk migrate` and `newsdesk bench-data`)")
        sizes[url] = count
    log(f"about {planned_seconds(args, len(urls) * len(args.workers)) / 60:.0f} min of measuring")
    options = Options(
        Load(args.duration, args.warmup, args.connections, args.threads, args.timeout, args.rounds),
        tuple(args.cache_modes),
        tuple(args.cases),
        args.lang,
        args.depth,
        args.posts,
    )
    runs = []
    with tempfile.TemporaryDirectory(prefix="http-bench-") as work:
        for url in urls:
            key = newsdesk(
                url, "create-api-key", "--name", "http-bench", "--role", "admin", capture=True
            ).strip()
            for workers in args.workers:
                runs.append(run_guarded(url, sizes[url], workers, key, options, Path(work)))
    settings = Settings(
        urls=urls,
        workers=list(args.workers),
        load=options.load,
        modes=options.modes,
        cases=options.cases,
        lang=options.lang,
        depth=options.depth,
        posts=options.posts,
        archive_seconds=archive_seconds,
        started=started,
        finished=time.time(),
        command=" ".join(["bench/http-bench", *(argv if argv is not None else sys.argv[1:])]),
    )
    markdown = render(runs, settings)
    print(markdown)
    if args.out:
        args.out.write_text(markdown, encoding="utf-8")
        log(f"written to {args.out}")
    if any(r.failed for r in runs):
        sys.exit(1)


def run_guarded(
    url: str, articles: int, workers: int, key: str, options: Options, work_dir: Path
) -> ServerRun:
    """One server configuration; a failure is reported in the results, not hidden."""
    try:
        return bench_server(url, articles, workers, key, options, work_dir)
    except (RuntimeError, OSError, httpx.HTTPError, subprocess.CalledProcessError) as exc:
        log(f"!! {backend_of(url)} {articles} w{workers} failed: {exc}")
        run = ServerRun(RunKey(backend_of(url), articles, workers))
        run.failed = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
        return run


if __name__ == "__main__":
    main()
