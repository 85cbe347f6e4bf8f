"""`newsdesk serve` as a real process: which client address it believes, and what it does
with slow, idle, oversized and too many connections (raw sockets, no client library)."""

import contextlib
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from app.search.analysis import ARCHIVE_CACHES, CACHES
from tests.conftest import NEWSDESK, live_server

BAD_LOGIN = {"username": "olena@newsroom.example", "password": "not the password"}


def _logins(base: str, forwarded_for: list[str]) -> list[int]:
    with httpx.Client(base_url=base, timeout=10) as http:
        return [
            http.post(
                "/v1/auth/token", data=BAD_LOGIN, headers={"X-Forwarded-For": address}
            ).status_code
            for address in forwarded_for
        ]


def _without_proxies(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k not in ("NEWSDESK_TRUSTED_PROXIES",
                                                       "FORWARDED_ALLOW_IPS")}  # fmt: skip


def _probe(code: str, timeout: int = 60) -> subprocess.CompletedProcess[str]:
    """`code` run by a fresh interpreter (what a worker imports, holds or loads), which must
    succeed; its output is the answer."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=timeout, check=True)  # fmt: skip


def test_x_forwarded_for_is_believed_only_from_a_named_proxy(cli_env: dict[str, str]) -> None:
    env = {**_without_proxies(cli_env), "NEWSDESK_RATE_LIMIT_LOGIN": "2/minute"}
    # By default every local client could pick its own address: 40 bad logins, no refusal.
    with live_server(env) as base:
        assert _logins(base, [f"10.0.0.{i}" for i in range(4)]) == [401, 401, 429, 429]
    with live_server({**env, "NEWSDESK_TRUSTED_PROXIES": "127.0.0.1, ::1"}) as base:
        assert _logins(base, [f"10.0.0.{i}" for i in range(4)]) == [401] * 4
        # The forwarded address is the one counted.
        assert _logins(base, ["10.0.0.9"] * 3) == [401, 401, 429]


def test_an_invalid_trusted_proxy_stops_serve_from_starting(cli_env: dict[str, str]) -> None:
    done = subprocess.run(
        [*NEWSDESK, "serve", "--port", "1"],
        env={**cli_env, "NEWSDESK_TRUSTED_PROXIES": "proxy.internal"},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode != 0
    assert "proxy.internal" in done.stderr and "not an IP address" in done.stderr


def _connect(base: str) -> socket.socket:
    url = urlsplit(base)
    return socket.create_connection((url.hostname or "127.0.0.1", url.port or 80), timeout=10)


def _read_until_closed(sock: socket.socket) -> tuple[bytes, float, bool]:
    """Everything the server sends until it closes; how long that took; whether it reset."""
    started, data = time.monotonic(), b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        return data, time.monotonic() - started, True
    finally:
        sock.close()
    return data, time.monotonic() - started, False


def _status(sock: socket.socket) -> int:
    """The status of one whole response on a kept-alive connection (read to its end)."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    fields = dict(line.lower().split(": ", 1) for line in lines[1:])
    while len(body) < int(fields.get("content-length", "0")):
        body += sock.recv(65536)
    return int(lines[0].split()[1])


HEALTH = b"GET /healthz HTTP/1.1\r\nHost: newsdesk\r\n\r\n"


