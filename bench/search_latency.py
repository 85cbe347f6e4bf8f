"""Search latency against the plain list, on a real server, in the same run.

For each database URL given (filled by `newsdesk bench-data --articles N`): start uvicorn
(one worker), derive queries from the archive itself (frequent, mid-frequency and rare
words, two-word queries and quoted phrases, per language), then alternate plain list
requests (`GET /v1/{lang}/articles`) with search requests (`...?q=`) one at a time and
report median and p95 latency of each and their ratio. `--reindex` also times
`newsdesk search-reindex` (a full rebuild of the index) first. `--same-queries` asks every
archive the first one's queries (the set is drawn from each archive's newest pages, so
archives of different sizes, and runs a day apart, get different sets otherwise).
`--queries FILE` keeps the set in a file: read from it when it exists, else drawn from the
first archive and written to it, so runs before and after a change ask the same questions
(each `bench/http-bench` run adds articles, and the newest pages give another set).

    bench/search-latency sqlite+aiosqlite:////tmp/bench100k.db \\
        postgresql+asyncpg://postgres@127.0.0.1:5432/bench100k --reindex
"""

import argparse
import collections
import itertools
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("ua", "en", "ru")
WORD = re.compile(r"[^\W\d_]{4,}")


@dataclass
class Samples:
    list_ms: list[float] = field(default_factory=list)
    search_ms: dict[str, list[float]] = field(default_factory=lambda: collections.defaultdict(list))
    hits: dict[str, list[int]] = field(default_factory=lambda: collections.defaultdict(list))
    # Each search: (ms, language, kind, query), for `--slowest`.
    each: list[tuple[float, str, str, str]] = field(default_factory=list)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(database_url: str) -> Iterator[str]:
    port = free_port()
    # No response cache: each request is measured doing its work (the list's repeats and
    # the rounds' searches would otherwise be answered from memory).
    env = {
        **os.environ,
        "NEWSDESK_DATABASE_URL": database_url,
        "NEWSDESK_LOG_LEVEL": "warning",
        "NEWSDESK_CACHE": "off",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)], cwd=ROOT, env=env
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def queries_for(client: httpx.Client, lang: str, rng: random.Random) -> dict[str, list[str]]:
    """Queries taken from the archive's own public text, by kind."""
    titles: list[str] = []
    cursor = None
    for _ in range(10):
        params: dict[str, str | int] = {"limit": 100}
        if cursor:
            params["cursor"] = cursor
        page = client.get(f"/v1/{lang}/articles", params=params).json()
        titles += [f"{item['title']} {item['lead']}" for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    counts = collections.Counter(w for t in titles for w in WORD.findall(t.lower()))
    ranked = [w for w, _ in counts.most_common()]
    third = max(1, len(ranked) // 3)

    def pick(pool: list[str], n: int) -> list[str]:
        return rng.sample(pool, min(n, len(pool)))

    two_words, phrases = [], []
    for title in rng.sample(titles, min(30, len(titles))):
        words = WORD.findall(title)
        if len(words) >= 3:
            a, b = rng.sample(words, 2)
            two_words.append(f"{a} {b}")
            i = rng.randrange(len(words) - 1)
            phrases.append(f'"{words[i]} {words[i + 1]}"')
    return {
        "frequent word": pick(ranked[:third], 10),
        "mid word": pick(ranked[third : 2 * third], 10),
        "rare word": pick(ranked[2 * third :], 10),
        "two words": two_words[:10],
        "phrase": phrases[:10],
    }


Plan = list[tuple[str, str, str]]  # (language, kind, query)


def measure(
    base: str, rounds: int, seed: int, plan: Plan | None = None, warm_rounds: int = 1
) -> tuple[Samples, Plan]:
    """The samples, and the queries asked: `plan`, or drawn from this archive; after
    `warm_rounds` unmeasured passes over them."""
    rng = random.Random(seed)
    samples = Samples()
    with httpx.Client(base_url=base, timeout=60) as client:
        if plan is None:
            plan = [
                (lang, kind, q)
                for lang in LANGUAGES
                for kind, qs in queries_for(client, lang, rng).items()
                for q in qs
            ]
        asked = list(plan)
        plan = list(plan)
        # Warm-up: connections, each language's analyser (its first search loads the
        # dictionaries: 0.1-0.2 s, a worker's once, not a search's), and the pages of the
        # archive the queries read. A machine that reclaims idle page cache (the kernel's
        # DAMON was seen doing so) left the first run after other work with a tail its
        # next run did not have, the medians unchanged (3-4× the p95): every query is
        # asked once (`--warm-rounds`), so both runs measure the archive in memory.
        # Without (0), every fifth of each language's: some of each kind.
        warm = [[item for item in plan if item[0] == lang][::5] for lang in LANGUAGES]
        warming = itertools.chain.from_iterable(warm) if warm_rounds < 1 else plan * warm_rounds
        for lang, _, q in warming:
            client.get(f"/v1/{lang}/articles", params={"q": q})
            client.get(f"/v1/{lang}/articles")
        for _ in range(rounds):
            rng.shuffle(plan)
            for lang, kind, q in plan:
                start = time.perf_counter()
                r = client.get(f"/v1/{lang}/articles")
                samples.list_ms.append((time.perf_counter() - start) * 1000)
                r.raise_for_status()
                start = time.perf_counter()
                r = client.get(f"/v1/{lang}/articles", params={"q": q})
                took = (time.perf_counter() - start) * 1000
                samples.search_ms[kind].append(took)
                samples.each.append((took, lang, kind, q))
                r.raise_for_status()
                samples.hits[kind].append(len(r.json()["items"]))
    return samples, asked


def reindex(database_url: str) -> float:
    env = {**os.environ, "NEWSDESK_DATABASE_URL": database_url}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "app.cli", "search-reindex"], cwd=ROOT, env=env, check=True
    )
    return time.perf_counter() - start


