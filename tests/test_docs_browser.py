"""/docs renders in a real browser with no internet (issue 18, item 7): headless Chromium
(the system's, driven by Playwright) loads Swagger UI from a live server, every request
to anywhere else refused, and shows the contract's operations."""

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Route, sync_playwright

from tests.conftest import _run_directory, _sqlite_template, copy_sqlite, live_server
from tests.databases import cli_environment

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def test_the_docs_render_offline_in_chromium(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    assert Path(CHROMIUM).exists(), "Chromium is needed (apt-get install chromium)"
    # The docs show the contract, not the database: one SQLite file is enough, a copy of
    # the run's migrated one (`newsdesk migrate` would be a process start more).
    copy_sqlite(_sqlite_template(_run_directory(tmp_path_factory)), tmp_path / "docs.db")
    cli_env = cli_environment(f"sqlite+aiosqlite:///{tmp_path / 'docs.db'}", tmp_path)
    refused: list[str] = []
    with live_server(cli_env) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page()

            def only_this_server(route: Route) -> None:
                if route.request.url.startswith(base):
                    route.continue_()
                else:
                    refused.append(route.request.url)
                    route.abort()

            page.route("**/*", only_this_server)
            page.goto(f"{base}/docs")
            page.wait_for_selector(".opblock", timeout=30_000)
            operations = page.locator(".opblock").count()
            title = page.locator(".info .title").inner_text()
            refused_by_docs = list(refused)
            page.goto(f"{base}/redoc")
            page.wait_for_selector("[data-section-id]", timeout=30_000)
            sections = page.locator("[data-section-id]").count()
        finally:
            browser.close()
    assert operations >= 60  # every operation of the contract, rendered
    assert "Newsdesk API" in title
    assert sections >= 60
    assert refused_by_docs == []  # Swagger UI asked nothing of the internet
    # ReDoc asks for one thing only: its "powered by" badge, and renders without it.
    assert set(refused) <= {"https://cdn.redoc.ly/redoc/logo-mini.svg"}