def test_serve_bounds_slow_idle_large_and_concurrent_requests(cli_env: dict[str, str]) -> None:
    env = {**cli_env, "NEWSDESK_SERVER_HEADER_TIMEOUT": "1", "NEWSDESK_SERVER_BODY_TIMEOUT": "1",
           "NEWSDESK_SERVER_LIMIT_CONCURRENCY": "3"}  # fmt: skip
    with live_server(env) as base:
        # A normal client is served, twice on one connection.
        with _connect(base) as sock:
            for _ in range(2):
                sock.sendall(HEALTH)
                assert _status(sock) == 200

        # Headers over the limit (16 KiB): 431, problem+json, closed. Before: accepted.
        sock = _connect(base)
        sock.sendall(HEALTH[:-2] + b"X-Padding: " + b"a" * 20_000 + b"\r\n\r\n")
        data, _, _ = _read_until_closed(sock)
        assert data.startswith(b"HTTP/1.1 431 "), data[:80]
        assert b"content-type: application/problem+json" in data
        assert b"connection: close" in data
        # 1 MB of headers: refused as soon as the limit is passed, not read to the end
        # (the unread rest may make the close a reset, which can swallow the 431).
        sock = _connect(base)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(HEALTH[:-2] + b"X-Padding: " + b"a" * 1_000_000 + b"\r\n\r\n")
        data, _, reset = _read_until_closed(sock)
        assert data.startswith(b"HTTP/1.1 431 ") or reset, data[:80]

        # An idle connection is closed after the head timeout, with nothing sent.
        data, waited, _ = _read_until_closed(_connect(base))
        assert data == b"" and 0.5 <= waited < 5, waited
        # A head that never ends: 408, then closed. Before: kept open for ever. (A server
        # loop stalled past the deadline may close before it has read the bytes: no 408.)
        sock = _connect(base)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: newsdesk\r\n")
        data, waited, _ = _read_until_closed(sock)
        assert data == b"" or data.startswith(b"HTTP/1.1 408 "), data[:80]
        assert waited < 5, waited
        # A head dribbled a byte at a time (slowloris) is cut off at the deadline, although
        # bytes keep coming.
        sock, started, sent = _connect(base), time.monotonic(), 0
        try:
            for byte in b"GET /healthz HTTP/1.1\r\nX-Slow: " + b"z" * 100:
                sock.send(bytes([byte]))
                sent += 1
                time.sleep(0.1)
        except (BrokenPipeError, ConnectionResetError):
            pass
        _read_until_closed(sock)
        assert sent < 100 and time.monotonic() - started < 5, sent
        # A body that stops arriving: 408, closed, after the body timeout.
        sock = _connect(base)
        sock.sendall(
            b"POST /v1/auth/token HTTP/1.1\r\nHost: newsdesk\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n"
            b"username=olena"
        )
        data, waited, _ = _read_until_closed(sock)
        assert data.startswith(b"HTTP/1.1 408 ") and waited < 5, (data[:80], waited)

        # Concurrency: with two connections open, a third is answered 503 (limit 3 counts
        # the connection asking).
        with _connect(base), _connect(base), _connect(base) as sock:
            sock.sendall(HEALTH)
            assert _status(sock) == 503
        time.sleep(0.2)
        with _connect(base) as sock:
            sock.sendall(HEALTH)
            assert _status(sock) == 200


def test_the_cli_module_starts_light() -> None:
    """`python -m app.cli serve --workers N` starts each worker by running the CLI module
    again (the `newsdesk` script runs `app.launch` instead), and uvicorn kills a worker
    that does not answer its health check in time: the module imports none of the
    framework, the ORM or the app (each command imports its own)."""
    probe = (
        "import sys, app.cli; heavy = [m for m in ('sqlalchemy', 'fastapi', 'app.main', "
        "'app.db', 'uvicorn', 'pymorphy3') if m in sys.modules]; print(heavy)"
    )
    done = _probe(probe)
    assert done.stdout.strip() == "[]", done.stdout


def test_the_analysers_of_our_own_load_no_snowball_stemmer() -> None:
    """`simple`, the dictionaries and the lemma list need no PyStemmer (~0.7 MB): only a
    Snowball name, or the list of every name (the contract, a language's write), loads it."""
    probe = (
        "import sys; from app.search.analysis import analyzer_for, analysers; "
        "[analyzer_for(n) for n in ('simple', 'ukrainian', 'russian', 'english')]; "
        "before = 'Stemmer' in sys.modules; german = analyzer_for('german').name; "
        "print(before, german, 'Stemmer' in sys.modules, 'german' in analysers())"
    )
    done = _probe(probe)
    assert done.stdout.split() == ["False", "german", "True", "True"], done.stdout


def test_a_worker_s_analysers_keep_bounded_caches_and_archive_commands_more() -> None:
    """Full at the commands' bounds, an analyser's caches held ~12 MB: a serving process's
    keep CACHES whatever it analyses; `for_archives` (search-reindex, bench-data, imports)
    bounds them again, the analysers made before it and after."""
    probe = (
        "from itertools import product; from app.search import analysis; "
        "ua = analysis.analyzer_for('ukrainian'); "
        "words = [''.join(p) for p in product('бвгдклмнпрст', 'аоуеи', 'бвгдклмнпрст', "
        "'аоуеи', 'кнт')][:6000]; [ua.spelling(w) for w in words]; "
        "print(ua._cached.cache_info().currsize, ua._spelled.cache_info().currsize); "
        "analysis.for_archives(); ru = analysis.analyzer_for('russian'); "
        "print(*(a._cached.cache_info().maxsize for a in (ua, ru)), "
        "*(a._spelled.cache_info().maxsize for a in (ua, ru)))"
    )
    done = _probe(probe, timeout=120)
    lemmas, spellings = CACHES
    assert done.stdout.split() == [
        str(lemmas),
        str(spellings),
        *[str(ARCHIVE_CACHES[0])] * 2,
        *[str(ARCHIVE_CACHES[1])] * 2,
    ], done.stdout


