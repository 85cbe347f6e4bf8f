"""What a worker's memory is made of: RSS of one process as the app's parts load.

    bench/memory-profile DATABASE_URL

Starts the app in-process on a `newsdesk bench-data` archive (its lifespan, no server),
serves an article and a list page, then searches once in each language; prints the
process's resident set size (VmRSS) after each step and what each step added. Each search
analyser loads its dictionaries on its language's first search.
"""

import asyncio
import os
import sys
from pathlib import Path


def rss_mb() -> float:
    for line in Path(f"/proc/{os.getpid()}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS (this needs Linux)")


SEARCHES = (("ua", "україна"), ("ru", "россия"), ("en", "running"))


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    os.environ["NEWSDESK_DATABASE_URL"] = sys.argv[1]
    os.environ["NEWSDESK_CACHE"] = "off"
    steps = [("Python", rss_mb())]

    import httpx

    from app.config import get_settings
    from app.main import create_app

    steps.append(("imports (app.main and httpx)", rss_mb()))

    async def serve() -> None:
        app = create_app(get_settings())
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as c:
                items = (await c.get("/v1/ua/articles")).json()["items"]
                if not items:
                    sys.exit("no public Ukrainian articles: run `newsdesk bench-data` first")
                await c.get(items[0]["path"])
                steps.append(("an article and a list page served", rss_mb()))
                for lang, word in SEARCHES:
                    r = await c.get(f"/v1/{lang}/articles", params={"q": word})
                    steps.append((f"first search in {lang} (status {r.status_code})", rss_mb()))

    asyncio.run(serve())
    before = 0.0
    for step, mb in steps:
        print(f"{step:40s} {mb:6.1f} MB   +{mb - before:5.1f}")
        before = mb


if __name__ == "__main__":
    main()
