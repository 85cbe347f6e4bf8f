"""Media files in an S3 bucket: AWS S3 itself, or R2, MinIO, SeaweedFS and other
S3-compatible stores (`NEWSDESK_S3_ENDPOINT_URL`).

One boto3 client per storage, shared by every thread: boto3 clients are thread-safe, but
the default session that `boto3.client()` uses is not, so the client is made from a
session of its own. Credentials come from `NEWSDESK_S3_ACCESS_KEY_ID` /
`NEWSDESK_S3_SECRET_ACCESS_KEY` or, when those are unset, from boto3's own chain
(environment, profile, instance role). Neither key is ever logged or put in an error.
"""

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Self

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from app.config import Settings
from app.media.storage import IMMUTABLE, KEY, check_key

if TYPE_CHECKING:
    from types_boto3_s3 import S3Client

DELETE_BATCH = 1000  # the most keys one DeleteObjects call takes
CREDENTIALS = "NEWSDESK_S3_ACCESS_KEY_ID and NEWSDESK_S3_SECRET_ACCESS_KEY"


def client_config(*, path_style: bool) -> Config:
    """Bounded waits (a stalled store fails an upload in seconds, not minutes) and
    botocore's standard retries of throttling and 5xx answers."""
    return Config(
        connect_timeout=5,
        read_timeout=30,
        max_pool_connections=20,  # more threads than this would wait for a connection
        retries={"max_attempts": 4, "mode": "standard"},
        # Path style (`{endpoint}/{bucket}/{key}`): S3-compatible stores seldom have the
        # wildcard DNS that virtual-host style needs.
        s3={"addressing_style": "path" if path_style else "auto"},
        # boto3 ≥ 1.36 adds CRC checksums to every upload by default; several
        # S3-compatible stores refuse them, and content-addressed keys already
        # name the bytes. Checksums are still sent where the API requires one.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )


class S3Storage:
    def __init__(self, client: "S3Client", bucket: str, base_url: str, *, endpoint: str) -> None:
        self.client = client
        self.bucket = bucket
        self.base_url = base_url.rstrip("/")
        self.endpoint = endpoint  # for error messages only

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        if not settings.s3_bucket:
            raise RuntimeError("NEWSDESK_MEDIA_STORAGE=s3 needs NEWSDESK_S3_BUCKET")
        bucket, region = settings.s3_bucket, settings.s3_region
        endpoint = settings.s3_endpoint_url.rstrip("/") if settings.s3_endpoint_url else None
        key_id, secret = settings.s3_access_key_id, settings.s3_secret_access_key
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id=key_id.get_secret_value() if key_id else None,
            aws_secret_access_key=secret.get_secret_value() if secret else None,
            config=client_config(path_style=endpoint is not None),
        )
        if settings.media_base_url:
            base_url = settings.media_base_url
        elif endpoint:
            base_url = f"{endpoint}/{bucket}"
        else:
            base_url = f"https://{bucket}.s3.{region}.amazonaws.com"
        return cls(client, bucket, base_url, endpoint=endpoint or f"AWS S3 ({region})")

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(
            Bucket=self.bucket,
            Key=check_key(key),
            Body=data,
            ContentType=content_type,
            CacheControl=IMMUTABLE,
        )

    def get(self, key: str) -> bytes:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=check_key(key))
        except ClientError as exc:
            if _status(exc) == 404:
                raise FileNotFoundError(key) from None
            raise
        data: bytes = answer["Body"].read()
        return data

    def delete(self, keys: Iterable[str]) -> None:
        # Every key is checked before the first call, so a bad one deletes nothing.
        checked = [check_key(key) for key in keys]
        for start in range(0, len(checked), DELETE_BATCH):
            batch = checked[start : start + DELETE_BATCH]
            answer = self.client.delete_objects(
                Bucket=self.bucket,
                Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
            )
            # A missing key is a success in S3; what comes back here really failed.
            errors = [e for e in answer.get("Errors", []) if e.get("Code") != "NoSuchKey"]
            if errors:
                shown = ", ".join(f"{e.get('Key')}: {e.get('Code')}" for e in errors[:5])
                raise RuntimeError(f"S3 refused to delete {len(errors)} file(s): {shown}")

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=check_key(key))
        except ClientError as exc:
            if _status(exc) == 404:
                return False
            raise
        return True

    def keys(self) -> Iterator[str]:
        """Lazily, page by page, in key order; objects that are not media keys (another
        application's, in a shared bucket) are left out."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        for page in pages:
            for item in page.get("Contents", []):
                key = item.get("Key", "")
                if KEY.fullmatch(key):
                    yield key

    def entries(self) -> Iterator[tuple[str, float]]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        for page in pages:
            for item in page.get("Contents", []):
                key = item.get("Key", "")
                if KEY.fullmatch(key) and "LastModified" in item:
                    yield key, item["LastModified"].timestamp()

    def leftovers(self, older_than: float) -> int:
        return 0  # a put is atomic: an object is whole or absent

    def url(self, key: str) -> str:
        return f"{self.base_url}/{check_key(key)}"

    def check(self) -> None:
        where = f"bucket {self.bucket!r} at {self.endpoint}"
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except NoCredentialsError:
            raise RuntimeError(
                f"no S3 credentials for {where}: set {CREDENTIALS} "
                "(or give boto3 credentials of its own)"
            ) from None
        except ClientError as exc:
            status = _status(exc)
            if status == 404:
                message = f"S3 {where} does not exist: check NEWSDESK_S3_BUCKET"
            elif status in (401, 403):
                message = f"S3 refused access to {where}: check {CREDENTIALS}"
            else:
                message = f"S3 {where} answered {status or 'an error'}"
            raise RuntimeError(
                f"{message} (and NEWSDESK_S3_ENDPOINT_URL, NEWSDESK_S3_REGION)"
            ) from None
        except BotoCoreError as exc:
            # Connection errors: their text names the endpoint, never the credentials.
            raise RuntimeError(
                f"cannot reach S3 {where}: {exc} (check NEWSDESK_S3_ENDPOINT_URL)"
            ) from None


def _status(exc: ClientError) -> int | None:
    return exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
