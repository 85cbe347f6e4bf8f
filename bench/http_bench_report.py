"""The Markdown report of `bench/http-bench`: machine, versions, tables, targets."""

import asyncio
import os
import platform
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from http_bench_results import (
    ALL_CASES,
    CACHE_MODES,
    CASE_LABELS,
    LATENCY_CASE,
    MODES,
    OBSERVED,
    OBSERVED_LIMIT,
    SCALING_LIMIT,
    CaseResult,
    LatencyResult,
    Load,
    ServerRun,
    describe_statuses,
    movement,
    scaling,
    size_label,
    target_verdicts,
)

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "fastapi",
    "starlette",
    "uvicorn",
    "uvloop",
    "httptools",
    "sqlalchemy",
    "pydantic",
    "asyncpg",
    "aiosqlite",
    "httpx",
)
MARK = {True: "✓", False: "✗", None: "–"}


@dataclass
class Settings:
    """How the suite was run (shown in the report)."""

    urls: list[str]
    workers: list[int]
    load: Load
    modes: tuple[str, ...]
    cases: tuple[str, ...]
    lang: str
    depth: int
    posts: int
    started: float
    finished: float
    command: str
    archive_seconds: dict[str, float] = field(default_factory=dict)


# Machine and versions --------------------------------------------------------------------


def _read(path: str) -> str:
    """A /proc file's text, empty when it cannot be read."""
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _first(path: str, prefix: str) -> str:
    for line in _read(path).splitlines():
        if line.startswith(prefix):
            return line.split(":", 1)[1].strip()
    return "?"


def machine() -> list[tuple[str, str]]:
    mem_kb = _first("/proc/meminfo", "MemTotal").split()[0]
    mem = f"{int(mem_kb) / 1024 / 1024:.1f} GiB" if mem_kb.isdigit() else "?"
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    return [
        ("CPU", _first("/proc/cpuinfo", "model name")),
        ("cores (logical)", str(os.cpu_count())),
        ("memory", mem),
        ("kernel", f"{platform.system()} {platform.release()}"),
        # BBR stalled large database results over the loopback (docs/operations.md).
        (
            "TCP congestion control",
            _read("/proc/sys/net/ipv4/tcp_congestion_control").strip() or "?",
        ),
        ("load average at the end (1, 5, 15 min)", load),
    ]


def _output(*args: str) -> str | None:
    """A command's standard output and error, or None when it cannot run."""
    try:
        done = subprocess.run(args, capture_output=True, text=True, check=False, cwd=ROOT)
    except OSError:
        return None
    return (done.stdout + done.stderr).strip()


def _first_line(*args: str) -> str:
    output = _output(*args)
    return output.splitlines()[0] if output else "?"


def postgres_version(urls: list[str]) -> str | None:
    url = next((u for u in urls if u.startswith("postgresql")), None)
    if url is None:
        return None
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    async def ask() -> str:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                return str((await connection.execute(text("SHOW server_version"))).scalar())
        finally:
            await engine.dispose()

    return asyncio.run(ask())


def versions(urls: list[str]) -> list[tuple[str, str]]:
    found = [("Python", sys.version.split()[0])]
    for package in PACKAGES:
        try:
            found.append((package, metadata.version(package)))
        except metadata.PackageNotFoundError:
            found.append((package, "not installed"))
    if (pg := postgres_version(urls)) is not None:
        found.append(("PostgreSQL server", pg))
    found.append(("SQLite library", sqlite3.sqlite_version))
    found.append(("wrk", _first_line("wrk", "-v")))
    commit = _first_line("git", "rev-parse", "--short", "HEAD")
    changed = _output("git", "status", "--porcelain", "--", "app", "migrations")
    found.append(("Newsdesk commit", commit + (" (app/ has local changes)" if changed else "")))
    return found


# Tables ----------------------------------------------------------------------------------


