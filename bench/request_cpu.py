"""CPU per request, in process: where a read's time goes, without the network or a server.

Builds the app (`NEWSDESK_CACHE=off`, no worker) on an archive, then asks each URL
`--reads` times through the raw ASGI interface, alternately, and reports the process's CPU
per read (`time.process_time`) and the wall time. On PostgreSQL it also reports the
server's CPU per read: the user and system time of every `postgres` process on this
machine, from `/proc`, before and after (run it on a quiet machine). `--profile` prints
cProfile's top functions for each URL as well (`SORT=cumtime TOP=60` in the environment
to order and count them otherwise). The process CPU counts every thread; the event loop's
thread's own is given apart (a worker serves with that one).

    bench/request-cpu sqlite+aiosqlite:////tmp/bench100k.db /v1/ua/articles \\
        '/v1/ua/articles?q=києві' --reads 300
    bench/request-cpu postgresql+asyncpg://postgres@127.0.0.1:5432/bench100k \\
        '/v1/ua/articles?q=києві' --profile

This is the tool behind the "in process" figures of bench/SEARCH-RESULTS.md since stop 61.
"""

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def postgres_cpu() -> float:
    """Seconds of CPU used so far by the processes named `postgres` (the server's)."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index(b"(") + 1 : stat.rindex(b")")]
        if name != b"postgres":
            continue
        fields = stat[stat.rindex(b")") + 2 :].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def scope_of(url: str) -> dict[str, Any]:
    parts = urllib.parse.urlsplit(url)
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": urllib.parse.unquote(parts.path),
        "raw_path": parts.path.encode(),
        "query_string": urllib.parse.quote(parts.query, safe="=&%+").encode(),
        "root_path": "",
        "headers": [(b"host", b"localhost"), (b"accept", b"application/json")],
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 80),
        "state": {},
    }


async def ask(app: Any, url: str) -> tuple[int, int]:
    """One GET through the ASGI interface: its status and its body's length."""
    status, size = 0, 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, size
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            size += len(message.get("body", b""))

    await app(scope_of(url), receive, send)
    return status, size


async def measure(database_url: str, urls: list[str], reads: int, profile: bool) -> None:
    os.environ.update(NEWSDESK_DATABASE_URL=database_url, NEWSDESK_CACHE="off")
    os.environ.setdefault("NEWSDESK_LOG_LEVEL", "warning")
    from app.config import get_settings
    from app.main import create_app

    get_settings.cache_clear()
    app = create_app()
    pg = database_url.startswith("postgresql")
    async with app.router.lifespan_context(app):
        for url in urls:  # warm: connections, plans, dictionaries, caches of terms
            for _ in range(20):
                status, _size = await ask(app, url)
            if status != 200:
                raise SystemExit(f"{url}: {status}")
        spent = {url: [0.0, 0.0, 0.0, 0.0] for url in urls}  # CPU, wall, server CPU, loop
        profiles = {url: cProfile.Profile() for url in urls}
        rounds, per_round = max(1, reads // 10), min(reads, 10)
        for _ in range(rounds):
            for url in urls:
                cpu, wall, loop = time.process_time(), time.perf_counter(), time.thread_time()
                server = postgres_cpu() if pg else 0.0
                if profile:
                    profiles[url].enable()
                for _ in range(per_round):
                    await ask(app, url)
                if profile:
                    profiles[url].disable()
                spent[url][0] += time.process_time() - cpu
                spent[url][1] += time.perf_counter() - wall
                spent[url][3] += time.thread_time() - loop
                if pg:
                    spent[url][2] += postgres_cpu() - server
    n = rounds * per_round
    for url in urls:
        cpu, wall, server, loop = (1000 * value / n for value in spent[url])
        line = f"{url}: CPU {cpu:.2f} ms (the loop's thread {loop:.2f}), wall {wall:.2f} ms"
        print(line + (f", server CPU {server:.2f} ms" if pg else "") + f" ({n} reads)")
        if profile:
            out = io.StringIO()
            stats = pstats.Stats(profiles[url], stream=out)
            stats.sort_stats(os.environ.get("SORT", "tottime"))
            stats.print_stats(int(os.environ.get("TOP", "25")))
            print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database_url")
    parser.add_argument("urls", nargs="+", help="paths with their query strings")
    parser.add_argument("--reads", type=int, default=300, help="reads of each URL")
    parser.add_argument("--profile", action="store_true", help="cProfile's top functions")
    args = parser.parse_args()
    asyncio.run(measure(args.database_url, args.urls, args.reads, args.profile))


if __name__ == "__main__":
    main()
