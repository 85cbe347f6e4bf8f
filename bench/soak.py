"""Soak (issue 20, item 4): minutes of mixed load on `newsdesk serve --workers 2`; every
error counted, and each worker's memory followed.

    bench/soak [--minutes 10] [--postgres URL | --sqlite] [--articles 5000] [--clients 16]

A fresh database (a PostgreSQL database of its own, made on the server `--postgres`
names and dropped after, or a SQLite file) with a generated archive, Redis from
`--redis` if given, and the server with its defaults (response cache on, rate limits off).
Readers ask for articles, list pages (with cursors), searches, feeds and sitemaps; one
writer, once a second, creates and publishes an article, edits one, or takes one down and
puts it back, so the cache keeps being purged and the sitemaps rebuilt.

An error is a 5xx, a connection error or an answer other than the one expected. RSS is
read from /proc for each worker every 10 s; its growth is measured from the end of the
first minute (warm: caches full, dictionaries loaded) to the end. Prints a Markdown
report and writes it to `--out` (default bench/SOAK-RESULTS.md).
"""

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live import NEWSDESK, Server, free_port, serving, worker_pids  # noqa: E402

WARM = 60.0  # seconds before the RSS baseline
WORDS = {"en": ["city", "council", "water", "school", "market"],
         "ua": ["місто", "рада", "вода", "школа", "ринок"],
         "ru": ["город", "совет", "вода", "школа", "рынок"]}  # fmt: skip


def _psql(url: Any, statement: str, *, check: bool) -> None:
    subprocess.run(
        ["psql", "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432),
         "-U", url.username or "postgres", "-d", url.database or "postgres", "-c", statement],
        check=check, capture_output=True,
    )  # fmt: skip


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Load:
    def __init__(self, base: str, admin: dict[str, str], seconds: float) -> None:
        self.base, self.admin, self.seconds = base, admin, seconds
        self.statuses: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.latencies: list[float] = []
        self.slugs: dict[str, list[str]] = {}
        self.writes = 0

    def wrong(self, what: str) -> None:
        self.errors[what] += 1

    async def prepare(self, client: httpx.AsyncClient) -> None:
        for lang in ("en", "ua", "ru"):
            page = await client.get(f"/v1/{lang}/articles", params={"limit": 100})
            self.slugs[lang] = [item["slug"] for item in page.json()["items"]]

    async def get(
        self, client: httpx.AsyncClient, path: str, **params: Any
    ) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = await client.get(path, params=params or None)
        except httpx.TransportError as exc:
            self.wrong(f"GET {type(exc).__name__}")
            return None
        self.latencies.append(time.perf_counter() - started)
        self.statuses[str(response.status_code)] += 1
        if response.status_code >= 500 or response.status_code not in (200, 304):
            self.wrong(f"GET {response.status_code}")
        return response

    async def reader(self, client: httpx.AsyncClient, stop: float) -> None:
        while time.monotonic() < stop:
            lang = random.choice(("en", "ua", "ru"))
            roll = random.random()
            if roll < 0.6 and self.slugs[lang]:
                await self.get(client, f"/v1/{lang}/articles/{random.choice(self.slugs[lang])}")
            elif roll < 0.75:
                page = await self.get(client, f"/v1/{lang}/articles", limit=20)
                cursor = page.json().get("next_cursor") if page is not None else None
                if cursor:
                    await self.get(client, f"/v1/{lang}/articles", limit=20, cursor=cursor)
            elif roll < 0.88:
                await self.get(client, f"/v1/{lang}/articles", q=random.choice(WORDS[lang]))
            elif roll < 0.94:
                await self.get(client, f"/v1/{lang}/feed.rss")
            else:
                await self.get(client, random.choice(("/v1/sitemap.xml", "/v1/sitemaps/1.xml",
                                                      "/v1/news-sitemap.xml")))  # fmt: skip

    async def write(
        self, client: httpx.AsyncClient, method: str, path: str, **kw: Any
    ) -> httpx.Response | None:
        try:
            response = await client.request(
                method, path, headers={**self.admin, **kw.pop("headers", {})}, **kw
            )
        except httpx.TransportError as exc:
            self.wrong(f"{method} {type(exc).__name__}")
            return None
        self.statuses[str(response.status_code)] += 1
        if response.status_code >= 300:
            self.wrong(f"{method} {response.status_code}")
            return None
        self.writes += 1
        return response

    async def writer(self, client: httpx.AsyncClient, stop: float) -> None:
        mine: list[str] = []
        number = 0
        while time.monotonic() < stop:
            number += 1
            roll = random.random()
            if roll < 0.5 or not mine:
                made = await self.write(client, "POST", "/v1/admin/articles", json={
                    "original_language": "en",
                    "translations": {"en": {"title": f"Soak story {number}", "lead": "Lead.",
                                            "body_html": "<p>The council met.</p>"}}})  # fmt: skip
                if made is not None:
                    ident = made.json()["id"]
                    if await self.write(
                        client, "POST", f"/v1/admin/articles/{ident}/translations/en/publish"
                    ):
                        mine.append(ident)
            elif roll < 0.8:
                ident = random.choice(mine)
                current = await client.get(
                    f"/v1/admin/articles/{ident}/translations/en", headers=self.admin
                )
                await self.write(client, "PUT", f"/v1/admin/articles/{ident}/translations/en",
                                 headers={"If-Match": current.headers.get("etag", "")},
                                 json={"title": f"Soak story {number}, edited", "lead": "Lead.",
                                       "body_html": "<p>Edited.</p>",
                                       "slug": current.json()["slug"]})  # fmt: skip
            else:
                ident = random.choice(mine)
                path = f"/v1/admin/articles/{ident}/translations/en"
                if await self.write(client, "POST", f"{path}/unpublish"):
                    await self.write(client, "POST", f"{path}/publish")
            await asyncio.sleep(1.0)


