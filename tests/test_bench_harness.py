"""The arithmetic and the bare app of `bench/http-bench`, without servers or network."""

import io
import sys
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from bare_app import FIXTURES_ENV, Recorded, create_app, request_key, write_fixtures
from http_bench_report import scaling_section, summary_table, table
from http_bench_results import (
    CaseResult,
    LatencyResult,
    RunKey,
    ServerRun,
    WrkRun,
    movement,
    scaling,
    size_label,
    target_verdicts,
)

WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:8000/v1/ua/articles
  2 threads and 64 connections
WRK_RESULT {"requests":1000,"duration_us":5000000,"bytes":123,"statuses":{"200":990,"500":10},\
"errors":{"connect":0,"read":2,"write":0,"status":10,"timeout":1},\
"latency_us":{"p50":12000,"p99":80000,"max":90000}}
"""


def run(rps: float, statuses: dict[int, int] | None = None) -> WrkRun:
    return WrkRun(
        requests=int(rps * 5),
        duration_s=5.0,
        statuses=statuses or {200: int(rps * 5)},
        socket_errors={"connect": 0, "read": 0, "write": 0, "timeout": 0},
        p50_ms=10.0,
        p99_ms=50.0,
    )


def case(
    name: str, mode: str, app: list[float], bare: list[float], expected: int = 200
) -> CaseResult:
    statuses = None if expected == 200 else {expected: 10}
    return CaseResult(
        name, mode, expected, [run(r, statuses) for r in app], [run(r, statuses) for r in bare]
    )


def server_run(articles: int, article_ratio: float, rss: float = 120.0) -> ServerRun:
    result = ServerRun(RunKey("SQLite", articles, 1))
    result.cases[("article", "on")] = case("article", "on", [article_ratio * 1000] * 3, [1000] * 3)
    result.cases[("article", "off")] = case("article", "off", [50, 60, 70], [1000, 1000, 1000])
    result.cases[("list_first", "off")] = case("list_first", "off", [30] * 3, [1000] * 3)
    result.cases[("list_deep", "off")] = case("list_deep", "off", [20] * 3, [1000] * 3)
    result.rss_mb["app, cache on"] = [rss]
    result.facts["list depth"] = "5,000"
    return result


def test_wrk_output_is_parsed_with_statuses_and_errors() -> None:
    parsed = WrkRun.parse(WRK_OUTPUT)
    assert parsed.rps == 200
    assert parsed.statuses == {200: 990, 500: 10}
    assert parsed.socket_errors == {"connect": 0, "read": 2, "write": 0, "timeout": 1}
    assert (parsed.p50_ms, parsed.p99_ms) == (12, 80)


def test_wrk_output_without_the_result_line_is_an_error() -> None:
    with pytest.raises(ValueError, match="WRK_RESULT"):
        WrkRun.parse("unable to connect to 127.0.0.1:1 Connection refused")


def test_a_figure_is_the_median_of_the_per_round_ratios() -> None:
    result = case("article", "on", [100, 300, 200], [1000, 1000, 500])
    assert result.ratios == [0.1, 0.3, 0.4]
    assert result.ratio == 0.3
    assert (result.app_rps, result.bare_rps) == (200, 1000)


def test_a_304_row_that_received_200s_is_flagged_and_fails_its_target() -> None:
    result = ServerRun(RunKey("PostgreSQL", 10_000, 2))
    got_200 = CaseResult("not_modified", "on", 304, [run(900)] * 3, [run(1000, {304: 5000})] * 3)
    result.cases[("not_modified", "on")] = got_200
    assert not got_200.as_expected
    assert got_200.problems() == ["app answered 200 ×13500 (expected 304)"]
    verdict = target_verdicts(result, largest=10_000)["304 ≥ 1.0× bare"]
    assert verdict.met is False
    assert "got 200 ×13500" in verdict.shown


def test_socket_errors_are_problems() -> None:
    broken = WrkRun(10, 1.0, {200: 10}, {"connect": 3, "read": 0, "write": 0, "timeout": 2}, 1, 2)
    result = CaseResult("rss", "off", 200, [broken], [run(100)])
    assert result.problems() == ["app socket errors: connect 3, timeout 2"]


def test_create_publish_latency_ratio_is_app_over_bare_per_round() -> None:
    latency = LatencyResult(
        "on", app_ms=[[40, 50, 60], [45, 55, 65]], bare_ms=[[2, 2, 2], [5, 5, 5]]
    )
    assert latency.ratios == [25, 11]
    assert latency.ratio == 18
    assert latency.app_median_ms == 52.5


def test_targets_are_judged_on_the_largest_archive_for_memory() -> None:
    small, large = server_run(10_000, 0.7), server_run(100_000, 0.5, rss=160)
    verdicts = target_verdicts(large, largest=100_000)
    assert verdicts["cached article GET ≥ 0.9× bare"].met is False
    assert verdicts["uncached article GET ≥ 0.08× bare"].shown == "0.060"
    assert verdicts["list at depth within 1.2× of page 1"].met is False  # 0.03 vs 0.02: 1.5×
    assert verdicts["worker RSS ≤ 150 MB (largest archive)"].met is False
    assert (
        target_verdicts(small, largest=100_000)["worker RSS ≤ 150 MB (largest archive)"].met is None
    )


def test_scaling_compares_the_smallest_and_the_largest_archive() -> None:
    found = {
        (s.case, s.mode): s for s in scaling([server_run(100_000, 0.5), server_run(10_000, 0.7)])
    }
    article = found[("article", "on")]
    assert (article.small, article.large) == (10_000, 100_000)
    assert article.quotient == pytest.approx(0.5 / 0.7)
    assert not article.met
    assert found[("article", "off")].met
    assert any(
        "0.71" in line
        for line in scaling_section([server_run(10_000, 0.7), server_run(100_000, 0.5)])
    )


def test_movement_is_symmetric_and_sizes_are_short() -> None:
    assert movement(2, 1) == movement(1, 2) == 2
    assert [size_label(n) for n in (500, 2000, 10_000, 100_000, 2500)] == [
        "500",
        "2k",
        "10k",
        "100k",
        "2.5k",
    ]


def test_tables_render_every_run_as_a_column() -> None:
    assert table(["a", "b"], [["x", "1"]]) == ["| a | b |", "| --- | ---: |", "| x | 1 |"]

    class Settings:
        cases = ("article",)
        modes = ("on", "off")

    lines = summary_table([server_run(10_000, 0.7)], Settings())  # type: ignore[arg-type]
    assert lines[0] == "| case | cache | SQLite 10k w1 |"
    assert lines[2] == "| article GET | on | 0.700 |"


async def test_the_bare_app_replays_bytes_and_answers_304_to_the_recorded_etag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = '{"title": "Київ"}'.encode()
    headers = [
        ("content-type", "application/json"),
        ("cache-control", "public, max-age=30"),
        ("content-language", "uk"),
        ("link", "</v1/en/articles/kyiv>; rel=alternate"),
    ]
    fixtures = {
        request_key("GET", "/v1/ua/articles/kyiv"): Recorded(200, headers, body, '"v1"'),
        request_key("GET", "/v1/ua/articles", "q=%D0%BA"): Recorded(200, headers, b"[]"),
        request_key("POST", "/v1/admin/articles"): Recorded(201, headers, b'{"id": "a"}'),
    }
    path = tmp_path / "fixtures.json"
    write_fixtures(path, fixtures)
    monkeypatch.setenv(FIXTURES_ENV, str(path))
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://bare") as client:
        plain = await client.get("/v1/ua/articles/kyiv")
        assert (plain.status_code, plain.content) == (200, body)
        assert plain.headers["content-type"] == "application/json"
        assert plain.headers["content-length"] == str(len(body))
        etag = {"If-None-Match": '"v1"'}
        not_modified = await client.get("/v1/ua/articles/kyiv", headers=etag)
        assert (not_modified.status_code, not_modified.content) == (304, b"")
        assert not_modified.headers["etag"] == '"v1"'
        assert "content-type" not in not_modified.headers
        assert "link" not in not_modified.headers  # the app's 304 keeps the rest
        assert not_modified.headers["content-language"] == "uk"
        other = await client.get("/v1/ua/articles/kyiv", headers={"If-None-Match": '"v0"'})
        assert other.status_code == 200
        assert (await client.get("/v1/ua/articles?q=%D0%BA")).content == b"[]"
        assert (await client.post("/v1/admin/articles", json={"x": 1})).status_code == 201
        assert (await client.get("/v1/ua/articles/other")).status_code == 404


def test_each_archive_keeps_its_own_size() -> None:
    # bench_10000 is a prefix of bench_100000: sizes were once read back off the URL, and
    # the 100,000-article archives were remade with 10,000.
    from http_bench import archive_urls

    made = archive_urls(
        [10000, 100000], ["sqlite", "postgresql"], Path("archives"), "postgresql://h"
    )
    assert [(size, url.rsplit("/", 1)[1]) for size, url in made] == [
        (10000, "bench_10000.db"),
        (10000, "bench_10000"),
        (100000, "bench_100000.db"),
        (100000, "bench_100000"),
    ]


# bench/media-upload ------------------------------------------------------------------------


def test_the_media_bench_photo_is_turned_and_a_comment_changes_its_bytes_not_its_pixels() -> None:
    from media_photo import render_photo, shown_size, with_comment
    from PIL import Image

    data = render_photo(96, 64, seed=3)
    assert data == render_photo(96, 64, seed=3)  # the same photo on every run
    assert shown_size(data) == (96, 64)  # stored 64×96, EXIF orientation 6
    other = with_comment(data, "upload 2")
    assert other != data
    with Image.open(io.BytesIO(data)) as a, Image.open(io.BytesIO(other)) as b:
        assert a.tobytes() == b.tobytes()


def test_pillow_does_the_same_work_as_the_app_and_strips_the_exif(tmp_path: Path) -> None:
    """The Pillow side of the comparison writes the renditions the app's libvips code
    writes (sizes, formats, crops, keys), and neither keeps the photo's EXIF."""
    from media_photo import MAKE, render_photo
    from media_upload import LIBRARIES, inspect_output

    photo = tmp_path / "photo.jpg"
    photo.write_bytes(render_photo(1200, 800, seed=2))
    outputs = {}
    for name, upload in LIBRARIES.items():
        rendered = upload(photo, tmp_path / name, True)
        outputs[name] = inspect_output(rendered, tmp_path / name / "store")
        keys = sorted(r.key for r in rendered.renditions)
        assert keys == sorted(rendered.written)
    assert outputs["libvips"].shapes == outputs["Pillow"].shapes
    assert (960, 640, "avif", None) in outputs["Pillow"].shapes
    assert (640, 640, "webp", "1:1") in outputs["Pillow"].shapes
    assert not any(o.leaks for o in outputs.values())
    assert MAKE.encode() in photo.read_bytes()  # the check would see it


def test_memory_figure_is_the_highest_upload_peak_over_idle() -> None:
    from media_upload import MemoryResult, UploadSample

    result = MemoryResult(photo_mb=6.2, idle_mb=110.0)
    result.uploads = [UploadSample(3.0, 190.0, 170.0, 500), UploadSample(3.0, 230.0, 175.0, 500)]
    assert result.added_mb == 120.0
