"""What `bench/http-bench` measures, as data: wrk runs, cases, server runs, targets.

Pure code (no network, no processes), so that the arithmetic of the ratios, the scaling
and the targets can be tested on its own (`tests/test_bench_harness.py`).
"""

import json
import statistics
from dataclasses import dataclass, field

# The wrk cases, in the order they run; create + publish runs after them.
WRK_CASES = ("article", "not_modified", "list_first", "list_deep", "search", "rss")
LATENCY_CASE = "create_publish"
ALL_CASES = (*WRK_CASES, LATENCY_CASE)
CASE_LABELS = {
    "article": "article GET",
    "not_modified": "article 304 (If-None-Match)",
    "list_first": "list, page 1",
    "list_deep": "list, cursor at depth",
    "search": "search",
    "rss": "RSS feed",
    LATENCY_CASE: "create + publish (latency)",
}
CACHE_MODES = ("on", "off")
# The same with metrics and the JSON request log on (the plain modes run with both off):
# issue 20's cost of observability, each against its plain mode in the same run.
OBSERVED = "+observed"
OBSERVED_MODES = tuple(mode + OBSERVED for mode in CACHE_MODES)
MODES = (*CACHE_MODES, *OBSERVED_MODES)
OBSERVED_LIMIT = 0.9  # observed ratio ÷ plain ratio at least this
SOCKET_ERRORS = ("connect", "read", "write", "timeout")
RESULT_PREFIX = "WRK_RESULT "
SCALING_LIMIT = 1.2


