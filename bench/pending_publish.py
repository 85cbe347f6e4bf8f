"""What publishing a pending copy costs the editor, against publishing today.

    bench/pending-publish [--database URL] [--postgres URL] [--rounds N]

One app in-process (its response cache on), driven through HTTP (httpx on the ASGI app),
on a migrated SQLite file of its own, or on a scratch database it creates (and drops) on
the PostgreSQL server `--postgres` names. Three published articles; each round, with the
public page read first so that every write has a cached answer to purge, times:

- `quick fix`: an editor's PUT of the live translation (how a live text changes today);
- `publish pending`: `POST .../pending/publish` of a copy saved just before (not timed);
- `publish`: the plain `publish` transition of a version unpublished just before.

The three alternate within a round, so drift hits them alike. Prints the medians and p90s
in milliseconds and the ratios of the medians (publish pending ÷ each of the others).
"""

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from app import migrate
from app.auth import service as auth
from app.auth.service import Role
from app.config import Settings
from app.main import create_app

Samples = dict[str, list[float]]


def _text(title: str, n: int) -> dict[str, Any]:
    return {"title": f"{title} {n}", "lead": f"Лід {n}.", "body_html": f"<p>Текст {n}.</p>"}


async def _article(client: httpx.AsyncClient, h: dict[str, str], title: str) -> tuple[str, str]:
    body = {"original_language": "ua", "translations": {"ua": _text(title, 0)}}
    created = (await client.post("/v1/admin/articles", json=body, headers=h)).json()
    base = f"/v1/admin/articles/{created['id']}/translations/ua"
    published = await client.post(f"{base}/publish", json={}, headers=h)
    assert published.status_code == 200, published.text
    return base, published.json()["path"]


async def _timed(samples: list[float], request: Any) -> httpx.Response:
    start = time.perf_counter()
    response: httpx.Response = await request
    samples.append(time.perf_counter() - start)
    assert response.status_code == 200, response.text
    return response


async def run(database: str, rounds: int, media: Path) -> Samples:
    app = create_app(Settings(database_url=database, media_dir=media))
    samples: Samples = {"quick fix": [], "publish pending": [], "publish": []}
    async with app.router.lifespan_context(app):
        async with app.state.db.writer() as session, session.begin():
            _, key = await auth.create_api_key(session, name="bench", role=Role.editor)
        h = {"Authorization": f"Bearer {key}"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            stamp = uuid.uuid4().hex[:8]
            fix, fix_page = await _article(client, h, f"Правка {stamp}")
            staged, staged_page = await _article(client, h, f"Копія {stamp}")
            plain, plain_page = await _article(client, h, f"Публікація {stamp}")
            etags = {
                base: (await client.get(base, headers=h)).headers["etag"]
                for base in (fix, staged, plain)
            }
            for n in range(1, rounds + 1):
                await client.get(fix_page)
                done = await _timed(
                    samples["quick fix"],
                    client.put(fix, json=_text("Правка", n), headers={**h, "If-Match": etags[fix]}),
                )
                etags[fix] = done.headers["etag"]

                saved = await client.put(
                    f"{staged}/pending",
                    json=_text("Копія", n),
                    headers={**h, "If-Match": etags[staged]},
                )
                assert saved.status_code == 200, saved.text
                await client.get(staged_page)
                done = await _timed(
                    samples["publish pending"],
                    client.post(
                        f"{staged}/pending/publish",
                        headers={**h, "If-Match": saved.headers["etag"]},
                    ),
                )
                etags[staged] = done.headers["etag"]

                await client.post(f"{plain}/unpublish", headers=h)
                await client.get(plain_page)
                await _timed(samples["publish"], client.post(f"{plain}/publish", headers=h))
    return samples


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[max(int(len(ordered) * 0.9) - 1, 0)]
    return f"median {statistics.median(ordered) * 1000:.2f} ms, p90 {p90 * 1000:.2f} ms"


def report(name: str, samples: Samples, rounds: int) -> None:
    print(f"{name} ({rounds} rounds):")
    for what, values in samples.items():
        print(f"  {what:16} {_ms(values)}")
    pending = statistics.median(samples["publish pending"])
    for other in ("quick fix", "publish"):
        ratio = pending / statistics.median(samples[other])
        print(f"  publish pending / {other}: {ratio:.2f}")


async def _scratch(server: str, name: str, *, drop: bool) -> None:
    url = make_url(server).set(drivername="postgresql", database="postgres")
    connection = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if not drop:
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", help="a migrated database to use as it is")
    parser.add_argument("--postgres", help="a PostgreSQL server URL: a scratch database on it")
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runs: list[tuple[str, str, str | None]] = []
        if args.database:
            runs.append((args.database.split(":", 1)[0], args.database, None))
        else:
            sqlite = f"sqlite+aiosqlite:///{tmp}/bench.db"
            migrate.upgrade(sqlite)
            runs.append(("sqlite", sqlite, None))
        if args.postgres:
            name = f"newsdesk_bench_pending_{uuid.uuid4().hex[:8]}"
            asyncio.run(_scratch(args.postgres, name, drop=False))
            url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
            migrate.upgrade(url)
            runs.append(("postgresql", url, name))
        for label, url, scratch in runs:
            try:
                report(label, asyncio.run(run(url, args.rounds, Path(tmp) / "media")), args.rounds)
            finally:
                if scratch is not None and args.postgres:
                    asyncio.run(_scratch(args.postgres, scratch, drop=True))


if __name__ == "__main__":
    main()
