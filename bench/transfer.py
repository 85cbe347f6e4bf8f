"""Import and export (issue 19): articles per second and peak memory of `newsdesk export`
and `newsdesk import`, on SQLite and PostgreSQL, at the archive sizes asked for.

    bench/transfer --articles 1000,10000 --out bench/TRANSFER-RESULTS.md       # SQLite
    bench/transfer --articles 100000 \\
        --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres        # and PostgreSQL

For each backend and size: a scratch database is migrated and filled by `newsdesk
bench-data --articles N` (untimed); `newsdesk export` writes it to a file (timed); a second
scratch database, only migrated, takes `newsdesk import` of that file (timed), then the same
file again (every line unchanged: what a re-run or a resumed import costs). Each command is
its own process, as an operator runs it; its wall time and peak resident memory (the
kernel's `ru_maxrss` of that process, from `wait4`) are reported, the CLI's start included
(about 3 s of imports). Rates are articles per second; lines per second too (a line is an
article, a term or a media record).
"""

import argparse
import asyncio
import functools
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
NEWSDESK = str(ROOT / ".venv" / "bin" / "newsdesk")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Step:
    seconds: float
    peak_mb: float


def run(env: dict[str, str], *args: str) -> Step:
    """One `newsdesk` command in its own process: its wall time and peak RSS."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [NEWSDESK, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    error = process.stderr.read().decode() if process.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"newsdesk {' '.join(args)} exited {code}:\n{error[-2000:]}")
    return Step(seconds, usage.ru_maxrss / 1024)  # kB on Linux


@dataclass
class Result:
    backend: str
    articles: int
    lines: int
    file_mb: float
    fill_s: float
    export: Step
    load: Step
    again: Step | None


async def _postgres(server: str, statement: str) -> None:
    url = make_url(server).set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


class Scratch:
    """Scratch databases of one backend, dropped at the end."""

    def __init__(self, backend: str, server: str | None, work: Path) -> None:
        self.backend, self.server, self.work = backend, server, work
        self.made: list[str] = []

    def new(self) -> str:
        if self.server is None:
            path = self.work / f"{uuid.uuid4().hex[:8]}.db"
            self.made.append(str(path))
            return f"sqlite+aiosqlite:///{path}"
        name = f"bench_transfer_{uuid.uuid4().hex[:8]}"
        asyncio.run(_postgres(self.server, f'CREATE DATABASE "{name}"'))
        self.made.append(name)
        return make_url(self.server).set(database=name).render_as_string(hide_password=False)

    def drop(self) -> None:
        for made in self.made:
            if self.server is None:
                for suffix in ("", "-wal", "-shm"):
                    Path(made + suffix).unlink(missing_ok=True)
            else:
                asyncio.run(
                    _postgres(self.server, f'DROP DATABASE IF EXISTS "{made}" WITH (FORCE)')
                )
        self.made.clear()


def environment(url: str, work: Path) -> dict[str, str]:
    return {
        **os.environ,
        "NEWSDESK_DATABASE_URL": url,
        "NEWSDESK_MEDIA_DIR": str(work / "media"),
        "NEWSDESK_LOG_LEVEL": "warning",
    }


def bench(
    backend: str, server: str | None, articles: int, work: Path, *, again: bool = True
) -> Result:
    scratch = Scratch(backend, server, work)
    try:
        source = environment(scratch.new(), work)
        log(f"{backend} {articles:,}: filling the archive")
        run(source, "migrate")
        fill = run(source, "bench-data", "--articles", str(articles))
        path = work / f"export-{backend}-{articles}.jsonl"
        log(f"{backend} {articles:,}: export")
        exported = run(source, "export", str(path))
        lines = sum(1 for _ in path.open("rb")) - 2
        target = environment(scratch.new(), work)
        run(target, "migrate")
        log(f"{backend} {articles:,}: import into an empty database")
        loaded = run(target, "import", str(path))
        repeated = None
        if again:
            log(f"{backend} {articles:,}: the same file again")
            repeated = run(target, "import", str(path))
        log(f"{backend} {articles:,}: done")
        result = Result(backend, articles, lines, path.stat().st_size / 2**20, fill.seconds,
                        exported, loaded, repeated)  # fmt: skip
        path.unlink()
        return result
    finally:
        scratch.drop()


def commit() -> str:
    """The commit measured (and whether the tree had changes)."""
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(ROOT), "diff", "--quiet", "HEAD"]).returncode
    return f"{head or 'an unknown commit'}{' with changes' if dirty else ''}"


def render(results: list[Result], command: str, *, side_by_side: bool = False) -> str:
    def rate(n: int, step: Step) -> str:
        return f"{n / step.seconds:,.0f}"

    rows = [
        "| database | articles | lines | file | export: articles/s | peak RSS | import: articles/s "
        "(lines/s) | peak RSS | again (unchanged): articles/s | peak RSS |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        rows.append(
            f"| {r.backend} | {r.articles:,} | {r.lines:,} | {r.file_mb:,.0f} MB "
            f"| {rate(r.articles, r.export)} ({r.export.seconds:,.0f} s) "
            f"| {r.export.peak_mb:,.0f} MB "
            f"| {rate(r.articles, r.load)} ({rate(r.lines, r.load)}; {r.load.seconds:,.0f} s) "
            f"| {r.load.peak_mb:,.0f} MB "
            + (
                f"| {rate(r.articles, r.again)} ({r.again.seconds:,.0f} s) "
                f"| {r.again.peak_mb:,.0f} MB |"
                if r.again is not None
                else "| not run | |"
            )
        )
    load = os.getloadavg()
    return "\n".join(
        [
            "# Import and export: rates and memory",
            "",
            f"`{command}` at {commit()} on {platform.node()} ({os.cpu_count()} cores, Python "
            f"{platform.python_version()}), load average before "
            f"{load[0]:.2f}/{load[1]:.2f}/{load[2]:.2f}, {time.strftime('%Y-%m-%d')}.",
            "",
            "Each command is its own process, its start included (about 3 s of imports); "
            "peak RSS is that process's. The archive is `newsdesk bench-data`'s (three "
            "languages, ~2.2 versions an article, 200 authors, 500 tags, 20 categories)."
            + (
                " The backends ran side by side, each on the 2 cores the other used too "
                "(SQLite's import and PostgreSQL's server compete): each rate is lower than "
                "it is alone."
                if side_by_side
                else ""
            ),
            "",
            *rows,
            "",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", default="1000", help="sizes, comma-separated")
    parser.add_argument("--postgres", help="a PostgreSQL server URL: bench it too")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--out", type=Path, help="also write the report here")
    parser.add_argument(
        "--no-again", action="store_true", help="skip importing the same file a second time"
    )
    parser.add_argument(
        "--side-by-side",
        action="store_true",
        help="bench the backends at the same time (half the wall time, lower rates)",
    )
    args = parser.parse_args(argv)
    sizes = [int(n) for n in args.articles.split(",")]
    backends: list[tuple[str, str | None]] = [] if args.no_sqlite else [("SQLite", None)]
    if args.postgres:
        backends.append(("PostgreSQL", args.postgres))
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-transfer-") as folder:
        for size in sizes:
            jobs = [
                functools.partial(
                    bench, backend, server, size, Path(folder), again=not args.no_again
                )
                for backend, server in backends
            ]
            if args.side_by_side:
                with ThreadPoolExecutor(len(jobs)) as pool:  # each job waits on its processes
                    results.extend(pool.map(lambda job: job(), jobs))
            else:
                results.extend(job() for job in jobs)
    report = render(
        results,
        "bench/transfer " + " ".join(argv or sys.argv[1:]),
        side_by_side=args.side_by_side,
    )
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