def backend(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"


def report(url: str, samples: Samples, rebuild_s: float | None) -> str:
    everything = [v for values in samples.search_ms.values() for v in values]
    lines = [
        f"### {backend(url)}",
        "",
        "| requests | n | median ms | p95 ms | p95 / list p95 |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    list_p95 = p95(samples.list_ms)

    def row(name: str, values: list[float]) -> str:
        ratio = p95(values) / list_p95
        return (
            f"| {name} | {len(values)} | {statistics.median(values):.1f} | "
            f"{p95(values):.1f} | {ratio:.2f}× |"
        )

    lines.append(row("list, page 1", samples.list_ms))
    lines.append(row("search, all", everything))
    for kind, values in samples.search_ms.items():
        lines.append(row(f"search, {kind}", values))
    if rebuild_s is not None:
        lines += ["", f"Full index rebuild (`newsdesk search-reindex`): {rebuild_s:.1f} s"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("urls", nargs="+", help="database URLs with a bench-data archive")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the query set")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--warm-rounds",
        type=int,
        default=1,
        help="unmeasured passes over the query set first (0: a fifth of it once)",
    )
    parser.add_argument("--reindex", action="store_true", help="time a full rebuild first")
    parser.add_argument(
        "--slowest", type=int, default=0, metavar="N", help="list the N slowest searches"
    )
    parser.add_argument(
        "--same-queries",
        action="store_true",
        help="ask every archive the queries drawn from the first (for scaling figures: "
        "each archive's newest pages give another set otherwise)",
    )
    parser.add_argument(
        "--queries",
        type=Path,
        metavar="FILE",
        help="the query set as JSON: asked when FILE exists, else drawn from the first "
        "archive and written there (the same questions in later runs)",
    )
    args = parser.parse_args()
    out = []
    plan: Plan | None = None
    if args.queries is not None and args.queries.exists():
        plan = [(lang, kind, q) for lang, kind, q in json.loads(args.queries.read_text())]
    for url in args.urls:
        rebuild_s = reindex(url) if args.reindex else None
        with server(url) as base:
            samples, asked = measure(base, args.rounds, args.seed, plan, args.warm_rounds)
        if args.queries is not None and not args.queries.exists():
            args.queries.write_text(json.dumps(asked, ensure_ascii=False, indent=1) + "\n")
        if args.same_queries or args.queries is not None:
            plan = asked
        out.append(report(url, samples, rebuild_s))
        print(out[-1], flush=True)
        for took, lang, kind, q in sorted(samples.each, reverse=True)[: args.slowest]:
            print(f"    {took:7.1f} ms  {lang}  {kind:13}  {q}", flush=True)
    print()


if __name__ == "__main__":
    main()