def test_a_spawned_worker_loads_no_cli() -> None:
    """`newsdesk serve --workers N` spawns each worker with multiprocessing, which runs the
    `newsdesk` script again as `__mp_main__` before the worker imports the app: the script
    imports neither Typer, Click nor the commands (about 1.4 MB of each worker)."""
    script = Path(sys.executable).with_name("newsdesk")
    probe = (
        f"import runpy, sys; runpy.run_path({str(script)!r}, run_name='__mp_main__'); "
        "print([m for m in ('typer', 'click', 'app.cli', 'app.config') if m in sys.modules])"
    )
    done = _probe(probe)
    assert done.stdout.strip() == "[]", done.stdout


# What a serving worker needs only when it uploads an image (libvips), holds the delivery
# job and sends (httpx, which brings rich; Standard Webhooks), traces (the SDK; the
# OpenTelemetry API itself is FastAPI's), sanitizes a body on a write (nh3), or counts a
# request under a rate limit (`limits`: an admin or auth request by default, a public one
# only with NEWSDESK_RATE_LIMIT_PUBLIC): about 18 MB of RSS a reading worker does without
# (issue 21). On SQLite, asyncpg too (2.6 MB).
LOADED_ON_USE = (
    "pyvips", "httpx", "rich", "standardwebhooks", "opentelemetry.sdk", "nh3", "limits",
    "Stemmer",  # PyStemmer: for a language whose text_search is a Snowball stemmer
)  # fmt: skip
WORKER_PROBE = """
import asyncio, sys
from app.config import get_settings
from app.main import create_app

async def get(app, path: str, query: bytes = b"") -> int:
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": query, "headers": [(b"host", b"probe")],
        "client": ("127.0.0.1", 50000), "server": ("probe", 80),
    }
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"]

async def serve() -> None:
    app = create_app(get_settings())
    async with app.router.lifespan_context(app):
        await asyncio.sleep(1.5)  # the delivery worker takes the job and looks for work
        # A reader's requests: a list page, a search, an article (missing), a feed.
        statuses = [
            await get(app, "/v1/ua/articles"),
            await get(app, "/v1/ua/articles", "q=%D0%BA%D0%B8%D1%97%D0%B2".encode()),  # київ
            await get(app, "/v1/ua/articles/nothing-here"),
            await get(app, "/v1/ua/feed.rss"),
        ]
        assert statuses == [200, 200, 404, 200], statuses

asyncio.run(serve())
print(sorted(m for m in sys.argv[1:] if m in sys.modules))
"""


def test_a_serving_worker_loads_what_it_uses_only_when_it_uses_it(
    cli_env: dict[str, str],
) -> None:
    env = {k: v for k, v in cli_env.items() if not k.startswith("OTEL_")}  # tracing off
    # Never: uvicorn imports watchfiles (--reload) whenever it is installed, as its
    # [standard] extra does; websockets goes unused (no WebSocket routes).
    never = ["watchfiles", "websockets"]
    sqlite = "sqlite" in env["NEWSDESK_DATABASE_URL"]
    modules = [*LOADED_ON_USE, *never, *(["asyncpg"] if sqlite else [])]
    done = subprocess.run([sys.executable, "-c", WORKER_PROBE, *modules], env=env,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", done.stdout


def test_the_hot_reads_json_keeps_no_values_in_a_worker() -> None:
    """pydantic-core's parser caches the short strings it meets unless told otherwise: a
    worker's card and snippet arrays would leave up to 16,000 titles, names and slugs
    behind (1.4 MB after 1,800 searches). `_json` caches keys alone, and these arrays have
    none: after 20,000 distinct values, next to nothing is kept."""
    probe = (
        "import gc, json, tracemalloc; from app.public.reads import _json; "
        "texts = [json.dumps([f'Заголовок {i} {j}' for j in range(1000)]) for i in range(20)]; "
        "tracemalloc.start(); before = tracemalloc.get_traced_memory()[0]; "
        "[_json(t) for t in texts]; gc.collect(); "
        "print(tracemalloc.get_traced_memory()[0] - before)"
    )
    done = _probe(probe)
    assert int(done.stdout) < 100_000, done.stdout