def table(header: list[str], rows: list[list[str]], align: str = "") -> list[str]:
    """A Markdown table; `align` gives one l/r per column (default: first l, rest r)."""
    align = align or "l" + "r" * (len(header) - 1)
    rule = ["---" if a == "l" else "---:" for a in align]
    return [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join(rule) + " |",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def _f(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def summary_table(runs: list[ServerRun], settings: Settings) -> list[str]:
    """Every figure (× bare) at a glance: rows are case and cache mode, columns runs."""
    done = [r for r in runs if r.failed is None]
    header = ["case", "cache", *(r.key.short() for r in done)]
    rows = []
    for case in ALL_CASES:
        if case not in settings.cases:
            continue
        for mode in settings.modes:
            cells = []
            for run in done:
                value = run.figure(case, mode)
                flag = ""
                result = run.cases.get((case, mode))
                if result is not None and result.app and result.problems():
                    flag = " ⚠"
                cells.append(_f(value, 1 if case == LATENCY_CASE else 3) + flag)
            rows.append([CASE_LABELS[case], mode, *cells])
    return table(header, rows, "ll" + "r" * len(done))


def latency_row(latency: LatencyResult) -> list[str]:
    app = f"median {latency.app_median_ms:.1f} ms, p95 {latency.app_p95_ms:.1f} ms"
    return [
        CASE_LABELS[LATENCY_CASE],
        latency.mode,
        f"{latency.ratio:.1f}× slower",
        f"{min(latency.ratios):.1f}–{max(latency.ratios):.1f}",
        app,
        f"median {latency.bare_median_ms:.2f} ms",
        "–",
        "; ".join(latency.errors) if latency.errors else "201, then 200",
    ]


def case_row(result: CaseResult) -> list[str]:
    problems = result.problems()
    statuses = "⚠ " + "; ".join(problems) if problems else describe_statuses(result.app_statuses)
    return [
        CASE_LABELS[result.case],
        result.mode,
        f"{result.ratio:.3f}",
        f"{min(result.ratios):.3f}–{max(result.ratios):.3f}",
        f"{result.app_rps:,.0f} req/s",
        f"{result.bare_rps:,.0f} req/s",
        f"{result.app_p99_ms:,.0f}",
        statuses,
    ]


def run_section(run: ServerRun) -> list[str]:
    lines = [f"### {run.key.label()}", ""]
    if run.failed:
        return [*lines, f"**FAILED:** {run.failed}", ""]
    rows = []
    for case in ALL_CASES:
        for mode in MODES:
            result = run.cases.get((case, mode))
            latency = run.latency.get(mode) if case == LATENCY_CASE else None
            if result is not None and result.app:
                rows.append(case_row(result))
            elif latency is not None and latency.app_ms:
                rows.append(latency_row(latency))
    header = ["case", "cache", "× bare (median)", "rounds' range", "app", "bare",
              "app p99 ms", "app statuses"]  # fmt: skip
    lines += table(header, rows, "llrrrrrl")
    lines += ["", "Measured on:", ""]
    lines += [f"- {name}: {value}" for name, value in run.facts.items()]
    if run.notes:
        lines += ["", "Notes:", ""] + [f"- {note}" for note in run.notes]
    return [*lines, ""]


def scaling_section(runs: list[ServerRun]) -> list[str]:
    found = scaling(runs)
    if not found:
        return ["Only one archive size was run: no scaling figures.", ""]
    rows = []
    for s in found:
        digits = 1 if s.case == LATENCY_CASE else 3
        rows.append(
            [
                f"{s.backend} w{s.workers}",
                CASE_LABELS[s.case],
                s.mode,
                f"{s.before:.{digits}f}",
                f"{s.after:.{digits}f}",
                f"{s.quotient:.2f}",
                f"{movement(s.before, s.after):.2f} {MARK[s.met]}",
            ]
        )
    small, large = size_label(found[0].small), size_label(found[0].large)
    header = [
        "server",
        "case",
        "cache",
        f"× bare at {small}",
        f"× bare at {large}",
        f"{large} ÷ {small}",
        f"moved (target ≤ {SCALING_LIMIT}×)",
    ]
    return [*table(header, rows, "lllrrrr"), ""]


def rss_section(runs: list[ServerRun]) -> list[str]:
    rows = []
    for run in runs:
        for name, values in run.rss_mb.items():
            shown = ", ".join(f"{mb:.0f}" for mb in values) or "–"
            rows.append([run.key.short(), name, shown])
    return [*table(["server", "process", "RSS per worker, MB"], rows, "llr"), ""]


def targets_section(runs: list[ServerRun]) -> list[str]:
    done = [r for r in runs if r.failed is None]
    if not done:
        return ["No run finished.", ""]
    largest = max(r.key.articles for r in done)
    verdicts = [target_verdicts(r, largest) for r in done]
    rows = []
    for name in verdicts[0]:
        rows.append([name, *(f"{v[name].shown} {MARK[v[name].met]}" for v in verdicts)])
    scaled = scaling(runs)
    if scaled:
        met = sum(s.met for s in scaled)
        name = f"figures moving ≤ {SCALING_LIMIT}× from the smallest to the largest archive"
        rows.append([name, f"{met} of {len(scaled)} (see Scaling)", *[""] * (len(done) - 1)])
    return [*table(["target", *(r.key.short() for r in done)], rows, "l" + "r" * len(done)), ""]


def observed_section(runs: list[ServerRun]) -> list[str]:
    """Each case's ratio with metrics and the request log on ÷ its ratio with both off."""
    rows = []
    for run in (r for r in runs if r.failed is None):
        for case in ALL_CASES:
            for mode in CACHE_MODES:
                plain, observed = run.figure(case, mode), run.figure(case, mode + OBSERVED)
                if plain and observed:
                    # Latency: higher is slower.
                    flip = case == LATENCY_CASE
                    quotient = plain / observed if flip else observed / plain
                    rows.append(
                        [run.key.short(), CASE_LABELS[case], mode, _f(plain), _f(observed),
                         f"{quotient:.2f} {MARK[quotient >= OBSERVED_LIMIT]}"]
                    )  # fmt: skip
    if not rows:
        return []
    header = ["run", "case", "cache", "× bare, both off", "× bare, both on",
              f"on ÷ off (≥ {OBSERVED_LIMIT})"]  # fmt: skip
    return [
        "## The cost of observability",
        "",
        "`cache X+observed` is the app started with metrics and the JSON request log on "
        "(`NEWSDESK_METRICS=true`, `NEWSDESK_ACCESS_LOG=true`, `NEWSDESK_LOG_LEVEL=info`, "
        "`NEWSDESK_LOG_FORMAT=json`, its output to a file); `cache X` with both off. Each "
        "against the same bare app in the same run.",
        "",
        *table(header, rows, "lllrrr"),
        "",
    ]


def reproduce(settings: Settings) -> list[str]:
    return [
        "```sh",
        "scripts/bootstrap",
        settings.command,
        "```",
        "",
        "`--make-archives 10000,100000` makes (or reuses, when the article count matches) "
        "SQLite files `bench_<size>.db` under `--archive-dir` and PostgreSQL databases "
        "`bench_<size>` on `--pg-url`, with `newsdesk migrate` and `newsdesk bench-data "
        "--seed 1`. Database URLs may be given instead. wrk is installed with "
        "`apt-get install -y wrk` when missing.",
        "",
    ]


def render(runs: list[ServerRun], settings: Settings) -> str:
    load = settings.load
    minutes = (settings.finished - settings.started) / 60
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(settings.started))
    lines = [
        "# HTTP benchmark: Newsdesk against a bare Starlette app",
        "",
        f"Run {when}, {minutes:.0f} min, by `bench/http-bench` (`bench/http_bench.py`).",
        "",
        "Every figure is a ratio to a bare Starlette endpoint (`bench/bare_app.py`) serving "
        "the same bytes — body, status and headers recorded from the app for that URL — under "
        "the same uvicorn settings and worker count, measured in the same run: wrk on the app "
        "and on the bare URL alternately (ABBA), **app req/s ÷ bare req/s, median over "
        f"rounds ({load.rounds})**; 1.0 is as fast as serving pre-made bytes. Create + publish "
        "is latency: the app's median time for the two POSTs ÷ the bare server's for the same "
        "two POSTs (higher is slower). `cache on`/`off` is the app started with "
        "`NEWSDESK_CACHE=on`/`off`.",
        "",
        "## Machine",
        "",
        *[f"- {name}: {value}" for name, value in machine()],
        "- load generator and servers share these cores; wrk's CPU counts against both sides.",
        "",
        "## Versions",
        "",
        *[f"- {name}: {value}" for name, value in versions(settings.urls)],
        "",
        "## Settings",
        "",
        f"- wrk `-t{load.threads} -c{load.connections} -d{load.duration_s:g}s "
        f"--timeout {load.timeout_s:g}s`, {load.warmup_s:g} s warm-up per case and server, "
        f"rounds: {load.rounds}",
        f"- uvicorn workers: {', '.join(map(str, settings.workers))}; both servers: "
        "`uvicorn.run(..., log_level='warning', proxy_headers=True)` as `newsdesk serve`",
        "- app: `NEWSDESK_LOG_LEVEL=warning` (no access log), rate limits off, pool size "
        "default; cache modes run: " + ", ".join(settings.modes),
        f"- language `{settings.lang}`; list depth asked: {settings.depth:,} (cursor walk "
        f"with `limit=100`, then a default 20-item page); create + publish: "
        f"{settings.posts} sequential pairs per round after 3 warm-up pairs",
        *[f"- archive made in {s:.0f} s: `{url}`" for url, s in settings.archive_seconds.items()],
        *(["- **fewer than 3 rounds: a trial, not a result**"] if load.rounds < 3 else []),
        "",
        "## Summary (× bare)",
        "",
        *summary_table(runs, settings),
        "",
        "⚠: some response was not the expected status, or a socket error happened (details "
        "in the run's table).",
        "",
        "## Targets",
        "",
        *targets_section(runs),
        *observed_section(runs),
        "## Runs",
        "",
    ]
    for run in runs:
        lines += run_section(run)
    lines += [
        "## Scaling (smallest → largest archive)",
        "",
        *scaling_section(runs),
        "## Memory (RSS per worker after the load)",
        "",
        *rss_section(runs),
        "## Reproduce",
        "",
        *reproduce(settings),
    ]
    return "\n".join(lines)
