"""Fixtures of the media tests: a real S3-compatible server (SeaweedFS)."""

from collections.abc import Iterator

import pytest

from tests.media.s3server import S3Server, seaweedfs


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """One SeaweedFS per test process: under pytest-xdist each worker starts its own (a
    session fixture is per worker), so no worker depends on another's lifetime. Tests
    that need an empty bucket make one with `s3_server.new_bucket()`."""
    with seaweedfs() as server:
        yield server
