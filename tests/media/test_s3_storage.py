"""The S3 storage against a real SeaweedFS: files written, read back over HTTP as a
reader would, listed, deleted in batches; start-up checks that fail clearly; keys that
could leave the bucket's namespace refused."""

import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from botocore.exceptions import ClientError

from app.config import Settings
from app.media import storage
from app.media.s3 import S3Storage
from tests.live import free_port
from tests.media.s3server import S3Server

WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8 fake image bytes"


def key(n: int, name: str = "w640.webp") -> str:
    digest = hashlib.sha256(str(n).encode()).hexdigest()
    return f"{digest[:2]}/{digest}/{name}"


@pytest.fixture
def s3_settings(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings read from the environment `settings_env()` gives, for a bucket of this
    test's own (so listings see only this test's files)."""
    for name, value in s3_server.settings_env(bucket=s3_server.new_bucket()).items():
        monkeypatch.setenv(name, value)
    return Settings()


@pytest.fixture
def s3(s3_settings: Settings) -> S3Storage:
    made = storage.from_settings(s3_settings)
    assert isinstance(made, S3Storage)
    return made


def test_put_then_a_reader_gets_the_bytes_with_immutable_caching(s3: S3Storage) -> None:
    s3.check()
    assert not s3.exists(key(1))
    s3.put(key(1), WEBP, "image/webp")
    s3.put(key(1), WEBP, "image/webp")  # the same key again: harmless
    assert s3.exists(key(1))
    assert not s3.exists(key(2))
    # Anonymous GET of the public URL, as a browser or CDN would fetch it.
    r = httpx.get(s3.url(key(1)))
    assert r.status_code == 200
    assert r.content == WEBP
    assert r.headers["content-type"] == "image/webp"
    assert r.headers["cache-control"] == storage.IMMUTABLE


def test_url_is_the_path_style_address_of_the_bucket(s3: S3Storage, s3_server: S3Server) -> None:
    assert s3.url(key(1)) == f"{s3_server.endpoint_url}/{s3.bucket}/{key(1)}"


def test_many_files_written_by_threads_listed_and_deleted_in_batches(s3: S3Storage) -> None:
    # More than one DeleteObjects batch and more than one listing page (1000 each), put
    # from several threads through the one shared client.
    keys = [key(n) for n in range(1003)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda k: s3.put(k, k.encode(), "image/webp"), keys))
    listed = list(s3.keys())
    assert listed == sorted(keys)
    missing = [key(n) for n in range(5000, 5010)]
    s3.delete(keys[:-1] + missing)  # missing keys are no error
    assert list(s3.keys()) == [keys[-1]]
    s3.delete([keys[-1], keys[-1]])
    assert list(s3.keys()) == []
    s3.delete([])


def test_keys_leaves_out_what_is_not_a_media_key(s3: S3Storage, s3_server: S3Server) -> None:
    s3_server.client().put_object(Bucket=s3.bucket, Key="backups/readme.txt", Body=b"x")
    s3.put(key(2, "w320.jpg"), b"jpeg", "image/jpeg")
    s3.put(key(1), WEBP, "image/webp")
    assert list(s3.keys()) == sorted([key(1), key(2, "w320.jpg")])


@pytest.mark.parametrize(
    "bad",
    [
        "../../etc/passwd",
        f"{key(1)}/../../x",
        "ab/../" + "a" * 64 + "/x.webp",
        "/" + key(1),
        key(1).upper(),
        key(1) + "\x00",
        key(1).replace("/", "\\"),
        "",
    ],
)
def test_keys_that_are_not_media_keys_are_refused(s3: S3Storage, bad: str) -> None:
    calls: list[Callable[[], object]] = [
        lambda: s3.put(bad, WEBP, "image/webp"),
        lambda: s3.exists(bad),
        lambda: s3.url(bad),
        lambda: s3.delete([bad]),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="not a media key"):
            call()
    s3.put(key(1), WEBP, "image/webp")
    with pytest.raises(ValueError, match="not a media key"):
        s3.delete([key(1), bad])  # one bad key: nothing is deleted
    assert list(s3.keys()) == [key(1)]


def test_check_names_the_bucket_setting_when_the_bucket_is_missing(
    s3_server: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in s3_server.settings_env(bucket="no-such-bucket").items():
        monkeypatch.setenv(name, value)
    with pytest.raises(RuntimeError) as caught:
        S3Storage.from_settings(Settings()).check()
    message = str(caught.value)
    assert "'no-such-bucket'" in message
    assert "does not exist" in message
    assert "NEWSDESK_S3_BUCKET" in message
    assert s3_server.secret_key not in message


def test_check_names_the_credential_settings_and_never_the_secret(
    s3_server: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "wrong-" + s3_server.secret_key[::-1]
    monkeypatch.setenv("NEWSDESK_S3_SECRET_ACCESS_KEY", wrong)
    for name, value in s3_server.settings_env().items():
        if name != "NEWSDESK_S3_SECRET_ACCESS_KEY":
            monkeypatch.setenv(name, value)
    s3 = S3Storage.from_settings(Settings())
    with pytest.raises(RuntimeError) as caught:
        s3.check()
    message = str(caught.value)
    assert "refused access" in message
    assert "NEWSDESK_S3_ACCESS_KEY_ID" in message
    assert "NEWSDESK_S3_SECRET_ACCESS_KEY" in message
    assert wrong not in message
    assert s3_server.access_key not in message
    # Nor anywhere in the chain a traceback would print.
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
    # Writes are refused too: the signature really is checked.
    with pytest.raises(ClientError, match=r"SignatureDoesNotMatch|AccessDenied|Forbidden"):
        s3.put(key(1), WEBP, "image/webp")


def test_check_names_the_endpoint_setting_when_nothing_answers(
    s3_server: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in s3_server.settings_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("NEWSDESK_S3_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    s3 = S3Storage.from_settings(Settings())
    with pytest.raises(RuntimeError, match=r"cannot reach S3.*NEWSDESK_S3_ENDPOINT_URL"):
        s3.check()


def test_the_public_address_of_the_files() -> None:
    aws = Settings(media_storage="s3", s3_bucket="news-media", s3_region="eu-west-1")
    assert S3Storage.from_settings(aws).url(key(1)) == (
        f"https://news-media.s3.eu-west-1.amazonaws.com/{key(1)}"
    )
    cdn = Settings(
        media_storage="s3",
        s3_bucket="news-media",
        s3_endpoint_url="https://account.r2.cloudflarestorage.com/",
        media_base_url="https://cdn.example.com/media/",
    )
    assert S3Storage.from_settings(cdn).url(key(1)) == f"https://cdn.example.com/media/{key(1)}"
    minio = Settings(media_storage="s3", s3_bucket="media", s3_endpoint_url="http://minio:9000/")
    assert S3Storage.from_settings(minio).url(key(1)) == f"http://minio:9000/media/{key(1)}"


def test_settings_of_an_app_can_be_pointed_at_the_server(s3_server: S3Server) -> None:
    settings = s3_server.configure(Settings(), bucket=s3_server.new_bucket())
    s3 = storage.from_settings(settings)
    s3.check()
    s3.put(key(3), WEBP, "image/webp")
    assert list(s3.keys()) == [key(3)]
    assert httpx.get(s3.url(key(3))).content == WEBP
