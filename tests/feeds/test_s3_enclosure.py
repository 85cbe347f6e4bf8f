"""With media in an S3 bucket (a real SeaweedFS), a feed's enclosure gives the byte size of
the object its URL names, as the bucket serves it."""

import json
from pathlib import Path

import feedparser
import httpx
import pytest

from app.config import Settings
from tests.builders import published_article
from tests.conftest import Credential
from tests.media.conftest import s3_server  # noqa: F401 - the fixture, for this module
from tests.media.images import photo
from tests.media.s3server import S3Server
from tests.media.test_upload import upload


@pytest.fixture
def settings(database_url: str, tmp_path: Path, s3_server: S3Server) -> Settings:  # noqa: F811
    local = Settings(database_url=database_url, media_dir=tmp_path / "media")
    return s3_server.configure(local, bucket=s3_server.new_bucket())


async def test_the_enclosure_length_is_the_objects_size(
    client: httpx.AsyncClient, admin: Credential
) -> None:
    media = await upload(
        client,
        admin,
        photo(600, 400),  # small: the enclosure's length is what counts, not the size
        credit="Reuters",
        translations=json.dumps({"ua": {"caption": "Порт", "alt": "Судно"}}),
    )
    await published_article(client, admin, "Порт", cover_media_id=media["id"])
    feed = feedparser.parse((await client.get("/v1/ua/feed.rss")).content)
    assert not feed.bozo
    [enclosure] = feed.entries[0].enclosures
    assert enclosure.href == media["url"]
    async with httpx.AsyncClient(timeout=10) as reader:  # straight to the bucket
        served = await reader.get(media["url"])
    assert served.status_code == 200
    assert (enclosure.type, enclosure.length) == ("image/jpeg", str(len(served.content)))
