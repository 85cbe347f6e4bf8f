"""/docs renders in a real browser with no internet (issue 18, item 7): headless Chromium
(the system's, driven by Playwright) loads Swagger UI from a live server, every request
to anywhere else refused, and shows the contract's operations."""

import shutil
from pathlib import Path

from playwright.sync_api import Route, sync_playwright

from tests.conftest import live_server, run_cli
from tests.databases import cli_environment

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def test_the_docs_render_offline_in_chromium(tmp_path: Path) -> None:
    assert Path(CHROMIUM).exists(), "Chromium is needed (apt-get install chromium)"
    # The docs show the contract, not the database: one SQLite file is enough.
    cli_env = cli_environment(f"sqlite+aiosqlite:///{tmp_path / 'docs.db'}", tmp_path)
    run_cli(cli_env, "migrate")
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
