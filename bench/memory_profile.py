"""What a worker's memory is made of: RSS of one process as the app's parts load.

    bench/memory-profile DATABASE_URL [--single]

Loads what a `newsdesk serve --workers N` worker loads (the `newsdesk` script's module,
which multiprocessing runs again in each worker, uvicorn with uvloop and httptools, the
app); `--single`: what `newsdesk serve` with one worker holds, where the command's own
process serves (the CLI module and Typer too). Then it starts the app in-process on a
`newsdesk bench-data` archive (its lifespan, no server), serves an article and a list
page, then searches once in each language; prints the process's resident set size
(VmRSS) after each step and what each step added. Each search analyser loads its
dictionaries on its language's first search. Requests are plain ASGI calls, not an HTTP
client: a worker has no client library loaded (httpx alone is ~5 MB), so the profile must
not add one.
"""

import json
import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode


def rss_mb() -> float:
    for line in Path(f"/proc/{os.getpid()}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS (this needs Linux)")


SEARCHES = (("ua", "україна"), ("ru", "россия"), ("en", "running"))


async def get(app: Any, path: str, **params: str) -> tuple[int, bytes]:
    """One GET through the ASGI app: its status and body."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": urlencode(params).encode(), "headers": [(b"host", b"bench")],
        "client": ("127.0.0.1", 50000), "server": ("bench", 80),
    }  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def main() -> None:
    if sys.argv[1:2] in (["-h"], ["--help"]):
        print(__doc__)
        return
    if len(sys.argv) not in (2, 3) or sys.argv[2:] not in ([], ["--single"]):
        sys.exit(__doc__)
    single = sys.argv[2:] == ["--single"]
    os.environ["NEWSDESK_DATABASE_URL"] = sys.argv[1]
    os.environ["NEWSDESK_CACHE"] = "off"
    steps = [("Python", rss_mb())]

    # What `newsdesk serve` loads besides the app: a worker imports the script's module
    # again (`app.launch`; one worker: the command's own process, with the CLI), uvicorn,
    # uvloop, and httptools under the app's guarded protocol.
    import uvicorn  # noqa: F401
    import uvloop

    import app.launch
    import app.ops.protocol

    if single:
        import app.cli  # noqa: F401
    server = "app.cli" if single else "app.launch"
    steps.append((f"the server ({server}, uvicorn, uvloop)", rss_mb()))

    from app.config import get_settings
    from app.main import create_app

    steps.append(("imports (app.main)", rss_mb()))

    async def serve() -> None:
        app = create_app(get_settings(), serving=True)  # as `app.main:app`, a worker's app
        async with app.router.lifespan_context(app):
            steps.append(("lifespan", rss_mb()))
            items = json.loads((await get(app, "/v1/ua/articles"))[1])["items"]
            if not items:
                sys.exit("no public Ukrainian articles: run `newsdesk bench-data` first")
            await get(app, items[0]["path"])
            steps.append(("an article and a list page served", rss_mb()))
            for lang, word in SEARCHES:
                status, _ = await get(app, f"/v1/{lang}/articles", q=word)
                steps.append((f"first search in {lang} (status {status})", rss_mb()))

    uvloop.run(serve())  # the loop uvicorn runs a worker on
    before = 0.0
    for step, mb in steps:
        print(f"{step:40s} {mb:6.1f} MB   +{mb - before:5.1f}")
        before = mb


if __name__ == "__main__":
    main()