async def drive(
    load: Load, clients: int, rss: list[tuple[float, list[int]]], server: Server
) -> float:
    limits = httpx.Limits(max_connections=clients + 2)
    async with httpx.AsyncClient(base_url=load.base, timeout=30, limits=limits) as client:
        await load.prepare(client)
        began = time.monotonic()
        stop = began + load.seconds

        async def sample() -> None:
            while time.monotonic() < stop:
                rss.append((time.monotonic() - began, [_rss_kb(p) for p in worker_pids(server)]))
                await asyncio.sleep(10)

        await asyncio.gather(sample(), load.writer(client, stop),
                             *(load.reader(client, stop) for _ in range(clients)))  # fmt: skip
        rss.append((time.monotonic() - began, [_rss_kb(p) for p in worker_pids(server)]))
        return time.monotonic() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument(
        "--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file instead")
    parser.add_argument("--redis", default=None, help="e.g. redis://127.0.0.1:6379/9")
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--out", default=str(ROOT / "bench" / "SOAK-RESULTS.md"))
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="newsdesk-soak-"))
    from sqlalchemy.engine import make_url

    name = f"newsdesk_soak_{os.getpid()}"
    if args.sqlite:
        database = f"sqlite+aiosqlite:///{folder / 'soak.db'}"
    else:
        admin_url = make_url(args.postgres)
        _psql(admin_url, f"CREATE DATABASE {name}", check=True)
        database = admin_url.set(database=name).render_as_string(hide_password=False)
    env = {**os.environ, "NEWSDESK_DATABASE_URL": database,
           "NEWSDESK_MEDIA_DIR": str(folder / "media"),
           "NEWSDESK_SECRET_KEY_FILE": str(folder / "secret"), "NEWSDESK_RATE_LIMIT_ADMIN": "",
           "NEWSDESK_RATE_LIMIT_PUBLIC": "", "NEWSDESK_ACCESS_LOG": "false"}  # fmt: skip
    if args.redis:
        env["NEWSDESK_REDIS_URL"] = args.redis
    try:
        subprocess.run([*NEWSDESK, "migrate"], env=env, check=True, capture_output=True)
        subprocess.run([*NEWSDESK, "bench-data", "--articles", str(args.articles)], env=env,
                       check=True, capture_output=True)  # fmt: skip
        key = subprocess.run([*NEWSDESK, "create-api-key", "--name", "soak"], env=env, check=True,
                             capture_output=True, text=True).stdout.strip()  # fmt: skip
        port = free_port()
        log = folder / "serve.log"
        log.touch()
        rss: list[tuple[float, list[int]]] = []
        load = Load(
            f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {key}"}, args.minutes * 60
        )
        with serving([*NEWSDESK, "serve", "--port", str(port), "--workers", "2"], port=port,
                     env={**env, "NEWSDESK_LOG_LEVEL": "info"}, output=log,
                     ready=lambda _: log.read_text().count("Application startup complete") >= 2,
                     timeout_s=120) as server:  # fmt: skip
            elapsed = asyncio.run(drive(load, args.clients, rss, server))
        tracebacks = log.read_text(errors="replace").count("Traceback")
    finally:
        if not args.sqlite:
            _psql(admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", check=False)
    warm = next((kb for at, kb in rss if at >= WARM), rss[0][1])
    end = rss[-1][1]
    growth = [100 * (e - w) / w for w, e in zip(warm, end, strict=False) if w]
    ordered = sorted(load.latencies)
    requests = sum(load.statuses.values())
    p99 = ordered[int(len(ordered) * 0.99)]
    samples = "; ".join(
        f"{at:.0f} s " + "/".join(f"{kb / 1024:.0f}" for kb in kbs) for at, kbs in rss
    )
    report = f"""# Soak

`bench/soak --minutes {args.minutes:g} --articles {args.articles} --clients {args.clients}`
on {"SQLite" if args.sqlite else "PostgreSQL"}{" with Redis" if args.redis else ""}, \
{datetime.now(UTC):%Y-%m-%d %H:%M} UTC: `newsdesk serve --workers 2`, response cache on.

| figure | value |
| --- | --- |
| duration | {elapsed:.0f} s |
| requests | {requests:,} ({requests / elapsed:.0f}/s); writes {load.writes} |
| statuses | {", ".join(f"{k}: {v:,}" for k, v in sorted(load.statuses.items()))} |
| errors | {sum(load.errors.values())} {dict(load.errors) if load.errors else ""} |
| tracebacks in the server's log | {tracebacks} |
| read latency | p50 {statistics.median(ordered) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, \
max {ordered[-1] * 1000:.0f} ms |
| worker RSS after {WARM:.0f} s | {", ".join(f"{kb / 1024:.0f} MB" for kb in warm)} |
| worker RSS at the end | {", ".join(f"{kb / 1024:.0f} MB" for kb in end)} |
| RSS growth | {", ".join(f"{g:+.1f} %" for g in growth)} |

RSS every 10 s (MB, per worker): {samples}
"""
    print(report)
    Path(args.out).write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