def median(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def size_label(articles: int) -> str:
    """10000 → 10k, 2500 → 2.5k, 500 → 500."""
    return f"{articles / 1000:g}k" if articles >= 1000 else str(articles)


def movement(before: float, after: float) -> float:
    """How far a figure moved, in either direction: 1.0 is unchanged, 1.25 is 25% off."""
    quotient = after / before
    return max(quotient, 1 / quotient)


@dataclass(frozen=True)
class Load:
    """How wrk loads: the same for the app and the bare server."""

    duration_s: int
    warmup_s: int
    connections: int
    threads: int
    timeout_s: float
    rounds: int


@dataclass(frozen=True)
class WrkRun:
    """One wrk run against one URL, as `bench/wrk_report.lua` reports it."""

    requests: int
    duration_s: float
    statuses: dict[int, int]
    socket_errors: dict[str, int]
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @classmethod
    def parse(cls, output: str) -> "WrkRun":
        """From wrk's standard output (the `WRK_RESULT {...}` line of the Lua script)."""
        for line in output.splitlines():
            if line.startswith(RESULT_PREFIX):
                data = json.loads(line.removeprefix(RESULT_PREFIX))
                break
        else:
            raise ValueError(f"no {RESULT_PREFIX.strip()} line in wrk's output:\n{output}")
        latency = data["latency_us"]
        return cls(
            requests=int(data["requests"]),
            duration_s=data["duration_us"] / 1e6,
            statuses={int(code): int(n) for code, n in data["statuses"].items()},
            socket_errors={name: int(data["errors"][name]) for name in SOCKET_ERRORS},
            p50_ms=latency["p50"] / 1000,
            p99_ms=latency["p99"] / 1000,
        )


def merge_statuses(runs: list[WrkRun]) -> dict[int, int]:
    merged: dict[int, int] = {}
    for run in runs:
        for code, n in run.statuses.items():
            merged[code] = merged.get(code, 0) + n
    return dict(sorted(merged.items()))


def describe_statuses(statuses: dict[int, int]) -> str:
    return ", ".join(f"{code} ×{n}" for code, n in sorted(statuses.items())) or "no responses"


def problems_of(side: str, runs: list[WrkRun], expected: int) -> list[str]:
    """Every response that was not the expected status, and every socket error."""
    found = []
    statuses = merge_statuses(runs)
    if set(statuses) != {expected}:
        found.append(f"{side} answered {describe_statuses(statuses)} (expected {expected})")
    errors = {name: sum(r.socket_errors[name] for r in runs) for name in SOCKET_ERRORS}
    if any(errors.values()):
        listed = ", ".join(f"{name} {n}" for name, n in errors.items() if n)
        found.append(f"{side} socket errors: {listed}")
    return found


@dataclass
class CaseResult:
    """One URL loaded alternately on the app and on the bare server, round by round."""

    case: str
    mode: str
    expected_status: int
    app: list[WrkRun] = field(default_factory=list)
    bare: list[WrkRun] = field(default_factory=list)

    @property
    def ratios(self) -> list[float]:
        return [a.rps / b.rps if b.rps else 0.0 for a, b in zip(self.app, self.bare, strict=True)]

    @property
    def ratio(self) -> float:
        """The figure: app req/s ÷ bare req/s, median over rounds."""
        return median(self.ratios)

    @property
    def app_rps(self) -> float:
        return median([r.rps for r in self.app])

    @property
    def bare_rps(self) -> float:
        return median([r.rps for r in self.bare])

    @property
    def app_p50_ms(self) -> float:
        return median([r.p50_ms for r in self.app])

    @property
    def app_p99_ms(self) -> float:
        return median([r.p99_ms for r in self.app])

    @property
    def app_statuses(self) -> dict[int, int]:
        return merge_statuses(self.app)

    @property
    def as_expected(self) -> bool:
        """The app answered only the expected status (a "304" row that got 200s is not)."""
        return set(self.app_statuses) == {self.expected_status}

    def problems(self) -> list[str]:
        return problems_of("app", self.app, self.expected_status) + problems_of(
            "bare", self.bare, self.expected_status
        )


@dataclass
class LatencyResult:
    """Sequential create + publish pairs, timed on the app and on the bare server."""

    mode: str
    app_ms: list[list[float]] = field(default_factory=list)  # one list per round
    bare_ms: list[list[float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ratios(self) -> list[float]:
        """Per round: median app latency ÷ median bare latency (higher is slower)."""
        return [median(a) / median(b) for a, b in zip(self.app_ms, self.bare_ms, strict=True)]

    @property
    def ratio(self) -> float:
        return median(self.ratios)

    @property
    def app_median_ms(self) -> float:
        return median([v for r in self.app_ms for v in r])

    @property
    def app_p95_ms(self) -> float:
        return p95([v for r in self.app_ms for v in r])

    @property
    def bare_median_ms(self) -> float:
        return median([v for r in self.bare_ms for v in r])


@dataclass(frozen=True, order=True)
class RunKey:
    """One server configuration: database backend, archive size, uvicorn workers."""

    backend: str
    articles: int
    workers: int

    def label(self) -> str:
        return f"{self.backend}, {self.articles:,} articles, {self.workers} worker(s)"

    def short(self) -> str:
        return f"{self.backend} {size_label(self.articles)} w{self.workers}"


@dataclass
class ServerRun:
    """Everything measured for one RunKey."""

    key: RunKey
    cases: dict[tuple[str, str], CaseResult] = field(default_factory=dict)
    latency: dict[str, LatencyResult] = field(default_factory=dict)
    rss_mb: dict[str, list[float]] = field(default_factory=dict)  # "app, cache on": per worker
    facts: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    failed: str | None = None

    def figure(self, case: str, mode: str) -> float | None:
        """The ratio to bare of a case in a cache mode, or None when it was not measured."""
        if case == LATENCY_CASE:
            latency = self.latency.get(mode)
            return latency.ratio if latency and latency.app_ms else None
        result = self.cases.get((case, mode))
        return result.ratio if result and result.app else None

    def app_rss_mb(self) -> list[float]:
        return [
            mb for name, values in self.rss_mb.items() if name.startswith("app") for mb in values
        ]


@dataclass(frozen=True)
class Scaling:
    """How a figure changed from the smallest to the largest archive."""

    backend: str
    workers: int
    case: str
    mode: str
    small: int
    large: int
    before: float
    after: float

    @property
    def quotient(self) -> float:
        return self.after / self.before

    @property
    def met(self) -> bool:
        return movement(self.before, self.after) <= SCALING_LIMIT


def scaling(runs: list[ServerRun]) -> list[Scaling]:
    """For each backend, worker count, case and mode: ratio(largest) ÷ ratio(smallest)."""
    done = [r for r in runs if r.failed is None]
    found = []
    groups = sorted({(r.key.backend, r.key.workers) for r in done})
    for backend, workers in groups:
        sized = sorted(
            (r for r in done if (r.key.backend, r.key.workers) == (backend, workers)),
            key=lambda r: r.key.articles,
        )
        if len(sized) < 2 or sized[0].key.articles == sized[-1].key.articles:
            continue
        small, large = sized[0], sized[-1]
        for case in ALL_CASES:
            for mode in MODES:
                before, after = small.figure(case, mode), large.figure(case, mode)
                if before and after:
                    found.append(
                        Scaling(
                            backend,
                            workers,
                            case,
                            mode,
                            small.key.articles,
                            large.key.articles,
                            before,
                            after,
                        )
                    )
    return found


@dataclass(frozen=True)
class Verdict:
    """One target on one server configuration: the figure shown and whether it is met."""

    shown: str
    met: bool | None  # None: not measured


def _at_least(value: float | None, limit: float) -> Verdict:
    if value is None:
        return Verdict("not run", None)
    return Verdict(f"{value:.3f}", value >= limit)


def target_verdicts(run: ServerRun, largest: int) -> dict[str, Verdict]:
    """The issue's targets, judged on one ServerRun."""
    verdicts = {
        "cached article GET ≥ 0.9× bare": _at_least(run.figure("article", "on"), 0.9),
        "uncached article GET ≥ 0.08× bare": _at_least(run.figure("article", "off"), 0.08),
    }
    not_modified = run.cases.get(("not_modified", "on"))
    if not_modified is None or not not_modified.app:
        verdicts["304 ≥ 1.0× bare"] = Verdict("not run", None)
    elif not not_modified.as_expected:
        got = describe_statuses(not_modified.app_statuses)
        verdicts["304 ≥ 1.0× bare"] = Verdict(f"{not_modified.ratio:.3f} but got {got}", False)
    else:
        verdicts["304 ≥ 1.0× bare"] = _at_least(not_modified.ratio, 1.0)
    verdicts["list at depth within 1.2× of page 1"] = _depth_verdict(run)
    rss = run.app_rss_mb()
    if run.key.articles != largest:
        verdicts["worker RSS ≤ 150 MB (largest archive)"] = Verdict(
            f"{max(rss):.0f} MB (not the largest archive)" if rss else "not run", None
        )
    elif not rss:
        verdicts["worker RSS ≤ 150 MB (largest archive)"] = Verdict("not run", None)
    else:
        verdicts["worker RSS ≤ 150 MB (largest archive)"] = Verdict(
            f"{max(rss):.0f} MB", max(rss) <= 150
        )
    return verdicts


def _depth_verdict(run: ServerRun) -> Verdict:
    """Page 1 ÷ deep page, uncached if that was run (a cache would hide the query)."""
    for mode in ("off", "on"):
        first, deep = run.figure("list_first", mode), run.figure("list_deep", mode)
        if first and deep:
            slower = first / deep
            depth = run.facts.get("list depth", "?")
            shown = f"deep page costs {slower:.2f}× page 1 (depth {depth}, cache {mode})"
            return Verdict(shown, slower <= 1.2)
    return Verdict("not run", None)
