"""What a takedown costs the writer: unpublish latency with two workers on one bus.

    bench/purge-latency [--database URL] [--redis URL] [--rounds N]

Two apps in-process (workers A and B, each with its own response cache and bus listener)
on one database: a migrated SQLite file of its own unless `--database` names another
(it must be migrated; an article is added to it). B holds the article page in its cache;
A unpublishes and publishes it again, N times. Prints the median and p90 of the two
writes, in milliseconds, as answered through HTTP (httpx on the ASGI app). Run it on two
checkouts to compare (PYTHONPATH=the other checkout).
"""

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from app import migrate
from app.auth import service as auth
from app.auth.service import Role
from app.config import Settings
from app.main import create_app


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p90 = ordered[int(len(ordered) * 0.9) - 1]
    return f"median {statistics.median(ordered) * 1000:.2f} ms, p90 {p90 * 1000:.2f} ms"


async def run(database: str, redis: str | None, rounds: int, media: Path) -> None:
    settings = Settings(database_url=database, redis_url=redis, media_dir=media)
    a, b = create_app(settings), create_app(settings)
    async with a.router.lifespan_context(a), b.router.lifespan_context(b):
        async with a.state.db.writer() as session, session.begin():
            _, key = await auth.create_api_key(session, name="bench", role=Role.admin)
        h = {"Authorization": f"Bearer {key}"}
        clients = [
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
            for app in (a, b)
        ]
        writer, reader = clients
        body: dict[str, Any] = {
            "original_language": "ua",
            "translations": {"ua": {"title": f"Заміри {time.time()}", "lead": "Лід.",
                                    "body_html": "<p>Текст.</p>"}},
        }  # fmt: skip
        created = (await writer.post("/v1/admin/articles", json=body, headers=h)).json()
        base = f"/v1/admin/articles/{created['id']}/translations/ua"
        slug = created["translations"]["ua"]["slug"]
        unpublish: list[float] = []
        publish: list[float] = []
        for _ in range(rounds):
            start = time.perf_counter()
            assert (await writer.post(f"{base}/publish", json={}, headers=h)).status_code == 200
            publish.append(time.perf_counter() - start)
            for _ in range(3):  # B holds the page
                assert (await reader.get(f"/v1/ua/articles/{slug}")).status_code == 200
            start = time.perf_counter()
            assert (await writer.post(f"{base}/unpublish", headers=h)).status_code == 200
            unpublish.append(time.perf_counter() - start)
        for client in clients:
            await client.aclose()
    bus = "redis" if redis else database.split(":", 1)[0]
    print(f"{bus}: unpublish {_ms(unpublish)}; publish {_ms(publish)} ({rounds} rounds)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database")
    parser.add_argument("--redis")
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database = args.database
        if database is None:
            database = f"sqlite+aiosqlite:///{tmp}/bench.db"
            migrate.upgrade(database)
        asyncio.run(run(database, args.redis, args.rounds, Path(tmp) / "media"))


if __name__ == "__main__":
    main()
